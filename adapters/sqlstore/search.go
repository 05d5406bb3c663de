package sqlstore

import (
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// filter builds a WHERE clause of ANDed conditions with their arguments.
type filter struct {
	conds []string
	args  []any
}

func (f *filter) add(cond string, args ...any) {
	f.conds = append(f.conds, cond)
	f.args = append(f.args, args...)
}

// in adds "col IN (…)" for the UPRNs.
func (f *filter) uprnIn(col string, us []zones.UPRN) {
	args := make([]any, len(us))
	for i, u := range us {
		args[i] = int64(u)
	}
	f.add(col+" IN ("+placeholders(len(us))+")", args...)
}

func (f *filter) where() string { return strings.Join(f.conds, " AND ") }

// likeContains is a LIKE pattern (escape '\') matching text that holds s,
// in lower case for a LOWER(column).
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(asciiLower(s)) + "%"
}

// asciiLower lowers ASCII letters only, as SQLite's LOWER does.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// prefixed is a column list with each column qualified by alias.
func prefixed(cols, alias string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// SearchAccounts implements permit.ReadTx. Names are matched with LOWER
// and LIKE: the case of ASCII letters is ignored (PostgreSQL also ignores
// that of other letters).
func (r *readTx) SearchAccounts(q permit.AccountQuery) ([]permit.Account, error) {
	if q.Limit < 1 {
		return nil, validation("limit", "out_of_range", "limit must be at least 1, not "+strconv.Itoa(q.Limit))
	}
	if q.UPRNs != nil && len(q.UPRNs) == 0 {
		return []permit.Account{}, nil
	}
	var f filter
	f.add("id > ?", q.AfterID)
	if q.Name != "" {
		f.add(`LOWER(name) LIKE ? ESCAPE '\'`, likeContains(q.Name))
	}
	if q.Email != "" {
		f.add("LOWER(email) = ?", asciiLower(q.Email))
	}
	if q.UPRNs != nil {
		f.uprnIn("uprn", q.UPRNs)
	}
	if q.VRM != "" {
		f.add("id IN (SELECT account_id FROM permits WHERE vrm = ?)", string(q.VRM))
	}
	if q.Zone != "" {
		f.add("zone_id = ?", q.Zone)
	}
	stmt := `SELECT ` + accountColumns + ` FROM accounts WHERE ` + f.where() + ` ORDER BY id LIMIT ?`
	return collect(r, "searching accounts", scanAccount, r.s.d.Rebind(stmt), append(f.args, q.Limit)...)
}

// SearchPermits implements permit.ReadTx; the holder's name and email are
// matched as SearchAccounts matches them.
func (r *readTx) SearchPermits(q permit.PermitQuery) ([]permit.Permit, error) {
	if q.Limit < 1 {
		return nil, validation("limit", "out_of_range", "limit must be at least 1, not "+strconv.Itoa(q.Limit))
	}
	if q.UPRNs != nil && len(q.UPRNs) == 0 {
		return []permit.Permit{}, nil
	}
	var f filter
	f.add("p.id > ?", q.AfterID)
	from := "permits p"
	if q.HolderName != "" || q.HolderEmail != "" {
		from = "permits p JOIN accounts a ON a.id = p.account_id"
		if q.HolderName != "" {
			f.add(`LOWER(a.name) LIKE ? ESCAPE '\'`, likeContains(q.HolderName))
		}
		if q.HolderEmail != "" {
			f.add("LOWER(a.email) = ?", asciiLower(q.HolderEmail))
		}
	}
	if q.UPRNs != nil {
		f.uprnIn("p.uprn", q.UPRNs)
	}
	if q.VRM != "" {
		f.add("p.vrm = ?", string(q.VRM))
	}
	if q.Status != "" {
		f.add("p.status = ?", string(q.Status))
	}
	if !q.StartsAfter.IsZero() {
		f.add("p.starts_on > ?", dateArg(q.StartsAfter))
	}
	if !q.ValidOn.IsZero() {
		f.add("p.starts_on <= ? AND p.expires_on >= ?", dateArg(q.ValidOn), dateArg(q.ValidOn))
	}
	if !q.ExpiredBefore.IsZero() {
		f.add("p.expires_on < ?", dateArg(q.ExpiredBefore))
	}
	if q.Zone != "" {
		f.add("p.zone_id = ?", q.Zone)
	}
	stmt := `SELECT ` + prefixed(permitColumns, "p") + ` FROM ` + from + ` WHERE ` + f.where() + ` ORDER BY p.id LIMIT ?`
	return collect(r, "searching permits", scanPermit, r.s.d.Rebind(stmt), append(f.args, q.Limit)...)
}

// PendingReviewAfter implements permit.ReadTx through the index of
// permits pending review, (status, created_at, id).
func (r *readTx) PendingReviewAfter(at time.Time, id string, limit int) ([]permit.Permit, error) {
	if limit < 1 {
		return nil, validation("limit", "out_of_range", "limit must be at least 1, not "+strconv.Itoa(limit))
	}
	if at.IsZero() {
		return r.PendingReview(limit)
	}
	stmt := `SELECT ` + permitColumns + ` FROM permits
WHERE status = 'pending_review' AND (created_at > ? OR (created_at = ? AND id > ?))
ORDER BY created_at, id LIMIT ?`
	t := r.s.d.Instant(at)
	return collect(r, "listing the review queue", scanPermit, r.s.d.Rebind(stmt), t, t, id, limit)
}

// PendingAddressChangesAfter implements permit.ReadTx.
func (r *readTx) PendingAddressChangesAfter(at time.Time, id string, limit int) ([]permit.AddressChange, error) {
	if limit < 1 {
		return nil, validation("limit", "out_of_range", "limit must be at least 1, not "+strconv.Itoa(limit))
	}
	if at.IsZero() {
		return r.PendingAddressChanges(limit)
	}
	stmt := `SELECT ` + addressChangeColumns + ` FROM address_changes
WHERE status = 'pending_review' AND (created_at > ? OR (created_at = ? AND id > ?))
ORDER BY created_at, id LIMIT ?`
	t := r.s.d.Instant(at)
	return collect(r, "listing address changes pending review", scanAddressChange, r.s.d.Rebind(stmt), t, t, id, limit)
}

// LastEventID implements permit.ReadTx.
func (r *readTx) LastEventID() (string, error) {
	var id *int64
	if err := r.queryRow(`SELECT MAX(id) FROM events`).Scan(&id); err != nil {
		return "", r.fail("reading the newest event", err)
	}
	if id == nil {
		return "", nil
	}
	return eventID(*id), nil
}
