//! What migration 0015 stores instead of computing per request: each plot's figures from its
//! buildings, and each collection's count and extent. Every check recounts from the tables.

use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::{get, seeded};

/// Plots whose stored rollup differs from a recount of their buildings, and areas whose kept
/// counts differ from a recount, described.
async fn rollups_off(pool: &PgPool) -> Vec<String> {
    let mut off: Vec<String> = sqlx::query_scalar(
        "SELECT format('area %s: kept %s plots and %s buildings, counted %s and %s',
                       a.slug, r.plot_count, r.building_count, c.plots, c.buildings)
         FROM areas a
         LEFT JOIN area_rollups r ON r.area_id = a.id
         CROSS JOIN LATERAL (
             SELECT (SELECT count(*) FROM plots p WHERE p.area_id = a.id) AS plots,
                    (SELECT count(*) FROM buildings b JOIN plots p ON p.id = b.plot_id
                     WHERE p.area_id = a.id) AS buildings) AS c
         WHERE coalesce(r.plot_count, 0) <> c.plots OR coalesce(r.building_count, 0) <> c.buildings",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let plots: Vec<String> = sqlx::query_scalar(
        "WITH recount AS (
             SELECT p.id,
                    count(b.id)::int AS n,
                    coalesce(sum(b.floor_area_m2), 0) AS floor_m2,
                    coalesce(jsonb_agg(b.id ORDER BY b.id) FILTER (WHERE b.id IS NOT NULL), '[]') AS ids,
                    CASE WHEN bool_or(d.achieved_level = 'platinum') THEN 'platinum'
                         WHEN bool_or(d.achieved_level = 'gold') THEN 'gold'
                         WHEN bool_or(d.achieved_level = 'silver') THEN 'silver' END AS best,
                    count(*) FILTER (WHERE d.achieved_level = 'gold')::int AS gold
             FROM plots p
             LEFT JOIN buildings b ON b.plot_id = p.id
             LEFT JOIN dgnb_records d ON d.building_id = b.id
             GROUP BY p.id)
         SELECT format('plot %s: stored %s, recounted %s', r.id, to_jsonb(f), to_jsonb(r))
         FROM recount r LEFT JOIN plot_rollups f ON f.plot_id = r.id
         WHERE coalesce(f.building_count, 0) <> r.n
            OR abs(coalesce(f.floor_area_m2, 0) - r.floor_m2) > 1e-6
            OR coalesce(f.building_ids, '[]') <> r.ids
            OR f.best_dgnb_level IS DISTINCT FROM r.best
            OR coalesce(f.gold_buildings, 0) <> r.gold
            OR (f.plot_id IS NOT NULL AND r.n = 0)",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    off.extend(plots);
    off
}

async fn run(pool: &PgPool, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .unwrap();
}

#[sqlx::test]
async fn stored_plot_figures_follow_every_kind_of_change(pool: PgPool) {
    let app = seeded(&pool).await;
    assert_eq!(
        rollups_off(&pool).await,
        Vec::<String>::new(),
        "after import"
    );

    // Two plots of Kildedal: one with buildings, one without.
    let (with, without): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT min(plot_id) FROM buildings),
                (SELECT min(p.id) FROM plots p WHERE NOT EXISTS
                    (SELECT 1 FROM buildings b WHERE b.plot_id = p.id))",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let steps = [
        format!(
            "INSERT INTO buildings (reference, plot_id, name, footprint, floor_area_office_m2)
             SELECT 'T-1', id, 'Test', ST_Buffer(ST_PointOnSurface(boundary), 2, 'quad_segs=1'), 1234.5
             FROM plots WHERE id = {without}"
        ),
        "UPDATE buildings SET floor_area_office_m2 = 2000 WHERE reference = 'T-1'".to_owned(),
        "INSERT INTO dgnb_records (building_id, phase, target_level, achieved_level, total_score_pct, issued_on)
         SELECT id, 'certificate', 'gold', 'gold', 70, DATE '2025-06-01' FROM buildings WHERE reference = 'T-1'"
            .to_owned(),
        "UPDATE dgnb_records SET achieved_level = 'platinum', total_score_pct = 85
         WHERE building_id = (SELECT id FROM buildings WHERE reference = 'T-1')"
            .to_owned(),
        format!(
            "UPDATE buildings SET plot_id = {with},
                    footprint = (SELECT ST_Buffer(ST_PointOnSurface(boundary), 2, 'quad_segs=1') FROM plots WHERE id = {with})
             WHERE reference = 'T-1'"
        ),
        "DELETE FROM dgnb_records WHERE building_id = (SELECT id FROM buildings WHERE reference = 'T-1')"
            .to_owned(),
        // A plot and its buildings move to the other area, and back.
        format!(
            "UPDATE plots SET area_id = (SELECT max(id) FROM areas WHERE id <> plots.area_id) WHERE id = {with}"
        ),
        format!(
            "UPDATE plots SET area_id = (SELECT min(id) FROM areas WHERE id <> plots.area_id) WHERE id = {with}"
        ),
        "DELETE FROM buildings WHERE reference = 'T-1'".to_owned(),
    ];
    for step in &steps {
        run(&pool, step).await;
        assert_eq!(
            rollups_off(&pool).await,
            Vec::<String>::new(),
            "after {step}"
        );
    }

    // What a page publishes is the stored figure: the recount of one plot, through the API.
    run(
        &pool,
        &format!(
            "INSERT INTO buildings (reference, plot_id, name, footprint, floor_area_residential_m2)
         SELECT 'T-2', id, 'Test', ST_Buffer(ST_PointOnSurface(boundary), 2, 'quad_segs=1'), 500
         FROM plots WHERE id = {without}"
        ),
    )
    .await;
    let page = get(&app, &format!("/collections/plots/items/{without}")).await;
    let p = &page.json["properties"];
    assert_eq!(p["building_count"], 1, "{p}");
    assert_eq!(p["floor_area_m2"].as_f64(), Some(500.0), "{p}");
    let area_m2 = p["plot_area_m2"].as_f64().unwrap();
    let ratio = p["plot_ratio_pct"].as_f64().unwrap();
    assert!(
        (ratio - 500.0 * 100.0 / area_m2).abs() < 0.06,
        "{ratio} {area_m2}"
    );

    // A plot without buildings goes.
    run(&pool, "DELETE FROM buildings WHERE reference = 'T-2'").await;
    run(&pool, &format!("DELETE FROM plots WHERE id = {without}")).await;
    assert_eq!(
        rollups_off(&pool).await,
        Vec::<String>::new(),
        "after a plot went"
    );
}

/// Two transactions that add a building to the same plot at the same time: the one that
/// commits second must count the first's building too. (Two locks see to it: the plot's, taken
/// by the rollup refresh, and the table's row in collection_extents; the test fails without
/// both.)
#[sqlx::test]
async fn concurrent_writers_of_one_plot_both_count(pool: PgPool) {
    let _app = seeded(&pool).await;
    let plot: i64 = sqlx::query_scalar("SELECT min(plot_id) FROM buildings")
        .fetch_one(&pool)
        .await
        .unwrap();
    let insert = move |reference: &'static str| {
        format!(
            "INSERT INTO buildings (reference, plot_id, name, footprint, floor_area_office_m2)
             SELECT '{reference}', id, 'Test', ST_Buffer(ST_PointOnSurface(boundary), 1, 'quad_segs=1'), 100
             FROM plots WHERE id = {plot}"
        )
    };
    let mut first = pool.begin().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(insert("C-1")))
        .execute(&mut *first)
        .await
        .unwrap();
    let second_pool = pool.clone();
    let second = tokio::spawn(async move {
        let mut tx = second_pool.begin().await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(insert("C-2")))
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    });
    // Let the second reach the plot's lock before the first commits.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first.commit().await.unwrap();
    second.await.unwrap();
    assert_eq!(rollups_off(&pool).await, Vec::<String>::new());
}

/// Tables whose kept count or box differ from a measurement, described.
async fn extents_off(pool: &PgPool) -> Vec<String> {
    let mut off = Vec::new();
    for (table, geom) in [
        ("areas", "boundary"),
        ("plots", "boundary"),
        ("buildings", "footprint"),
        ("stations", "geom"),
        ("brt_lines", "geom"),
        ("brt_stops", "geom"),
        ("cycle_superhighways", "geom"),
    ] {
        let row: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT format('%s: kept %s %s %s %s %s, measured %s %s', e.relation, e.feature_count,
                           e.west, e.south, e.east, e.north, m.n, m.box)
             FROM collection_extents e,
                  (SELECT count(*) AS n, ST_Extent(ST_Transform({geom}, 4326)) AS box FROM {table}) AS m
             WHERE e.relation = '{table}'
               AND (e.feature_count <> m.n
                    OR abs(e.west - ST_XMin(m.box)) > 1e-9 OR abs(e.south - ST_YMin(m.box)) > 1e-9
                    OR abs(e.east - ST_XMax(m.box)) > 1e-9 OR abs(e.north - ST_YMax(m.box)) > 1e-9)"
        )))
        .fetch_optional(pool)
        .await
        .unwrap();
        off.extend(row);
    }
    off
}

#[sqlx::test]
async fn counts_and_extents_follow_inserts_moves_and_deletes(pool: PgPool) {
    let app = seeded(&pool).await;
    assert_eq!(
        extents_off(&pool).await,
        Vec::<String>::new(),
        "after import"
    );
    let steps = [
        // A station far east widens the box; moved further, back, then gone.
        "INSERT INTO stations (name, line, geom) VALUES ('Far', 'test', ST_SetSRID(ST_MakePoint(760000, 6190000), 25832))",
        "UPDATE stations SET geom = ST_SetSRID(ST_MakePoint(770000, 6195000), 25832) WHERE name = 'Far'",
        "UPDATE stations SET geom = ST_SetSRID(ST_MakePoint(715000, 6178000), 25832) WHERE name = 'Far'",
        "DELETE FROM stations WHERE name = 'Far'",
        // A building inside the box removed, and a plot's status changed: counts only.
        "DELETE FROM buildings WHERE id = (SELECT max(id) FROM buildings)",
        "UPDATE plots SET status = status",
    ];
    for step in steps {
        sqlx::query(step).execute(&pool).await.unwrap();
        assert_eq!(
            extents_off(&pool).await,
            Vec::<String>::new(),
            "after {step}"
        );
    }

    // /collections and numberMatched answer what was measured.
    let (west, south, east, north, n): (f64, f64, f64, f64, i64) = sqlx::query_as(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), n
         FROM (SELECT ST_Extent(ST_Transform(footprint, 4326)) AS e, count(*) AS n FROM buildings) AS m",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let collection = get(&app, "/collections/buildings").await.json;
    let bbox: Vec<f64> = collection["extent"]["spatial"]["bbox"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (got, want) in bbox.iter().zip([west, south, east, north]) {
        assert!((got - want).abs() < 1e-9, "{bbox:?}");
    }
    let page = get(&app, "/collections/buildings/items?limit=1").await.json;
    assert_eq!(page["numberMatched"], Value::from(n));
}
