-- Issue 14 item 10: an event carries the resource it is about as it stood
-- just after the event (the permit, else the account and the address
-- change) and the event's date in the scheme's time zone, so that a back
-- office can mirror permits from the feed alone. resources is sqlstore's
-- JSON of them ({"on", "permit", "account", "address_change"}); events
-- written before this migration have '' and carry nothing.

-- +goose Up
ALTER TABLE events ADD COLUMN resources TEXT NOT NULL DEFAULT '';
