-- Past states, faster. `(jsonb_populate_record(…)).*` in 0006 decoded each history row once
-- per column (PostgreSQL expands `(f(x)).*` into one call per field), and DISTINCT ON sorted
-- whole rows, JSON included. Now the last entry of each row is found on (entity_id, id) alone
-- and decoded once (OFFSET 0 keeps the planner from decoding every history row before the
-- join). Same results: the last history entry at or before `ts`, unless a delete,
-- or the live table when `ts` is NULL.

DO $$
DECLARE
    t text[];
BEGIN
    FOREACH t SLICE 1 IN ARRAY ARRAY[['plots', 'plot'], ['buildings', 'building'],
                                     ['dgnb_records', 'dgnb_record']]
    LOOP
        EXECUTE format($f$
            CREATE OR REPLACE FUNCTION %1$I(ts timestamptz) RETURNS SETOF %2$I
            LANGUAGE sql STABLE AS $body$
                SELECT * FROM %2$I WHERE ts IS NULL
                UNION ALL
                SELECT r.*
                FROM (SELECT h.new_row
                      FROM (SELECT DISTINCT ON (entity_id) id, operation FROM history
                            WHERE ts IS NOT NULL AND entity = %3$L AND changed_at <= ts
                            ORDER BY entity_id, id DESC) AS last
                      JOIN history h ON h.id = last.id
                      WHERE last.operation <> 'delete'
                      OFFSET 0) AS latest
                CROSS JOIN LATERAL jsonb_populate_record(NULL::%2$I, latest.new_row) AS r
            $body$
        $f$, t[1] || '_as_of', t[1], t[2]);
    END LOOP;
END
$$;
