//! Companies (issue #14): the collection, planners' edits with the same rules as every edit,
//! the public and internal job figures, the goals with periods worked out by hand, clusters in
//! the figures, on the tiles and near a plot.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::Router;
use geo::{Distance, Euclidean, Point, Polygon};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::helpers::{assert_error, get, seeded};
use crate::planners::{admin_auth, etag_as, patch_as, planner_auth, send};
use crate::tiles::{decode, tile_bytes, tile_of};

fn goal<'a>(summary: &'a Value, title: &str) -> &'a Value {
    summary["goals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["title"] == title)
        .unwrap_or_else(|| panic!("no goal `{title}` in {}", summary["goals"]))
}

fn numbers(v: &Value) -> BTreeMap<String, i64> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), n.as_i64().unwrap()))
        .collect()
}

fn map(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// The goals' figures worked out by hand from geodata/companies.geojson (COMPANIES in
/// geodata/generate.py) and the buildings' completion dates.
///
/// 3,000 new private jobs, 2022-01-01 – 2025-12-31, measured on 2025-12-31 (ended):
///
/// | company | cluster | moved in / out | building completed | counts |
/// |---|---|---|---|---|
/// | CO-01 | it | 2012-03-01 | old | 0: before |
/// | CO-02 | it | 2023-06-01 | old | 45 |
/// | CO-03 | finance | 2019-09-01 | old | 0: before |
/// | CO-04 | finance | 2024-02-01 | old | 60 |
/// | CO-05 | life science | 2008-01-01 | 2023-02-20 (LT-16 rebuilt) | 300: revitalised plot |
/// | CO-06 | life science | 2022-05-01 / 2024-12-31 | old | 0: gone on the day measured |
/// | CO-07 | it | 2025-11-01 | old | 140 |
/// | CO-08 | other | 1998-04-01 | old | 0: before |
/// | CO-09 | other, public | 2022-08-01 | old | 0: public institution |
/// | CO-10 | it | 2026-03-01 | old | 0: after |
/// | CO-11 | finance | 2021-10-01 / 2026-06-30 | old | 0: before |
/// | CO-12 | other | 2016-05-01 | old | 0: before |
/// | CO-13 | life science | 2024-09-01 | old | 55 |
/// | CO-14 | finance | 2023-01-15 | old | 40 |
/// | CO-15..18 | Kildedal | 2026-09-01 and later | | 0: after |
///
/// In all 45 + 60 + 300 + 140 + 55 + 40 = 640: IT 45 + 140 = 185, life science 300 + 55 = 355,
/// finance 60 + 40 = 100, other 0; all in Lautrup.
///
/// 1,000 new private jobs, 2017-10-01 – 2021-12-31: CO-03 (210) and CO-11 (95) moved in within
/// it, both finance: 305.
///
/// Published, by the rule that no job figure rests on one or two companies whose own figures
/// are not public (CO-03, CO-05 and CO-07 publish theirs): of the 640, IT rests on CO-02 alone,
/// life science on CO-13, finance on CO-04 and CO-14, so all three are withheld; together they
/// rest on four, so the total is published. The 305 rests on CO-11 alone (CO-03's 210 is
/// public): withheld, total and finance.
#[sqlx::test]
async fn the_goal_figures_match_the_hand_worked_fixture(pool: PgPool) {
    let app = seeded(&pool).await;
    let s = get(&app, "/areas/lautrup/summary").await.json;
    let current = goal(&s, "3,000 new private jobs");
    assert_eq!(current["period_start"], "2022-01-01");
    assert_eq!(current["period_end"], "2025-12-31");
    assert_eq!(current["period_ended"], true);
    assert_eq!(current["evaluated_on"], "2025-12-31");
    assert_eq!(current["achieved"], 640);
    assert_eq!(current["share_pct"], 21.3);
    assert_eq!(current["achieved_withheld"], false);
    assert_eq!(
        current["by_cluster"],
        json!({ "it_technology": null, "life_science": null, "finance_fintech": null, "other": 0 })
    );
    assert_eq!(
        numbers(&current["by_area"]),
        map(&[("kildedal", 0), ("lautrup", 640)])
    );
    assert!(current["definition"]
        .as_str()
        .unwrap()
        .contains("public institutions are not counted"));
    let former = goal(&s, "1,000 new private jobs");
    assert!(former["achieved"].is_null() && former["share_pct"].is_null());
    assert_eq!(former["achieved_withheld"], true);
    assert!(former["by_cluster"]["finance_fintech"].is_null());
    assert_eq!(former["by_cluster"]["it_technology"], 0);
    assert!(s["job_figures_withheld"]
        .as_str()
        .unwrap()
        .contains("one or two companies"));
    // Lautrup's present companies by cluster (from 2026-06-30 on): IT rests on CO-01, CO-02 and
    // CO-10 (with CO-07's public 140): 415. Life science on CO-13 alone (with CO-05's public
    // 300), finance on CO-04 and CO-14, other on CO-08 and CO-12: withheld.
    let jobs: BTreeMap<String, Value> = s["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["cluster"].as_str().unwrap().to_owned(), c["jobs"].clone()))
        .collect();
    assert_eq!(
        jobs,
        [
            ("finance_fintech", Value::Null),
            ("it_technology", json!(415)),
            ("life_science", Value::Null),
            ("other", Value::Null)
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    );
    // The same municipal goals, the same figures, from Kildedal's summary.
    let k = get(&app, "/areas/kildedal/summary").await.json;
    assert_eq!(goal(&k, "3,000 new private jobs")["achieved"], 640);
    // Kildedal's "other" rests on CO-15 (the café, from 2026-09-01) alone, with CO-18's public
    // figure from 2027-08-01: withheld.
    let other = k["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cluster"] == "other")
        .unwrap();
    assert_eq!(
        (other["companies"].as_i64(), other["jobs"].is_null()),
        (Some(1), true),
        "{other}"
    );
    // The homes goal keeps its progress by stage.
    let homes = goal(&k, "About 2,000 homes by 2035");
    assert!(homes["achieved"].is_null() && homes["built"].is_i64());

    // A planner finds that CO-10 moved in on 1 June 2025, within the period: +70 IT jobs.
    let lautrup = planner_auth(&pool, "lene", &["lautrup"]).await;
    let before = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let moved = patch_as(
        &app,
        "/collections/companies/items/CO-10",
        &lautrup,
        json!({ "properties": { "moved_in": "2025-06-01" } }),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.json);
    let s = get(&app, "/areas/lautrup/summary").await.json;
    let current = goal(&s, "3,000 new private jobs");
    assert_eq!(current["achieved"], 710);
    // IT now rests on CO-02 and CO-10 (CO-07's figure is public): still withheld.
    assert!(current["by_cluster"]["it_technology"].is_null());
    // As it stood before the change, from the history.
    let as_of = before.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let then = get(
        &app,
        &format!("/areas/lautrup/summary?as_of={}", as_of.replace('+', "%2B")),
    )
    .await;
    assert_eq!(then.status, StatusCode::OK, "{}", then.json);
    assert_eq!(goal(&then.json, "3,000 new private jobs")["achieved"], 640);

    // The timeline shows the goal in force on each date.
    let t = get(
        &app,
        "/areas/lautrup/timeline?from=2026-01-01&to=2026-03-01&interval=month",
    )
    .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.json);
    let point = &t.json["points"].as_array().unwrap().last().unwrap()["new_private_jobs"];
    assert_eq!(point["target"], 3000, "{point}");
    assert_eq!(point["period_ended"], true);
    // Kildedal's timeline: its first homes (KD-07, target 2027) delivered in 2026.
    let today = chrono::Utc::now().date_naive();
    let t = get(&app, &format!("/areas/kildedal/timeline?from={today}"))
        .await
        .json;
    let years = t["targets_by_year"].as_array().unwrap();
    let y2026 = years.iter().find(|y| y["year"] == 2026).unwrap();
    assert_eq!(y2026["delivered_homes"], 200, "{y2026}");
    let y2027 = years.iter().find(|y| y["year"] == 2027).unwrap();
    assert!(y2027["planned_homes"].as_i64().unwrap() >= 200, "{y2027}");
}

/// A company's job figure of its own is the planners'; published only where its source is.
#[sqlx::test]
async fn job_figures_are_public_only_where_their_source_is(pool: PgPool) {
    let app = seeded(&pool).await;
    let private = get(&app, "/collections/companies/items/CO-01").await.json;
    let props = &private["properties"];
    assert!(props["jobs"].is_null(), "{props}");
    assert!(props.get("jobs_on_site").is_none() && props.get("contact").is_none());
    let public = get(&app, "/collections/companies/items/CO-03").await.json;
    assert_eq!(public["properties"]["jobs"], 210);

    let lautrup = planner_auth(&pool, "lene", &["lautrup"]).await;
    let seen = send(
        &app,
        "GET",
        "/collections/companies/items/CO-01",
        &[("authorization", &lautrup)],
        None,
    )
    .await;
    assert_eq!(seen.json["properties"]["jobs_on_site"], 160);

    // A planner's note on the contact leaves no public trace: same public ETag, no public
    // history entry.
    let public_tag = get(&app, "/collections/companies/items/CO-01")
        .await
        .headers["etag"]
        .clone();
    let public_history = get(&app, "/collections/companies/items/CO-01/history")
        .await
        .json["history"]
        .as_array()
        .unwrap()
        .len();
    let noted = patch_as(
        &app,
        "/collections/companies/items/CO-01",
        &lautrup,
        json!({ "properties": { "contact": "Jens, facility manager" } }),
    )
    .await;
    assert_eq!(noted.status, StatusCode::OK, "{}", noted.json);
    let after = get(&app, "/collections/companies/items/CO-01").await;
    assert_eq!(after.headers["etag"], public_tag);
    assert!(!after.text.contains("Jens"));
    let history = get(&app, "/collections/companies/items/CO-01/history")
        .await
        .json;
    assert_eq!(history["history"].as_array().unwrap().len(), public_history);
    assert!(!history.to_string().contains("Jens"));

    // A changed job figure changes the public aggregates (the goal), not the feature.
    let grown = patch_as(
        &app,
        "/collections/companies/items/CO-02",
        &lautrup,
        json!({ "properties": { "jobs_on_site": 55 } }),
    )
    .await;
    assert_eq!(grown.status, StatusCode::OK, "{}", grown.json);
    let s = get(&app, "/areas/lautrup/summary").await.json;
    assert_eq!(goal(&s, "3,000 new private jobs")["achieved"], 650);
    assert!(
        get(&app, "/collections/companies/items/CO-02").await.json["properties"]["jobs"].is_null()
    );
}

fn new_company(building: &str, cvr: &str) -> Value {
    json!({ "type": "Feature", "geometry": null, "properties": {
        "reference": "CO-99", "name": "Ny Virksomhed ApS", "cvr": cvr, "cluster": "life_science",
        "sub_sector": "biotech", "ownership": "private", "building": building,
        "floor_area_m2": 500, "jobs_on_site": 12, "moved_in": "2026-10-01" } })
}

#[sqlx::test]
async fn planners_edit_companies_with_the_rules_of_every_edit(pool: PgPool) {
    let app = seeded(&pool).await;
    let lautrup = planner_auth(&pool, "lene", &["lautrup"]).await;
    let kildedal = planner_auth(&pool, "kim", &["kildedal"]).await;
    let items = "/collections/companies/items";

    let anonymous = send(
        &app,
        "POST",
        items,
        &[],
        Some(new_company("LT-11-B", "12345674")),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let bad_cvr = send(
        &app,
        "POST",
        items,
        &[("authorization", &lautrup)],
        Some(new_company("LT-11-B", "12345675")),
    )
    .await;
    assert_error(&bad_cvr, StatusCode::UNPROCESSABLE_ENTITY, "modulus-11");
    assert_eq!(bad_cvr.json["error"]["field"], "cvr", "{}", bad_cvr.json);
    let nowhere = send(
        &app,
        "POST",
        items,
        &[("authorization", &lautrup)],
        Some(new_company("LT-99-Z", "12345674")),
    )
    .await;
    assert_error(
        &nowhere,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no building `LT-99-Z`",
    );
    // Kildedal's planner may not place a company in Lautrup.
    let elsewhere = send(
        &app,
        "POST",
        items,
        &[("authorization", &kildedal)],
        Some(new_company("LT-11-B", "12345674")),
    )
    .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::FORBIDDEN,
        "{}",
        elsewhere.json
    );
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM companies WHERE reference = 'CO-99'")
            .fetch_one(&pool)
            .await
            .unwrap(),
        0
    );
    let created = send(
        &app,
        "POST",
        items,
        &[("authorization", &lautrup)],
        Some(new_company("LT-11-B", "12345674")),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let uri = "/collections/companies/items/CO-99";
    let read = get(&app, uri).await.json;
    assert_eq!(read["properties"]["building"], "LT-11-B");
    assert_eq!(read["properties"]["area"], "lautrup");
    assert_eq!(read["geometry"]["type"], "Point");
    // Its point lies in its building (PostGIS, checked by geo in EPSG:25832).
    let point = get(
        &app,
        &format!("{uri}?crs=http://www.opengis.net/def/crs/EPSG/0/25832"),
    )
    .await
    .json;
    let building = get(
        &app,
        "/collections/buildings/items/LT-11-B?crs=http://www.opengis.net/def/crs/EPSG/0/25832",
    )
    .await
    .json;
    let c = &point["geometry"]["coordinates"];
    let footprint: Polygon<f64> =
        serde_json::from_value::<geojson::Geometry>(building["geometry"].clone())
            .unwrap()
            .value
            .try_into()
            .unwrap();
    let at = Point::new(c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
    assert!(Euclidean.distance(&footprint, &at) < 0.01, "{at:?}");

    // No If-Match: 428. Moving out before moving in: 422.
    let blind = send(
        &app,
        "PATCH",
        uri,
        &[("authorization", &lautrup)],
        Some(json!({ "properties": { "cluster": "other" } })),
    )
    .await;
    assert_eq!(blind.status, StatusCode::PRECONDITION_REQUIRED);
    let backwards = patch_as(
        &app,
        uri,
        &lautrup,
        json!({ "properties": { "moved_out": "2026-01-01" } }),
    )
    .await;
    assert_error(
        &backwards,
        StatusCode::UNPROCESSABLE_ENTITY,
        "before it moves in",
    );
    // Moving it to Kildedal needs rights there too (the feature as it will be).
    let tag = etag_as(&app, uri, &lautrup).await;
    let moved = send(
        &app,
        "PATCH",
        uri,
        &[("authorization", &lautrup), ("if-match", &tag)],
        Some(json!({ "properties": { "building": "KD-10-A" } })),
    )
    .await;
    assert_eq!(moved.status, StatusCode::FORBIDDEN, "{}", moved.json);
    assert_eq!(
        get(&app, uri).await.json["properties"]["building"],
        "LT-11-B"
    );

    // A building with occupants is not deleted from under them.
    let building_uri = "/collections/buildings/items/LT-11-B";
    let tag = etag_as(&app, building_uri, &lautrup).await;
    let gone = send(
        &app,
        "DELETE",
        building_uri,
        &[
            ("authorization", &lautrup),
            ("if-match", &tag),
            ("x-change-reason", "demolished"),
        ],
        None,
    )
    .await;
    assert_error(&gone, StatusCode::CONFLICT, "occupant");

    // The company's history names who changed what; deleting it needs a reason.
    let tag = etag_as(&app, uri, &lautrup).await;
    let no_reason = send(
        &app,
        "DELETE",
        uri,
        &[("authorization", &lautrup), ("if-match", &tag)],
        None,
    )
    .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let deleted = send(
        &app,
        "DELETE",
        uri,
        &[
            ("authorization", &lautrup),
            ("if-match", &tag),
            ("x-change-reason", "registered twice"),
        ],
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.json);
    let history = get(&app, &format!("{uri}/history")).await.json;
    let ops: Vec<&str> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["insert", "delete"], "{history}");
}

/// The map colours buildings by the cluster of their occupants: the tiles carry it.
#[sqlx::test]
async fn building_tiles_carry_the_occupants_cluster(pool: PgPool) {
    let app = seeded(&pool).await;
    let b = get(&app, "/collections/buildings/items/LT-16-A").await.json;
    assert_eq!(b["properties"]["cluster"], "life_science");
    assert_eq!(b["properties"]["occupants"][0]["reference"], "CO-05");
    let c = &b["geometry"]["coordinates"][0][0];
    let (x, y) = tile_of(c[0].as_f64().unwrap(), c[1].as_f64().unwrap(), 16);
    let (status, bytes) = tile_bytes(&app, "buildings", 16, x, y).await;
    assert_eq!(status, 200);
    let features = decode(&bytes, "buildings", 16, x, y);
    let lt16a = features
        .iter()
        .find(|(_, p)| p.get("reference").map(String::as_str) == Some("LT-16-A"))
        .expect("LT-16-A in its tile");
    assert_eq!(lt16a.1["cluster"], "life_science");
    // An unoccupied building has no cluster.
    let empty = get(&app, "/collections/buildings/items/LT-16-B").await.json;
    assert!(empty["properties"]["cluster"].is_null());
    assert_eq!(empty["properties"]["occupants"], json!([]));
}

/// Companies within 1 km of a plot, by cluster: PostGIS's answer against `geo`'s distances.
#[sqlx::test]
async fn clusters_near_a_plot_agree_with_geo(pool: PgPool) {
    let app = seeded(&pool).await;
    let companies = companies_25832(&app).await;
    for plot in ["LT-10", "LT-20", "KD-11"] {
        let answer = get(&app, &format!("/plots/{plot}/proximity")).await;
        assert_eq!(answer.status, StatusCode::OK);
        let outline = get(
            &app,
            &format!(
                "/collections/plots/items/{plot}?crs=http://www.opengis.net/def/crs/EPSG/0/25832"
            ),
        )
        .await
        .json;
        let polygon: Polygon<f64> =
            serde_json::from_value::<geojson::Geometry>(outline["geometry"].clone())
                .unwrap()
                .value
                .try_into()
                .unwrap();
        let mut expected: BTreeMap<String, (i64, i64)> =
            ["it_technology", "life_science", "finance_fintech", "other"]
                .iter()
                .map(|c| (c.to_string(), (0, 0)))
                .collect();
        for (cluster, at, present, jobs) in &companies {
            if *present && Euclidean.distance(&polygon, at) <= 1_000.0 {
                let e = expected.get_mut(cluster).unwrap();
                e.0 += 1;
                e.1 += jobs;
            }
        }
        let served: BTreeMap<String, (i64, i64)> = answer.json["companies_within_1km"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["cluster"].as_str().unwrap().to_owned(),
                    (
                        c["companies"].as_i64().unwrap(),
                        c["jobs"].as_i64().unwrap(),
                    ),
                )
            })
            .collect();
        assert_eq!(served, expected, "{plot}");
    }
}

/// Every company's cluster, point (EPSG:25832), whether present, and public job figure.
async fn companies_25832(app: &Router) -> Vec<(String, Point<f64>, bool, i64)> {
    let all = get(
        app,
        "/collections/companies/items?limit=1000&crs=http://www.opengis.net/def/crs/EPSG/0/25832",
    )
    .await
    .json;
    all["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            let p = &f["properties"];
            (
                p["cluster"].as_str().unwrap().to_owned(),
                Point::new(c[0].as_f64().unwrap(), c[1].as_f64().unwrap()),
                p["present"].as_bool().unwrap(),
                p["jobs"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

/// The current policy's dates are not in the data: an admin enters them, and the figures
/// follow. Planners may not; the change is recorded with its reason.
#[sqlx::test]
async fn an_admin_changes_a_goals_period_and_the_figures_follow(pool: PgPool) {
    let app = seeded(&pool).await;
    let goals = get(&app, "/goals").await.json;
    let current = goals["goals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["title"] == "3,000 new private jobs")
        .unwrap()
        .clone();
    let uri = format!("/goals/{}", current["id"]);
    let read = get(&app, &uri).await;
    let tag = read.headers["etag"].to_str().unwrap().to_owned();
    let body = json!({ "period_start": "2023-01-01", "period_end": "2026-12-31" });

    let planner = planner_auth(&pool, "lene", &["lautrup"]).await;
    let refused = send(
        &app,
        "PATCH",
        &uri,
        &[
            ("authorization", &planner),
            ("if-match", &tag),
            ("x-change-reason", "policy dates"),
        ],
        Some(body.clone()),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let admin = admin_auth(&pool, "root").await;
    let blind = send(
        &app,
        "PATCH",
        &uri,
        &[
            ("authorization", &admin),
            ("x-change-reason", "policy dates"),
        ],
        Some(body.clone()),
    )
    .await;
    assert_eq!(blind.status, StatusCode::PRECONDITION_REQUIRED);
    let no_reason = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", &admin), ("if-match", &tag)],
        Some(body.clone()),
    )
    .await;
    assert_error(
        &no_reason,
        StatusCode::UNPROCESSABLE_ENTITY,
        "needs a reason",
    );
    let backwards = send(
        &app,
        "PATCH",
        &uri,
        &[
            ("authorization", &admin),
            ("if-match", &tag),
            ("x-change-reason", "x"),
        ],
        Some(json!({ "period_end": "2021-12-31" })),
    )
    .await;
    assert_error(
        &backwards,
        StatusCode::UNPROCESSABLE_ENTITY,
        "must not end before",
    );
    let changed = send(
        &app,
        "PATCH",
        &uri,
        &[
            ("authorization", &admin),
            ("if-match", &tag),
            ("x-change-reason", "the policy's own dates"),
        ],
        Some(body),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.json["period_start"], "2023-01-01");
    // The old ETag no longer holds.
    let stale = send(
        &app,
        "PATCH",
        &uri,
        &[
            ("authorization", &admin),
            ("if-match", &tag),
            ("x-change-reason", "again"),
        ],
        Some(json!({ "target": 3500 })),
    )
    .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);

    // 2023-01-01 – 2026-12-31, measured today (2026, not ended): CO-02 45, CO-04 60, CO-05
    // 300 (building completed 2023-02-20), CO-07 140, CO-10 70 (moved in 2026-03-01), CO-13 55,
    // CO-14 40 (2023-01-15), CO-15 8 (Kildedal café, 2026-09-01); CO-06 left, CO-11 moved in
    // before: 718, resting on six companies whose figures are not public. By area, Kildedal's
    // 8 rests on CO-15 alone, and Lautrup's 710 would give it away: both withheld.
    // Measured on the day of the summary, so only while 2026 lasts.
    let today = chrono::Utc::now().date_naive();
    if today <= chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap() {
        let s = get(&app, "/areas/lautrup/summary").await.json;
        let g = goal(&s, "3,000 new private jobs");
        assert_eq!(g["period_ended"], false);
        assert_eq!(g["achieved"], 718, "{g}");
        assert_eq!(
            g["by_area"],
            json!({ "kildedal": null, "lautrup": null }),
            "{g}"
        );
    }
    let recorded: (String, String) = sqlx::query_as(
        "SELECT changed_by, reason FROM history WHERE entity = 'goal' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        recorded,
        ("root".to_owned(), "the policy's own dates".to_owned())
    );
}

/// A timeline's point is the summary as of its day, also where nothing was recorded between
/// two points and only a date in the data came round: a company moving in, a goal's period
/// ending. The data set's history is moved 400 days back, as if it had been loaded then.
#[sqlx::test]
async fn a_timeline_follows_the_dates_in_the_data_between_changes(pool: PgPool) {
    let app = seeded(&pool).await;
    let mut tx = pool.begin().await.unwrap();
    for sql in [
        "ALTER TABLE history DISABLE TRIGGER USER",
        "UPDATE history SET changed_at = changed_at - interval '400 days'",
        "ALTER TABLE history ENABLE TRIGGER USER",
    ] {
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::Days::new(398);
    let t = get(
        &app,
        &format!("/areas/lautrup/timeline?from={from}&interval=month"),
    )
    .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.json);
    let points = t.json["points"].as_array().unwrap();
    assert!(points.len() >= 13, "{points:?}");
    let mut achieved = Vec::new();
    for point in &points[..points.len() - 1] {
        let day = point["date"].as_str().unwrap();
        let s = get(
            &app,
            &format!("/areas/lautrup/summary?as_of={day}T23:59:59.999Z"),
        )
        .await;
        assert_eq!(s.status, StatusCode::OK, "{}", s.json);
        let in_force = s.json["goals"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["metric"] == "new_private_jobs")
            .filter(|g| g["period_start"].as_str().is_none_or(|start| start <= day))
            .max_by_key(|g| g["period_start"].as_str().map(str::to_owned))
            .unwrap();
        let p = &point["new_private_jobs"];
        assert_eq!(
            p["achieved"], in_force["achieved"],
            "{day}: {p} / {in_force}"
        );
        assert_eq!(p["period_ended"], in_force["period_ended"], "{day}");
        assert_eq!(point["plots"], s.json["plots"]["count"], "{day}");
        achieved.push((p["achieved"].as_i64(), p["period_ended"] == true));
    }
    // The hand-worked figures: 500 before CO-07 moves in (2025-11-01), 640 from then on, and the
    // period 2022–2025 ends after 31 December 2025.
    assert!(achieved.contains(&(Some(500), false)), "{achieved:?}");
    assert!(achieved.contains(&(Some(640), false)), "{achieved:?}");
    assert!(achieved.contains(&(Some(640), true)), "{achieved:?}");
}

/// A new day (UTC) is announced like a change, once however many instances ask: a company's
/// `present` and a building's `cluster` change with the date alone, and ETags, summaries and
/// tiles follow the data version and the tile announcements.
#[sqlx::test]
async fn a_new_day_is_a_new_data_version_once(pool: PgPool) {
    let app = seeded(&pool).await;
    assert!(
        !plotline::db::new_day(&pool).await.unwrap(),
        "today has begun"
    );
    // The summary's ETag follows the data version (an item's follows its content).
    let before = get(&app, "/areas/lautrup/summary").await;
    assert_eq!(
        before.headers["etag"],
        get(&app, "/areas/lautrup/summary").await.headers["etag"]
    );
    let mut listener = sqlx::postgres::PgListener::connect_with(&pool)
        .await
        .unwrap();
    listener
        .listen(plotline::tiles::cache::CHANNEL)
        .await
        .unwrap();
    sqlx::query("UPDATE data_day SET day = day - 1")
        .execute(&pool)
        .await
        .unwrap();
    let (a, b) = tokio::join!(plotline::db::new_day(&pool), plotline::db::new_day(&pool));
    assert!(
        a.unwrap() ^ b.unwrap(),
        "exactly one of two instances begins the day"
    );
    let after = get(&app, "/areas/lautrup/summary").await;
    assert_ne!(before.headers["etag"], after.headers["etag"]);
    let mut announced = Vec::new();
    for _ in 0..2 {
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
            .await
            .expect("announced")
            .unwrap();
        announced.push(serde_json::from_str::<Value>(n.payload()).unwrap());
    }
    announced.sort_by_key(|v| v["c"].to_string());
    assert_eq!(
        announced,
        [
            json!({ "c": "buildings", "all": true }),
            json!({ "c": "companies", "all": true })
        ]
    );
}
