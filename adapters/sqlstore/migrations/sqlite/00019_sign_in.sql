-- Issue 18: residents sign in with a one-time code sent to their email
-- address (httpapi's POST /v1/sign-in), and officers sign in to the
-- officer pages (adapters/web), in the database so that every instance
-- knows them. key is the SHA-256 of the address in lower case and
-- code_hash that of the key and the code: neither the address nor the
-- code is stored. An account token's id is the SHA-256 of the token, and
-- an officer session's that of its cookie's secret. Account tokens expire
-- on the wall clock, never the test clock, so they are kept apart from
-- the pages' web_sessions.

-- +goose Up
CREATE TABLE sign_in_codes (
    key        TEXT NOT NULL PRIMARY KEY,
    code_hash  TEXT NOT NULL,
    account_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    tries_left INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sign_in_codes_by_expiry ON sign_in_codes (expires_at);
CREATE TABLE officer_sessions (
    id         TEXT NOT NULL PRIMARY KEY,
    officer    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX officer_sessions_by_expiry ON officer_sessions (expires_at);
CREATE TABLE account_tokens (
    id         TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX account_tokens_by_expiry ON account_tokens (expires_at);
