-- The name a scan was uploaded under, so «Общие документы» and the documents receipt list it
-- by that name rather than by its id. Scans uploaded before this were stored without one.
ALTER TABLE attachments ADD COLUMN file_name TEXT NOT NULL DEFAULT 'scan';
