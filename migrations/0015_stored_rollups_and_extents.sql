-- What a page of plots reads is stored, not computed per row, and the collections' extents and
-- counts are kept as rows change, so that neither a page nor /collections scans a table.

-- 1. Each plot's figures from its buildings and their DGNB records, one row per plot with
--    buildings (a plot without buildings has none: 0 buildings, 0 m², no level). Kept by the
--    statement triggers below; the same function computes them for the past (`as_of`).
CREATE TYPE plot_rollup_input AS (
    plot_id        bigint,
    building_id    bigint,
    floor_area_m2  double precision,
    achieved_level text
);

CREATE TABLE plot_rollups (
    plot_id            bigint PRIMARY KEY REFERENCES plots (id) ON DELETE CASCADE,
    building_ids       jsonb NOT NULL,
    building_count     integer NOT NULL,
    -- Sum of the buildings' floor areas, m² (bebyggelsesprocent = this / plot area).
    floor_area_m2      double precision NOT NULL,
    best_dgnb_level    text,
    silver_buildings   integer NOT NULL,
    gold_buildings     integer NOT NULL,
    platinum_buildings integer NOT NULL
);

CREATE FUNCTION plot_rollups_of(input plot_rollup_input[]) RETURNS SETOF plot_rollups
LANGUAGE sql IMMUTABLE AS $$
    SELECT r.plot_id,
           jsonb_agg(r.building_id ORDER BY r.building_id),
           count(*)::integer,
           coalesce(sum(r.floor_area_m2), 0),
           (array_agg(r.achieved_level
                      ORDER BY array_position(ARRAY['silver', 'gold', 'platinum'], r.achieved_level)
                      DESC NULLS LAST))[1],
           (count(*) FILTER (WHERE r.achieved_level = 'silver'))::integer,
           (count(*) FILTER (WHERE r.achieved_level = 'gold'))::integer,
           (count(*) FILTER (WHERE r.achieved_level = 'platinum'))::integer
    FROM unnest(input) AS r
    GROUP BY r.plot_id
$$;

-- Recomputes the rollups of these plots. The plots are locked first (NO KEY UPDATE, which does
-- not block foreign-key checks), so two transactions that change one plot's buildings refresh
-- it one after the other; each statement of a volatile SQL function takes a new snapshot, so
-- the second sees the first's rows.
CREATE FUNCTION plot_rollups_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    SELECT 1 FROM plots WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM plot_rollups WHERE plot_id = ANY (ids);
    INSERT INTO plot_rollups
    SELECT * FROM plot_rollups_of(ARRAY(
        SELECT ROW(x.plot_id, x.id, x.floor_area_m2, d.achieved_level)::plot_rollup_input
        FROM buildings x LEFT JOIN dgnb_records d ON d.building_id = x.id
        WHERE x.plot_id = ANY (ids)));
$$;

-- The rollups as they stood at `ts` (NULL: now), from the past buildings and records.
CREATE FUNCTION plot_rollups_as_of(ts timestamptz) RETURNS SETOF plot_rollups
LANGUAGE sql STABLE AS $$
    SELECT * FROM plot_rollups WHERE ts IS NULL
    UNION ALL
    SELECT * FROM plot_rollups_of(ARRAY(
        SELECT ROW(x.plot_id, x.id, x.floor_area_m2, d.achieved_level)::plot_rollup_input
        FROM buildings_as_of(ts) x LEFT JOIN dgnb_records_as_of(ts) d ON d.building_id = x.id))
    WHERE ts IS NOT NULL
$$;

-- One trigger function for buildings and DGNB records, on INSERT, UPDATE and DELETE (each
-- trigger has the transition tables its event allows; plpgsql parses only the branch it runs).
-- Updates that change neither a building's plot, its floor area nor an achieved level refresh
-- nothing (the proximity triggers update every building when a station moves).
CREATE FUNCTION plot_rollups_after_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_TABLE_NAME = 'buildings' THEN
        IF TG_OP = 'INSERT' THEN
            ids := ARRAY(SELECT DISTINCT plot_id FROM changed_new);
        ELSIF TG_OP = 'DELETE' THEN
            ids := ARRAY(SELECT DISTINCT plot_id FROM changed_old);
        ELSE
            ids := ARRAY(SELECT DISTINCT unnest(ARRAY[o.plot_id, n.plot_id])
                         FROM changed_old o JOIN changed_new n ON n.id = o.id
                         WHERE n.plot_id IS DISTINCT FROM o.plot_id
                            OR n.floor_area_m2 IS DISTINCT FROM o.floor_area_m2);
        END IF;
    ELSE
        IF TG_OP = 'INSERT' THEN
            ids := ARRAY(SELECT DISTINCT b.plot_id FROM changed_new c
                         JOIN buildings b ON b.id = c.building_id);
        ELSIF TG_OP = 'DELETE' THEN
            ids := ARRAY(SELECT DISTINCT b.plot_id FROM changed_old c
                         JOIN buildings b ON b.id = c.building_id);
        ELSE
            ids := ARRAY(SELECT DISTINCT b.plot_id
                         FROM changed_old o JOIN changed_new n ON n.building_id = o.building_id
                         JOIN buildings b ON b.id IN (o.building_id, n.building_id)
                         WHERE n.achieved_level IS DISTINCT FROM o.achieved_level
                            OR n.building_id IS DISTINCT FROM o.building_id);
        END IF;
    END IF;
    IF cardinality(ids) > 0 THEN
        PERFORM plot_rollups_refresh(ids);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER plot_rollups_insert AFTER INSERT ON buildings
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION plot_rollups_after_change();
CREATE TRIGGER plot_rollups_update AFTER UPDATE ON buildings
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION plot_rollups_after_change();
CREATE TRIGGER plot_rollups_delete AFTER DELETE ON buildings
    REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION plot_rollups_after_change();
CREATE TRIGGER plot_rollups_insert AFTER INSERT ON dgnb_records
    REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION plot_rollups_after_change();
CREATE TRIGGER plot_rollups_update AFTER UPDATE ON dgnb_records
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION plot_rollups_after_change();
CREATE TRIGGER plot_rollups_delete AFTER DELETE ON dgnb_records
    REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION plot_rollups_after_change();

INSERT INTO plot_rollups
SELECT * FROM plot_rollups_of(ARRAY(
    SELECT ROW(x.plot_id, x.id, x.floor_area_m2, d.achieved_level)::plot_rollup_input
    FROM buildings x LEFT JOIN dgnb_records d ON d.building_id = x.id));

-- 2. Each published table's feature count and CRS84 extent (west, south, east, north, in
--    degrees), kept by statement triggers: an insert counts its rows and widens the box; an
--    update or delete narrows nothing unless it moves or removes a geometry on the box's edge,
--    when the box is measured again. The first and last change come from the updated_at indexes.
CREATE TABLE collection_extents (
    relation      text PRIMARY KEY,
    feature_count bigint NOT NULL,
    west          double precision,
    south         double precision,
    east          double precision,
    north         double precision
);

-- Measures a table's box (CRS84) anew.
CREATE FUNCTION collection_extent_measure(relation text, geom text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'UPDATE collection_extents
         SET west = ST_XMin(m.e), south = ST_YMin(m.e), east = ST_XMax(m.e), north = ST_YMax(m.e)
         FROM (SELECT ST_Extent(ST_Transform(%2$I, 4326)) AS e FROM %1$I) AS m
         WHERE relation = %1$L', relation, geom);
END
$$;

-- After a statement: rows that came widen the box and add to the count, rows that went
-- subtract. An update that keeps the geometry changes nothing; a row that went or moved from
-- within 1e-6° (about 10 cm) of the box's edge may have held it there, and the box is measured
-- again. The count only ever adds and subtracts the statement's own rows, so an upsert, which
-- fires both the INSERT and the UPDATE trigger, counts each row once.
CREATE FUNCTION collection_extent_after_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    geom text := TG_ARGV[0];
    c collection_extents;
    added bigint := 0;
    removed bigint := 0;
    widened box2d;
    on_edge boolean := false;
    moved text := '';
BEGIN
    -- One writer at a time changes a table's row (as with data_version).
    SELECT * INTO c FROM collection_extents WHERE relation = TG_TABLE_NAME FOR UPDATE;
    IF TG_OP = 'UPDATE' THEN
        moved := format(' WHERE EXISTS (SELECT 1 FROM changed_new n JOIN changed_old o ON o.id = n.id
                                       WHERE t.id = n.id AND ST_AsEWKB(n.%1$I) IS DISTINCT FROM ST_AsEWKB(o.%1$I))',
                        geom);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format(
            'SELECT count(*), coalesce(bool_or(ST_XMin(e) <= $1 + 1e-6 OR ST_YMin(e) <= $2 + 1e-6
                                               OR ST_XMax(e) >= $3 - 1e-6 OR ST_YMax(e) >= $4 - 1e-6),
                                       false)
             FROM (SELECT Box2D(ST_Transform(t.%I, 4326)) AS e FROM changed_old t %s) AS o',
            geom, moved)
            INTO removed, on_edge USING c.west, c.south, c.east, c.north;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('SELECT count(*), ST_Extent(ST_Transform(t.%I, 4326)) FROM changed_new t %s',
                       geom, moved)
            INTO added, widened;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        added := 0;
        removed := 0;
    END IF;
    UPDATE collection_extents
    SET feature_count = feature_count + added - removed,
        west = least(west, ST_XMin(widened)),
        south = least(south, ST_YMin(widened)),
        east = greatest(east, ST_XMax(widened)),
        north = greatest(north, ST_YMax(widened))
    WHERE relation = TG_TABLE_NAME;
    IF on_edge THEN
        PERFORM collection_extent_measure(TG_TABLE_NAME, geom);
    END IF;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text[];
BEGIN
    FOREACH t SLICE 1 IN ARRAY ARRAY[['areas', 'boundary'], ['plots', 'boundary'],
                                     ['buildings', 'footprint'], ['stations', 'geom'],
                                     ['brt_lines', 'geom'], ['brt_stops', 'geom'],
                                     ['cycle_superhighways', 'geom']]
    LOOP
        EXECUTE format('INSERT INTO collection_extents (relation, feature_count)
                        SELECT %1$L, count(*) FROM %1$I', t[1]);
        PERFORM collection_extent_measure(t[1], t[2]);
        EXECUTE format('CREATE TRIGGER %1$I AFTER INSERT ON %2$I
                        REFERENCING NEW TABLE AS changed_new
                        FOR EACH STATEMENT EXECUTE FUNCTION collection_extent_after_change(%3$L)',
                       t[1] || '_extent_insert', t[1], t[2]);
        EXECUTE format('CREATE TRIGGER %1$I AFTER UPDATE ON %2$I
                        REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
                        FOR EACH STATEMENT EXECUTE FUNCTION collection_extent_after_change(%3$L)',
                       t[1] || '_extent_update', t[1], t[2]);
        EXECUTE format('CREATE TRIGGER %1$I AFTER DELETE ON %2$I
                        REFERENCING OLD TABLE AS changed_old
                        FOR EACH STATEMENT EXECUTE FUNCTION collection_extent_after_change(%3$L)',
                       t[1] || '_extent_delete', t[1], t[2]);
        EXECUTE format('CREATE INDEX %1$I ON %2$I (updated_at)', t[1] || '_updated_at', t[1]);
    END LOOP;
END
$$;
