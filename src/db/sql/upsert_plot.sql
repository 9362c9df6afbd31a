-- $1: the feature's properties (jsonb), $2: its geometry as WKB in EPSG:25832.
-- No row comes back when the plot's `area` names no area.
INSERT INTO plots (reference, area_id, boundary, land_use, status, max_plot_ratio_pct, max_height_m,
                   lokalplan, matrikelnummer, ejerlav, planned_homes, planned_jobs, accuracy)
SELECT r.reference, a.id, ST_SetSRID(ST_GeomFromWKB($2), 25832), r.land_use, coalesce(r.status, 'planned'),
       r.max_plot_ratio_pct, r.max_height_m, r.lokalplan, r.matrikelnummer, r.ejerlav,
       coalesce(r.planned_homes, 0), coalesce(r.planned_jobs, 0), r.accuracy
FROM jsonb_to_record($1) AS r (
    reference text, area text, land_use text, status text, max_plot_ratio_pct float8, max_height_m float8,
    lokalplan text, matrikelnummer text, ejerlav text, planned_homes integer, planned_jobs integer,
    accuracy text)
JOIN areas a ON a.slug = r.area
ON CONFLICT (reference) DO UPDATE SET
    area_id = EXCLUDED.area_id,
    boundary = EXCLUDED.boundary,
    land_use = EXCLUDED.land_use,
    status = EXCLUDED.status,
    max_plot_ratio_pct = EXCLUDED.max_plot_ratio_pct,
    max_height_m = EXCLUDED.max_height_m,
    lokalplan = EXCLUDED.lokalplan,
    matrikelnummer = EXCLUDED.matrikelnummer,
    ejerlav = EXCLUDED.ejerlav,
    planned_homes = EXCLUDED.planned_homes,
    planned_jobs = EXCLUDED.planned_jobs,
    accuracy = EXCLUDED.accuracy
RETURNING (xmax = 0) AS inserted
