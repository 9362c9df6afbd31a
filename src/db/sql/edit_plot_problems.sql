-- Why a plot outline may not be stored: $1 the outline (EWKB, EPSG:25832), $2 its area's id,
-- $3 the plot's own id (NULL for a new plot). Outside its area by more than 1 cm, reaching
-- more than 1 cm into another plot, or leaving one of its buildings outside by more than 1 cm.
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
UNION ALL
SELECT 'building_outside',
       format('the outline leaves building %s outside (%s m² of its footprint)', b.reference, round(ST_Area(ST_Difference(b.footprint, ST_GeomFromEWKB($1)))::numeric, 2)),
       b.reference
FROM buildings b
WHERE b.plot_id = $3
  AND NOT ST_CoveredBy(b.footprint, ST_Buffer(ST_GeomFromEWKB($1), 0.01))
ORDER BY 1, 3
