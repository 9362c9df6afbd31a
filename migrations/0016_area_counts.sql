-- Each area's number of plots and buildings, kept by statement triggers as rows come, go or move
-- between areas, so that listing the areas counts nothing (a million plots took two seconds).
-- Buildings cannot outlive their plot (no cascade), so a deleted building's plot is still there.

CREATE TABLE area_rollups (
    area_id        bigint PRIMARY KEY REFERENCES areas (id) ON DELETE CASCADE,
    plot_count     bigint NOT NULL,
    building_count bigint NOT NULL
);

-- Adds each area's change (plots, buildings) to its counts.
CREATE FUNCTION area_rollups_add(deltas jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO area_rollups AS r (area_id, plot_count, building_count)
    SELECT d.area_id, sum(d.plots), sum(d.buildings)
    FROM jsonb_to_recordset(deltas) AS d (area_id bigint, plots bigint, buildings bigint)
    GROUP BY d.area_id
    ORDER BY d.area_id
    ON CONFLICT (area_id) DO UPDATE
    SET plot_count = r.plot_count + EXCLUDED.plot_count,
        building_count = r.building_count + EXCLUDED.building_count;
$$;

CREATE FUNCTION area_rollups_after_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    deltas jsonb;
BEGIN
    IF TG_TABLE_NAME = 'plots' THEN
        IF TG_OP = 'INSERT' THEN
            SELECT jsonb_agg(jsonb_build_object('area_id', area_id, 'plots', n, 'buildings', 0))
            INTO deltas FROM (SELECT area_id, count(*) AS n FROM changed_new GROUP BY area_id) AS g;
        ELSIF TG_OP = 'DELETE' THEN
            SELECT jsonb_agg(jsonb_build_object('area_id', area_id, 'plots', -n, 'buildings', 0))
            INTO deltas FROM (SELECT area_id, count(*) AS n FROM changed_old GROUP BY area_id) AS g;
        ELSE
            SELECT jsonb_agg(x) INTO deltas
            FROM (SELECT o.area_id AS old_area, n.area_id AS new_area,
                         (SELECT count(*) FROM buildings b WHERE b.plot_id = n.id) AS buildings
                  FROM changed_old o JOIN changed_new n ON n.id = o.id
                  WHERE n.area_id <> o.area_id) AS m,
                 LATERAL (VALUES (jsonb_build_object('area_id', m.old_area, 'plots', -1, 'buildings', -m.buildings)),
                                 (jsonb_build_object('area_id', m.new_area, 'plots', 1, 'buildings', m.buildings))) AS v (x);
        END IF;
    ELSE
        IF TG_OP = 'INSERT' THEN
            SELECT jsonb_agg(jsonb_build_object('area_id', area_id, 'plots', 0, 'buildings', n))
            INTO deltas FROM (SELECT p.area_id, count(*) AS n FROM changed_new c
                              JOIN plots p ON p.id = c.plot_id GROUP BY p.area_id) AS g;
        ELSIF TG_OP = 'DELETE' THEN
            SELECT jsonb_agg(jsonb_build_object('area_id', area_id, 'plots', 0, 'buildings', -n))
            INTO deltas FROM (SELECT p.area_id, count(*) AS n FROM changed_old c
                              JOIN plots p ON p.id = c.plot_id GROUP BY p.area_id) AS g;
        ELSE
            SELECT jsonb_agg(x) INTO deltas
            FROM (SELECT po.area_id AS old_area, pn.area_id AS new_area
                  FROM changed_old o JOIN changed_new n ON n.id = o.id
                  JOIN plots po ON po.id = o.plot_id JOIN plots pn ON pn.id = n.plot_id
                  WHERE po.area_id <> pn.area_id) AS m,
                 LATERAL (VALUES (jsonb_build_object('area_id', m.old_area, 'plots', 0, 'buildings', -1)),
                                 (jsonb_build_object('area_id', m.new_area, 'plots', 0, 'buildings', 1))) AS v (x);
        END IF;
    END IF;
    IF deltas IS NOT NULL THEN
        PERFORM area_rollups_add(deltas);
    END IF;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['plots', 'buildings'] LOOP
        EXECUTE format('CREATE TRIGGER area_rollups_insert AFTER INSERT ON %I
                        REFERENCING NEW TABLE AS changed_new
                        FOR EACH STATEMENT EXECUTE FUNCTION area_rollups_after_change()', t);
        EXECUTE format('CREATE TRIGGER area_rollups_update AFTER UPDATE ON %I
                        REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
                        FOR EACH STATEMENT EXECUTE FUNCTION area_rollups_after_change()', t);
        EXECUTE format('CREATE TRIGGER area_rollups_delete AFTER DELETE ON %I
                        REFERENCING OLD TABLE AS changed_old
                        FOR EACH STATEMENT EXECUTE FUNCTION area_rollups_after_change()', t);
    END LOOP;
END
$$;

INSERT INTO area_rollups
SELECT a.id,
       (SELECT count(*) FROM plots p WHERE p.area_id = a.id),
       (SELECT count(*) FROM buildings b JOIN plots p ON p.id = b.plot_id WHERE p.area_id = a.id)
FROM areas a;
