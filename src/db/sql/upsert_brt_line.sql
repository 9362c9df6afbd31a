-- $1: the feature's properties (jsonb), $2: its geometry as WKB in EPSG:25832.
INSERT INTO brt_lines (code, name, status, description, geom, accuracy, source)
SELECT r.code, r.name, r.status, r.description, ST_SetSRID(ST_GeomFromWKB($2), 25832), r.accuracy, r.source
FROM jsonb_to_record($1) AS r (code text, name text, status text, description text, accuracy text, source text)
ON CONFLICT (code) DO UPDATE SET
    name = EXCLUDED.name,
    status = EXCLUDED.status,
    description = EXCLUDED.description,
    geom = EXCLUDED.geom,
    accuracy = EXCLUDED.accuracy,
    source = EXCLUDED.source
RETURNING (xmax = 0) AS inserted
