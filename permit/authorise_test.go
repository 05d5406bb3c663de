package permit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// authFixture is what every operation of TestEveryOperationChecksTheActor
// acts on: account a's approved permit with a scheduled vehicle change,
// its application pending review and its address change pending review;
// account b is another household's.
type authFixture struct {
	w        *world
	a, b     permit.Account
	approved permit.Permit
	pending  permit.Permit
	change   permit.VehicleChange
	move     permit.AddressChange
}

func newAuthFixture(t *testing.T) authFixture {
	t.Helper()
	ctx := context.Background()
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	f := authFixture{w: w, a: w.account(home, "jane@example.org"), b: w.account(neighbour, "")}
	f.approved = w.mustApply(f.a, "essential-carer", "AB12CDE")
	_, err := w.svc.Approve(ctx, w.officer, f.approved.ID)
	require.NoError(t, err)
	_, vc, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(f.a.ID), f.approved.ID, "EF56GHI", d(2026, 12, 10))
	require.NoError(t, err)
	require.NotNil(t, vc)
	f.change = *vc
	f.pending = w.mustApply(f.a, "essential-carer", "CD34EFG")
	bill := []evidence.Document{{Kind: "utility_bill", IssuedOn: d(2026, 10, 1), Name: "Jane Smith", Address: "Rose Cottage, Ashby Road, LE11 3AB"}}
	f.move, err = w.svc.RequestAddressChange(ctx, permit.AccountActor(f.a.ID), f.a.ID, sameZone, bill)
	require.NoError(t, err)
	return f
}

// Issue 14 item 4: the Service checks the actor of every operation that
// changes something, not only the HTTP layer. Decisions are the
// council's: anyone else is ErrForbidden. What a holder does, the account
// itself or the council may do; another account is ErrNotFound (nothing
// says whether it exists), any other actor ErrForbidden. A refusal
// changes nothing.
func TestEveryOperationChecksTheActor(t *testing.T) {
	ctx := context.Background()
	integration := permit.Actor{Role: "integration", ID: "crm"}
	ops := []struct {
		name    string
		council bool // a decision: officers (and the system) only
		do      func(f authFixture, by permit.Actor) error
	}{
		{"Approve", true, func(f authFixture, by permit.Actor) error {
			_, err := f.w.svc.Approve(ctx, by, f.pending.ID)
			return err
		}},
		{"Reject", true, func(f authFixture, by permit.Actor) error {
			_, err := f.w.svc.Reject(ctx, by, f.pending.ID, permit.Rejection{Code: "proof_unclear", Reason: "The letter is unreadable."})
			return err
		}},
		{"ApproveAddressChange", true, func(f authFixture, by permit.Actor) error {
			_, err := f.w.svc.ApproveAddressChange(ctx, by, f.move.ID)
			return err
		}},
		{"RejectAddressChange", true, func(f authFixture, by permit.Actor) error {
			_, err := f.w.svc.RejectAddressChange(ctx, by, f.move.ID, permit.Rejection{Code: "not_resident", Reason: "The bill is for someone else."})
			return err
		}},
		{"Apply", false, func(f authFixture, by permit.Actor) error {
			// Account a has as many carer permits as allowed; b is the owner here.
			_, err := f.w.svc.Apply(ctx, by, permit.Application{AccountID: f.b.ID, Type: "essential-carer", VRM: "GH78JKL", Evidence: f.w.proofOfCare()})
			return err
		}},
		{"Renew", false, func(f authFixture, by permit.Actor) error {
			f.w.setNow(at(2027, 11, 10, 10, 0)) // inside the renewal window
			_, err := f.w.svc.Renew(ctx, by, f.approved.ID, permit.Renewal{Evidence: f.w.proofOfCare()})
			return err
		}},
		{"Cancel", false, func(f authFixture, by permit.Actor) error {
			_, err := f.w.svc.Cancel(ctx, by, f.approved.ID, "no longer needed")
			return err
		}},
		{"Cancel (withdraw an application)", false, func(f authFixture, by permit.Actor) error {
			_, err := f.w.svc.Cancel(ctx, by, f.pending.ID, "no longer needed")
			return err
		}},
		{"ChangeVehicle", false, func(f authFixture, by permit.Actor) error {
			_, _, err := f.w.svc.ChangeVehicle(ctx, by, f.approved.ID, "MN90PQR", d(2026, 11, 24))
			return err
		}},
		{"WithdrawVehicleChange", false, func(f authFixture, by permit.Actor) error {
			_, err := f.w.svc.WithdrawVehicleChange(ctx, by, f.approved.ID, f.change.ID)
			return err
		}},
		{"ChangeContact", false, func(f authFixture, by permit.Actor) error {
			phone := "07700 900123"
			_, err := f.w.svc.ChangeContact(ctx, by, f.a.ID, permit.ContactChange{Phone: &phone})
			return err
		}},
		{"RequestAddressChange", false, func(f authFixture, by permit.Actor) error {
			// Account b has no move pending; b is the owner here.
			bill := []evidence.Document{{Kind: "utility_bill", IssuedOn: d(2026, 10, 1), Name: "Jane Smith", Address: "Rose Cottage, Ashby Road, LE11 3AB"}}
			_, err := f.w.svc.RequestAddressChange(ctx, by, f.b.ID, sameZone, bill)
			return err
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			f := newAuthFixture(t)
			owner, other := f.a, f.b
			if op.name == "RequestAddressChange" || op.name == "Apply" {
				owner, other = f.b, f.a
			}
			before := len(f.w.events())
			refuse := func(by permit.Actor, want error) {
				t.Helper()
				err := op.do(f, by)
				require.ErrorIs(t, err, want, "%s by %s", op.name, by)
				if want == permit.ErrNotFound {
					require.NotErrorIs(t, err, permit.ErrForbidden, "another account is not told the thing exists")
				}
				require.Len(t, f.w.events(), before, "a refused %s by %s wrote nothing", op.name, by)
			}
			for _, by := range []permit.Actor{integration, permit.PublicActor, {}, {Role: "account"}} {
				refuse(by, permit.ErrForbidden)
			}
			if op.council {
				refuse(permit.AccountActor(owner.ID), permit.ErrForbidden)
				refuse(permit.AccountActor(other.ID), permit.ErrForbidden)
				require.NoError(t, op.do(f, f.w.officer))
				return
			}
			refuse(permit.AccountActor(other.ID), permit.ErrNotFound)
			require.NoError(t, op.do(f, permit.AccountActor(owner.ID)))

			// An officer acts for any account.
			g := newAuthFixture(t)
			require.NoError(t, op.do(g, g.w.officer), "%s by an officer", op.name)
		})
	}
}

// Opening an account is open to the public, accounts, officers and the
// system; a read-only integration opens none.
func TestCreateAccountChecksTheActor(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	in := permit.NewAccount{Name: "Jane Smith", UPRN: home}
	for i, by := range []permit.Actor{permit.PublicActor, permit.AccountActor("acc_9"), w.officer, permit.System} {
		in := in
		in.UPRN = []zones.UPRN{home, neighbour, sameZone, otherZone}[i] // under the daily cap per property
		_, err := w.svc.CreateAccount(ctx, by, in)
		require.NoError(t, err, "by %s", by)
	}
	for _, by := range []permit.Actor{{Role: "integration", ID: "crm"}, {}} {
		_, err := w.svc.CreateAccount(ctx, by, in)
		require.ErrorIs(t, err, permit.ErrForbidden, "by %s", by)
	}
}

// Issue 14 item 4, the reads: every read of the Service checks its actor
// as docs/API.md's roles say. One account's things are its own, the
// council's and a read-only integration's (another account: ErrNotFound,
// as if they did not exist); the applicant's questions (eligibility) are
// the account's and the council's; everyone's things (the feed, the review
// queue, searches) are the council's and integrations'; the council's
// tools (payments owed, enforcement, the current permits) officers' and
// the system's. Public callers and actors with no role read nothing.
func TestEveryReadChecksTheActor(t *testing.T) {
	ctx := context.Background()
	f := newAuthFixture(t)
	svc := f.w.svc
	integration := permit.Actor{Role: permit.RoleIntegration, ID: "crm"}
	type access int
	const (
		ownersToo access = iota // owner, council, integration
		applicant               // owner, council
		everyones               // council, integration
		councils                // council only
	)
	reads := []struct {
		name   string
		access access
		read   func(by permit.Actor) error
	}{
		{"Account", ownersToo, func(by permit.Actor) error { _, err := svc.Account(ctx, by, f.a.ID); return err }},
		{"Permit", ownersToo, func(by permit.Actor) error { _, err := svc.Permit(ctx, by, f.approved.ID); return err }},
		{"PermitsOfAccount", ownersToo, func(by permit.Actor) error { _, err := svc.PermitsOfAccount(ctx, by, f.a.ID); return err }},
		{"PermitHistory", ownersToo, func(by permit.Actor) error { _, err := svc.PermitHistory(ctx, by, f.approved.ID); return err }},
		{"AddressChange", ownersToo, func(by permit.Actor) error { _, err := svc.AddressChange(ctx, by, f.move.ID); return err }},
		{"Eligibility", applicant, func(by permit.Actor) error {
			_, err := svc.Eligibility(ctx, by, permit.EligibilityQuery{AccountID: f.a.ID, Type: "essential-carer"})
			return err
		}},
		{"RenewalEligibility", applicant, func(by permit.Actor) error {
			_, err := svc.RenewalEligibility(ctx, by, f.approved.ID, false)
			return err
		}},
		{"Events", everyones, func(by permit.Actor) error { _, _, err := svc.Events(ctx, by, "", 10); return err }},
		{"EventsFrom", everyones, func(by permit.Actor) error { _, _, err := svc.EventsFrom(ctx, by, "", 10); return err }},
		{"ReviewQueue", everyones, func(by permit.Actor) error { _, err := svc.ReviewQueue(ctx, by, 10); return err }},
		{"ReviewQueuePage", everyones, func(by permit.Actor) error { _, _, err := svc.ReviewQueuePage(ctx, by, "", 10); return err }},
		{"SearchAccounts", everyones, func(by permit.Actor) error {
			_, _, err := svc.SearchAccounts(ctx, by, permit.Search{Name: "Jane", Limit: 10})
			return err
		}},
		{"SearchPermits", everyones, func(by permit.Actor) error {
			_, _, err := svc.SearchPermits(ctx, by, permit.Search{VRM: "AB12CDE", Limit: 10})
			return err
		}},
		{"PaymentRetries", councils, func(by permit.Actor) error { _, err := svc.PaymentRetries(ctx, by, 10); return err }},
		{"CheckVehicle", councils, func(by permit.Actor) error {
			_, err := svc.CheckVehicle(ctx, by, "AB12CDE", "loughborough-1", at(2026, 11, 25, 10, 0))
			return err
		}},
		{"CurrentPermits", councils, func(by permit.Actor) error {
			_, err := svc.CurrentPermits(ctx, by, d(2026, 11, 25), "", 10)
			return err
		}},
	}
	owner, other := permit.AccountActor(f.a.ID), permit.AccountActor(f.b.ID)
	for _, rd := range reads {
		t.Run(rd.name, func(t *testing.T) {
			allowed := []permit.Actor{f.w.officer, permit.System}
			refused := map[string]error{}
			switch rd.access {
			case ownersToo:
				allowed = append(allowed, owner, integration)
				refused["other account"] = permit.ErrNotFound
			case applicant:
				allowed = append(allowed, owner)
				refused["integration"] = permit.ErrForbidden
				refused["other account"] = permit.ErrNotFound
			case everyones:
				allowed = append(allowed, integration)
				refused["owner"], refused["other account"] = permit.ErrForbidden, permit.ErrForbidden
			case councils:
				refused["integration"], refused["owner"], refused["other account"] = permit.ErrForbidden, permit.ErrForbidden, permit.ErrForbidden
			}
			for _, by := range allowed {
				require.NoError(t, rd.read(by), "%s by %s", rd.name, by)
			}
			actors := map[string]permit.Actor{"integration": integration, "owner": owner, "other account": other}
			for who, want := range refused {
				err := rd.read(actors[who])
				require.ErrorIs(t, err, want, "%s by the %s", rd.name, who)
				if want == permit.ErrNotFound {
					require.NotErrorIs(t, err, permit.ErrForbidden, "another account is not told the thing exists")
				}
			}
			for _, by := range []permit.Actor{permit.PublicActor, {}, {Role: permit.RoleAccount}, {Role: "auditor", ID: "x"}} {
				require.ErrorIs(t, rd.read(by), permit.ErrForbidden, "%s by %q", rd.name, by)
			}
		})
	}
}
