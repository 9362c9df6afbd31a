-- $1: the feature's properties (jsonb), $2: its geometry as WKB in EPSG:25832.
-- No row comes back when the stop's `line` names no BRT line.
INSERT INTO brt_stops (line_id, name, geom, accuracy)
SELECT l.id, r.name, ST_SetSRID(ST_GeomFromWKB($2), 25832), r.accuracy
FROM jsonb_to_record($1) AS r (name text, line text, accuracy text)
JOIN brt_lines l ON l.code = r.line
ON CONFLICT (line_id, name) DO UPDATE SET
    geom = EXCLUDED.geom,
    accuracy = EXCLUDED.accuracy
RETURNING (xmax = 0) AS inserted
