-- Issue 13: kindergartens and their groups as data the region's officers manage
-- (docs/domain-rules.md, «Kindergartens and groups»). The bundled catalogue
-- (data/catalogue.toml) seeds them at every start, and a row already here is kept as it is, so
-- an officer's edits survive restarts. Names and addresses are JSON {kk, ru, en}.
CREATE TABLE kindergartens (
    code            TEXT PRIMARY KEY,
    region_code     TEXT NOT NULL,
    settlement_code TEXT NOT NULL,
    name            TEXT NOT NULL,
    address         TEXT NOT NULL,
    created_us      INTEGER NOT NULL,
    closed_us       INTEGER
);
CREATE INDEX kindergartens_by_region ON kindergartens(region_code, code);
-- A group's code is «<age group>-<language>», as in the catalogue.
CREATE TABLE kindergarten_groups (
    kindergarten_code TEXT NOT NULL REFERENCES kindergartens(code),
    code              TEXT NOT NULL,
    age               TEXT NOT NULL,
    language          TEXT NOT NULL,
    capacity          INTEGER NOT NULL,
    created_us        INTEGER NOT NULL,
    closed_us         INTEGER,
    PRIMARY KEY (kindergarten_code, code)
);
-- Every officer's change of the above, with the signed document as evidence.
CREATE TABLE kindergarten_changes (
    id                INTEGER PRIMARY KEY,
    region_code       TEXT NOT NULL,
    kindergarten_code TEXT NOT NULL,
    group_code        TEXT,
    kind              TEXT NOT NULL,
    officer_iin       TEXT NOT NULL,
    at_us             INTEGER NOT NULL,
    signed_xml        TEXT
);
CREATE INDEX kindergarten_changes_by_kindergarten ON kindergarten_changes(kindergarten_code, id);
-- The places of a closed group are no longer offered, nor given back when an offer ends.
ALTER TABLE free_places ADD COLUMN closed_us INTEGER;
CREATE INDEX free_places_by_group ON free_places(kindergarten_code, group_code);
