-- Some published figures change with the date alone: a company is `present` from the day it
-- moves in until the day it moves out, a building's `cluster` is its present occupants', and the
-- goals are measured on the day. Caches and ETags follow `data_version` and the tiles follow
-- `plotline_tiles`, so a new day (UTC) is announced like a change: `plotline_new_day()` moves
-- `data_day` on, bumps the data version and drops the tiles of companies and buildings, once
-- per day however many instances call it (each server calls it every minute).

-- Today in UTC: the day of `present` and of the goals measured today.
CREATE FUNCTION utc_today() RETURNS date
LANGUAGE sql STABLE AS $$ SELECT (now() AT TIME ZONE 'UTC')::date $$;

CREATE TABLE data_day (
    id  boolean PRIMARY KEY DEFAULT true CHECK (id),
    day date NOT NULL
);
INSERT INTO data_day (day) VALUES (utc_today());

-- True when this call began the day.
CREATE FUNCTION plotline_new_day() RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_day SET day = utc_today() WHERE day < utc_today();
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE data_version SET version = version + 1;
    PERFORM tiles_notify_all('companies');
    PERFORM tiles_notify_all('buildings');
    RETURN true;
END
$$;
