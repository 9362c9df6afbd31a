//! Every property of every collection's description reaches every answer made from it, with no
//! further code: the Part 5 schema, the queryables, the OpenAPI parameters, the items (JSON and
//! HTML) and the plain GeoJSON routes; planner-only properties reach planners only. Adding a
//! property to a description is covered here without touching this test.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use sqlx::PgPool;

use crate::helpers::{get, seeded};
use crate::planners::{planner, send};
use plotline::schema::{Role, COLLECTIONS};

fn names(object: &serde_json::Value) -> BTreeSet<String> {
    object
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[sqlx::test]
async fn every_described_property_reaches_every_answer(pool: PgPool) {
    let app = seeded(&pool).await;
    let token = planner(&pool, "anna", &["kildedal"], None).await;
    let auth = format!("Bearer {token}");
    let api = get(&app, "/api").await;
    assert_eq!(api.status, StatusCode::OK);
    for c in COLLECTIONS.iter() {
        let public: BTreeSet<String> = c.readable(Role::Public).map(|p| p.name.into()).collect();
        let planner: BTreeSet<String> = c.readable(Role::Planner).map(|p| p.name.into()).collect();

        let schema = get(&app, &format!("/collections/{}/schema", c.id)).await;
        assert_eq!(schema.status, StatusCode::OK, "{}", schema.text);
        assert_eq!(schema.headers["content-type"], "application/schema+json");
        let mut expected = public.clone();
        expected.insert("geometry".into());
        assert_eq!(
            names(&schema.json["properties"]),
            expected,
            "{} schema",
            c.id
        );
        for p in c.readable(Role::Public) {
            let s = &schema.json["properties"][p.name];
            assert_eq!(s["type"], p.kind.json_type(), "{}.{}", c.id, p.name);
            assert_eq!(
                s["x-plotline-title"]["da"], p.label_da,
                "{}.{}",
                c.id, p.name
            );
            assert_eq!(s["readOnly"].as_bool().unwrap_or(false), !p.writable());
        }
        let as_planner = send(
            &app,
            "GET",
            &format!("/collections/{}/schema", c.id),
            &[("authorization", &auth)],
            None,
        )
        .await;
        assert_eq!(
            names(&as_planner.json["properties"]).len(),
            planner.len() + 1,
            "{}",
            c.id
        );

        let queryables = get(&app, &format!("/collections/{}/queryables", c.id)).await;
        let mut expected: BTreeSet<String> = c.queryables().map(|p| p.name.into()).collect();
        expected.insert("geometry".into());
        assert_eq!(
            names(&queryables.json["properties"]),
            expected,
            "{} queryables",
            c.id
        );

        let parameters: BTreeSet<String> = api.json["paths"]
            [format!("/collections/{}/items", c.id)]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| match p["$ref"].as_str() {
                // `limit`: declared once, in components/parameters.
                Some(r) => api.json["components"]["parameters"]
                    [r.trim_start_matches("#/components/parameters/")]["name"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                None => p["name"].as_str().unwrap().to_owned(),
            })
            .collect();
        for p in c.queryables() {
            assert!(
                parameters.contains(p.name),
                "{}.{} is no OpenAPI parameter",
                c.id,
                p.name
            );
        }

        let items = get(&app, &format!("/collections/{}/items?limit=1", c.id)).await;
        assert_eq!(items.status, StatusCode::OK, "{}", items.text);
        let feature = &items.json["features"][0];
        assert_eq!(names(&feature["properties"]), public, "{} items", c.id);
        let html = get(
            &app,
            &format!(
                "/collections/{}/items/{}?f=html",
                c.id,
                feature["id"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| feature["id"].to_string())
            ),
        )
        .await;
        assert_eq!(html.status, StatusCode::OK);
        for p in c.readable(Role::Public) {
            assert!(
                html.text.contains(p.name),
                "{}.{} is not on the HTML page",
                c.id,
                p.name
            );
        }
        let plain = get(&app, c.path).await;
        assert_eq!(
            names(&plain.json["features"][0]["properties"]),
            public,
            "{}",
            c.path
        );

        let internal = send(
            &app,
            "GET",
            &format!("/collections/{}/items?limit=1", c.id),
            &[("authorization", &auth)],
            None,
        )
        .await;
        assert_eq!(
            names(&internal.json["features"][0]["properties"]),
            planner,
            "{} as planner",
            c.id
        );
    }
}
