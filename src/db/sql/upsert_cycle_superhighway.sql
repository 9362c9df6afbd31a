-- $1: the feature's properties (jsonb), $2: its geometry as WKB in EPSG:25832.
INSERT INTO cycle_superhighways (route, name, opened, geom, accuracy, source)
SELECT r.route, r.name, r.opened, ST_SetSRID(ST_GeomFromWKB($2), 25832), r.accuracy, r.source
FROM jsonb_to_record($1) AS r (route text, name text, opened text, accuracy text, source text)
ON CONFLICT (route) DO UPDATE SET
    name = EXCLUDED.name,
    opened = EXCLUDED.opened,
    geom = EXCLUDED.geom,
    accuracy = EXCLUDED.accuracy,
    source = EXCLUDED.source
RETURNING (xmax = 0) AS inserted
