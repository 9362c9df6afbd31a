-- Every change to what the vector tiles show is announced on the channel `plotline_tiles`, with
-- the CRS84 boxes (west, south, east, north) of the changed geometries before and after, so that
-- each instance drops exactly the cached tiles they meet: `{"c": "plots", "b": [[w,s,e,n], …]}`,
-- or `{"c": "plots", "all": true}` when every tile may have changed. NOTIFY is sent at commit,
-- and identical payloads of one transaction are sent once.

CREATE FUNCTION tiles_notify(relation text, boxes box2d[]) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_notify('plotline_tiles', jsonb_build_object(
        'c', relation,
        'b', (SELECT jsonb_agg(jsonb_build_array(ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)))
              FROM unnest(boxes) AS b WHERE b IS NOT NULL))::text)
    WHERE EXISTS (SELECT 1 FROM unnest(boxes) AS b WHERE b IS NOT NULL);
$$;

CREATE FUNCTION tiles_notify_all(relation text) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_notify('plotline_tiles', jsonb_build_object('c', relation, 'all', true)::text);
$$;

-- The statement's rows before (changed_old) and after (changed_new), as boxes.
CREATE FUNCTION tiles_after_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    geom text := TG_ARGV[0];
    before box2d;
    after box2d;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format('SELECT ST_Extent(ST_Transform(%I, 4326)) FROM changed_old', geom) INTO before;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('SELECT ST_Extent(ST_Transform(%I, 4326)) FROM changed_new', geom) INTO after;
    END IF;
    PERFORM tiles_notify(TG_TABLE_NAME, ARRAY[before, after]);
    -- A building's tile shows its plot's reference and area: a changed plot may change the
    -- tiles of the buildings on it, which lie within its box.
    IF TG_TABLE_NAME = 'plots' AND TG_OP = 'UPDATE' THEN
        PERFORM tiles_notify('buildings', ARRAY[before, after]);
    END IF;
    -- Plots and buildings show the nearest station's name: a renamed station may change any.
    IF TG_TABLE_NAME = 'stations' AND TG_OP = 'UPDATE' THEN
        PERFORM tiles_notify_all('plots');
        PERFORM tiles_notify_all('buildings');
    END IF;
    RETURN NULL;
END
$$;

-- A plot's tile shows figures from its buildings (plot_rollups, migration 0015), a building's its
-- DGNB record: a change to those announces the box of the feature they belong to. Arguments:
-- the feature's table, its geometry column, and the key column in the changed table.
CREATE FUNCTION tiles_after_child_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    parent text := TG_ARGV[0];
    geom text := TG_ARGV[1];
    key text := TG_ARGV[2];
    boxes box2d;
BEGIN
    EXECUTE format('SELECT ST_Extent(ST_Transform(p.%I, 4326)) FROM %I p WHERE p.id IN (SELECT %I FROM %I)',
                   geom, parent, key, CASE WHEN TG_OP = 'DELETE' THEN 'changed_old' ELSE 'changed_new' END)
        INTO boxes;
    PERFORM tiles_notify(parent, ARRAY[boxes]);
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
        EXECUTE format('CREATE TRIGGER %1$I AFTER INSERT ON %2$I
                        REFERENCING NEW TABLE AS changed_new
                        FOR EACH STATEMENT EXECUTE FUNCTION tiles_after_change(%3$L)',
                       t[1] || '_tiles_insert', t[1], t[2]);
        EXECUTE format('CREATE TRIGGER %1$I AFTER UPDATE ON %2$I
                        REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
                        FOR EACH STATEMENT EXECUTE FUNCTION tiles_after_change(%3$L)',
                       t[1] || '_tiles_update', t[1], t[2]);
        EXECUTE format('CREATE TRIGGER %1$I AFTER DELETE ON %2$I
                        REFERENCING OLD TABLE AS changed_old
                        FOR EACH STATEMENT EXECUTE FUNCTION tiles_after_change(%3$L)',
                       t[1] || '_tiles_delete', t[1], t[2]);
    END LOOP;
END
$$;

DO $$
DECLARE
    t text[];
BEGIN
    FOREACH t SLICE 1 IN ARRAY ARRAY[['plot_rollups', 'plots', 'boundary', 'plot_id'],
                                     ['dgnb_records', 'buildings', 'footprint', 'building_id']]
    LOOP
        EXECUTE format('CREATE TRIGGER %1$I AFTER INSERT ON %2$I
                        REFERENCING NEW TABLE AS changed_new
                        FOR EACH STATEMENT EXECUTE FUNCTION tiles_after_child_change(%3$L, %4$L, %5$L)',
                       t[1] || '_tiles_insert', t[1], t[2], t[3], t[4]);
        EXECUTE format('CREATE TRIGGER %1$I AFTER UPDATE ON %2$I
                        REFERENCING NEW TABLE AS changed_new
                        FOR EACH STATEMENT EXECUTE FUNCTION tiles_after_child_change(%3$L, %4$L, %5$L)',
                       t[1] || '_tiles_update', t[1], t[2], t[3], t[4]);
        EXECUTE format('CREATE TRIGGER %1$I AFTER DELETE ON %2$I
                        REFERENCING OLD TABLE AS changed_old
                        FOR EACH STATEMENT EXECUTE FUNCTION tiles_after_child_change(%3$L, %4$L, %5$L)',
                       t[1] || '_tiles_delete', t[1], t[2], t[3], t[4]);
    END LOOP;
END
$$;
