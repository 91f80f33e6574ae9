-- Issue 14: the outbox is delivered (docs/design-notices.md). Each message is queued, sent,
-- failed (tried again at next_attempt_us) or dead (after the configured number of failed
-- attempts; officers see it). Each channel is marked the moment it is sent, so a retry sends
-- only what has not gone. Messages written before this migration are queued like new ones.
ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'queued';
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN email_sent_us INTEGER;
ALTER TABLE outbox ADD COLUMN sms_sent_us INTEGER;
-- The short text for SMS (one segment where possible); NULL: the subject.
ALTER TABLE outbox ADD COLUMN sms TEXT;
-- Whose message it is (the applicant told), for their inbox.
ALTER TABLE outbox ADD COLUMN user_iin TEXT;
ALTER TABLE outbox ADD COLUMN read_us INTEGER;
DROP INDEX outbox_unsent;
CREATE INDEX outbox_due ON outbox(next_attempt_us, id) WHERE state IN ('queued', 'failed');
CREATE INDEX outbox_dead ON outbox(id) WHERE state = 'dead';
CREATE INDEX outbox_by_application ON outbox(application_id);
CREATE INDEX outbox_by_user ON outbox(user_iin, id);

-- Leases: one holder at a time of a named duty (the delivery worker) among the servers that
-- share this database; a lease not renewed by `until_us` may be taken by another.
CREATE TABLE leases (
    name     TEXT PRIMARY KEY,
    holder   TEXT NOT NULL,
    until_us INTEGER NOT NULL
) WITHOUT ROWID;
