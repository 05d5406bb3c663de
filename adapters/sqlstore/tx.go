package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// readTx is a permit.ReadTx on one database transaction, or, with tx nil,
// a single statement on the pool (see Store.PermitsByVRM). A PostgreSQL
// write transaction has p instead of tx: its connection driven by pgx
// natively (see pipelined.go).
type readTx struct {
	s   *Store
	ctx context.Context
	tx  *sql.Tx
	p   sqldb.Pipeline
	// known is what the transaction's own reads and writes settle, for
	// deferring writes (pipelined transactions only; nil otherwise).
	known *known
	// aborted is set (write transactions) when the database gave up on
	// the transaction and Update must run it again.
	aborted error
}

var _ permit.ReadTx = (*readTx)(nil)

// rows are a query's rows, from database/sql or from a Pipeline.
type rows = sqldb.Rows

// sqlRows are database/sql's rows as rows.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// stmt is the transaction's use of the store's prepared statement for q,
// or nil when q is not prepared.
func (r *readTx) stmt(q string) *sql.Stmt {
	p := r.s.prepared[q]
	if p == nil || r.tx == nil {
		return p
	}
	return r.tx.StmtContext(r.ctx, p)
}

func (r *readTx) query(q string, args ...any) (rows, error) {
	if r.p != nil {
		return r.p.Query(r.ctx, q, args)
	}
	var (
		rs  *sql.Rows
		err error
	)
	switch st := r.stmt(q); {
	case st != nil:
		rs, err = st.QueryContext(r.ctx, args...)
	case r.tx == nil:
		rs, err = r.s.db.QueryContext(r.ctx, q, args...)
	default:
		rs, err = r.tx.QueryContext(r.ctx, q, args...)
	}
	if err != nil {
		return nil, err
	}
	return sqlRows{rs}, nil
}

func (r *readTx) queryRow(q string, args ...any) rowScanner {
	if r.p != nil {
		return pipelineRow{r, q, args}
	}
	if st := r.stmt(q); st != nil {
		return st.QueryRowContext(r.ctx, args...)
	}
	return r.tx.QueryRowContext(r.ctx, q, args...)
}

// pipelineRow is *sql.Row's Scan on a Pipeline: sql.ErrNoRows when the
// query returns no row.
type pipelineRow struct {
	r    *readTx
	q    string
	args []any
}

func (pr pipelineRow) Scan(dest ...any) error {
	rs, err := pr.r.p.Query(pr.r.ctx, pr.q, pr.args)
	if err != nil {
		return err
	}
	defer rs.Close()
	if !rs.Next() {
		if err := rs.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rs.Scan(dest...); err != nil {
		return err
	}
	rs.Close()
	return rs.Err()
}

// execStmt runs a statement that returns no rows and returns how many it
// changed.
func (r *readTx) execStmt(q string, args ...any) (int64, error) {
	if r.p != nil {
		return r.p.Exec(r.ctx, q, args)
	}
	var (
		res sql.Result
		err error
	)
	if st := r.stmt(q); st != nil {
		res, err = st.ExecContext(r.ctx, args...)
	} else {
		res, err = r.tx.ExecContext(r.ctx, q, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// fail describes a database error, noting when it aborted the transaction
// in a way another attempt may not meet.
func (r *readTx) fail(op string, err error) error {
	if ctxErr := r.ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		// The driver reports a cancelled statement in its own words
		// (SQLite: "interrupted"); callers check for the context's error.
		return fmt.Errorf("sqlstore: %s: %w (%v)", op, ctxErr, err)
	}
	e := r.s.describe(op, err)
	if r.aborted == nil && r.s.d.Retryable(err) {
		r.aborted = e
	}
	return e
}

func (r *readTx) Account(id string) (permit.Account, error) {
	a, err := scanAccount(r.queryRow(r.s.q.account, id))
	if errors.Is(err, sql.ErrNoRows) {
		return permit.Account{}, fmt.Errorf("sqlstore: account %s: %w", quote(id), permit.ErrNotFound)
	}
	if err != nil {
		return permit.Account{}, r.fail("reading account "+quote(id), err)
	}
	r.known.sawAccount(a.ID)
	return a, nil
}

func (r *readTx) Permit(id string) (permit.Permit, error) {
	p, err := scanPermit(r.queryRow(r.s.q.permit, id))
	if errors.Is(err, sql.ErrNoRows) {
		return permit.Permit{}, fmt.Errorf("sqlstore: permit %s: %w", quote(id), permit.ErrNotFound)
	}
	if err != nil {
		return permit.Permit{}, r.fail("reading permit "+quote(id), err)
	}
	r.known.sawPermits(p)
	return p, nil
}

func (r *readTx) AddressChange(id string) (permit.AddressChange, error) {
	c, err := scanAddressChange(r.queryRow(r.s.q.addressChange, id))
	if errors.Is(err, sql.ErrNoRows) {
		return permit.AddressChange{}, fmt.Errorf("sqlstore: address change %s: %w", quote(id), permit.ErrNotFound)
	}
	if err != nil {
		return permit.AddressChange{}, r.fail("reading address change "+quote(id), err)
	}
	return c, nil
}

// collect runs a query and scans every row.
func collect[T any](r *readTx, op string, scan func(rowScanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := r.query(q, args...)
	if err != nil {
		return nil, r.fail(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, r.fail(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, r.fail(op, err)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

func (r *readTx) PermitsOfAccount(accountID string) ([]permit.Permit, error) {
	return r.saw(collect(r, "listing the permits of account "+quote(accountID), scanPermit, r.s.q.permitsOfAccount, accountID))
}

func (r *readTx) PermitsAtProperty(uprn zones.UPRN) ([]permit.Permit, error) {
	return r.saw(collect(r, "listing the permits at property "+uprn.String(), scanPermit, r.s.q.permitsAtProperty, int64(uprn)))
}

func (r *readTx) PermitsAtPropertyOrOfAccount(uprn zones.UPRN, accountID string) ([]permit.Permit, error) {
	return r.saw(collect(r, "listing the permits at property "+uprn.String()+" or of account "+quote(accountID), scanPermit, r.s.q.permitsCounting, int64(uprn), accountID))
}

// saw notes the versions of the permits a read returned (see known).
func (r *readTx) saw(ps []permit.Permit, err error) ([]permit.Permit, error) {
	if err == nil {
		r.known.sawPermits(ps...)
	}
	return ps, err
}

func (r *readTx) AccountsAtProperty(uprn zones.UPRN) ([]permit.Account, error) {
	return collect(r, "listing the accounts at property "+uprn.String(), scanAccount, r.s.q.accountsAtProperty, int64(uprn))
}

func (r *readTx) Claims(pool, scopeKey string) ([]permit.Claim, error) {
	cs, err := collect(r, "listing the claims of pool "+quote(pool)+" in "+quote(scopeKey), scanClaim, r.s.q.claims, pool, scopeKey)
	if err == nil {
		r.known.sawClaims(pool, scopeKey, cs)
	}
	return cs, err
}

func (r *readTx) PermitsExpiringBetween(from, to time.Time) ([]permit.Permit, error) {
	return collect(r, "listing permits expiring", scanPermit, r.s.q.expiringBetween, dateArg(from), dateArg(to))
}

func (r *readTx) VehicleChangesDue(on time.Time) ([]permit.Permit, error) {
	return collect(r, "listing vehicle changes due", scanPermit, r.s.q.vehicleChangesDue, dateArg(on))
}

func (r *readTx) PermitsAwaitingPaymentSince(before time.Time) ([]permit.Permit, error) {
	return collect(r, "listing permits awaiting payment", scanPermit, r.s.q.awaitingPaymentSince, r.s.d.Instant(before))
}

func (r *readTx) PendingReview(limit int) ([]permit.Permit, error) {
	if limit < 1 {
		return nil, validation("limit", "out_of_range", "limit must be at least 1, not "+strconv.Itoa(limit))
	}
	return collect(r, "listing the review queue", scanPermit, r.s.q.pendingReview, limit)
}

func (r *readTx) AddressChangesOfAccount(accountID string) ([]permit.AddressChange, error) {
	return collect(r, "listing the address changes of account "+quote(accountID), scanAddressChange, r.s.q.changesOfAccount, accountID)
}

func (r *readTx) PendingAddressChanges(limit int) ([]permit.AddressChange, error) {
	if limit < 1 {
		return nil, validation("limit", "out_of_range", "limit must be at least 1, not "+strconv.Itoa(limit))
	}
	return collect(r, "listing address changes pending review", scanAddressChange, r.s.q.pendingAddressChanges, limit)
}

func (r *readTx) PermitsByVRM(vrm permit.VRM) ([]permit.Permit, error) {
	ps, err := collect(r, "listing the permits of registration "+quote(string(vrm)), scanPermit, r.s.q.permitsByVRM, string(vrm), string(vrm))
	slices.SortFunc(ps, func(a, b permit.Permit) int { return strings.Compare(a.ID, b.ID) })
	return ps, err
}

func (r *readTx) PermitsVehicleUnchecked() ([]permit.Permit, error) {
	return collect(r, "listing the permits whose vehicle check is unanswered", scanPermit, r.s.q.vehicleUnchecked)
}

func (r *readTx) ReviewsOverdueBefore(createdBefore time.Time) ([]permit.Permit, error) {
	return collect(r, "listing overdue reviews", scanPermit, r.s.q.reviewsOverdue, r.s.d.Instant(createdBefore))
}

func (r *readTx) AddressChangesOverdueOn(on time.Time) ([]permit.AddressChange, error) {
	return collect(r, "listing overdue address changes", scanAddressChange, r.s.q.changesOverdue, dateArg(on))
}

// tx is a permit.Tx on one database transaction.
type tx struct {
	readTx
	events [][]any // appended events' column values, written at commit
}

var _ permit.Tx = (*tx)(nil)

// exec runs a statement and returns how many rows it changed.
func (t *tx) exec(op, q string, args ...any) (int64, error) {
	n, err := t.execStmt(q, args...)
	if err != nil {
		return 0, t.fail(op, err)
	}
	return n, nil
}

// exists reports whether a query returns a row.
func (t *tx) exists(op, q string, args ...any) (bool, error) {
	var one int
	err := t.queryRow(q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, t.fail(op, err)
	}
	return true, nil
}

// staleOrMissing explains an optimistic update that changed no row.
func (t *tx) staleOrMissing(kind, id string, given int, versionQuery string) error {
	var stored int
	err := t.queryRow(versionQuery, id).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlstore: updating %s %s: %w", kind, quote(id), permit.ErrNotFound)
	}
	if err != nil {
		return t.fail("updating "+kind+" "+quote(id), err)
	}
	return fmt.Errorf("sqlstore: updating %s %s: version %d is stale, the stored one is %d: %w", kind, quote(id), given, stored, permit.ErrConflict)
}

func (t *tx) CreateAccount(a permit.Account) error {
	op := "creating account " + quote(a.ID)
	args, err := t.accountArgs(a)
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	n, err := t.exec(op, t.s.q.createAccount, append([]any{a.ID}, args...)...)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: %s: the ID is taken: %w", op, permit.ErrConflict)
	}
	t.known.sawAccount(a.ID)
	return nil
}

func (t *tx) UpdateAccount(a permit.Account) error {
	args, err := t.accountArgs(a)
	if err != nil {
		return fmt.Errorf("sqlstore: updating account %s: %w", quote(a.ID), err)
	}
	n, err := t.exec("updating account "+quote(a.ID), t.s.q.updateAccount, append(args, a.ID, a.Version)...)
	if err != nil {
		return err
	}
	if n == 0 {
		return t.staleOrMissing("account", a.ID, a.Version, t.s.q.accountVersion)
	}
	return nil
}

func (t *tx) accountArgs(a permit.Account) ([]any, error) {
	var tc timeCheck
	tc.instant("created_at", a.CreatedAt)
	tc.instant("updated_at", a.UpdatedAt)
	if f := a.MessageFailure; f != nil {
		tc.instant("message_failure.at", f.At)
	}
	tc.instant("anonymised_at", a.AnonymisedAt)
	if err := tc.err(); err != nil {
		return nil, err
	}
	failure, err := encodeMessageFailure(a.MessageFailure)
	if err != nil {
		return nil, err
	}
	return []any{a.Name, a.Email, a.Phone, int64(a.UPRN), a.Address, a.Zone.ID, a.Zone.Name, a.Credential, failure,
		a.Protected, t.s.d.Instant(a.AnonymisedAt), t.s.d.Instant(a.CreatedAt), t.s.d.Instant(a.UpdatedAt)}, nil
}

func (t *tx) CreatePermit(p permit.Permit) error {
	op := "creating permit " + quote(p.ID)
	args, err := t.permitArgs(p)
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	if k := t.known; k != nil && k.accounts[p.AccountID] {
		// The account is there; a taken ID (random IDs: never in
		// practice) fails the statement and the transaction.
		t.queue(op, t.s.q.createPermitQueued, append([]any{p.ID}, args...))
		k.versions[p.ID] = 1
		return nil
	}
	n, err := t.exec(op, t.s.q.createPermit, append(append([]any{p.ID}, args...), p.AccountID)...)
	if err != nil {
		return err
	}
	if n == 1 {
		t.known.sawPermits(permit.Permit{ID: p.ID, Version: 1})
		return nil
	}
	ok, err := t.exists(op, t.s.q.accountExists, p.AccountID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("sqlstore: %s: account %s: %w", op, quote(p.AccountID), permit.ErrNotFound)
	}
	return fmt.Errorf("sqlstore: %s: the ID is taken: %w", op, permit.ErrConflict)
}

func (t *tx) UpdatePermit(p permit.Permit) error {
	op := "updating permit " + quote(p.ID)
	args, err := t.permitArgs(p)
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	if k := t.known; k != nil {
		if v, ok := k.versions[p.ID]; ok && v == p.Version {
			// The version is the one this transaction read or wrote:
			// the update finds it, or fails the transaction.
			t.queue(op, t.s.q.updatePermitQueued, append(args, p.ID, p.Version))
			k.versions[p.ID] = p.Version + 1
			return nil
		}
	}
	n, err := t.exec(op, t.s.q.updatePermit, append(args, p.ID, p.Version)...)
	if err != nil {
		return err
	}
	if n == 0 {
		return t.staleOrMissing("permit", p.ID, p.Version, t.s.q.permitVersion)
	}
	t.known.sawPermits(permit.Permit{ID: p.ID, Version: p.Version + 1})
	return nil
}

// permitArgs are the values of permitWritten after id.
func (t *tx) permitArgs(p permit.Permit) ([]any, error) {
	d := t.s.d
	var tc timeCheck
	tc.date("starts_on", p.StartsOn)
	tc.date("expires_on", p.ExpiresOn)
	tc.date("evidence_accepted_on", p.EvidenceAcceptedOn)
	tc.date("review_overdue_on", p.ReviewOverdueOn)
	tc.date("evidence_deleted_on", p.EvidenceDeletedOn)
	tc.instant("created_at", p.CreatedAt)
	tc.instant("updated_at", p.UpdatedAt)
	tc.documents("evidence", p.Evidence)
	if vc := p.PendingVehicleChange; vc != nil {
		tc.date("pending_vehicle_change.effective_on", vc.EffectiveOn)
		tc.instant("pending_vehicle_change.requested_at", vc.RequestedAt)
	}
	if c := p.Cancellation; c != nil {
		tc.instant("cancellation.at", c.At)
	}
	if c := p.RegisterCheck; c != nil {
		tc.instant("register_check.checked_at", c.CheckedAt)
	}
	if err := tc.err(); err != nil {
		return nil, err
	}
	checkOutcome, check, err := encodeRegisterCheck(p.RegisterCheck)
	if err != nil {
		return nil, err
	}
	price, err := moneyArg("price", p.Price)
	if err != nil {
		return nil, err
	}
	var payID, payStatus, payAmount, payRefunded, payExpires, failCode any
	payAttempt, payNext, failProv, failDetail := 0, "", "", ""
	if pay := p.Payment; pay != nil {
		tc.instant("payment.expires_at", pay.ExpiresAt)
		if err := tc.err(); err != nil {
			return nil, err
		}
		payAttempt, payNext, payExpires = pay.Attempt, pay.NextURL, d.Instant(pay.ExpiresAt)
		if f := pay.Failure; f != nil {
			failCode, failProv, failDetail = f.Code, f.ProviderCode, f.Detail
		}
		amount, err := moneyArg("payment.amount", pay.Amount)
		if err != nil {
			return nil, err
		}
		refunded, err := moneyArg("payment.refunded", pay.Refunded)
		if err != nil {
			return nil, err
		}
		payID, payStatus, payAmount, payRefunded = pay.ID, string(pay.Status), amount, refunded
	}
	var vcID, vcVRM, vcOn, vcAt, vcBy any
	if vc := p.PendingVehicleChange; vc != nil {
		vcID, vcVRM, vcOn, vcAt, vcBy = vc.ID, string(vc.VRM), dateArg(vc.EffectiveOn), d.Instant(vc.RequestedAt), vc.RequestedBy
	}
	var rejCode, rejReason any
	if rj := p.Rejection; rj != nil {
		rejCode, rejReason = rj.Code, rj.Reason
	}
	var cBy, cAt, cReason, cRefund any
	if c := p.Cancellation; c != nil {
		refund, err := moneyArg("cancellation.refund", c.Refund)
		if err != nil {
			return nil, err
		}
		cBy, cAt, cReason, cRefund = c.By, d.Instant(c.At), c.Reason, refund
	}
	ev, err := encodeEvidence(p.Evidence)
	if err != nil {
		return nil, err
	}
	return []any{
		p.AccountID, p.Type, string(p.Status), p.Free, p.Pool, p.FreeSlot, price,
		payID, payStatus, payAmount, payRefunded,
		payAttempt, payNext, payExpires, failCode, failProv, failDetail,
		string(p.VRM), vcID, vcVRM, vcOn, vcAt, vcBy,
		int64(p.UPRN), p.Address, p.Zone.ID, p.Zone.Name, dateArg(p.StartsOn), dateArg(p.ExpiresOn),
		p.ChainID, p.RenewalOf, p.RenewedBy,
		ev, dateArg(p.EvidenceAcceptedOn), rejCode, rejReason,
		cBy, cAt, cReason, cRefund,
		encodeInts(p.RemindersSent), dateArg(p.ReviewOverdueOn), checkOutcome, check, dateArg(p.EvidenceDeletedOn), p.AddressProtected, d.Instant(p.CreatedAt), d.Instant(p.UpdatedAt),
	}, nil
}

func (t *tx) CreateAddressChange(c permit.AddressChange) error {
	op := "creating address change " + quote(c.ID)
	args, err := t.addressChangeArgs(c)
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	n, err := t.exec(op, t.s.q.createAddressChange, append([]any{c.ID}, args...)...)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: %s: the ID is taken: %w", op, permit.ErrConflict)
	}
	return nil
}

func (t *tx) UpdateAddressChange(c permit.AddressChange) error {
	args, err := t.addressChangeArgs(c)
	if err != nil {
		return fmt.Errorf("sqlstore: updating address change %s: %w", quote(c.ID), err)
	}
	n, err := t.exec("updating address change "+quote(c.ID), t.s.q.updateAddressChange, append(args, c.ID, c.Version)...)
	if err != nil {
		return err
	}
	if n == 0 {
		return t.staleOrMissing("address change", c.ID, c.Version, t.s.q.addressChangeVersion)
	}
	return nil
}

func (t *tx) addressChangeArgs(c permit.AddressChange) ([]any, error) {
	var tc timeCheck
	tc.date("submitted_on", c.SubmittedOn)
	tc.date("due_on", c.DueOn)
	tc.date("review_overdue_on", c.ReviewOverdueOn)
	tc.instant("created_at", c.CreatedAt)
	tc.instant("decided_at", c.DecidedAt)
	tc.documents("evidence", c.Evidence)
	if err := tc.err(); err != nil {
		return nil, err
	}
	ev, err := encodeEvidence(c.Evidence)
	if err != nil {
		return nil, err
	}
	var rejCode, rejReason any
	if rj := c.Rejection; rj != nil {
		rejCode, rejReason = rj.Code, rj.Reason
	}
	return []any{
		c.AccountID, int64(c.FromUPRN), int64(c.ToUPRN), c.ToAddress, c.Zone.ID, c.Zone.Name, ev, string(c.Status),
		rejCode, rejReason, dateArg(c.SubmittedOn), dateArg(c.DueOn), dateArg(c.ReviewOverdueOn), t.s.d.Instant(c.CreatedAt), t.s.d.Instant(c.DecidedAt),
	}, nil
}

func claimName(c permit.Claim) string {
	return fmt.Sprintf("slot %d of pool %s in %s", c.Slot, quote(c.Pool), quote(c.ScopeKey))
}

func (t *tx) Claim(c permit.Claim) error {
	op := "claiming " + claimName(c)
	if k := t.known; k != nil {
		if held, ok := k.claims[[2]string{c.Pool, c.ScopeKey}]; ok && !held[c.Slot] {
			// This transaction saw the slot free: the insert takes it,
			// or fails the transaction (a concurrent winner).
			t.queue(op, t.s.q.insertClaimQueued, []any{c.Pool, c.ScopeKey, c.Slot, c.ChainID, c.PermitID})
			held[c.Slot] = true
			return nil
		}
	}
	n, err := t.exec(op, t.s.q.insertClaim, c.Pool, c.ScopeKey, c.Slot, c.ChainID, c.PermitID)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: %s: already held: %w", op, permit.ErrConflict)
	}
	return nil
}

func (t *tx) MoveClaim(from, to permit.Claim) error {
	op := "moving " + claimName(from) + " to " + claimName(to)
	t.known.forgetClaims(from.Pool, from.ScopeKey)
	t.known.forgetClaims(to.Pool, to.ScopeKey)
	sameKey := from.Pool == to.Pool && from.ScopeKey == to.ScopeKey && from.Slot == to.Slot
	if sameKey && from.ChainID == to.ChainID {
		n, err := t.exec(op, t.s.q.repointClaim, to.PermitID, from.Pool, from.ScopeKey, from.Slot, from.ChainID)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("sqlstore: %s: chain %s does not hold it: %w", op, quote(from.ChainID), permit.ErrNotFound)
		}
		return nil
	}
	held, err := t.exists(op, t.s.q.claimHeld, from.Pool, from.ScopeKey, from.Slot, from.ChainID)
	if err != nil {
		return err
	}
	if !held {
		return fmt.Errorf("sqlstore: %s: chain %s does not hold the first: %w", op, quote(from.ChainID), permit.ErrNotFound)
	}
	if !sameKey {
		var holder string
		err := t.queryRow(t.s.q.claimChain, to.Pool, to.ScopeKey, to.Slot).Scan(&holder)
		switch {
		case err == nil && holder != to.ChainID:
			return fmt.Errorf("sqlstore: %s: chain %s holds the second: %w", op, quote(holder), permit.ErrConflict)
		case err == nil: // the chain already holds the new slot too: keep one
			if _, err := t.exec(op, t.s.q.deleteClaim, from.Pool, from.ScopeKey, from.Slot, from.ChainID); err != nil {
				return err
			}
			_, err := t.exec(op, t.s.q.repointClaim, to.PermitID, to.Pool, to.ScopeKey, to.Slot, to.ChainID)
			return err
		case !errors.Is(err, sql.ErrNoRows):
			return t.fail(op, err)
		}
	}
	// Checked above, so neither statement refuses; the primary key still
	// stops a concurrent winner of the new slot (a conflict on commit).
	if _, err := t.exec(op, t.s.q.deleteClaim, from.Pool, from.ScopeKey, from.Slot, from.ChainID); err != nil {
		return err
	}
	n, err := t.exec(op, t.s.q.insertClaim, to.Pool, to.ScopeKey, to.Slot, to.ChainID, to.PermitID)
	if err != nil {
		return err
	}
	if n == 0 {
		// Only a writer that slipped in between: this transaction is no
		// longer consistent, so make Update try again from the start.
		e := fmt.Errorf("sqlstore: %s: taken concurrently: %w", op, permit.ErrConflict)
		if t.aborted == nil {
			t.aborted = e
		}
		return e
	}
	return nil
}

func (t *tx) Release(c permit.Claim) error {
	op := "releasing " + claimName(c)
	t.known.forgetClaims(c.Pool, c.ScopeKey)
	n, err := t.exec(op, t.s.q.deleteClaim, c.Pool, c.ScopeKey, c.Slot, c.ChainID)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: %s: chain %s does not hold it: %w", op, quote(c.ChainID), permit.ErrNotFound)
	}
	return nil
}

// AppendEvent keeps the event until the transaction commits, when all its
// events go in with one statement: nothing reads events inside a
// transaction, and each statement saved is a round trip saved.
func (t *tx) AppendEvent(e permit.Event) error {
	var tc timeCheck
	tc.instant("at", e.At)
	if err := tc.err(); err != nil {
		return fmt.Errorf("sqlstore: appending event %s: %w", e.Type, err)
	}
	res, err := encodeResources(e)
	if err != nil {
		return fmt.Errorf("sqlstore: appending event %s: %w", e.Type, err)
	}
	t.events = append(t.events, []any{string(e.Type), t.s.d.Instant(e.At), e.Actor, e.PermitID, e.AccountID, encodeData(e.Data), res})
	return nil
}

// eventColumns are the columns AppendEvent fills, in its order.
const eventColumns = 7

// flushEvents inserts the events appended in the transaction, in order.
// On PostgreSQL the first insert takes the feed lock (see Store.Events).
func (t *tx) flushEvents() error {
	for _, st := range t.eventStatements() {
		if _, err := t.exec("appending events", st.q, st.args...); err != nil {
			return err
		}
	}
	return nil
}

// queueEvents queues the statements of flushEvents on a pipelined
// transaction, to go out with its COMMIT.
func (t *tx) queueEvents() {
	for _, st := range t.eventStatements() {
		t.p.Queue(st.q, st.args, func(_ int64, err error) {
			if err != nil && t.aborted == nil && t.s.d.Retryable(err) {
				t.aborted = t.s.describe("appending events", err)
			}
		})
	}
}

type statement struct {
	q    string
	args []any
}

// eventStatements are the inserts of the events appended in the
// transaction, in order.
func (t *tx) eventStatements() []statement {
	events := t.events
	var out []statement
	if len(events) > 0 && t.s.d.feedLock {
		args := append(append([]any{}, events[0]...), feedLockClass, t.s.feedLock)
		out = append(out, statement{t.s.q.feedEvent, args})
		events = events[1:]
	}
	const perInsert = 500
	for start := 0; start < len(events); start += perInsert {
		batch := events[start:min(start+perInsert, len(events))]
		args := make([]any, 0, len(batch)*eventColumns)
		for _, e := range batch {
			args = append(args, e...)
		}
		q := t.s.q.singleEvent // the usual case, prepared
		if len(batch) > 1 {
			row := "(" + placeholders(eventColumns) + ")"
			q = t.s.d.Rebind(`INSERT INTO events (type, at, actor, permit_id, account_id, data, resources) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", len(batch)), ", "))
		}
		out = append(out, statement{q, args})
	}
	return out
}
