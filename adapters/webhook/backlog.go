package webhook

import (
	"context"
	"fmt"
)

// Backlog counts the deliveries not yet delivered, across every
// instance sharing the store: what metrics report as the backlog.
type Backlog struct {
	Pending int // still to be tried (due now or later)
	Dead    int // failed for RetryFor (or MaxAttempts times); waiting for an officer's retry
}

// Backlog counts the deliveries not yet delivered.
func (s *SQLStore) Backlog(ctx context.Context) (Backlog, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT status, COUNT(*) FROM webhook_deliveries WHERE status <> 'delivered' GROUP BY status`)
	if err != nil {
		return Backlog{}, fmt.Errorf("webhook: counting the backlog: %w", err)
	}
	defer rows.Close()
	var b Backlog
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return Backlog{}, fmt.Errorf("webhook: counting the backlog: %w", err)
		}
		b.add(Status(status), n)
	}
	if err := rows.Err(); err != nil {
		return Backlog{}, fmt.Errorf("webhook: counting the backlog: %w", err)
	}
	return b, nil
}

// Backlog counts the deliveries not yet delivered.
func (s *MemoryStore) Backlog(ctx context.Context) (Backlog, error) {
	if err := ctx.Err(); err != nil {
		return Backlog{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var b Backlog
	for _, m := range s.deliveries {
		b.add(m.d.Status, 1)
	}
	return b, nil
}

func (b *Backlog) add(s Status, n int) {
	switch s {
	case StatusPending:
		b.Pending += n
	case StatusDead:
		b.Dead += n
	}
}
