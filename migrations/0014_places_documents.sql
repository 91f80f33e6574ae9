-- One signed <places> document may publish the places of many groups (issue 13): the document
-- is kept once, and each group's free_places row refers to it. Rows published before keep their
-- own copy in free_places.signed_xml.
CREATE TABLE places_documents (
    id           INTEGER PRIMARY KEY,
    region_code  TEXT NOT NULL,
    officer_iin  TEXT NOT NULL,
    published_us INTEGER NOT NULL,
    signed_xml   TEXT
);
ALTER TABLE free_places ADD COLUMN document_id INTEGER REFERENCES places_documents(id);
