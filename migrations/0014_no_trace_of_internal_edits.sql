-- Edits that change nothing, and edits of the planners' internal fields only, leave no trace in
-- public answers: no new updated_at, no public history entry or id, no new public ETag.

-- 1. An update that changes no column keeps its updated_at (generated columns, computed after
--    BEFORE triggers, are left out of the comparison). The history triggers fire only when
--    the row changed, so a no-op update writes no history either.
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    skip text[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(array_agg(attname::text), '{}') INTO skip
        FROM pg_attribute
        WHERE attrelid = TG_RELID AND attnum > 0 AND attgenerated <> '';
        skip := skip || 'updated_at'::text;
        IF (to_jsonb(NEW) - skip) = (to_jsonb(OLD) - skip) THEN
            NEW.updated_at := OLD.updated_at;
            RETURN NEW;
        END IF;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- 2. Public answers number the history without the internal entries, so that their ids have
--    no gaps where an internal edit was made. Rolled-back writes still leave gaps, as any
--    sequence does; those say nothing about internal fields.
CREATE SEQUENCE history_public_seq;
ALTER TABLE history ADD COLUMN public_seq bigint UNIQUE;

ALTER TABLE history DISABLE TRIGGER history_append_only;
UPDATE history h SET public_seq = n.seq
FROM (SELECT id, row_number() OVER (ORDER BY id) AS seq FROM history
      WHERE entity <> 'plot_internal') AS n
WHERE n.id = h.id;
ALTER TABLE history ENABLE TRIGGER history_append_only;
SELECT setval('history_public_seq', coalesce((SELECT max(public_seq) FROM history), 0) + 1, false);

CREATE FUNCTION history_public_seq() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.entity <> 'plot_internal' THEN
        NEW.public_seq := nextval('history_public_seq');
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER history_public_seq BEFORE INSERT ON history
    FOR EACH ROW EXECUTE FUNCTION history_public_seq();

-- One function for the INSERT, UPDATE and DELETE triggers below. Each of them has one transition
-- table (changed_new, or changed_old on DELETE); plpgsql parses a statement only when it runs
-- it, so the branch that names the other table is never parsed.
CREATE FUNCTION bump_data_version_if_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed boolean;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := EXISTS (SELECT 1 FROM changed_old);
    ELSE
        changed := EXISTS (SELECT 1 FROM changed_new);
    END IF;
    IF changed THEN
        UPDATE data_version SET version = version + 1;
    END IF;
    RETURN NULL;
END
$$;

-- 3. The internal fields have their own version: public ETags follow `data_version` only.
DROP TRIGGER plot_internal_data_version ON plot_internal;
CREATE FUNCTION bump_internal_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE internal_version SET version = version + 1;
    RETURN NULL;
END
$$;
-- A one-row counter like data_version (its key, check and default come along).
CREATE TABLE internal_version (LIKE data_version INCLUDING ALL);
INSERT INTO internal_version (version) VALUES (1);
CREATE TRIGGER plot_internal_internal_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plot_internal
    FOR EACH STATEMENT EXECUTE FUNCTION bump_internal_version();
-- (Planners' ETags may move on a statement that changed nothing internal: that costs them a
-- revalidation, and tells the public nothing.)

-- 4. The data version moves only when a statement changed rows (a statement trigger fires even
--    when it changed none): the triggers see the statement's rows as transition tables. Writes
--    leave rows that would not change out of their UPDATE. The tables are those that have the
--    trigger 0008 gave them (`<table>_data_version`; plot_internal's went in step 3).
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
             WHERE g.tgname = c.relname || '_data_version' AND NOT g.tgisinternal
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_data_version', t);
        -- One trigger per event: a trigger with transition tables fires on one event only.
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_new
                        FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version_if_changed()', t || '_data_version_insert', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed_new
                        FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version_if_changed()', t || '_data_version_update', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_old
                        FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version_if_changed()', t || '_data_version_delete', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I
                        FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t || '_data_version_truncate', t);
    END LOOP;
END
$$;
