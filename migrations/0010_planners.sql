-- Planners: accounts, their areas, API tokens and sign-in sessions; the internal fields only
-- planners see; documents attached to plots and buildings; and a notification for every
-- change, so that the changes stream is live.

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    display_name  text NOT NULL DEFAULT '',
    -- viewer is everyone without an account; accounts are planners or admins.
    role          text NOT NULL CHECK (role IN ('planner', 'admin')),
    -- argon2id PHC string.
    password_hash text,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- The areas a planner may edit (admins may edit all).
CREATE TABLE user_areas (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area_id bigint NOT NULL REFERENCES areas (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, area_id)
);

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '',
    -- SHA-256 of the token, hex; the token itself is shown once and never stored.
    token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    -- A token may carry less than its user's role, never more.
    role         text NOT NULL CHECK (role IN ('planner', 'admin')),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie value, hex.
    id_sha256  text PRIMARY KEY CHECK (id_sha256 ~ '^[0-9a-f]{64}$'),
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Sent back in X-CSRF-Token with every write made with the cookie.
    csrf_token text NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Negotiation details: planners only, never in the public view.
CREATE TABLE plot_internal (
    plot_id            bigint PRIMARY KEY REFERENCES plots (id) ON DELETE CASCADE,
    negotiation_notes  text,
    counterparty       text,
    asking_price_dkk   numeric(14, 2) CHECK (asking_price_dkk >= 0),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity       text NOT NULL CHECK (entity IN ('plot', 'building')),
    entity_id    bigint NOT NULL,
    filename     text NOT NULL CHECK (filename <> '' AND filename !~ '[/\\]'),
    -- Detected from the bytes, not taken from the client.
    content_type text NOT NULL,
    size_bytes   integer NOT NULL CHECK (size_bytes > 0),
    sha256       text NOT NULL,
    content      bytea NOT NULL,
    uploaded_by  text NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_entity ON documents (entity, entity_id);

ALTER TABLE history DROP CONSTRAINT history_entity_check;
ALTER TABLE history ADD CONSTRAINT history_entity_check
    CHECK (entity IN ('plot', 'building', 'dgnb_record', 'plot_internal', 'document'));

CREATE TRIGGER plot_internal_history AFTER INSERT OR DELETE ON plot_internal
    FOR EACH ROW EXECUTE FUNCTION record_history('plot_internal', 'plot_id', '');
CREATE TRIGGER plot_internal_history_update AFTER UPDATE ON plot_internal
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION record_history('plot_internal', 'plot_id', '');

-- Documents are recorded without their bytes (those stay in `documents`).
CREATE FUNCTION record_document_history() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r documents := coalesce(NEW, OLD);
    j jsonb := to_jsonb(r) - 'content';
BEGIN
    INSERT INTO history (entity, entity_id, operation, changed_by, reason, old_row, new_row)
    VALUES ('document', r.id, lower(TG_OP),
            coalesce(nullif(current_setting('plotline.actor', true), ''), session_user),
            nullif(current_setting('plotline.reason', true), ''),
            CASE WHEN TG_OP = 'DELETE' THEN j END,
            CASE WHEN TG_OP = 'INSERT' THEN j END);
    RETURN NULL;
END
$$;
CREATE TRIGGER documents_history AFTER INSERT OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION record_document_history();

-- Every history entry is announced (its id) for the live changes stream.
CREATE FUNCTION notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('plotline_changes', NEW.id::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER history_notify AFTER INSERT ON history
    FOR EACH ROW EXECUTE FUNCTION notify_change();

-- The plots view with the internal fields, for planners: the same collection, two views.
CREATE VIEW feature_plots_internal AS
SELECT f.fid, f.alt_id, f.geom, f.updated_at,
       f.properties || jsonb_build_object(
           'negotiation_notes', i.negotiation_notes,
           'counterparty', i.counterparty,
           'asking_price_dkk', i.asking_price_dkk
       ) AS properties
FROM feature_plots f
LEFT JOIN plot_internal i ON i.plot_id = f.fid;

CREATE TRIGGER plot_internal_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON plot_internal
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();

-- A history row for reading: geometry as GeoJSON in WGS84 instead of hex EWKB.
CREATE FUNCTION history_readable(r jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN r ? 'boundary' THEN jsonb_set(r, '{boundary}', ST_AsGeoJSON(ST_Transform((r ->> 'boundary')::geometry, 4326), 7)::jsonb)
        WHEN r ? 'footprint' THEN jsonb_set(r, '{footprint}', ST_AsGeoJSON(ST_Transform((r ->> 'footprint')::geometry, 4326), 7)::jsonb)
        ELSE r
    END
$$;
