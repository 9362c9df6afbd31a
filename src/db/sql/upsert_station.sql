-- $1: the feature's properties (jsonb), $2: its geometry as WKB in EPSG:25832.
INSERT INTO stations (name, rejseplanen_id, line, geom, accuracy, source)
SELECT r.name, r.rejseplanen_id, r.line, ST_SetSRID(ST_GeomFromWKB($2), 25832), r.accuracy, r.source
FROM jsonb_to_record($1) AS r (name text, rejseplanen_id integer, line text, accuracy text, source text)
ON CONFLICT (name) DO UPDATE SET
    rejseplanen_id = EXCLUDED.rejseplanen_id,
    line = EXCLUDED.line,
    geom = EXCLUDED.geom,
    accuracy = EXCLUDED.accuracy,
    source = EXCLUDED.source
RETURNING (xmax = 0) AS inserted
