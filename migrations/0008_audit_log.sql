-- Every read an operator makes of a citizen's data (issue 12): who, when, which ЦОН, what.
-- The citizen reads their own lines, officers those of citizens with an application in their
-- region.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    at_us          INTEGER NOT NULL,
    operator_iin   TEXT NOT NULL,
    operator_name  TEXT NOT NULL,
    centre_bin     TEXT,
    centre_name    TEXT,
    citizen_iin    TEXT NOT NULL,
    what           TEXT NOT NULL,
    subject        TEXT
);
CREATE INDEX audit_log_by_citizen ON audit_log(citizen_iin, at_us);
