-- Files and idempotency records live in the database, so a restart or a
-- second instance loses nothing (API.md "Nothing is held only in memory").
--
-- A file (blob) is one row of attributes (a JSON object of strings) and
-- its bytes in chunks of at most 256 KiB, written in one transaction and
-- read back one chunk at a time, so neither side holds a whole file.
-- An idempotency record is the first answer to a request sent with an
-- Idempotency-Key (response NULL while that request runs), kept until
-- expires_at and then deleted by the due jobs.

-- +goose Up
CREATE TABLE blobs (
    key         TEXT PRIMARY KEY,
    attrs       TEXT NOT NULL,
    size        INTEGER NOT NULL,
    chunks      INTEGER NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE blob_chunks (
    key   TEXT NOT NULL REFERENCES blobs (key) ON DELETE CASCADE,
    seq   INTEGER NOT NULL,
    data  BLOB NOT NULL,
    PRIMARY KEY (key, seq)
) STRICT;

CREATE TABLE idempotency_records (
    key          TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    response     BLOB,
    expires_at   TEXT NOT NULL
) STRICT;
CREATE INDEX idempotency_records_by_expiry ON idempotency_records (expires_at);
