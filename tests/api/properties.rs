//! Property-based tests of the write path (proptest): random merge patches of every writable
//! property of a plot and a building, with values in and out of each property's range and kind
//! (taken from the collection's description), and random outlines. Whatever is sent:
//! - no answer is a 5xx;
//! - a refused write changes no row, writes no history entry and keeps the ETag;
//! - after an accepted write every collection, summary and timeline still answers 200.
//!
//! The cases are drawn from a fixed seed (`TestRunner::deterministic`), so a failure repeats.

use axum::http::StatusCode;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};
use sqlx::{AssertSqlSafe, PgPool};

use crate::helpers::{get, seeded};
use crate::planners::send;
use plotline::schema::{Kind, Role};

/// A value for a property: mostly of its kind and in its range, sometimes not.
fn value_for(kind: &Kind) -> BoxedStrategy<Value> {
    let hostile = prop_oneof![
        Just(json!(1e308)),
        Just(json!(-1e308)),
        Just(json!(-1)),
        Just(json!("x\u{0}y")),
        Just(json!("")),
        Just(json!(null)),
        Just(json!(true)),
        Just(json!([1, 2])),
        Just(json!({"a": 1})),
        "[a-z]{1,12}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
    ];
    let fitting: BoxedStrategy<Value> = match kind.clone() {
        Kind::Number { min, max } => (min.max(-1e12)..=max.min(1e12))
            .prop_map(Value::from)
            .boxed(),
        Kind::Integer { min, max } => (min.max(-1_000_000_000)..=max.min(1_000_000_000))
            .prop_map(Value::from)
            .boxed(),
        Kind::Enum(values) => proptest::sample::select(values)
            .prop_map(Value::from)
            .boxed(),
        Kind::Date => (2000i32..2040, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| json!(format!("{y:04}-{m:02}-{d:02}")))
            .boxed(),
        Kind::Uuid => Just(json!("6a3c2f0e-5d1b-4c8e-9f7a-2b1d0c9e8f7a")).boxed(),
        Kind::Boolean => any::<bool>().prop_map(Value::from).boxed(),
        _ => "[A-Za-zÆØÅæøå0-9 .,-]{0,40}".prop_map(Value::from).boxed(),
    };
    prop_oneof![3 => fitting, 1 => hostile].boxed()
}

/// Everything a refused write must leave as it was.
async fn state_of(pool: &PgPool, table: &str, id: i64) -> (String, i64, i64) {
    // With its internal fields or DGNB record, and the internal version.
    let row: String = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT jsonb_build_array(to_jsonb(t),
                    (SELECT to_jsonb(i) FROM plot_internal i WHERE '{table}' = 'plots' AND i.plot_id = t.id),
                    (SELECT to_jsonb(d) FROM dgnb_records d WHERE '{table}' = 'buildings' AND d.building_id = t.id),
                    (SELECT version FROM internal_version))::text
         FROM {table} t WHERE id = $1"
    )))
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap();
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM history")
        .fetch_one(pool)
        .await
        .unwrap();
    let version: i64 = sqlx::query_scalar("SELECT version FROM data_version")
        .fetch_one(pool)
        .await
        .unwrap();
    (row, history, version)
}

const READABLE: [&str; 8] = [
    "/collections/plots/items?limit=1000",
    "/collections/buildings/items?limit=1000",
    "/collections/plots/items?filter=plot_ratio_pct%3E1",
    "/areas/kildedal/summary",
    "/areas/kildedal/summary?f=csv",
    "/areas/kildedal/timeline",
    "/plots",
    "/buildings",
];

#[sqlx::test]
async fn random_writes_refuse_cleanly_or_leave_everything_readable(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = crate::planners::planner_auth(&pool, "anna", &["kildedal"]).await;
    let mut runner = TestRunner::deterministic();
    let (mut accepted, mut refused) = (0, 0);
    for (collection, table, reference) in [
        ("plots", "plots", "KD-03"),
        ("buildings", "buildings", "KD-03-A"),
    ] {
        let id: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT id FROM {table} WHERE reference = $1"
        )))
        .bind(reference)
        .fetch_one(&pool)
        .await
        .unwrap();
        let description = plotline::schema::find(collection).unwrap();
        let writable: Vec<_> = description
            .writable()
            .filter(|p| Role::Planner.may_read(p.access))
            .collect();
        let uri = format!("/collections/{collection}/items/{id}");
        for case in 0..40 {
            // One to three properties at once, sometimes with a moved outline.
            let count = 1 + case % 3;
            let mut properties = serde_json::Map::new();
            for k in 0..count {
                let p = writable[(case * 7 + k * 3) % writable.len()];
                let value = value_for(&p.kind).new_tree(&mut runner).unwrap().current();
                properties.insert(p.name.to_owned(), value);
            }
            let mut body = json!({ "properties": properties });
            if case % 5 == 4 {
                let (dx, dy) = (-1e-4..1e-4f64, -1e-4..1e-4f64)
                    .new_tree(&mut runner)
                    .unwrap()
                    .current();
                let current = send(&app, "GET", &uri, &[("authorization", &auth)], None).await;
                let mut geometry = current.json["geometry"].clone();
                if let Some(ring) = geometry["coordinates"][0].as_array_mut() {
                    for position in ring.iter_mut() {
                        position[0] = json!(position[0].as_f64().unwrap() + dx);
                        position[1] = json!(position[1].as_f64().unwrap() + dy);
                    }
                }
                body["geometry"] = geometry;
            }
            let tag = crate::planners::etag_as(&app, &uri, &auth).await;
            let before = state_of(&pool, table, id).await;
            let answer = send(
                &app,
                "PATCH",
                &uri,
                &[
                    ("authorization", &auth),
                    ("if-match", &tag),
                    ("x-change-reason", "property test"),
                ],
                Some(body.clone()),
            )
            .await;
            let shown: String = answer.text.chars().take(300).collect();
            assert!(
                answer.status.as_u16() < 500,
                "{collection} {body}: {} {shown}",
                answer.status
            );
            if answer.status.is_success() {
                accepted += 1;
                for path in READABLE {
                    let read = get(&app, path).await;
                    let text: String = read.text.chars().take(300).collect();
                    assert_eq!(read.status, StatusCode::OK, "after {body}: {path} {text}");
                }
            } else {
                refused += 1;
                assert_eq!(
                    state_of(&pool, table, id).await,
                    before,
                    "refused {body} ({shown}) changed something"
                );
                let after = send(&app, "GET", &uri, &[("authorization", &auth)], None).await;
                assert_eq!(
                    after.headers["etag"].to_str().unwrap(),
                    tag,
                    "refused {body} changed the ETag"
                );
            }
        }
    }
    eprintln!("{accepted} writes accepted, {refused} refused");
    assert!(
        accepted >= 10 && refused >= 10,
        "{accepted} accepted, {refused} refused"
    );
}
