-- The notifications from GOV.UK Pay already handled, by message id, so a
-- repeat (Pay delivers at least once) is acknowledged without acting
-- again, on every server instance and after a restart. handled_at lets
-- old rows be forgotten (Pay stops retrying after about three days).

-- +goose Up
CREATE TABLE govukpay_notifications (
    message_id TEXT PRIMARY KEY,
    handled_at TEXT NOT NULL
);
CREATE INDEX govukpay_notifications_by_time ON govukpay_notifications (handled_at);
