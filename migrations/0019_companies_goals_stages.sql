-- Issue #14: companies (occupiers) and their jobs, goals with a period, stages and target years.
--
-- A company's feature is its premises in one building, as the CVR register's production units
-- (P-enheder) are: a company in two buildings has two features with the same CVR number. Its
-- point is its building's (ST_PointOnSurface of the footprint), kept by the triggers below.

-- The CVR number's check: eight digits whose weighted sum (weights 2 7 6 5 4 3 2 1) is a
-- multiple of 11 (the Central Business Register's modulus-11 rule).
CREATE FUNCTION cvr_is_valid(cvr text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT cvr ~ '^[1-9][0-9]{7}$'
       AND (SELECT sum(substr(cvr, i, 1)::int * (ARRAY[2, 7, 6, 5, 4, 3, 2, 1])[i])
            FROM generate_series(1, 8) AS i) % 11 = 0;
$$;

CREATE TABLE companies (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference      text NOT NULL UNIQUE CHECK (reference ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
    name           text NOT NULL CHECK (name <> ''),
    cvr            text NOT NULL CHECK (cvr_is_valid(cvr)),
    -- The production unit (P-nummer, 10 digits), where known.
    p_number       text CHECK (p_number ~ '^[0-9]{10}$'),
    cluster        text NOT NULL CHECK (cluster IN ('it_technology', 'life_science', 'finance_fintech', 'other')),
    sub_sector     text,
    ownership      text NOT NULL CHECK (ownership IN ('private', 'public')),
    building_id    bigint NOT NULL REFERENCES buildings (id),
    floor_area_m2  double precision CHECK (floor_area_m2 >= 0),
    -- Jobs on site are public in aggregate only (shared/domain.md): the figure is kept in
    -- company_internal, and copied here only when its source is public.
    jobs_public    boolean NOT NULL DEFAULT false,
    jobs_published integer CHECK (jobs_published >= 0),
    moved_in       date,
    moved_out      date CHECK (moved_out >= moved_in),
    source         text,
    accuracy       text,
    -- The building's point (EPSG:25832), kept by companies_locate.
    location       geometry(Point, 25832) NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (cvr, building_id, moved_in)
);
CREATE INDEX companies_building ON companies (building_id);

-- The planners' fields of a company, as plot_internal is for plots (migration 0010): their
-- changes leave no public trace (no data version, no public history id, no public ETag).
CREATE TABLE company_internal (
    company_id  bigint PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    jobs        integer CHECK (jobs >= 0),
    contact     text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER company_internal_updated_at BEFORE UPDATE ON company_internal
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER company_internal_internal_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON company_internal
    FOR EACH STATEMENT EXECUTE FUNCTION bump_internal_version();
-- The job figures are public in aggregate (the goals and the clusters' figures): a change of
-- one moves the public data version too, so that summaries are computed anew. A change of the
-- contact alone does not.
CREATE FUNCTION company_jobs_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        changed := EXISTS (SELECT 1 FROM changed_new WHERE jobs IS NOT NULL);
    ELSIF TG_OP = 'DELETE' THEN
        changed := EXISTS (SELECT 1 FROM changed_old WHERE jobs IS NOT NULL);
    ELSE
        changed := EXISTS (SELECT 1 FROM changed_new n JOIN changed_old o USING (company_id)
                           WHERE n.jobs IS DISTINCT FROM o.jobs);
    END IF;
    IF changed THEN
        UPDATE data_version SET version = version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER company_internal_jobs_insert AFTER INSERT ON company_internal REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION company_jobs_changed();
CREATE TRIGGER company_internal_jobs_update AFTER UPDATE ON company_internal
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION company_jobs_changed();
CREATE TRIGGER company_internal_jobs_delete AFTER DELETE ON company_internal REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION company_jobs_changed();
CREATE INDEX companies_location ON companies USING gist (location);

CREATE FUNCTION companies_locate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT ST_PointOnSurface(b.footprint) INTO NEW.location FROM buildings b WHERE b.id = NEW.building_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER companies_locate BEFORE INSERT OR UPDATE OF building_id ON companies
    FOR EACH ROW EXECUTE FUNCTION companies_locate();

-- A building moved moves its occupants' points.
CREATE FUNCTION companies_follow_building() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE companies c SET location = ST_PointOnSurface(n.footprint)
    FROM changed_new n JOIN changed_old o ON o.id = n.id
    WHERE c.building_id = n.id AND ST_AsEWKB(n.footprint) IS DISTINCT FROM ST_AsEWKB(o.footprint);
    RETURN NULL;
END
$$;
CREATE TRIGGER companies_follow_building AFTER UPDATE ON buildings
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION companies_follow_building();

-- When a building was completed: the goal of new private jobs counts the jobs of a revitalised
-- plot from its building's completion.
ALTER TABLE buildings ADD COLUMN completed_on date;

-- A plot's development stage and the year its homes and jobs are planned for.
ALTER TABLE plots ADD COLUMN stage text CHECK (stage <> '' AND length(stage) <= 80),
                  ADD COLUMN target_year integer CHECK (target_year BETWEEN 2000 AND 2100);

-- Goals get a period, a title and the policy they come from; one metric may have a goal per
-- period (the 2017–2021 policy's 1,000 new private jobs and the current one's 3,000).
ALTER TABLE goals DROP CONSTRAINT goals_pkey;
ALTER TABLE goals ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                  ADD COLUMN title text,
                  ADD COLUMN period_start date,
                  ADD COLUMN period_end date,
                  ADD COLUMN accuracy text,
                  ADD CONSTRAINT goals_period CHECK (period_end >= period_start),
                  ADD CONSTRAINT goals_one_per_period UNIQUE NULLS NOT DISTINCT (scope, metric, period_start);
UPDATE goals SET title = 'About 2,000 homes by 2035', period_end = '2035-12-31', accuracy = 'approximate'
WHERE scope = 'kildedal' AND metric = 'homes';
UPDATE goals SET title = 'About 5,000 jobs by 2035', period_end = '2035-12-31', accuracy = 'approximate'
WHERE scope = 'kildedal' AND metric = 'jobs';
UPDATE goals SET title = '3,000 new private jobs', period_start = '2022-01-01', period_end = '2025-12-31',
    source = 'Ballerup business and growth policy (the four-year revision of the 2017–2021 policy), goal 1',
    accuracy = 'period approximate: the policy''s four years taken as 2022–2025; edit it when the policy''s own dates are known'
WHERE scope = 'municipality' AND metric = 'new_private_jobs';
INSERT INTO goals (scope, metric, target, source, title, period_start, period_end, accuracy) VALUES
    ('municipality', 'new_private_jobs', 1000,
     'Erhvervs- og vækstpolitik 2017–2021 (adopted October 2017), goal 1',
     '1,000 new private jobs', '2017-10-01', '2021-12-31',
     'period from the policy''s name and adoption month');

-- History, data version, updated_at, extents and tile notifications, as for the other tables.
ALTER TABLE history DROP CONSTRAINT history_entity_check;
ALTER TABLE history ADD CONSTRAINT history_entity_check
    CHECK (entity IN ('plot', 'building', 'dgnb_record', 'plot_internal', 'document', 'company',
                      'company_internal'));
-- Public answers number the history without the internal entries (migration 0014).
CREATE OR REPLACE FUNCTION history_public_seq() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.entity NOT IN ('plot_internal', 'company_internal') THEN
        NEW.public_seq := nextval('history_public_seq');
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER company_internal_history AFTER INSERT OR DELETE ON company_internal
    FOR EACH ROW EXECUTE FUNCTION record_history('company_internal', 'company_id', '');
CREATE TRIGGER company_internal_history_update AFTER UPDATE ON company_internal
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION record_history('company_internal', 'company_id', '');
CREATE TRIGGER companies_history AFTER INSERT OR DELETE ON companies
    FOR EACH ROW EXECUTE FUNCTION record_history('company', 'id', 'location');
CREATE TRIGGER companies_history_update AFTER UPDATE ON companies
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION record_history('company', 'id', 'location');
CREATE TRIGGER companies_updated_at BEFORE UPDATE ON companies
    FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER companies_data_version_insert AFTER INSERT ON companies REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version_if_changed();
CREATE TRIGGER companies_data_version_update AFTER UPDATE ON companies REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version_if_changed();
CREATE TRIGGER companies_data_version_delete AFTER DELETE ON companies REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version_if_changed();
CREATE TRIGGER companies_data_version_truncate AFTER TRUNCATE ON companies
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();

INSERT INTO collection_extents (relation, feature_count) VALUES ('companies', 0);
CREATE TRIGGER companies_extent_insert AFTER INSERT ON companies REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION collection_extent_after_change('location');
CREATE TRIGGER companies_extent_update AFTER UPDATE ON companies
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION collection_extent_after_change('location');
CREATE TRIGGER companies_extent_delete AFTER DELETE ON companies REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION collection_extent_after_change('location');
CREATE INDEX companies_updated_at ON companies (updated_at);

CREATE TRIGGER companies_tiles_insert AFTER INSERT ON companies REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION tiles_after_change('location');
CREATE TRIGGER companies_tiles_update AFTER UPDATE ON companies
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION tiles_after_change('location');
CREATE TRIGGER companies_tiles_delete AFTER DELETE ON companies REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION tiles_after_change('location');
-- A building's tile shows its occupants' cluster: the buildings a company left or came to.
CREATE FUNCTION companies_building_tiles() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    boxes box2d;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT ST_Extent(ST_Transform(b.footprint, 4326)) INTO boxes FROM buildings b
        WHERE b.id IN (SELECT building_id FROM changed_new);
    ELSIF TG_OP = 'DELETE' THEN
        SELECT ST_Extent(ST_Transform(b.footprint, 4326)) INTO boxes FROM buildings b
        WHERE b.id IN (SELECT building_id FROM changed_old);
    ELSE
        SELECT ST_Extent(ST_Transform(b.footprint, 4326)) INTO boxes FROM buildings b
        WHERE b.id IN (SELECT building_id FROM changed_old UNION SELECT building_id FROM changed_new);
    END IF;
    PERFORM tiles_notify('buildings', ARRAY[boxes]);
    RETURN NULL;
END
$$;
CREATE TRIGGER companies_building_tiles_insert AFTER INSERT ON companies REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION companies_building_tiles();
CREATE TRIGGER companies_building_tiles_update AFTER UPDATE ON companies
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION companies_building_tiles();
CREATE TRIGGER companies_building_tiles_delete AFTER DELETE ON companies REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION companies_building_tiles();

-- The companies as they stood at `ts` (as 0011's functions for the other tables).
CREATE FUNCTION companies_as_of(ts timestamptz) RETURNS SETOF companies
LANGUAGE sql STABLE AS $$
    SELECT * FROM companies WHERE ts IS NULL
    UNION ALL
    SELECT r.*
    FROM (SELECT h.new_row
          FROM (SELECT DISTINCT ON (entity_id) id, operation FROM history
                WHERE ts IS NOT NULL AND entity = 'company' AND changed_at <= ts
                ORDER BY entity_id, id DESC) AS last
          JOIN history h ON h.id = last.id
          WHERE last.operation <> 'delete'
          OFFSET 0) AS latest
    CROSS JOIN LATERAL jsonb_populate_record(NULL::companies, latest.new_row) AS r
$$;

CREATE FUNCTION company_internal_as_of(ts timestamptz) RETURNS SETOF company_internal
LANGUAGE sql STABLE AS $$
    SELECT * FROM company_internal WHERE ts IS NULL
    UNION ALL
    SELECT r.*
    FROM (SELECT h.new_row
          FROM (SELECT DISTINCT ON (entity_id) id, operation FROM history
                WHERE ts IS NOT NULL AND entity = 'company_internal' AND changed_at <= ts
                ORDER BY entity_id, id DESC) AS last
          JOIN history h ON h.id = last.id
          WHERE last.operation <> 'delete'
          OFFSET 0) AS latest
    CROSS JOIN LATERAL jsonb_populate_record(NULL::company_internal, latest.new_row) AS r
$$;
