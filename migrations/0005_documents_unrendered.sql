-- The background renderer walks the documents whose PDF is not made yet, oldest first.
CREATE INDEX documents_unrendered ON documents(created_us, id) WHERE bytes IS NULL;
