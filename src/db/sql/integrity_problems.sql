-- Rules that span features, checked after an import inside its transaction: each row is one
-- problem, with the feature it concerns. Coordinates carry about 1 cm of rounding (7 decimals
-- of a degree in GeoJSON), so each rule allows 0.01 m (EPSG:25832 metres) of it: plots overlap
-- when one reaches more than 1 cm into the other, and lie outside when they stick out more
-- than 1 cm.
SELECT 'plots' AS layer, a.reference AS feature,
       format('overlaps plot %s by %s m²', b.reference,
              round(ST_Area(ST_Intersection(a.boundary, b.boundary))::numeric, 2)) AS problem
FROM plots a
JOIN plots b ON a.id < b.id AND a.boundary && b.boundary
WHERE ST_Intersects(ST_Buffer(a.boundary, -0.01), b.boundary)
UNION ALL
SELECT 'plots', p.reference,
       format('lies %s m² outside its area %s', round(ST_Area(ST_Difference(p.boundary, a.boundary))::numeric, 2), a.slug)
FROM plots p JOIN areas a ON a.id = p.area_id
WHERE NOT ST_CoveredBy(p.boundary, ST_Buffer(a.boundary, 0.01))
UNION ALL
SELECT 'buildings', b.reference,
       format('lies %s m² outside its plot %s', round(ST_Area(ST_Difference(b.footprint, p.boundary))::numeric, 2), p.reference)
FROM buildings b JOIN plots p ON p.id = b.plot_id
WHERE NOT ST_CoveredBy(b.footprint, ST_Buffer(p.boundary, 0.01))
ORDER BY 1, 2, 3
