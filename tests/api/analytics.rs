//! Area figures: a hand-made fixture worked out by hand, the Ballerup data set cross-checked
//! with the `geo` crate, the edge cases, `as_of` and the timeline.

use axum::http::StatusCode;
use geo::{Area, Distance, Euclidean, Point};
use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::{assert_error, get, get_if_none_match, seeded};

fn app(pool: &PgPool) -> axum::Router {
    plotline::app(plotline::AppState::new(pool.clone()))
}

fn close(actual: &Value, expected: f64, what: &str) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual} is not a number"));
    assert!(
        (a - expected).abs() < 1e-6,
        "{what}: {a}, expected {expected}"
    );
}

fn row<'a>(rows: &'a Value, key: &str, value: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no row with {key} = {value} in {rows}"))
}

#[sqlx::test(fixtures("analytics"))]
async fn testby_figures_match_the_hand_computation(pool: PgPool) {
    let s = get(&app(&pool), "/areas/testby/summary").await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    let s = s.json;

    // Areas: 1000 m × 100 m = 10 ha, in four plots.
    close(&s["area"]["area_ha"], 10.0, "area");
    assert_eq!(s["plots"]["count"], 4);
    let available = row(&s["plots"]["by_status"], "status", "available");
    assert_eq!(available["count"], 1);
    close(&available["area_ha"], 2.0, "available ha");
    close(&available["share"], 0.2, "available share");
    assert_eq!(
        row(&s["plots"]["by_status"], "status", "withdrawn")["count"],
        0
    );

    // Land-use mix by plot area: residential 1 ha, office 2 + 1 ha, green 6 ha of 10 ha.
    let mix = &s["land_use_mix"];
    close(
        &row(&mix["by_plot_area"], "land_use", "residential")["share"],
        0.1,
        "residential",
    );
    close(
        &row(&mix["by_plot_area"], "land_use", "office")["share"],
        0.3,
        "office",
    );
    close(
        &row(&mix["by_plot_area"], "land_use", "green_recreational")["share"],
        0.6,
        "green",
    );
    // A land use absent from the area is listed with nothing.
    close(
        &row(&mix["by_plot_area"], "land_use", "production")["area_ha"],
        0.0,
        "production",
    );
    // E = −(0.1 ln 0.1 + 0.3 ln 0.3 + 0.6 ln 0.6) / ln 9 = 0.897946 / 2.197225 = 0.408673
    close(
        &mix["entropy_index_by_plot_area"],
        0.408_672_711_073_255,
        "plot-area entropy",
    );
    // Floor area: 12,000 m² residential, 14,000 m² office of 26,000 m² over 5 uses:
    // E = −(6/13 ln 6/13 + 7/13 ln 7/13) / ln 5 = 0.690186 / 1.609438 = 0.428836
    close(
        &mix["entropy_index_by_floor_area"],
        0.428_836_471_843_125_2,
        "floor entropy",
    );
    close(
        &mix["housing_share_of_floor_area"],
        12.0 / 26.0,
        "housing share",
    );
    assert_eq!(mix["housing_share_in_dgnb_urban_range"], true);

    // Plot ratio: 26,000 m² on 100,000 m² = 26 %; P2 has 12,000 m² on 20,000 m² = 60 % > 50 %.
    let ratio = &s["plot_ratio"];
    close(&ratio["area_pct"], 26.0, "area plot ratio");
    let p2 = row(&ratio["plots"], "reference", "P2");
    close(&p2["plot_ratio_pct"], 60.0, "P2 ratio");
    assert_eq!(p2["over_max"], true);
    close(
        &row(&ratio["plots"], "reference", "P1")["plot_ratio_pct"],
        120.0,
        "P1 ratio",
    );
    // A plot with no floor area.
    close(
        &row(&ratio["plots"], "reference", "P3")["plot_ratio_pct"],
        0.0,
        "P3 ratio",
    );
    assert_eq!(ratio["over_max"].as_array().unwrap().len(), 1);
    assert_eq!(ratio["over_max"][0]["reference"], "P2");
    close(
        &ratio["over_max"][0]["plot_ratio_pct"],
        60.0,
        "P2 in over_max",
    );
    assert_eq!(ratio["over_max_count"], 1);
    assert_eq!(s["list_limit"], 100);

    // Station proximity: B1 is 121.7 m and B2 220.9 m from the station, B3 1020.2 m: 24,000 of
    // 26,000 m² within 600 m. Homes: P1's 100 of 100. Jobs: P2's 400 of 500 (P4 is 1000 m off).
    let transit = &s["transit"];
    close(
        &transit["station_600m"]["floor_area_share"],
        24.0 / 26.0,
        "floor near station",
    );
    close(
        &transit["station_600m"]["homes_share"],
        1.0,
        "homes near station",
    );
    close(
        &transit["station_600m"]["jobs_share"],
        0.8,
        "jobs near station",
    );
    let study = row(&transit["brt_400m"], "status", "study");
    close(&study["floor_area_share"], 24.0 / 26.0, "floor near BRT");
    close(
        &row(&transit["brt_400m"], "status", "decided")["floor_area_share"],
        0.0,
        "decided BRT",
    );
    close(
        &transit["cycle_superhighway_250m"]["floor_area_share"],
        24.0 / 26.0,
        "floor near C1",
    );
    // B3: 2,000 m² of offices (over 1,500 m²) 1020 m from the station.
    let offices = transit["large_offices_outside_station_zone"]
        .as_array()
        .unwrap();
    assert_eq!(offices.len(), 1);
    assert_eq!(transit["large_offices_outside_station_zone_count"], 1);
    assert_eq!(offices[0]["reference"], "B3");
    close(
        &offices[0]["nearest_station_distance_m"],
        1_020.196_059_588_547_9,
        "B3 distance",
    );

    // DGNB: Gold is required. B2 targets silver, B3 has no record: both fail and neither is
    // certified; B1 is certified gold.
    let dgnb = &s["dgnb"];
    assert_eq!(dgnb["compliant"], false);
    assert_eq!(dgnb["fully_certified"], false);
    let failing: Vec<&str> = dgnb["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reference"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["B2", "B3"]);
    assert_eq!(dgnb["failing_count"], 2);
    assert_eq!(dgnb["not_yet_certified_count"], 2);
    assert!(dgnb["failing"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("targets silver"));
    assert!(dgnb["failing"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("no DGNB target"));
    let uncertified: Vec<&str> = dgnb["not_yet_certified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reference"].as_str().unwrap())
        .collect();
    assert_eq!(uncertified, ["B2", "B3"]);
    assert_eq!(
        row(&dgnb["by_phase"], "phase", "none")["buildings"],
        1,
        "B3 only"
    );
    assert_eq!(row(&dgnb["by_level"], "level", "gold")["buildings"], 1);
    close(
        &row(&dgnb["by_level"], "level", "gold")["floor_area_m2"],
        12000.0,
        "gold floor",
    );
    assert_eq!(
        dgnb["certificates_by_year"],
        serde_json::json!([{"year": 2024, "count": 1}, {"year": 2025, "count": 1}])
    );

    // Goals: homes 100 built of 200; jobs 400 available + 100 reserved = 500 planned of 1000.
    let homes = row(&s["goals"], "metric", "homes");
    assert_eq!(
        (
            homes["target"].as_i64(),
            homes["built"].as_i64(),
            homes["planned"].as_i64()
        ),
        (Some(200), Some(100), Some(0))
    );
    let jobs = row(&s["goals"], "metric", "jobs");
    assert_eq!(
        (jobs["planned"].as_i64(), jobs["built"].as_i64()),
        (Some(500), Some(0))
    );
}

#[sqlx::test(fixtures("analytics"))]
async fn an_area_without_buildings_has_no_floor_figures(pool: PgPool) {
    let s = get(&app(&pool), "/areas/emptyville/summary").await.json;
    assert_eq!(s["plots"]["count"], 1);
    assert_eq!(s["dgnb"]["buildings"], 0);
    assert_eq!(
        s["dgnb"]["compliant"],
        Value::Null,
        "no DGNB rule in this area"
    );
    assert_eq!(
        s["land_use_mix"]["entropy_index_by_floor_area"],
        Value::Null
    );
    assert_eq!(
        s["land_use_mix"]["housing_share_of_floor_area"],
        Value::Null
    );
    // One land use of nine: no mix at all.
    close(
        &s["land_use_mix"]["entropy_index_by_plot_area"],
        0.0,
        "one use",
    );
    close(&s["plot_ratio"]["area_pct"], 0.0, "no floor area");
    assert_eq!(
        s["transit"]["station_600m"]["floor_area_share"],
        Value::Null
    );
    // The municipal goals (the 2017–2021 policy's and the current one's) are there with no
    // area goals of its own.
    let goals = s["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 2);
    assert!(goals.iter().all(|g| g["metric"] == "new_private_jobs"));
}

#[sqlx::test(fixtures("analytics"))]
async fn the_summary_as_csv(pool: PgPool) {
    let answer = get(&app(&pool), "/areas/testby/summary?f=csv").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let lines: Vec<&str> = answer.text.lines().collect();
    assert_eq!(lines[0], "figure,value");
    assert!(
        lines.contains(&"land_use_mix.by_plot_area.green_recreational.share,0.6"),
        "{}",
        answer.text
    );
    assert!(lines.contains(&"plot_ratio.plots.P2.over_max,true"));
    assert!(lines.contains(&"dgnb.failing.B3.name,Lille kontor"));
}

#[sqlx::test(fixtures("analytics"))]
async fn bad_summary_requests(pool: PgPool) {
    let app = app(&pool);
    assert_error(
        &get(&app, "/areas/atlantis/summary").await,
        StatusCode::NOT_FOUND,
        "atlantis",
    );
    let a = get(&app, "/areas/testby/summary?as_of=yesterday").await;
    assert_error(&a, StatusCode::BAD_REQUEST, "`yesterday`");
    assert_eq!(a.json["error"]["parameter"], "as_of");
    assert_error(
        &get(&app, "/areas/testby/summary?as_of=2999-01-01").await,
        StatusCode::BAD_REQUEST,
        "future",
    );
    assert_error(
        &get(&app, "/areas/testby/summary?f=xlsx").await,
        StatusCode::BAD_REQUEST,
        "xlsx",
    );
    assert_error(
        &get(&app, "/areas/testby/timeline?interval=hour").await,
        StatusCode::BAD_REQUEST,
        "hour",
    );
    assert_error(
        &get(&app, "/areas/testby/timeline?from=2020-01-01&interval=day").await,
        StatusCode::BAD_REQUEST,
        "more than",
    );
    assert_error(
        &get(&app, "/plots/P1/proximity?radius_m=-5").await,
        StatusCode::BAD_REQUEST,
        "metres",
    );
    assert_error(
        &get(&app, "/plots/NOPE/proximity").await,
        StatusCode::NOT_FOUND,
        "NOPE",
    );
}

#[sqlx::test(fixtures("analytics"))]
async fn as_of_shows_the_area_before_a_change(pool: PgPool) {
    let app = app(&pool);
    let before: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT clock_timestamp()")
        .fetch_one(&pool)
        .await
        .unwrap();
    // P2 is sold and B3's plot withdrawn, in a later transaction.
    let mut tx = pool.begin().await.unwrap();
    plotline::db::history::set_change_context(&mut tx, "test", "sold to an investor")
        .await
        .unwrap();
    sqlx::query("UPDATE plots SET status = 'sold' WHERE reference = 'P2'")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("DELETE FROM buildings WHERE reference = 'B3'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let now = get(&app, "/areas/testby/summary").await.json;
    assert_eq!(
        row(&now["plots"]["by_status"], "status", "sold")["count"],
        1
    );
    assert_eq!(now["dgnb"]["buildings"], 2);

    let uri = format!(
        "/areas/testby/summary?as_of={}",
        before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    )
    .replace('+', "%2B");
    let then = get(&app, &uri).await;
    assert_eq!(then.status, StatusCode::OK, "{}", then.text);
    let then = then.json;
    assert_eq!(
        row(&then["plots"]["by_status"], "status", "sold")["count"],
        0
    );
    assert_eq!(
        row(&then["plots"]["by_status"], "status", "available")["count"],
        1
    );
    assert_eq!(
        then["dgnb"]["buildings"], 3,
        "the deleted building stood then"
    );
    close(&then["plot_ratio"]["area_pct"], 26.0, "ratio then");

    let history: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT operation, changed_by, reason FROM history WHERE changed_by = 'test' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(
        history[0],
        (
            "update".into(),
            "test".into(),
            Some("sold to an investor".into())
        )
    );
    assert_eq!(history[1].0, "delete");

    // The history cannot be rewritten.
    let err = sqlx::query("DELETE FROM history")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[sqlx::test(fixtures("analytics"))]
async fn the_timeline_ends_with_today(pool: PgPool) {
    let answer = get(&app(&pool), "/areas/testby/timeline?interval=day").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let points = answer.json["points"].as_array().unwrap();
    assert!(!points.is_empty());
    let last = points.last().unwrap();
    assert_eq!(last["date"], chrono::Utc::now().date_naive().to_string());
    assert_eq!(last["plots"], 4);
    assert_eq!(last["homes"]["built"], 100);
    assert_eq!(last["certified_buildings"], 1);
    // Before the data existed the area had nothing.
    let early = get(
        &app(&pool),
        "/areas/testby/timeline?from=2020-01-01&to=2020-03-01&interval=month",
    )
    .await;
    let early = early.json["points"].as_array().unwrap().clone();
    assert_eq!(early.len(), 3);
    assert!(early.iter().all(|p| p["plots"] == 0));
}

#[sqlx::test(fixtures("analytics"))]
async fn proximity_lists_transit_nearest_first(pool: PgPool) {
    let answer = get(&app(&pool), "/plots/P2/proximity").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let transit = answer.json["transit"].as_array().unwrap();
    let listed: Vec<(&str, f64)> = transit
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap(),
                t["distance_m"].as_f64().unwrap(),
            )
        })
        .collect();
    // P2 (x 700200..700400, y 6180000..6180100): the stop at (700300, 6180150) is 50 m off,
    // the station at the origin 200 m, the cycle route along y = 6180300 200 m.
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert_eq!(listed[0], ("Midt", 50.0));
    assert_eq!(transit[0]["status"], "study");
    assert!(listed.windows(2).all(|w| w[0].1 <= w[1].1));
    assert!(listed
        .iter()
        .any(|(n, d)| *n == "Origo St." && (*d - 200.0).abs() < 1e-9));
    // Within 60 m only the stop is left.
    let near = get(&app(&pool), "/plots/P2/proximity?radius_m=60")
        .await
        .json;
    assert_eq!(near["transit"].as_array().unwrap().len(), 1);
}

/// The Kildedal figures against the `geo` crate on the same EPSG:25832 geometries (0.1 %).
#[sqlx::test]
async fn kildedal_figures_agree_with_geo(pool: PgPool) {
    let app = seeded(&pool).await;
    let s = get(&app, "/areas/kildedal/summary").await.json;

    let plots: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.land_use, ST_AsGeoJSON(p.boundary, 6) FROM plots p JOIN areas a ON a.id = p.area_id
         WHERE a.slug = 'kildedal'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut by_use = std::collections::BTreeMap::<String, f64>::new();
    for (land_use, geometry) in &plots {
        let polygon: geo::Polygon<f64> = geometry
            .parse::<geojson::Geometry>()
            .unwrap()
            .value
            .try_into()
            .unwrap();
        *by_use.entry(land_use.clone()).or_default() += polygon.unsigned_area();
    }
    let total_m2: f64 = by_use.values().sum();
    let within = |a: f64, b: f64, what: &str| {
        assert!(
            (a - b).abs() <= b.abs() * 0.001 + 1e-9,
            "{what}: {a} vs geo {b}"
        )
    };
    within(
        s["plots"]["area_ha"].as_f64().unwrap(),
        total_m2 / 10_000.0,
        "plot area",
    );
    for (land_use, m2) in &by_use {
        let served = row(&s["land_use_mix"]["by_plot_area"], "land_use", land_use)["area_ha"]
            .as_f64()
            .unwrap();
        within(served, m2 / 10_000.0, land_use);
    }
    let amounts: Vec<f64> = plotline::domain::LandUse::ALL
        .iter()
        .map(|u| by_use.get(u.as_str()).copied().unwrap_or(0.0))
        .collect();
    let h: f64 = amounts
        .iter()
        .filter(|a| **a > 0.0)
        .map(|a| {
            let p = a / total_m2;
            -p * p.ln()
        })
        .sum();
    within(
        s["land_use_mix"]["entropy_index_by_plot_area"]
            .as_f64()
            .unwrap(),
        h / 9f64.ln(),
        "entropy",
    );

    // Floor area within 600 m of a station, with geo's distances from each footprint.
    let stations: Vec<(f64, f64)> = sqlx::query_as("SELECT ST_X(geom), ST_Y(geom) FROM stations")
        .fetch_all(&pool)
        .await
        .unwrap();
    let buildings: Vec<(String, f64)> = sqlx::query_as(
        "SELECT ST_AsGeoJSON(b.footprint, 6), b.floor_area_m2 FROM buildings b JOIN plots p ON p.id = b.plot_id
         JOIN areas a ON a.id = p.area_id WHERE a.slug = 'kildedal'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let (mut near, mut all) = (0.0, 0.0);
    for (footprint, floor) in &buildings {
        let polygon: geo::Polygon<f64> = footprint
            .parse::<geojson::Geometry>()
            .unwrap()
            .value
            .try_into()
            .unwrap();
        let d = stations
            .iter()
            .map(|(x, y)| Euclidean.distance(&polygon, &Point::new(*x, *y)))
            .fold(f64::INFINITY, f64::min);
        all += floor;
        if d <= 600.0 {
            near += floor;
        }
    }
    within(
        s["transit"]["station_600m"]["floor_area_share"]
            .as_f64()
            .unwrap(),
        near / all,
        "floor near station",
    );
    within(
        s["dgnb"]["floor_area_m2"].as_f64().unwrap(),
        all,
        "floor area",
    );
    // The Gold rule holds in the shipped data set.
    assert_eq!(s["dgnb"]["compliant"], true, "{}", s["dgnb"]["failing"]);
}

/// The summary without the instant it was read at.
fn figures(mut summary: Value) -> Value {
    summary.as_object_mut().unwrap().remove("as_of");
    summary
}

#[sqlx::test(fixtures("analytics"))]
async fn lists_stop_at_list_limit_and_say_how_many_there_are(pool: PgPool) {
    let app = app(&pool);
    let all = get(&app, "/areas/testby/summary").await.json;
    let one = get(&app, "/areas/testby/summary?list_limit=1").await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    let one = one.json;
    assert_eq!(one["list_limit"], 1);
    // The first by reference, and the count of all.
    let refs = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| r["reference"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(refs(&one["plot_ratio"]["plots"]), ["P1"]);
    assert_eq!(refs(&one["dgnb"]["failing"]), ["B2"]);
    assert_eq!(one["dgnb"]["failing_count"], 2);
    assert_eq!(refs(&one["dgnb"]["not_yet_certified"]), ["B2"]);
    assert_eq!(one["dgnb"]["not_yet_certified_count"], 2);
    assert_eq!(one["plots"]["count"], 4);

    let none = get(&app, "/areas/testby/summary?list_limit=0").await.json;
    for list in [
        &none["plot_ratio"]["plots"],
        &none["plot_ratio"]["over_max"],
        &none["dgnb"]["failing"],
        &none["dgnb"]["not_yet_certified"],
        &none["transit"]["large_offices_outside_station_zone"],
    ] {
        assert_eq!(list, &serde_json::json!([]));
    }
    assert_eq!(none["plot_ratio"]["over_max_count"], 1);
    assert_eq!(
        none["transit"]["large_offices_outside_station_zone_count"],
        1
    );
    // Everything but the lists is the same however long they are.
    for part in ["plots", "land_use_mix", "goals"] {
        assert_eq!(none[part], all[part], "{part}");
    }
    assert_eq!(none["dgnb"]["by_level"], all["dgnb"]["by_level"]);
    assert_eq!(
        none["transit"]["station_600m"],
        all["transit"]["station_600m"]
    );

    for bad in ["10001", "-1", "many"] {
        let a = get(&app, &format!("/areas/testby/summary?list_limit={bad}")).await;
        assert_error(&a, StatusCode::BAD_REQUEST, bad);
        assert_eq!(a.json["error"]["parameter"], "list_limit");
    }
}

#[sqlx::test(fixtures("analytics"))]
async fn a_kept_summary_follows_every_change(pool: PgPool) {
    // One app, so one summary cache, across the requests.
    let app = app(&pool);
    let first = get(&app, "/areas/testby/summary").await;
    let etag = first.headers[axum::http::header::ETAG]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");
    let again = get(&app, "/areas/testby/summary").await;
    assert_eq!(figures(again.json.clone()), figures(first.json.clone()));
    assert_eq!(again.headers[axum::http::header::ETAG], etag.as_str());
    let revalidated = get_if_none_match(&app, "/areas/testby/summary", &etag).await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);

    // A change made behind the service's back (psql, an import) shows at once.
    sqlx::query("UPDATE plots SET status = 'withdrawn' WHERE reference = 'P2'")
        .execute(&pool)
        .await
        .unwrap();
    let after = get(&app, "/areas/testby/summary").await;
    assert_ne!(after.headers[axum::http::header::ETAG], etag.as_str());
    assert_eq!(
        row(&after.json["plots"]["by_status"], "status", "withdrawn")["count"],
        1
    );
    let stale = get_if_none_match(&app, "/areas/testby/summary", &etag).await;
    assert_eq!(stale.status, StatusCode::OK);

    // The same figures as a fresh service computes.
    let fresh = get(&self::app(&pool), "/areas/testby/summary").await;
    assert_eq!(figures(after.json), figures(fresh.json));
}

#[sqlx::test]
async fn the_history_rebuilds_the_live_figures(pool: PgPool) {
    // The summary over the history (as_of) and over the live tables are two plans of one
    // query: at a time after the last change they must agree to the last digit.
    let app = seeded(&pool).await;
    let later = (chrono::Utc::now() + chrono::Duration::seconds(2))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for area in ["kildedal", "lautrup"] {
        let live = get(&app, &format!("/areas/{area}/summary")).await;
        let rebuilt = get(&app, &format!("/areas/{area}/summary?as_of={later}")).await;
        assert_eq!(rebuilt.status, StatusCode::OK, "{}", rebuilt.text);
        assert_eq!(figures(rebuilt.json), figures(live.json), "{area}");
    }
}

/// Sixteen requests at once for a summary whose data just changed: one computation, the others
/// wait for it and are answered from it, none refused.
#[sqlx::test]
async fn simultaneous_requests_for_a_changed_summary_compute_it_once(pool: PgPool) {
    crate::helpers::load(&pool).await;
    let state = plotline::AppState::new(pool.clone());
    let metrics = state.metrics.clone();
    let app = plotline::app(state);
    assert_eq!(
        get(&app, "/areas/kildedal/summary").await.status,
        StatusCode::OK
    );
    sqlx::query("UPDATE data_version SET version = version + 1")
        .execute(&pool)
        .await
        .unwrap();
    let before = metrics.summary_computations();
    let answers =
        futures_util::future::join_all((0..16).map(|_| get(&app, "/areas/kildedal/summary"))).await;
    for a in &answers {
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    }
    assert_eq!(metrics.summary_computations() - before, 1);
}
