package permit_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
)

// TestInvariantsUnderRandomOperations runs random sequences of what
// residents and officers do, at random dates, and after every step checks
// the invariants the council relies on:
//   - never more free permits in a pool than it allows, on any date;
//   - every approved paid permit has exactly one captured payment of its
//     quoted price, and every rejected one ends with nothing taken;
//   - no permit is approved without evidence that passes its checks, and
//     no renewal starts before its predecessor ends or leaves a gap.
func TestInvariantsUnderRandomOperations(t *testing.T) {
	seeds := 20
	steps := 120
	if testing.Short() {
		seeds, steps = 4, 60
	}
	done := map[string]int{}
	for seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			runRandomLife(t, uint64(seed), steps, done)
		})
	}
	t.Logf("successful operations: %v", done)
	// The sequences must actually exercise the lifecycle, or the checks
	// above prove nothing.
	for _, op := range []string{"apply", "approve", "reject", "cancel", "renew", "vehicle"} {
		require.Positivef(t, done[op], "no successful %s in any sequence: %v", op, done)
	}
}

// runRandomLife returns the world it ran, whose event log the events
// documentation test reads.
func runRandomLife(t *testing.T, seed uint64, steps int, done map[string]int) *world {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	start := at(2026, 3, 20+rng.IntN(10), 9, 0) // includes the clocks going forward
	w := newWorld(t, start)
	ctx := context.Background()
	accounts := []permit.Account{
		w.account(home, "a@example.org"),
		w.account(home, ""),
		w.account(neighbour, "c@example.org"),
	}
	types := []string{"essential-carer", "disabled-resident"}
	pick := func(ps []permit.Permit) (permit.Permit, bool) {
		if len(ps) == 0 {
			return permit.Permit{}, false
		}
		return ps[rng.IntN(len(ps))], true
	}
	var log []string
	for step := range steps {
		all := w.allPermits(accounts)
		var op string
		switch rng.IntN(8) {
		case 0, 1:
			acc := accounts[rng.IntN(len(accounts))]
			typ := types[rng.IntN(2)]
			docs := w.proofOfCare()
			if typ == "disabled-resident" {
				docs = []evidence.Document{{Kind: "blue_badge", IssuedOn: w.today().AddDate(0, -1, 0), Name: "Jane Smith"}}
			}
			if rng.IntN(5) == 0 {
				docs = nil
			}
			_, err := w.svc.Apply(ctx, permit.AccountActor(acc.ID), permit.Application{
				AccountID: acc.ID, Type: typ, VRM: fmt.Sprintf("AB%02dCDE", rng.IntN(30)), Pay: rng.IntN(6) == 0, Evidence: docs})
			op = fmt.Sprintf("apply %s %s: %v", acc.ID, typ, err)
		case 2:
			if p, ok := pick(filter(all, permit.PendingReview)); ok {
				_, err := w.svc.Approve(ctx, w.officer, p.ID)
				op = fmt.Sprintf("approve %s: %v", p.ID, err)
			}
		case 3:
			if p, ok := pick(filter(all, permit.PendingReview)); ok {
				_, err := w.svc.Reject(ctx, w.officer, p.ID, permit.Rejection{Code: "proof_unclear", Reason: "random"})
				op = fmt.Sprintf("reject %s: %v", p.ID, err)
			}
		case 4:
			if p, ok := pick(all); ok && rng.IntN(3) == 0 {
				_, err := w.svc.Cancel(ctx, permit.AccountActor(p.AccountID), p.ID, "random")
				op = fmt.Sprintf("cancel %s: %v", p.ID, err)
			}
		case 5:
			if p, ok := pick(filter(all, permit.Approved)); ok {
				_, err := w.svc.Renew(ctx, permit.AccountActor(p.AccountID), p.ID, permit.Renewal{Evidence: w.proofOfCare(), Pay: rng.IntN(8) == 0})
				op = fmt.Sprintf("renew %s: %v", p.ID, err)
			}
		case 6:
			if p, ok := pick(all); ok {
				var on time.Time
				if rng.IntN(2) == 0 {
					on = w.today().AddDate(0, 0, 1+rng.IntN(20))
				}
				_, _, err := w.svc.ChangeVehicle(ctx, permit.AccountActor(p.AccountID), p.ID, fmt.Sprintf("XY%02dZZZ", rng.IntN(30)), on)
				op = fmt.Sprintf("vehicle %s: %v", p.ID, err)
			}
		case 7:
			w.setNow(w.svc.Now().Add(time.Duration(rng.IntN(90*24)) * time.Hour))
			_, err := w.svc.RunDue(ctx, w.svc.Now())
			require.NoError(t, err)
			op = "advance to " + w.svc.Now().Format(time.RFC3339)
		}
		if name, result, ok := strings.Cut(op, " "); ok && strings.HasSuffix(result, ": <nil>") {
			done[name]++
		}
		log = append(log, op)
		w.checkInvariants(t, accounts, func() string { return fmt.Sprintf("after step %d (%s); ops:\n%v", step, op, log) })
	}
	return w
}

func filter(ps []permit.Permit, s permit.Status) []permit.Permit {
	var out []permit.Permit
	for _, p := range ps {
		if p.Status == s {
			out = append(out, p)
		}
	}
	return out
}

func (w *world) allPermits(accounts []permit.Account) []permit.Permit {
	w.t.Helper()
	var all []permit.Permit
	for _, a := range accounts {
		ps, err := w.svc.PermitsOfAccount(context.Background(), permit.System, a.ID)
		require.NoError(w.t, err)
		all = append(all, ps...)
	}
	return all
}

func (w *world) checkInvariants(t *testing.T, accounts []permit.Account, where func() string) {
	t.Helper()
	all := w.allPermits(accounts)
	byID := map[string]permit.Permit{}
	for _, p := range all {
		byID[p.ID] = p
	}
	today := w.today()

	// The pool (scope property, one free place): on every date from today
	// on, at most one free chain per property is live.
	for d := today; d.Before(today.AddDate(1, 1, 0)); d = d.AddDate(0, 0, 7) {
		chains := map[string]map[string]bool{}
		for _, p := range all {
			if p.Free && p.Live(d) && !p.StartsOn.After(d) {
				key := p.UPRN.String()
				if chains[key] == nil {
					chains[key] = map[string]bool{}
				}
				chains[key][p.ChainID] = true
			}
		}
		for uprn, cs := range chains {
			require.LessOrEqualf(t, len(cs), 1, "property %s has %d free chains on %s %s", uprn, len(cs), d.Format(time.DateOnly), where())
		}
	}

	taken := decimal.Zero
	for _, p := range all {
		if p.Free {
			require.True(t, p.Price.IsZero(), where())
			if p.Payment != nil {
				// A paid application that became free (RULES R1,
				// 2026-12) keeps its payment, voided: nothing taken.
				g, ok := w.pay.Payment(p.Payment.ID)
				require.True(t, ok, where())
				require.Equal(t, permit.PaymentVoided, g.Status, where())
				require.Equal(t, permit.PaymentVoided, p.Payment.Status, where())
			}
		}
		switch p.Status {
		case permit.Approved:
			if p.Price.IsPositive() {
				require.NotNil(t, p.Payment, where())
				require.Equal(t, permit.PaymentCaptured, p.Payment.Status, where())
				require.Truef(t, p.Payment.Amount.Equal(p.Price), "captured %s, quoted %s %s", p.Payment.Amount, p.Price, where())
				g, ok := w.pay.Payment(p.Payment.ID)
				require.True(t, ok, where())
				require.Equal(t, permit.PaymentCaptured, g.Status, where())
			}
			// Its evidence passes the scheme's checks on the submission date,
			// unless the scheme's retention has deleted it since.
			if p.EvidenceDeletedOn.IsZero() {
				acc, err := w.svc.Account(context.Background(), permit.System, p.AccountID)
				require.NoError(t, err)
				scheme := w.svc.Scheme()
				sub := evidence.Submission{Action: evidence.ActionApply, On: eligibility.Today(p.CreatedAt, london),
					Documents: p.Evidence, VRM: string(p.VRM), HolderName: acc.Name}
				if p.RenewalOf != "" {
					sub.Action, sub.PreviousAcceptedOn = evidence.ActionRenew, byID[p.RenewalOf].EvidenceAcceptedOn
				}
				sub.Requirements, _ = scheme.Requirements(p.Type, sub.Action)
				require.Truef(t, scheme.Evidence.Check(sub).OK(), "approved %s with evidence that does not pass %s", p.ID, where())
			}
		case permit.Rejected, permit.Withdrawn:
			if p.Payment != nil && p.Payment.ID != "" {
				g, ok := w.pay.Payment(p.Payment.ID)
				require.True(t, ok, where())
				require.Contains(t, []permit.PaymentStatus{permit.PaymentVoided, permit.PaymentRefunded}, g.Status, where())
				require.True(t, g.Amount.Sub(g.Refunded).IsZero() || g.Status == permit.PaymentVoided, where())
			}
		}
		if p.Payment != nil && p.Payment.ID != "" {
			g, _ := w.pay.Payment(p.Payment.ID)
			if g.Status == permit.PaymentCaptured || g.Status == permit.PaymentRefunded {
				taken = taken.Add(g.Amount.Sub(g.Refunded))
			}
		}
		if p.RenewalOf != "" {
			old := byID[p.RenewalOf]
			require.Equalf(t, old.ExpiresOn.AddDate(0, 0, 1), p.StartsOn, "renewal %s of %s: no gap, no overlap %s", p.ID, old.ID, where())
		}
	}
	require.Truef(t, w.pay.Taken().Equal(taken), "gateway took %s, permits account for %s %s", w.pay.Taken(), taken, where())
}
