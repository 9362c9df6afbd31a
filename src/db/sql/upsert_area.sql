-- $1: the feature's properties (jsonb), $2: its geometry as WKB in EPSG:25832.
-- A Polygon boundary is stored as a one-part MultiPolygon.
INSERT INTO areas (slug, name, description, boundary, target_dgnb_level, area_certification, development,
                   accuracy, source)
SELECT r.slug, r.name, coalesce(r.description, ''), ST_Multi(ST_SetSRID(ST_GeomFromWKB($2), 25832)),
       r.target_dgnb_level, coalesce(r.area_certification, 'none'), coalesce(r.development, 'new_town'),
       r.accuracy, r.source
FROM jsonb_to_record($1) AS r (
    slug text, name text, description text, target_dgnb_level text, area_certification text,
    development text, accuracy text, source text)
ON CONFLICT (slug) DO UPDATE SET
    name = EXCLUDED.name,
    description = EXCLUDED.description,
    boundary = EXCLUDED.boundary,
    target_dgnb_level = EXCLUDED.target_dgnb_level,
    area_certification = EXCLUDED.area_certification,
    development = EXCLUDED.development,
    accuracy = EXCLUDED.accuracy,
    source = EXCLUDED.source
RETURNING (xmax = 0) AS inserted
