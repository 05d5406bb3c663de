-- A permit's hosted payment (permit.Options.HostedPayments): which attempt
-- at paying it is, the provider's page for the payer while it waits
-- (payment_next_url), when the provider gives up on it (an instant, TEXT
-- in UTC as in the first schema; NULL when unknown), and why it failed.
-- Permits paid through the synchronous provider keep the defaults.

-- +goose Up
ALTER TABLE permits ADD COLUMN payment_attempt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE permits ADD COLUMN payment_next_url TEXT NOT NULL DEFAULT '';
ALTER TABLE permits ADD COLUMN payment_expires_at TEXT;
ALTER TABLE permits ADD COLUMN payment_failure_code TEXT;
ALTER TABLE permits ADD COLUMN payment_failure_provider_code TEXT NOT NULL DEFAULT '';
ALTER TABLE permits ADD COLUMN payment_failure_detail TEXT NOT NULL DEFAULT '';
