-- An append-only history of every change to plots, buildings and DGNB records, written by
-- triggers in the same transaction as the change, so that nothing is changed without a trace
-- and any past state can be rebuilt (`*_as_of`). Who and why come from the transaction-local
-- settings `plotline.actor` and `plotline.reason` (set_config(..., true)).

CREATE TABLE history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity      text NOT NULL CHECK (entity IN ('plot', 'building', 'dgnb_record')),
    entity_id   bigint NOT NULL,
    operation   text NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
    -- Transaction time: every change of one transaction shares it; `id` orders within it.
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  text,
    reason      text,
    -- The row before and after, as jsonb; geometry as hex EWKB (EPSG:25832), lossless.
    old_row     jsonb,
    new_row     jsonb
);
CREATE INDEX history_entity ON history (entity, entity_id, id);
CREATE INDEX history_changed_at ON history (changed_at);

CREATE FUNCTION history_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'history is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON history
    FOR EACH STATEMENT EXECUTE FUNCTION history_is_append_only();

-- A row as jsonb with its geometry column (TG_ARGV[2]) as hex EWKB instead of GeoJSON, so that
-- jsonb_populate_record can turn it back into the row.
CREATE FUNCTION history_row_json(r anyelement, geometry_column text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    hex text;
BEGIN
    IF geometry_column IS NULL THEN
        RETURN to_jsonb(r);
    END IF;
    EXECUTE format('SELECT ($1).%I::text', geometry_column) INTO hex USING r;
    RETURN jsonb_set(to_jsonb(r), ARRAY[geometry_column], to_jsonb(hex));
END
$$;

-- TG_ARGV: entity name, id column, geometry column (or NULL).
CREATE FUNCTION record_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_json jsonb;
    new_json jsonb;
    geometry_column text := nullif(TG_ARGV[2], '');
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_json := history_row_json(OLD, geometry_column);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_json := history_row_json(NEW, geometry_column);
    END IF;
    INSERT INTO history (entity, entity_id, operation, changed_by, reason, old_row, new_row)
    VALUES (
        TG_ARGV[0],
        (coalesce(new_json, old_json) ->> TG_ARGV[1])::bigint,
        lower(TG_OP),
        coalesce(nullif(current_setting('plotline.actor', true), ''),
                 CASE WHEN pg_trigger_depth() > 1 THEN 'plotline' ELSE session_user END),
        coalesce(nullif(current_setting('plotline.reason', true), ''),
                 CASE WHEN pg_trigger_depth() > 1 THEN 'derived values recomputed' END),
        old_json,
        new_json
    );
    RETURN NULL;
END
$$;

CREATE TRIGGER plots_history AFTER INSERT OR DELETE ON plots
    FOR EACH ROW EXECUTE FUNCTION record_history('plot', 'id', 'boundary');
CREATE TRIGGER plots_history_update AFTER UPDATE ON plots
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION record_history('plot', 'id', 'boundary');
CREATE TRIGGER buildings_history AFTER INSERT OR DELETE ON buildings
    FOR EACH ROW EXECUTE FUNCTION record_history('building', 'id', 'footprint');
CREATE TRIGGER buildings_history_update AFTER UPDATE ON buildings
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION record_history('building', 'id', 'footprint');
CREATE TRIGGER dgnb_records_history AFTER INSERT OR DELETE ON dgnb_records
    FOR EACH ROW EXECUTE FUNCTION record_history('dgnb_record', 'building_id', '');
CREATE TRIGGER dgnb_records_history_update AFTER UPDATE ON dgnb_records
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION record_history('dgnb_record', 'building_id', '');

-- The rows as they stood at `ts` (the last history entry at or before it, unless a delete),
-- or the live table when `ts` is NULL.
CREATE FUNCTION plots_as_of(ts timestamptz) RETURNS SETOF plots
LANGUAGE sql STABLE AS $$
    SELECT * FROM plots WHERE ts IS NULL
    UNION ALL
    SELECT (jsonb_populate_record(NULL::plots, h.new_row)).*
    FROM (SELECT DISTINCT ON (entity_id) operation, new_row FROM history
          WHERE ts IS NOT NULL AND entity = 'plot' AND changed_at <= ts
          ORDER BY entity_id, id DESC) AS h
    WHERE h.operation <> 'delete'
$$;

CREATE FUNCTION buildings_as_of(ts timestamptz) RETURNS SETOF buildings
LANGUAGE sql STABLE AS $$
    SELECT * FROM buildings WHERE ts IS NULL
    UNION ALL
    SELECT (jsonb_populate_record(NULL::buildings, h.new_row)).*
    FROM (SELECT DISTINCT ON (entity_id) operation, new_row FROM history
          WHERE ts IS NOT NULL AND entity = 'building' AND changed_at <= ts
          ORDER BY entity_id, id DESC) AS h
    WHERE h.operation <> 'delete'
$$;

CREATE FUNCTION dgnb_records_as_of(ts timestamptz) RETURNS SETOF dgnb_records
LANGUAGE sql STABLE AS $$
    SELECT * FROM dgnb_records WHERE ts IS NULL
    UNION ALL
    SELECT (jsonb_populate_record(NULL::dgnb_records, h.new_row)).*
    FROM (SELECT DISTINCT ON (entity_id) operation, new_row FROM history
          WHERE ts IS NOT NULL AND entity = 'dgnb_record' AND changed_at <= ts
          ORDER BY entity_id, id DESC) AS h
    WHERE h.operation <> 'delete'
$$;
