-- Why a plot outline may not be stored: $1 the outline (EWKB, EPSG:25832), $2 its area's id,
-- $3 the plot's own id (NULL for a new plot). Outside its area by more than 1 cm, or reaching
-- more than 1 cm into another plot.
SELECT 'outside_area' AS problem,
       format('the outline lies %s m² outside the area %s', round(ST_Area(ST_Difference(ST_GeomFromEWKB($1), a.boundary))::numeric, 2), a.slug) AS message,
       NULL::text AS other
FROM areas a
WHERE a.id = $2 AND NOT ST_CoveredBy(ST_GeomFromEWKB($1), ST_Buffer(a.boundary, 0.01))
UNION ALL
SELECT 'overlap',
       format('the outline overlaps plot %s by %s m²', p.reference, round(ST_Area(ST_Intersection(ST_GeomFromEWKB($1), p.boundary))::numeric, 2)),
       p.reference
FROM plots p
WHERE p.id IS DISTINCT FROM $3
  AND p.boundary && ST_GeomFromEWKB($1)
  AND ST_Intersects(ST_Buffer(ST_GeomFromEWKB($1), -0.01), p.boundary)
ORDER BY 1, 3
