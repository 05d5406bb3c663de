package permittest

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/civil"
)

var roundTripTests = []namedTest{
	{"MoneyIsExact", testMoney},
	{"DatesStayDates", testDates},
	{"InstantsComeBackInUTC", testInstants},
	{"EveryPermitField", testEveryPermitField},
	{"ZeroValues", testZeroValues},
	{"HostedPayment", testHostedPayment},
	{"EveryAddressChangeField", testEveryAddressChangeField},
	{"DatesOutsideYears1To9999Refused", testDatesOutOfRange},
}

// testDatesOutOfRange is issue 11's defect 1: a permit starting 9999-12-31
// expires in year 10000, which SQLite stored and then could not read back,
// breaking every read that met the row. A store refuses a date or instant
// whose year as stored (instants in UTC) is outside 1 to 9999, wrapping
// ErrValidation, and keeps nothing of it; the edges themselves round-trip.
func testDatesOutOfRange(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	seed(t, st, []permit.Account{a})
	// 23:30 on 31 December 9999 in New York is year 10000 in UTC.
	newYork, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	lastInstantLocal := time.Date(9999, time.December, 31, 23, 30, 0, 0, newYork)
	cases := []struct {
		name string
		edit func(p *permit.Permit)
	}{
		{"expiry in year 10000", func(p *permit.Permit) {
			p.StartsOn, p.ExpiresOn = date(9999, time.December, 31), date(10000, time.December, 30)
		}},
		{"start in year 0", func(p *permit.Permit) { p.StartsOn = time.Date(0, time.December, 31, 0, 0, 0, 0, time.UTC) }},
		{"instant in year 10000 in UTC", func(p *permit.Permit) { p.UpdatedAt = lastInstantLocal }},
		{"evidence issued in year 10000", func(p *permit.Permit) { p.Evidence[0].IssuedOn = date(10000, time.January, 1) }},
		{"vehicle change in year 10000", func(p *permit.Permit) {
			p.PendingVehicleChange = &permit.VehicleChange{ID: "vc-1", VRM: "CD34EFG", EffectiveOn: date(10000, time.January, 1), RequestedAt: fixtureCreatedAt, RequestedBy: "account:acc-1"}
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPermit(fmt.Sprintf("p-far-%d", i), a)
			tc.edit(&p)
			err := st.Update(t.Context(), func(tx permit.Tx) error { return tx.CreatePermit(p) })
			require.ErrorIs(t, err, permit.ErrValidation)
			view(t, st, func(tx permit.ReadTx) error {
				_, err := tx.Permit(p.ID)
				require.ErrorIs(t, err, permit.ErrNotFound, "never a stored row")
				return nil
			})
			// An update to such a value is refused the same way.
			ok := NewPermit(fmt.Sprintf("p-ok-%d", i), a)
			update(t, st, func(tx permit.Tx) error { return tx.CreatePermit(ok) })
			bad := ok
			bad.Version = 1
			tc.edit(&bad)
			err = st.Update(t.Context(), func(tx permit.Tx) error { return tx.UpdatePermit(bad) })
			require.ErrorIs(t, err, permit.ErrValidation)
			view(t, st, func(tx permit.ReadTx) error {
				got, err := tx.Permit(ok.ID)
				require.NoError(t, err)
				require.Equal(t, 1, got.Version, "left as it was")
				return nil
			})
		})
	}
	t.Run("accounts, address changes and events", func(t *testing.T) {
		far := NewAccount("acc-far", testUPRN)
		far.CreatedAt = lastInstantLocal
		err := st.Update(t.Context(), func(tx permit.Tx) error { return tx.CreateAccount(far) })
		require.ErrorIs(t, err, permit.ErrValidation)
		c := NewAddressChange("c-far", a, otherUPRN)
		c.DueOn = date(10000, time.January, 4)
		err = st.Update(t.Context(), func(tx permit.Tx) error { return tx.CreateAddressChange(c) })
		require.ErrorIs(t, err, permit.ErrValidation)
		err = st.Update(t.Context(), func(tx permit.Tx) error {
			return tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied, At: lastInstantLocal, Actor: "system"})
		})
		require.ErrorIs(t, err, permit.ErrValidation)
		view(t, st, func(tx permit.ReadTx) error {
			_, err := tx.Account(far.ID)
			require.ErrorIs(t, err, permit.ErrNotFound)
			_, err = tx.AddressChange(c.ID)
			require.ErrorIs(t, err, permit.ErrNotFound)
			return nil
		})
		evs, _, err := st.Events(t.Context(), "", 100)
		require.NoError(t, err)
		for _, e := range evs {
			require.NotEqual(t, "system", e.Actor, "the refused event is not in the feed")
		}
	})
	t.Run("the edges round-trip", func(t *testing.T) {
		p := NewPermit("p-edge", a)
		p.StartsOn, p.ExpiresOn = date(1, time.January, 1), date(9999, time.December, 31)
		update(t, st, func(tx permit.Tx) error { return tx.CreatePermit(p) })
		view(t, st, func(tx permit.ReadTx) error {
			got, err := tx.Permit(p.ID)
			require.NoError(t, err)
			require.True(t, p.StartsOn.Equal(got.StartsOn))
			require.True(t, p.ExpiresOn.Equal(got.ExpiresOn))
			return nil
		})
	})
}

func testMoney(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	seed(t, st, []permit.Account{a})
	for i, amount := range []string{"55.00", "0.00", "1234567.89", "0.01", "30.10"} {
		t.Run(amount, func(t *testing.T) {
			p := NewPermit(fmt.Sprintf("p-%d", i), a)
			p.Price = decimal.RequireFromString(amount)
			p.Payment.Amount = p.Price
			p.Payment.Refunded = decimal.RequireFromString(amount)
			p.Payment.Status = permit.PaymentRefunded
			p.Status = permit.Cancelled
			p.Cancellation = &permit.Cancellation{At: fixtureCreatedAt, By: "officer:jo", Reason: "moved away", Refund: decimal.RequireFromString(amount)}
			update(t, st, func(tx permit.Tx) error { return tx.CreatePermit(p) })
			got := getPermit(t, st, p.ID)
			p.Version = 1
			requirePermit(t, p, got)
			require.Equal(t, amount, got.Price.StringFixed(2))
		})
	}
	t.Run("free permit with zero price", func(t *testing.T) {
		p := NewPermit("p-free", a)
		p.Free, p.Pool, p.FreeSlot = true, "carer", 1
		p.Price, p.Payment = decimal.Decimal{}, nil
		update(t, st, func(tx permit.Tx) error { return tx.CreatePermit(p) })
		got := getPermit(t, st, p.ID)
		require.Nil(t, got.Payment, "a free permit has no payment")
		require.True(t, got.Price.IsZero())
		require.Equal(t, "0.00", got.Price.StringFixed(2))
	})
}

func testDates(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	seed(t, st, []permit.Account{a})
	cases := []struct {
		name              string
		starts, expires   time.Time
		effective, issued time.Time
	}{
		{"29 February 2028", date(2028, time.February, 29), date(2029, time.February, 28), date(2028, time.February, 29), date(2028, time.February, 29)},
		{"BST ends 31 October 2027", date(2027, time.October, 31), date(2028, time.October, 30), date(2027, time.October, 31), date(2027, time.October, 30)},
		{"BST starts 26 March 2028", date(2028, time.March, 26), date(2028, time.March, 27), date(2028, time.March, 26), date(2028, time.March, 27)},
		{"year end", date(2027, time.December, 31), date(2028, time.January, 1), date(2028, time.January, 1), date(2027, time.December, 31)},
		{"summer", date(2028, time.July, 15), date(2029, time.July, 14), date(2028, time.August, 1), date(2028, time.June, 30)},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPermit(fmt.Sprintf("p-%d", i), a)
			p.StartsOn, p.ExpiresOn, p.EvidenceAcceptedOn, p.ReviewOverdueOn = tc.starts, tc.expires, tc.issued, tc.effective
			p.Evidence[0].IssuedOn = tc.issued
			p.PendingVehicleChange = &permit.VehicleChange{ID: "vc-1", VRM: "CD34EFG", EffectiveOn: tc.effective, RequestedAt: fixtureCreatedAt, RequestedBy: "account:acc-1"}
			update(t, st, func(tx permit.Tx) error { return tx.CreatePermit(p) })
			got := getPermit(t, st, p.ID)
			p.Version = 1
			requirePermit(t, p, got)
			for _, d := range []time.Time{got.StartsOn, got.ExpiresOn, got.EvidenceAcceptedOn, got.ReviewOverdueOn, got.Evidence[0].IssuedOn, got.PendingVehicleChange.EffectiveOn} {
				require.Equal(t, time.Duration(0), d.Sub(d.Truncate(24*time.Hour)), "a date comes back at 00:00 UTC: %s", d)
			}

			c := NewAddressChange(fmt.Sprintf("ac-%d", i), a, otherUPRN)
			c.SubmittedOn, c.DueOn, c.ReviewOverdueOn = tc.starts, tc.expires, tc.effective
			update(t, st, func(tx permit.Tx) error { return tx.CreateAddressChange(c) })
			c.Version = 1
			requireAddressChange(t, c, getAddressChange(t, st, c.ID))
		})
	}
}

func testInstants(t *testing.T, s suite) {
	st := s.store(t)
	loc := london(t)
	cases := []struct {
		name string
		at   time.Time
	}{
		{"before clocks go forward", time.Date(2028, time.March, 26, 0, 59, 59, 999999000, loc)},
		{"after clocks go forward", time.Date(2028, time.March, 26, 2, 0, 0, 1000, loc)},
		{"in the repeated hour", time.Date(2027, time.October, 31, 1, 30, 0, 0, loc)},
		{"after clocks go back", time.Date(2027, time.October, 31, 2, 0, 0, 0, loc)},
		{"summer, nanoseconds truncated", time.Date(2028, time.July, 1, 23, 30, 15, 123456789, loc).Truncate(time.Microsecond)},
		{"29 February", time.Date(2028, time.February, 29, 12, 0, 0, 0, loc)},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAccount(fmt.Sprintf("acc-%d", i), testUPRN)
			a.CreatedAt, a.UpdatedAt = tc.at, tc.at.Add(time.Microsecond)
			p := NewPermit(fmt.Sprintf("p-%d", i), a)
			p.CreatedAt, p.UpdatedAt = tc.at, tc.at.Add(time.Second)
			p.Status = permit.Cancelled
			p.Cancellation = &permit.Cancellation{At: tc.at.Add(time.Minute), By: "account:" + a.ID, Reason: "no longer needed", Refund: decimal.RequireFromString("0.00")}
			p.PendingVehicleChange = &permit.VehicleChange{ID: "vc", VRM: "CD34EFG", EffectiveOn: date(2028, time.April, 1), RequestedAt: tc.at.Add(-time.Hour), RequestedBy: "account:" + a.ID}
			c := NewAddressChange(fmt.Sprintf("ac-%d", i), a, otherUPRN)
			c.CreatedAt, c.DecidedAt = tc.at, tc.at.Add(48*time.Hour)
			seed(t, st, []permit.Account{a}, p)
			update(t, st, func(tx permit.Tx) error { return tx.CreateAddressChange(c) })

			a.Version, p.Version, c.Version = 1, 1, 1
			requireAccount(t, a, getAccount(t, st, a.ID))
			requirePermit(t, p, getPermit(t, st, p.ID))
			requireAddressChange(t, c, getAddressChange(t, st, c.ID))
		})
	}
}

// fullPermit sets every field of a permit, optional ones included.
func fullPermit(t *testing.T, id string, a permit.Account) permit.Permit {
	loc := london(t)
	p := NewPermit(id, a)
	p.Status = permit.Cancelled
	p.Free, p.Pool, p.FreeSlot = true, "essential-carer-free", 2
	p.Price = decimal.RequireFromString("0.00")
	p.Payment = &permit.Payment{ID: "pay-x", Status: permit.PaymentRefunded, Amount: decimal.RequireFromString("55.00"), Refunded: decimal.RequireFromString("27.50")}
	p.VRM = "AB12CDE"
	p.PendingVehicleChange = &permit.VehicleChange{ID: "vc-9", VRM: "X1", EffectiveOn: date(2028, time.March, 27), RequestedAt: time.Date(2028, time.March, 20, 9, 0, 0, 0, loc), RequestedBy: "account:" + a.ID}
	p.UPRN = zones.UPRN(999999999999)
	p.Address = "Flat 3, 10 Ashby Road, Loughborough LE11 3AA"
	p.Zone = zones.Zone{ID: "loughborough-2", Name: "Loughborough 2"}
	p.ChainID, p.RenewalOf, p.RenewedBy = "chain-1", "p-old", "p-new"
	p.Evidence = append(p.Evidence, evidence.Document{Kind: "utility_bill", IssuedOn: date(2027, time.August, 31), Name: "A. Resident"}, evidence.Document{
		Kind: "tenancy_agreement", IssuedOn: date(2027, time.February, 28), Address: "Flat 3",
		Fields: map[string]string{evidence.FieldTermStart: "2027-03-01", evidence.FieldTermEnd: "2028-02-29", evidence.FieldSigned: "true", "note": "ünïcødé ✓"},
	})
	p.Rejection = &permit.Rejection{Code: "proof_of_care_unclear", Reason: "The letter does not name the carer."}
	p.Cancellation = &permit.Cancellation{At: time.Date(2028, time.January, 5, 14, 0, 0, 0, loc), By: "officer:sam", Reason: "holder asked", Refund: decimal.RequireFromString("27.50")}
	p.RemindersSent = []int{30, 14, 7}
	p.ReviewOverdueOn = date(2027, time.November, 11)
	p.RegisterCheck = &permit.RegisterCheck{VRM: p.VRM, Outcome: permit.VehicleFound, CheckedAt: time.Date(2027, time.October, 2, 9, 15, 0, 123456000, loc), Attempts: 2,
		Vehicle: &permit.Vehicle{VRM: p.VRM, Make: "FORD", Colour: "BLUE", FuelType: "PETROL", TypeApproval: "M1", YearOfManufacture: 2019,
			TaxStatus: "Taxed", TaxDueDate: civil.New(2028, time.May, 1), MOTStatus: "No results returned", MOTExpiryDate: civil.New(2028, time.February, 29), MarkedForExport: true}}
	return p
}

func testEveryPermitField(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	p := fullPermit(t, "p-1", a)
	seed(t, st, []permit.Account{a}, p)
	p.Version = 1
	requirePermit(t, p, getPermit(t, st, "p-1"))

	// Clearing the optional parts stores their absence.
	update(t, st, func(tx permit.Tx) error {
		q, err := tx.Permit("p-1")
		require.NoError(t, err)
		q.Payment, q.PendingVehicleChange, q.Rejection, q.Cancellation = nil, nil, nil, nil
		q.RemindersSent, q.Evidence = nil, nil
		q.RenewedBy, q.Pool, q.Free, q.FreeSlot = "", "", false, 0
		q.Zone = zones.Zone{}
		q.ReviewOverdueOn = time.Time{}
		q.RegisterCheck = nil
		p = q
		return tx.UpdatePermit(q)
	})
	got := getPermit(t, st, "p-1")
	p.Version = 2
	requirePermit(t, p, got)
	require.Nil(t, got.Payment)
	require.Nil(t, got.PendingVehicleChange)
	require.Nil(t, got.Rejection)
	require.Nil(t, got.Cancellation)
	require.Empty(t, got.RemindersSent)
	require.Empty(t, got.Evidence)
	require.True(t, got.Zone.IsZero())
	require.True(t, got.ReviewOverdueOn.IsZero(), "a cleared review flag stays cleared")
	require.Nil(t, got.RegisterCheck)
}

func testZeroValues(t *testing.T, s suite) {
	st := s.store(t)
	a := permit.Account{ID: "acc-0"}
	p := permit.Permit{ID: "p-0", AccountID: "acc-0"}
	c := permit.AddressChange{ID: "ac-0"}
	seed(t, st, []permit.Account{a}, p)
	update(t, st, func(tx permit.Tx) error { return tx.CreateAddressChange(c) })
	a.Version, p.Version, c.Version = 1, 1, 1
	requireAccount(t, a, getAccount(t, st, a.ID))
	gotP := getPermit(t, st, p.ID)
	requirePermit(t, p, gotP)
	require.True(t, gotP.CreatedAt.IsZero() && gotP.StartsOn.IsZero() && gotP.EvidenceAcceptedOn.IsZero(), "zero times stay zero")
	requireAddressChange(t, c, getAddressChange(t, st, c.ID))
}

func testEveryAddressChangeField(t *testing.T, s suite) {
	st := s.store(t)
	loc := london(t)
	a := NewAccount("acc-1", testUPRN)
	seed(t, st, []permit.Account{a})
	c := NewAddressChange("ac-1", a, otherUPRN)
	c.Status = permit.AddressChangeRejected
	c.Rejection = &permit.Rejection{Code: "different_name", Reason: "The agreement names someone else."}
	c.Evidence = append(c.Evidence, evidence.Document{Kind: "council_tax_bill", IssuedOn: date(2027, time.April, 1)})
	c.DecidedAt = time.Date(2027, time.November, 2, 16, 45, 0, 0, loc)
	c.ReviewOverdueOn = date(2027, time.November, 11)
	update(t, st, func(tx permit.Tx) error { return tx.CreateAddressChange(c) })
	c.Version = 1
	requireAddressChange(t, c, getAddressChange(t, st, c.ID))
}

// testHostedPayment: a hosted payment's attempt, page, deadline and
// failure come back as stored, and a failure cleared stays cleared.
func testHostedPayment(t *testing.T, s suite) {
	st := s.store(t)
	a := NewAccount("acc-1", testUPRN)
	p := NewPermit("p-1", a)
	p.Status = permit.AwaitingPayment
	p.Payment = &permit.Payment{ID: "pay-1", Status: permit.PaymentFailed, Amount: decimal.RequireFromString("55.00"),
		Refunded: decimal.RequireFromString("0.00"), Attempt: 2, NextURL: "https://pay.example/secure/abc",
		ExpiresAt: time.Date(2027, time.October, 1, 14, 30, 0, 123000000, time.UTC),
		Failure:   &permit.PaymentFailure{Code: permit.FailureDeclined, ProviderCode: "P0010", Detail: "Payment method rejected"}}
	seed(t, st, []permit.Account{a}, p)
	got := getPermit(t, st, "p-1")
	require.NotNil(t, got.Payment)
	require.Equal(t, 2, got.Payment.Attempt)
	require.Equal(t, "https://pay.example/secure/abc", got.Payment.NextURL)
	require.True(t, p.Payment.ExpiresAt.Equal(got.Payment.ExpiresAt), "expires_at %s, read back %s", p.Payment.ExpiresAt, got.Payment.ExpiresAt)
	require.Equal(t, time.UTC, got.Payment.ExpiresAt.Location())
	require.Equal(t, p.Payment.Failure, got.Payment.Failure)

	update(t, st, func(tx permit.Tx) error {
		q, err := tx.Permit("p-1")
		require.NoError(t, err)
		q.Payment.Failure, q.Payment.ExpiresAt, q.Payment.NextURL = nil, time.Time{}, ""
		q.Payment.Status = permit.PaymentAuthorised
		return tx.UpdatePermit(q)
	})
	got = getPermit(t, st, "p-1")
	require.Nil(t, got.Payment.Failure, "a failure cleared stays cleared")
	require.True(t, got.Payment.ExpiresAt.IsZero())
	require.Empty(t, got.Payment.NextURL)
	require.Equal(t, 2, got.Payment.Attempt)
}
