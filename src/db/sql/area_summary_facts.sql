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
-- Companies are present on the day of $2 (today when NULL, UTC); the goals' periods are
-- evaluated in src/domain/goals.rs from their rows.
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
           planned_homes, planned_jobs, stage, target_year, boundary,
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
           b.nearest_station_distance_m, b.completed_on, b.fingerplan_exemption_lokalplan,
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
), co AS MATERIALIZED (
    -- The companies of every area (the municipality's goals count them all), with what the
    -- goals' rule reads; the job figures are the planners' (public in aggregate only).
    SELECT c.cluster, c.ownership, ar.slug AS area, ar.id AS area_id, coalesce(ci.jobs, 0) AS jobs,
           -- Companies whose own job figure is not published: no aggregate may rest on one or two.
           (coalesce(ci.jobs, 0) > 0 AND c.jobs_published IS DISTINCT FROM ci.jobs)::int AS private,
           c.floor_area_m2, c.moved_in, c.moved_out, cb.completed_on AS building_completed_on,
           (c.moved_in IS NULL OR c.moved_in <= (coalesce($2, now()) AT TIME ZONE 'UTC')::date)
           AND (c.moved_out IS NULL OR c.moved_out > (coalesce($2, now()) AT TIME ZONE 'UTC')::date) AS present
    FROM {companies} c
    JOIN {buildings} cb ON cb.id = c.building_id
    JOIN every_plot cp ON cp.id = cb.plot_id
    JOIN areas ar ON ar.id = cp.area_id
    LEFT JOIN {company_internal} ci ON ci.company_id = c.id
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
               'id', g.id, 'scope', g.scope, 'metric', g.metric, 'target', g.target, 'source', g.source,
               'title', g.title, 'period_start', g.period_start, 'period_end', g.period_end,
               'accuracy', g.accuracy)
               ORDER BY g.scope <> $1, g.metric, g.period_start NULLS FIRST), '[]')
        FROM goals g WHERE g.scope = $1 OR g.scope = 'municipality') END AS goals,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(c ORDER BY c.area, c.cluster, c.ownership, c.moved_in,
                                                       c.moved_out, c.building_completed_on), '[]') FROM (
        SELECT cluster, ownership, area, moved_in, moved_out, building_completed_on, sum(jobs) AS jobs,
               sum(private) AS private
        FROM co GROUP BY 1, 2, 3, 4, 5, 6) AS c) END AS companies,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(c ORDER BY c.cluster), '[]') FROM (
        SELECT cluster, count(*) AS companies, sum(jobs) AS jobs, sum(private) AS private,
               coalesce(sum(floor_area_m2::numeric), 0)::float8 AS floor_area_m2
        FROM co WHERE present AND area_id = (SELECT id FROM a) GROUP BY 1) AS c) END AS clusters,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(y ORDER BY y.year), '[]') FROM (
        -- Plots of a stage by target year, and those built by the year their last building was
        -- completed.
        SELECT coalesce(pl.year, de.year) AS year, coalesce(pl.homes, 0) AS planned_homes,
               coalesce(pl.jobs, 0) AS planned_jobs, coalesce(de.homes, 0) AS delivered_homes,
               coalesce(de.jobs, 0) AS delivered_jobs
        FROM (SELECT target_year AS year, sum(planned_homes) AS homes, sum(planned_jobs) AS jobs
              FROM p WHERE target_year IS NOT NULL AND status <> 'withdrawn' GROUP BY 1) AS pl
        FULL JOIN (SELECT extract(year FROM done.last)::int AS year, sum(p.planned_homes) AS homes,
                          sum(p.planned_jobs) AS jobs
                   FROM p JOIN (SELECT plot_id, max(completed_on) AS last FROM b GROUP BY 1) AS done
                        ON done.plot_id = p.id
                   WHERE p.status = 'built' AND p.target_year IS NOT NULL AND done.last IS NOT NULL
                   GROUP BY 1) AS de ON de.year = pl.year) AS y) END AS targets_by_year,
    CASE WHEN v.stale THEN (SELECT coalesce(json_agg(s ORDER BY s.first_year, s.stage), '[]') FROM (
        SELECT stage, count(*) AS plots, sum(planned_homes) AS planned_homes, sum(planned_jobs) AS planned_jobs,
               count(*) FILTER (WHERE status = 'built') AS built_plots, min(target_year) AS first_year,
               max(target_year) AS last_year
        FROM p WHERE stage IS NOT NULL AND status <> 'withdrawn' GROUP BY 1) AS s) END AS stages
FROM v
