-- The officer's region report (issue 13; docs/design-store.md «The region report»): offers made,
-- declined and expired per region and month, and the wait from registration to direction as a
-- per-month histogram in whole days plus the exact sum of seconds, kept by triggers in every
-- write's own transaction like migration 0013's aggregates. Offers accepted are the directions
-- issued, which stats_months already counts. Months are Kazakhstan's calendar (UTC+5, 18 000 s).

CREATE TABLE stats_offer_months (
    region_code TEXT NOT NULL,
    month       TEXT NOT NULL,
    made        INTEGER NOT NULL DEFAULT 0,
    declined    INTEGER NOT NULL DEFAULT 0,
    expired     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (region_code, month)
) WITHOUT ROWID;
INSERT INTO stats_offer_months (region_code, month, made, declined, expired)
    SELECT region_code, month, SUM(made), SUM(declined), SUM(expired) FROM (
        SELECT region_code, strftime('%Y-%m', made_us / 1000000 + 18000, 'unixepoch') AS month,
            1 AS made, 0 AS declined, 0 AS expired FROM offers
        UNION ALL SELECT region_code, strftime('%Y-%m', decided_us / 1000000 + 18000, 'unixepoch'),
            0, status = 'declined', status = 'expired' FROM offers
            WHERE status IN ('declined', 'expired') AND decided_us IS NOT NULL)
    GROUP BY region_code, month;

-- Directions issued in a month by whole days waited since registration (the application's
-- registered_us, which never changes), and the seconds waited; a region's month has at most one
-- row per distinct day count, so a report reads a few thousand rows at most, whatever the
-- number of applications.
CREATE TABLE stats_waits (
    region_code TEXT NOT NULL,
    month       TEXT NOT NULL,
    days        INTEGER NOT NULL,
    directions  INTEGER NOT NULL,
    seconds     INTEGER NOT NULL,
    PRIMARY KEY (region_code, month, days)
) WITHOUT ROWID;
INSERT INTO stats_waits (region_code, month, days, directions, seconds)
    SELECT o.region_code, strftime('%Y-%m', o.accepted_us / 1000000 + 18000, 'unixepoch'),
        MAX(o.accepted_us - a.registered_us, 0) / 86400000000, COUNT(*),
        SUM(MAX(o.accepted_us - a.registered_us, 0) / 1000000)
    FROM offers o JOIN applications a ON a.id = o.application_id
    WHERE o.accepted_us IS NOT NULL
    GROUP BY 1, 2, 3;

CREATE TRIGGER stats_report_offer_insert AFTER INSERT ON offers
BEGIN
    INSERT INTO stats_offer_months (region_code, month, made, declined, expired)
        VALUES (NEW.region_code, strftime('%Y-%m', NEW.made_us / 1000000 + 18000, 'unixepoch'),
            1, 0, 0)
        ON CONFLICT DO UPDATE SET made = made + 1;
    INSERT INTO stats_offer_months (region_code, month, made, declined, expired)
        SELECT NEW.region_code,
            strftime('%Y-%m', NEW.decided_us / 1000000 + 18000, 'unixepoch'), 0,
            NEW.status = 'declined', NEW.status = 'expired'
        WHERE NEW.status IN ('declined', 'expired') AND NEW.decided_us IS NOT NULL
        ON CONFLICT DO UPDATE SET declined = declined + excluded.declined,
            expired = expired + excluded.expired;
    INSERT INTO stats_waits (region_code, month, days, directions, seconds)
        SELECT NEW.region_code,
            strftime('%Y-%m', NEW.accepted_us / 1000000 + 18000, 'unixepoch'),
            MAX(NEW.accepted_us - a.registered_us, 0) / 86400000000, 1,
            MAX(NEW.accepted_us - a.registered_us, 0) / 1000000
        FROM applications a WHERE a.id = NEW.application_id AND NEW.accepted_us IS NOT NULL
        ON CONFLICT DO UPDATE SET directions = directions + 1,
            seconds = seconds + excluded.seconds;
END;

CREATE TRIGGER stats_report_offer_answer AFTER UPDATE OF status, decided_us ON offers
    WHEN (OLD.status IN ('declined', 'expired') OR NEW.status IN ('declined', 'expired'))
        AND (OLD.status IS NOT NEW.status OR OLD.decided_us IS NOT NEW.decided_us)
BEGIN
    UPDATE stats_offer_months SET declined = declined - (OLD.status = 'declined'),
            expired = expired - (OLD.status = 'expired')
        WHERE OLD.status IN ('declined', 'expired') AND OLD.decided_us IS NOT NULL
            AND region_code = OLD.region_code
            AND month = strftime('%Y-%m', OLD.decided_us / 1000000 + 18000, 'unixepoch');
    INSERT INTO stats_offer_months (region_code, month, made, declined, expired)
        SELECT NEW.region_code,
            strftime('%Y-%m', NEW.decided_us / 1000000 + 18000, 'unixepoch'), 0,
            NEW.status = 'declined', NEW.status = 'expired'
        WHERE NEW.status IN ('declined', 'expired') AND NEW.decided_us IS NOT NULL
        ON CONFLICT DO UPDATE SET declined = declined + excluded.declined,
            expired = expired + excluded.expired;
END;

CREATE TRIGGER stats_report_waits AFTER UPDATE OF accepted_us ON offers
    WHEN OLD.accepted_us IS NOT NEW.accepted_us
BEGIN
    UPDATE stats_waits SET directions = directions - 1,
            seconds = seconds - (SELECT MAX(OLD.accepted_us - a.registered_us, 0) / 1000000
                FROM applications a WHERE a.id = OLD.application_id)
        WHERE OLD.accepted_us IS NOT NULL AND region_code = OLD.region_code
            AND month = strftime('%Y-%m', OLD.accepted_us / 1000000 + 18000, 'unixepoch')
            AND days = (SELECT MAX(OLD.accepted_us - a.registered_us, 0) / 86400000000
                FROM applications a WHERE a.id = OLD.application_id);
    INSERT INTO stats_waits (region_code, month, days, directions, seconds)
        SELECT NEW.region_code,
            strftime('%Y-%m', NEW.accepted_us / 1000000 + 18000, 'unixepoch'),
            MAX(NEW.accepted_us - a.registered_us, 0) / 86400000000, 1,
            MAX(NEW.accepted_us - a.registered_us, 0) / 1000000
        FROM applications a WHERE a.id = NEW.application_id AND NEW.accepted_us IS NOT NULL
        ON CONFLICT DO UPDATE SET directions = directions + 1,
            seconds = seconds + excluded.seconds;
END;
