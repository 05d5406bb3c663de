package eligibility

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
)

// TestDecideMatchesReference decides random requests against random
// schemes with Decide and with refDecide, the implementation it replaced,
// and requires the same Decision, field for field (reflect.DeepEqual, so
// even a nil slice against an empty one differs).
func TestDecideMatchesReference(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	for seed := range uint64(n) {
		checkAgainstReference(t, seed)
	}
}

// FuzzDecideMatchesReference is the same comparison driven by the fuzzer:
// the seed picks the scheme and the request.
func FuzzDecideMatchesReference(f *testing.F) {
	for _, s := range []uint64{0, 1, 2, 3, 42, 1 << 40} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed uint64) { checkAgainstReference(t, seed) })
}

func checkAgainstReference(t *testing.T, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	r := randomRules(t, rnd)
	lit := *r // a Rules literal: Decide validates and indexes it on each call
	lit.idx = nil
	ref := refDecider(r)
	for i := range 32 {
		req := randomRequest(rnd, r)
		got := r.Decide(req)
		if i%8 == 0 {
			got = lit.Decide(req)
		}
		want := ref(req)
		require.Equal(t, want, got, "seed %d: Decide differs from the reference\nrequest: %+v", seed, req)
	}
}

var (
	refTypeIDs   = []string{"essential-carer", "disabled-resident", "visitor", "health-worker"}
	refTypeNames = []string{"Essential Carer Permit", "Disabled Resident Permit", "Visitor Permit", "Essential Health Worker Permit"}
	refZones     = []zones.Zone{{ID: "loughborough", Name: "Loughborough"}, {ID: "anstey", Name: "Anstey"},
		{ID: "oadby", Name: "Oadby"}, {ID: "z4", Name: "Zone Four"}, {ID: "z5", Name: "Zone Five"},
		{ID: "z6", Name: "Zone Six"}, {ID: "z7", Name: "Zone Seven"}, {ID: "z8", Name: "Zone Eight"},
		{ID: "z9", Name: "Zone Nine"}, {ID: "z10", Name: "Zone Ten"}}
	refStatuses = []Status{StatusAwaitingPayment, StatusPendingReview, StatusApproved, StatusApproved,
		StatusRejected, StatusCancelled, StatusWithdrawn, StatusEnded, "unheard_of"}
	refLondon = func() *time.Location {
		loc, err := time.LoadLocation("Europe/London")
		if err != nil {
			panic(err)
		}
		return loc
	}()
)

func refDate(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// randomRules builds a valid scheme: 1 to 4 permit types, up to 2 pools and
// 2 limits of either scope, 1 to 10 zones (more than 8 switches the zone
// table to binary search), and tariffs with price rises, gaps before a
// type's first row, rows that end, and rows for one zone or one duration.
func randomRules(t *testing.T, rnd *rand.Rand) *Rules {
	t.Helper()
	nt := 1 + rnd.IntN(4)
	perm := rnd.Perm(len(refTypeIDs))[:nt]
	r := Rules{Location: refLondon, RenewalWindowDays: rnd.IntN(45)}
	if rnd.IntN(3) > 0 {
		r.FurthestStartDays = rnd.IntN(200)
	}
	nz := 1 + rnd.IntN(len(refZones))
	for _, i := range rnd.Perm(len(refZones))[:nz] {
		r.Zones = append(r.Zones, refZones[i])
	}
	var rows []pricing.Tariff
	for _, i := range perm {
		pt := PermitType{ID: refTypeIDs[i], Name: refTypeNames[i], ValidityMonths: []int{12, 12, 1, 3, 6, 24}[rnd.IntN(6)],
			Renewable: rnd.IntN(4) > 0}
		if rnd.IntN(2) == 0 {
			req := evidence.Requirement{Name: "proof", Title: "proof", OneOf: []evidence.Kind{"proof"}}
			pt.Evidence = map[evidence.Action][]evidence.Requirement{evidence.ActionApply: {req}}
			if rnd.IntN(2) == 0 {
				pt.Evidence[evidence.ActionRenew] = []evidence.Requirement{req}
			}
		}
		r.PermitTypes = append(r.PermitTypes, pt)
		from := refDate(2025+rnd.IntN(3), time.Month(1+rnd.IntN(12)), 1+rnd.IntN(28))
		rise := from.AddDate(0, 0, 30+rnd.IntN(400))
		price := decimal.New(int64(1000+rnd.IntN(9000)), -2)
		rows = append(rows, pricing.Tariff{PermitType: pt.ID, From: from, Until: rise.AddDate(0, 0, -1), Price: price})
		last := pricing.Tariff{PermitType: pt.ID, From: rise, Price: price.Add(decimal.New(500, -2))}
		if rnd.IntN(4) == 0 {
			last.Until = rise.AddDate(0, 0, rnd.IntN(300)) // no price after it: no_tariff
		}
		rows = append(rows, last)
		switch rnd.IntN(4) {
		case 0: // a dearer price in one zone
			rows = append(rows, pricing.Tariff{PermitType: pt.ID, Zone: r.Zones[0].ID, From: from, Price: price.Add(decimal.New(100, -2))})
		case 1: // a price for exactly the permit's duration
			rows = append(rows, pricing.Tariff{PermitType: pt.ID, DurationMonths: pt.ValidityMonths, From: rise, Price: decimal.New(0, 0)})
		}
	}
	used := map[string]bool{}
	for p := range rnd.IntN(3) {
		var types []string
		for _, pt := range r.PermitTypes {
			if !used[pt.ID] && rnd.IntN(3) > 0 {
				types = append(types, pt.ID)
				used[pt.ID] = true
			}
		}
		if len(types) == 0 {
			continue
		}
		r.Pools = append(r.Pools, AllowancePool{ID: fmt.Sprintf("pool-%d", p), Name: "free permits", Types: types,
			Scope: []Scope{ScopeProperty, ScopeAccount}[rnd.IntN(2)], Free: rnd.IntN(4)})
	}
	for range rnd.IntN(3) {
		var types []string
		for _, pt := range r.PermitTypes {
			if rnd.IntN(2) == 0 {
				types = append(types, pt.ID)
			}
		}
		if len(types) == 0 {
			types = []string{r.PermitTypes[0].ID}
		}
		r.Limits = append(r.Limits, Limit{Types: types, Scope: []Scope{ScopeProperty, ScopeAccount}[rnd.IntN(2)],
			Max: 1 + rnd.IntN(3), Why: "The council says so."})
	}
	var err error
	r.Tariffs, err = pricing.NewTariffs(rows)
	require.NoError(t, err)
	built, err := NewRules(r)
	require.NoError(t, err)
	return built
}

const (
	refHome      zones.UPRN = 100030000001
	refElsewhere zones.UPRN = 100030000002
)

// randomRequest builds a request around 2026 to 2028 with up to 24
// holdings drawn from a few IDs, chains, accounts and addresses, so that
// duplicates, shared chains, renewals and both scopes all occur, and with
// malformed fields now and then (no At, an unknown kind, type or zone).
func randomRequest(rnd *rand.Rand, r *Rules) Request {
	pick := func(ss ...string) string { return ss[rnd.IntN(len(ss))] }
	typeID := func() string {
		if rnd.IntN(12) == 0 {
			return pick("", "unknown-type")
		}
		return r.PermitTypes[rnd.IntN(len(r.PermitTypes))].ID
	}
	base := refDate(2026, 1, 1).AddDate(0, 0, rnd.IntN(3*365))
	at := base.Add(time.Duration(rnd.IntN(24*60)) * time.Minute)
	if rnd.IntN(40) == 0 {
		at = time.Time{}
	} else if rnd.IntN(4) == 0 {
		at = at.In(refLondon)
	}
	req := Request{
		Kind:       []Kind{KindNew, KindNew, KindRenewal, KindRenewal, "other"}[rnd.IntN(5)],
		PermitType: typeID(),
		AccountID:  pick("acc-1", "acc-1", "acc-2"),
		Property:   zones.Property{UPRN: []zones.UPRN{refHome, refHome, refElsewhere}[rnd.IntN(3)]},
		At:         at,
		Pay:        rnd.IntN(4) == 0,
	}
	switch rnd.IntN(12) {
	case 0: // in no zone
	case 1:
		req.Property.Zone = zones.Zone{ID: "elsewhere", Name: pick("", "Elsewhere")}
	default:
		req.Property.Zone = r.Zones[rnd.IntN(len(r.Zones))]
	}
	if rnd.IntN(2) == 0 {
		req.Property.Postcode = zones.MustParsePostcode("LE11 3AB")
	}
	if rnd.IntN(2) == 0 {
		req.StartsOn = base.AddDate(0, 0, rnd.IntN(260)-30)
		if rnd.IntN(5) == 0 {
			req.StartsOn = req.StartsOn.Add(23 * time.Hour).In(refLondon)
		}
	}
	nh := rnd.IntN(25)
	for range nh {
		h := Holding{
			ID:        fmt.Sprintf("p%d", rnd.IntN(14)),
			AccountID: pick("acc-1", "acc-1", "acc-2"),
			Type:      typeID(),
			UPRN:      []zones.UPRN{refHome, refHome, refElsewhere}[rnd.IntN(3)],
			Status:    refStatuses[rnd.IntN(len(refStatuses))],
			Free:      rnd.IntN(2) == 0,
			FreeSlot:  rnd.IntN(5),
			StartsOn:  base.AddDate(0, 0, rnd.IntN(800)-600),
		}
		if h.Free && rnd.IntN(5) == 0 {
			h.FreeSlot = 0
		}
		switch rnd.IntN(4) {
		case 0:
			h.ChainID = fmt.Sprintf("p%d", rnd.IntN(14))
		case 1:
			h.ChainID = ""
		default:
			h.ChainID = h.ID
		}
		h.ExpiresOn = h.StartsOn.AddDate(1, 0, -1)
		if rnd.IntN(3) == 0 {
			h.ExpiresOn = base.AddDate(0, 0, rnd.IntN(90)-45) // near today: renewal windows
		}
		if rnd.IntN(6) == 0 {
			h.ExpiresOn = h.ExpiresOn.Add(time.Duration(rnd.IntN(24)) * time.Hour).In(refLondon)
		}
		if rnd.IntN(5) == 0 {
			h.RenewedBy = fmt.Sprintf("p%d", rnd.IntN(14))
		}
		req.Holdings = append(req.Holdings, h)
	}
	if req.Kind == KindRenewal {
		switch {
		case rnd.IntN(10) == 0:
			req.RenewalOf = pick("", "not-held")
		case nh > 0:
			req.RenewalOf = req.Holdings[rnd.IntN(nh)].ID
		}
	}
	return req
}

// TestClockMatchesToday checks the clock Decide reads today's date from
// against today (time.Location itself): at every zone change of several
// time zones from 1999 to 2101, the seconds and hours around it, and
// random instants.
func TestClockMatchesToday(t *testing.T) {
	names := []string{"Europe/London", "UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Apia"}
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, name := range names {
		loc, err := time.LoadLocation(name)
		require.NoError(t, err)
		c := newClock(loc)
		require.NotEmpty(t, c.starts, name)
		check := func(at time.Time) {
			require.Equal(t, today(at, loc), c.today(at), "%s at %s", name, at.UTC())
		}
		for _, s := range c.starts {
			for _, d := range []time.Duration{-time.Hour, -time.Second, 0, time.Second, time.Hour, 25 * time.Hour} {
				check(time.Unix(s, 0).Add(d))
			}
		}
		for range 20000 {
			check(time.Unix(clockFrom-86400*400+rnd.Int64N(clockUntil-clockFrom+86400*800), int64(rnd.IntN(1e9))))
		}
	}
	utc := newClock(nil)
	require.Equal(t, today(time.Unix(clockFrom, 0), nil), utc.today(time.Unix(clockFrom, 0)))
}
