-- Kezek storage schema, PostgreSQL dialect, step 2: what the SQLite migrations 0023, 0024, 0026
-- and 0027 added after step 1 was written, with the same tables, columns and meanings.
-- docs/design-store.md, «The region report» and «PostgreSQL».

-- SQLite 0027 (issue 14): how a user wants their notices, `email`, `sms` or `both`
-- (domain::ContactPreference). Everyone had both before.
ALTER TABLE users ADD COLUMN notify_by TEXT COLLATE "C" NOT NULL DEFAULT 'both';

-- SQLite 0026 (issue 14): messages written before delivery existed become `skipped`. A
-- PostgreSQL schema was never written without delivery, so it has none of them; the outbox's
-- `state` is free text, so `skipped` needs no change of the table.

-- SQLite 0023 (issue 13): offers made, declined and expired per region and month, and the wait
-- from registration to direction as a per-month histogram in whole days plus the exact sum of
-- seconds, kept by triggers in every write's own transaction. Offers accepted are the
-- directions issued, which stats_months already counts. Months by kz_month (step 1).
CREATE TABLE stats_offer_months (
    region_code TEXT COLLATE "C" NOT NULL,
    month       TEXT COLLATE "C" NOT NULL,
    made        BIGINT NOT NULL DEFAULT 0,
    declined    BIGINT NOT NULL DEFAULT 0,
    expired     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (region_code, month)
);
INSERT INTO stats_offer_months (region_code, month, made, declined, expired)
    SELECT region_code, month, SUM(made), SUM(declined), SUM(expired) FROM (
        SELECT region_code, kz_month(made_us) AS month, 1 AS made, 0 AS declined, 0 AS expired
            FROM offers
        UNION ALL SELECT region_code, kz_month(decided_us), 0,
            (status = 'declined')::INT, (status = 'expired')::INT FROM offers
            WHERE status IN ('declined', 'expired') AND decided_us IS NOT NULL) AS o
    GROUP BY region_code, month;

-- Directions issued in a month by whole days waited since registration (the application's
-- registered_us, which never changes), and the seconds waited.
CREATE TABLE stats_waits (
    region_code TEXT COLLATE "C" NOT NULL,
    month       TEXT COLLATE "C" NOT NULL,
    days        BIGINT NOT NULL,
    directions  BIGINT NOT NULL,
    seconds     BIGINT NOT NULL,
    PRIMARY KEY (region_code, month, days)
);
INSERT INTO stats_waits (region_code, month, days, directions, seconds)
    SELECT o.region_code, kz_month(o.accepted_us),
        GREATEST(o.accepted_us - a.registered_us, 0) / 86400000000, COUNT(*),
        SUM(GREATEST(o.accepted_us - a.registered_us, 0) / 1000000)
    FROM offers o JOIN applications a ON a.id = o.application_id
    WHERE o.accepted_us IS NOT NULL
    GROUP BY 1, 2, 3;

-- Adds `sign` (1 or -1) of a declined or expired answer given at `decided_us`.
CREATE FUNCTION stats_offer_answer_add(region TEXT, status TEXT, decided_us BIGINT, sign BIGINT)
        RETURNS void LANGUAGE sql AS $$
    INSERT INTO stats_offer_months (region_code, month, made, declined, expired)
        SELECT region, kz_month(decided_us), 0,
            CASE WHEN status = 'declined' THEN sign ELSE 0 END,
            CASE WHEN status = 'expired' THEN sign ELSE 0 END
        WHERE status IN ('declined', 'expired') AND decided_us IS NOT NULL
        ON CONFLICT (region_code, month) DO UPDATE SET
            declined = stats_offer_months.declined + excluded.declined,
            expired = stats_offer_months.expired + excluded.expired
$$;

-- Adds `sign` (1 or -1) of a direction issued at `accepted_us` to an application.
CREATE FUNCTION stats_wait_add(region TEXT, application BIGINT, accepted_us BIGINT, sign BIGINT)
        RETURNS void LANGUAGE sql AS $$
    INSERT INTO stats_waits (region_code, month, days, directions, seconds)
        SELECT region, kz_month(accepted_us),
            GREATEST(accepted_us - a.registered_us, 0) / 86400000000, sign,
            sign * (GREATEST(accepted_us - a.registered_us, 0) / 1000000)
        FROM applications a WHERE a.id = application AND accepted_us IS NOT NULL
        ON CONFLICT (region_code, month, days) DO UPDATE SET
            directions = stats_waits.directions + excluded.directions,
            seconds = stats_waits.seconds + excluded.seconds
$$;

CREATE FUNCTION stats_report_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stats_offer_months (region_code, month, made)
            VALUES (NEW.region_code, kz_month(NEW.made_us), 1)
            ON CONFLICT (region_code, month)
            DO UPDATE SET made = stats_offer_months.made + 1;
        PERFORM stats_offer_answer_add(NEW.region_code, NEW.status, NEW.decided_us, 1);
        PERFORM stats_wait_add(NEW.region_code, NEW.application_id, NEW.accepted_us, 1);
        RETURN NULL;
    END IF;
    IF (OLD.status IN ('declined', 'expired') OR NEW.status IN ('declined', 'expired'))
        AND (OLD.status IS DISTINCT FROM NEW.status
            OR OLD.decided_us IS DISTINCT FROM NEW.decided_us) THEN
        PERFORM stats_offer_answer_add(OLD.region_code, OLD.status, OLD.decided_us, -1);
        PERFORM stats_offer_answer_add(NEW.region_code, NEW.status, NEW.decided_us, 1);
    END IF;
    IF OLD.accepted_us IS DISTINCT FROM NEW.accepted_us THEN
        PERFORM stats_wait_add(OLD.region_code, OLD.application_id, OLD.accepted_us, -1);
        PERFORM stats_wait_add(NEW.region_code, NEW.application_id, NEW.accepted_us, 1);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER stats_report_insert AFTER INSERT ON offers
    FOR EACH ROW EXECUTE FUNCTION stats_report_change();
CREATE TRIGGER stats_report_update AFTER UPDATE OF status, decided_us, accepted_us ON offers
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.decided_us IS DISTINCT FROM NEW.decided_us
        OR OLD.accepted_us IS DISTINCT FROM NEW.accepted_us)
    EXECUTE FUNCTION stats_report_change();

-- SQLite 0024 (issue 13): the journal filtered by kindergarten. Every kindergarten an
-- application named among its desired ones when submitted, and every one it was offered a
-- place in, kept by triggers in the write's own transaction: the filter is one index range.
CREATE TABLE application_kindergartens (
    kindergarten_code TEXT COLLATE "C" NOT NULL,
    application_id    BIGINT NOT NULL,
    PRIMARY KEY (kindergarten_code, application_id)
);

-- The kindergarten codes (strings) of an application's details, `$.kindergartens`.
CREATE FUNCTION desired_kindergartens(details TEXT) RETURNS SETOF TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT k.value #>> '{}'
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(details::jsonb -> 'kindergartens') = 'array'
            THEN details::jsonb -> 'kindergartens' ELSE '[]'::jsonb END) AS k(value)
    WHERE jsonb_typeof(k.value) = 'string'
$$;

INSERT INTO application_kindergartens (kindergarten_code, application_id)
    SELECT DISTINCT k, a.id FROM applications a, desired_kindergartens(a.details) AS k
    ON CONFLICT DO NOTHING;
INSERT INTO application_kindergartens (kindergarten_code, application_id)
    SELECT DISTINCT f.kindergarten_code, o.application_id
    FROM offers o JOIN free_places f ON f.id = o.place_id
    ON CONFLICT DO NOTHING;

CREATE FUNCTION journal_kindergartens_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'offers' THEN
        INSERT INTO application_kindergartens (kindergarten_code, application_id)
            SELECT f.kindergarten_code, NEW.application_id FROM free_places f
            WHERE f.id = NEW.place_id
            ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO application_kindergartens (kindergarten_code, application_id)
            SELECT DISTINCT k, NEW.id FROM desired_kindergartens(NEW.details) AS k
            ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM application_kindergartens WHERE application_id = OLD.id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER journal_kindergartens_desired AFTER INSERT ON applications
    FOR EACH ROW EXECUTE FUNCTION journal_kindergartens_change();
CREATE TRIGGER journal_kindergartens_offered AFTER INSERT ON offers
    FOR EACH ROW EXECUTE FUNCTION journal_kindergartens_change();
CREATE TRIGGER journal_kindergartens_deleted AFTER DELETE ON applications
    FOR EACH ROW EXECUTE FUNCTION journal_kindergartens_change();
