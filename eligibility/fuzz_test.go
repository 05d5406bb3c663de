package eligibility_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/zones"
)

// fuzzRules are the scheme variants FuzzDecide picks from: every
// combination of pool scope, free count and limit scope.
func fuzzRules(t testing.TB) []*eligibility.Rules {
	var rs []*eligibility.Rules
	for _, poolScope := range []eligibility.Scope{eligibility.ScopeProperty, eligibility.ScopeAccount} {
		for free := range 3 {
			for _, limitScope := range []eligibility.Scope{eligibility.ScopeProperty, eligibility.ScopeAccount} {
				rs = append(rs, scheme(t, func(r *eligibility.Rules) {
					r.Pools[0].Scope, r.Pools[0].Free = poolScope, free
					r.Limits[0].Scope, r.Limits[0].Max = limitScope, 1+free
				}))
			}
		}
	}
	return rs
}

var fuzzStatuses = []eligibility.Status{eligibility.StatusAwaitingPayment, eligibility.StatusPendingReview,
	eligibility.StatusApproved, eligibility.StatusApproved, eligibility.StatusRejected, eligibility.StatusCancelled,
	eligibility.StatusWithdrawn, eligibility.StatusEnded}

// fuzzHoldings turns bytes into permits, 6 bytes each, around 2027: a few
// IDs, chains, accounts and addresses so that duplicates, shared chains
// and other scopes all occur.
func fuzzHoldings(data []byte) []eligibility.Holding {
	base := d(2027, 1, 1)
	var hs []eligibility.Holding
	for len(data) >= 6 && len(hs) < 24 {
		b := data[:6]
		data = data[6:]
		h := eligibility.Holding{
			ID:        fmt.Sprintf("p%d", b[0]%12),
			AccountID: []string{"acc-1", "acc-1", "acc-2"}[b[1]%3],
			Type:      []string{ecp, ecp, drp}[b[1]/3%3],
			UPRN:      []zones.UPRN{home, home, elsewhere}[b[1]/9%3],
			Status:    fuzzStatuses[b[2]%8],
			Free:      b[2]&0x80 != 0,
			FreeSlot:  int(b[2]>>3) % 4,
			StartsOn:  base.AddDate(0, 0, int(int8(b[3]))*4),
		}
		h.ChainID = h.ID
		if b[4]%4 == 0 {
			h.ChainID = fmt.Sprintf("p%d", b[4]/4%12)
		}
		if b[4]&0x80 != 0 {
			h.ExpiresOn = h.StartsOn.AddDate(0, 0, int(b[5]))
		} else {
			h.ExpiresOn = eligibility.ExpiryDate(h.StartsOn, 12)
		}
		if b[5]%5 == 0 {
			h.RenewedBy = "p99"
		}
		hs = append(hs, h)
	}
	return hs
}

func FuzzDecide(f *testing.F) {
	f.Add(uint16(100), int16(0), uint8(0), uint8(0), uint8(0),
		[]byte{0, 0, 0x82, 0, 0, 1, 1, 0, 2, 10, 1, 1, 2, 1, 4, 250, 1, 0})
	f.Add(uint16(440), int16(3), uint8(1), uint8(0x13), uint8(1),
		[]byte{1, 0, 0x8a, 0, 1, 3, 2, 1, 0x82, 100, 5, 5, 3, 9, 0x92, 200, 0x80, 30})
	f.Add(uint16(820), int16(-4), uint8(0xff), uint8(0xff), uint8(7),
		[]byte{7, 2, 0xfa, 0x80, 0x1c, 0, 7, 2, 0x9a, 0x7f, 0x1c, 2, 3, 4, 5, 6, 7, 8})
	rules := fuzzRules(f)
	f.Fuzz(func(t *testing.T, atDay uint16, startOffset int16, kind, flags, renewalOf uint8, data []byte) {
		r := rules[int(flags)%len(rules)]
		hs := fuzzHoldings(data)
		// Half past eleven at night UTC is the next day in London during
		// summer time: exercise both.
		at := d(2026, 6, 1).AddDate(0, 0, int(atDay%1200)).Add(time.Duration(flags>>4) * 100 * time.Minute)
		req := eligibility.Request{Kind: eligibility.KindNew, PermitType: []string{ecp, drp, "other"}[kind%3],
			AccountID: []string{"acc-1", "acc-2"}[kind/3%2], Property: property(), Holdings: hs, At: at,
			Pay: kind&0x40 != 0}
		if kind&0x20 != 0 {
			req.Property.Zone = []zones.Zone{{}, anstey, {ID: "elsewhere", Name: "Elsewhere"}}[kind/3%3]
		}
		if kind&0x80 != 0 {
			req.Kind, req.RenewalOf = eligibility.KindRenewal, fmt.Sprintf("p%d", renewalOf%12)
		} else if startOffset != 0 {
			req.StartsOn = eligibility.Today(at, r.Location).AddDate(0, 0, int(startOffset%400))
		}

		dec := r.Decide(req)

		blocking := false
		for _, rs := range dec.Reasons {
			require.NotEmpty(t, rs.Code)
			require.NotEmpty(t, rs.Detail)
			blocking = blocking || rs.Blocking
		}
		require.Equal(t, !blocking, dec.Eligible, "eligible exactly when nothing blocks: %v", dec.Reasons)
		if dec.Free {
			require.True(t, dec.Price.IsZero(), "a free permit costs nothing")
			require.True(t, dec.Quote.Free)
			require.False(t, req.Pay, "Pay declines the free place")
		}
		if dec.StartsOn.IsZero() {
			return
		}
		require.Equal(t, eligibility.ExpiryDate(dec.StartsOn, 12), dec.ExpiresOn)
		if req.Kind == eligibility.KindNew {
			require.False(t, dec.Eligible && dec.StartsOn.Before(eligibility.Today(at, r.Location)))
		}

		// After taking the decision, the pool never gives more free
		// permits than it has, and no place is given twice; limits hold.
		own := ""
		if req.Kind == eligibility.KindRenewal {
			for _, h := range hs {
				if h.ID == req.RenewalOf {
					own = h.ChainID
					break
				}
			}
		}
		pool, limit := r.Pools[0], r.Limits[0]
		inScope := func(h eligibility.Holding, s eligibility.Scope) bool {
			if s == eligibility.ScopeAccount {
				return h.AccountID == req.AccountID
			}
			return h.UPRN == req.Property.UPRN
		}
		freeChains, places, limitChains := map[string]bool{}, map[int]bool{}, map[string]bool{}
		for _, h := range hs {
			if !h.Live(dec.StartsOn) || h.ChainID == own {
				continue
			}
			if h.Free && inScope(h, pool.Scope) {
				freeChains[h.ChainID] = true
				places[h.FreeSlot] = true
			}
			if inScope(h, limit.Scope) {
				limitChains[h.ChainID] = true
			}
		}
		if dec.Free {
			require.Less(t, len(freeChains), pool.Free, "a free permit fits in the pool with the chains already live")
			require.False(t, places[dec.FreeSlot], "place %d is already held", dec.FreeSlot)
			require.GreaterOrEqual(t, dec.FreeSlot, 1)
			require.LessOrEqual(t, dec.FreeSlot, pool.Free)
		}
		if dec.Eligible && req.PermitType != "other" {
			require.Less(t, len(limitChains), limit.Max, "the limit holds after the permit is added")
		}
	})
}
