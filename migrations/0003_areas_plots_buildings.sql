-- The development areas, their plots and buildings, and the buildings' DGNB records.
-- Geometry in EPSG:25832: ST_Area gives m², /10 000 gives ha.

CREATE TABLE areas (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug               text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name               text NOT NULL CHECK (name <> ''),
    description        text NOT NULL DEFAULT '',
    boundary           geometry(MultiPolygon, 25832) NOT NULL
                       CHECK (ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary)),
    area_m2            double precision GENERATED ALWAYS AS (ST_Area(boundary)) STORED,
    -- The least DGNB level every building in the area must reach (Kildedal: gold).
    target_dgnb_level  text CHECK (target_dgnb_level IN ('silver', 'gold', 'platinum')),
    -- DGNB urban-area (byområde) certification of the area as a whole.
    area_certification text NOT NULL DEFAULT 'none'
                       CHECK (area_certification IN ('none', 'considered', 'plan_certificate', 'mid_term', 'final')),
    accuracy           text,
    source             text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX areas_boundary_gist ON areas USING gist (boundary);

CREATE TABLE plots (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference           text NOT NULL UNIQUE CHECK (reference <> ''),
    area_id             bigint NOT NULL REFERENCES areas (id),
    boundary            geometry(Polygon, 25832) NOT NULL
                        CHECK (ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary)),
    plot_area_m2        double precision GENERATED ALWAYS AS (ST_Area(boundary)) STORED,
    land_use            text NOT NULL CHECK (land_use IN (
                            'residential', 'office', 'life_science', 'production', 'retail_service',
                            'mixed', 'public_institution', 'green_recreational', 'infrastructure')),
    status              text NOT NULL DEFAULT 'planned' CHECK (status IN (
                            'planned', 'available', 'reserved', 'sold', 'under_construction', 'built', 'withdrawn')),
    -- Bebyggelsesprocent allowed by the lokalplan: gross floor area × 100 / plot area.
    max_plot_ratio_pct  double precision CHECK (max_plot_ratio_pct >= 0),
    max_height_m        double precision CHECK (max_height_m > 0),
    lokalplan           text,
    matrikelnummer      text,
    ejerlav             text,
    planned_homes       integer NOT NULL DEFAULT 0 CHECK (planned_homes >= 0),
    planned_jobs        integer NOT NULL DEFAULT 0 CHECK (planned_jobs >= 0),
    accuracy            text,
    -- Derived by the proximity trigger (0004); straight-line distances in metres, EPSG:25832.
    nearest_station_id                    bigint REFERENCES stations (id) ON DELETE SET NULL,
    nearest_station_distance_m            double precision,
    nearest_brt_stop_id                   bigint REFERENCES brt_stops (id) ON DELETE SET NULL,
    nearest_brt_stop_distance_m           double precision,
    nearest_cycle_superhighway_id         bigint REFERENCES cycle_superhighways (id) ON DELETE SET NULL,
    nearest_cycle_superhighway_distance_m double precision,
    within_600m_of_station                boolean GENERATED ALWAYS AS (nearest_station_distance_m <= 600) STORED,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plots_boundary_gist ON plots USING gist (boundary);
CREATE INDEX plots_area_id ON plots (area_id);

CREATE TABLE buildings (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference                 text NOT NULL UNIQUE CHECK (reference <> ''),
    plot_id                   bigint NOT NULL REFERENCES plots (id),
    name                      text NOT NULL,
    footprint                 geometry(Polygon, 25832) NOT NULL
                              CHECK (ST_IsValid(footprint) AND NOT ST_IsEmpty(footprint)),
    footprint_area_m2         double precision GENERATED ALWAYS AS (ST_Area(footprint)) STORED,
    -- BBR (the national building register) id_lokalId, where the building is registered.
    bbr_id                    uuid UNIQUE,
    storeys                   integer CHECK (storeys BETWEEN 1 AND 100),
    floor_area_residential_m2 double precision NOT NULL DEFAULT 0 CHECK (floor_area_residential_m2 >= 0),
    floor_area_office_m2      double precision NOT NULL DEFAULT 0 CHECK (floor_area_office_m2 >= 0),
    floor_area_laboratory_m2  double precision NOT NULL DEFAULT 0 CHECK (floor_area_laboratory_m2 >= 0),
    floor_area_retail_m2      double precision NOT NULL DEFAULT 0 CHECK (floor_area_retail_m2 >= 0),
    floor_area_other_m2       double precision NOT NULL DEFAULT 0 CHECK (floor_area_other_m2 >= 0),
    floor_area_m2             double precision GENERATED ALWAYS AS (
                                  floor_area_residential_m2 + floor_area_office_m2 + floor_area_laboratory_m2
                                  + floor_area_retail_m2 + floor_area_other_m2) STORED,
    construction_status       text NOT NULL DEFAULT 'projected'
                              CHECK (construction_status IN ('projected', 'under_construction', 'completed')),
    accuracy                  text,
    nearest_station_id                    bigint REFERENCES stations (id) ON DELETE SET NULL,
    nearest_station_distance_m            double precision,
    nearest_brt_stop_id                   bigint REFERENCES brt_stops (id) ON DELETE SET NULL,
    nearest_brt_stop_distance_m           double precision,
    nearest_cycle_superhighway_id         bigint REFERENCES cycle_superhighways (id) ON DELETE SET NULL,
    nearest_cycle_superhighway_distance_m double precision,
    within_600m_of_station                boolean GENERATED ALWAYS AS (nearest_station_distance_m <= 600) STORED,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX buildings_footprint_gist ON buildings USING gist (footprint);
CREATE INDEX buildings_plot_id ON buildings (plot_id);

-- A building's current DGNB record (none while it has not entered certification).
CREATE TABLE dgnb_records (
    building_id     bigint PRIMARY KEY REFERENCES buildings (id) ON DELETE CASCADE,
    scheme          text CHECK (scheme IN ('new_construction', 'renovation', 'in_use')),
    manual_version  text,
    phase           text NOT NULL DEFAULT 'none'
                    CHECK (phase IN ('none', 'pre_certificate', 'certificate', 'in_use')),
    target_level    text CHECK (target_level IN ('silver', 'gold', 'platinum')),
    achieved_level  text CHECK (achieved_level IN ('silver', 'gold', 'platinum')),
    total_score_pct double precision CHECK (total_score_pct BETWEEN 0 AND 100),
    certificate_id  text,
    issued_on       date,
    valid_until     date CHECK (valid_until >= issued_on),
    auditor         text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (phase <> 'none' OR (achieved_level IS NULL AND certificate_id IS NULL))
);

CREATE TRIGGER areas_updated_at BEFORE UPDATE ON areas
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER plots_updated_at BEFORE UPDATE ON plots
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER buildings_updated_at BEFORE UPDATE ON buildings
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER dgnb_records_updated_at BEFORE UPDATE ON dgnb_records
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION set_updated_at();
