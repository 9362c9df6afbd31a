-- One view per published collection, in one shape the HTTP layer serves generically:
--   fid        the feature id (bigint, or the slug for areas), the GeoJSON "id"
--   alt_id     a second key a person types (plot reference, route number), or NULL
--   geom       the geometry in EPSG:25832 (transformed to WGS84 on output)
--   updated_at the last edit
--   properties a jsonb object, flat so that GIS tools show one column per property

-- The transit part of a plot's or building's properties, from its stored nearest-transit columns.
CREATE FUNCTION transit_properties(
    station_id bigint, station_distance_m double precision,
    brt_stop_id bigint, brt_stop_distance_m double precision,
    cycle_superhighway_id bigint, cycle_superhighway_distance_m double precision
) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object(
        'nearest_station', (SELECT name FROM stations WHERE id = station_id),
        'nearest_station_distance_m', round(station_distance_m::numeric, 2),
        'within_600m_of_station', station_distance_m <= 600,
        'nearest_brt_stop', (SELECT name FROM brt_stops WHERE id = brt_stop_id),
        'nearest_brt_stop_distance_m', round(brt_stop_distance_m::numeric, 2),
        'nearest_brt_line', (SELECT l.code FROM brt_stops s JOIN brt_lines l ON l.id = s.line_id WHERE s.id = brt_stop_id),
        'nearest_brt_line_status', (SELECT l.status FROM brt_stops s JOIN brt_lines l ON l.id = s.line_id WHERE s.id = brt_stop_id),
        'nearest_cycle_superhighway', (SELECT route FROM cycle_superhighways WHERE id = cycle_superhighway_id),
        'nearest_cycle_superhighway_distance_m', round(cycle_superhighway_distance_m::numeric, 2),
        'distance_method', 'straight line from the nearest point of the outline, EPSG:25832'
    )
$$;

CREATE VIEW feature_areas AS
SELECT a.slug AS fid, NULL::text AS alt_id, a.boundary AS geom, a.updated_at,
       jsonb_build_object(
           'slug', a.slug,
           'name', a.name,
           'description', a.description,
           'area_m2', round(a.area_m2::numeric, 1),
           'area_ha', round((a.area_m2 / 10000)::numeric, 4),
           'target_dgnb_level', a.target_dgnb_level,
           'area_certification', a.area_certification,
           'plot_count', (SELECT count(*) FROM plots p WHERE p.area_id = a.id),
           'building_count', (SELECT count(*) FROM buildings b JOIN plots p ON p.id = b.plot_id WHERE p.area_id = a.id),
           'accuracy', a.accuracy,
           'source', a.source,
           'updated_at', a.updated_at
       ) AS properties
FROM areas a;

CREATE VIEW feature_plots AS
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
    SELECT jsonb_agg(x.id ORDER BY x.id) AS ids, count(*) AS n, sum(x.floor_area_m2) AS floor_area_m2
    FROM buildings x WHERE x.plot_id = p.id
) AS b ON true;

CREATE VIEW feature_buildings AS
SELECT b.id AS fid, b.reference AS alt_id, b.footprint AS geom, b.updated_at,
       jsonb_build_object(
           'reference', b.reference,
           'name', b.name,
           'plot', p.reference,
           'plot_id', p.id,
           'area', a.slug,
           'bbr_id', b.bbr_id,
           'storeys', b.storeys,
           'footprint_area_m2', round(b.footprint_area_m2::numeric, 1),
           'floor_area_m2', b.floor_area_m2,
           'floor_area_residential_m2', b.floor_area_residential_m2,
           'floor_area_office_m2', b.floor_area_office_m2,
           'floor_area_laboratory_m2', b.floor_area_laboratory_m2,
           'floor_area_retail_m2', b.floor_area_retail_m2,
           'floor_area_other_m2', b.floor_area_other_m2,
           'construction_status', b.construction_status,
           'dgnb_scheme', d.scheme,
           'dgnb_manual_version', d.manual_version,
           'dgnb_phase', coalesce(d.phase, 'none'),
           'dgnb_target_level', d.target_level,
           'dgnb_achieved_level', d.achieved_level,
           'dgnb_total_score_pct', d.total_score_pct,
           'dgnb_certificate_id', d.certificate_id,
           'dgnb_issued_on', d.issued_on,
           'dgnb_valid_until', d.valid_until,
           'accuracy', b.accuracy,
           'updated_at', b.updated_at
       ) || transit_properties(
           b.nearest_station_id, b.nearest_station_distance_m,
           b.nearest_brt_stop_id, b.nearest_brt_stop_distance_m,
           b.nearest_cycle_superhighway_id, b.nearest_cycle_superhighway_distance_m
       ) AS properties
FROM buildings b
JOIN plots p ON p.id = b.plot_id
JOIN areas a ON a.id = p.area_id
LEFT JOIN dgnb_records d ON d.building_id = b.id;

CREATE VIEW feature_stations AS
SELECT s.id AS fid, s.name AS alt_id, s.geom, s.updated_at,
       jsonb_build_object(
           'name', s.name,
           'rejseplanen_id', s.rejseplanen_id,
           'line', s.line,
           'accuracy', s.accuracy,
           'source', s.source,
           'updated_at', s.updated_at
       ) AS properties
FROM stations s;

CREATE VIEW feature_brt_lines AS
SELECT l.id AS fid, l.code AS alt_id, l.geom, l.updated_at,
       jsonb_build_object(
           'code', l.code,
           'name', l.name,
           'status', l.status,
           'description', l.description,
           'length_m', round(ST_Length(l.geom)::numeric, 1),
           'stops', coalesce((SELECT jsonb_agg(s.name ORDER BY ST_LineLocatePoint(l.geom, s.geom))
                              FROM brt_stops s WHERE s.line_id = l.id), '[]'::jsonb),
           'accuracy', l.accuracy,
           'source', l.source,
           'updated_at', l.updated_at
       ) AS properties
FROM brt_lines l;

CREATE VIEW feature_brt_stops AS
SELECT s.id AS fid, NULL::text AS alt_id, s.geom, s.updated_at,
       jsonb_build_object(
           'name', s.name,
           'line', l.code,
           'line_name', l.name,
           'line_status', l.status,
           'accuracy', s.accuracy,
           'updated_at', s.updated_at
       ) AS properties
FROM brt_stops s
JOIN brt_lines l ON l.id = s.line_id;

CREATE VIEW feature_cycle_superhighways AS
SELECT c.id AS fid, c.route AS alt_id, c.geom, c.updated_at,
       jsonb_build_object(
           'route', c.route,
           'name', c.name,
           'opened', c.opened,
           'length_m', round(ST_Length(c.geom)::numeric, 1),
           'accuracy', c.accuracy,
           'source', c.source,
           'updated_at', c.updated_at
       ) AS properties
FROM cycle_superhighways c;
