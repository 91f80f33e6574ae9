-- Kezek storage schema (SQLite dialect; a PostgreSQL twin follows the same shapes).
-- Times are INTEGER microseconds since the Unix epoch, UTC: they sort, compare and bucket exactly.
-- Codes (statuses, classes, roles, causes) are the domain's stable serde codes, stored as text.

-- The catalogue (regions, kindergartens, groups), the benefit categories, the population registry
-- and the role assignments live in data files and the server configuration, loaded in memory;
-- rows here refer to them by their stable codes.

-- People who logged in, their contacts and language.
CREATE TABLE users (
    iin         TEXT PRIMARY KEY,
    full_name   TEXT NOT NULL,
    email       TEXT,
    phone       TEXT,
    extra_email TEXT,
    extra_phone TEXT,
    language    TEXT NOT NULL,
    created_us  INTEGER NOT NULL,
    updated_us  INTEGER NOT NULL
);

-- Sessions: only the SHA-256 of the opaque token is kept, so a copy of the database logs no one in.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_iin   TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    expires_us INTEGER NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions(expires_us);

CREATE TABLE login_nonces (
    nonce      TEXT PRIMARY KEY,
    created_us INTEGER NOT NULL,
    expires_us INTEGER NOT NULL,
    used_us    INTEGER
);

-- One queue per region and birth year (region codes of the catalogue).
CREATE TABLE cohorts (
    id          INTEGER PRIMARY KEY,
    region_code TEXT NOT NULL,
    birth_year  INTEGER NOT NULL,
    UNIQUE (region_code, birth_year)
);

-- The last sequence handed out per year, for «УО.<year>.<sequence>.<version>».
CREATE TABLE number_sequences (
    year     INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL
);

CREATE TABLE applications (
    id              INTEGER PRIMARY KEY,
    -- Moves on every change: a write based on an older read is refused (optimistic locking).
    revision        INTEGER NOT NULL,
    number          TEXT NOT NULL UNIQUE,
    year            INTEGER NOT NULL,
    year_seq        INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    -- Queue order is (registered_us, order_key): the number breaks ties of registration time.
    order_key       INTEGER NOT NULL,
    region_code     TEXT NOT NULL,
    cohort_id       INTEGER NOT NULL REFERENCES cohorts(id),
    birth_year      INTEGER NOT NULL,
    child_iin       TEXT NOT NULL,
    child_name      TEXT NOT NULL,
    applicant_iin   TEXT NOT NULL,
    applicant_name  TEXT NOT NULL,
    benefit_code    TEXT,
    -- The class the benefit number counts in: 0 none, 1 first turn, 2 out of turn.
    queue_class     INTEGER NOT NULL,
    status          TEXT NOT NULL,
    -- 1 while the application counts in the queue numbers («В очереди»).
    queued          INTEGER NOT NULL,
    -- 1 until enrolled or removed: a child has at most one open application.
    open            INTEGER NOT NULL,
    registered_us   INTEGER NOT NULL,
    updated_us      INTEGER NOT NULL,
    stop_list_until_us INTEGER,
    -- The earliest instant something may fall due (offer window, direction, interest, stop-list).
    next_due_us     INTEGER,
    request_number  TEXT,
    operator_iin    TEXT,
    -- The domain's ApplicationState as JSON; the columns above are its indexed projection.
    state           TEXT NOT NULL,
    -- The wizard's content as submitted (contacts, address, desired kindergartens).
    details         TEXT NOT NULL,
    UNIQUE (year, year_seq, version)
);
CREATE UNIQUE INDEX one_open_application_per_child ON applications(child_iin) WHERE open = 1;
CREATE INDEX applications_by_child ON applications(child_iin);
CREATE INDEX applications_by_applicant ON applications(applicant_iin);
CREATE INDEX applications_by_region ON applications(region_code, registered_us);
CREATE INDEX applications_due ON applications(next_due_us) WHERE next_due_us IS NOT NULL;
CREATE INDEX queue_order ON applications(cohort_id, registered_us, order_key) WHERE queued = 1;
CREATE INDEX queue_class_order ON applications(cohort_id, queue_class, registered_us, order_key)
    WHERE queued = 1;

-- Order-statistics tree of the queue: a Fenwick tree per cohort and scope (0 = every class,
-- 1 = first turn, 2 = out of turn) over hour buckets of registration time. Node `node` holds the
-- number of queued applications in its bucket range; a prefix sum is at most 20 rows.
CREATE TABLE queue_tree (
    cohort_id INTEGER NOT NULL,
    scope     INTEGER NOT NULL,
    node      INTEGER NOT NULL,
    queued    INTEGER NOT NULL,
    PRIMARY KEY (cohort_id, scope, node)
) WITHOUT ROWID;

-- Every change of the set of queued applications of a cohort, with its cause: the position
-- history of any application is replayed from these rows at read time (docs/design-store.md).
CREATE TABLE queue_changes (
    id             INTEGER PRIMARY KEY,
    cohort_id      INTEGER NOT NULL,
    at_us          INTEGER NOT NULL,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    registered_us  INTEGER NOT NULL,
    order_key      INTEGER NOT NULL,
    was_queued     INTEGER NOT NULL,
    is_queued      INTEGER NOT NULL,
    class_before   INTEGER NOT NULL,
    class_after    INTEGER NOT NULL,
    cause          TEXT NOT NULL,
    -- The subject application's own numbers after the change (0 when out of the queue).
    general_after  INTEGER NOT NULL,
    benefit_after  INTEGER NOT NULL
);
CREATE INDEX queue_changes_by_cohort ON queue_changes(cohort_id, id);
CREATE INDEX queue_changes_by_application ON queue_changes(application_id, id);

-- History: append-only, SHA-256 chained per region.
CREATE TABLE events (
    id             INTEGER PRIMARY KEY,
    region_code    TEXT NOT NULL,
    application_id INTEGER REFERENCES applications(id),
    at_us          INTEGER NOT NULL,
    actor_iin      TEXT NOT NULL,
    actor_role     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    old_status     TEXT,
    new_status     TEXT,
    comment        TEXT NOT NULL,
    signed_xml     TEXT,
    prev_hash      BLOB NOT NULL,
    hash           BLOB NOT NULL
);
CREATE INDEX events_by_application ON events(application_id, id);
CREATE INDEX events_by_region ON events(region_code, id);

CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

-- The last event of each region's chain.
CREATE TABLE chain_heads (
    region_code TEXT PRIMARY KEY,
    event_id    INTEGER NOT NULL,
    hash        BLOB NOT NULL
);

CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    owner_iin    TEXT NOT NULL,
    sha256       BLOB NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    created_us   INTEGER NOT NULL
);

CREATE TABLE application_attachments (
    application_id INTEGER NOT NULL REFERENCES applications(id),
    attachment_id  TEXT NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (application_id, attachment_id)
) WITHOUT ROWID;

-- Generated PDFs, made at the event and served as stored.
CREATE TABLE documents (
    id             TEXT PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    event_id       INTEGER REFERENCES events(id),
    kind           TEXT NOT NULL,
    language       TEXT NOT NULL,
    sha256         BLOB NOT NULL,
    bytes          BLOB NOT NULL,
    created_us     INTEGER NOT NULL
);
CREATE INDEX documents_by_application ON documents(application_id);

-- Messages to deliver, written in the transaction of their event.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER REFERENCES applications(id),
    to_email       TEXT,
    to_phone       TEXT,
    language       TEXT NOT NULL,
    subject        TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_us     INTEGER NOT NULL,
    sent_us        INTEGER
);
CREATE INDEX outbox_unsent ON outbox(id) WHERE sent_us IS NULL;

-- Signed actions by request id: the document's hash and the first answer, returned on a retry.
CREATE TABLE idempotency (
    request_id    TEXT PRIMARY KEY,
    document_hash BLOB NOT NULL,
    answer        TEXT NOT NULL,
    created_us    INTEGER NOT NULL
);

CREATE TABLE bindings (
    user_iin   TEXT NOT NULL,
    child_iin  TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    PRIMARY KEY (user_iin, child_iin)
) WITHOUT ROWID;
CREATE INDEX bindings_by_child ON bindings(child_iin);

-- Free places published by officers in a kindergarten group (catalogue codes); offers and
-- directions live in the applications' states and take or give back one place each.
CREATE TABLE free_places (
    id                INTEGER PRIMARY KEY,
    region_code       TEXT NOT NULL,
    kindergarten_code TEXT NOT NULL,
    group_code        TEXT NOT NULL,
    places            INTEGER NOT NULL,
    remaining         INTEGER NOT NULL,
    published_us      INTEGER NOT NULL,
    officer_iin       TEXT NOT NULL
);
CREATE INDEX free_places_open ON free_places(region_code) WHERE remaining > 0;

-- Bulk seeding runs once per batch name («once»): a restart with --demo does not seed twice.
CREATE TABLE seed_batches (
    name         TEXT PRIMARY KEY,
    applications INTEGER NOT NULL,
    seeded_us    INTEGER NOT NULL
);
