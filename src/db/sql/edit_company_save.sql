-- Inserts or updates companies, element by element of three arrays: $1 their validated
-- properties (jsonb[]), $2 unused outlines (bytea[]: a company's point is its building's, set by
-- migration 0019's trigger) and $3 their ids (NULL for a new company, bigint[]). Returns (n, id)
-- for each saved element, n counting from 1. The planners' fields go to company_internal; the
-- job figure is published (jobs_published) only when its source is public. The one save of
-- companies: the OGC API writes one, the importer a batch.
WITH r AS MATERIALIZED (
    SELECT u.n, u.id IS NULL AS new,
           coalesce(u.id, nextval(pg_get_serial_sequence('companies', 'id'))) AS company_id, x.*,
           CASE WHEN coalesce(x.jobs_public, false) THEN x.jobs_on_site END AS published
    FROM unnest($1::jsonb[], $2::bytea[], $3::bigint[]) WITH ORDINALITY AS u (props, ewkb, id, n)
    CROSS JOIN LATERAL jsonb_to_record(u.props) AS x (
        reference text, name text, cvr text, p_number text, cluster text, sub_sector text,
        ownership text, building text, floor_area_m2 float8, jobs_public boolean, moved_in date,
        moved_out date, jobs_on_site integer, contact text, source text, accuracy text)
), ins AS (
    INSERT INTO companies (id, reference, name, cvr, p_number, cluster, sub_sector, ownership, building_id,
                           floor_area_m2, jobs_public, jobs_published, moved_in, moved_out, source,
                           accuracy, location)
    OVERRIDING SYSTEM VALUE
    SELECT r.company_id, r.reference, r.name, r.cvr, r.p_number, r.cluster, r.sub_sector, r.ownership, b.id,
           r.floor_area_m2, coalesce(r.jobs_public, false), r.published, r.moved_in, r.moved_out,
           r.source, r.accuracy, ST_PointOnSurface(b.footprint)
    FROM r JOIN buildings b ON b.reference = r.building
    WHERE r.new
    ORDER BY r.n
), upd AS (
    UPDATE companies c SET
        reference = r.reference, name = r.name, cvr = r.cvr, p_number = r.p_number, cluster = r.cluster,
        sub_sector = r.sub_sector, ownership = r.ownership, building_id = b.id,
        floor_area_m2 = r.floor_area_m2, jobs_public = coalesce(r.jobs_public, false),
        jobs_published = r.published, moved_in = r.moved_in, moved_out = r.moved_out, source = r.source,
        accuracy = r.accuracy
    FROM r JOIN buildings b ON b.reference = r.building
    WHERE NOT r.new AND c.id = r.company_id
      -- A company whose own columns would not change is left alone (no public trace).
      AND (c.reference, c.name, c.cvr, c.p_number, c.cluster, c.sub_sector, c.ownership, c.building_id,
           c.floor_area_m2, c.jobs_public, c.jobs_published, c.moved_in, c.moved_out, c.source, c.accuracy)
          IS DISTINCT FROM
          (r.reference, r.name, r.cvr, r.p_number, r.cluster, r.sub_sector, r.ownership, b.id,
           r.floor_area_m2, coalesce(r.jobs_public, false), r.published, r.moved_in, r.moved_out,
           r.source, r.accuracy)
    RETURNING c.id
), saved AS (
    -- A new company is inserted exactly when its building exists; one with an id is locked by
    -- the caller or was just looked up by its reference.
    SELECT r.n, r.company_id AS id FROM r JOIN buildings b ON b.reference = r.building WHERE r.new
    UNION ALL
    SELECT r.n, c.id FROM r JOIN companies c ON c.id = r.company_id WHERE NOT r.new
), internal AS (
    INSERT INTO company_internal (company_id, jobs, contact)
    SELECT saved.id, r.jobs_on_site, r.contact FROM saved JOIN r USING (n)
    ON CONFLICT (company_id) DO UPDATE SET jobs = EXCLUDED.jobs, contact = EXCLUDED.contact
    WHERE (company_internal.jobs, company_internal.contact) IS DISTINCT FROM (EXCLUDED.jobs, EXCLUDED.contact)
)
SELECT n, id FROM saved ORDER BY n
