-- A generated document's content is fixed at its event, but its PDF is rendered at the first
-- download rather than inside the event's transaction (rendering three PDFs per registration
-- was half of the writer's time). `content` keeps what the document says (the JSON of
-- `server::documents::DocumentData`); `bytes` and `sha256` are filled in once rendered.
-- Documents made before this keep their bytes and have no content.
CREATE TABLE documents_new (
    id             TEXT PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    event_id       INTEGER REFERENCES events(id),
    kind           TEXT NOT NULL,
    language       TEXT NOT NULL,
    content        TEXT,
    sha256         BLOB,
    bytes          BLOB,
    created_us     INTEGER NOT NULL,
    CHECK (content IS NOT NULL OR bytes IS NOT NULL),
    CHECK ((sha256 IS NULL) = (bytes IS NULL))
);
INSERT INTO documents_new (id, application_id, event_id, kind, language, sha256, bytes, created_us)
    SELECT id, application_id, event_id, kind, language, sha256, bytes, created_us FROM documents;
DROP TABLE documents;
ALTER TABLE documents_new RENAME TO documents;
CREATE INDEX documents_by_application ON documents(application_id);
