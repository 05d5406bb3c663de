-- created_at becomes text, "2006-01-02T15:04:05.000000Z" (UTC, fixed
-- width, so text order is time order), as adapters/sqlstore keeps
-- instants in the same database. SQLite cannot change a column's type:
-- the table is made anew and its rows copied.

-- +goose Up
CREATE TABLE fakepay_payments_new (
    id          TEXT PRIMARY KEY,
    status      TEXT NOT NULL,
    amount      TEXT NOT NULL,
    refunded    TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    permit_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
INSERT INTO fakepay_payments_new (id, status, amount, refunded, account_id, permit_id, created_at)
SELECT id, status, amount, refunded, account_id, permit_id,
       strftime('%Y-%m-%dT%H:%M:%f', created_at / 1000.0, 'unixepoch') || '000Z'
FROM fakepay_payments;
DROP TABLE fakepay_payments;
ALTER TABLE fakepay_payments_new RENAME TO fakepay_payments;
