//! The planner workflow: accounts and roles, the plot lifecycle, OGC API – Features Part 4
//! editing with optimistic concurrency, validation, history, documents and the changes feed.
//! (GDAL 3.6's OAPIF driver and OWSLib do not write Part 4 here, so edits go over plain HTTP.)

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::PgPool;
use tower::ServiceExt;

use crate::helpers::{get, request, seeded, Answer};

/// A planner of the given areas with an API token; returns the token.
pub async fn planner(
    pool: &PgPool,
    username: &str,
    areas: &[&str],
    password: Option<&str>,
) -> String {
    account_with_token(pool, username, "planner", areas, password).await
}

/// A new account of `role` (for the given areas) with an API token; returns the token.
async fn account_with_token(
    pool: &PgPool,
    username: &str,
    role: &str,
    areas: &[&str],
    password: Option<&str>,
) -> String {
    let hash = password.map(|p| plotline::auth::hash_password(p).unwrap());
    let areas: Vec<String> = areas.iter().map(|a| a.to_string()).collect();
    plotline::db::accounts::create_user(pool, username, "", role, hash.as_deref(), &areas)
        .await
        .unwrap();
    let token = plotline::auth::new_secret("plt_");
    plotline::db::accounts::create_token(
        pool,
        username,
        "test",
        role,
        &plotline::auth::sha256_hex(&token),
        None,
    )
    .await
    .unwrap();
    token
}

pub async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    request(app, req.body(body).unwrap()).await
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

pub async fn plot_id(pool: &PgPool, reference: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM plots WHERE reference = $1")
        .bind(reference)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// `Authorization: Bearer …` of a new admin.
pub async fn admin_auth(pool: &PgPool, username: &str) -> String {
    bearer(&account_with_token(pool, username, "admin", &[], None).await)
}

/// `Authorization: Bearer …` of a new planner of the given areas.
pub async fn planner_auth(pool: &PgPool, username: &str, areas: &[&str]) -> String {
    bearer(&planner(pool, username, areas, None).await)
}

/// The ETag of a feature as a signed-in caller reads it (the tag If-Match checks).
pub async fn etag_as(app: &Router, uri: &str, auth: &str) -> String {
    send(app, "GET", uri, &[("authorization", auth)], None)
        .await
        .headers["etag"]
        .to_str()
        .unwrap()
        .to_owned()
}

/// A PATCH as a signed-in caller, with the ETag they read the feature at.
pub async fn patch_as(app: &Router, uri: &str, auth: &str, body: Value) -> Answer {
    let tag = etag_as(app, uri, auth).await;
    send(
        app,
        "PATCH",
        uri,
        &[("authorization", auth), ("if-match", &tag)],
        Some(body),
    )
    .await
}

/// The ETag of a plot as a client reads it.
async fn etag(app: &Router, uri: &str) -> String {
    get(app, uri).await.headers["etag"]
        .to_str()
        .unwrap()
        .to_owned()
}

/// Opens `/changes/stream?since=<since>` (within 10 s) and returns its body.
async fn open_stream(app: &Router, since: i64) -> Body {
    let stream = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        app.clone().oneshot(
            Request::get(format!("/changes/stream?since={since}"))
                .body(Body::empty())
                .unwrap(),
        ),
    )
    .await
    .expect("a stream opens within 10 s")
    .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    stream.into_body()
}

/// Reads a change stream until `done` holds for all it sent; panics with `what` and the number
/// of events seen when that takes past `deadline`.
async fn read_stream_until(
    body: &mut Body,
    deadline: tokio::time::Instant,
    what: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    let mut seen = String::new();
    while !done(&seen) {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{what}: not in time, after {} events",
                    seen.matches("event: change").count()
                )
            })
            .unwrap()
            .unwrap();
        if let Ok(data) = frame.into_data() {
            seen.push_str(&String::from_utf8_lossy(&data));
        }
    }
    seen
}

fn assert_status(answer: &Answer, status: StatusCode, part: &str) {
    assert_eq!(answer.status, status, "{}", answer.text);
    if !part.is_empty() {
        assert!(
            answer.text.contains(part),
            "`{part}` not in {}",
            answer.text
        );
    }
}

#[sqlx::test]
async fn writes_need_a_signed_in_planner_and_if_match(pool: PgPool) {
    let app = seeded(&pool).await;
    let token = planner(&pool, "anna", &["kildedal"], None).await;
    let id = plot_id(&pool, "KD-03").await;
    let uri = format!("/collections/plots/items/{id}");
    let patch = json!({ "properties": { "planned_homes": 240 } });

    let anonymous = send(&app, "PATCH", &uri, &[], Some(patch.clone())).await;
    assert_status(&anonymous, StatusCode::UNAUTHORIZED, "sign in");
    assert!(anonymous.headers.contains_key("www-authenticate"));
    let forged = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", "Bearer plt_nope")],
        Some(patch.clone()),
    )
    .await;
    assert_status(
        &forged,
        StatusCode::UNAUTHORIZED,
        "unknown, revoked or expired",
    );

    let auth = bearer(&token);
    let no_if_match = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", &auth)],
        Some(patch.clone()),
    )
    .await;
    assert_status(&no_if_match, StatusCode::PRECONDITION_REQUIRED, "If-Match");
    let stale = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", &auth), ("if-match", "\"0000\"")],
        Some(patch.clone()),
    )
    .await;
    assert_status(
        &stale,
        StatusCode::PRECONDITION_FAILED,
        "changed since you read it",
    );

    let tag = etag(&app, &uri).await;
    let ok = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", &auth), ("if-match", &tag)],
        Some(patch.clone()),
    )
    .await;
    assert_status(&ok, StatusCode::OK, "");
    assert_eq!(ok.json["properties"]["planned_homes"], 240);
    let new_tag = ok.headers["etag"].to_str().unwrap();
    assert_ne!(new_tag, tag);
    assert_eq!(
        etag(&app, &uri).await,
        new_tag,
        "the answer's ETag is the one a GET gives"
    );
    // The ETag read in another CRS names the same state.
    let utm_tag = etag(&app, &format!("{uri}?crs=EPSG:25832")).await;
    let again = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", &auth), ("if-match", &utm_tag)],
        Some(json!({ "properties": { "planned_homes": 241 } })),
    )
    .await;
    assert_status(&again, StatusCode::OK, "");

    // A planner of Lautrup may not touch Kildedal.
    let other = planner(&pool, "lars", &["lautrup"], None).await;
    let tag = etag(&app, &uri).await;
    let forbidden = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", &bearer(&other)), ("if-match", &tag)],
        Some(patch),
    )
    .await;
    assert_status(&forbidden, StatusCode::FORBIDDEN, "may not edit");

    // OPTIONS tells who may do what.
    let anon_options = send(&app, "OPTIONS", &uri, &[], None).await;
    assert_eq!(anon_options.headers["allow"], "GET, HEAD, OPTIONS");
    let options = send(&app, "OPTIONS", &uri, &[("authorization", &auth)], None).await;
    assert_eq!(
        options.headers["allow"],
        "GET, HEAD, OPTIONS, PUT, PATCH, DELETE"
    );
    let items_options = send(
        &app,
        "OPTIONS",
        "/collections/plots/items",
        &[("authorization", &auth)],
        None,
    )
    .await;
    assert!(items_options.headers["allow"]
        .to_str()
        .unwrap()
        .contains("POST"));
}

#[sqlx::test]
async fn the_plot_lifecycle_is_enforced_with_reasons(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = bearer(&planner(&pool, "anna", &["kildedal"], None).await);
    let id: i64 = sqlx::query_scalar("SELECT id FROM plots WHERE status = 'available' AND reference LIKE 'KD-%' ORDER BY id LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    let uri = format!("/collections/plots/items/{id}");

    let tag = etag(&app, &uri).await;
    let skip = send(
        &app,
        "PATCH",
        &uri,
        &[
            ("authorization", &auth),
            ("if-match", &tag),
            ("x-change-reason", "x"),
        ],
        Some(json!({ "properties": { "status": "built" } })),
    )
    .await;
    assert_status(
        &skip,
        StatusCode::CONFLICT,
        "cannot go from available to built",
    );
    assert_eq!(
        skip.json["error"]["allowed"],
        json!(["reserved", "planned", "withdrawn"])
    );

    let no_reason = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", &auth), ("if-match", &tag)],
        Some(json!({ "properties": { "status": "reserved" } })),
    )
    .await;
    assert_status(
        &no_reason,
        StatusCode::UNPROCESSABLE_ENTITY,
        "needs a reason",
    );
    assert_eq!(no_reason.json["error"]["field"], "reason");

    let reserved = send(
        &app,
        "PATCH",
        &uri,
        &[
            ("authorization", &auth),
            ("if-match", &tag),
            ("x-change-reason", "Letter of intent from Novo"),
        ],
        Some(json!({ "properties": { "status": "reserved" } })),
    )
    .await;
    assert_status(&reserved, StatusCode::OK, "");
    // The way back: the reservation falls through.
    let tag = reserved.headers["etag"].to_str().unwrap().to_owned();
    let back = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", &auth), ("if-match", &tag)],
        Some(json!({ "reason": "investor withdrew", "properties": { "status": "available" } })),
    )
    .await;
    assert_status(&back, StatusCode::OK, "");

    let history = get(&app, &format!("{uri}/history")).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    let changes: Vec<(String, String, String)> = history.json["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["entity"] == "plot" && h["operation"] == "update")
        .map(|h| {
            (
                h["changed_by"].as_str().unwrap().to_owned(),
                h["reason"].as_str().unwrap().to_owned(),
                h["new"]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            (
                "anna".into(),
                "Letter of intent from Novo".into(),
                "reserved".into()
            ),
            (
                "anna".into(),
                "investor withdrew".into(),
                "available".into()
            ),
        ]
    );
    // Old and new values, geometry included.
    let first = &history.json["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["reason"] == "Letter of intent from Novo")
        .unwrap()
        .clone();
    assert_eq!(first["old"]["status"], "available");
    assert_eq!(first["new"]["boundary"]["type"], "Polygon");
}

#[sqlx::test]
async fn every_write_is_validated_with_field_and_reason(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = bearer(&planner(&pool, "anna", &["kildedal"], None).await);
    let id = plot_id(&pool, "KD-03").await;
    let uri = format!("/collections/plots/items/{id}");
    let tag = etag(&app, &uri).await;
    let h = [
        ("authorization", auth.as_str()),
        ("if-match", tag.as_str()),
        ("x-change-reason", "test"),
    ];

    // A self-intersecting outline near Kildedal (a bow tie).
    let bowtie = json!({ "geometry": { "type": "Polygon", "coordinates": [[[12.284, 55.753], [12.286, 55.754], [12.286, 55.753], [12.284, 55.754], [12.284, 55.753]]] } });
    let invalid = send(&app, "PATCH", &uri, &h, Some(bowtie)).await;
    assert_status(&invalid, StatusCode::UNPROCESSABLE_ENTITY, "not valid");
    assert_eq!(invalid.json["error"]["field"], "geometry");
    let at = invalid.json["error"]["location"]
        .as_array()
        .expect("the place of the problem");
    assert!(
        (at[0].as_f64().unwrap() - 12.285).abs() < 0.001
            && (at[1].as_f64().unwrap() - 55.7535).abs() < 0.001,
        "{at:?}"
    );

    let swapped = json!({ "geometry": { "type": "Polygon", "coordinates": [[[55.753, 12.284], [55.753, 12.286], [55.754, 12.286], [55.753, 12.284]]] } });
    assert_status(
        &send(&app, "PATCH", &uri, &h, Some(swapped)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "swapped",
    );

    // KD-03 grown over its neighbours.
    let (grown,): (String,) = sqlx::query_as("SELECT ST_AsGeoJSON(ST_Transform(ST_Buffer(boundary, 30, 'join=mitre'), 4326), 7) FROM plots WHERE reference = 'KD-03'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let overlap = send(
        &app,
        "PATCH",
        &uri,
        &h,
        Some(json!({ "geometry": serde_json::from_str::<Value>(&grown).unwrap() })),
    )
    .await;
    assert_status(&overlap, StatusCode::UNPROCESSABLE_ENTITY, "overlaps plot");
    assert!(!overlap.json["error"]["overlapping"]
        .as_array()
        .unwrap()
        .is_empty());

    for (patch, field) in [
        (
            json!({ "properties": { "land_use": "offfice" } }),
            "land_use",
        ),
        (
            json!({ "properties": { "planned_homes": -3 } }),
            "planned_homes",
        ),
        (
            json!({ "properties": { "planned_homes": "many" } }),
            "planned_homes",
        ),
        (json!({ "properties": { "colour": "red" } }), "colour"),
        (json!({ "properties": { "reference": null } }), "reference"),
    ] {
        let answer = send(&app, "PATCH", &uri, &h, Some(patch.clone())).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{patch}: {}",
            answer.text
        );
        assert_eq!(answer.json["error"]["field"], field, "{patch}");
    }
    let broken = send(&app, "PATCH", &uri, &h[..2], None).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);

    // Buildings: inside their plot, DGNB scores that fit the level, Kildedal's Gold rule.
    let building: i64 = sqlx::query_scalar("SELECT b.id FROM buildings b JOIN plots p ON p.id = b.plot_id WHERE p.reference = 'KD-03' LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    let buri = format!("/collections/buildings/items/{building}");
    let btag = etag(&app, &buri).await;
    let hb = [
        ("authorization", auth.as_str()),
        ("if-match", btag.as_str()),
    ];
    let low = send(&app, "PATCH", &buri, &hb, Some(json!({ "properties": { "dgnb_phase": "certificate", "dgnb_achieved_level": "gold", "dgnb_total_score_pct": 60.5, "dgnb_target_level": "gold" } }))).await;
    assert_status(&low, StatusCode::UNPROCESSABLE_ENTITY, "gives silver");
    assert_eq!(low.json["error"]["field"], "dgnb_total_score_pct");
    let silver = send(
        &app,
        "PATCH",
        &buri,
        &hb,
        Some(json!({ "properties": { "dgnb_target_level": "silver" } })),
    )
    .await;
    assert_status(
        &silver,
        StatusCode::UNPROCESSABLE_ENTITY,
        "requires at least gold",
    );
    let (outside,): (String,) = sqlx::query_as("SELECT ST_AsGeoJSON(ST_Transform(ST_Translate(footprint, 500, 0), 4326), 7) FROM buildings WHERE id = $1")
        .bind(building)
        .fetch_one(&pool)
        .await
        .unwrap();
    let moved = send(
        &app,
        "PATCH",
        &buri,
        &hb,
        Some(json!({ "geometry": serde_json::from_str::<Value>(&outside).unwrap() })),
    )
    .await;
    assert_status(&moved, StatusCode::UNPROCESSABLE_ENTITY, "outside its plot");

    // Nothing of all that was written.
    let edits: i64 = sqlx::query_scalar("SELECT count(*) FROM history WHERE changed_by = 'anna'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(edits, 0);
}

#[sqlx::test]
async fn create_replace_and_delete_keep_the_history(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = bearer(&planner(&pool, "anna", &["kildedal"], None).await);
    // Split KD-01 in two: its west half stays KD-01, the east half becomes the new KD-99.
    let (west, east): (String, String) = sqlx::query_as(
        "WITH p AS (SELECT boundary b, ST_Envelope(boundary) e FROM plots WHERE reference = 'KD-01'),
              h AS (SELECT b, ST_XMin(e) x0, (ST_XMin(e) + ST_XMax(e)) / 2 xm, ST_XMax(e) x1, ST_YMin(e) y0, ST_YMax(e) y1 FROM p)
         SELECT ST_AsGeoJSON(ST_Transform(ST_Intersection(b, ST_MakeEnvelope(x0, y0, xm, y1, 25832)), 4326), 9),
                ST_AsGeoJSON(ST_Transform(ST_Intersection(b, ST_MakeEnvelope(xm, y0, x1, y1, 25832)), 4326), 9)
         FROM h",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let kd01 = plot_id(&pool, "KD-01").await;
    let uri = format!("/collections/plots/items/{kd01}");
    let mut feature = get(&app, &uri).await.json;
    feature["geometry"] = serde_json::from_str(&west).unwrap();
    let tag = etag(&app, &uri).await;
    let put = send(
        &app,
        "PUT",
        &uri,
        &[
            ("authorization", &auth),
            ("if-match", &tag),
            ("x-change-reason", "split for a school"),
        ],
        Some(feature),
    )
    .await;
    assert_status(&put, StatusCode::OK, "");

    let new_plot = json!({
        "type": "Feature",
        "geometry": serde_json::from_str::<Value>(&east).unwrap(),
        "properties": { "reference": "KD-99", "area": "kildedal", "land_use": "public_institution", "status": "planned", "planned_jobs": 40 },
    });
    let created = send(
        &app,
        "POST",
        "/collections/plots/items",
        &[("authorization", &auth)],
        Some(new_plot.clone()),
    )
    .await;
    assert_eq!(put.json["properties"]["reference"], "KD-01");
    assert_status(&created, StatusCode::CREATED, "");
    let location = created.headers["location"].to_str().unwrap().to_owned();
    assert!(location.ends_with(&format!("/collections/plots/items/{}", created.json["id"])));
    // Derived values are there at once: area, distances.
    let area_m2 = created.json["properties"]["plot_area_m2"].as_f64().unwrap();
    let expected: f64 =
        sqlx::query_scalar("SELECT ST_Area(ST_Difference(boundary, boundary)) FROM plots LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(area_m2 > expected + 100.0);
    assert!(created.json["properties"]["nearest_station_distance_m"]
        .as_f64()
        .is_some());
    let duplicate = send(
        &app,
        "POST",
        "/collections/plots/items",
        &[("authorization", &auth)],
        Some(new_plot),
    )
    .await;
    assert!(
        duplicate.status == StatusCode::CONFLICT
            || duplicate.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        duplicate.text
    );

    // Delete it again: gone from the collection, kept in the history.
    let new_uri = location.trim_start_matches("http://localhost").to_owned();
    let tag = created.headers["etag"].to_str().unwrap().to_owned();
    let no_reason = send(
        &app,
        "DELETE",
        &new_uri,
        &[("authorization", &auth), ("if-match", &tag)],
        None,
    )
    .await;
    assert_status(&no_reason, StatusCode::UNPROCESSABLE_ENTITY, "reason");
    let deleted = send(
        &app,
        "DELETE",
        &new_uri,
        &[
            ("authorization", &auth),
            ("if-match", &tag),
            ("x-change-reason", "school moved"),
        ],
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(get(&app, &new_uri).await.status, StatusCode::NOT_FOUND);
    let history = get(&app, &format!("{new_uri}/history")).await;
    let ops: Vec<&str> = history.json["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["insert", "delete"]);

    // A plot with buildings is not deleted from under them.
    let kd03 = plot_id(&pool, "KD-03").await;
    let tag = etag(&app, &format!("/collections/plots/items/{kd03}")).await;
    let blocked = send(
        &app,
        "DELETE",
        &format!("/collections/plots/items/{kd03}"),
        &[
            ("authorization", &auth),
            ("if-match", &tag),
            ("x-change-reason", "x"),
        ],
        None,
    )
    .await;
    assert_status(&blocked, StatusCode::CONFLICT, "building");

    // as_of: the collection as it stood before KD-99 existed and after.
    let at = chrono::Utc::now()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        .replace('+', "%2B");
    let now = get(
        &app,
        &format!("/collections/plots/items?as_of={at}&limit=1000"),
    )
    .await;
    assert_eq!(now.status, StatusCode::OK, "{}", now.text);
    assert_eq!(now.json["numberMatched"], 56);
    assert!(!now.text.contains("KD-99"));
}

#[sqlx::test]
async fn fifty_simultaneous_patches_one_wins(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = bearer(&planner(&pool, "anna", &["kildedal"], None).await);
    let id = plot_id(&pool, "KD-03").await;
    let uri = format!("/collections/plots/items/{id}");
    let tag = etag(&app, &uri).await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (app, uri, tag, auth) = (app.clone(), uri.clone(), tag.clone(), auth.clone());
        tasks.push(tokio::spawn(async move {
            send(
                &app,
                "PATCH",
                &uri,
                &[("authorization", &auth), ("if-match", &tag)],
                Some(json!({ "properties": { "planned_homes": 300 + i } })),
            )
            .await
            .status
        }));
    }
    let mut ok = 0;
    let mut stale = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::PRECONDITION_FAILED => stale += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((ok, stale), (1, 49));
    let changes: i64 = sqlx::query_scalar("SELECT count(*) FROM history WHERE entity = 'plot' AND entity_id = $1 AND changed_by = 'anna'")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(changes, 1);
}

#[sqlx::test]
async fn sign_in_with_cookie_csrf_and_rate_limit(pool: PgPool) {
    let app = seeded(&pool).await;
    planner(&pool, "anna", &["kildedal"], Some("kildedal-gold-2030")).await;

    for _ in 0..5 {
        let wrong = send(
            &app,
            "POST",
            "/auth/login",
            &[],
            Some(json!({ "username": "anna", "password": "guess" })),
        )
        .await;
        assert_status(
            &wrong,
            StatusCode::UNAUTHORIZED,
            "wrong user name or password",
        );
    }
    let limited = send(
        &app,
        "POST",
        "/auth/login",
        &[],
        Some(json!({ "username": "anna", "password": "kildedal-gold-2030" })),
    )
    .await;
    assert_status(&limited, StatusCode::TOO_MANY_REQUESTS, "too many");
    assert!(limited.headers.contains_key("retry-after"));

    // A fresh server (a fresh limiter) and the right password.
    let app = plotline::app(plotline::AppState::new(pool.clone()));
    let login = send(
        &app,
        "POST",
        "/auth/login",
        &[],
        Some(json!({ "username": "anna", "password": "kildedal-gold-2030" })),
    )
    .await;
    assert_status(&login, StatusCode::OK, "csrf_token");
    let cookie = login.headers["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let session = cookie.split(';').next().unwrap().to_owned();
    let csrf = login.json["csrf_token"].as_str().unwrap().to_owned();
    let me = send(&app, "GET", "/auth/me", &[("cookie", &session)], None).await;
    assert_eq!(me.json["role"], "planner");
    assert_eq!(me.json["areas"], json!(["kildedal"]));

    let id = plot_id(&pool, "KD-03").await;
    let uri = format!("/collections/plots/items/{id}");
    // Internal fields: planners only.
    let tag = etag(&app, &uri).await;
    let no_csrf = send(
        &app,
        "PATCH",
        &uri,
        &[("cookie", &session), ("if-match", &tag)],
        Some(json!({ "properties": { "asking_price_dkk": 41000000 } })),
    )
    .await;
    assert_status(&no_csrf, StatusCode::FORBIDDEN, "CSRF");
    let with_csrf = send(&app, "PATCH", &uri, &[("cookie", &session), ("if-match", &tag), ("x-csrf-token", &csrf)], Some(json!({ "properties": { "asking_price_dkk": 41000000, "counterparty": "PensionDanmark" } }))).await;
    assert_status(&with_csrf, StatusCode::OK, "");
    let public = get(&app, &uri).await;
    assert!(
        public.json["properties"].get("asking_price_dkk").is_none(),
        "{}",
        public.text
    );
    assert!(!public.text.contains("PensionDanmark"));
    let internal = send(&app, "GET", &uri, &[("cookie", &session)], None).await;
    assert_eq!(
        internal.json["properties"]["counterparty"],
        "PensionDanmark"
    );
    let feed = get(&app, "/changes").await;
    assert!(
        !feed.text.contains("PensionDanmark"),
        "the public feed hides internal fields"
    );

    let logout = send(&app, "POST", "/auth/logout", &[("cookie", &session)], None).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert_eq!(
        send(&app, "GET", "/auth/me", &[("cookie", &session)], None)
            .await
            .json["role"],
        "viewer"
    );
}

#[sqlx::test]
async fn documents_are_checked_stored_and_listed(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = bearer(&planner(&pool, "anna", &["kildedal"], None).await);
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        .to_vec();
    let upload = |bytes: Vec<u8>, name: &str| {
        let app = app.clone();
        let auth = auth.clone();
        let uri = format!("/collections/plots/items/KD-03/documents?filename={name}");
        async move {
            let req = Request::post(uri)
                .header("authorization", auth)
                .body(Body::from(bytes))
                .unwrap();
            let response = app.oneshot(req).await.unwrap();
            let status = response.status();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = upload(pdf.clone(), "dgnb-certificate.pdf").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["content_type"], "application/pdf");
    let (status, body) = upload(b"just text, called a pdf".to_vec(), "fake.pdf").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    let (status, _) = upload(vec![b'%'; 10 * 1024 * 1024 + 1], "huge.pdf").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let anonymous = send(
        &app,
        "POST",
        "/collections/plots/items/KD-03/documents?filename=x.pdf",
        &[],
        None,
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let list = get(&app, "/collections/plots/items/KD-03/documents").await;
    let docs = list.json["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 1);
    let href = docs[0]["href"].as_str().unwrap();
    let download = app
        .clone()
        .oneshot(Request::get(href).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert!(download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("dgnb-certificate.pdf"));
    assert_eq!(
        download
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
        pdf
    );
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM history WHERE entity = 'document' AND changed_by = 'anna'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(recorded, 1);
}

#[sqlx::test]
async fn changes_feed_and_live_stream(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = bearer(&planner(&pool, "anna", &["kildedal"], None).await);
    let start = get(&app, "/changes?limit=1000").await;
    let since = start.json["next_since"].as_i64().unwrap();

    // Open the stream, then edit.
    let mut body = open_stream(&app, since).await;

    let id = plot_id(&pool, "KD-03").await;
    let uri = format!("/collections/plots/items/{id}");
    let tag = etag(&app, &uri).await;
    let edit = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", &auth), ("if-match", &tag)],
        Some(json!({ "properties": { "planned_homes": 250 } })),
    )
    .await;
    assert_eq!(edit.status, StatusCode::OK);

    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let seen = read_stream_until(&mut body, deadline, "the edit within 10 s", |seen| {
        seen.contains("\"planned_homes\": 250") || seen.contains("\"planned_homes\":250")
    })
    .await;
    assert!(seen.contains("event: change"));

    let feed = get(&app, &format!("/changes?since={since}")).await;
    let entries = feed.json["changes"].as_array().unwrap();
    assert!(entries
        .iter()
        .any(|e| e["entity_id"] == id && e["changed_by"] == "anna"));
    assert_eq!(
        get(&app, "/changes?since=yesterday").await.status,
        StatusCode::BAD_REQUEST
    );
}

/// A stream that starts (or resumes) far behind sends everything, page after page, without
/// waiting for another change: notifications are merged, so one wake-up must drain the history.
#[sqlx::test]
async fn a_stream_catches_up_on_more_than_a_page(pool: PgPool) {
    let app = seeded(&pool).await;
    // The public stream numbers the changes without the internal ones (migration 0014).
    let before: i64 = sqlx::query_scalar("SELECT coalesce(max(public_seq), 0) FROM history")
        .fetch_one(&pool)
        .await
        .unwrap();
    // 20 rounds over every plot in one transaction: more history than one page of 1,000.
    let mut tx = pool.begin().await.unwrap();
    for _ in 0..20 {
        sqlx::query("UPDATE plots SET planned_homes = planned_homes + 1")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM history WHERE public_seq > $1")
        .bind(before)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(total > 1_000, "{total}");

    let mut body = open_stream(&app, before).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let what = format!("all {total} changes within 30 s");
    read_stream_until(&mut body, deadline, &what, |seen| {
        seen.matches("event: change").count() as i64 >= total
    })
    .await;
}

/// Change streams share one LISTEN connection: more streams than the pool has connections stay
/// open while the service goes on answering, every stream gets each change, and the connection
/// goes back to the pool once the last stream has closed. (With a connection per stream, the
/// eleventh open map page drained the pool.)
#[sqlx::test]
async fn change_streams_share_one_connection(pool: PgPool) {
    let app = seeded(&pool).await;
    let listening = || async {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        n
    };
    // From the latest change on: the streams have nothing to send, only to wait.
    let since = get(&app, "/changes?limit=1000").await.json["next_since"]
        .as_i64()
        .unwrap();
    let mut bodies = Vec::new();
    for _ in 0..40 {
        bodies.push(open_stream(&app, since).await);
    }
    assert_eq!(listening().await, 1);
    let page = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        get(&app, "/collections/plots/items?limit=1"),
    )
    .await
    .expect("the service answers with 40 streams open");
    assert_eq!(page.status, StatusCode::OK);

    // A change made anywhere (here: psql) reaches every stream.
    sqlx::query("UPDATE plots SET planned_homes = planned_homes + 1 WHERE reference = 'KD-03'")
        .execute(&pool)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    for body in &mut bodies {
        let seen = read_stream_until(
            body,
            deadline,
            "the change on every stream within 10 s",
            |seen| seen.contains("event: change"),
        )
        .await;
        assert!(seen.contains("KD-03"), "{seen}");
    }

    // Closed streams give the connection back; a new stream starts listening again.
    drop(bodies);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while listening().await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the LISTEN connection is still held"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _again = open_stream(&app, since).await;
    assert_eq!(listening().await, 1);
}

async fn building_id(pool: &PgPool, reference: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM buildings WHERE reference = $1")
        .bind(reference)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A square of `half_m` metres either side of a point inside a plot, as CRS84 GeoJSON.
async fn square_inside(pool: &PgPool, plot: &str, half_m: f64) -> Value {
    let (geojson,): (String,) = sqlx::query_as(
        "SELECT ST_AsGeoJSON(ST_Transform(ST_Envelope(ST_Buffer(ST_PointOnSurface(boundary), $2)), 4326), 9)
         FROM plots WHERE reference = $1",
    )
    .bind(plot)
    .bind(half_m)
    .fetch_one(pool)
    .await
    .unwrap();
    serde_json::from_str(&geojson).unwrap()
}

async fn history_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM history")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Issue 11, defect 1: a planner needs the feature's current area *and* its new one, for
/// every collection and method. A Kildedal planner once moved Lautrup's LT-01-A into KD-03.
#[sqlx::test]
async fn a_planner_cannot_take_another_areas_feature(pool: PgPool) {
    let app = seeded(&pool).await;
    let anna = bearer(&planner(&pool, "anna", &["kildedal"], None).await);
    let before = history_count(&pool).await;

    let lt01a = building_id(&pool, "LT-01-A").await;
    let uri = format!("/collections/buildings/items/{lt01a}");
    let tag = etag(&app, &uri).await;
    let h = [
        ("authorization", anna.as_str()),
        ("if-match", tag.as_str()),
        ("x-change-reason", "taking it"),
    ];
    let into_kd03 = json!({
        "properties": { "plot": "KD-03", "dgnb_target_level": "gold" },
        "geometry": square_inside(&pool, "KD-03", 3.0).await,
    });
    let patch = send(&app, "PATCH", &uri, &h, Some(into_kd03.clone())).await;
    assert_status(&patch, StatusCode::FORBIDDEN, "may not edit");
    let mut feature = get(&app, &uri).await.json;
    feature["properties"]["plot"] = json!("KD-03");
    feature["properties"]["dgnb_target_level"] = json!("gold");
    feature["geometry"] = into_kd03["geometry"].clone();
    let put = send(&app, "PUT", &uri, &h, Some(feature)).await;
    assert_status(&put, StatusCode::FORBIDDEN, "may not edit");
    let delete = send(&app, "DELETE", &uri, &h, None).await;
    assert_status(&delete, StatusCode::FORBIDDEN, "may not edit");
    let plot: String = sqlx::query_scalar(
        "SELECT p.reference FROM buildings b JOIN plots p ON p.id = b.plot_id WHERE b.id = $1",
    )
    .bind(lt01a)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(plot, "LT-01", "the building stays where it was");

    // The other way: a Kildedal building may not be sent to Lautrup, nor one created there.
    let kd03a = building_id(&pool, "KD-03-A").await;
    let kuri = format!("/collections/buildings/items/{kd03a}");
    let ktag = etag(&app, &kuri).await;
    let out = send(
        &app,
        "PATCH",
        &kuri,
        &[("authorization", &anna), ("if-match", &ktag)],
        Some(json!({
            "properties": { "plot": "LT-01" },
            "geometry": square_inside(&pool, "LT-01", 3.0).await,
        })),
    )
    .await;
    assert_status(&out, StatusCode::FORBIDDEN, "may not edit");
    let create = send(
        &app,
        "POST",
        "/collections/buildings/items",
        &[("authorization", &anna)],
        Some(json!({
            "type": "Feature",
            "geometry": square_inside(&pool, "LT-01", 3.0).await,
            "properties": { "reference": "LT-01-Z", "plot": "LT-01" },
        })),
    )
    .await;
    assert_status(&create, StatusCode::FORBIDDEN, "may not edit");

    // Plots: a Lautrup plot may not be claimed for Kildedal, nor deleted.
    let lt01 = plot_id(&pool, "LT-01").await;
    let puri = format!("/collections/plots/items/{lt01}");
    let ptag = etag(&app, &puri).await;
    let ph = [
        ("authorization", anna.as_str()),
        ("if-match", ptag.as_str()),
        ("x-change-reason", "taking it"),
    ];
    let claim = send(
        &app,
        "PATCH",
        &puri,
        &ph,
        Some(json!({ "properties": { "area": "kildedal" } })),
    )
    .await;
    assert_status(&claim, StatusCode::FORBIDDEN, "may not edit");
    let gone = send(&app, "DELETE", &puri, &ph, None).await;
    assert_status(&gone, StatusCode::FORBIDDEN, "may not edit");

    assert_eq!(history_count(&pool).await, before, "nothing was written");
}

/// Issue 11, defect 10: outlines have a vertex cap, checked before the database; a plot's new
/// outline must keep its buildings.
#[sqlx::test]
async fn outlines_are_capped_and_keep_their_buildings(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = bearer(&planner(&pool, "anna", &["kildedal"], None).await);
    let before = history_count(&pool).await;
    let kd03 = plot_id(&pool, "KD-03").await;
    let uri = format!("/collections/plots/items/{kd03}");
    let tag = etag(&app, &uri).await;
    let h = [
        ("authorization", auth.as_str()),
        ("if-match", tag.as_str()),
        ("x-change-reason", "test"),
    ];

    // 60,000 positions on a small circle inside KD-03, 7 decimals (1.4 MB, under the body
    // limit).
    let centre = square_inside(&pool, "KD-03", 1.0).await["coordinates"][0][0].clone();
    let (cx, cy) = (centre[0].as_f64().unwrap(), centre[1].as_f64().unwrap());
    let n = 60_000;
    let round = |v: f64| (v * 1e7).round() / 1e7;
    let mut ring: Vec<Value> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            json!([round(cx + 0.0005 * a.cos()), round(cy + 0.0003 * a.sin())])
        })
        .collect();
    ring.push(ring[0].clone());
    let huge = json!({ "geometry": { "type": "Polygon", "coordinates": [ring] } });
    let answer = send(&app, "PATCH", &uri, &h, Some(huge)).await;
    assert_status(&answer, StatusCode::UNPROCESSABLE_ENTITY, "at most 10000");
    assert_eq!(answer.json["error"]["field"], "geometry");
    assert_eq!(answer.json["error"]["maximum"], 10_000);

    let open = json!({ "geometry": { "type": "Polygon", "coordinates": [[[cx, cy], [cx + 0.0001, cy], [cx + 0.0001, cy + 0.0001], [cx, cy + 0.0001]]] } });
    let answer = send(&app, "PATCH", &uri, &h, Some(open)).await;
    assert_status(&answer, StatusCode::UNPROCESSABLE_ENTITY, "not closed");

    // KD-03 without the ground of its building KD-03-A.
    let (shrunk,): (String,) = sqlx::query_as(
        "SELECT ST_AsGeoJSON(ST_Transform(ST_Difference(p.boundary, ST_Buffer(b.footprint, 2, 'join=mitre')), 4326), 9)
         FROM plots p JOIN buildings b ON b.plot_id = p.id WHERE b.reference = 'KD-03-A'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let answer = send(
        &app,
        "PATCH",
        &uri,
        &h,
        Some(json!({ "geometry": serde_json::from_str::<Value>(&shrunk).unwrap() })),
    )
    .await;
    assert_status(&answer, StatusCode::UNPROCESSABLE_ENTITY, "KD-03-A");
    assert_eq!(answer.json["error"]["field"], "geometry");
    assert_eq!(answer.json["error"]["buildings"], json!(["KD-03-A"]));

    assert_eq!(history_count(&pool).await, before, "nothing was written");
}

/// Issue 11, defect 11: a patch that changes nothing writes nothing and keeps the ETag.
#[sqlx::test]
async fn a_patch_that_changes_nothing_writes_nothing(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = bearer(&planner(&pool, "anna", &["kildedal"], None).await);
    let before = history_count(&pool).await;
    for uri in [
        format!("/collections/plots/items/{}", plot_id(&pool, "KD-03").await),
        format!(
            "/collections/buildings/items/{}",
            building_id(&pool, "KD-03-A").await
        ),
    ] {
        let tag = etag(&app, &uri).await;
        let current = get(&app, &uri).await.json;
        let same_name =
            json!({ "properties": { "reference": current["properties"]["reference"] } });
        for patch in [json!({}), json!({ "properties": {} }), same_name] {
            let answer = send(
                &app,
                "PATCH",
                &uri,
                &[("authorization", &auth), ("if-match", &tag)],
                Some(patch.clone()),
            )
            .await;
            assert_status(&answer, StatusCode::OK, "");
            assert_eq!(answer.headers["etag"], tag.as_str(), "{patch}");
            assert_eq!(answer.json["properties"], current["properties"], "{patch}");
        }
        assert_eq!(etag(&app, &uri).await, tag);
    }
    assert_eq!(history_count(&pool).await, before);
}
