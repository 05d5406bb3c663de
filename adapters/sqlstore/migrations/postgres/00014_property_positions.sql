-- Where each property of the imported gazetteer is, in WGS84 degrees, when
-- the gazetteer file gives it (its optional latitude,longitude columns):
-- a zone map (zones/zonemap) finds the property's zone by it. NULL when
-- the file gives none.

-- +goose Up
ALTER TABLE properties ADD COLUMN latitude DOUBLE PRECISION, ADD COLUMN longitude DOUBLE PRECISION;
