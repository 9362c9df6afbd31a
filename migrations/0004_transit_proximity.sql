-- Distances from plots and buildings to the nearest transit, computed by PostGIS in EPSG:25832
-- (straight-line metres from the nearest point of the outline; 0 where it touches or contains)
-- and kept up to date by triggers: on every write of a plot or building, and for all of them
-- whenever the transit network changes.

CREATE TYPE transit_proximity AS (
    station_id                    bigint,
    station_distance_m            double precision,
    brt_stop_id                   bigint,
    brt_stop_distance_m           double precision,
    cycle_superhighway_id         bigint,
    cycle_superhighway_distance_m double precision
);

-- `<->` is index-assisted and orders by true distance (PostGIS >= 2.2); ties go to the lowest id.
CREATE FUNCTION transit_proximity(g geometry) RETURNS transit_proximity
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s.id, s.distance_m, b.id, b.distance_m, c.id, c.distance_m
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
        SELECT id, ST_Distance(geom, g) AS distance_m FROM stations ORDER BY geom <-> g, id LIMIT 1
    ) AS s ON true
    LEFT JOIN LATERAL (
        SELECT id, ST_Distance(geom, g) AS distance_m FROM brt_stops ORDER BY geom <-> g, id LIMIT 1
    ) AS b ON true
    LEFT JOIN LATERAL (
        SELECT id, ST_Distance(geom, g) AS distance_m FROM cycle_superhighways ORDER BY geom <-> g, id LIMIT 1
    ) AS c ON true
$$;

CREATE FUNCTION plots_set_transit_proximity() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    p transit_proximity := transit_proximity(NEW.boundary);
BEGIN
    NEW.nearest_station_id := p.station_id;
    NEW.nearest_station_distance_m := p.station_distance_m;
    NEW.nearest_brt_stop_id := p.brt_stop_id;
    NEW.nearest_brt_stop_distance_m := p.brt_stop_distance_m;
    NEW.nearest_cycle_superhighway_id := p.cycle_superhighway_id;
    NEW.nearest_cycle_superhighway_distance_m := p.cycle_superhighway_distance_m;
    RETURN NEW;
END
$$;

CREATE FUNCTION buildings_set_transit_proximity() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    p transit_proximity := transit_proximity(NEW.footprint);
BEGIN
    NEW.nearest_station_id := p.station_id;
    NEW.nearest_station_distance_m := p.station_distance_m;
    NEW.nearest_brt_stop_id := p.brt_stop_id;
    NEW.nearest_brt_stop_distance_m := p.brt_stop_distance_m;
    NEW.nearest_cycle_superhighway_id := p.cycle_superhighway_id;
    NEW.nearest_cycle_superhighway_distance_m := p.cycle_superhighway_distance_m;
    RETURN NEW;
END
$$;

-- Every insert and update recomputes, so a client can never store a stale or invented distance.
CREATE TRIGGER plots_transit_proximity BEFORE INSERT OR UPDATE ON plots
    FOR EACH ROW EXECUTE FUNCTION plots_set_transit_proximity();
CREATE TRIGGER buildings_transit_proximity BEFORE INSERT OR UPDATE ON buildings
    FOR EACH ROW EXECUTE FUNCTION buildings_set_transit_proximity();

-- A change to the network moves the nearest transit of any plot: recompute them all through the
-- row triggers above. These updates run at trigger depth 1, so updated_at keeps the last edit.
CREATE FUNCTION refresh_transit_proximity() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE plots SET boundary = boundary;
    UPDATE buildings SET footprint = footprint;
    RETURN NULL;
END
$$;

CREATE TRIGGER stations_refresh_proximity AFTER INSERT OR UPDATE OR DELETE ON stations
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_transit_proximity();
CREATE TRIGGER brt_stops_refresh_proximity AFTER INSERT OR UPDATE OR DELETE ON brt_stops
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_transit_proximity();
CREATE TRIGGER cycle_superhighways_refresh_proximity AFTER INSERT OR UPDATE OR DELETE ON cycle_superhighways
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_transit_proximity();
