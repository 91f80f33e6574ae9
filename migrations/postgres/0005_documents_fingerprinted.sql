-- Issue 15, «Storage at the country's scale»: a generated document keeps its content, and of
-- its first rendering only the SHA-256 and the length (`rendered_sha256`, `size`); the PDF is
-- rendered again on demand and checked against them (docs/design-docs.md «Generated
-- documents»). `sha256` and `bytes` stay the pair of kept bytes, as before: a document whose
-- content no longer renders to them keeps them. As SQLite's migration 0030.
ALTER TABLE documents ADD COLUMN rendered_sha256 BYTEA;
ALTER TABLE documents ADD COLUMN size BIGINT;
ALTER TABLE documents ADD CONSTRAINT documents_fingerprint_whole
    CHECK ((rendered_sha256 IS NULL) = (size IS NULL));
UPDATE documents SET rendered_sha256 = sha256, size = octet_length(bytes) WHERE content IS NULL;
DROP INDEX documents_unrendered;
CREATE INDEX documents_unfingerprinted ON documents(created_us, id) WHERE rendered_sha256 IS NULL;
