-- Issue 16 item 6: the register of vehicles' answer about a permit's
-- vehicle (permit.RegisterCheck). register_check_outcome is found,
-- not_found or unchecked (NULL: nothing asked); register_check holds the
-- rest as JSON (registration asked, instant, attempts, what DVLA holds).
-- The stored answers are also the cache of look-ups, found through
-- permits_by_vrm.
--
-- permits_vehicle_unchecked serves the due jobs' search for the checks
-- the register has not answered yet; it holds only those rows.

-- +goose Up
ALTER TABLE permits ADD COLUMN register_check_outcome TEXT;
ALTER TABLE permits ADD COLUMN register_check TEXT;
CREATE INDEX permits_vehicle_unchecked ON permits (id)
    WHERE register_check_outcome = 'unchecked';

