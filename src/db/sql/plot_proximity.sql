-- Every station, BRT stop and cycle superhighway within $2 metres of plot $1, nearest first.
-- Straight-line distances from the nearest point of the plot, EPSG:25832.
WITH p AS (SELECT boundary FROM plots WHERE id = $1)
SELECT kind, id, name, line, status, distance_m FROM (
    SELECT 'station' AS kind, s.id, s.name, s.line, NULL::text AS status,
           ST_Distance(s.geom, p.boundary) AS distance_m
    FROM stations s, p WHERE ST_DWithin(s.geom, p.boundary, $2)
    UNION ALL
    SELECT 'brt_stop', s.id, s.name, l.code, l.status, ST_Distance(s.geom, p.boundary)
    FROM brt_stops s JOIN brt_lines l ON l.id = s.line_id, p WHERE ST_DWithin(s.geom, p.boundary, $2)
    UNION ALL
    SELECT 'cycle_superhighway', c.id, c.name, c.route, NULL, ST_Distance(c.geom, p.boundary)
    FROM cycle_superhighways c, p WHERE ST_DWithin(c.geom, p.boundary, $2)
) AS nearby
ORDER BY distance_m, kind, name
