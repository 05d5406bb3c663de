package memstore

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// tx is a transaction: reads see the committed state overlaid with what the
// transaction staged; writes go to the stage only. The stage maps are made
// on the first write so that a read-only transaction allocates nothing.
type tx struct {
	s        *Store
	writable bool
	done     bool

	accounts map[string]*permit.Account
	permits  map[string]*permit.Permit
	changes  map[string]*permit.AddressChange
	claims   map[claimKey]*permit.Claim // nil: released in this transaction
	retries  map[string]*permit.PaymentRetry
	messages map[string]*permit.RecordedMessage
	events   []permit.Event
	rewrites map[int]permit.Event // committed events rewritten in place, by index
}

var _ permit.Tx = (*tx)(nil)

func (t *tx) close() { t.done = true }

func (t *tx) check() error {
	if t.done {
		return errTxDone
	}
	return nil
}

func (t *tx) account(id string) (*permit.Account, bool) {
	if a, ok := t.accounts[id]; ok {
		return a, true
	}
	a, ok := t.s.committed.accounts[id]
	return a, ok
}

func (t *tx) permit(id string) (*permit.Permit, bool) {
	if p, ok := t.permits[id]; ok {
		return p, true
	}
	p, ok := t.s.committed.permits[id]
	return p, ok
}

func (t *tx) change(id string) (*permit.AddressChange, bool) {
	if c, ok := t.changes[id]; ok {
		return c, true
	}
	c, ok := t.s.committed.changes[id]
	return c, ok
}

func (t *tx) held(k claimKey) (permit.Claim, bool) {
	if c, ok := t.claims[k]; ok {
		if c == nil {
			return permit.Claim{}, false
		}
		return *c, true
	}
	c, ok := t.s.committed.claims[k.claimScope][k.slot]
	return c, ok
}

// Account implements permit.ReadTx.
func (t *tx) Account(id string) (permit.Account, error) {
	if err := t.check(); err != nil {
		return permit.Account{}, err
	}
	a, ok := t.account(id)
	if !ok {
		return permit.Account{}, notFound("account", id)
	}
	return cloneAccount(*a), nil
}

// Permit implements permit.ReadTx.
func (t *tx) Permit(id string) (permit.Permit, error) {
	if err := t.check(); err != nil {
		return permit.Permit{}, err
	}
	p, ok := t.permit(id)
	if !ok {
		return permit.Permit{}, notFound("permit", id)
	}
	return clonePermit(*p), nil
}

// AddressChange implements permit.ReadTx.
func (t *tx) AddressChange(id string) (permit.AddressChange, error) {
	if err := t.check(); err != nil {
		return permit.AddressChange{}, err
	}
	c, ok := t.change(id)
	if !ok {
		return permit.AddressChange{}, notFound("address change", id)
	}
	return cloneChange(*c), nil
}

// indexedPermits returns the permits an index lists under one key, as this
// transaction sees them: committed ones it has not touched, plus staged ones
// that match (a staged update may have moved a permit into or out of the
// key). They are sorted by cmp before being copied out, so that the sort
// moves pointers rather than whole permits.
func (t *tx) indexedPermits(committed []string, match func(*permit.Permit) bool, cmp func(a, b *permit.Permit) int) []permit.Permit {
	found := make([]*permit.Permit, 0, len(committed)+len(t.permits))
	for _, id := range committed {
		if _, staged := t.permits[id]; !staged {
			found = append(found, t.s.committed.permits[id])
		}
	}
	for _, p := range t.permits {
		if match(p) {
			found = append(found, p)
		}
	}
	return sortedCopies(found, cmp)
}

func sortedCopies(found []*permit.Permit, cmp func(a, b *permit.Permit) int) []permit.Permit {
	slices.SortFunc(found, cmp)
	out := make([]permit.Permit, len(found))
	for i, p := range found {
		out[i] = clonePermit(*p)
	}
	return out
}

// PermitsOfAccount implements permit.ReadTx.
func (t *tx) PermitsOfAccount(accountID string) ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.indexedPermits(t.s.committed.permitsOfAccount[accountID],
		func(p *permit.Permit) bool { return p.AccountID == accountID },
		func(a, b *permit.Permit) int { return permitsByCreated(b, a) }), nil
}

// PermitsAtProperty implements permit.ReadTx. The order is by creation,
// oldest first, although the port does not promise one.
func (t *tx) PermitsAtProperty(uprn zones.UPRN) ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.indexedPermits(t.s.committed.permitsAtProperty[uprn],
		func(p *permit.Permit) bool { return p.UPRN == uprn },
		permitsByCreated), nil
}

// PermitsAtPropertyOrOfAccount implements permit.ReadTx.
func (t *tx) PermitsAtPropertyOrOfAccount(uprn zones.UPRN, accountID string) ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	// The account's permits at the property are in both lists: they are
	// taken from the property's.
	committed := slices.Clone(t.s.committed.permitsAtProperty[uprn])
	for _, id := range t.s.committed.permitsOfAccount[accountID] {
		if t.s.committed.permits[id].UPRN != uprn {
			committed = append(committed, id)
		}
	}
	return t.indexedPermits(committed,
		func(p *permit.Permit) bool { return p.UPRN == uprn || p.AccountID == accountID },
		func(a, b *permit.Permit) int { return cmp.Compare(a.ID, b.ID) }), nil
}

// AccountsAtProperty implements permit.ReadTx, oldest first.
func (t *tx) AccountsAtProperty(uprn zones.UPRN) ([]permit.Account, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	committed := t.s.committed.accountsAtProp[uprn]
	out := make([]permit.Account, 0, len(committed))
	for _, id := range committed {
		if _, staged := t.accounts[id]; !staged {
			out = append(out, *t.s.committed.accounts[id])
		}
	}
	for _, a := range t.accounts {
		if a.UPRN == uprn {
			out = append(out, cloneAccount(*a))
		}
	}
	slices.SortFunc(out, func(a, b permit.Account) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Claims implements permit.ReadTx.
func (t *tx) Claims(pool, scopeKey string) ([]permit.Claim, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	scope := claimScope{pool, scopeKey}
	committed := t.s.committed.claims[scope]
	out := make([]permit.Claim, 0, len(committed)+1)
	for slot, c := range committed {
		if _, staged := t.claims[claimKey{scope, slot}]; !staged {
			out = append(out, c)
		}
	}
	for k, c := range t.claims {
		if c != nil && k.claimScope == scope {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b permit.Claim) int { return cmp.Compare(a.Slot, b.Slot) })
	return out, nil
}

// selectPermits returns copies of the permits, committed or staged, that
// match, sorted by cmp. The back-office queries below scan: they run in
// scheduled jobs and officer screens, not on the application path.
func (t *tx) selectPermits(match func(*permit.Permit) bool, cmp func(a, b *permit.Permit) int) []permit.Permit {
	var found []*permit.Permit
	for id, p := range t.s.committed.permits {
		if _, staged := t.permits[id]; !staged && match(p) {
			found = append(found, p)
		}
	}
	for _, p := range t.permits {
		if match(p) {
			found = append(found, p)
		}
	}
	return sortedCopies(found, cmp)
}

// byExpiry orders by ExpiresOn, then ID.
func byExpiry(a, b *permit.Permit) int {
	if c := a.ExpiresOn.Compare(b.ExpiresOn); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// byVehicleChange orders by the pending change's EffectiveOn, then ID.
func byVehicleChange(a, b *permit.Permit) int {
	if c := a.PendingVehicleChange.EffectiveOn.Compare(b.PendingVehicleChange.EffectiveOn); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// PermitsExpiringBetween implements permit.ReadTx.
func (t *tx) PermitsExpiringBetween(from, to time.Time) ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.selectPermits(func(p *permit.Permit) bool {
		return p.Status == permit.Approved && p.RenewedBy == "" &&
			!p.ExpiresOn.Before(from) && !p.ExpiresOn.After(to)
	}, byExpiry), nil
}

// VehicleChangesDue implements permit.ReadTx.
func (t *tx) VehicleChangesDue(on time.Time) ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.selectPermits(func(p *permit.Permit) bool {
		return p.PendingVehicleChange != nil && !p.PendingVehicleChange.EffectiveOn.After(on)
	}, byVehicleChange), nil
}

// PermitsAwaitingPaymentSince implements permit.ReadTx; ties in creation
// instant are broken by ID.
func (t *tx) PermitsAwaitingPaymentSince(before time.Time) ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.selectPermits(func(p *permit.Permit) bool {
		return p.Status == permit.AwaitingPayment && !p.CreatedAt.After(before)
	}, permitsByCreated), nil
}

// PendingReview implements permit.ReadTx. A limit below 1 wraps
// permit.ErrValidation.
func (t *tx) PendingReview(limit int) ([]permit.Permit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	out := t.selectPermits(func(p *permit.Permit) bool { return p.Status == permit.PendingReview }, permitsByCreated)
	return out[:min(limit, len(out))], nil
}

// AddressChangesOfAccount implements permit.ReadTx, newest (CreatedAt,
// then ID) first.
func (t *tx) AddressChangesOfAccount(accountID string) ([]permit.AddressChange, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	out := t.selectChanges(func(c *permit.AddressChange) bool { return c.AccountID == accountID })
	slices.Reverse(out)
	return out, nil
}

// PendingAddressChanges implements permit.ReadTx, oldest (CreatedAt, then
// ID) first. A limit below 1 wraps permit.ErrValidation.
func (t *tx) PendingAddressChanges(limit int) ([]permit.AddressChange, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	out := t.selectChanges(func(c *permit.AddressChange) bool { return c.Status == permit.AddressChangePending })
	return out[:min(limit, len(out))], nil
}

// selectChanges returns copies of the address changes, committed or
// staged, that match, oldest first; like selectPermits it scans.
func (t *tx) selectChanges(match func(*permit.AddressChange) bool) []permit.AddressChange {
	out := []permit.AddressChange{}
	for id, c := range t.s.committed.changes {
		if _, staged := t.changes[id]; !staged && match(c) {
			out = append(out, cloneChange(*c))
		}
	}
	for _, c := range t.changes {
		if match(c) {
			out = append(out, cloneChange(*c))
		}
	}
	slices.SortFunc(out, changesByCreated)
	return out
}

func (t *tx) checkWrite() error {
	if err := t.check(); err != nil {
		return err
	}
	if !t.writable {
		// Unreachable through View, which hides the write methods.
		return fmt.Errorf("memstore: write in a read-only transaction")
	}
	return nil
}

func (t *tx) stageAccount(a *permit.Account) {
	if t.accounts == nil {
		t.accounts = make(map[string]*permit.Account)
	}
	t.accounts[a.ID] = a
}

func (t *tx) stagePermit(p *permit.Permit) {
	if t.permits == nil {
		t.permits = make(map[string]*permit.Permit)
	}
	t.permits[p.ID] = p
}

func (t *tx) stageChange(c *permit.AddressChange) {
	if t.changes == nil {
		t.changes = make(map[string]*permit.AddressChange)
	}
	t.changes[c.ID] = c
}

func (t *tx) stageClaim(k claimKey, c *permit.Claim) {
	if t.claims == nil {
		t.claims = make(map[claimKey]*permit.Claim)
	}
	t.claims[k] = c
}

func conflict(format string, args ...any) error {
	return fmt.Errorf("memstore: "+format+": %w", append(args, permit.ErrConflict)...)
}

func stale(what, id string, given, stored int) error {
	return conflict("%s %q: version %d is stale, stored version is %d", what, id, given, stored)
}

// CreateAccount implements permit.Tx.
func (t *tx) CreateAccount(a permit.Account) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := storableAccount(a); err != nil {
		return err
	}
	if _, ok := t.account(a.ID); ok {
		return conflict("account %q already exists", a.ID)
	}
	a.Version = 1
	t.stageAccount(storedAccount(a))
	return nil
}

// UpdateAccount implements permit.Tx.
func (t *tx) UpdateAccount(a permit.Account) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := storableAccount(a); err != nil {
		return err
	}
	cur, ok := t.account(a.ID)
	if !ok {
		return notFound("account", a.ID)
	}
	if a.Version != cur.Version {
		return stale("account", a.ID, a.Version, cur.Version)
	}
	a.Version++
	t.stageAccount(storedAccount(a))
	return nil
}

// CreatePermit implements permit.Tx.
func (t *tx) CreatePermit(p permit.Permit) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := storablePermit(p); err != nil {
		return err
	}
	if _, ok := t.permit(p.ID); ok {
		return conflict("permit %q already exists", p.ID)
	}
	if _, ok := t.account(p.AccountID); !ok {
		return fmt.Errorf("memstore: permit %q: %w", p.ID, notFound("account", p.AccountID))
	}
	p.Version = 1
	t.stagePermit(storedPermit(p))
	return nil
}

// UpdatePermit implements permit.Tx.
func (t *tx) UpdatePermit(p permit.Permit) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := storablePermit(p); err != nil {
		return err
	}
	cur, ok := t.permit(p.ID)
	if !ok {
		return notFound("permit", p.ID)
	}
	if p.Version != cur.Version {
		return stale("permit", p.ID, p.Version, cur.Version)
	}
	p.Version++
	t.stagePermit(storedPermit(p))
	return nil
}

// CreateAddressChange implements permit.Tx.
func (t *tx) CreateAddressChange(c permit.AddressChange) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := storableChange(c); err != nil {
		return err
	}
	if _, ok := t.change(c.ID); ok {
		return conflict("address change %q already exists", c.ID)
	}
	c.Version = 1
	t.stageChange(storedChange(c))
	return nil
}

// UpdateAddressChange implements permit.Tx.
func (t *tx) UpdateAddressChange(c permit.AddressChange) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := storableChange(c); err != nil {
		return err
	}
	cur, ok := t.change(c.ID)
	if !ok {
		return notFound("address change", c.ID)
	}
	if c.Version != cur.Version {
		return stale("address change", c.ID, c.Version, cur.Version)
	}
	c.Version++
	t.stageChange(storedChange(c))
	return nil
}

func describe(c permit.Claim) string {
	return fmt.Sprintf("slot %d of pool %q in %q", c.Slot, c.Pool, c.ScopeKey)
}

// Claim implements permit.Tx.
func (t *tx) Claim(c permit.Claim) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	k := keyOf(c)
	if cur, ok := t.held(k); ok {
		return conflict("%s is held by chain %q", describe(c), cur.ChainID)
	}
	t.stageClaim(k, &c)
	return nil
}

// MoveClaim implements permit.Tx. from is found by its pool, scope, slot and
// chain; its PermitID is not compared, since re-pointing it is the point.
func (t *tx) MoveClaim(from, to permit.Claim) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	fk, tk := keyOf(from), keyOf(to)
	cur, ok := t.held(fk)
	if !ok || cur.ChainID != from.ChainID {
		return fmt.Errorf("memstore: %s for chain %q: %w", describe(from), from.ChainID, permit.ErrNotFound)
	}
	if tk != fk {
		if other, ok := t.held(tk); ok && other.ChainID != cur.ChainID {
			return conflict("%s is held by chain %q", describe(to), other.ChainID)
		}
		t.stageClaim(fk, nil)
	}
	t.stageClaim(tk, &to)
	return nil
}

// Release implements permit.Tx; c is found as MoveClaim finds from.
func (t *tx) Release(c permit.Claim) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	k := keyOf(c)
	cur, ok := t.held(k)
	if !ok || cur.ChainID != c.ChainID {
		return fmt.Errorf("memstore: %s for chain %q: %w", describe(c), c.ChainID, permit.ErrNotFound)
	}
	t.stageClaim(k, nil)
	return nil
}

// AppendEvent implements permit.Tx. The ID is assigned at commit.
func (t *tx) AppendEvent(e permit.Event) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := storableEvent(e); err != nil {
		return err
	}
	e.ID = ""
	e.At = e.At.UTC()
	e = cloneEvent(e)
	t.events = append(t.events, e)
	return nil
}
