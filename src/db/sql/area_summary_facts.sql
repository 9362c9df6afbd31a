-- The facts an area summary is computed from, in one round trip: the area, its plots and
-- buildings (as they stood at $2, or now when $2 is NULL), the goals, and the jobs of every
-- area by status for the municipality's goal.
-- $1: area slug; $2: as-of timestamptz or NULL; $3: BRT stop radius in metres (EPSG:25832).
-- Plots and buildings come as arrays, not objects (three times cheaper to build): their order
-- is the field order of PlotFacts and BuildingFacts in src/domain/summary.rs.
WITH a AS (
    SELECT id, slug, name, area_m2, target_dgnb_level, area_certification, development
    FROM areas WHERE slug = $1
), p AS (
    SELECT p.* FROM plots_as_of($2) p JOIN a ON p.area_id = a.id
), b AS (
    SELECT b.* FROM buildings_as_of($2) b JOIN p ON b.plot_id = p.id
), d AS (
    SELECT d.* FROM dgnb_records_as_of($2) d JOIN b ON d.building_id = b.id
), floor_by_plot AS (
    SELECT plot_id, sum(floor_area_m2) AS floor_area_m2 FROM b GROUP BY plot_id
)
SELECT
    (SELECT to_json(a) FROM a) AS area,
    coalesce((
        SELECT json_agg(json_build_array(
                   p.reference,
                   p.land_use,
                   p.status,
                   p.plot_area_m2,
                   p.max_plot_ratio_pct,
                   p.planned_homes,
                   p.planned_jobs,
                   coalesce(f.floor_area_m2, 0),
                   p.nearest_station_distance_m,
                   p.nearest_cycle_superhighway_distance_m,
                   (
                       SELECT coalesce(json_agg(DISTINCT l.status), '[]'::json)
                       FROM brt_stops s JOIN brt_lines l ON l.id = s.line_id
                       WHERE ST_DWithin(s.geom, p.boundary, $3))
               ) ORDER BY p.reference)
        FROM p LEFT JOIN floor_by_plot f ON f.plot_id = p.id
    ), '[]'::json) AS plots,
    coalesce((
        SELECT json_agg(json_build_array(
                   b.reference,
                   b.name,
                   b.construction_status,
                   b.floor_area_residential_m2,
                   b.floor_area_office_m2,
                   b.floor_area_laboratory_m2,
                   b.floor_area_retail_m2,
                   b.floor_area_other_m2,
                   b.nearest_station_distance_m,
                   b.nearest_cycle_superhighway_distance_m,
                   (
                       SELECT coalesce(json_agg(DISTINCT l.status), '[]'::json)
                       FROM brt_stops s JOIN brt_lines l ON l.id = s.line_id
                       WHERE ST_DWithin(s.geom, b.footprint, $3)),
                   coalesce(d.phase, 'none'),
                   d.target_level,
                   d.achieved_level,
                   d.total_score_pct,
                   d.issued_on
               ) ORDER BY b.reference)
        FROM b LEFT JOIN d ON d.building_id = b.id
    ), '[]'::json) AS buildings,
    coalesce((
        SELECT json_agg(json_build_object('scope', g.scope, 'metric', g.metric, 'target', g.target,
                                            'source', g.source) ORDER BY g.scope <> $1, g.metric)
        FROM goals g WHERE g.scope = $1 OR g.scope = 'municipality'
    ), '[]'::json) AS goals,
    coalesce((
        SELECT json_agg(json_build_object('status', j.status, 'development', j.development,
                                            'public_institution', j.public_institution, 'jobs', j.jobs))
        FROM (
            SELECT ap.status, ar.development, ap.land_use = 'public_institution' AS public_institution,
                   sum(ap.planned_jobs) AS jobs
            FROM plots_as_of($2) ap JOIN areas ar ON ar.id = ap.area_id
            GROUP BY 1, 2, 3
        ) AS j
    ), '[]'::json) AS municipal_jobs
