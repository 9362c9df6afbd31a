//! File exports (`/collections/{id}/items?f=gpkg|fgb|shp|csv|kml` and `plotline export`), read
//! back with GDAL: counts, field types, CRS, KD-03's values and geometry against its GeoJSON.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{FieldValue, Geometry, LayerAccess, OGRFieldType};
use gdal::Dataset;
use plotline::export::{shapefile_names, FileFormat};
use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::{assert_error, get, load, request, request_bytes, seeded, Answer};
use crate::planners::planner_auth;

/// Where a file answer is saved, and the path GDAL opens it by (a Shapefile inside its zip).
fn save(dir: &Path, format: FileFormat, answer: &Answer, body: &[u8]) -> PathBuf {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.headers["content-type"], format.media_type());
    let disposition = answer.headers["content-disposition"].to_str().unwrap();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"{}\"", format.file_name("plots"))
    );
    let file = dir.join(format.file_name("plots"));
    std::fs::write(&file, body).unwrap();
    match format {
        FileFormat::Shapefile => PathBuf::from(format!("/vsizip/{}/plots.shp", file.display())),
        _ => file,
    }
}

/// A GET whose body is kept as bytes (files are not text).
async fn fetch(app: &axum::Router, uri: &str, auth: Option<&str>) -> (Answer, Vec<u8>) {
    let mut req = Request::get(uri);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    request_bytes(app, req.body(Body::empty()).unwrap()).await
}

/// A feature read back: its fields by name, and its geometry as WKT.
type ReadFeature = (Vec<(String, Option<FieldValue>)>, Option<String>);

/// The file's one layer: its field names and types, its features and its CRS.
struct Read {
    fields: Vec<(String, OGRFieldType::Type)>,
    features: Vec<ReadFeature>,
    epsg: Option<i32>,
}

fn read(path: &Path) -> Read {
    let ds = Dataset::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut layer = ds.layer(0).unwrap();
    let fields = layer
        .defn()
        .fields()
        .map(|f| (f.name(), f.field_type()))
        .collect();
    let epsg = layer.spatial_ref().and_then(|s| s.auth_code().ok());
    let features = layer
        .features()
        .map(|f| {
            let values = f.fields().collect();
            (values, f.geometry().map(|g| g.wkt().unwrap()))
        })
        .collect();
    Read {
        fields,
        features,
        epsg,
    }
}

fn field_type(read: &Read, name: &str) -> OGRFieldType::Type {
    read.fields
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no field {name} in {:?}", read.fields))
        .1
}

/// Every vertex of a geometry in EPSG:25832 (transformed from WGS84 when `from_wgs84`).
fn vertices_25832(wkt: &str, from_wgs84: bool) -> Vec<(f64, f64)> {
    let mut g = Geometry::from_wkt(wkt).unwrap();
    if from_wgs84 {
        let mut wgs84 = SpatialRef::from_epsg(4326).unwrap();
        wgs84.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let mut utm = SpatialRef::from_epsg(25832).unwrap();
        utm.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        g.transform_inplace(&CoordTransform::new(&wgs84, &utm).unwrap())
            .unwrap();
    }
    let mut out = Vec::new();
    collect_points(&g, &mut out);
    out
}

fn collect_points(g: &Geometry, out: &mut Vec<(f64, f64)>) {
    if g.geometry_count() == 0 {
        let mut points = Vec::new();
        g.get_points(&mut points);
        out.extend(points.into_iter().map(|(x, y, _)| (x, y)));
    } else {
        for i in 0..g.geometry_count() {
            collect_points(&g.get_geometry(i), out);
        }
    }
}

/// Whether a file's value is the GeoJSON's value (timestamps to the second; booleans 0/1;
/// lists as JSON text; dates and timestamps as ISO text where the format has no such type).
fn same_value(file: &Option<FieldValue>, json: &Value) -> bool {
    let Some(file) = file else {
        return json.is_null();
    };
    match (file, json) {
        (FieldValue::IntegerValue(n), Value::Bool(b)) => *n == i32::from(*b),
        (FieldValue::IntegerValue(n), v) => v.as_i64() == Some(i64::from(*n)),
        (FieldValue::Integer64Value(n), v) => v.as_i64() == Some(*n),
        (FieldValue::RealValue(x), v) => v.as_f64().is_some_and(|y| (x - y).abs() < 1e-9),
        (FieldValue::DateValue(d), Value::String(s)) => d.to_string() == *s,
        (FieldValue::DateTimeValue(t), Value::String(s)) => {
            let expected = chrono::DateTime::parse_from_rfc3339(s).unwrap();
            t.timestamp() == expected.timestamp()
        }
        (FieldValue::StringValue(s), Value::String(j)) => s == j,
        (FieldValue::StringValue(s), v) => {
            serde_json::from_str::<Value>(s).is_ok_and(|parsed| parsed == *v)
        }
        _ => false,
    }
}

#[sqlx::test]
async fn every_format_reads_back_with_the_geojson_values_types_and_crs(pool: PgPool) {
    let app = seeded(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let matched = get(&app, "/collections/plots/items?limit=1").await.json["numberMatched"]
        .as_i64()
        .unwrap();
    assert_eq!(matched, 56);
    let utm = "http://www.opengis.net/def/crs/EPSG/0/25832";
    let kd03_utm = get(&app, &format!("/collections/plots/items/KD-03?crs={utm}"))
        .await
        .json;
    let stored_wkt: String =
        sqlx::query_scalar("SELECT ST_AsText(boundary) FROM plots WHERE reference = 'KD-03'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let shp_names: std::collections::HashMap<&str, String> =
        shapefile_names(plotline::schema::find("plots").unwrap())
            .into_iter()
            .collect();

    for format in FileFormat::ALL {
        // KML is always WGS84; the others are asked for in metres.
        let uri = match format {
            FileFormat::Kml => "/collections/plots/items?f=kml".to_owned(),
            f => format!("/collections/plots/items?f={}&crs={utm}", f.param()),
        };
        let (answer, body) = fetch(&app, &uri, None).await;
        let path = save(dir.path(), format, &answer, &body);
        let file = read(&path);
        assert_eq!(file.features.len() as i64, matched, "{format:?}");

        // The file's name of a property.
        let name = |p: &str| match format {
            FileFormat::Shapefile => shp_names[p].clone(),
            _ => p.to_owned(),
        };
        match format {
            FileFormat::Csv => {}
            FileFormat::Kml => assert_eq!(file.epsg, Some(4326)),
            _ => assert_eq!(file.epsg, Some(25832), "{format:?}"),
        }
        if matches!(
            format,
            FileFormat::GeoPackage | FileFormat::FlatGeobuf | FileFormat::Shapefile
        ) {
            // A Shapefile's numbers are as wide as their largest value (RESIZE): small
            // 64-bit integers read back as Integer.
            let integer64 = |name: &str| {
                let t = field_type(&file, name);
                assert!(
                    t == OGRFieldType::OFTInteger64
                        || (format == FileFormat::Shapefile && t == OGRFieldType::OFTInteger),
                    "{format:?} {name}: {t}"
                );
            };
            integer64("id");
            integer64(&name("building_count"));
            assert_eq!(
                field_type(&file, &name("plot_area_m2")),
                OGRFieldType::OFTReal
            );
            assert_eq!(
                field_type(&file, &name("planned_homes")),
                OGRFieldType::OFTInteger
            );
            assert_eq!(
                field_type(&file, &name("within_600m_of_station")),
                OGRFieldType::OFTInteger
            );
            assert_eq!(
                field_type(&file, &name("building_ids")),
                OGRFieldType::OFTString
            );
            let updated = field_type(&file, "updated_at");
            match format {
                FileFormat::Shapefile => assert_eq!(updated, OGRFieldType::OFTString),
                _ => assert_eq!(updated, OGRFieldType::OFTDateTime),
            }
        }
        assert!(
            !file.fields.iter().any(|(n, _)| n.starts_with("asking")),
            "{format:?}: planners' fields for an anonymous caller"
        );

        // KD-03: every property as its GeoJSON has it.
        let reference = name("reference");
        let (values, wkt) = file
            .features
            .iter()
            .find(|(values, _)| {
                values.iter().any(|(n, v)| {
                    *n == reference && *v == Some(FieldValue::StringValue("KD-03".into()))
                })
            })
            .unwrap_or_else(|| panic!("{format:?}: KD-03 not found"));
        let json = &kd03_utm["properties"];
        for (property, expected) in json.as_object().unwrap() {
            let field = name(property);
            let value = values
                .iter()
                .find(|(n, _)| *n == field)
                .unwrap_or_else(|| panic!("{format:?}: no field {field}"));
            // A text without type (CSV) or a KML that reads every field as text.
            let loose = matches!(format, FileFormat::Csv | FileFormat::Kml);
            let ok = same_value(&value.1, expected)
                || (loose
                    && matches!(&value.1, Some(FieldValue::StringValue(s)) if match expected {
                        Value::String(e) => s == e,
                        Value::Bool(b) => s == if *b { "1" } else { "0" },
                        Value::Number(n) => s.parse::<f64>().ok() == n.as_f64(),
                        Value::Null => s.is_empty(),
                        other => serde_json::from_str::<Value>(s).ok().as_ref() == Some(other),
                    }))
                || (loose && value.1.is_none() && expected.is_null())
                || (loose && expected.is_null() && value.1 == Some(FieldValue::StringValue(String::new())))
                // FlatGeobuf leaves a null out; the gdal crate reads an unset field as empty.
                || (format == FileFormat::FlatGeobuf
                    && expected.is_null()
                    && value.1 == Some(FieldValue::StringValue(String::new())));
            assert!(
                ok,
                "{format:?} {property}: file {:?}, GeoJSON {expected}",
                value.1
            );
        }
        let id = values.iter().find(|(n, _)| n == "id").unwrap();
        assert!(
            same_value(&id.1, &kd03_utm["id"])
                || id.1 == Some(FieldValue::StringValue(kd03_utm["id"].to_string()))
        );

        // The geometry within 1 mm of the stored one, compared in EPSG:25832 (files carry
        // 0.1 mm; the GeoJSON rounds to 1 cm).
        let wgs84 = format == FileFormat::Kml;
        let expected = vertices_25832(&stored_wkt, false);
        let got = vertices_25832(wkt.as_deref().expect("a geometry"), wgs84);
        assert_eq!(got.len(), expected.len(), "{format:?}");
        // Each vertex within 1 mm of one stored (a Shapefile turns rings clockwise).
        for a in &got {
            let d = expected
                .iter()
                .map(|b| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt())
                .fold(f64::INFINITY, f64::min);
            assert!(d < 0.001, "{format:?}: {a:?} is {d} m from the GeoJSON");
        }
    }
}

#[sqlx::test]
async fn planners_get_the_internal_fields_and_everyone_the_default_crs84(pool: PgPool) {
    let app = seeded(&pool).await;
    let auth = planner_auth(&pool, "export-planner", &["kildedal"]).await;
    let dir = tempfile::tempdir().unwrap();
    let (answer, body) = fetch(&app, "/collections/plots/items?f=gpkg", Some(&auth)).await;
    let file = read(&save(dir.path(), FileFormat::GeoPackage, &answer, &body));
    assert_eq!(field_type(&file, "asking_price_dkk"), OGRFieldType::OFTReal);
    assert_eq!(
        field_type(&file, "negotiation_notes"),
        OGRFieldType::OFTString
    );
    assert_eq!(file.epsg, Some(4326));
    assert_eq!(
        answer.headers["content-crs"],
        "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    );
    // Anonymous: none of them, in any format.
    let (answer, body) = fetch(&app, "/collections/plots/items?f=gpkg", None).await;
    let file = read(&save(dir.path(), FileFormat::GeoPackage, &answer, &body));
    for internal in ["asking_price_dkk", "negotiation_notes", "counterparty"] {
        assert!(!file.fields.iter().any(|(n, _)| n == internal));
    }
}

#[sqlx::test]
async fn exports_honour_filters_bbox_and_properties(pool: PgPool) {
    let app = seeded(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let queries = [
        "filter=status%3D%27planned%27",
        "land_use=residential",
        "bbox=12.28,55.72,12.35,55.76",
        "filter=plot_area_m2%20%3E%205000&sortby=-plot_area_m2",
    ];
    for query in queries {
        let page = get(
            &app,
            &format!("/collections/plots/items?{query}&limit=1000"),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let matched = page.json["numberMatched"].as_i64().unwrap();
        let (answer, body) = fetch(
            &app,
            &format!("/collections/plots/items?{query}&f=fgb"),
            None,
        )
        .await;
        let file = read(&save(dir.path(), FileFormat::FlatGeobuf, &answer, &body));
        assert_eq!(file.features.len() as i64, matched, "{query}");
        assert!(matched < 56, "{query} should narrow the plots");
        let ids: Vec<String> = file
            .features
            .iter()
            .map(|(v, _)| match &v[0].1 {
                Some(FieldValue::Integer64Value(n)) => n.to_string(),
                other => panic!("id {other:?}"),
            })
            .collect();
        let page_ids: Vec<String> = page.json["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].to_string())
            .collect();
        if query.contains("sortby") {
            assert_eq!(
                ids, page_ids,
                "{query}: the same features in the same order"
            );
        } else {
            // Without sortby, a FlatGeobuf orders them along its spatial index.
            let (mut ids, mut page_ids) = (ids, page_ids);
            ids.sort();
            page_ids.sort();
            assert_eq!(ids, page_ids, "{query}: the same features");
        }
    }
    let (answer, body) = fetch(
        &app,
        "/collections/plots/items?f=csv&properties=reference,status",
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let header = String::from_utf8_lossy(&body)
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(header, "WKT,id,reference,status");
}

#[sqlx::test]
async fn a_bad_format_or_an_export_too_large_is_a_json_400(pool: PgPool) {
    load(&pool).await;
    let mut state = plotline::AppState::new(pool.clone());
    state.max_export_features = 10;
    let app = plotline::app(state);
    let bad = get(&app, "/collections/plots/items?f=xlsx").await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "gpkg");
    let large = get(&app, "/collections/plots/items?f=gpkg").await;
    assert_error(&large, StatusCode::BAD_REQUEST, "at most 10");
    assert_eq!(large.json["error"]["number_matched"], 56);
    // Narrowed, it fits.
    let narrow = get(
        &app,
        "/collections/plots/items?f=gpkg&filter=reference%3D%27KD-03%27",
    )
    .await;
    assert_eq!(narrow.status, StatusCode::OK);
    let kml_in_metres = get(
        &app,
        "/collections/stations/items?f=kml&crs=http://www.opengis.net/def/crs/EPSG/0/25832",
    )
    .await;
    assert_error(&kml_in_metres, StatusCode::BAD_REQUEST, "WGS84");
    // json and html work as before.
    assert_eq!(
        get(&app, "/collections/stations/items?f=json").await.status,
        StatusCode::OK
    );
    let html = request(
        &app,
        Request::get("/collections/stations/items?f=html")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(html.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
}

#[sqlx::test]
async fn collections_and_pages_link_the_files_and_the_api_lists_them(pool: PgPool) {
    let app = seeded(&pool).await;
    let collection = get(&app, "/collections/plots").await.json;
    let links = collection["links"].as_array().unwrap();
    for f in FileFormat::ALL {
        assert!(
            links.iter().any(|l| l["rel"] == "enclosure"
                && l["type"] == f.media_type()
                && l["href"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("f={}", f.param()))),
            "{f:?}"
        );
    }
    let page = get(&app, "/collections/plots/items?status=planned&limit=5")
        .await
        .json;
    let gpkg = page["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["type"] == "application/geopackage+sqlite3")
        .unwrap();
    let href = gpkg["href"].as_str().unwrap();
    assert!(
        href.contains("status=planned") && !href.contains("limit="),
        "{href}"
    );
    let api = get(&app, "/api").await.json;
    let f = api["paths"]["/collections/plots/items"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "f")
        .unwrap()
        .clone();
    let formats: Vec<&str> = f["schema"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        formats,
        ["json", "html", "gpkg", "fgb", "shp", "csv", "kml"]
    );
    // Other documents keep json and html only.
    let collection_f = &api["paths"]["/collections/plots"]["get"]["parameters"][0];
    assert_eq!(
        collection_f["schema"]["enum"],
        serde_json::json!(["json", "html"])
    );
}

#[sqlx::test]
async fn the_shapefile_zip_carries_its_field_names(pool: PgPool) {
    let app = seeded(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let (answer, body) = fetch(&app, "/collections/plots/items?f=shp", None).await;
    save(dir.path(), FileFormat::Shapefile, &answer, &body);
    let zip = dir.path().join("plots.zip");
    let fields = Dataset::open(format!("/vsizip/{}/fields.csv", zip.display())).unwrap();
    let mut layer = fields.layer(0).unwrap();
    let rows: Vec<(String, String)> = layer
        .features()
        .map(|f| {
            let text = |name: &str| {
                let i = f.field_index(name).unwrap();
                f.field_as_string(i).unwrap().unwrap()
            };
            (text("field"), text("property"))
        })
        .collect();
    assert!(rows.contains(&("ne_st_di_m".into(), "nearest_station_distance_m".into())));
    assert!(rows.contains(&("id".into(), "id".into())));
}

#[sqlx::test]
async fn the_cli_export_writes_the_same_features(pool: PgPool) {
    crate::helpers::load(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("planned.gpkg");
    let n = plotline::ogc::export_to_file(
        &pool,
        "plots",
        vec![
            ("filter".into(), "status='planned'".into()),
            (
                "crs".into(),
                "http://www.opengis.net/def/crs/EPSG/0/25832".into(),
            ),
        ],
        FileFormat::GeoPackage,
        plotline::schema::Role::Public,
        &out,
    )
    .await
    .unwrap();
    let file = read(&out);
    assert_eq!(file.features.len() as u64, n);
    assert_eq!(file.epsg, Some(25832));
    let planned: i64 = sqlx::query_scalar("SELECT count(*) FROM plots WHERE status = 'planned'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n as i64, planned);
    // The command line takes the same arguments.
    use clap::Parser;
    let cli = plotline::cli::Cli::try_parse_from([
        "plotline",
        "export",
        "--collection",
        "plots",
        "--format",
        "shp",
        "--out",
        "x.zip",
        "--bbox",
        "12.28,55.72,12.35,55.76",
    ]);
    assert!(cli.is_ok(), "{cli:?}");
    let wrong = plotline::ogc::export_to_file(
        &pool,
        "plots",
        vec![("filter".into(), "nope = 1".into())],
        FileFormat::Csv,
        plotline::schema::Role::Public,
        &out,
    )
    .await;
    assert!(wrong.is_err());
}

/// A file is answered whole to a client that accepts gzip, as every browser does. The
/// compression layer polls the file's body once more after its end, which panicked the
/// stream: the connection closed with no answer (curl: "Empty reply from server").
#[sqlx::test]
async fn files_reach_clients_that_accept_gzip(pool: PgPool) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let app = seeded(&pool).await;
    for f in ["csv", "gpkg", "fgb", "shp", "kml"] {
        let response = app
            .clone()
            .oneshot(
                Request::get(format!("/collections/buildings/items?f={f}"))
                    .header("accept-encoding", "gzip")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{f}");
        assert_eq!(response.headers()["content-encoding"], "gzip", "{f}");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert!(body.starts_with(&[0x1f, 0x8b]), "{f}: a gzip stream");
        assert!(body.len() > 100, "{f}: {} bytes", body.len());
    }
}
