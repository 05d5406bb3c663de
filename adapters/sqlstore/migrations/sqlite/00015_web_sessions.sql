-- Issue 18: the resident pages' sign-in sessions (adapters/web), in the
-- database so that every instance knows them and a restart forgets none.
-- id is the SHA-256 of the cookie's secret in hex, never the secret.

-- +goose Up
CREATE TABLE web_sessions (
    id         TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at);
