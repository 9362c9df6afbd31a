-- PostGIS and the helpers every later migration uses.
-- Test databases are created from template1, so the extension is created here, not by hand.
CREATE EXTENSION IF NOT EXISTS postgis;

-- Bumps updated_at on a row's own edits. Updates made from inside another trigger
-- (pg_trigger_depth() > 0 when the WHEN clause is evaluated) are derived refreshes,
-- such as new transit distances, and keep the edit timestamp.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
