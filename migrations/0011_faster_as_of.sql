-- Past states, faster. `(jsonb_populate_record(…)).*` in 0006 decoded each history row once
-- per column (PostgreSQL expands `(f(x)).*` into one call per field), and DISTINCT ON sorted
-- whole rows, JSON included. Now the last entry of each row is found on (entity_id, id) alone
-- and decoded once (OFFSET 0 keeps the planner from decoding every history row before the
-- join). Same results: the last history entry at or before `ts`, unless a delete,
-- or the live table when `ts` is NULL.

CREATE OR REPLACE FUNCTION plots_as_of(ts timestamptz) RETURNS SETOF plots
LANGUAGE sql STABLE AS $$
    SELECT * FROM plots WHERE ts IS NULL
    UNION ALL
    SELECT r.*
    FROM (SELECT h.new_row
          FROM (SELECT DISTINCT ON (entity_id) id, operation FROM history
                WHERE ts IS NOT NULL AND entity = 'plot' AND changed_at <= ts
                ORDER BY entity_id, id DESC) AS last
          JOIN history h ON h.id = last.id
          WHERE last.operation <> 'delete'
          OFFSET 0) AS latest
    CROSS JOIN LATERAL jsonb_populate_record(NULL::plots, latest.new_row) AS r
$$;

CREATE OR REPLACE FUNCTION buildings_as_of(ts timestamptz) RETURNS SETOF buildings
LANGUAGE sql STABLE AS $$
    SELECT * FROM buildings WHERE ts IS NULL
    UNION ALL
    SELECT r.*
    FROM (SELECT h.new_row
          FROM (SELECT DISTINCT ON (entity_id) id, operation FROM history
                WHERE ts IS NOT NULL AND entity = 'building' AND changed_at <= ts
                ORDER BY entity_id, id DESC) AS last
          JOIN history h ON h.id = last.id
          WHERE last.operation <> 'delete'
          OFFSET 0) AS latest
    CROSS JOIN LATERAL jsonb_populate_record(NULL::buildings, latest.new_row) AS r
$$;

CREATE OR REPLACE FUNCTION dgnb_records_as_of(ts timestamptz) RETURNS SETOF dgnb_records
LANGUAGE sql STABLE AS $$
    SELECT * FROM dgnb_records WHERE ts IS NULL
    UNION ALL
    SELECT r.*
    FROM (SELECT h.new_row
          FROM (SELECT DISTINCT ON (entity_id) id, operation FROM history
                WHERE ts IS NOT NULL AND entity = 'dgnb_record' AND changed_at <= ts
                ORDER BY entity_id, id DESC) AS last
          JOIN history h ON h.id = last.id
          WHERE last.operation <> 'delete'
          OFFSET 0) AS latest
    CROSS JOIN LATERAL jsonb_populate_record(NULL::dgnb_records, latest.new_row) AS r
$$;
