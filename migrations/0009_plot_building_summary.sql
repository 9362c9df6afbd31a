-- Relations between plots and buildings for OGC API filtering: a plot carries its buildings'
-- ids, count, floor area, best achieved DGNB level and the count at each level, so that "plots
-- with a Gold building" is `gold_buildings > 0`.
CREATE OR REPLACE VIEW feature_plots AS
SELECT p.id AS fid, p.reference AS alt_id, p.boundary AS geom, p.updated_at,
       jsonb_build_object(
           'reference', p.reference,
           'area', a.slug,
           'land_use', p.land_use,
           'status', p.status,
           'plot_area_m2', round(p.plot_area_m2::numeric, 1),
           'plot_area_ha', round((p.plot_area_m2 / 10000)::numeric, 4),
           'max_plot_ratio_pct', p.max_plot_ratio_pct,
           'max_height_m', p.max_height_m,
           'lokalplan', p.lokalplan,
           'matrikelnummer', p.matrikelnummer,
           'ejerlav', p.ejerlav,
           'planned_homes', p.planned_homes,
           'planned_jobs', p.planned_jobs,
           'building_ids', coalesce(b.ids, '[]'::jsonb),
           'building_count', coalesce(b.n, 0),
           'floor_area_m2', round(coalesce(b.floor_area_m2, 0)::numeric, 1),
           -- Bebyggelsesprocent of the buildings on the plot, built and planned: floor area × 100 / plot area.
           'plot_ratio_pct', round((coalesce(b.floor_area_m2, 0) * 100 / p.plot_area_m2)::numeric, 1),
           -- The plot's buildings by achieved DGNB level, so that plots can be filtered by them.
           'best_dgnb_level', b.best_level,
           'silver_buildings', coalesce(b.silver, 0),
           'gold_buildings', coalesce(b.gold, 0),
           'platinum_buildings', coalesce(b.platinum, 0),
           'accuracy', p.accuracy,
           'updated_at', p.updated_at
       ) || transit_properties(
           p.nearest_station_id, p.nearest_station_distance_m,
           p.nearest_brt_stop_id, p.nearest_brt_stop_distance_m,
           p.nearest_cycle_superhighway_id, p.nearest_cycle_superhighway_distance_m
       ) AS properties
FROM plots p
JOIN areas a ON a.id = p.area_id
LEFT JOIN LATERAL (
    SELECT jsonb_agg(x.id ORDER BY x.id) AS ids, count(*) AS n, sum(x.floor_area_m2) AS floor_area_m2,
           count(*) FILTER (WHERE d.achieved_level = 'silver') AS silver,
           count(*) FILTER (WHERE d.achieved_level = 'gold') AS gold,
           count(*) FILTER (WHERE d.achieved_level = 'platinum') AS platinum,
           CASE WHEN bool_or(d.achieved_level = 'platinum') THEN 'platinum'
                WHEN bool_or(d.achieved_level = 'gold') THEN 'gold'
                WHEN bool_or(d.achieved_level = 'silver') THEN 'silver' END AS best_level
    FROM buildings x LEFT JOIN dgnb_records d ON d.building_id = x.id
    WHERE x.plot_id = p.id
) AS b ON true;
