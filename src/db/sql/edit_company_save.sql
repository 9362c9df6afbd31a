-- Inserts ($3 NULL) or updates company $3 from $1 (validated properties, jsonb); $2 (an
-- outline) is unused: a company's point is its building's (migration 0019's trigger). Returns
-- the company's id. The planners' fields go to company_internal; the job figure is published
-- (jobs_published) only when its source is public. The one save of a company: the OGC API
-- writes and the importer both come here.
WITH r AS (
    SELECT * FROM jsonb_to_record($1) AS r (
        reference text, name text, cvr text, p_number text, cluster text, sub_sector text,
        ownership text, building text, floor_area_m2 float8, jobs_public boolean, moved_in date,
        moved_out date, jobs_on_site integer, contact text, source text, accuracy text)
), ins AS (
    INSERT INTO companies (reference, name, cvr, p_number, cluster, sub_sector, ownership, building_id,
                           floor_area_m2, jobs_public, jobs_published, moved_in, moved_out, source,
                           accuracy, location)
    SELECT r.reference, r.name, r.cvr, r.p_number, r.cluster, r.sub_sector, r.ownership, b.id,
           r.floor_area_m2, coalesce(r.jobs_public, false),
           CASE WHEN coalesce(r.jobs_public, false) THEN r.jobs_on_site END, r.moved_in, r.moved_out,
           r.source, r.accuracy, ST_PointOnSurface(b.footprint)
    FROM r JOIN buildings b ON b.reference = r.building
    WHERE $3::bigint IS NULL AND octet_length($2::bytea) >= 0
    RETURNING id
), upd AS (
    UPDATE companies c SET
        reference = r.reference, name = r.name, cvr = r.cvr, p_number = r.p_number, cluster = r.cluster,
        sub_sector = r.sub_sector, ownership = r.ownership, building_id = b.id,
        floor_area_m2 = r.floor_area_m2, jobs_public = coalesce(r.jobs_public, false),
        jobs_published = CASE WHEN coalesce(r.jobs_public, false) THEN r.jobs_on_site END,
        moved_in = r.moved_in, moved_out = r.moved_out, source = r.source, accuracy = r.accuracy
    FROM r JOIN buildings b ON b.reference = r.building
    WHERE $3::bigint IS NOT NULL AND c.id = $3
      -- A company whose own columns would not change is left alone (no public trace).
      AND (c.reference, c.name, c.cvr, c.p_number, c.cluster, c.sub_sector, c.ownership, c.building_id,
           c.floor_area_m2, c.jobs_public, c.jobs_published, c.moved_in, c.moved_out, c.source, c.accuracy)
          IS DISTINCT FROM
          (r.reference, r.name, r.cvr, r.p_number, r.cluster, r.sub_sector, r.ownership, b.id,
           r.floor_area_m2, coalesce(r.jobs_public, false),
           CASE WHEN coalesce(r.jobs_public, false) THEN r.jobs_on_site END, r.moved_in, r.moved_out,
           r.source, r.accuracy)
    RETURNING c.id
), saved AS (
    SELECT id FROM ins UNION ALL SELECT id FROM companies WHERE $3::bigint IS NOT NULL AND id = $3
), internal AS (
    INSERT INTO company_internal (company_id, jobs, contact)
    SELECT saved.id, r.jobs_on_site, r.contact FROM saved, r
    ON CONFLICT (company_id) DO UPDATE SET jobs = EXCLUDED.jobs, contact = EXCLUDED.contact
    WHERE (company_internal.jobs, company_internal.contact) IS DISTINCT FROM (EXCLUDED.jobs, EXCLUDED.contact)
)
SELECT id FROM saved
