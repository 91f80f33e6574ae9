-- Issue 11: storage limits of uploaded scans. A person's scans that no application references
-- count against their quota and are deleted a day after their upload; both look scans up by
-- owner, by age, and by whether a link names them (the link's key starts with the
-- application). Scans of a benefit change are linked like those of a registration, so the
-- links need no new column.
CREATE INDEX attachments_by_owner ON attachments(owner_iin);
CREATE INDEX attachments_by_age ON attachments(created_us);
CREATE INDEX application_attachments_by_attachment ON application_attachments(attachment_id);
