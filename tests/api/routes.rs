//! The route table (`src/http/routes.rs`) against the router: every `.route(` in the source is
//! listed with who may call it, every documented operation is listed, and every route that
//! writes refuses the anonymous, the planner of another area, and lets the planner of the
//! feature's area through.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{get, seeded};
use crate::planners::send;
use plotline::http::routes::{table, Who};

/// The path literals of every `.route(` in `src/`.
fn routes_in_source() -> BTreeSet<String> {
    fn walk(dir: &std::path::Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split(".route(").skip(1) {
                    let piece = piece.trim_start();
                    if let Some(rest) = piece.strip_prefix('"') {
                        out.insert(rest[..rest.find('"').unwrap()].to_owned());
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut out,
    );
    out
}

#[test]
fn every_route_in_the_source_is_in_the_table() {
    let listed: BTreeSet<String> = table().iter().map(|r| r.path.clone()).collect();
    let in_source = routes_in_source();
    assert!(in_source.len() > 20, "{in_source:?}");
    let missing: Vec<&String> = in_source.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes without an entry in src/http/routes.rs: {missing:?}"
    );
}

#[sqlx::test]
async fn every_documented_operation_is_in_the_table(pool: PgPool) {
    let app = seeded(&pool).await;
    let api = get(&app, "/api").await;
    for (path, item) in api.json["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            // The document names the concrete collections; the router has `{id}`.
            let found = table().iter().any(|r| {
                r.method == method && {
                    let pattern: Vec<&str> = r.path.split('/').collect();
                    let concrete: Vec<&str> = path.split('/').collect();
                    pattern.len() == concrete.len()
                        && pattern
                            .iter()
                            .zip(&concrete)
                            .all(|(p, c)| p == c || p.starts_with('{'))
                }
            });
            assert!(
                found,
                "{method} {path} is documented but not in the route table"
            );
        }
    }
}

#[sqlx::test]
async fn every_write_route_checks_who_calls(pool: PgPool) {
    let app = seeded(&pool).await;
    let kildedal = crate::planners::planner_auth(&pool, "anna", &["kildedal"]).await;
    let lautrup = crate::planners::planner_auth(&pool, "lars", &["lautrup"]).await;
    let kd03: i64 = crate::planners::plot_id(&pool, "KD-03").await;
    let concrete = |path: &str| {
        let uri = path
            .replace("{id}", "plots")
            .replace("{fid}", &kd03.to_string())
            .replace("{slug}", "kildedal");
        match uri.ends_with("/documents") {
            true => format!("{uri}?filename=site-plan.pdf"),
            false => uri,
        }
    };
    let mut checked = 0;
    for route in table().iter().filter(|r| r.who != Who::Anyone) {
        let uri = concrete(&route.path);
        let etag = get(&app, &format!("/collections/plots/items/{kd03}"))
            .await
            .headers["etag"]
            .to_str()
            .unwrap()
            .to_owned();
        // A whole plot in Kildedal (POST, PUT), a change (PATCH), nothing (documents: refused
        // before their content is read, DELETE).
        let feature = json!({
            "type": "Feature",
            "properties": { "reference": "KD-03", "area": "kildedal", "land_use": "residential", "status": "available" },
            "geometry": { "type": "Polygon", "coordinates": [[[12.2866, 55.7535], [12.2870, 55.7535], [12.2870, 55.7537], [12.2866, 55.7537], [12.2866, 55.7535]]] },
        });
        let body = match (&route.method, route.path.ends_with("/documents")) {
            (_, true) => None,
            (&Method::POST, _) | (&Method::PUT, _) => Some(feature),
            (&Method::PATCH, _) => Some(json!({ "properties": { "planned_homes": 234 } })),
            _ => None,
        };
        let call = |auth: Option<&str>| {
            let mut headers = vec![
                ("if-match", etag.as_str()),
                ("x-change-reason", "route table test"),
            ];
            if let Some(a) = auth {
                headers.push(("authorization", a));
            }
            let (app, method, uri, body) = (
                app.clone(),
                route.method.to_string(),
                uri.clone(),
                body.clone(),
            );
            let headers: Vec<(String, String)> = headers
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            async move {
                let h: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                send(&app, &method, &uri, &h, body).await
            }
        };
        let anonymous = call(None).await;
        assert!(
            matches!(
                anonymous.status,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            ),
            "{} {uri} as anonymous: {}",
            route.method,
            anonymous.status
        );
        match route.who {
            Who::AreaEditor => {
                let other = call(Some(&lautrup)).await;
                assert_eq!(
                    other.status,
                    StatusCode::FORBIDDEN,
                    "{} {uri} as a Lautrup planner: {}",
                    route.method,
                    other.text
                );
                let right = call(Some(&kildedal)).await;
                assert!(
                    !matches!(
                        right.status,
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
                    ),
                    "{} {uri} as a Kildedal planner: {} {}",
                    route.method,
                    right.status,
                    right.text
                );
            }
            Who::Admin => {
                let planner = call(Some(&kildedal)).await;
                assert_eq!(
                    planner.status,
                    StatusCode::FORBIDDEN,
                    "{} {uri} as a planner",
                    route.method
                );
            }
            Who::SignedIn => {
                let signed_in = call(Some(&kildedal)).await;
                assert!(!matches!(
                    signed_in.status,
                    StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
                ));
            }
            Who::Anyone => unreachable!(),
        }
        checked += 1;
    }
    assert!(checked >= 6, "{checked} routes checked");
}
