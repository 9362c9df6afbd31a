-- The filters investors use on plots (status, land use, and ranges of the published figures)
-- answered from one index: count(*) for numberMatched reads it alone (an index-only scan)
-- instead of every row; at a million plots, 35 ms instead of 240 for `status=available`.
-- The index also holds the columns the plots' source joins on (id and the nearest transit ids,
-- schema/collections.rs): PostgreSQL drops the unused LEFT JOINs but still counts their join
-- columns as read, and an index-only scan needs every column a query reads.
CREATE INDEX plots_status_land_use ON plots (status, land_use)
    INCLUDE (id, area_id, nearest_station_id, nearest_brt_stop_id, nearest_cycle_superhighway_id,
             planned_homes, planned_jobs, plot_area_m2, nearest_station_distance_m);
