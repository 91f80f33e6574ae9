-- The officer's journal filtered by kindergarten (issue 13; docs/domain-rules.md «The journal
-- by kindergarten»): every kindergarten an application named among its desired ones when
-- submitted, and every one it was offered a place in, kept by triggers in the write's own
-- transaction, so the filter is one index range instead of a scan of the region.
CREATE TABLE application_kindergartens (
    kindergarten_code TEXT NOT NULL,
    application_id    INTEGER NOT NULL,
    PRIMARY KEY (kindergarten_code, application_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO application_kindergartens (kindergarten_code, application_id)
    SELECT k.value, a.id FROM applications a, json_each(a.details, '$.kindergartens') k
    WHERE k.type = 'text';
INSERT OR IGNORE INTO application_kindergartens (kindergarten_code, application_id)
    SELECT f.kindergarten_code, o.application_id FROM offers o JOIN free_places f ON f.id = o.place_id;

CREATE TRIGGER journal_kindergartens_desired AFTER INSERT ON applications
BEGIN
    INSERT OR IGNORE INTO application_kindergartens (kindergarten_code, application_id)
        SELECT k.value, NEW.id FROM json_each(NEW.details, '$.kindergartens') k
        WHERE k.type = 'text';
END;
CREATE TRIGGER journal_kindergartens_offered AFTER INSERT ON offers
BEGIN
    INSERT OR IGNORE INTO application_kindergartens (kindergarten_code, application_id)
        SELECT f.kindergarten_code, NEW.application_id FROM free_places f WHERE f.id = NEW.place_id;
END;
CREATE TRIGGER journal_kindergartens_deleted AFTER DELETE ON applications
BEGIN
    DELETE FROM application_kindergartens WHERE application_id = OLD.id;
END;
