-- The carer permit store's first schema on PostgreSQL.
--
-- Identifiers and other keys compare byte by byte (COLLATE "C") so that
-- every listing ordered "by ID" is the same on every server, whatever the
-- database's locale, and the same as on SQLite. Money is NUMERIC(12,2),
-- never a float; calendar dates are DATE; instants are TIMESTAMPTZ (UTC,
-- microseconds). Evidence documents, reminder offsets and event data are
-- JSON text. A NULL in the first column of an optional part (payment_id,
-- vehicle_change_id, rejection_code, cancelled_by) means the part is absent.

-- +goose Up
CREATE TABLE accounts (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    phone       TEXT NOT NULL,
    uprn        BIGINT NOT NULL,
    address     TEXT NOT NULL,
    zone_id     TEXT COLLATE "C" NOT NULL,
    zone_name   TEXT NOT NULL,
    credential  TEXT NOT NULL,
    created_at  TIMESTAMPTZ,
    updated_at  TIMESTAMPTZ,
    version     INTEGER NOT NULL
);
CREATE INDEX accounts_by_property ON accounts (uprn);

CREATE TABLE permits (
    id                          TEXT COLLATE "C" PRIMARY KEY,
    account_id                  TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
    type                        TEXT COLLATE "C" NOT NULL,
    status                      TEXT COLLATE "C" NOT NULL,
    free                        BOOLEAN NOT NULL,
    pool                        TEXT COLLATE "C" NOT NULL,
    free_slot                   INTEGER NOT NULL,
    price                       NUMERIC(12,2) NOT NULL,
    payment_id                  TEXT,
    payment_status              TEXT,
    payment_amount              NUMERIC(12,2),
    payment_refunded            NUMERIC(12,2),
    vrm                         TEXT COLLATE "C" NOT NULL,
    vehicle_change_id           TEXT,
    vehicle_change_vrm          TEXT,
    vehicle_change_on           DATE,
    vehicle_change_requested_at TIMESTAMPTZ,
    vehicle_change_requested_by TEXT,
    uprn                        BIGINT NOT NULL,
    address                     TEXT NOT NULL,
    zone_id                     TEXT COLLATE "C" NOT NULL,
    zone_name                   TEXT NOT NULL,
    starts_on                   DATE,
    expires_on                  DATE,
    chain_id                    TEXT COLLATE "C" NOT NULL,
    renewal_of                  TEXT COLLATE "C" NOT NULL,
    renewed_by                  TEXT COLLATE "C" NOT NULL,
    evidence                    TEXT NOT NULL,
    evidence_accepted_on        DATE,
    rejection_code              TEXT,
    rejection_reason            TEXT,
    cancelled_by                TEXT,
    cancelled_at                TIMESTAMPTZ,
    cancel_reason               TEXT,
    cancel_refund               NUMERIC(12,2),
    reminders_sent              TEXT NOT NULL,
    created_at                  TIMESTAMPTZ,
    updated_at                  TIMESTAMPTZ,
    version                     INTEGER NOT NULL
);
-- An account's permits, newest first.
CREATE INDEX permits_by_account ON permits (account_id, created_at, id);
-- A property's permits (live ones by status).
CREATE INDEX permits_by_property ON permits (uprn, status);
-- The review queue and unpaid applications, oldest first.
CREATE INDEX permits_by_status ON permits (status, created_at, id);
-- Approved permits not yet renewed, by expiry: who is due a reminder. New
-- applications (not yet approved) are left out, so applying never writes
-- to it. (A leading status column, as on SQLite, would make PostgreSQL scan
-- the whole index: it drops the status condition the predicate implies.)
CREATE INDEX permits_due_reminder ON permits (expires_on, id)
    WHERE status = 'approved' AND renewed_by = '';
-- Scheduled vehicle changes, by the day they take effect.
CREATE INDEX permits_vehicle_change_due ON permits (vehicle_change_on, id)
    WHERE vehicle_change_id IS NOT NULL;

CREATE TABLE address_changes (
    id              TEXT COLLATE "C" PRIMARY KEY,
    account_id      TEXT COLLATE "C" NOT NULL,
    from_uprn       BIGINT NOT NULL,
    to_uprn         BIGINT NOT NULL,
    to_address      TEXT NOT NULL,
    zone_id         TEXT COLLATE "C" NOT NULL,
    zone_name       TEXT NOT NULL,
    evidence        TEXT NOT NULL,
    status          TEXT COLLATE "C" NOT NULL,
    rejection_code  TEXT,
    rejection_reason TEXT,
    submitted_on    DATE,
    due_on          DATE,
    created_at      TIMESTAMPTZ,
    decided_at      TIMESTAMPTZ,
    version         INTEGER NOT NULL
);
CREATE INDEX address_changes_by_status ON address_changes (status, created_at, id);

-- A held free slot. The primary key is the schema's guarantee that a slot
-- of a pool in one scope is never won twice, whatever the application does.
CREATE TABLE claims (
    pool        TEXT COLLATE "C" NOT NULL,
    scope_key   TEXT COLLATE "C" NOT NULL,
    slot        INTEGER NOT NULL,
    chain_id    TEXT COLLATE "C" NOT NULL,
    permit_id   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool, scope_key, slot)
);

-- The audit trail and outbox feed, in id order. Ids are drawn in commit
-- order: a transaction inserts its events just before it commits, under a
-- transaction-level advisory lock (see sqlstore.Store.Events), so a reader
-- paging by id never passes an event that commits later. txid records the
-- writing transaction.
CREATE TABLE events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid        XID8 NOT NULL DEFAULT pg_current_xact_id(),
    type        TEXT COLLATE "C" NOT NULL,
    at          TIMESTAMPTZ,
    actor       TEXT NOT NULL,
    permit_id   TEXT COLLATE "C" NOT NULL,
    account_id  TEXT COLLATE "C" NOT NULL,
    data        TEXT NOT NULL
);
CREATE UNIQUE INDEX events_feed ON events (txid, id);

