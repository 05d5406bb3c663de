-- created_at becomes TIMESTAMPTZ (UTC, to the microsecond), as
-- adapters/sqlstore keeps instants in the same database. Unix
-- milliseconds convert exactly: whole seconds through to_timestamp, the
-- milliseconds added as an interval.

-- +goose Up
ALTER TABLE fakepay_payments
    ALTER COLUMN created_at TYPE TIMESTAMPTZ
        USING to_timestamp(created_at / 1000) + (created_at % 1000) * INTERVAL '1 millisecond';
