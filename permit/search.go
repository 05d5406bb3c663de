package permit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/zones"
)

// AccountQuery selects accounts for ReadTx.SearchAccounts: an officer's
// search. Every field that is set must match; a zero field matches all.
type AccountQuery struct {
	// Name matches accounts whose name contains it, ignoring the case of
	// ASCII letters.
	Name string
	// Email matches accounts whose email is it, ignoring the case of ASCII
	// letters.
	Email string
	// UPRNs, when not nil, matches accounts at any of these properties (a
	// postcode's); an empty, non-nil slice matches none.
	UPRNs []zones.UPRN
	// VRM matches accounts holding a permit, in any state, whose VRM is it.
	VRM VRM
	// Zone matches accounts whose Zone.ID is it.
	Zone string
	// AfterID pages: only accounts whose ID is greater ("" for the first
	// page). Results are in ID order.
	AfterID string
	// Limit is how many to return at most; below 1 wraps ErrValidation.
	Limit int
}

// PermitQuery selects permits for ReadTx.SearchPermits: an officer's
// search. Every field that is set must match; a zero field matches all.
type PermitQuery struct {
	// HolderName matches permits whose account's name contains it, and
	// HolderEmail those whose account's email is it, both ignoring the
	// case of ASCII letters.
	HolderName, HolderEmail string
	// UPRNs, when not nil, matches permits at any of these properties;
	// an empty, non-nil slice matches none.
	UPRNs []zones.UPRN
	// VRM matches permits whose VRM is it.
	VRM VRM
	// Status matches permits whose stored Status is it.
	Status Status
	// StartsAfter matches permits whose StartsOn is after the date,
	// ValidOn those with StartsOn <= the date <= ExpiresOn, ExpiredBefore
	// those whose ExpiresOn is before the date: with Status Approved they
	// are the derived statuses upcoming, current and expired.
	StartsAfter, ValidOn, ExpiredBefore time.Time
	// Zone matches permits whose Zone.ID is it.
	Zone string
	// AfterID pages: only permits whose ID is greater ("" for the first
	// page). Results are in ID order.
	AfterID string
	// Limit is how many to return at most; below 1 wraps ErrValidation.
	Limit int
}

// Search is what an officer looks for (GET /v1/accounts?…, GET
// /v1/permits?…). Every field given must match; none lists everything, a
// page at a time.
type Search struct {
	// Name is part of the holder's name, in any case.
	Name string
	// Email is the holder's email address, in any case.
	Email string
	// Postcode is the address's postcode, in any spacing or case.
	Postcode string
	// VRM is a vehicle registration, in any spacing or case: the permit's,
	// or for accounts, that of any of their permits.
	VRM string
	// Status is a permit status, stored (pending_review, approved, …) or
	// derived (upcoming, current, expired: approved permits by their
	// dates, today in the council's time zone). Permits only.
	Status string
	// Zone is a permit zone's ID.
	Zone string
	// After is the next cursor of the previous page ("" for the first).
	After string
	// Limit is the page size, 1 to MaxPageSize; 0 means 100.
	Limit int
}

// searchStatuses are the statuses Search.Status may name.
var searchStatuses = []Status{AwaitingPayment, PendingReview, Approved, Upcoming, Current, Expired,
	Rejected, Cancelled, Withdrawn, Ended}

// searchBounds checks q's shared fields and finds its postcode's
// properties: nil UPRNs when q names no postcode.
func (s *Service) searchBounds(ctx context.Context, q *Search) ([]zones.UPRN, VRM, error) {
	var v ValidationError
	q.Name, q.Email, q.Zone = strings.TrimSpace(q.Name), strings.TrimSpace(q.Email), strings.TrimSpace(q.Zone)
	if len(q.Name) > 200 {
		v.add("name", "too_long", "name must be at most 200 characters.")
	}
	if len(q.Email) > 320 {
		v.add("email", "too_long", "email must be at most 320 characters.")
	}
	if len(q.Zone) > 100 {
		v.add("zone", "too_long", "zone must be a zone ID of at most 100 characters.")
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	if q.Limit < 1 || q.Limit > MaxPageSize {
		v.add("limit", "out_of_range", fmt.Sprintf("limit must be a whole number from 1 to %d.", MaxPageSize))
	}
	if len(q.After) > 200 {
		v.add("after", "invalid_cursor", "after must be a cursor returned as next by this search.")
	}
	var vrm VRM
	if strings.TrimSpace(q.VRM) != "" {
		var err error
		if vrm, err = ParseVRM(q.VRM); err != nil {
			v.add("vrm", "invalid_vrm", "Enter a vehicle registration of 2 to 7 letters and digits, such as AB12 CDE.")
		}
	}
	var pc zones.Postcode
	if strings.TrimSpace(q.Postcode) != "" {
		var err error
		if pc, err = zones.ParsePostcode(q.Postcode); err != nil {
			v.add("postcode", "invalid_postcode", "Enter a full UK postcode, such as LE11 3AB.")
		}
	}
	if err := v.err(); err != nil {
		return nil, "", err
	}
	if pc.IsZero() {
		return nil, vrm, nil
	}
	props, err := s.locator.FindProperties(ctx, pc, "")
	if err != nil {
		return nil, "", fmt.Errorf("permit: finding the properties of %s: %w", pc, err)
	}
	uprns := make([]zones.UPRN, 0, len(props))
	for _, p := range props {
		uprns = append(uprns, p.UPRN)
	}
	return uprns, vrm, nil
}

// SearchAccounts finds accounts by name, email, postcode, registration and
// zone, a page at a time in ID order; next is the cursor of the next page,
// "" after the last. Errors: *ValidationError (ErrValidation) naming each
// bad field (a status: accounts have none); ErrForbidden for anyone but
// the council and read-only integrations.
func (s *Service) SearchAccounts(ctx context.Context, by Actor, q Search) (accounts []Account, next string, err error) {
	if err := by.mayReadAll("accounts", true); err != nil {
		return nil, "", err
	}
	if q.Status != "" {
		return nil, "", &ValidationError{Fields: []FieldError{{Field: "status", Code: "unknown_field",
			Detail: "Accounts have no status; search permits by status instead."}}}
	}
	uprns, vrm, err := s.searchBounds(ctx, &q)
	if err != nil {
		return nil, "", err
	}
	aq := AccountQuery{Name: q.Name, Email: q.Email, UPRNs: uprns, VRM: vrm, Zone: q.Zone, AfterID: q.After, Limit: q.Limit + 1}
	as, err := view(ctx, s.store, func(tx ReadTx) ([]Account, error) { return tx.SearchAccounts(aq) })
	if err != nil {
		return nil, "", err
	}
	if len(as) > q.Limit {
		as = as[:q.Limit]
		next = as[len(as)-1].ID
	}
	return as, next, nil
}

// SearchPermits finds permits by their holder's name and email, postcode,
// registration, status and zone, a page at a time in ID order; next is
// the cursor of the next page, "" after the last. Errors:
// *ValidationError (ErrValidation) naming each bad field; ErrForbidden
// for anyone but the council and read-only integrations.
func (s *Service) SearchPermits(ctx context.Context, by Actor, q Search) (permits []Permit, next string, err error) {
	if err := by.mayReadAll("permits", true); err != nil {
		return nil, "", err
	}
	uprns, vrm, err := s.searchBounds(ctx, &q)
	if err != nil {
		return nil, "", err
	}
	pq := PermitQuery{HolderName: q.Name, HolderEmail: q.Email, UPRNs: uprns, VRM: vrm, Zone: q.Zone, AfterID: q.After, Limit: q.Limit + 1}
	if q.Status != "" {
		st := Status(strings.TrimSpace(q.Status))
		known := false
		for _, k := range searchStatuses {
			known = known || k == st
		}
		if !known {
			return nil, "", &ValidationError{Fields: []FieldError{{Field: "status", Code: "invalid_status",
				Detail: "status must be one of awaiting_payment, pending_review, approved, upcoming, current, expired, rejected, cancelled, withdrawn or ended."}}}
		}
		today := s.today(s.now())
		switch st {
		case Upcoming:
			pq.Status, pq.StartsAfter = Approved, today
		case Current:
			pq.Status, pq.ValidOn = Approved, today
		case Expired:
			pq.Status, pq.ExpiredBefore = Approved, today
		default:
			pq.Status = st
		}
	}
	ps, err := view(ctx, s.store, func(tx ReadTx) ([]Permit, error) { return tx.SearchPermits(pq) })
	if err != nil {
		return nil, "", err
	}
	if len(ps) > q.Limit {
		ps = ps[:q.Limit]
		next = ps[len(ps)-1].ID
	}
	return ps, next, nil
}

// MatchAccount reports whether a matches q's filters (not its paging):
// the reference semantics stores implement.
func (q AccountQuery) MatchAccount(a Account, permitsOf func(accountID string) []Permit) bool {
	if q.Name != "" && !containsFold(a.Name, q.Name) {
		return false
	}
	if q.Email != "" && !strings.EqualFold(a.Email, q.Email) {
		return false
	}
	if q.UPRNs != nil && !containsUPRN(q.UPRNs, a.UPRN) {
		return false
	}
	if q.Zone != "" && a.Zone.ID != q.Zone {
		return false
	}
	if q.VRM != "" {
		found := false
		for _, p := range permitsOf(a.ID) {
			found = found || p.VRM == q.VRM
		}
		if !found {
			return false
		}
	}
	return true
}

// MatchPermit reports whether p, held by holder, matches q's filters (not
// its paging): the reference semantics stores implement.
func (q PermitQuery) MatchPermit(p Permit, holder Account) bool {
	switch {
	case q.HolderName != "" && !containsFold(holder.Name, q.HolderName),
		q.HolderEmail != "" && !strings.EqualFold(holder.Email, q.HolderEmail),
		q.UPRNs != nil && !containsUPRN(q.UPRNs, p.UPRN),
		q.VRM != "" && p.VRM != q.VRM,
		q.Status != "" && p.Status != q.Status,
		!q.StartsAfter.IsZero() && !p.StartsOn.After(q.StartsAfter),
		!q.ValidOn.IsZero() && (q.ValidOn.Before(p.StartsOn) || q.ValidOn.After(p.ExpiresOn)),
		!q.ExpiredBefore.IsZero() && !p.ExpiresOn.Before(q.ExpiredBefore),
		q.Zone != "" && p.Zone.ID != q.Zone:
		return false
	}
	return true
}

func containsUPRN(us []zones.UPRN, u zones.UPRN) bool {
	for _, x := range us {
		if x == u {
			return true
		}
	}
	return false
}

// containsFold is strings.Contains ignoring the case of ASCII letters, as
// SQL's LOWER does everywhere.
func containsFold(s, sub string) bool {
	return strings.Contains(asciiLower(s), asciiLower(sub))
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
