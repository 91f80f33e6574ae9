-- The ЦОН desk (issue 12): a service session per citizen served at a counter. The one-time code
-- is kept only as SHA-256 of the session id and the code; consent lasts from `confirmed_us` to
-- `expires_us` unless the session ended earlier.
CREATE TABLE service_sessions (
    id              TEXT PRIMARY KEY,
    operator_iin    TEXT NOT NULL,
    operator_name   TEXT NOT NULL,
    centre_bin      TEXT,
    centre_name     TEXT,
    citizen_iin     TEXT NOT NULL,
    code_hash       BLOB NOT NULL,
    code_sent_us    INTEGER NOT NULL,
    wrong_codes     INTEGER NOT NULL DEFAULT 0,
    confirmed_us    INTEGER,
    expires_us      INTEGER,
    ended_us        INTEGER
);
CREATE INDEX service_sessions_open ON service_sessions(operator_iin, citizen_iin)
    WHERE ended_us IS NULL;

-- What an outbox message is: a notice about an application, or a one-time code by SMS.
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'notice';
