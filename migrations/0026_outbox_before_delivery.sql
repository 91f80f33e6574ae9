-- Issue 14, upgrading (docs/design-notices.md «Upgrading»): messages written before delivery
-- existed. Every message written since 0016 carries its SMS text; these have none. A database
-- that had months of them must not send them all when it starts with delivery on: the old ones
-- are `skipped` (never sent, already read, still in the application's history and the inbox),
-- and only those of the last 7 days go out as usual, as an offer of the last days still matters.
-- Their owner is the applicant of their application, so they show in the inbox too.
UPDATE outbox
   SET user_iin = (SELECT applicant_iin FROM applications WHERE applications.id = outbox.application_id)
 WHERE user_iin IS NULL AND application_id IS NOT NULL AND kind = 'notice';
UPDATE outbox
   SET state = 'skipped', read_us = created_us
 WHERE sms IS NULL
   AND state IN ('queued', 'failed')
   AND email_sent_us IS NULL AND sms_sent_us IS NULL
   AND created_us < (CAST(strftime('%s', 'now') AS INTEGER) - 7 * 86400) * 1000000;
