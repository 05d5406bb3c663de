-- Instants become TIMESTAMPTZ (UTC, to the microsecond), as
-- adapters/sqlstore keeps them in the same database; "none", which was 0,
-- becomes NULL. Unix milliseconds convert exactly: whole seconds through
-- to_timestamp, the milliseconds added as an interval.

-- +goose Up
ALTER TABLE webhook_endpoints
    ALTER COLUMN created_at TYPE TIMESTAMPTZ
        USING to_timestamp(created_at / 1000) + (created_at % 1000) * INTERVAL '1 millisecond';

ALTER TABLE webhook_deliveries
    ALTER COLUMN lease_until DROP DEFAULT,
    ALTER COLUMN lease_until DROP NOT NULL,
    ALTER COLUMN last_attempt_at DROP DEFAULT,
    ALTER COLUMN last_attempt_at DROP NOT NULL,
    ALTER COLUMN delivered_at DROP DEFAULT,
    ALTER COLUMN delivered_at DROP NOT NULL,
    ALTER COLUMN next_attempt_at DROP NOT NULL;

ALTER TABLE webhook_deliveries
    ALTER COLUMN next_attempt_at TYPE TIMESTAMPTZ USING CASE WHEN next_attempt_at = 0 THEN NULL
        ELSE to_timestamp(next_attempt_at / 1000) + (next_attempt_at % 1000) * INTERVAL '1 millisecond' END,
    ALTER COLUMN lease_until TYPE TIMESTAMPTZ USING CASE WHEN lease_until = 0 THEN NULL
        ELSE to_timestamp(lease_until / 1000) + (lease_until % 1000) * INTERVAL '1 millisecond' END,
    ALTER COLUMN last_attempt_at TYPE TIMESTAMPTZ USING CASE WHEN last_attempt_at = 0 THEN NULL
        ELSE to_timestamp(last_attempt_at / 1000) + (last_attempt_at % 1000) * INTERVAL '1 millisecond' END,
    ALTER COLUMN delivered_at TYPE TIMESTAMPTZ USING CASE WHEN delivered_at = 0 THEN NULL
        ELSE to_timestamp(delivered_at / 1000) + (delivered_at % 1000) * INTERVAL '1 millisecond' END,
    ALTER COLUMN created_at TYPE TIMESTAMPTZ
        USING to_timestamp(created_at / 1000) + (created_at % 1000) * INTERVAL '1 millisecond';
