-- The council's gazetteer in the database (ImportGazetteer, Locator), and
-- the indexes of a permit's history and of the export of current permits.
--
-- A property outside every permit zone has zone_id ''. position is the
-- line the property had in the file it was last imported from, so that a
-- postcode's properties come in the council's order, as from the
-- in-memory gazetteer. Postcodes are stored normalised ("LE11 3AB").

-- +goose Up
CREATE TABLE zones (
    id    TEXT PRIMARY KEY,
    name  TEXT NOT NULL
) STRICT;

CREATE TABLE properties (
    uprn             INTEGER PRIMARY KEY,
    sub_building     TEXT NOT NULL,
    building_name    TEXT NOT NULL,
    building_number  TEXT NOT NULL,
    street           TEXT NOT NULL,
    town             TEXT NOT NULL,
    postcode         TEXT NOT NULL,
    zone_id          TEXT NOT NULL,
    position         INTEGER NOT NULL
) STRICT;
-- FindProperties reads one postcode's properties in file order.
CREATE INDEX properties_by_postcode ON properties (postcode, position, uprn);

-- A permit's history (EventsOfPermit), in feed order.
CREATE INDEX events_by_permit ON events (permit_id, id);

-- Approved permits by ID with their dates: PermitsCurrentOn pages through
-- them in ID order, deciding "current" from the index alone. status leads
-- so that SQLite's planner, without statistics, sees an equality and a
-- range here rather than the equality alone in permits_by_status.
CREATE INDEX permits_approved_by_id ON permits (status, id, starts_on, expires_on)
    WHERE status = 'approved';

