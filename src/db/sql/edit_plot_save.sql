-- Inserts or updates plots, element by element of three arrays: $1 their validated properties
-- (jsonb[]), $2 their outlines (EWKB or WKB in EPSG:25832, bytea[]) and $3 their ids (NULL for
-- a new plot, bigint[]). Returns (n, id) for each saved element, n counting from 1. The internal
-- fields go to plot_internal. The one save of plots: an OGC API write saves one, the importer a
-- batch in one statement (so the statement-level triggers run once per batch, not per plot).
-- A new plot's id is drawn before the insert, so that the rows saved are known by their place
-- in the arrays without matching the inserted rows back (which PostgreSQL would do pair by pair).
WITH r AS MATERIALIZED (
    SELECT u.n, u.id IS NULL AS new,
           coalesce(u.id, nextval(pg_get_serial_sequence('plots', 'id'))) AS plot_id,
           ST_SetSRID(ST_GeomFromEWKB(u.ewkb), 25832) AS geom, x.*
    FROM unnest($1::jsonb[], $2::bytea[], $3::bigint[]) WITH ORDINALITY AS u (props, ewkb, id, n)
    CROSS JOIN LATERAL jsonb_to_record(u.props) AS x (
        reference text, area text, land_use text, status text, max_plot_ratio_pct float8,
        max_height_m float8, lokalplan text, matrikelnummer text, ejerlav text, planned_homes integer,
        planned_jobs integer, stage text, target_year integer, accuracy text, negotiation_notes text, counterparty text,
        asking_price_dkk numeric)
), ins AS (
    INSERT INTO plots (id, reference, area_id, boundary, land_use, status, max_plot_ratio_pct, max_height_m,
                       lokalplan, matrikelnummer, ejerlav, planned_homes, planned_jobs, stage, target_year, accuracy)
    OVERRIDING SYSTEM VALUE
    SELECT r.plot_id, r.reference, a.id, r.geom, r.land_use, r.status, r.max_plot_ratio_pct,
           r.max_height_m, r.lokalplan, r.matrikelnummer, r.ejerlav, coalesce(r.planned_homes, 0),
           coalesce(r.planned_jobs, 0), r.stage, r.target_year, r.accuracy
    FROM r JOIN areas a ON a.slug = r.area
    WHERE r.new
    ORDER BY r.n
), upd AS (
    UPDATE plots p SET
        reference = r.reference, area_id = a.id, boundary = r.geom, land_use = r.land_use,
        status = r.status, max_plot_ratio_pct = r.max_plot_ratio_pct, max_height_m = r.max_height_m,
        lokalplan = r.lokalplan, matrikelnummer = r.matrikelnummer, ejerlav = r.ejerlav,
        planned_homes = coalesce(r.planned_homes, 0), planned_jobs = coalesce(r.planned_jobs, 0),
        stage = r.stage, target_year = r.target_year, accuracy = r.accuracy
    FROM r JOIN areas a ON a.slug = r.area
    WHERE NOT r.new AND p.id = r.plot_id
      -- A plot whose own columns would not change is left alone: no statement on it changes
      -- the public data version (an edit of the internal fields only stays internal).
      AND (p.reference, p.area_id, p.boundary, p.land_use, p.status, p.max_plot_ratio_pct,
           p.max_height_m, p.lokalplan, p.matrikelnummer, p.ejerlav, p.planned_homes,
           p.planned_jobs, p.stage, p.target_year, p.accuracy)
          IS DISTINCT FROM
          (r.reference, a.id, r.geom, r.land_use, r.status, r.max_plot_ratio_pct,
           r.max_height_m, r.lokalplan, r.matrikelnummer, r.ejerlav, coalesce(r.planned_homes, 0),
           coalesce(r.planned_jobs, 0), r.stage, r.target_year, r.accuracy)
    RETURNING p.id
), saved AS (
    -- A plot with an id is locked by the caller (edit::update) or was just looked up by its
    -- reference (the importer), so it exists when its row is left alone.
    -- (A new plot is inserted exactly when its area exists.)
    SELECT r.n, r.plot_id AS id FROM r JOIN areas a ON a.slug = r.area WHERE r.new
    UNION ALL
    SELECT r.n, p.id FROM r JOIN plots p ON p.id = r.plot_id WHERE NOT r.new
), internal AS (
    INSERT INTO plot_internal (plot_id, negotiation_notes, counterparty, asking_price_dkk)
    SELECT saved.id, r.negotiation_notes, r.counterparty, r.asking_price_dkk FROM saved JOIN r USING (n)
    ON CONFLICT (plot_id) DO UPDATE SET
        negotiation_notes = EXCLUDED.negotiation_notes,
        counterparty = EXCLUDED.counterparty,
        asking_price_dkk = EXCLUDED.asking_price_dkk,
        updated_at = now()
    WHERE (plot_internal.negotiation_notes, plot_internal.counterparty, plot_internal.asking_price_dkk)
          IS DISTINCT FROM (EXCLUDED.negotiation_notes, EXCLUDED.counterparty, EXCLUDED.asking_price_dkk)
)
SELECT n, id FROM saved ORDER BY n
