-- Why a building footprint may not be stored: $1 the footprint (EWKB, EPSG:25832), $2 its
-- plot's id. Outside its plot by more than 1 cm.
SELECT 'outside_plot' AS problem,
       format('the footprint lies %s m² outside its plot %s', round(ST_Area(ST_Difference(ST_GeomFromEWKB($1), p.boundary))::numeric, 2), p.reference) AS message,
       p.reference AS other
FROM plots p
WHERE p.id = $2 AND NOT ST_CoveredBy(ST_GeomFromEWKB($1), ST_Buffer(p.boundary, 0.01))
