//! OGC API – Features: every conformance class declared has tests here, and GDAL's own OAPIF
//! driver reads the service as a real client.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use sqlx::{AssertSqlSafe, PgPool};
use tower::ServiceExt;

use crate::helpers::{assert_error, get, get_if_none_match, request, seeded, Answer};

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn references(answer: &Answer) -> Vec<String> {
    answer.json["features"]
        .as_array()
        .unwrap_or_else(|| panic!("no features: {}", answer.text))
        .iter()
        .map(|f| f["properties"]["reference"].as_str().unwrap().to_owned())
        .collect()
}

async fn sql_references(pool: &PgPool, condition: &str) -> Vec<String> {
    sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT reference FROM plots p WHERE {condition} ORDER BY id"
    )))
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn landing_conformance_and_api(pool: PgPool) {
    let app = seeded(&pool).await;
    let landing = request(
        &app,
        Request::get("/")
            .header("accept", "application/json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(landing.status, StatusCode::OK);
    let rels: BTreeSet<&str> = landing.json["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    for rel in ["self", "service-desc", "service-doc", "conformance", "data"] {
        assert!(rels.contains(rel), "landing page lacks {rel}: {rels:?}");
    }
    // Without a map page folder, a browser gets the HTML landing page.
    let html = request(
        &app,
        Request::get("/")
            .header("accept", "text/html")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(html.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(html.text.contains("/collections"));

    let conformance = get(&app, "/conformance").await.json;
    let classes: Vec<&str> = conformance["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for class in plotline::ogc::CONFORMANCE {
        assert!(classes.contains(&class), "{class}");
    }

    let api = get(&app, "/api").await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.json["openapi"], "3.0.3");
    let paths = api.json["paths"].as_object().unwrap();
    for path in [
        "/conformance",
        "/collections",
        "/collections/plots/items",
        "/collections/plots/items/{featureId}",
        "/areas/{slug}/summary",
    ] {
        assert!(paths.contains_key(path), "{path}");
    }
    // `limit` is a reference into `components/parameters`, where GDAL and QGIS read its maximum.
    let components = &api.json["components"]["parameters"];
    assert_eq!(components["limit"]["schema"]["maximum"], 10_000);
    let names: Vec<&str> = paths["/collections/plots/items"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| match p["$ref"].as_str() {
            Some(r) => components[r.trim_start_matches("#/components/parameters/")]["name"]
                .as_str()
                .unwrap(),
            None => p["name"].as_str().unwrap(),
        })
        .collect();
    for name in [
        "limit",
        "offset",
        "bbox",
        "bbox-crs",
        "datetime",
        "crs",
        "properties",
        "sortby",
        "filter",
        "filter-lang",
        "status",
    ] {
        assert!(names.contains(&name), "{name}");
    }
}

#[sqlx::test]
async fn collections_describe_their_real_extent(pool: PgPool) {
    let app = seeded(&pool).await;
    let c = get(&app, "/collections").await.json;
    let ids: Vec<&str> = c["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "areas",
            "plots",
            "buildings",
            "companies",
            "stations",
            "brt_lines",
            "brt_stops",
            "cycle_superhighways"
        ]
    );
    let plots = get(&app, "/collections/plots").await.json;
    let bbox: Vec<f64> = plots["extent"]["spatial"]["bbox"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let (xmin, ymin, xmax, ymax): (f64, f64, f64, f64) = sqlx::query_as(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(ST_Transform(boundary, 4326)) e FROM plots) x",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    for (served, sql) in bbox.iter().zip([xmin, ymin, xmax, ymax]) {
        assert!((served - sql).abs() < 1e-9, "{bbox:?}");
    }
    assert_eq!(
        plots["storageCrs"],
        "http://www.opengis.net/def/crs/EPSG/0/25832"
    );
    assert_eq!(plots["crs"].as_array().unwrap().len(), 4);
    assert_error(
        &get(&app, "/collections/parcels").await,
        StatusCode::NOT_FOUND,
        "parcels",
    );

    let q = get(&app, "/collections/plots/queryables").await;
    assert_eq!(q.headers["content-type"], "application/schema+json");
    assert_eq!(q.json["properties"]["status"]["type"], "string");
    assert_eq!(q.json["properties"]["plot_area_m2"]["type"], "number");
    assert_eq!(
        q.json["properties"]["geometry"]["format"],
        "geometry-polygon"
    );
}

#[sqlx::test]
async fn paging_is_stable_while_sorting(pool: PgPool) {
    let app = seeded(&pool).await;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM plots")
        .fetch_one(&pool)
        .await
        .unwrap();
    // Many plots share a status: the id breaks ties, so no page loses or repeats one.
    let mut uri = "/collections/plots/items?limit=7&sortby=-status,plot_area_m2".to_owned();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = get(&app, &uri).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert_eq!(page.json["numberMatched"], total);
        assert_eq!(
            page.json["numberReturned"].as_u64().unwrap() as usize,
            page.json["features"].as_array().unwrap().len()
        );
        seen.extend(references(&page));
        pages += 1;
        match page.json["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
        {
            Some(next) => {
                uri = next["href"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("http://localhost")
                    .to_owned()
            }
            None => break,
        }
    }
    assert_eq!(pages, (total as usize).div_ceil(7));
    let expected: Vec<String> =
        sqlx::query_scalar("SELECT reference FROM plots ORDER BY status DESC, plot_area_m2, id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(seen, expected);
    // A prev link from the second page leads back to the first.
    let second = get(&app, "/collections/plots/items?limit=7&offset=7").await;
    let prev = second.json["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "prev")
        .unwrap();
    assert!(prev["href"].as_str().unwrap().contains("offset=0"));
}

#[sqlx::test]
async fn limits_are_clamped_and_bad_parameters_refused(pool: PgPool) {
    let app = seeded(&pool).await;
    let all = get(&app, "/collections/plots/items?limit=50000").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.json["numberReturned"], all.json["numberMatched"]);
    let beyond = get(&app, "/collections/plots/items?offset=100000").await;
    assert_eq!(beyond.json["numberReturned"], 0);
    assert_eq!(beyond.json["features"], json!([]));
    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=12,55,13", "bbox"),
        ("bbox-crs=EPSG:2000&bbox=1,2,3,4", "bbox-crs"),
        ("crs=EPSG:9999", "crs"),
        ("datetime=tomorrow", "datetime"),
        ("sortby=nonsense", "sortby"),
        ("properties=reference,secret", "properties"),
        ("plot_area_m2=big", "plot_area_m2"),
        ("colour=red", "colour"),
        ("filter-lang=sql&filter=1", "filter-lang"),
        ("f=xml", "f"),
        ("limit=5&limit=6", "limit"),
    ] {
        let answer = get(&app, &format!("/collections/plots/items?{query}")).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            answer.text
        );
        assert_eq!(answer.json["error"]["parameter"], parameter, "{query}");
        assert!(!answer.json["error"]["message"].as_str().unwrap().is_empty());
    }
}

#[sqlx::test]
async fn property_filters_selection_and_datetime(pool: PgPool) {
    let app = seeded(&pool).await;
    let available = get(&app, "/collections/plots/items?status=available&limit=1000").await;
    assert_eq!(
        references(&available),
        sql_references(&pool, "status = 'available'").await
    );
    let near = get(
        &app,
        "/collections/plots/items?within_600m_of_station=true&area=lautrup&limit=1000",
    )
    .await;
    assert_eq!(
        references(&near),
        sql_references(
            &pool,
            "nearest_station_distance_m <= 600 AND area_id = (SELECT id FROM areas WHERE slug = 'lautrup')"
        )
        .await
    );

    let slim = get(
        &app,
        "/collections/plots/items?properties=reference,status&limit=3",
    )
    .await;
    for f in slim.json["features"].as_array().unwrap() {
        let keys: BTreeSet<&str> = f["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, BTreeSet::from(["reference", "status"]));
    }

    let none = get(&app, "/collections/plots/items?datetime=../2000-01-01").await;
    assert_eq!(none.json["numberMatched"], 0);
    let all = get(
        &app,
        "/collections/plots/items?datetime=2000-01-01T00:00:00Z/..",
    )
    .await;
    assert_eq!(all.json["numberMatched"], 56);
}

#[sqlx::test]
async fn crs_output_and_bbox_crs(pool: PgPool) {
    let app = seeded(&pool).await;
    let (x, y): (f64, f64) =
        sqlx::query_as("SELECT ST_X(geom), ST_Y(geom) FROM stations WHERE name = 'Kildedal St.'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM stations WHERE name = 'Kildedal St.'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let base = format!("/collections/stations/items/{id}");

    let utm = get(
        &app,
        &format!(
            "{base}?crs={}",
            enc("http://www.opengis.net/def/crs/EPSG/0/25832")
        ),
    )
    .await;
    assert_eq!(
        utm.headers["content-crs"],
        "<http://www.opengis.net/def/crs/EPSG/0/25832>"
    );
    let c = &utm.json["geometry"]["coordinates"];
    assert!(
        (c[0].as_f64().unwrap() - x).abs() < 0.01 && (c[1].as_f64().unwrap() - y).abs() < 0.01,
        "{c}"
    );
    // No legacy `crs` member in the geometry: `Content-Crs` says it (RFC 7946 has none).
    assert!(utm.json["geometry"].get("crs").is_none(), "{}", utm.json);

    let crs84 = get(&app, &base).await;
    assert_eq!(
        crs84.headers["content-crs"],
        "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    );
    let lon_lat = crs84.json["geometry"]["coordinates"].clone();
    assert!(
        (lon_lat[0].as_f64().unwrap() - 12.286656).abs() < 1e-6,
        "{lon_lat}"
    );
    // EPSG:4326 as EPSG defines it: latitude first.
    let lat_lon = get(
        &app,
        &format!(
            "{base}?crs={}",
            enc("http://www.opengis.net/def/crs/EPSG/0/4326")
        ),
    )
    .await;
    assert_eq!(
        lat_lon.json["geometry"]["coordinates"],
        json!([lon_lat[1], lon_lat[0]])
    );
    let mercator = get(&app, &format!("{base}?crs=EPSG:3857")).await;
    assert!(
        mercator.json["geometry"]["coordinates"][0]
            .as_f64()
            .unwrap()
            > 1_000_000.0
    );

    // A 1 km box around Kildedal St. in EPSG:25832.
    let bbox = format!("{},{},{},{}", x - 500.0, y - 500.0, x + 500.0, y + 500.0);
    let answer = get(
        &app,
        &format!("/collections/plots/items?limit=1000&bbox={bbox}&bbox-crs=EPSG:25832"),
    )
    .await;
    let expected = sql_references(
        &pool,
        &format!(
            "ST_Intersects(boundary, ST_MakeEnvelope({}, {}, {}, {}, 25832))",
            x - 500.0,
            y - 500.0,
            x + 500.0,
            y + 500.0
        ),
    )
    .await;
    assert!(!expected.is_empty());
    assert_eq!(references(&answer), expected);
}

#[sqlx::test]
async fn cql2_filters_select_what_sql_selects(pool: PgPool) {
    let app = seeded(&pool).await;
    let cases = [
        ("status = 'available' AND plot_area_m2 > 10000", "status = 'available' AND plot_area_m2 > 10000"),
        ("land_use IN ('office', 'life_science') OR planned_homes >= 200", "land_use IN ('office', 'life_science') OR planned_homes >= 200"),
        ("reference LIKE 'KD-1%'", "reference LIKE 'KD-1%'"),
        ("NOT (status = 'built') AND max_plot_ratio_pct IS NULL", "NOT (status = 'built') AND max_plot_ratio_pct IS NULL"),
        ("nearest_station_distance_m BETWEEN 100 AND 600", "nearest_station_distance_m BETWEEN 100 AND 600"),
        // Property against property.
        ("planned_homes > planned_jobs", "planned_homes > planned_jobs"),
        // Plots with a Gold building, through the plot–building relation.
        ("gold_buildings > 0", "EXISTS (SELECT 1 FROM buildings b JOIN dgnb_records d ON d.building_id = b.id WHERE b.plot_id = p.id AND d.achieved_level = 'gold')"),
        (
            "S_DWITHIN(geometry, POINT(12.286656 55.75194), 500, meters)",
            "ST_DWithin(boundary, ST_Transform(ST_SetSRID(ST_MakePoint(12.286656, 55.75194), 4326), 25832), 500)",
        ),
        (
            "S_INTERSECTS(geometry, POLYGON((12.28 55.75, 12.29 55.75, 12.29 55.755, 12.28 55.755, 12.28 55.75)))",
            "ST_Intersects(boundary, ST_Transform(ST_GeomFromText('POLYGON((12.28 55.75, 12.29 55.75, 12.29 55.755, 12.28 55.755, 12.28 55.75))', 4326), 25832))",
        ),
    ];
    for (filter, sql) in cases {
        let answer = get(
            &app,
            &format!("/collections/plots/items?limit=1000&filter={}", enc(filter)),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{filter}: {}", answer.text);
        let expected = sql_references(&pool, sql).await;
        assert!(!expected.is_empty(), "{filter} selects nothing in SQL");
        assert_eq!(references(&answer), expected, "{filter}");
    }
    // The same filter in CQL2-JSON.
    let json_filter = json!({ "op": "and", "args": [
        { "op": "=", "args": [{ "property": "status" }, "available"] },
        { "op": ">", "args": [{ "property": "plot_area_m2" }, 10000] },
    ] });
    let answer = get(
        &app,
        &format!(
            "/collections/plots/items?limit=1000&filter-lang=cql2-json&filter={}",
            enc(&json_filter.to_string())
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(
        references(&answer),
        sql_references(&pool, "status = 'available' AND plot_area_m2 > 10000").await
    );
}

/// A geometry literal means the same place in every `filter-crs`: EPSG:4326 is latitude
/// first, and a CQL2 BBOX selects what the `bbox` parameter selects.
#[sqlx::test]
async fn filter_crs_axis_order(pool: PgPool) {
    let app = seeded(&pool).await;
    let items = |query: String| {
        let app = app.clone();
        async move {
            let answer = get(
                &app,
                &format!("/collections/plots/items?limit=1000&{query}"),
            )
            .await;
            assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text);
            references(&answer)
        }
    };
    let lon_lat = "POLYGON((12.28 55.75, 12.29 55.75, 12.29 55.755, 12.28 55.755, 12.28 55.75))";
    let lat_lon = "POLYGON((55.75 12.28, 55.75 12.29, 55.755 12.29, 55.755 12.28, 55.75 12.28))";
    let crs84 = items(format!(
        "filter={}",
        enc(&format!("S_INTERSECTS(geometry, {lon_lat})"))
    ))
    .await;
    assert!(!crs84.is_empty());
    let epsg4326 = format!(
        "filter={}&filter-crs={}",
        enc(&format!("S_INTERSECTS(geometry, {lat_lon})")),
        enc("http://www.opengis.net/def/crs/EPSG/0/4326")
    );
    assert_eq!(items(epsg4326).await, crs84);
    let bbox = items("bbox=55.75,12.28,55.755,12.29&bbox-crs=EPSG:4326".to_owned()).await;
    let literal = items(format!(
        "filter={}&filter-crs=EPSG:4326",
        enc("S_INTERSECTS(geometry, BBOX(55.75, 12.28, 55.755, 12.29))")
    ))
    .await;
    assert_eq!(bbox, literal);
    assert_eq!(bbox, crs84);
}

/// Issue 11, defect 2: a huge box in any CRS (`bbox` or a CQL2 literal) is clamped to the CRS's
/// area of use before it is densified, so it costs no more than a box over that area: 200 with
/// every plot (or none, for a box entirely outside the area of use), quickly, never a 500.
#[sqlx::test]
async fn huge_boxes_and_literals_answer_quickly(pool: PgPool) {
    let app = seeded(&pool).await;
    let all: i64 = sqlx::query_scalar("SELECT count(*) FROM plots")
        .fetch_one(&pool)
        .await
        .unwrap();
    let utm = enc("http://www.opengis.net/def/crs/EPSG/0/25832");
    let filter = |f: &str| format!("filter={}", enc(f));
    for (query, matched) in [
        (format!("bbox=0,0,1e9,1e9&bbox-crs={utm}"), all),
        (format!("bbox=0,0,1e10,1e10&bbox-crs={utm}"), all),
        (format!("bbox=-1e300,-1e300,1e300,1e300&bbox-crs={utm}"), all),
        ("bbox=-180,-90,180,90".to_owned(), all),
        ("bbox=-90,-180,90,180&bbox-crs=EPSG:4326".to_owned(), all),
        ("bbox=-2e7,-2e7,2e7,2e7&bbox-crs=EPSG:3857".to_owned(), all),
        // Entirely outside the area of use (the South Pacific): nothing, not an error.
        ("bbox=-170,-80,-160,-70".to_owned(), 0),
        (format!("{}&filter-crs={utm}", filter("S_INTERSECTS(geometry, BBOX(0, 0, 1e10, 1e10))")), all),
        (filter("S_INTERSECTS(geometry, POLYGON((-180 -90, 180 -90, 180 90, -180 90, -180 -90)))"), all),
        (format!("{}&filter-crs={utm}", filter("S_DWITHIN(geometry, LINESTRING(-10000000000 -10000000000, 10000000000 10000000000), 1, km)")), -1),
        (filter("S_DISJOINT(geometry, POINT(-100 -50))"), all),
    ] {
        let started = std::time::Instant::now();
        let answer = get(&app, &format!("/collections/plots/items?limit=1&{query}")).await;
        let took = started.elapsed();
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text);
        if matched >= 0 {
            assert_eq!(answer.json["numberMatched"], matched, "{query}");
        }
        assert!(took < std::time::Duration::from_secs(3), "{query} took {took:?}");
    }
}

#[sqlx::test]
async fn bad_and_hostile_filters_are_refused_or_harmless(pool: PgPool) {
    let app = seeded(&pool).await;
    let bad = get(
        &app,
        &format!(
            "/collections/plots/items?filter={}",
            enc("status = 'available' AND")
        ),
    )
    .await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "character");
    assert_eq!(bad.json["error"]["parameter"], "filter");
    assert_error(
        &get(
            &app,
            &format!("/collections/plots/items?filter={}", enc("statuz = 'x'")),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "statuz",
    );

    for hostile in [
        "status = 'x''; DROP TABLE plots; --'",
        "status = 'x'; DROP TABLE plots; --",
        "\"status\"; DROP TABLE plots; -- = 'x'",
    ] {
        let answer = get(
            &app,
            &format!("/collections/plots/items?filter={}", enc(hostile)),
        )
        .await;
        assert!(
            answer.status == StatusCode::BAD_REQUEST || answer.json["numberMatched"] == 0,
            "{hostile}: {} {}",
            answer.status,
            answer.text
        );
    }
    for query in [
        "sortby=status;DROP TABLE plots",
        "properties=reference,(SELECT 1)",
        "sortby=-(SELECT 1)",
    ] {
        assert_eq!(
            get(
                &app,
                &format!("/collections/plots/items?{}", query.replace(' ', "%20"))
            )
            .await
            .status,
            StatusCode::BAD_REQUEST,
            "{query}"
        );
    }
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM plots")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 56, "the plots are all still there");
}

#[sqlx::test]
async fn etags_revalidate_and_change_with_the_data(pool: PgPool) {
    let app = seeded(&pool).await;
    for uri in [
        "/collections/plots/items?limit=5",
        "/collections/plots/items/KD-01",
        "/collections",
        "/conformance",
    ] {
        let first = get(&app, uri).await;
        let etag = first.headers["etag"].to_str().unwrap().to_owned();
        assert!(
            etag.starts_with('"') && !etag.starts_with("W/"),
            "strong ETag: {etag}"
        );
        assert!(first.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-cache"));
        let again = get_if_none_match(&app, uri, &etag).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(again.text.is_empty());
    }
    let uri = "/collections/plots/items/KD-01";
    let before = get(&app, uri).await.headers["etag"].clone();
    // A station far away changes nothing about KD-01: its ETag stays, the client's copy is good.
    sqlx::query("INSERT INTO stations (name, geom) VALUES ('Aarhus H', ST_SetSRID(ST_MakePoint(575000, 6222000), 25832))")
        .execute(&pool)
        .await
        .unwrap();
    let unchanged = get_if_none_match(&app, uri, before.to_str().unwrap()).await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    // A new station inside KD-01 changes its distances: the ETag must change.
    sqlx::query("INSERT INTO stations (name, geom) SELECT 'Ny St.', ST_PointOnSurface(boundary) FROM plots WHERE reference = 'KD-01'")
        .execute(&pool)
        .await
        .unwrap();
    let after = get_if_none_match(&app, uri, before.to_str().unwrap()).await;
    assert_eq!(after.status, StatusCode::OK);
    assert_ne!(after.headers["etag"], before);
}

/// Every metadata document goes through one answer path: it revalidates to 304 with an empty
/// body; `/api` keeps its ETag when the data change (it follows the program), the collection's
/// documents do not; the Part 5 schema, which differs by role, has an ETag per role.
#[sqlx::test]
async fn metadata_documents_revalidate_by_data_and_role(pool: PgPool) {
    let app = seeded(&pool).await;
    let documents = [
        "/?f=json",
        "/api",
        "/collections/plots",
        "/collections/plots/queryables",
        "/collections/plots/schema",
    ];
    let mut etags = Vec::new();
    for uri in documents {
        let first = get(&app, uri).await;
        assert_eq!(first.status, StatusCode::OK, "{uri}: {}", first.text);
        let etag = first.headers["etag"].to_str().unwrap().to_owned();
        let again = get_if_none_match(&app, uri, &etag).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(again.text.is_empty(), "{uri}");
        etags.push(etag);
    }
    sqlx::query("INSERT INTO stations (name, geom) VALUES ('Aarhus H', ST_SetSRID(ST_MakePoint(575000, 6222000), 25832))")
        .execute(&pool)
        .await
        .unwrap();
    for (uri, etag) in documents.iter().zip(&etags) {
        let after = get_if_none_match(&app, uri, etag).await;
        let expected = if *uri == "/api" {
            StatusCode::NOT_MODIFIED
        } else {
            StatusCode::OK
        };
        assert_eq!(after.status, expected, "{uri} after a change to the data");
    }

    let token = crate::planners::planner(&pool, "anna", &["kildedal"], None).await;
    let public = get(&app, "/collections/plots/schema").await;
    let tag = public.headers["etag"].to_str().unwrap();
    let authorization = format!("Bearer {token}");
    let as_planner = crate::planners::send(
        &app,
        "GET",
        "/collections/plots/schema",
        &[("if-none-match", tag), ("authorization", &authorization)],
        None,
    )
    .await;
    assert_eq!(
        as_planner.status,
        StatusCode::OK,
        "a planner's schema is not the public one's"
    );
    assert_ne!(as_planner.headers["etag"], public.headers["etag"]);
}

#[sqlx::test]
async fn html_options_compression_and_relations(pool: PgPool) {
    let app = seeded(&pool).await;
    let html = get(&app, "/collections/plots/items?f=html&limit=5").await;
    assert!(html.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(html.text.contains("<table>") && html.text.contains("href=\"/\""));
    assert!(html.text.contains("KD-01"));
    let browser = request(
        &app,
        Request::get("/collections/plots/items/KD-01")
            .header("accept", "text/html,application/xhtml+xml")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(browser.text.contains("<h1>Plots"));

    let options = request(
        &app,
        Request::options("/collections/plots/items")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(options.status, StatusCode::NO_CONTENT);
    assert_eq!(options.headers["allow"], "GET, HEAD, OPTIONS");

    let gz = app
        .clone()
        .oneshot(
            Request::get("/collections/plots/items?limit=1000")
                .header("accept-encoding", "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");

    // A plot links to its buildings, and each building back to its plot.
    let plot = get(&app, "/collections/plots/items/KD-03").await.json;
    let building_ids = plot["properties"]["building_ids"].as_array().unwrap();
    assert!(!building_ids.is_empty());
    let related: Vec<&str> = plot["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["rel"] == "related")
        .map(|l| l["href"].as_str().unwrap())
        .collect();
    assert_eq!(related.len(), building_ids.len());
    let building = get(&app, related[0].trim_start_matches("http://localhost"))
        .await
        .json;
    assert_eq!(building["properties"]["plot"], "KD-03");
    let back = building["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "related")
        .unwrap();
    assert!(back["href"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/collections/plots/items/{}", plot["id"])));
}

/// GDAL's OAPIF driver, a client nobody here wrote, reads every collection over HTTP and gets
/// what the database holds. (GDAL 3.6 reads CRS84 only; EPSG:25832 output is checked above.)
#[sqlx::test]
async fn gdal_reads_every_collection(pool: PgPool) {
    let app = seeded(&pool).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let expected: Vec<(String, i64)> = {
        let mut out = Vec::new();
        for (id, table) in [
            ("areas", "areas"),
            ("plots", "plots"),
            ("buildings", "buildings"),
            ("companies", "companies"),
            ("stations", "stations"),
            ("brt_lines", "brt_lines"),
            ("brt_stops", "brt_stops"),
            ("cycle_superhighways", "cycle_superhighways"),
        ] {
            let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&pool)
                .await
                .unwrap();
            out.push((id.to_owned(), n));
        }
        out
    };
    let statuses: Vec<(String, String)> =
        sqlx::query_as("SELECT reference, status FROM plots ORDER BY reference")
            .fetch_all(&pool)
            .await
            .unwrap();

    let (layers, plot_statuses) = tokio::task::spawn_blocking(move || {
        use gdal::vector::LayerAccess;
        // A small page size makes GDAL follow our `next` links.
        let options = gdal::DatasetOptions {
            open_options: Some(&["PAGE_SIZE=10"]),
            ..Default::default()
        };
        let ds = gdal::Dataset::open_ex(format!("OAPIF:http://{addr}/"), options)
            .expect("GDAL opens the service");
        let mut layers = Vec::new();
        let mut plot_statuses = Vec::new();
        for mut layer in ds.layers() {
            let name = layer.name();
            let mut n = 0i64;
            for feature in layer.features() {
                n += 1;
                if name == "plots" {
                    let text = |name: &str| {
                        let index = feature.field_index(name).unwrap();
                        feature.field_as_string(index).unwrap().unwrap()
                    };
                    let (reference, status) = (text("reference"), text("status"));
                    plot_statuses.push((reference, status));
                }
            }
            layers.push((name, n));
        }
        (layers, plot_statuses)
    })
    .await
    .unwrap();

    // GDAL's GeoJSON driver reads the EPSG:25832 answer: every plot's first vertex is where
    // PostGIS stores it, to the centimetre.
    let stored: Vec<(String, f64, f64)> = sqlx::query_as(
        "SELECT reference, ST_X(ST_PointN(ST_ExteriorRing(boundary), 1)), ST_Y(ST_PointN(ST_ExteriorRing(boundary), 1))
         FROM plots ORDER BY reference",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let url = format!("http://{addr}/collections/plots/items?limit=10000&crs=EPSG:25832&f=json");
    let mut served = tokio::task::spawn_blocking(move || {
        use gdal::vector::LayerAccess;
        let ds = gdal::Dataset::open(url).expect("GDAL reads the GeoJSON page");
        let mut layer = ds.layer(0).unwrap();
        let mut out = Vec::new();
        for feature in layer.features() {
            let index = feature.field_index("reference").unwrap();
            let reference = feature.field_as_string(index).unwrap().unwrap();
            let ring = feature.geometry().unwrap().get_geometry(0);
            let (x, y, _) = ring.get_point(0);
            out.push((reference, x, y));
        }
        out
    })
    .await
    .unwrap();
    server.abort();
    served.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(served.len(), stored.len());
    for ((r1, x1, y1), (r2, x2, y2)) in served.iter().zip(&stored) {
        assert_eq!(r1, r2);
        assert!(
            (x1 - x2).abs() < 0.01 && (y1 - y2).abs() < 0.01,
            "{r1}: {x1},{y1} vs {x2},{y2}"
        );
    }

    let mut layers = layers;
    layers.sort();
    let mut expected = expected;
    expected.sort();
    assert_eq!(layers, expected);
    let mut plot_statuses = plot_statuses;
    plot_statuses.sort();
    assert_eq!(plot_statuses, statuses);
}

/// Filters and sorting read a collection's source columns; the answers show the properties
/// built from them. For every feature and every queryable, the column compared as the filters
/// compare it must hold the published value, or a filter would select what the page does not
/// show (a uuid compared as uuid, a number rounded twice…).
#[sqlx::test]
async fn filter_columns_hold_the_published_properties_exactly(pool: PgPool) {
    use plotline::filter::QueryableKind;
    use plotline::schema::{sql, Role};
    let _app = seeded(&pool).await;
    // Edge cases beside the data set: a plot without buildings, a building without DGNB record.
    let bare: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM plots p WHERE NOT EXISTS (SELECT 1 FROM buildings b WHERE b.plot_id = p.id)),
                (SELECT count(*) FROM buildings b WHERE NOT EXISTS (SELECT 1 FROM dgnb_records d WHERE d.building_id = b.id))",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        bare.0 > 0 && bare.1 > 0,
        "the data set lacks the edge cases: {bare:?}"
    );
    for c in plotline::ogc::collections::COLLECTIONS.iter() {
        let source = sql::source(c, Role::Public);
        let properties = sql::properties_json(c, Role::Public, None);
        let rows: i64 =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {source} k")))
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(rows >= 2, "{}: {rows} rows", c.id);
        for q in &c.queryables {
            if q.kind == QueryableKind::Geometry {
                continue;
            }
            // Compared as the filters read them; strings as text (their columns are, see next).
            let cast = q.kind.sql_type().unwrap_or("text");
            if q.kind == QueryableKind::String {
                // Filters compare string properties with text (=, LIKE, IN).
                let types: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                    "SELECT DISTINCT pg_typeof(k.{col})::text FROM {source} k",
                    col = q.sql
                )))
                .fetch_all(&pool)
                .await
                .unwrap();
                assert_eq!(types, ["text"], "{}.{}", c.id, q.name);
            }
            let differ: Vec<(String, Option<String>, Option<String>)> =
                sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT k.fid::text, (k.{col})::text, ({properties})->>'{name}'
                 FROM {source} k
                 WHERE (k.{col})::{cast} IS DISTINCT FROM (({properties})->>'{name}')::{cast}
                 LIMIT 5",
                    col = q.sql,
                    name = q.name,
                )))
                .fetch_all(&pool)
                .await
                .unwrap();
            assert!(differ.is_empty(), "{}.{}: {differ:?}", c.id, q.name);
        }
    }
}
