-- Issue 19 item 6: a permit keeps its account's address protection
-- (address_protected) so that the feed can leave its address out without
-- reading the account.

-- +goose Up
ALTER TABLE permits ADD COLUMN address_protected INTEGER NOT NULL DEFAULT 0;
