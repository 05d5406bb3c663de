-- Enforcement look-ups and review-deadline breaches.
--
-- An officer's look-up finds a vehicle's permits by registration: the one
-- on the permit, or the one of a scheduled change (which counts from its
-- day even before the due jobs apply it). review_overdue_on is the date
-- the due jobs found an application or address change still pending after
-- its review deadline (NULL: never), so each breach is reported once; the
-- partial indexes hold only what is still to be flagged.

-- +goose Up
ALTER TABLE permits ADD COLUMN review_overdue_on TEXT;
ALTER TABLE address_changes ADD COLUMN review_overdue_on TEXT;
CREATE INDEX permits_by_vrm ON permits (vrm);
CREATE INDEX permits_by_vehicle_change_vrm ON permits (vehicle_change_vrm)
    WHERE vehicle_change_vrm IS NOT NULL;
CREATE INDEX permits_review_not_flagged ON permits (status, created_at, id)
    WHERE status = 'pending_review' AND review_overdue_on IS NULL;
CREATE INDEX address_changes_review_not_flagged ON address_changes (status, due_on, id)
    WHERE status = 'pending_review' AND review_overdue_on IS NULL;
