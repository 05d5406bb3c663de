-- A permit's hosted payment (permit.Options.HostedPayments): which attempt
-- at paying it is, the provider's page for the payer while it waits
-- (payment_next_url), when the provider gives up on it (NULL when
-- unknown), and why it failed. Permits paid through the synchronous
-- provider keep the defaults.

-- +goose Up
ALTER TABLE permits
    ADD COLUMN payment_attempt INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN payment_next_url TEXT NOT NULL DEFAULT '',
    ADD COLUMN payment_expires_at TIMESTAMPTZ,
    ADD COLUMN payment_failure_code TEXT,
    ADD COLUMN payment_failure_provider_code TEXT NOT NULL DEFAULT '',
    ADD COLUMN payment_failure_detail TEXT NOT NULL DEFAULT '';
