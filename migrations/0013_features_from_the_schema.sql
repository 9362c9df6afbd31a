-- The published features are read through SQL that plotline generates from each collection's
-- one description (src/schema/), so the views that listed the properties a second, third and
-- fourth time (0005, 0009, 0010, 0012) go, with the function that wrote the transit part.
DROP VIEW feature_plots_internal;
DROP VIEW typed_plots;
DROP VIEW typed_buildings;
DROP VIEW feature_plots;
DROP VIEW feature_buildings;
DROP VIEW feature_areas;
DROP VIEW feature_stations;
DROP VIEW feature_brt_lines;
DROP VIEW feature_brt_stops;
DROP VIEW feature_cycle_superhighways;
DROP FUNCTION transit_properties(bigint, double precision, bigint, double precision, bigint, double precision);

-- The station-near flag is derived from the distance with the radius of src/domain/transit.rs
-- where it is read; the stored copies with their own literal go.
ALTER TABLE plots DROP COLUMN within_600m_of_station;
ALTER TABLE buildings DROP COLUMN within_600m_of_station;
