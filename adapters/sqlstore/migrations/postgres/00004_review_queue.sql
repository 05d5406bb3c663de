-- One index per status an application waits in, instead of one index of
-- every permit by status and a second one of the reviews still to be
-- flagged: a new application now writes one of them, not two, and the
-- approved, cancelled and expired permits (nearly all of them) none.
--
-- permits_pending_review serves the review queue and, with
-- review_overdue_on in the index, the due jobs' search for breaches
-- without visiting a row it skips.

-- +goose Up
DROP INDEX permits_by_status;
DROP INDEX permits_review_not_flagged;
CREATE INDEX permits_pending_review ON permits (created_at, id, review_overdue_on)
    WHERE status = 'pending_review';
CREATE INDEX permits_awaiting_payment ON permits (created_at, id)
    WHERE status = 'awaiting_payment';
