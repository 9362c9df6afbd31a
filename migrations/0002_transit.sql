-- The transit network: S-train stations, BRT lines and stops, cycle superhighways.
-- All geometry in EPSG:25832 (ETRS89 / UTM 32N), so distances are in metres.

CREATE TABLE stations (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL UNIQUE CHECK (name <> ''),
    rejseplanen_id integer UNIQUE,
    line           text,
    geom           geometry(Point, 25832) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    accuracy       text,
    source         text,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stations_geom_gist ON stations USING gist (geom);

CREATE TABLE brt_lines (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code <> ''),
    name        text NOT NULL,
    -- Bus Rapid Transit plans are not decided: every distance to BRT says which status it measured.
    status      text NOT NULL CHECK (status IN ('study', 'planned', 'decided', 'in_service')),
    description text,
    geom        geometry(LineString, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    accuracy    text,
    source      text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX brt_lines_geom_gist ON brt_lines USING gist (geom);

CREATE TABLE brt_stops (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    line_id    bigint NOT NULL REFERENCES brt_lines (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (name <> ''),
    geom       geometry(Point, 25832) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    accuracy   text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (line_id, name)
);
CREATE INDEX brt_stops_geom_gist ON brt_stops USING gist (geom);
CREATE INDEX brt_stops_line_id ON brt_stops (line_id);

CREATE TABLE cycle_superhighways (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    route      text NOT NULL UNIQUE CHECK (route ~ '^C[0-9]+$'),
    name       text NOT NULL,
    opened     text,
    geom       geometry(LineString, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    accuracy   text,
    source     text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cycle_superhighways_geom_gist ON cycle_superhighways USING gist (geom);

CREATE TRIGGER stations_updated_at BEFORE UPDATE ON stations
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER brt_lines_updated_at BEFORE UPDATE ON brt_lines
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER brt_stops_updated_at BEFORE UPDATE ON brt_stops
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER cycle_superhighways_updated_at BEFORE UPDATE ON cycle_superhighways
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION set_updated_at();
