-- Webhook operations: a rotated secret that still signs for an overlap,
-- an endpoint paused by a dead delivery, and when a delivery's current
-- round of retries began (retries stop a while after it). A dead delivery
-- no longer holds back its permit's later ones (its endpoint is paused
-- instead), so the index of deliveries that hold others back covers
-- pending ones only.

-- +goose Up
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_until TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN paused_at TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN paused_reason TEXT NOT NULL DEFAULT '';

ALTER TABLE webhook_deliveries ADD COLUMN retrying_since TEXT;
UPDATE webhook_deliveries SET retrying_since = created_at;

DROP INDEX webhook_deliveries_open;
CREATE INDEX webhook_deliveries_waiting ON webhook_deliveries (endpoint_id, order_key, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (endpoint_id, id) WHERE status = 'dead';
