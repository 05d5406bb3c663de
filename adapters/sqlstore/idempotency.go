package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// IdempotencyRecords keeps the answers to requests sent with an
// Idempotency-Key in the store's database: a server's
// httpapi.IdempotencyStore, shared by every instance on the database. A
// record is kept until its expiry and then removed by DeleteExpired (the
// server's due jobs). Safe for concurrent use.
type IdempotencyRecords struct {
	s   *Store
	now func() time.Time
}

// Idempotency returns the store's idempotency records; now is the clock
// their expiry is judged by (nil: time.Now).
func (s *Store) Idempotency(now func() time.Time) *IdempotencyRecords {
	if now == nil {
		now = time.Now
	}
	return &IdempotencyRecords{s: s, now: now}
}

// Reserve claims key for a request with fingerprint until expires. When
// the key is free (never used, released, or its record expired) it records
// the claim and returns claimed true. Otherwise it returns the fingerprint
// the key was first used with and the saved response, nil while that first
// request is still running. A database that cannot be reached wraps
// ErrUnavailable.
func (r *IdempotencyRecords) Reserve(ctx context.Context, key, fingerprint string, expires time.Time) (bool, string, []byte, error) {
	s := r.s
	for attempt := 0; attempt < 5; attempt++ {
		claimed, err := r.insert(ctx, key, fingerprint, expires)
		if err != nil || claimed {
			return claimed, "", nil, err
		}
		var (
			firstFP  string
			response []byte
			live     bool
		)
		err = s.db.QueryRowContext(ctx, s.d.Rebind(`SELECT fingerprint, response, expires_at > ? FROM idempotency_records WHERE key = ?`),
			s.d.Instant(r.now()), key).Scan(&firstFP, &response, &live)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue // released meanwhile: claim it again
		case err != nil:
			return false, "", nil, s.describe("reading an idempotency record", err)
		case live:
			return false, firstFP, response, nil
		}
		// Expired: forget it (unless another request did first) and claim.
		if err := r.exec(ctx, "forgetting an idempotency record", `DELETE FROM idempotency_records WHERE key = ? AND expires_at <= ?`,
			key, s.d.Instant(r.now())); err != nil {
			return false, "", nil, err
		}
	}
	return false, "", nil, fmt.Errorf("sqlstore: idempotency key %s: claimed and released over and over: try again", quote(key))
}

func (r *IdempotencyRecords) insert(ctx context.Context, key, fingerprint string, expires time.Time) (bool, error) {
	s := r.s
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return false, err
	}
	defer unlock()
	res, err := s.db.ExecContext(ctx, s.d.Rebind(`INSERT INTO idempotency_records (key, fingerprint, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`),
		key, fingerprint, s.d.Instant(expires))
	if err != nil {
		return false, s.describe("claiming an idempotency key", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.describe("claiming an idempotency key", err)
	}
	return n == 1, nil
}

func (r *IdempotencyRecords) exec(ctx context.Context, op, q string, args ...any) error {
	s := r.s
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.db.ExecContext(ctx, s.d.Rebind(q), args...); err != nil {
		return s.describe(op, err)
	}
	return nil
}

// Save records the response of the request that claimed key, kept until
// expires. A key that is not claimed is an error.
func (r *IdempotencyRecords) Save(ctx context.Context, key string, response []byte, expires time.Time) error {
	s := r.s
	if response == nil {
		response = []byte{}
	}
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	res, err := s.db.ExecContext(ctx, s.d.Rebind(`UPDATE idempotency_records SET response = ?, expires_at = ? WHERE key = ?`),
		response, s.d.Instant(expires), key)
	if err != nil {
		return s.describe("saving an idempotent response", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("sqlstore: idempotency key %s was not claimed", quote(key))
	}
	return nil
}

// Release forgets a claim, so that a retry of its request runs again.
func (r *IdempotencyRecords) Release(ctx context.Context, key string) error {
	return r.exec(ctx, "releasing an idempotency key", `DELETE FROM idempotency_records WHERE key = ?`, key)
}

// DeleteExpired removes the records that expired at or before now and
// says how many: the due jobs call it.
func (r *IdempotencyRecords) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	s := r.s
	unlock, err := s.lockWriter(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	res, err := s.db.ExecContext(ctx, s.d.Rebind(`DELETE FROM idempotency_records WHERE expires_at <= ?`), s.d.Instant(now))
	if err != nil {
		return 0, s.describe("deleting expired idempotency records", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.describe("deleting expired idempotency records", err)
	}
	return int(n), nil
}
