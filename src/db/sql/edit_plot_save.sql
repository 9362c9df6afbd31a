-- Inserts ($3 NULL) or updates plot $3 from $1 (validated properties, jsonb) and $2 (outline,
-- EWKB in EPSG:25832). Returns the plot's id. The internal fields go to plot_internal. The one
-- save of a plot: the OGC API writes and the importer both come here.
WITH r AS (
    SELECT * FROM jsonb_to_record($1) AS r (
        reference text, area text, land_use text, status text, max_plot_ratio_pct float8,
        max_height_m float8, lokalplan text, matrikelnummer text, ejerlav text, planned_homes integer,
        planned_jobs integer, stage text, target_year integer, accuracy text, negotiation_notes text, counterparty text,
        asking_price_dkk numeric)
), ins AS (
    INSERT INTO plots (reference, area_id, boundary, land_use, status, max_plot_ratio_pct, max_height_m,
                       lokalplan, matrikelnummer, ejerlav, planned_homes, planned_jobs, stage, target_year, accuracy)
    SELECT r.reference, a.id, ST_GeomFromEWKB($2), r.land_use, r.status, r.max_plot_ratio_pct,
           r.max_height_m, r.lokalplan, r.matrikelnummer, r.ejerlav, coalesce(r.planned_homes, 0),
           coalesce(r.planned_jobs, 0), r.stage, r.target_year, r.accuracy
    FROM r JOIN areas a ON a.slug = r.area
    WHERE $3::bigint IS NULL
    RETURNING id
), upd AS (
    UPDATE plots p SET
        reference = r.reference, area_id = a.id, boundary = ST_GeomFromEWKB($2), land_use = r.land_use,
        status = r.status, max_plot_ratio_pct = r.max_plot_ratio_pct, max_height_m = r.max_height_m,
        lokalplan = r.lokalplan, matrikelnummer = r.matrikelnummer, ejerlav = r.ejerlav,
        planned_homes = coalesce(r.planned_homes, 0), planned_jobs = coalesce(r.planned_jobs, 0),
        stage = r.stage, target_year = r.target_year, accuracy = r.accuracy
    FROM r JOIN areas a ON a.slug = r.area
    WHERE $3::bigint IS NOT NULL AND p.id = $3
      -- A plot whose own columns would not change is left alone: no statement on it changes
      -- the public data version (an edit of the internal fields only stays internal).
      AND (p.reference, p.area_id, p.boundary, p.land_use, p.status, p.max_plot_ratio_pct,
           p.max_height_m, p.lokalplan, p.matrikelnummer, p.ejerlav, p.planned_homes,
           p.planned_jobs, p.stage, p.target_year, p.accuracy)
          IS DISTINCT FROM
          (r.reference, a.id, ST_GeomFromEWKB($2), r.land_use, r.status, r.max_plot_ratio_pct,
           r.max_height_m, r.lokalplan, r.matrikelnummer, r.ejerlav, coalesce(r.planned_homes, 0),
           coalesce(r.planned_jobs, 0), r.stage, r.target_year, r.accuracy)
    RETURNING p.id
), saved AS (
    -- The plot $3 is locked by the caller (edit::update) or was just looked up by its reference
    -- (the importer), so it exists when its row is left alone.
    SELECT id FROM ins UNION ALL SELECT id FROM plots WHERE $3::bigint IS NOT NULL AND id = $3
), internal AS (
    INSERT INTO plot_internal (plot_id, negotiation_notes, counterparty, asking_price_dkk)
    SELECT saved.id, r.negotiation_notes, r.counterparty, r.asking_price_dkk FROM saved, r
    ON CONFLICT (plot_id) DO UPDATE SET
        negotiation_notes = EXCLUDED.negotiation_notes,
        counterparty = EXCLUDED.counterparty,
        asking_price_dkk = EXCLUDED.asking_price_dkk,
        updated_at = now()
    WHERE (plot_internal.negotiation_notes, plot_internal.counterparty, plot_internal.asking_price_dkk)
          IS DISTINCT FROM (EXCLUDED.negotiation_notes, EXCLUDED.counterparty, EXCLUDED.asking_price_dkk)
)
SELECT id FROM saved
