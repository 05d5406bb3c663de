package webhook

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// MemoryStore is a Store in memory: for tests and a single server process
// whose webhooks may be forgotten on restart. Safe for concurrent use.
type MemoryStore struct {
	mu         sync.Mutex
	endpoints  map[string]Endpoint
	cursor     string
	seq        int64
	deliveries []*memDelivery // in ID order
	byPair     map[string]bool
}

type memDelivery struct {
	d          Delivery
	id         int64
	leaseUntil time.Time
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{endpoints: map[string]Endpoint{}, byPair: map[string]bool{}}
}

func pairKey(endpointID, eventID string) string { return endpointID + "\x00" + eventID }

// CreateEndpoint implements Store.
func (s *MemoryStore) CreateEndpoint(ctx context.Context, e Endpoint) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.endpoints[e.ID]; ok {
		return fmt.Errorf("%w: endpoint %s exists", ErrConflict, e.ID)
	}
	if e.IdempotencyKey != "" {
		for _, o := range s.endpoints {
			if o.IdempotencyKey == e.IdempotencyKey {
				return fmt.Errorf("%w: idempotency key used by endpoint %s", ErrConflict, o.ID)
			}
		}
	}
	e = cloneEndpoint(e)
	e.CreatedAt, e.PreviousSecretUntil, e.PausedAt = stored(e.CreatedAt), stored(e.PreviousSecretUntil), stored(e.PausedAt)
	s.endpoints[e.ID] = e
	return nil
}

// Endpoint implements Store.
func (s *MemoryStore) Endpoint(ctx context.Context, id string) (Endpoint, error) {
	if err := ctx.Err(); err != nil {
		return Endpoint{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[id]
	if !ok {
		return Endpoint{}, fmt.Errorf("%w: endpoint %s", ErrNotFound, clip(id, 40))
	}
	return cloneEndpoint(e), nil
}

// EndpointByIdempotencyKey implements Store.
func (s *MemoryStore) EndpointByIdempotencyKey(ctx context.Context, key string) (Endpoint, error) {
	if err := ctx.Err(); err != nil {
		return Endpoint{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.endpoints {
		if key != "" && e.IdempotencyKey == key {
			return cloneEndpoint(e), nil
		}
	}
	return Endpoint{}, fmt.Errorf("%w: no endpoint with that idempotency key", ErrNotFound)
}

// Endpoints implements Store.
func (s *MemoryStore) Endpoints(ctx context.Context) ([]Endpoint, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Endpoint, 0, len(s.endpoints))
	for _, e := range s.endpoints {
		out = append(out, cloneEndpoint(e))
	}
	slices.SortFunc(out, func(a, b Endpoint) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// DeleteEndpoint implements Store.
func (s *MemoryStore) DeleteEndpoint(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.endpoints[id]; !ok {
		return fmt.Errorf("%w: endpoint %s", ErrNotFound, clip(id, 40))
	}
	delete(s.endpoints, id)
	s.deliveries = slices.DeleteFunc(s.deliveries, func(m *memDelivery) bool {
		if m.d.EndpointID == id {
			delete(s.byPair, pairKey(id, m.d.EventID))
			return true
		}
		return false
	})
	return nil
}

// Cursor implements Store.
func (s *MemoryStore) Cursor(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursor, nil
}

// Enqueue implements Store.
func (s *MemoryStore) Enqueue(ctx context.Context, from, to string, ds []Delivery) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cursor != from {
		return fmt.Errorf("%w: the fan-out cursor moved", ErrConflict)
	}
	s.cursor = to
	for _, d := range ds {
		if _, ok := s.endpoints[d.EndpointID]; !ok || s.byPair[pairKey(d.EndpointID, d.EventID)] {
			continue
		}
		s.seq++
		d.ID = strconv.FormatInt(s.seq, 10)
		d.Body = bytes.Clone(d.Body)
		d.Status, d.Attempts, d.LeaseToken = StatusPending, 0, ""
		d.NextAttemptAt, d.CreatedAt = stored(d.NextAttemptAt), stored(d.CreatedAt)
		d.RetryingSince = d.CreatedAt
		d.LastAttemptAt, d.LastStatusCode, d.LastError, d.DeliveredAt = time.Time{}, 0, "", time.Time{}
		s.deliveries = append(s.deliveries, &memDelivery{d: d, id: s.seq})
		s.byPair[pairKey(d.EndpointID, d.EventID)] = true
	}
	return nil
}

func newLeaseToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Claim implements Store.
func (s *MemoryStore) Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, fmt.Errorf("%w: claim limit %d is below 1", ErrValidation, limit)
	}
	now, leaseUntil = stored(now), stored(leaseUntil)
	s.mu.Lock()
	defer s.mu.Unlock()
	// The first pending delivery of each group is its head; only a head
	// of an endpoint that is not paused may be sent.
	seen := map[string]bool{}
	var due []*memDelivery
	for _, m := range s.deliveries {
		if m.d.Status != StatusPending || !s.endpoints[m.d.EndpointID].PausedAt.IsZero() {
			continue
		}
		g := m.d.EndpointID + "\x00" + m.d.OrderKey
		if seen[g] {
			continue
		}
		seen[g] = true
		if m.d.Status == StatusPending && !m.d.NextAttemptAt.After(now) && m.leaseUntil.Before(now) {
			due = append(due, m)
		}
	}
	slices.SortStableFunc(due, func(a, b *memDelivery) int {
		if c := a.d.NextAttemptAt.Compare(b.d.NextAttemptAt); c != 0 {
			return c
		}
		return int(a.id - b.id)
	})
	if len(due) > limit {
		due = due[:limit]
	}
	out := make([]Delivery, 0, len(due))
	for _, m := range due {
		m.leaseUntil = leaseUntil
		m.d.LeaseToken = newLeaseToken()
		out = append(out, copyDelivery(m.d))
	}
	return out, nil
}

func copyDelivery(d Delivery) Delivery {
	d.Body = bytes.Clone(d.Body)
	return d
}

func (s *MemoryStore) find(endpointID, id string) *memDelivery {
	m := s.byID(id)
	if m == nil || m.d.EndpointID != endpointID {
		return nil
	}
	return m
}

func (s *MemoryStore) byID(id string) *memDelivery {
	n, err := parseDeliveryID(id)
	if err != nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(s.deliveries, n, func(m *memDelivery, n int64) int {
		switch {
		case m.id < n:
			return -1
		case m.id > n:
			return 1
		}
		return 0
	})
	if !ok {
		return nil
	}
	return s.deliveries[i]
}

// Complete implements Store.
func (s *MemoryStore) Complete(ctx context.Context, r Result) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.byID(r.DeliveryID)
	if m == nil || r.LeaseToken == "" || m.d.LeaseToken != r.LeaseToken {
		return fmt.Errorf("%w: delivery %s", ErrLeaseLost, r.DeliveryID)
	}
	at := stored(r.At)
	m.d.Attempts++
	m.d.Status = r.Status
	m.d.LastAttemptAt, m.d.LastStatusCode, m.d.LastError = at, r.StatusCode, r.Error
	m.d.NextAttemptAt = stored(r.NextAttemptAt)
	if r.Status == StatusDelivered {
		m.d.DeliveredAt = at
	}
	m.d.LeaseToken, m.leaseUntil = "", time.Time{}
	if e, ok := s.endpoints[m.d.EndpointID]; ok && r.Status == StatusDead && r.PauseReason != "" && e.PausedAt.IsZero() {
		e.PausedAt, e.PausedReason = at, r.PauseReason
		s.endpoints[e.ID] = e
	}
	return nil
}

// Deliveries implements Store.
func (s *MemoryStore) Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	var after int64
	if q.After != "" {
		after, _ = parseDeliveryID(q.After)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.endpoints[q.EndpointID]; !ok {
		return nil, fmt.Errorf("%w: endpoint %s", ErrNotFound, clip(q.EndpointID, 40))
	}
	out := []Delivery{}
	for _, m := range s.deliveries {
		if m.id <= after || m.d.EndpointID != q.EndpointID || (q.Status != "" && m.d.Status != q.Status) {
			continue
		}
		d := copyDelivery(m.d)
		d.LeaseToken = ""
		out = append(out, d)
		if len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// Delivery implements Store.
func (s *MemoryStore) Delivery(ctx context.Context, endpointID, id string) (Delivery, error) {
	if err := ctx.Err(); err != nil {
		return Delivery{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(endpointID, id)
	if m == nil {
		return Delivery{}, fmt.Errorf("%w: delivery %s of endpoint %s", ErrNotFound, clip(id, 40), clip(endpointID, 40))
	}
	d := copyDelivery(m.d)
	d.LeaseToken = ""
	return d, nil
}

// Retry implements Store.
func (s *MemoryStore) Retry(ctx context.Context, endpointID, id string, now time.Time) (Delivery, error) {
	if err := ctx.Err(); err != nil {
		return Delivery{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(endpointID, id)
	if m == nil {
		return Delivery{}, fmt.Errorf("%w: delivery %s of endpoint %s", ErrNotFound, clip(id, 40), clip(endpointID, 40))
	}
	if m.d.Status == StatusDelivered {
		return Delivery{}, fmt.Errorf("%w: delivery %s was delivered", ErrNotRetryable, id)
	}
	m.d.Status, m.d.Attempts, m.d.NextAttemptAt, m.d.RetryingSince = StatusPending, 0, stored(now), stored(now)
	d := copyDelivery(m.d)
	d.LeaseToken = ""
	return d, nil
}

// RetryDead implements Store.
func (s *MemoryStore) RetryDead(ctx context.Context, endpointID string, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[endpointID]
	if !ok {
		return 0, fmt.Errorf("%w: endpoint %s", ErrNotFound, clip(endpointID, 40))
	}
	n := 0
	for _, m := range s.deliveries {
		if m.d.EndpointID == endpointID && m.d.Status == StatusDead {
			m.d.Status, m.d.Attempts, m.d.NextAttemptAt, m.d.RetryingSince = StatusPending, 0, stored(now), stored(now)
			n++
		}
	}
	e.PausedAt, e.PausedReason = time.Time{}, ""
	s.endpoints[endpointID] = e
	return n, nil
}

// Resume implements Store.
func (s *MemoryStore) Resume(ctx context.Context, id string) (Endpoint, error) {
	return s.updateEndpoint(ctx, id, func(e *Endpoint) { e.PausedAt, e.PausedReason = time.Time{}, "" })
}

// RotateSecret implements Store.
func (s *MemoryStore) RotateSecret(ctx context.Context, id, secret string, previousUntil time.Time) (Endpoint, error) {
	return s.updateEndpoint(ctx, id, func(e *Endpoint) {
		e.PreviousSecret, e.PreviousSecretUntil, e.Secret = e.Secret, stored(previousUntil), secret
	})
}

func (s *MemoryStore) updateEndpoint(ctx context.Context, id string, change func(e *Endpoint)) (Endpoint, error) {
	if err := ctx.Err(); err != nil {
		return Endpoint{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.endpoints[id]
	if !ok {
		return Endpoint{}, fmt.Errorf("%w: endpoint %s", ErrNotFound, clip(id, 40))
	}
	change(&e)
	s.endpoints[id] = e
	return cloneEndpoint(e), nil
}

// PurgeDelivered implements Store.
func (s *MemoryStore) PurgeDelivered(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	before = stored(before)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	s.deliveries = slices.DeleteFunc(s.deliveries, func(m *memDelivery) bool {
		if m.d.Status == StatusDelivered && m.d.DeliveredAt.Before(before) {
			// The cursor, not the pair, keeps an event from being
			// enqueued twice: Enqueue only takes events after it.
			delete(s.byPair, pairKey(m.d.EndpointID, m.d.EventID))
			n++
			return true
		}
		return false
	})
	return n, nil
}
