-- Inserts or updates buildings with their DGNB records, element by element of three arrays:
-- $1 their validated properties (jsonb[]), $2 their footprints (EWKB or WKB in EPSG:25832,
-- bytea[]) and $3 their ids (NULL for a new building, bigint[]). Returns (n, id) for each saved
-- element, n counting from 1. The one save of buildings: an OGC API write saves one, the
-- importer a batch in one statement. A building whose DGNB fields are all empty (phase none,
-- no target) has no record.
-- A new building's id is drawn before the insert, so that the rows saved are known by their
-- place in the arrays without matching the inserted rows back (pair by pair).
WITH r AS MATERIALIZED (
    SELECT u.n, u.id IS NULL AS new,
           coalesce(u.id, nextval(pg_get_serial_sequence('buildings', 'id'))) AS building_id,
           ST_SetSRID(ST_GeomFromEWKB(u.ewkb), 25832) AS geom, x.*
    FROM unnest($1::jsonb[], $2::bytea[], $3::bigint[]) WITH ORDINALITY AS u (props, ewkb, id, n)
    CROSS JOIN LATERAL jsonb_to_record(u.props) AS x (
        reference text, plot text, name text, bbr_id uuid, storeys integer,
        floor_area_residential_m2 float8, floor_area_office_m2 float8, floor_area_laboratory_m2 float8,
        floor_area_retail_m2 float8, floor_area_other_m2 float8, construction_status text, completed_on date,
        accuracy text,
        dgnb_scheme text, dgnb_manual_version text, dgnb_phase text, dgnb_target_level text,
        dgnb_achieved_level text, dgnb_total_score_pct float8, dgnb_certificate_id text,
        dgnb_issued_on date, dgnb_valid_until date, dgnb_auditor text, dgnb_environmental_pct float8,
        dgnb_economic_pct float8, dgnb_social_pct float8, dgnb_technical_pct float8, dgnb_process_pct float8,
        fingerplan_exemption_lokalplan text, fingerplan_exemption_reason text)
), ins AS (
    INSERT INTO buildings (id, reference, plot_id, name, footprint, bbr_id, storeys, floor_area_residential_m2,
                           floor_area_office_m2, floor_area_laboratory_m2, floor_area_retail_m2,
                           floor_area_other_m2, construction_status, completed_on, accuracy,
                           fingerplan_exemption_lokalplan, fingerplan_exemption_reason)
    OVERRIDING SYSTEM VALUE
    SELECT r.building_id, r.reference, p.id, coalesce(r.name, r.reference), r.geom, r.bbr_id, r.storeys,
           coalesce(r.floor_area_residential_m2, 0), coalesce(r.floor_area_office_m2, 0),
           coalesce(r.floor_area_laboratory_m2, 0), coalesce(r.floor_area_retail_m2, 0),
           coalesce(r.floor_area_other_m2, 0), coalesce(r.construction_status, 'projected'), r.completed_on,
           r.accuracy, r.fingerplan_exemption_lokalplan, r.fingerplan_exemption_reason
    FROM r JOIN plots p ON p.reference = r.plot
    WHERE r.new
    ORDER BY r.n
), upd AS (
    UPDATE buildings b SET
        reference = r.reference, plot_id = p.id, name = coalesce(r.name, r.reference),
        footprint = r.geom, bbr_id = r.bbr_id, storeys = r.storeys,
        floor_area_residential_m2 = coalesce(r.floor_area_residential_m2, 0),
        floor_area_office_m2 = coalesce(r.floor_area_office_m2, 0),
        floor_area_laboratory_m2 = coalesce(r.floor_area_laboratory_m2, 0),
        floor_area_retail_m2 = coalesce(r.floor_area_retail_m2, 0),
        floor_area_other_m2 = coalesce(r.floor_area_other_m2, 0),
        construction_status = coalesce(r.construction_status, 'projected'), completed_on = r.completed_on,
        accuracy = r.accuracy, fingerplan_exemption_lokalplan = r.fingerplan_exemption_lokalplan,
        fingerplan_exemption_reason = r.fingerplan_exemption_reason
    FROM r JOIN plots p ON p.reference = r.plot
    WHERE NOT r.new AND b.id = r.building_id
      -- A building whose columns would not change is left alone: an unchanged save moves
      -- nothing public (no data version, no history).
      AND (b.reference, b.plot_id, b.name, b.footprint, b.bbr_id, b.storeys,
           b.floor_area_residential_m2, b.floor_area_office_m2, b.floor_area_laboratory_m2,
           b.floor_area_retail_m2, b.floor_area_other_m2, b.construction_status, b.completed_on, b.accuracy,
           b.fingerplan_exemption_lokalplan, b.fingerplan_exemption_reason)
          IS DISTINCT FROM
          (r.reference, p.id, coalesce(r.name, r.reference), r.geom, r.bbr_id, r.storeys,
           coalesce(r.floor_area_residential_m2, 0), coalesce(r.floor_area_office_m2, 0),
           coalesce(r.floor_area_laboratory_m2, 0), coalesce(r.floor_area_retail_m2, 0),
           coalesce(r.floor_area_other_m2, 0), coalesce(r.construction_status, 'projected'), r.completed_on,
           r.accuracy, r.fingerplan_exemption_lokalplan, r.fingerplan_exemption_reason)
    RETURNING b.id
), saved AS (
    -- A building with an id is locked by the caller (edit::update) or was just looked up by its
    -- reference (the importer), so it exists when its row is left alone.
    -- (A new building is inserted exactly when its plot exists.)
    SELECT r.n, r.building_id AS id FROM r JOIN plots p ON p.reference = r.plot WHERE r.new
    UNION ALL
    SELECT r.n, b.id FROM r JOIN buildings b ON b.id = r.building_id WHERE NOT r.new
), has_record AS (
    SELECT saved.n, saved.id, (coalesce(r.dgnb_phase, 'none') <> 'none' OR r.dgnb_target_level IS NOT NULL) AS yes
    FROM saved JOIN r USING (n)
), upsert_record AS (
    INSERT INTO dgnb_records (building_id, scheme, manual_version, phase, target_level, achieved_level,
                              total_score_pct, certificate_id, issued_on, valid_until, auditor,
                              environmental_pct, economic_pct, social_pct, technical_pct, process_pct)
    SELECT h.id, r.dgnb_scheme, r.dgnb_manual_version, coalesce(r.dgnb_phase, 'none'), r.dgnb_target_level,
           r.dgnb_achieved_level, r.dgnb_total_score_pct, r.dgnb_certificate_id, r.dgnb_issued_on, r.dgnb_valid_until,
           r.dgnb_auditor, r.dgnb_environmental_pct, r.dgnb_economic_pct, r.dgnb_social_pct, r.dgnb_technical_pct,
           r.dgnb_process_pct
    FROM has_record h JOIN r USING (n) WHERE h.yes
    ON CONFLICT (building_id) DO UPDATE SET
        scheme = EXCLUDED.scheme, manual_version = EXCLUDED.manual_version, phase = EXCLUDED.phase,
        target_level = EXCLUDED.target_level, achieved_level = EXCLUDED.achieved_level,
        total_score_pct = EXCLUDED.total_score_pct, certificate_id = EXCLUDED.certificate_id,
        issued_on = EXCLUDED.issued_on, valid_until = EXCLUDED.valid_until,
        auditor = EXCLUDED.auditor, environmental_pct = EXCLUDED.environmental_pct,
        economic_pct = EXCLUDED.economic_pct, social_pct = EXCLUDED.social_pct,
        technical_pct = EXCLUDED.technical_pct, process_pct = EXCLUDED.process_pct
    WHERE (dgnb_records.scheme, dgnb_records.manual_version, dgnb_records.phase, dgnb_records.target_level,
           dgnb_records.achieved_level, dgnb_records.total_score_pct, dgnb_records.certificate_id,
           dgnb_records.issued_on, dgnb_records.valid_until, dgnb_records.auditor,
           dgnb_records.environmental_pct, dgnb_records.economic_pct, dgnb_records.social_pct,
           dgnb_records.technical_pct, dgnb_records.process_pct)
          IS DISTINCT FROM
          (EXCLUDED.scheme, EXCLUDED.manual_version, EXCLUDED.phase, EXCLUDED.target_level,
           EXCLUDED.achieved_level, EXCLUDED.total_score_pct, EXCLUDED.certificate_id,
           EXCLUDED.issued_on, EXCLUDED.valid_until, EXCLUDED.auditor, EXCLUDED.environmental_pct,
           EXCLUDED.economic_pct, EXCLUDED.social_pct, EXCLUDED.technical_pct, EXCLUDED.process_pct)
), delete_record AS (
    DELETE FROM dgnb_records d USING has_record h WHERE d.building_id = h.id AND NOT h.yes
)
SELECT n, id FROM saved ORDER BY n
