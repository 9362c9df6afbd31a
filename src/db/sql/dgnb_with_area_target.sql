-- Every building of an area that sets a least DGNB level, with its record, for the area rule.
SELECT b.reference, a.target_dgnb_level AS area_target, coalesce(d.phase, 'none') AS phase,
       d.target_level, d.achieved_level, d.total_score_pct
FROM buildings b
JOIN plots p ON p.id = b.plot_id
JOIN areas a ON a.id = p.area_id
LEFT JOIN dgnb_records d ON d.building_id = b.id
WHERE a.target_dgnb_level IS NOT NULL
ORDER BY b.reference
