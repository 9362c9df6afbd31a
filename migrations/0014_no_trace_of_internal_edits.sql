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

-- 3. The internal fields have their own version: public ETags follow `data_version` only.
DROP TRIGGER plot_internal_data_version ON plot_internal;
CREATE TABLE internal_version (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL
);
INSERT INTO internal_version (version) VALUES (1);
CREATE FUNCTION bump_internal_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE internal_version SET version = version + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER plot_internal_internal_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plot_internal
    FOR EACH STATEMENT EXECUTE FUNCTION bump_internal_version();
