package sqlstore

import (
	"strconv"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// EventsOfPermit implements permit.ReadTx through the events_by_permit
// index, in feed order (the order of event IDs). Events this transaction
// appended are written at commit, so they are not among them.
func (r *readTx) EventsOfPermit(permitID string) ([]permit.Event, error) {
	if permitID == "" {
		return []permit.Event{}, nil
	}
	q := `SELECT id, type, at, actor, permit_id, account_id, data, resources FROM events WHERE permit_id = ? ORDER BY id`
	return collect(r, "reading the history of permit "+quote(permitID), r.s.scanEvent, r.s.d.Rebind(q), permitID)
}

// EventsOfAccount implements permit.ReadTx through the events_by_account
// index (migration 00024), in feed order.
func (r *readTx) EventsOfAccount(accountID string) ([]permit.Event, error) {
	if accountID == "" {
		return []permit.Event{}, nil
	}
	q := `SELECT id, type, at, actor, permit_id, account_id, data, resources FROM events WHERE account_id = ? ORDER BY id`
	return collect(r, "reading the events of account "+quote(accountID), r.s.scanEvent, r.s.d.Rebind(q), accountID)
}

// PermitsCurrentOn implements permit.ReadTx. It walks the partial index of
// approved permits in ID order, so a page costs about limit index entries
// however many permits there are.
func (r *readTx) PermitsCurrentOn(on time.Time, afterID string, limit int) ([]permit.Permit, error) {
	if limit < 1 {
		return nil, validation("limit", "out_of_range", "limit must be at least 1, not "+strconv.Itoa(limit))
	}
	// status = 'approved' repeats the index's condition, as SQLite needs
	// to use a partial index.
	q := `SELECT ` + permitColumns + ` FROM permits
WHERE status = 'approved' AND id > ? AND starts_on <= ? AND expires_on >= ?
ORDER BY id LIMIT ?`
	day := dateArg(on)
	return collect(r, "listing permits current on "+on.Format(dateLayout), scanPermit, r.s.d.Rebind(q), afterID, day, day, limit)
}
