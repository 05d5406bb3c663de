package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// AccountsToAnonymise implements permit.ReadTx: it walks the partial index
// of accounts not anonymised in ID order, each account's permits and
// address changes through their account indexes.
func (r *readTx) AccountsToAnonymise(before time.Time, afterID string, limit int) ([]permit.Account, error) {
	if limit < 1 {
		return nil, validation("limit", "out_of_range", "limit must be at least 1, not "+strconv.Itoa(limit))
	}
	q := `SELECT ` + accountColumns + ` FROM accounts a
WHERE anonymised_at IS NULL AND id > ? AND updated_at < ?
AND NOT EXISTS (SELECT 1 FROM permits p WHERE p.account_id = a.id
  AND (p.status IN ('awaiting_payment', 'pending_review') OR p.updated_at >= ? OR (p.status = 'approved' AND p.expires_on >= ?)))
AND NOT EXISTS (SELECT 1 FROM address_changes c WHERE c.account_id = a.id
  AND (c.status = 'pending_review' OR c.decided_at >= ?))
ORDER BY id LIMIT ?`
	at := r.s.d.Instant(before)
	return collect(r, "listing accounts to anonymise", scanAccount, r.s.d.Rebind(q), afterID, at, at, dateArg(before), at, limit)
}

// PermitsEvidenceDue implements permit.ReadTx: it walks the partial index
// of permits whose evidence is kept, in ID order.
func (r *readTx) PermitsEvidenceDue(before time.Time, afterID string, limit int) ([]permit.Permit, error) {
	if limit < 1 {
		return nil, validation("limit", "out_of_range", "limit must be at least 1, not "+strconv.Itoa(limit))
	}
	q := `SELECT ` + permitColumns + ` FROM permits
WHERE evidence_deleted_on IS NULL AND id > ? AND status NOT IN ('awaiting_payment', 'pending_review')
AND (evidence_accepted_on < ? OR (evidence_accepted_on IS NULL AND updated_at < ?))
ORDER BY id LIMIT ?`
	return collect(r, "listing permits whose evidence is due for deletion", scanPermit, r.s.d.Rebind(q), afterID, dateArg(before), r.s.d.Instant(before), limit)
}

// RewriteEvent implements permit.Tx: one UPDATE of the event's data and
// resources, in place.
func (t *tx) RewriteEvent(e permit.Event) error {
	id, err := strconv.ParseInt(e.ID, 10, 64)
	if err != nil || id < 1 {
		return fmt.Errorf("sqlstore: rewriting event %s: %w", quote(e.ID), permit.ErrNotFound)
	}
	res, err := encodeResources(e)
	if err != nil {
		return fmt.Errorf("sqlstore: rewriting event %s: %w", quote(e.ID), err)
	}
	n, err := t.exec("rewriting event "+quote(e.ID), t.s.d.Rebind(`UPDATE events SET data = ?, resources = ? WHERE id = ?`), encodeData(e.Data), res, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: rewriting event %s: %w", quote(e.ID), permit.ErrNotFound)
	}
	return nil
}

var _ permit.Forgetter = (*Store)(nil)

// Forget implements permit.Forgetter for what the store keeps beside the
// permit.Store's tables: it deletes the accounts' web sessions, sign-in
// codes, account tokens and recorded messages (permit.Options.RecordMessages:
// they hold the recipient and the message's data), the evaluation outbox's messages to their
// addresses, and every
// idempotency record of theirs (kept under "account:<id>:") or whose
// stored response names one of their accounts, permits or address
// changes (an officer's request about them). On SQLite it then
// checkpoints the write-ahead log and truncates it, so that the pages
// written before the anonymisation are not left in the log file (the
// database file itself zeroes what is deleted: secure_delete). Give the
// store last among permit.Options.Forgetters, after the adapters that
// share its database.
func (s *Store) Forget(ctx context.Context, accounts []permit.Forgotten) error {
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.describe("forgetting accounts", err)
	}
	defer func() { _ = tx.Rollback() }()
	containsResponse := `instr(response, ?) > 0`
	if s.d.name == Postgres {
		containsResponse = `position(convert_to(?, 'UTF8') in response) > 0`
	}
	for _, f := range accounts {
		for _, table := range []string{"web_sessions", "account_tokens", "sign_in_codes", "messages"} {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM `+table+` WHERE account_id = ?`), f.AccountID); err != nil {
				return s.describe("forgetting "+table, err)
			}
		}
		for _, v := range f.Values {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM evaluation_outbox WHERE to_address = ?`), v); err != nil {
				return s.describe("forgetting the evaluation outbox", err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM idempotency_records WHERE key LIKE ? ESCAPE '\'`), likePrefix("account:"+f.AccountID+":")); err != nil {
			return s.describe("forgetting idempotency records", err)
		}
		ids := append(append([]string{f.AccountID}, f.PermitIDs...), f.AddressChangeIDs...)
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM idempotency_records WHERE `+containsResponse), `"`+id+`"`); err != nil {
				return s.describe("forgetting idempotency records", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return s.describe("forgetting accounts", err)
	}
	if s.d.name == SQLite {
		if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return s.describe("checkpointing the write-ahead log", err)
		}
	}
	return nil
}

// likePrefix is a LIKE pattern matching strings that start with prefix,
// its wildcards escaped.
func likePrefix(prefix string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix) + "%"
}
