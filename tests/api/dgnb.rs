//! DGNB by criteria group: the five group scores beside the total, each level's minimum per
//! group enforced on write and on import, the total their weighted sum, and the scores
//! published wherever the schema reaches (items, queryables, CQL2, history).

use axum::http::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{assert_refused_field, get, seeded};
use crate::planners::{patch_as, planner_auth};

/// The five group scores (environmental, economic, social, technical, process) and a total.
fn scores(groups: [f64; 5], total: f64) -> Value {
    json!({
        "dgnb_phase": "certificate", "dgnb_scheme": "new_construction",
        "dgnb_target_level": "gold", "dgnb_achieved_level": "gold",
        "dgnb_environmental_pct": groups[0], "dgnb_economic_pct": groups[1],
        "dgnb_social_pct": groups[2], "dgnb_technical_pct": groups[3],
        "dgnb_process_pct": groups[4], "dgnb_total_score_pct": total,
    })
}

/// A completed Kildedal building: (id, reference).
async fn kildedal_building(pool: &PgPool) -> (i64, String) {
    sqlx::query_as(
        "SELECT b.id, b.reference FROM buildings b JOIN plots p ON p.id = b.plot_id
         JOIN areas a ON a.id = p.area_id
         WHERE a.slug = 'kildedal' AND b.construction_status = 'completed'
         ORDER BY b.reference LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn each_group_needs_the_levels_minimum(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = planner_auth(&pool, "karen", &["kildedal"]).await;
    let (id, _) = kildedal_building(&pool).await;
    let uri = format!("/collections/buildings/items/{id}");

    // Technical at 49.9 %: below Gold's 50 % in every group. Total: by hand,
    // (0.225 × (76 + 70 + 70) + 0.15 × 49.9 + 0.125 × 75) / 0.95 = 65.46 / 0.95 = 68.905 %.
    let low = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": scores([76.0, 70.0, 70.0, 49.9, 75.0], 68.9) }),
    )
    .await;
    assert_eq!(low.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", low.text);
    assert_eq!(low.json["error"]["field"], "dgnb_technical_pct");
    let message = low.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("gold needs at least 50 %"), "{message}");

    // Exactly 50 %: Gold. (0.225 × 215 + 0.15 × 50 + 0.125 × 75) / 0.95 = 65.25 / 0.95 = 68.684 %.
    let edge = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": scores([75.0, 70.0, 70.0, 50.0, 75.0], 68.7) }),
    )
    .await;
    assert_eq!(edge.status, StatusCode::OK, "{}", edge.text);
    let p = &get(&app, &uri).await.json["properties"];
    assert_eq!(p["dgnb_technical_pct"], 50.0);
    assert_eq!(p["dgnb_environmental_pct"], 75.0);
    assert_eq!(p["dgnb_total_score_pct"], 68.7);

    // A total that is not the weighted sum.
    let sum = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": scores([75.0, 70.0, 70.0, 50.0, 75.0], 70.0) }),
    )
    .await;
    assert_eq!(sum.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", sum.text);
    assert_eq!(sum.json["error"]["field"], "dgnb_total_score_pct");
    assert!(
        sum.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("68.68"),
        "{}",
        sum.text
    );

    // Four groups of five.
    let partial = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": { "dgnb_process_pct": null } }),
    )
    .await;
    assert_refused_field(&partial, "dgnb_process_pct");

    // Out of range: the schema's range.
    let high = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": { "dgnb_social_pct": 100.5 } }),
    )
    .await;
    assert_refused_field(&high, "dgnb_social_pct");

    // Platinum's total with a group under Platinum's 65 %: it is Gold, not Platinum.
    // (0.225 × 285 + 0.15 × 60 + 0.125 × 64) / 0.95 = 81.125 / 0.95 = 85.395 %.
    let mut platinum = scores([95.0, 95.0, 95.0, 60.0, 64.0], 85.4);
    platinum["dgnb_achieved_level"] = json!("platinum");
    platinum["dgnb_target_level"] = json!("platinum");
    let not_platinum = patch_as(&app, &uri, &auth, json!({ "properties": platinum })).await;
    assert_refused_field(&not_platinum, "dgnb_technical_pct");
    assert!(not_platinum.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("65 %"));
}

#[sqlx::test]
async fn the_group_scores_are_published_queryable_and_kept_in_the_history(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = planner_auth(&pool, "karen", &["kildedal"]).await;
    let (id, reference) = kildedal_building(&pool).await;
    let uri = format!("/collections/buildings/items/{id}");
    let was_technical = get(&app, &uri).await.json["properties"]["dgnb_technical_pct"].clone();
    assert_ne!(was_technical, 50.0);
    let before = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let edit = patch_as(
        &app,
        &uri,
        &auth,
        json!({ "properties": scores([75.0, 70.0, 70.0, 50.0, 75.0], 68.7) }),
    )
    .await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.text);

    let q = get(&app, "/collections/buildings/queryables").await.json;
    let technical = &q["properties"]["dgnb_technical_pct"];
    assert_eq!(technical["type"], "number", "{q}");
    assert_eq!(technical["minimum"], 0.0);
    assert_eq!(technical["maximum"], 100.0);
    let schema = get(&app, "/collections/buildings/schema").await.json;
    let technical = &schema["properties"]["dgnb_technical_pct"];
    assert_eq!(technical["x-ogc-unit"], "pct", "{schema}");
    assert_eq!(technical["x-plotline-title"]["da"], "DGNB teknisk kvalitet");
    assert_eq!(
        schema["properties"]["fingerplan_office_check"]["readOnly"],
        true
    );

    let filter = "dgnb_technical_pct = 50 AND dgnb_environmental_pct >= 75";
    let found = get(
        &app,
        &format!("/collections/buildings/items?filter={}", url_escape(filter)),
    )
    .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let refs: Vec<&str> = found.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["reference"].as_str().unwrap())
        .collect();
    assert_eq!(refs, [reference.as_str()]);

    // As it stood before the edit.
    let past = get(
        &app,
        &format!(
            "/collections/buildings/items?reference={reference}&as_of={}",
            url_escape(&before.to_rfc3339())
        ),
    )
    .await;
    assert_eq!(past.status, StatusCode::OK, "{}", past.text);
    let was = &past.json["features"][0]["properties"];
    assert_eq!(was["reference"], reference.as_str(), "{}", past.text);
    assert_eq!(was["dgnb_technical_pct"], was_technical);
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn write_buildings(dir: &std::path::Path, features: Vec<Value>) {
    let fc = json!({ "type": "FeatureCollection", "features": features });
    std::fs::write(dir.join("buildings.geojson"), fc.to_string()).unwrap();
}

#[sqlx::test]
async fn the_importer_checks_the_groups(pool: PgPool) {
    let app = seeded(&pool).await;
    let (_, reference) = kildedal_building(&pool).await;
    let mut building = get(&app, &format!("/collections/buildings/items/{reference}"))
        .await
        .json;
    let dir = tempfile::tempdir().unwrap();
    let set = |b: &mut Value, s: Value| {
        for (k, v) in s.as_object().unwrap() {
            b["properties"][k] = v.clone();
        }
    };

    set(&mut building, scores([76.0, 70.0, 70.0, 49.9, 75.0], 68.9));
    write_buildings(dir.path(), vec![building.clone()]);
    let err = plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&reference)
            && err.contains("gold needs at least 50 %")
            && err.contains("technical"),
        "{err}"
    );

    set(&mut building, scores([75.0, 70.0, 70.0, 50.0, 75.0], 68.7));
    write_buildings(dir.path(), vec![building]);
    plotline::import::import(&pool, &[dir.path().to_owned()])
        .await
        .unwrap();
    let technical: Option<f64> = sqlx::query_scalar(
        "SELECT d.technical_pct FROM dgnb_records d JOIN buildings b ON b.id = d.building_id WHERE b.reference = $1",
    )
    .bind(&reference)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(technical, Some(50.0));
}
