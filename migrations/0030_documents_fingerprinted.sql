-- Issue 15, «Storage at the country's scale»: a generated document keeps its content, and of
-- its first rendering only the SHA-256 and the length (`rendered_sha256`, `size`); the PDF is
-- rendered again on demand and checked against them (docs/design-docs.md «Generated
-- documents»). `sha256` and `bytes` stay the pair of kept bytes, as before: a document made
-- before contents were kept (0004) keeps its bytes, and so does one whose content no longer
-- renders to them. New columns rather than a rebuilt table: no copy of the PDFs already kept.
ALTER TABLE documents ADD COLUMN rendered_sha256 BLOB;
ALTER TABLE documents ADD COLUMN size INTEGER;
-- Documents without content can only ever be read from their bytes: fingerprinted as they are.
-- Those with content and bytes are left to the background renderer, which renders them again
-- and drops the bytes only when the rendering is the same, byte for byte.
UPDATE documents SET rendered_sha256 = sha256, size = length(bytes) WHERE content IS NULL;
-- The renderer walks the documents not fingerprinted yet, oldest first.
DROP INDEX documents_unrendered;
CREATE INDEX documents_unfingerprinted ON documents(created_us, id) WHERE rendered_sha256 IS NULL;
