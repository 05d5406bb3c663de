package permit_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// Issue 14: a council asks for proof of residency with an account's first
// application at its property only (first_application): the first
// application needs it, at apply and again at approval; the account's
// next application there, once a permit was issued, does not.
func TestFirstApplicationNeedsItsOwnEvidence(t *testing.T) {
	data, err := os.ReadFile("../examples/leicestershire/scheme.yaml")
	require.NoError(t, err)
	const apply = "      apply: [proof_of_care]\n"
	require.Contains(t, string(data), apply)
	file := strings.Replace(string(data), apply, apply+"      first_application: [proof_of_residency]\n", 1)
	sch, err := scheme.Load(strings.NewReader(file))
	require.NoError(t, err)
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	now := at(2027, 6, 10, 9, 0)
	svc, err := permit.NewService(sch, memstore.New(), g, fakepay.New(), &permit.Options{Now: func() time.Time { return now }})
	require.NoError(t, err)
	ctx := t.Context()
	officer := permit.OfficerActor("jo.bloggs")

	acc, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", UPRN: home})
	require.NoError(t, err)
	today := d(2027, 6, 10)
	care := evidence.Document{Kind: "proof_of_care", IssuedOn: today.AddDate(0, 0, -7), Name: "Jane Smith"}
	bill := evidence.Document{Kind: "utility_bill", IssuedOn: today.AddDate(0, -1, 0), Name: "Jane Smith", Address: "12 Ashby Road, Loughborough, LE11 3AB"}
	app := permit.Application{AccountID: acc.ID, Type: "essential-carer", VRM: "AB12CDE"}

	first := app
	first.Evidence = []evidence.Document{care}
	_, err = svc.Apply(ctx, permit.AccountActor(acc.ID), first)
	require.ErrorIs(t, err, permit.ErrEvidence)
	var ee *permit.EvidenceError
	require.True(t, errors.As(err, &ee))
	require.ErrorContains(t, err, "Proof of residency")

	first.Evidence = []evidence.Document{care, bill}
	p, err := svc.Apply(ctx, permit.AccountActor(acc.ID), first)
	require.NoError(t, err)
	p, err = svc.Approve(ctx, officer, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Approved, p.Status)

	// A permit was issued here: the next application needs proof of care only.
	second := app
	second.VRM, second.Evidence = "CD34EFG", []evidence.Document{care}
	p2, err := svc.Apply(ctx, permit.AccountActor(acc.ID), second)
	require.NoError(t, err)
	_, err = svc.Approve(ctx, officer, p2.ID)
	require.NoError(t, err)

	// Another account at the same address applies for the first time.
	other, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", UPRN: neighbour})
	require.NoError(t, err)
	third := second
	third.AccountID, third.VRM = other.ID, "EF56GHJ"
	_, err = svc.Apply(ctx, permit.AccountActor(other.ID), third)
	require.ErrorIs(t, err, permit.ErrEvidence)

	// Approval checks the evidence again, first_application included: an
	// application made before the scheme asked for it is not approved
	// without it.
	store := memstore.New()
	before, err := permit.NewService(loadLeicestershire(t), store, g, fakepay.New(), &permit.Options{Now: func() time.Time { return now }})
	require.NoError(t, err)
	after, err := permit.NewService(sch, store, g, fakepay.New(), &permit.Options{Now: func() time.Time { return now }})
	require.NoError(t, err)
	acc, err = before.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", UPRN: home})
	require.NoError(t, err)
	app.AccountID, app.Evidence = acc.ID, []evidence.Document{care}
	p, err = before.Apply(ctx, permit.AccountActor(acc.ID), app)
	require.NoError(t, err)
	_, err = after.Approve(ctx, officer, p.ID)
	require.ErrorIs(t, err, permit.ErrEvidence)
	require.ErrorContains(t, err, "Proof of residency")
}
