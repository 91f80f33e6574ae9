-- Offers the allocation made: which published place went to which application, and how the
-- offer stands (allocation::OfferStatus codes). An offer «awaiting» or «accepted» holds its
-- place; when it ends otherwise the place is given back in the same transaction, and an
-- enrollment uses it up. The class the child had when offered replays the one-to-three pattern.
CREATE TABLE offers (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    place_id       INTEGER NOT NULL REFERENCES free_places(id),
    region_code    TEXT NOT NULL,
    birth_year     INTEGER NOT NULL,
    class          INTEGER NOT NULL,
    made_us        INTEGER NOT NULL,
    answer_by_us   INTEGER NOT NULL,
    status         TEXT NOT NULL,
    -- When the offer was accepted (the direction issued), and when it last changed status.
    accepted_us    INTEGER,
    decided_us     INTEGER
);
CREATE INDEX offers_by_region ON offers(region_code, id);
CREATE INDEX offers_by_cohort ON offers(region_code, birth_year, id);
CREATE INDEX offers_holding ON offers(application_id) WHERE status IN ('awaiting', 'accepted');
CREATE INDEX free_places_by_region ON free_places(region_code, published_us);
-- The officer's signed document publishing the places, verbatim, as evidence.
ALTER TABLE free_places ADD COLUMN signed_xml TEXT;
