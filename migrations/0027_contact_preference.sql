-- Issue 14: how a user wants their notices, `email`, `sms` or `both` (domain::ContactPreference;
-- docs/domain-rules.md «Contacts»). Everyone had both before.
ALTER TABLE users ADD COLUMN notify_by TEXT NOT NULL DEFAULT 'both';
