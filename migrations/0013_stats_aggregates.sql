-- The public statistics and the region's figures as aggregates (docs/design-store.md,
-- «Statistics from aggregates»), kept by triggers, so every write that changes what they count
-- changes them in its own transaction, whichever code path makes it: a read is a few rows per
-- region, exact the moment a write commits, instead of a scan of the region's applications.

-- Children «В очереди» per region, birth year and queue class (queue_tree::class_scope).
CREATE TABLE stats_queue (
    region_code TEXT NOT NULL,
    birth_year  INTEGER NOT NULL,
    class       INTEGER NOT NULL,
    queued      INTEGER NOT NULL,
    PRIMARY KEY (region_code, birth_year, class)
) WITHOUT ROWID;
INSERT INTO stats_queue (region_code, birth_year, class, queued)
    SELECT region_code, birth_year, queue_class, COUNT(*) FROM applications WHERE queued = 1
    GROUP BY region_code, birth_year, queue_class;

CREATE TRIGGER stats_queue_insert AFTER INSERT ON applications WHEN NEW.queued = 1
BEGIN
    INSERT INTO stats_queue (region_code, birth_year, class, queued)
        VALUES (NEW.region_code, NEW.birth_year, NEW.queue_class, 1)
        ON CONFLICT DO UPDATE SET queued = queued + 1;
END;
CREATE TRIGGER stats_queue_update
    AFTER UPDATE OF queued, queue_class, region_code, birth_year ON applications
    WHEN OLD.queued IS NOT NEW.queued OR OLD.queue_class IS NOT NEW.queue_class
        OR OLD.region_code IS NOT NEW.region_code OR OLD.birth_year IS NOT NEW.birth_year
BEGIN
    UPDATE stats_queue SET queued = queued - 1
        WHERE OLD.queued = 1 AND region_code = OLD.region_code
            AND birth_year = OLD.birth_year AND class = OLD.queue_class;
    INSERT INTO stats_queue (region_code, birth_year, class, queued)
        SELECT NEW.region_code, NEW.birth_year, NEW.queue_class, 1 WHERE NEW.queued = 1
        ON CONFLICT DO UPDATE SET queued = queued + 1;
END;
CREATE TRIGGER stats_queue_delete AFTER DELETE ON applications WHEN OLD.queued = 1
BEGIN
    UPDATE stats_queue SET queued = queued - 1
        WHERE region_code = OLD.region_code AND birth_year = OLD.birth_year
            AND class = OLD.queue_class;
END;

-- Places published, directions issued (offers accepted) and enrollments per region and month
-- of Kazakhstan's calendar: UTC+5 (18 000 s, domain::calendar::kazakhstan_offset, which a
-- test holds to this number).
CREATE TABLE stats_months (
    region_code TEXT NOT NULL,
    month       TEXT NOT NULL,
    free_places INTEGER NOT NULL DEFAULT 0,
    directions  INTEGER NOT NULL DEFAULT 0,
    enrollments INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (region_code, month)
) WITHOUT ROWID;
INSERT INTO stats_months (region_code, month, free_places, directions, enrollments)
    SELECT region_code, month, SUM(places), SUM(directions), SUM(enrollments) FROM (
        SELECT region_code, strftime('%Y-%m', published_us / 1000000 + 18000, 'unixepoch') AS month,
            places, 0 AS directions, 0 AS enrollments FROM free_places
        UNION ALL SELECT region_code, strftime('%Y-%m', accepted_us / 1000000 + 18000, 'unixepoch'),
            0, 1, 0 FROM offers WHERE accepted_us IS NOT NULL
        UNION ALL SELECT region_code, strftime('%Y-%m', decided_us / 1000000 + 18000, 'unixepoch'),
            0, 0, 1 FROM offers WHERE status = 'enrolled')
    GROUP BY region_code, month;

CREATE TRIGGER stats_months_places AFTER INSERT ON free_places
BEGIN
    INSERT INTO stats_months (region_code, month, free_places)
        VALUES (NEW.region_code,
            strftime('%Y-%m', NEW.published_us / 1000000 + 18000, 'unixepoch'), NEW.places)
        ON CONFLICT DO UPDATE SET free_places = free_places + excluded.free_places;
END;
CREATE TRIGGER stats_months_offer_insert AFTER INSERT ON offers
    WHEN NEW.accepted_us IS NOT NULL OR NEW.status = 'enrolled'
BEGIN
    INSERT INTO stats_months (region_code, month, directions)
        SELECT NEW.region_code,
            strftime('%Y-%m', NEW.accepted_us / 1000000 + 18000, 'unixepoch'), 1
        WHERE NEW.accepted_us IS NOT NULL
        ON CONFLICT DO UPDATE SET directions = directions + 1;
    INSERT INTO stats_months (region_code, month, enrollments)
        SELECT NEW.region_code,
            strftime('%Y-%m', NEW.decided_us / 1000000 + 18000, 'unixepoch'), 1
        WHERE NEW.status = 'enrolled'
        ON CONFLICT DO UPDATE SET enrollments = enrollments + 1;
END;
CREATE TRIGGER stats_months_directions AFTER UPDATE OF accepted_us ON offers
    WHEN OLD.accepted_us IS NOT NEW.accepted_us
BEGIN
    UPDATE stats_months SET directions = directions - 1
        WHERE OLD.accepted_us IS NOT NULL AND region_code = OLD.region_code
            AND month = strftime('%Y-%m', OLD.accepted_us / 1000000 + 18000, 'unixepoch');
    INSERT INTO stats_months (region_code, month, directions)
        SELECT NEW.region_code,
            strftime('%Y-%m', NEW.accepted_us / 1000000 + 18000, 'unixepoch'), 1
        WHERE NEW.accepted_us IS NOT NULL
        ON CONFLICT DO UPDATE SET directions = directions + 1;
END;
CREATE TRIGGER stats_months_enrollments AFTER UPDATE OF status, decided_us ON offers
    WHEN (OLD.status = 'enrolled' OR NEW.status = 'enrolled')
        AND (OLD.status IS NOT NEW.status OR OLD.decided_us IS NOT NEW.decided_us)
BEGIN
    UPDATE stats_months SET enrollments = enrollments - 1
        WHERE OLD.status = 'enrolled' AND region_code = OLD.region_code
            AND month = strftime('%Y-%m', OLD.decided_us / 1000000 + 18000, 'unixepoch');
    INSERT INTO stats_months (region_code, month, enrollments)
        SELECT NEW.region_code,
            strftime('%Y-%m', NEW.decided_us / 1000000 + 18000, 'unixepoch'), 1
        WHERE NEW.status = 'enrolled'
        ON CONFLICT DO UPDATE SET enrollments = enrollments + 1;
END;

-- Published places not yet taken by an offer or a direction, per region.
CREATE TABLE stats_places (
    region_code TEXT PRIMARY KEY,
    open_places INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO stats_places (region_code, open_places)
    SELECT region_code, SUM(remaining) FROM free_places GROUP BY region_code;

CREATE TRIGGER stats_places_insert AFTER INSERT ON free_places
BEGIN
    INSERT INTO stats_places (region_code, open_places) VALUES (NEW.region_code, NEW.remaining)
        ON CONFLICT DO UPDATE SET open_places = open_places + excluded.open_places;
END;
CREATE TRIGGER stats_places_update AFTER UPDATE OF remaining, region_code ON free_places
    WHEN OLD.remaining IS NOT NEW.remaining OR OLD.region_code IS NOT NEW.region_code
BEGIN
    UPDATE stats_places SET open_places = open_places - OLD.remaining
        WHERE region_code = OLD.region_code;
    INSERT INTO stats_places (region_code, open_places) VALUES (NEW.region_code, NEW.remaining)
        ON CONFLICT DO UPDATE SET open_places = open_places + excluded.open_places;
END;
