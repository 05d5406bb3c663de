package sqlstore

import "strings"

// Column lists, in the order the scan functions read them.
const (
	accountColumns = `id, name, email, phone, uprn, address, zone_id, zone_name, credential, message_failure, protected, anonymised_at, created_at, updated_at, version`

	permitColumns = `id, account_id, type, status, free, pool, free_slot, price,
payment_id, payment_status, payment_amount, payment_refunded,
payment_attempt, payment_next_url, payment_expires_at, payment_failure_code, payment_failure_provider_code, payment_failure_detail,
vrm, vehicle_change_id, vehicle_change_vrm, vehicle_change_on, vehicle_change_requested_at, vehicle_change_requested_by,
uprn, address, zone_id, zone_name, starts_on, expires_on, chain_id, renewal_of, renewed_by,
evidence, evidence_accepted_on, rejection_code, rejection_reason,
cancelled_by, cancelled_at, cancel_reason, cancel_refund,
reminders_sent, review_overdue_on, register_check_outcome, register_check, evidence_deleted_on, address_protected, created_at, updated_at, version`

	addressChangeColumns = `id, account_id, from_uprn, to_uprn, to_address, zone_id, zone_name, evidence, status,
rejection_code, rejection_reason, submitted_on, due_on, review_overdue_on, created_at, decided_at, version`

	paymentRetryColumns = `id, op, payment_id, amount, permit_id, account_id, status, attempts, last_error,
next_attempt_at, created_at, updated_at, version`

	messageColumns = `id, account_id, permit_id, kind, channel, message, status, attempts, last_error,
next_attempt_at, delivery, delivered_at, created_at, updated_at, version`
)

// permitWritten is permitColumns without version, which the queries set.
var permitWritten = strings.TrimSuffix(permitColumns, ", version")

// queries holds every statement in the dialect's placeholder style.
type queries struct {
	account, accountsAtProperty, createAccount, updateAccount, accountVersion string

	permit, permitsOfAccount, permitsAtProperty, permitsCounting, accountExists string
	createPermit, updatePermit, permitVersion                                   string
	// createPermitQueued, insertClaimQueued and updatePermitQueued are
	// createPermit, insertClaim and updatePermit as a deferred write sends
	// them (PostgreSQL only; see known): the inserts without the clauses
	// that turn a refusal into no row changed, and the update guarded (a
	// division by zero when it changed no row), so that a write that
	// misses fails the transaction before its COMMIT rather than change
	// nothing.
	createPermitQueued, insertClaimQueued, updatePermitQueued string

	expiringBetween, vehicleChangesDue, awaitingPaymentSince, pendingReview, permitsByVRM, reviewsOverdue, vehicleUnchecked string

	addressChange, createAddressChange, updateAddressChange, addressChangeVersion, pendingAddressChanges, changesOverdue string
	changesOfAccount                                                                                                     string

	claims, claimChain, claimHeld, insertClaim, deleteClaim, repointClaim string

	paymentRetry, createPaymentRetry, updatePaymentRetry, paymentRetryVersion, paymentRetriesDue, paymentRetriesPending string

	message, createMessage, updateMessage, messageVersion, messagesDue string

	singleEvent, feedEvent, feedSettled, events string
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func setList(cols string) string {
	var b strings.Builder
	for i, c := range strings.Split(cols, ",") {
		if i > 0 {
			b.WriteString(", ")
		}
		c = strings.TrimSpace(c)
		b.WriteString(c + " = ?")
	}
	return b.String()
}

func countColumns(cols string) int { return strings.Count(cols, ",") + 1 }

// withoutID drops the leading "id, " of a column list.
func withoutID(cols string) string { return strings.TrimPrefix(cols, "id, ") }

func newQueries(d *dialect) *queries {
	accountWritten := strings.TrimSuffix(accountColumns, ", version")
	changeWritten := strings.TrimSuffix(addressChangeColumns, ", version")
	retryWritten := strings.TrimSuffix(paymentRetryColumns, ", version")
	messageWritten := strings.TrimSuffix(messageColumns, ", version")
	q := &queries{
		account:            `SELECT ` + accountColumns + ` FROM accounts WHERE id = ?`,
		accountsAtProperty: `SELECT ` + accountColumns + ` FROM accounts WHERE uprn = ? ORDER BY id`,
		createAccount: `INSERT INTO accounts (` + accountColumns + `) VALUES (` + placeholders(countColumns(accountWritten)) + `, 1)
ON CONFLICT (id) DO NOTHING`,
		updateAccount:  `UPDATE accounts SET ` + setList(withoutID(accountWritten)) + `, version = version + 1 WHERE id = ? AND version = ?`,
		accountVersion: `SELECT version FROM accounts WHERE id = ?`,
		accountExists:  `SELECT 1 FROM accounts WHERE id = ?`,

		permit:            `SELECT ` + permitColumns + ` FROM permits WHERE id = ?`,
		permitsOfAccount:  `SELECT ` + permitColumns + ` FROM permits WHERE account_id = ? ORDER BY created_at DESC, id DESC`,
		permitsAtProperty: `SELECT ` + permitColumns + ` FROM permits WHERE uprn = ? ORDER BY id`,
		// Answered from permits_by_property and permits_by_account, the
		// OR as in permitsByVRM.
		permitsCounting: `SELECT ` + permitColumns + ` FROM permits WHERE uprn = ? OR account_id = ? ORDER BY id`,
		// One statement checks the account and inserts: a foreign key
		// violation would abort a PostgreSQL transaction the caller may
		// want to go on with, and a separate check costs a round trip.
		createPermit: `INSERT INTO permits (` + permitColumns + `) SELECT ` + placeholders(countColumns(permitWritten)) + `, 1
WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?)
ON CONFLICT (id) DO NOTHING`,
		updatePermit:  `UPDATE permits SET ` + setList(withoutID(permitWritten)) + `, version = version + 1 WHERE id = ? AND version = ?`,
		permitVersion: `SELECT version FROM permits WHERE id = ?`,
		// The literal conditions match the partial indexes' (SQLite uses a
		// partial index only when the query repeats its WHERE terms).
		expiringBetween: `SELECT ` + permitColumns + ` FROM permits
WHERE status = 'approved' AND renewed_by = '' AND expires_on >= ? AND expires_on <= ?
ORDER BY expires_on, id`,
		vehicleChangesDue: `SELECT ` + permitColumns + ` FROM permits
WHERE vehicle_change_id IS NOT NULL AND vehicle_change_on <= ?
ORDER BY vehicle_change_on, id`,
		awaitingPaymentSince: `SELECT ` + permitColumns + ` FROM permits
WHERE status = 'awaiting_payment' AND created_at <= ?
ORDER BY created_at, id`,
		pendingReview: `SELECT ` + permitColumns + ` FROM permits
WHERE status = 'pending_review'
ORDER BY created_at, id LIMIT ?`,
		// An enforcement look-up, the hottest read: one OR that both
		// databases answer from the two indexes, de-duplicating by row
		// (SQLite's multi-index OR, PostgreSQL's bitmap OR), where a
		// UNION would sort whole rows; the few rows found are put in ID
		// order by PermitsByVRM.
		permitsByVRM: `SELECT ` + permitColumns + ` FROM permits
WHERE vrm = ? OR (vehicle_change_vrm = ? AND vehicle_change_id IS NOT NULL)`,
		vehicleUnchecked: `SELECT ` + permitColumns + ` FROM permits
WHERE register_check_outcome = 'unchecked' ORDER BY id`,
		reviewsOverdue: `SELECT ` + permitColumns + ` FROM permits
WHERE status = 'pending_review' AND created_at < ? AND review_overdue_on IS NULL
ORDER BY created_at, id`,

		addressChange: `SELECT ` + addressChangeColumns + ` FROM address_changes WHERE id = ?`,
		createAddressChange: `INSERT INTO address_changes (` + addressChangeColumns + `) VALUES (` + placeholders(countColumns(changeWritten)) + `, 1)
ON CONFLICT (id) DO NOTHING`,
		updateAddressChange:  `UPDATE address_changes SET ` + setList(withoutID(changeWritten)) + `, version = version + 1 WHERE id = ? AND version = ?`,
		addressChangeVersion: `SELECT version FROM address_changes WHERE id = ?`,
		changesOfAccount:     `SELECT ` + addressChangeColumns + ` FROM address_changes WHERE account_id = ? ORDER BY created_at DESC, id DESC`,
		pendingAddressChanges: `SELECT ` + addressChangeColumns + ` FROM address_changes
WHERE status = 'pending_review'
ORDER BY created_at, id LIMIT ?`,
		changesOverdue: `SELECT ` + addressChangeColumns + ` FROM address_changes
WHERE status = 'pending_review' AND due_on < ? AND review_overdue_on IS NULL
ORDER BY created_at, id`,

		claims:     `SELECT pool, scope_key, slot, chain_id, permit_id FROM claims WHERE pool = ? AND scope_key = ? ORDER BY slot`,
		claimChain: `SELECT chain_id FROM claims WHERE pool = ? AND scope_key = ? AND slot = ?`,
		claimHeld:  `SELECT 1 FROM claims WHERE pool = ? AND scope_key = ? AND slot = ? AND chain_id = ?`,
		// ON CONFLICT DO NOTHING reports a held slot as "no row inserted"
		// instead of an error, which on PostgreSQL would abort the whole
		// transaction; the primary key still decides who wins.
		insertClaim: `INSERT INTO claims (pool, scope_key, slot, chain_id, permit_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (pool, scope_key, slot) DO NOTHING`,
		deleteClaim: `DELETE FROM claims WHERE pool = ? AND scope_key = ? AND slot = ? AND chain_id = ?`,
		singleEvent: `INSERT INTO events (type, at, actor, permit_id, account_id, data, resources) VALUES (?, ?, ?, ?, ?, ?, ?)`,

		repointClaim: `UPDATE claims SET permit_id = ? WHERE pool = ? AND scope_key = ? AND slot = ? AND chain_id = ?`,

		paymentRetry: `SELECT ` + paymentRetryColumns + ` FROM payment_retries WHERE id = ?`,
		createPaymentRetry: `INSERT INTO payment_retries (` + paymentRetryColumns + `) VALUES (` + placeholders(countColumns(retryWritten)) + `, 1)
ON CONFLICT (id) DO NOTHING`,
		updatePaymentRetry:  `UPDATE payment_retries SET ` + setList(withoutID(retryWritten)) + `, version = version + 1 WHERE id = ? AND version = ?`,
		paymentRetryVersion: `SELECT version FROM payment_retries WHERE id = ?`,
		// The literal conditions match the partial indexes'.
		paymentRetriesDue: `SELECT ` + paymentRetryColumns + ` FROM payment_retries
WHERE status = 'pending' AND next_attempt_at <= ?
ORDER BY next_attempt_at, id LIMIT ?`,
		paymentRetriesPending: `SELECT ` + paymentRetryColumns + ` FROM payment_retries
WHERE status = 'pending'
ORDER BY created_at, id LIMIT ?`,

		message: `SELECT ` + messageColumns + ` FROM messages WHERE id = ?`,
		createMessage: `INSERT INTO messages (` + messageColumns + `) VALUES (` + placeholders(countColumns(messageWritten)) + `, 1)
ON CONFLICT (id) DO NOTHING`,
		updateMessage:  `UPDATE messages SET ` + setList(withoutID(messageWritten)) + `, version = version + 1 WHERE id = ? AND version = ?`,
		messageVersion: `SELECT version FROM messages WHERE id = ?`,
		messagesDue: `SELECT ` + messageColumns + ` FROM messages
WHERE status = 'pending' AND next_attempt_at <= ?
ORDER BY next_attempt_at, id LIMIT ?`,
	}
	for _, p := range q.all() {
		*p = d.Rebind(*p)
	}
	// Not among all (not prepared): only a pipelined transaction sends
	// them, and SQLite has no UPDATE inside WITH.
	q.createPermitQueued = d.Rebind(`INSERT INTO permits (` + permitColumns + `) VALUES (` + placeholders(countColumns(permitWritten)) + `, 1)`)
	q.insertClaimQueued = d.Rebind(`INSERT INTO claims (pool, scope_key, slot, chain_id, permit_id) VALUES (?, ?, ?, ?, ?)`)
	q.updatePermitQueued = d.Rebind(`WITH changed AS (UPDATE permits SET ` + setList(withoutID(permitWritten)) + `, version = version + 1 WHERE id = ? AND version = ? RETURNING 1)
SELECT 1 / COUNT(*) FROM changed`)
	q.events = d.eventsQuery
	if d.feedLock {
		// The first event of a transaction takes the feed lock, shared, in
		// the same statement, before its id is drawn (the filter runs
		// before the row is formed). The lock is held until the commit;
		// writers share it, so they commit together, and a reader that
		// takes it exclusively waits for every id drawn to be settled.
		q.feedEvent = d.Rebind(`INSERT INTO events (type, at, actor, permit_id, account_id, data, resources)
SELECT ?, ?, ?, ?, ?, ?, ? WHERE pg_advisory_xact_lock_shared(?, ?)::text = ''`)
		q.feedSettled = d.Rebind(`SELECT pg_advisory_xact_lock(?, ?)`)
	}
	return q
}

// all lists the statements a transaction runs.
func (q *queries) all() []*string {
	return []*string{
		&q.account, &q.accountsAtProperty, &q.createAccount, &q.updateAccount, &q.accountVersion, &q.accountExists,
		&q.permit, &q.permitsOfAccount, &q.permitsAtProperty, &q.permitsCounting, &q.createPermit, &q.updatePermit, &q.permitVersion,
		&q.expiringBetween, &q.vehicleChangesDue, &q.awaitingPaymentSince, &q.pendingReview, &q.permitsByVRM, &q.reviewsOverdue, &q.vehicleUnchecked,
		&q.addressChange, &q.createAddressChange, &q.updateAddressChange, &q.addressChangeVersion, &q.pendingAddressChanges, &q.changesOverdue, &q.changesOfAccount,
		&q.claims, &q.claimChain, &q.claimHeld, &q.insertClaim, &q.deleteClaim, &q.repointClaim,
		&q.paymentRetry, &q.createPaymentRetry, &q.updatePaymentRetry, &q.paymentRetryVersion, &q.paymentRetriesDue, &q.paymentRetriesPending,
		&q.message, &q.createMessage, &q.updateMessage, &q.messageVersion, &q.messagesDue,
		&q.singleEvent,
	}
}
