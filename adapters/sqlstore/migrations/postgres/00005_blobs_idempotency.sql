-- Files and idempotency records live in the database, so a restart or a
-- second instance loses nothing (API.md "Nothing is held only in memory").
--
-- A file (blob) is one row of attributes (a JSON object of strings) and
-- its bytes in chunks of at most 256 KiB, written in one transaction and
-- read back one chunk at a time, so neither side holds a whole file. Keys
-- compare byte by byte (COLLATE "C") so a prefix is a range of the index.
-- An idempotency record is the first answer to a request sent with an
-- Idempotency-Key (response NULL while that request runs), kept until
-- expires_at and then deleted by the due jobs.

-- +goose Up
CREATE TABLE blobs (
    key         TEXT COLLATE "C" PRIMARY KEY,
    attrs       TEXT NOT NULL,
    size        BIGINT NOT NULL,
    chunks      INTEGER NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE blob_chunks (
    key   TEXT COLLATE "C" NOT NULL REFERENCES blobs (key) ON DELETE CASCADE,
    seq   INTEGER NOT NULL,
    data  BYTEA NOT NULL,
    PRIMARY KEY (key, seq)
);

CREATE TABLE idempotency_records (
    key          TEXT COLLATE "C" PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    response     BYTEA,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX idempotency_records_by_expiry ON idempotency_records (expires_at);
