-- Issue 19 (data protection): an account may have its address protected
-- (protected) and is anonymised once (anonymised_at, NULL until
-- then); a permit's evidence is deleted once (evidence_deleted_on, NULL
-- until then). The indexes find the due jobs' candidates for retention
-- (migration 00024 indexes the events of one account, which anonymisation
-- rewrites in place).

-- +goose Up
ALTER TABLE accounts ADD COLUMN protected INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN anonymised_at TEXT;
ALTER TABLE permits ADD COLUMN evidence_deleted_on TEXT;
CREATE INDEX accounts_not_anonymised ON accounts (id) WHERE anonymised_at IS NULL;
CREATE INDEX permits_evidence_kept ON permits (id) WHERE evidence_deleted_on IS NULL;

