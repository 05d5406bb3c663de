-- The carer permit store's first schema on SQLite.
--
-- STRICT tables keep every value in its declared type, so money written as
-- text ("55.00") never turns into a float. Money is TEXT with two places;
-- calendar dates are TEXT YYYY-MM-DD; instants are TEXT in UTC with
-- microseconds (YYYY-MM-DDTHH:MM:SS.ffffffZ), which sorts as it compares.
-- Evidence documents, reminder offsets and event data are JSON text. A NULL
-- in the first column of an optional part (payment_id, vehicle_change_id,
-- rejection_code, cancelled_by) means the part is absent.

-- +goose Up
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    phone       TEXT NOT NULL,
    uprn        INTEGER NOT NULL,
    address     TEXT NOT NULL,
    zone_id     TEXT NOT NULL,
    zone_name   TEXT NOT NULL,
    credential  TEXT NOT NULL,
    created_at  TEXT,
    updated_at  TEXT,
    version     INTEGER NOT NULL
) STRICT;
CREATE INDEX accounts_by_property ON accounts (uprn);

CREATE TABLE permits (
    id                          TEXT PRIMARY KEY,
    account_id                  TEXT NOT NULL REFERENCES accounts (id),
    type                        TEXT NOT NULL,
    status                      TEXT NOT NULL,
    free                        INTEGER NOT NULL,
    pool                        TEXT NOT NULL,
    free_slot                   INTEGER NOT NULL,
    price                       TEXT NOT NULL,
    payment_id                  TEXT,
    payment_status              TEXT,
    payment_amount              TEXT,
    payment_refunded            TEXT,
    vrm                         TEXT NOT NULL,
    vehicle_change_id           TEXT,
    vehicle_change_vrm          TEXT,
    vehicle_change_on           TEXT,
    vehicle_change_requested_at TEXT,
    vehicle_change_requested_by TEXT,
    uprn                        INTEGER NOT NULL,
    address                     TEXT NOT NULL,
    zone_id                     TEXT NOT NULL,
    zone_name                   TEXT NOT NULL,
    starts_on                   TEXT,
    expires_on                  TEXT,
    chain_id                    TEXT NOT NULL,
    renewal_of                  TEXT NOT NULL,
    renewed_by                  TEXT NOT NULL,
    evidence                    TEXT NOT NULL,
    evidence_accepted_on        TEXT,
    rejection_code              TEXT,
    rejection_reason            TEXT,
    cancelled_by                TEXT,
    cancelled_at                TEXT,
    cancel_reason               TEXT,
    cancel_refund               TEXT,
    reminders_sent              TEXT NOT NULL,
    created_at                  TEXT,
    updated_at                  TEXT,
    version                     INTEGER NOT NULL
) STRICT;
-- An account's permits, newest first.
CREATE INDEX permits_by_account ON permits (account_id, created_at, id);
-- A property's permits (live ones by status).
CREATE INDEX permits_by_property ON permits (uprn, status);
-- The review queue and unpaid applications, oldest first.
CREATE INDEX permits_by_status ON permits (status, created_at, id);
-- Approved permits not yet renewed, by expiry: who is due a reminder. New
-- applications (not yet approved) are left out, so applying never writes
-- to it; status leads so that SQLite's planner, without statistics, sees
-- an equality and a range here rather than in permits_by_status.
CREATE INDEX permits_due_reminder ON permits (status, expires_on, id)
    WHERE status = 'approved' AND renewed_by = '';
-- Scheduled vehicle changes, by the day they take effect.
CREATE INDEX permits_vehicle_change_due ON permits (vehicle_change_on, id)
    WHERE vehicle_change_id IS NOT NULL;

CREATE TABLE address_changes (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    from_uprn       INTEGER NOT NULL,
    to_uprn         INTEGER NOT NULL,
    to_address      TEXT NOT NULL,
    zone_id         TEXT NOT NULL,
    zone_name       TEXT NOT NULL,
    evidence        TEXT NOT NULL,
    status          TEXT NOT NULL,
    rejection_code  TEXT,
    rejection_reason TEXT,
    submitted_on    TEXT,
    due_on          TEXT,
    created_at      TEXT,
    decided_at      TEXT,
    version         INTEGER NOT NULL
) STRICT;
CREATE INDEX address_changes_by_status ON address_changes (status, created_at, id);

-- A held free slot. The primary key is the schema's guarantee that a slot
-- of a pool in one scope is never won twice, whatever the application does.
CREATE TABLE claims (
    pool        TEXT NOT NULL,
    scope_key   TEXT NOT NULL,
    slot        INTEGER NOT NULL,
    chain_id    TEXT NOT NULL,
    permit_id   TEXT NOT NULL,
    PRIMARY KEY (pool, scope_key, slot)
) STRICT, WITHOUT ROWID;

-- The audit trail and outbox feed. SQLite has one writer at a time, so ids
-- are handed out in commit order and a reader paging by id skips nothing.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    type        TEXT NOT NULL,
    at          TEXT,
    actor       TEXT NOT NULL,
    permit_id   TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    data        TEXT NOT NULL
) STRICT;

