// Package memstore keeps permits, accounts, address changes, allowance
// claims, payment retries and the event log in memory. It is the reference
// implementation of permit.Store: the semantics permit/permittest checks
// are the ones it has, in the simplest form. Use it in tests of code that needs a store, and in
// evaluation runs that need no database; nothing survives the process.
//
// Writers are serialised: Update holds a single writer lock for as long as
// its fn runs, as SQLite does. Every transaction is therefore serialisable
// without retries, which is what makes the free-allowance check and the
// claim that follows it one atomic step. Changes are staged inside the
// transaction and applied only when fn returns nil, so a failed or
// panicking fn leaves nothing behind. Views and Events read the committed
// state under a read lock and run alongside each other and alongside a
// writer's fn; they wait only while a commit is being applied.
//
// Values are copied on the way in and on the way out: no slice, map or
// pointer is shared between the store and its callers.
package memstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

var _ permit.Store = (*Store)(nil)

// Store is an in-memory permit.Store, safe for concurrent use. Make one with
// New. A fn given to Update or View must not call the same Store's Update or
// View (the locks are not re-entrant), and must not share its transaction
// with other goroutines.
type Store struct {
	// writer is the single writer lock: a channel rather than a mutex so that
	// a writer waiting behind a slow fn gives up when its context ends.
	writer chan struct{}

	// mu guards committed. Only the goroutine holding writer changes it, and
	// only under mu.Lock; that goroutine may read it without mu.
	mu        sync.RWMutex
	committed state
}

// state is what has been committed. Stored values are owned by the store
// and replaced, never changed in place, when a transaction commits.
type state struct {
	accounts map[string]*permit.Account
	permits  map[string]*permit.Permit
	changes  map[string]*permit.AddressChange
	claims   map[claimScope]map[int]permit.Claim
	retries  map[string]*permit.PaymentRetry
	messages map[string]*permit.RecordedMessage

	// Indexes for the service's hot path, so that an application reads
	// only its property's and its account's records.
	permitsOfAccount  index[string]
	permitsAtProperty index[zones.UPRN]
	accountsAtProp    index[zones.UPRN]
	// permitsByVRM lists each permit under its registration and under its
	// scheduled change's, for the enforcement look-up.
	permitsByVRM index[permit.VRM]

	// events are in feed order. They are kept without their IDs, which
	// are their places (events[i]'s is eventID(i+1)), given as they are
	// read: a commit then makes no ID string.
	events []permit.Event
}

type claimScope struct{ pool, key string }

type claimKey struct {
	claimScope
	slot int
}

func keyOf(c permit.Claim) claimKey {
	return claimKey{claimScope{c.Pool, c.ScopeKey}, c.Slot}
}

// index maps a key to the IDs of the records under it. The lists are
// short (a property's or an account's permits), so they are slices: adding
// a record under a new key makes one small slice rather than a map.
type index[K comparable] map[K][]string

func (ix index[K]) add(k K, id string) {
	ix[k] = append(ix[k], id)
}

func (ix index[K]) remove(k K, id string) {
	ids := ix[k]
	if i := slices.Index(ids, id); i >= 0 {
		ids[i] = ids[len(ids)-1]
		ids = ids[:len(ids)-1]
	}
	if len(ids) == 0 {
		delete(ix, k)
		return
	}
	ix[k] = ids
}

// move lists id under to instead of from; nothing changes when they are
// the same key (most updates keep a record's keys).
func (ix index[K]) move(from, to K, id string) {
	if from == to {
		return
	}
	ix.remove(from, id)
	ix.add(to, id)
}

// New returns an empty store.
func New() *Store {
	return &Store{
		writer: make(chan struct{}, 1),
		committed: state{
			accounts:          make(map[string]*permit.Account),
			permits:           make(map[string]*permit.Permit),
			changes:           make(map[string]*permit.AddressChange),
			claims:            make(map[claimScope]map[int]permit.Claim),
			retries:           make(map[string]*permit.PaymentRetry),
			messages:          make(map[string]*permit.RecordedMessage),
			permitsOfAccount:  make(index[string]),
			permitsAtProperty: make(index[zones.UPRN]),
			accountsAtProp:    make(index[zones.UPRN]),
			permitsByVRM:      make(index[permit.VRM]),
		},
	}
}

// Update runs fn with the writer lock held and applies what it staged when
// it returns nil. It never returns ErrConflict of its own (writers never
// overlap), so fn runs exactly once. When ctx ends while fn runs, nothing is
// applied and Update returns an error wrapping ctx.Err().
func (s *Store) Update(ctx context.Context, fn func(permit.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: update not started: %w", err)
	}
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("memstore: update not started, waiting for another writer: %w", ctx.Err())
	}
	defer func() { <-s.writer }()

	t := &tx{s: s, writable: true}
	defer t.close() // also when fn panics: a leaked tx must not write later
	if err := fn(t); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: update not committed: %w", err)
	}
	t.close()
	s.mu.Lock()
	s.committed.apply(t)
	s.mu.Unlock()
	return nil
}

// View runs fn over the committed state, which no commit changes until fn
// returns.
func (s *Store) View(ctx context.Context, fn func(permit.ReadTx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: view not started: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := &tx{s: s}
	defer t.close()
	// Embedding the interface hides the write methods from a type assertion.
	return fn(struct{ permit.ReadTx }{t})
}

// eventIDWidth pads event IDs so that they sort as strings in feed order.
const eventIDWidth = 20

func eventID(seq int) string {
	s := strconv.Itoa(seq)
	if len(s) >= eventIDWidth {
		return s
	}
	b := make([]byte, eventIDWidth)
	n := copy(b[eventIDWidth-len(s):], s)
	for i := range eventIDWidth - n {
		b[i] = '0'
	}
	return string(b)
}

// Events returns committed events after the cursor, which is the ID of the
// last event seen. Commits append in the order they are applied, so the feed
// order is commit order and no event can appear behind a reader's cursor.
func (s *Store) Events(ctx context.Context, after string, limit int) ([]permit.Event, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, after, fmt.Errorf("memstore: events: %w", err)
	}
	if err := checkLimit(limit); err != nil {
		return nil, after, err
	}
	var seen uint64
	if after != "" {
		n, err := strconv.ParseUint(after, 10, 63)
		if err != nil {
			return nil, after, &permit.ValidationError{Fields: []permit.FieldError{{
				Field: "after", Code: "invalid_cursor",
				Detail: fmt.Sprintf("cursor %q is not an event ID from this feed", after),
			}}}
		}
		seen = n
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	log := s.committed.events
	if seen >= uint64(len(log)) {
		return []permit.Event{}, after, nil
	}
	page := log[seen:min(uint64(len(log)), seen+uint64(limit))]
	out := make([]permit.Event, len(page))
	for i, e := range page {
		out[i] = committedEvent(int(seen)+i, e)
	}
	return out, out[len(out)-1].ID, nil
}

func checkLimit(limit int) error {
	if limit >= 1 {
		return nil
	}
	return &permit.ValidationError{Fields: []permit.FieldError{{
		Field: "limit", Code: "invalid_limit",
		Detail: fmt.Sprintf("limit must be at least 1, got %d", limit),
	}}}
}

// apply makes a finished transaction's staged changes the committed state.
// The staged values become the stored ones: the transaction is closed and
// nothing else refers to them.
func (st *state) apply(t *tx) {
	for id, a := range t.accounts {
		if old, ok := st.accounts[id]; ok {
			st.accountsAtProp.move(old.UPRN, a.UPRN, id)
		} else {
			st.accountsAtProp.add(a.UPRN, id)
		}
		st.accounts[id] = a
	}
	for id, p := range t.permits {
		old, ok := st.permits[id]
		switch {
		case !ok:
			st.permitsOfAccount.add(p.AccountID, id)
			st.permitsAtProperty.add(p.UPRN, id)
			for _, v := range vrmsOf(p) {
				st.permitsByVRM.add(v, id)
			}
		default:
			st.permitsOfAccount.move(old.AccountID, p.AccountID, id)
			st.permitsAtProperty.move(old.UPRN, p.UPRN, id)
			if was, is := vrmsOf(old), vrmsOf(p); !slices.Equal(was, is) {
				for _, v := range was {
					st.permitsByVRM.remove(v, id)
				}
				for _, v := range is {
					st.permitsByVRM.add(v, id)
				}
			}
		}
		st.permits[id] = p
	}
	maps.Copy(st.changes, t.changes)
	maps.Copy(st.retries, t.retries)
	maps.Copy(st.messages, t.messages)
	for k, c := range t.claims {
		held := st.claims[k.claimScope]
		if c == nil {
			delete(held, k.slot)
			if len(held) == 0 {
				delete(st.claims, k.claimScope)
			}
			continue
		}
		if held == nil {
			held = make(map[int]permit.Claim)
			st.claims[k.claimScope] = held
		}
		held[k.slot] = *c
	}
	for i, e := range t.rewrites {
		st.events[i] = e
	}
	st.events = append(st.events, t.events...)
}

// errTxDone is returned by a transaction used after its Update or View
// returned: a bug in the caller, not a state of the data.
var errTxDone = errors.New("memstore: transaction used after its Update or View returned")

func notFound(what, id string) error {
	return fmt.Errorf("memstore: %s %q: %w", what, id, permit.ErrNotFound)
}

// permitsByCreated orders permits by creation instant, then ID.
func permitsByCreated(a, b *permit.Permit) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// changesByCreated orders address changes by creation instant, then ID.
func changesByCreated(a, b permit.AddressChange) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// The copies below keep the store and its callers from sharing memory; the
// inbound ones also move instants to UTC, as the port promises to give them
// back.

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

func cloneDocs(docs []evidence.Document) []evidence.Document {
	if docs == nil {
		return nil
	}
	out := slices.Clone(docs)
	for i := range out {
		out[i].Fields = maps.Clone(out[i].Fields)
	}
	return out
}

func clonePermit(p permit.Permit) permit.Permit {
	p.Payment = clonePtr(p.Payment)
	if p.Payment != nil {
		p.Payment.Failure = clonePtr(p.Payment.Failure)
	}
	p.PendingVehicleChange = clonePtr(p.PendingVehicleChange)
	p.Rejection = clonePtr(p.Rejection)
	p.Cancellation = clonePtr(p.Cancellation)
	if c := p.RegisterCheck; c != nil {
		cc := *c
		cc.Vehicle = clonePtr(c.Vehicle)
		p.RegisterCheck = &cc
	}
	p.Evidence = cloneDocs(p.Evidence)
	p.RemindersSent = slices.Clone(p.RemindersSent)
	return p
}

// committedEvent is a copy of the committed event at place i of the log,
// with its ID.
func committedEvent(i int, e permit.Event) permit.Event {
	e = cloneEvent(e)
	e.ID = eventID(i + 1)
	return e
}

// cloneEvent copies e with its data and the resources it carries.
func cloneEvent(e permit.Event) permit.Event {
	e.Data = maps.Clone(e.Data)
	if e.Permit != nil {
		p := clonePermit(*e.Permit)
		e.Permit = &p
	}
	e.Account = clonePtr(e.Account)
	if e.AddressChange != nil {
		c := cloneChange(*e.AddressChange)
		e.AddressChange = &c
	}
	return e
}

func cloneChange(c permit.AddressChange) permit.AddressChange {
	c.Evidence = cloneDocs(c.Evidence)
	c.Rejection = clonePtr(c.Rejection)
	return c
}

func utc(ts ...*time.Time) {
	for _, t := range ts {
		*t = t.UTC()
	}
}

func utcDocs(docs []evidence.Document) {
	for i := range docs {
		utc(&docs[i].IssuedOn)
	}
}

func storedPermit(p permit.Permit) *permit.Permit {
	p = clonePermit(p)
	utc(&p.StartsOn, &p.ExpiresOn, &p.EvidenceAcceptedOn, &p.EvidenceDeletedOn, &p.ReviewOverdueOn, &p.CreatedAt, &p.UpdatedAt)
	utcDocs(p.Evidence)
	if c := p.PendingVehicleChange; c != nil {
		utc(&c.EffectiveOn, &c.RequestedAt)
	}
	if c := p.Cancellation; c != nil {
		utc(&c.At)
	}
	if c := p.RegisterCheck; c != nil {
		utc(&c.CheckedAt)
	}
	return &p
}

func storedAccount(a permit.Account) *permit.Account {
	a = cloneAccount(a)
	utc(&a.CreatedAt, &a.UpdatedAt, &a.AnonymisedAt)
	if f := a.MessageFailure; f != nil {
		utc(&f.At)
	}
	return &a
}

// cloneAccount is a copy of a sharing nothing the caller may change.
func cloneAccount(a permit.Account) permit.Account {
	if a.MessageFailure != nil {
		f := *a.MessageFailure
		a.MessageFailure = &f
	}
	return a
}

func storedChange(c permit.AddressChange) *permit.AddressChange {
	c = cloneChange(c)
	utc(&c.SubmittedOn, &c.DueOn, &c.ReviewOverdueOn, &c.CreatedAt, &c.DecidedAt)
	utcDocs(c.Evidence)
	return &c
}
