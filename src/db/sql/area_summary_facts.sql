-- The facts an area summary is computed from, in one round trip, aggregated by PostgreSQL so
-- that the answer stays small however many plots the area has: plots and buildings grouped by
-- everything a figure distinguishes (sums of m², homes and jobs per group), and the first
-- `$7` entries, by reference, of each list the summary names. Sums of m² are taken as numeric
-- and the groups sorted, so that the figures do not depend on the order a plan reads the rows
-- in: the live tables and the history give the same answer to the last digit.
--
-- A template, filled in by src/db/analytics.rs: the words in braces name the live tables, or
-- the rows as they stood at $2 rebuilt from the history (`plots_as_of($2)` …). Over the live
-- tables the plots' CTEs are NOT MATERIALIZED, so that their indexes serve; over the history
-- they are MATERIALIZED, so that it is decoded once, and the BRT stops are looked up in `b`.
--
-- $1  area slug                                   $2  as-of timestamptz, or NULL for now
-- $3  BRT stop radius, m (EPSG:25832)             $4  station-near radius, m
-- $5  cycle superhighway radius, m                $6  large-office floor area, m²
-- $7  most entries per list
-- $8  the DGNB combinations 'required/target/achieved' ('-' for none) that break the area rule
-- $9  the combinations 'phase/achieved' that are not (yet) certified
-- $10 the data version the caller already has a summary of, or NULL
--
-- Every number and rule comes from src/domain as a parameter; this file only counts and sums.
-- When $10 equals the current data version nothing but `version` is computed (the CASE
-- branches are not taken, so their sub-plans never run).
WITH v AS (
    SELECT version, $10::bigint IS DISTINCT FROM version AS stale FROM data_version
), a AS (
    SELECT id, slug, name, area_m2, target_dgnb_level, area_certification, development
    FROM areas WHERE slug = $1
), stop AS (
    SELECT s.geom, l.status FROM brt_stops s JOIN brt_lines l ON l.id = s.line_id
), every_plot AS {materialized} (
    -- The plots of every area (the municipality's jobs goal counts them all).
    SELECT id, area_id, reference, land_use, status, plot_area_m2, max_plot_ratio_pct,
           planned_homes, planned_jobs, boundary,
           coalesce(nearest_station_distance_m <= $4, false) AS near_station,
           coalesce(nearest_cycle_superhighway_distance_m <= $5, false) AS near_cycle
    FROM {plots}
), p AS {materialized} (
    SELECT * FROM every_plot WHERE area_id = (SELECT id FROM a)
), brt_plot AS (
    -- Statuses of the BRT lines with a stop within $3 m, per plot: from each of the few stops
    -- into the plots (their spatial index, when live); OFFSET 0 keeps that order.
    SELECT x.id, array_agg(DISTINCT stop.status ORDER BY stop.status) AS statuses
    FROM stop CROSS JOIN LATERAL (
        SELECT p.id FROM p WHERE ST_DWithin(p.boundary, stop.geom, $3) OFFSET 0) AS x
    GROUP BY x.id
), b AS MATERIALIZED (
    SELECT b.id, b.plot_id, b.reference, b.name, b.footprint,
           b.floor_area_residential_m2, b.floor_area_office_m2, b.floor_area_laboratory_m2,
           b.floor_area_retail_m2, b.floor_area_other_m2, b.floor_area_m2,
           b.nearest_station_distance_m, b.fingerplan_exemption_lokalplan,
           coalesce(b.nearest_station_distance_m <= $4, false) AS near_station,
           coalesce(b.nearest_cycle_superhighway_distance_m <= $5, false) AS near_cycle,
           coalesce(d.phase, 'none') AS phase, d.target_level, d.achieved_level, d.issued_on,
           concat_ws('/', coalesce((SELECT target_dgnb_level FROM a), '-'),
                     coalesce(d.target_level, '-'), coalesce(d.achieved_level, '-')) = ANY ($8) AS failing,
           concat_ws('/', coalesce(d.phase, 'none'), coalesce(d.achieved_level, '-')) = ANY ($9) AS uncertified
    FROM {buildings} b JOIN p ON b.plot_id = p.id
    LEFT JOIN {dgnb_records} d ON d.building_id = b.id
), brt_building AS (
    SELECT x.id, array_agg(DISTINCT stop.status ORDER BY stop.status) AS statuses
    FROM stop CROSS JOIN LATERAL (
        SELECT bs.id FROM {buildings_near_stops} bs
        WHERE ST_DWithin(bs.footprint, stop.geom, $3) AND bs.plot_id IN (SELECT id FROM p) OFFSET 0) AS x
    GROUP BY x.id
), ratio AS MATERIALIZED (
    SELECT p.reference, p.plot_area_m2, coalesce(f.floor_area_m2, 0) AS floor_area_m2, p.max_plot_ratio_pct,
           coalesce(f.floor_area_m2, 0) * 100 / nullif(p.plot_area_m2, 0) > p.max_plot_ratio_pct AS over_max
    FROM p LEFT JOIN (SELECT plot_id, sum(floor_area_m2::numeric)::float8 AS floor_area_m2 FROM b GROUP BY plot_id) AS f
        ON f.plot_id = p.id
)
SELECT
    v.version,
    CASE WHEN v.stale THEN (SELECT to_json(a) FROM a) END AS area,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(g), '[]') FROM (
        SELECT status, land_use, near_station, near_cycle, brt AS brt_statuses_nearby, count(*) AS plots,
               sum(plot_area_m2::numeric)::float8 AS plot_area_m2, sum(planned_homes) AS planned_homes,
               sum(planned_jobs) AS planned_jobs
        FROM (SELECT p.*, coalesce(bp.statuses, '{}') AS brt
              FROM p LEFT JOIN brt_plot bp ON bp.id = p.id) AS p
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5) AS g) END AS plot_groups,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(g), '[]') FROM (
        SELECT phase AS dgnb_phase, target_level AS dgnb_target_level, achieved_level AS dgnb_achieved_level,
               near_station, near_cycle, brt AS brt_statuses_nearby, count(*) AS buildings,
               sum(floor_area_residential_m2::numeric)::float8 AS floor_area_residential_m2,
               sum(floor_area_office_m2::numeric)::float8 AS floor_area_office_m2,
               sum(floor_area_laboratory_m2::numeric)::float8 AS floor_area_laboratory_m2,
               sum(floor_area_retail_m2::numeric)::float8 AS floor_area_retail_m2,
               sum(floor_area_other_m2::numeric)::float8 AS floor_area_other_m2
        FROM (SELECT b.*, coalesce(bb.statuses, '{}') AS brt
              FROM b LEFT JOIN brt_building bb ON bb.id = b.id) AS b
        GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6) AS g) END AS building_groups,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(g ORDER BY year), '[]') FROM (
        SELECT extract(year FROM issued_on)::int AS year, count(*) AS count
        FROM b WHERE issued_on IS NOT NULL GROUP BY 1) AS g) END AS certificates_by_year,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(r), '[]') FROM (
        SELECT reference, plot_area_m2, floor_area_m2, max_plot_ratio_pct
        FROM ratio ORDER BY reference COLLATE "C" LIMIT $7) AS r) END AS plot_ratios,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(r), '[]') FROM (
        SELECT reference, plot_area_m2, floor_area_m2, max_plot_ratio_pct
        FROM ratio WHERE over_max ORDER BY reference COLLATE "C" LIMIT $7) AS r) END AS over_max,
    CASE WHEN v.stale THEN (SELECT count(*) FROM ratio WHERE over_max) END AS over_max_count,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(r), '[]') FROM (
        SELECT reference, name, phase AS dgnb_phase, target_level AS dgnb_target_level,
               achieved_level AS dgnb_achieved_level
        FROM b WHERE failing ORDER BY reference COLLATE "C" LIMIT $7) AS r) END AS failing,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(r), '[]') FROM (
        SELECT reference, name, phase AS dgnb_phase, target_level AS dgnb_target_level,
               achieved_level AS dgnb_achieved_level
        FROM b WHERE uncertified ORDER BY reference COLLATE "C" LIMIT $7) AS r) END AS uncertified,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(r), '[]') FROM (
        SELECT reference, name, floor_area_office_m2 AS office_floor_area_m2,
               nearest_station_distance_m, fingerplan_exemption_lokalplan
        FROM b WHERE floor_area_office_m2 > $6 AND NOT near_station
        ORDER BY reference COLLATE "C" LIMIT $7) AS r) END AS large_offices,
    CASE WHEN v.stale THEN (SELECT count(*) FROM b WHERE floor_area_office_m2 > $6 AND NOT near_station)
    END AS large_offices_count,
    -- The Fingerplan's office rule: the large offices beyond the radius without an exemption.
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(r), '[]') FROM (
        SELECT reference, name, floor_area_office_m2 AS office_floor_area_m2,
               nearest_station_distance_m, fingerplan_exemption_lokalplan
        FROM b WHERE floor_area_office_m2 > $6 AND NOT near_station AND fingerplan_exemption_lokalplan IS NULL
        ORDER BY reference COLLATE "C" LIMIT $7) AS r) END AS offices_outside_rule,
    CASE WHEN v.stale THEN (SELECT count(*) FROM b WHERE floor_area_office_m2 > $6 AND NOT near_station
                                                   AND fingerplan_exemption_lokalplan IS NULL)
    END AS offices_outside_rule_count,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(json_build_object(
               'scope', g.scope, 'metric', g.metric, 'target', g.target, 'source', g.source)
               ORDER BY g.scope <> $1, g.metric), '[]')
        FROM goals g WHERE g.scope = $1 OR g.scope = 'municipality') END AS goals,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(j), '[]') FROM (
        SELECT ap.status, ar.development, ap.land_use = 'public_institution' AS public_institution,
               sum(ap.planned_jobs) AS jobs
        FROM every_plot ap JOIN areas ar ON ar.id = ap.area_id
        GROUP BY 1, 2, 3) AS j) END AS municipal_jobs
FROM v
