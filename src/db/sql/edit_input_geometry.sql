-- A geometry sent by a client: $1 GeoJSON geometry text (x/y order), $2 its SRID.
-- Returns it in EPSG:25832 as EWKB, whether it is valid, and if not why and where (CRS84).
WITH g AS (SELECT ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($1), $2), 25832) AS geom)
SELECT ST_AsEWKB(geom) AS ewkb,
       ST_IsValid(geom) AS valid,
       (ST_IsValidDetail(geom)).reason AS reason,
       ST_X(ST_Transform(ST_SetSRID((ST_IsValidDetail(geom)).location, 25832), 4326)) AS lon,
       ST_Y(ST_Transform(ST_SetSRID((ST_IsValidDetail(geom)).location, 25832), 4326)) AS lat
FROM g
