-- $1: the feature's properties (jsonb), $2: its geometry as WKB in EPSG:25832.
-- Writes the building and its DGNB record in one statement; a building whose DGNB fields are
-- all empty (phase none, no target) has no record. No row comes back when `plot` names no plot.
WITH r AS (
    SELECT * FROM jsonb_to_record($1) AS r (
        reference text, plot text, name text, bbr_id uuid, storeys integer,
        floor_area_residential_m2 float8, floor_area_office_m2 float8, floor_area_laboratory_m2 float8,
        floor_area_retail_m2 float8, floor_area_other_m2 float8, construction_status text, accuracy text,
        dgnb_scheme text, dgnb_manual_version text, dgnb_phase text, dgnb_target_level text,
        dgnb_achieved_level text, dgnb_total_score_pct float8, dgnb_certificate_id text,
        dgnb_issued_on date, dgnb_valid_until date, dgnb_auditor text)
), b AS (
    INSERT INTO buildings (reference, plot_id, name, footprint, bbr_id, storeys,
                           floor_area_residential_m2, floor_area_office_m2, floor_area_laboratory_m2,
                           floor_area_retail_m2, floor_area_other_m2, construction_status, accuracy)
    SELECT r.reference, p.id, coalesce(r.name, r.reference), ST_SetSRID(ST_GeomFromWKB($2), 25832), r.bbr_id,
           r.storeys, coalesce(r.floor_area_residential_m2, 0), coalesce(r.floor_area_office_m2, 0),
           coalesce(r.floor_area_laboratory_m2, 0), coalesce(r.floor_area_retail_m2, 0),
           coalesce(r.floor_area_other_m2, 0), coalesce(r.construction_status, 'projected'), r.accuracy
    FROM r JOIN plots p ON p.reference = r.plot
    ON CONFLICT (reference) DO UPDATE SET
        plot_id = EXCLUDED.plot_id,
        name = EXCLUDED.name,
        footprint = EXCLUDED.footprint,
        bbr_id = EXCLUDED.bbr_id,
        storeys = EXCLUDED.storeys,
        floor_area_residential_m2 = EXCLUDED.floor_area_residential_m2,
        floor_area_office_m2 = EXCLUDED.floor_area_office_m2,
        floor_area_laboratory_m2 = EXCLUDED.floor_area_laboratory_m2,
        floor_area_retail_m2 = EXCLUDED.floor_area_retail_m2,
        floor_area_other_m2 = EXCLUDED.floor_area_other_m2,
        construction_status = EXCLUDED.construction_status,
        accuracy = EXCLUDED.accuracy
    RETURNING id, (xmax = 0) AS inserted
), has_record AS (
    SELECT b.id, (coalesce(r.dgnb_phase, 'none') <> 'none' OR r.dgnb_target_level IS NOT NULL) AS yes
    FROM b, r
), upsert_record AS (
    INSERT INTO dgnb_records (building_id, scheme, manual_version, phase, target_level, achieved_level,
                              total_score_pct, certificate_id, issued_on, valid_until, auditor)
    SELECT b.id, r.dgnb_scheme, r.dgnb_manual_version, coalesce(r.dgnb_phase, 'none'), r.dgnb_target_level,
           r.dgnb_achieved_level, r.dgnb_total_score_pct, r.dgnb_certificate_id, r.dgnb_issued_on,
           r.dgnb_valid_until, r.dgnb_auditor
    FROM b, r, has_record h WHERE h.id = b.id AND h.yes
    ON CONFLICT (building_id) DO UPDATE SET
        scheme = EXCLUDED.scheme,
        manual_version = EXCLUDED.manual_version,
        phase = EXCLUDED.phase,
        target_level = EXCLUDED.target_level,
        achieved_level = EXCLUDED.achieved_level,
        total_score_pct = EXCLUDED.total_score_pct,
        certificate_id = EXCLUDED.certificate_id,
        issued_on = EXCLUDED.issued_on,
        valid_until = EXCLUDED.valid_until,
        auditor = EXCLUDED.auditor
), delete_record AS (
    DELETE FROM dgnb_records d USING has_record h WHERE d.building_id = h.id AND NOT h.yes
)
SELECT inserted FROM b
