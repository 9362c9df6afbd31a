-- The days from $1 to $2 (timestamptz, by their UTC dates) on which an area's figures may differ
-- from the day before: a change was recorded that day, or a date in the data comes round. A
-- company counts from the day it moves in and no longer from the day it moves out; a building's
-- completion makes its occupants' jobs new; a goal's period begins, and ends after its last day.
-- The dates are read from the rows as they are and as the history holds them, so that a date a
-- later change replaced still divides the days before that change. Only the buildings companies
-- occupy (or occupied) are read: a completion date matters to the figures through them alone.
WITH RECURSIVE recorded (day) AS (
    -- The days with history, one index lookup per day (not a scan of every change).
    SELECT (min(changed_at) AT TIME ZONE 'UTC')::date
    FROM history
    WHERE changed_at >= $1 AND changed_at <= $2
    UNION ALL
    SELECT (SELECT (min(changed_at) AT TIME ZONE 'UTC')::date
            FROM history
            WHERE changed_at >= ((day + 1)::timestamp AT TIME ZONE 'UTC') AND changed_at <= $2)
    FROM recorded
    WHERE day IS NOT NULL
), occupied AS (
    SELECT building_id AS id FROM companies
    UNION
    SELECT (r ->> 'building_id')::bigint
    FROM history h CROSS JOIN LATERAL (VALUES (h.old_row), (h.new_row)) AS v (r)
    WHERE h.entity = 'company' AND r ? 'building_id'
), dated AS (
    SELECT r
    FROM history h CROSS JOIN LATERAL (VALUES (h.old_row), (h.new_row)) AS v (r)
    WHERE h.entity IN ('company', 'goal') AND r IS NOT NULL
    UNION ALL
    SELECT r
    FROM occupied o
    JOIN history h ON h.entity = 'building' AND h.entity_id = o.id
    CROSS JOIN LATERAL (VALUES (h.old_row), (h.new_row)) AS v (r)
    WHERE r IS NOT NULL
    UNION ALL
    SELECT jsonb_build_object('moved_in', moved_in, 'moved_out', moved_out) FROM companies
    UNION ALL
    SELECT jsonb_build_object('period_start', period_start, 'period_end', period_end) FROM goals
    UNION ALL
    SELECT jsonb_build_object('completed_on', b.completed_on) FROM occupied o JOIN buildings b ON b.id = o.id
), days AS (
    SELECT day FROM recorded WHERE day IS NOT NULL
    UNION
    SELECT (r ->> k)::date + CASE WHEN k = 'period_end' THEN 1 ELSE 0 END
    FROM dated CROSS JOIN LATERAL unnest(
        ARRAY['moved_in', 'moved_out', 'completed_on', 'period_start', 'period_end']) AS k
    WHERE jsonb_typeof(r -> k) = 'string'
)
SELECT day FROM days
WHERE day >= ($1 AT TIME ZONE 'UTC')::date AND day <= ($2 AT TIME ZONE 'UTC')::date
ORDER BY 1
