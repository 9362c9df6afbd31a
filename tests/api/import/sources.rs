//! Importing any GDAL source through a mapping: files made with ogr2ogr in several formats and
//! CRS with Danish field names and codes, a file with problems refused whole, an `OAPIF:`
//! source served by a second plotline instance, and `POST /imports`.

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use plotline::import::{import_source, ImportOptions, MappingFile, Progress, Report};
use serde_json::Value;
use sqlx::PgPool;

use crate::helpers::{load, request, seeded};
use crate::planners::planner_auth;

/// The test area: a 1 km square west of Kildedal where geodata/ has nothing (EPSG:25832).
const X0: f64 = 701_000.0;
const Y0: f64 = 6_184_000.0;

const PLOT_MAPPING: &str = r#"
[properties]
reference = "MATRNR"
matrikelnummer = "MATRNR"
land_use = { field = "ANVENDELSE", map = { "11" = "residential", "21" = "office" } }
max_plot_ratio_pct = "BEBYG_PCT"
planned_homes = "BOLIGER"
"#;

fn square(x: f64, y: f64, side: f64) -> String {
    format!(
        "POLYGON (({x} {y},{} {y},{} {},{x} {},{x} {y}))",
        x + side,
        x + side,
        y + side,
        y + side
    )
}

/// Runs ogr2ogr; panics with its message when it fails.
fn ogr2ogr(args: &[&str]) {
    let out = Command::new("ogr2ogr").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ogr2ogr {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CSV with a WKT column (EPSG:25832) and these rows after the header.
fn csv(dir: &Path, name: &str, header: &str, rows: &[String]) -> PathBuf {
    let path = dir.join(format!("{name}.csv"));
    let mut text = format!("{header}\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// Converts a CSV with WKT in EPSG:25832 to another format and CRS.
fn convert(csv: &Path, out: &str, driver: &str, srs: &str, layer: &str) {
    ogr2ogr(&[
        "-f",
        driver,
        out,
        csv.to_str().unwrap(),
        "-nln",
        layer,
        "-s_srs",
        "EPSG:25832",
        "-t_srs",
        srs,
        "-oo",
        "GEOM_POSSIBLE_NAMES=WKT",
        "-oo",
        "KEEP_GEOM_COLUMNS=NO",
        "-oo",
        "AUTODETECT_TYPE=YES",
    ]);
}

async fn run(
    pool: &PgPool,
    source: &str,
    into: &str,
    mapping: &str,
    area: Option<&str>,
    dry_run: bool,
) -> Report {
    try_run(pool, source, into, mapping, area, dry_run)
        .await
        .unwrap_or_else(|e| panic!("{source}: {e}"))
}

/// [`run`], keeping what stops an import before any feature (the source, the mapping).
async fn try_run(
    pool: &PgPool,
    source: &str,
    into: &str,
    mapping: &str,
    area: Option<&str>,
    dry_run: bool,
) -> plotline::Result<Report> {
    let opts = ImportOptions {
        source: source.to_owned(),
        into: into.to_owned(),
        area: area.map(str::to_owned),
        mapping: Some(MappingFile::parse(mapping).unwrap()),
        dry_run,
        user: "alice".to_owned(),
        ..ImportOptions::default()
    };
    import_source(pool, &opts, Progress::Hidden).await
}

/// The test area `testomraade`, from CSV with WKT (which declares no CRS: the mapping does).
async fn test_area(pool: &PgPool, dir: &Path) {
    let area = csv(
        dir,
        "omraade",
        "WKT,KODE,NAVN",
        &[format!(
            "\"{}\",testomraade,Testområde",
            square(X0, Y0, 1000.0)
        )],
    );
    let mapping = "crs = \"EPSG:25832\"\n[properties]\nslug = \"KODE\"\nname = \"NAVN\"\n";
    let report = run(pool, area.to_str().unwrap(), "areas", mapping, None, false).await;
    assert!(report.committed, "{}", report.to_text());
}

/// Plot rows for a CSV: MATRNR `{prefix}-{i}`, code 11 or 21, BEBYG_PCT, BOLIGER, each a 20 m
/// square in row `row` of the test area.
fn plot_rows(prefix: &str, row: usize, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let x = X0 + 10.0 + i as f64 * 30.0;
            let y = Y0 + 10.0 + row as f64 * 30.0;
            let code = if i % 2 == 0 { 11 } else { 21 };
            format!(
                "\"{}\",{prefix}-{i},{code},{},{}",
                square(x, y, 20.0),
                40 + i,
                10 * i
            )
        })
        .collect()
}

const PLOT_HEADER: &str = "WKT,MATRNR,ANVENDELSE,BEBYG_PCT,BOLIGER";

#[sqlx::test]
async fn danish_files_in_five_formats_and_three_crs_are_imported_through_a_mapping(pool: PgPool) {
    load(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    test_area(&pool, dir.path()).await;
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();

    // (prefix, source, how it was made)
    let mut sources = Vec::new();
    let gpkg = csv(dir.path(), "gpkg", PLOT_HEADER, &plot_rows("GP", 0, 3));
    convert(
        &gpkg,
        &d("matrikler.gpkg"),
        "GPKG",
        "EPSG:25832",
        "matrikler",
    );
    sources.push(("GP", d("matrikler.gpkg")));
    let shp = csv(dir.path(), "shp", PLOT_HEADER, &plot_rows("SH", 1, 3));
    std::fs::create_dir(dir.path().join("shp_dir")).unwrap();
    convert(
        &shp,
        &d("shp_dir/matrikler.shp"),
        "ESRI Shapefile",
        "EPSG:4326",
        "matrikler",
    );
    let zip = Command::new("zip")
        .args(["-j", "-q", &d("matrikler_shp.zip")])
        .args(["shp", "shx", "dbf", "prj"].map(|e| d(&format!("shp_dir/matrikler.{e}"))))
        .status();
    match zip {
        Ok(s) if s.success() => sources.push(("SH", d("matrikler_shp.zip"))),
        // No zip program: the Shapefile itself.
        _ => sources.push(("SH", d("shp_dir/matrikler.shp"))),
    }
    let fgb = csv(dir.path(), "fgb", PLOT_HEADER, &plot_rows("FG", 2, 3));
    convert(
        &fgb,
        &d("matrikler.fgb"),
        "FlatGeobuf",
        "EPSG:3857",
        "matrikler",
    );
    sources.push(("FG", d("matrikler.fgb")));
    let kml = csv(dir.path(), "kml", PLOT_HEADER, &plot_rows("KM", 3, 3));
    convert(&kml, &d("matrikler.kml"), "KML", "EPSG:4326", "matrikler");
    sources.push(("KM", d("matrikler.kml")));
    // CSV with WKT in EPSG:25832: the mapping names the CRS.
    let plain = csv(dir.path(), "matrikler", PLOT_HEADER, &plot_rows("CS", 4, 3));
    sources.push(("CS", plain.to_str().unwrap().to_owned()));

    for (prefix, source) in &sources {
        let mapping = if source.ends_with(".csv") {
            format!("crs = \"EPSG:25832\"\n{PLOT_MAPPING}")
        } else {
            PLOT_MAPPING.to_owned()
        };
        let dry = run(&pool, source, "plots", &mapping, Some("testomraade"), true).await;
        assert!(dry.problems.is_empty(), "{}", dry.to_text());
        assert_eq!((dry.inserted, dry.committed), (3, false), "{source}");
        let report = run(&pool, source, "plots", &mapping, Some("testomraade"), false).await;
        assert!(report.committed, "{source}: {}", report.to_text());
        assert_eq!((report.features, report.inserted), (3, 3), "{source}");
        let change_set = report.change_set.unwrap();
        assert!(change_set.reason.starts_with("import of matrikler"));
        assert!(change_set.reason.ends_with("by alice"));

        for i in 0..3usize {
            let reference = format!("{prefix}-{i}");
            let row: (String, String, String, f64, i32, f64, f64, String) = sqlx::query_as(
                "SELECT p.land_use, p.matrikelnummer, a.slug, p.max_plot_ratio_pct, p.planned_homes,
                        ST_XMin(p.boundary), ST_YMin(p.boundary), p.status
                 FROM plots p JOIN areas a ON a.id = p.area_id WHERE p.reference = $1",
            )
            .bind(&reference)
            .fetch_one(&pool)
            .await
            .unwrap_or_else(|e| panic!("{reference} from {source}: {e}"));
            let row_index = sources.iter().position(|(p, _)| p == prefix).unwrap();
            let land_use = if i % 2 == 0 { "residential" } else { "office" };
            assert_eq!(row.0, land_use, "{reference}");
            assert_eq!(row.1, reference);
            assert_eq!(row.2, "testomraade");
            assert_eq!(row.3, 40.0 + i as f64);
            assert_eq!(row.4, 10 * i as i32);
            let (x, y) = (
                X0 + 10.0 + i as f64 * 30.0,
                Y0 + 10.0 + row_index as f64 * 30.0,
            );
            assert!(
                (row.5 - x).abs() < 0.001 && (row.6 - y).abs() < 0.001,
                "{reference} from {source} lies at ({}, {}), not ({x}, {y})",
                row.5,
                row.6
            );
            assert_eq!(row.7, "planned", "imported plots start planned");
        }
    }

    // A building with its floor area in hectares (ETAGEAREAL_HA) stored in m².
    let building = csv(
        dir.path(),
        "bygninger",
        "WKT,BYGNR,GRUND,ETAGEAREAL_HA,ETAGER",
        &[format!(
            "\"{}\",BYG-1,GP-0,0.25,3",
            square(X0 + 15.0, Y0 + 15.0, 10.0)
        )],
    );
    let gpkg = d("bygninger.gpkg");
    convert(&building, &gpkg, "GPKG", "EPSG:3857", "bygninger");
    let mapping = r#"
        [properties]
        reference = "BYGNR"
        plot = "GRUND"
        floor_area_residential_m2 = { field = "ETAGEAREAL_HA", unit = "ha" }
        storeys = "ETAGER"
    "#;
    let report = run(&pool, &gpkg, "buildings", mapping, None, false).await;
    assert!(report.committed, "{}", report.to_text());
    let (m2, storeys): (f64, i32) = sqlx::query_as(
        "SELECT floor_area_residential_m2, storeys FROM buildings WHERE reference = 'BYG-1'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!((m2 - 2500.0).abs() < 1e-6, "{m2}");
    assert_eq!(storeys, 3);

    // Importing the same file again updates, and changes nothing.
    let again = run(
        &pool,
        &sources[0].1,
        "plots",
        PLOT_MAPPING,
        Some("testomraade"),
        false,
    )
    .await;
    assert_eq!(
        (again.inserted, again.updated),
        (0, 3),
        "{}",
        again.to_text()
    );
}

async fn counts(pool: &PgPool) -> (i64, i64) {
    sqlx::query_as("SELECT (SELECT count(*) FROM plots), (SELECT count(*) FROM history)")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn a_file_with_problems_is_refused_whole_naming_every_feature(pool: PgPool) {
    load(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    test_area(&pool, dir.path()).await;
    let before = counts(&pool).await;
    let (x, y) = (X0 + 100.0, Y0 + 100.0);
    let bowtie = format!(
        "POLYGON (({x} {y},{} {},{} {y},{x} {},{x} {y}))",
        x + 20.0,
        y + 20.0,
        x + 20.0,
        y + 20.0
    );
    let rows = [
        format!("\"{}\",OK-1,11,50,10", square(x + 100.0, y, 20.0)),
        format!("\"{bowtie}\",BAD-2,11,50,10"),
        format!("\"{}\",BAD-3,11,50,10", square(x + 110.0, y + 5.0, 20.0)),
        format!("\"{}\",BAD-4,11,5000,10", square(x + 200.0, y, 20.0)),
        format!("\"{}\",BAD-5,99,50,10", square(x + 300.0, y, 20.0)),
        format!("\"{}\",BAD-6,21,50,-3", square(x + 400.0, y, 20.0)),
    ];
    let source = csv(dir.path(), "src", PLOT_HEADER, &rows);
    let gpkg = dir.path().join("matrikler.gpkg");
    convert(
        &source,
        gpkg.to_str().unwrap(),
        "GPKG",
        "EPSG:4326",
        "matrikler",
    );

    for dry_run in [true, false] {
        let report = run(
            &pool,
            gpkg.to_str().unwrap(),
            "plots",
            PLOT_MAPPING,
            Some("testomraade"),
            dry_run,
        )
        .await;
        let text = report.to_text();
        assert!(!report.committed && report.change_set.is_none(), "{text}");
        assert_eq!(report.features, 6);
        let find = |reference: &str| -> Vec<_> {
            report
                .problems
                .iter()
                .filter(|p| p.feature.as_deref() == Some(reference))
                .collect()
        };
        let bowtie = find("BAD-2");
        assert_eq!(bowtie.len(), 1, "{text}");
        assert_eq!(
            (bowtie[0].index, bowtie[0].field.as_deref()),
            (Some(2), Some("geometry"))
        );
        assert!(bowtie[0].message.contains("not valid"), "{text}");
        // The overlap names both plots.
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.message.contains("overlaps")
                    && (p.feature.as_deref() == Some("OK-1")
                        || p.feature.as_deref() == Some("BAD-3"))
                    && (p.message.contains("OK-1") || p.message.contains("BAD-3"))),
            "{text}"
        );
        let ratio = find("BAD-4");
        assert_eq!(ratio[0].index, Some(4));
        assert_eq!(
            ratio[0].field.as_deref(),
            Some("max_plot_ratio_pct"),
            "{text}"
        );
        assert!(ratio[0].message.contains("5000") && ratio[0].message.contains("outside"));
        let code = find("BAD-5");
        assert_eq!(code.len(), 1, "named once, not again as missing: {text}");
        assert_eq!(code[0].field.as_deref(), Some("land_use"), "{text}");
        assert!(code[0].message.contains("ANVENDELSE `99`"), "{text}");
        let homes = find("BAD-6");
        assert_eq!(homes[0].field.as_deref(), Some("planned_homes"), "{text}");
        assert!(text.contains("matrikler, feature 4 (BAD-4)"), "{text}");
        assert_eq!(counts(&pool).await, before, "nothing written");
    }

    // Mistakes in the mapping itself are named before any feature is looked at.
    let opts = ImportOptions {
        source: gpkg.to_str().unwrap().to_owned(),
        into: "plots".to_owned(),
        mapping: Some(
            MappingFile::parse(
                "[properties]\nreference = \"MATRNR\"\nland_use = { field = \"ANVENDELSE\", map = { \"11\" = \"housing\" } }\nfarve = \"FARVE\"\n",
            )
            .unwrap(),
        ),
        user: "alice".to_owned(),
        ..ImportOptions::default()
    };
    let err = import_source(&pool, &opts, Progress::Hidden)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`housing`") && err.contains("`farve`") && err.contains("`area` is required"),
        "{err}"
    );
}

/// A second plotline instance on a socket, serving the Ballerup data set; the test imports
/// its areas and plots over OGC API – Features (GDAL's `OAPIF:` driver) into a fresh database.
#[sqlx::test]
async fn an_oapif_source_on_a_second_instance_is_imported(pool: PgPool) {
    let app = seeded(&pool).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });

    // The importing instance's own database, beside the test's.
    let options = pool.connect_options();
    // (Test databases' names are long: PostgreSQL would cut a suffix off at 63 characters.)
    let name = format!("plotline_oapif_{}_{port}", std::process::id());
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\""
    )))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&pool)
        .await
        .unwrap();
    let target = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect_with((*options).clone().database(&name))
        .await
        .unwrap();
    plotline::MIGRATOR.run(&target).await.unwrap();

    let source = format!("OAPIF:http://127.0.0.1:{port}");
    let opts = |layer: &str| ImportOptions {
        source: source.clone(),
        into: layer.to_owned(),
        layer: Some(layer.to_owned()),
        user: "alice".to_owned(),
        ..ImportOptions::default()
    };
    let mut reports = Vec::new();
    for layer in ["stations", "areas", "plots"] {
        let report = import_source(&target, &opts(layer), Progress::Hidden)
            .await
            .unwrap();
        assert!(report.committed, "{layer}: {}", report.to_text());
        reports.push(report);
    }
    for table in ["stations", "areas", "plots"] {
        let count = |p: PgPool| async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "SELECT count(*) FROM {table}"
            )))
            .fetch_one(&p)
            .await
            .unwrap()
        };
        let (there, here) = (count(pool.clone()).await, count(target.clone()).await);
        assert!(there > 0);
        assert_eq!(here, there, "{table}");
    }
    let kd03 = "SELECT land_use, status, planned_homes, round(ST_Area(boundary)) FROM plots WHERE reference = 'KD-03'";
    let a: (String, String, i32, f64) = sqlx::query_as(kd03).fetch_one(&pool).await.unwrap();
    let b: (String, String, i32, f64) = sqlx::query_as(kd03).fetch_one(&target).await.unwrap();
    assert_eq!(a, b);
    target.close().await;
    server.abort();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(&pool)
    .await
    .unwrap();
}

fn encoded(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn upload(
    app: &axum::Router,
    uri: &str,
    auth: Option<&str>,
    body: Vec<u8>,
) -> crate::helpers::Answer {
    let mut req = Request::builder().method("POST").uri(uri);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    request(
        app,
        req.header("content-type", "application/geopackage+sqlite3")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

#[sqlx::test]
async fn post_imports_is_for_admins_answers_a_dry_run_and_imports_on_confirm(pool: PgPool) {
    let app = seeded(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    test_area(&pool, dir.path()).await;
    let source = csv(dir.path(), "src", PLOT_HEADER, &plot_rows("UP", 0, 4));
    let gpkg = dir.path().join("up.gpkg");
    convert(
        &source,
        gpkg.to_str().unwrap(),
        "GPKG",
        "EPSG:25832",
        "matrikler",
    );
    let bytes = std::fs::read(&gpkg).unwrap();

    let admin = crate::planners::admin_auth(&pool, "root").await;
    let planner = planner_auth(&pool, "anna", &["kildedal"]).await;
    let before = counts(&pool).await;
    let uri = format!(
        "/imports?into=plots&area=testomraade&filename=matrikler.gpkg&mapping={}",
        encoded(PLOT_MAPPING)
    );

    let anonymous = upload(&app, &uri, None, bytes.clone()).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let refused = upload(&app, &uri, Some(&planner), bytes.clone()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);

    let dry = upload(&app, &uri, Some(&admin), bytes.clone()).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.text);
    assert_eq!(dry.json["dry_run"], true);
    assert_eq!(dry.json["inserted"], 4);
    assert_eq!(dry.json["problems"], Value::Array(vec![]));
    assert_eq!(dry.json["committed"], false);
    assert_eq!(counts(&pool).await, before, "a dry run writes nothing");

    let done = upload(
        &app,
        &format!("{uri}&confirm=true"),
        Some(&admin),
        bytes.clone(),
    )
    .await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
    assert_eq!(done.json["committed"], true);
    let change_set = &done.json["change_set"];
    assert_eq!(change_set["reason"], "import of matrikler.gpkg by root");
    let first = change_set["first_history_id"].as_i64().unwrap();
    let by: Vec<(String, String)> =
        sqlx::query_as("SELECT DISTINCT changed_by, reason FROM history WHERE id >= $1")
            .bind(first)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        by,
        vec![(
            "root".to_owned(),
            "import of matrikler.gpkg by root".to_owned()
        )]
    );
    let plots: i64 = sqlx::query_scalar("SELECT count(*) FROM plots WHERE reference LIKE 'UP-%'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(plots, 4);

    // A zipped Shapefile (EPSG:4326) with its own name, the same way.
    let shp = csv(dir.path(), "zipped", PLOT_HEADER, &plot_rows("ZP", 2, 2));
    std::fs::create_dir(dir.path().join("zp")).unwrap();
    let shp_path = dir.path().join("zp/matrikler.shp");
    convert(
        &shp,
        shp_path.to_str().unwrap(),
        "ESRI Shapefile",
        "EPSG:4326",
        "matrikler",
    );
    let zip_path = dir.path().join("matrikler.zip");
    let zipped = std::process::Command::new("zip")
        .arg("-j")
        .arg("-q")
        .arg(&zip_path)
        .args(["shp", "shx", "dbf", "prj"].map(|e| dir.path().join(format!("zp/matrikler.{e}"))))
        .status();
    if zipped.is_ok_and(|s| s.success()) {
        let zip_uri = uri.replace("matrikler.gpkg", "matrikler.zip");
        let answer = upload(
            &app,
            &format!("{zip_uri}&confirm=true"),
            Some(&admin),
            std::fs::read(&zip_path).unwrap(),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        assert_eq!(answer.json["inserted"], 2);
        assert_eq!(
            answer.json["change_set"]["reason"],
            "import of matrikler.zip by root"
        );
    }

    // Bad input is a 4xx naming what was wrong.
    let huge = upload(
        &app,
        &uri,
        Some(&admin),
        vec![0; plotline::http::imports::MAX_IMPORT_BYTES + 1],
    )
    .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", huge.text);
    assert!(huge.text.contains("50 MiB"), "{}", huge.text);
    let not_gis = upload(&app, &uri, Some(&admin), b"hello".to_vec()).await;
    assert_eq!(not_gis.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // An empty zip is a zip: one without a GIS file, a 422 that says so.
    let mut empty = Vec::new();
    zip::ZipWriter::new(std::io::Cursor::new(&mut empty))
        .finish()
        .unwrap();
    let nothing = upload(&app, &uri, Some(&admin), empty).await;
    assert_eq!(
        nothing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        nothing.text
    );
    assert!(
        nothing.text.contains("empty or damaged"),
        "{}",
        nothing.text
    );
    let no_into = upload(&app, "/imports", Some(&admin), bytes.clone()).await;
    assert_eq!(no_into.status, StatusCode::BAD_REQUEST, "{}", no_into.text);
    assert!(no_into.text.contains("into"));
    let bad_mapping = upload(
        &app,
        &format!(
            "/imports?into=plots&mapping={}",
            encoded("[properties]\ncolour = \"X\"")
        ),
        Some(&admin),
        bytes.clone(),
    )
    .await;
    assert_eq!(bad_mapping.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_mapping.text.contains("`colour`"),
        "{}",
        bad_mapping.text
    );
    let broken = {
        let mut b = bytes.clone();
        b.truncate(2000);
        b
    };
    let truncated = upload(&app, &uri, Some(&admin), broken).await;
    assert!(
        truncated.status.is_client_error(),
        "{} {}",
        truncated.status,
        truncated.text
    );
    // A refused confirm answers the report, and nothing is written.
    let before = counts(&pool).await;
    let overlapping = upload(
        &app,
        &format!(
            "{}&confirm=true",
            uri.replace("matrikler.gpkg", "again.gpkg")
        ),
        Some(&admin),
        {
            let moved = csv(dir.path(), "moved", PLOT_HEADER, &plot_rows("NEW", 0, 1));
            let out = dir.path().join("moved.gpkg");
            convert(
                &moved,
                out.to_str().unwrap(),
                "GPKG",
                "EPSG:25832",
                "matrikler",
            );
            std::fs::read(out).unwrap()
        },
    )
    .await;
    assert_eq!(
        overlapping.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        overlapping.text
    );
    assert!(
        overlapping.text.contains("overlaps"),
        "{}",
        overlapping.text
    );
    assert_eq!(counts(&pool).await, before);
}

/// `plotline import --describe`: layers, fields, counts and CRS, and a mapping to start from
/// that matches Danish field names; the suggestion is a mapping the importer accepts.
#[sqlx::test]
async fn describe_suggests_a_mapping_from_danish_field_names(pool: PgPool) {
    load(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    test_area(&pool, dir.path()).await;
    let source = csv(
        dir.path(),
        "src",
        "WKT,MATRNR,ANVENDELSE,BEBYG_PCT,Ejerlavskode,ETAGER",
        &[format!(
            "\"{}\",DS-1,office,45,12351,3",
            square(X0 + 500.0, Y0 + 500.0, 20.0)
        )],
    );
    let gpkg = dir.path().join("matrikler.gpkg");
    convert(
        &source,
        gpkg.to_str().unwrap(),
        "GPKG",
        "EPSG:3857",
        "jordstykke",
    );
    let text = plotline::import::describe(gpkg.to_str().unwrap(), "plots")
        .await
        .unwrap();
    for part in [
        "layer jordstykke: 1 features",
        "CRS EPSG:3857",
        "MATRNR",
        "Integer",
        "reference = \"MATRNR\"",
        "matrikelnummer = \"MATRNR\"",
        "land_use = \"ANVENDELSE\"",
        "max_plot_ratio_pct = \"BEBYG_PCT\"",
        "ejerlav = \"Ejerlavskode\"",
        "# area =",
    ] {
        assert!(text.contains(part), "{part} in:\n{text}");
    }
    // The suggestion, with the area given, imports.
    let mapping: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let report = run(
        &pool,
        gpkg.to_str().unwrap(),
        "plots",
        &mapping,
        Some("testomraade"),
        false,
    )
    .await;
    assert!(report.committed, "{}", report.to_text());
}

/// A zip whose files unpack to more than `MAX_UNZIPPED_BYTES` (a zip bomb) is refused before
/// GDAL reads any of it. A 300 KB zip of 300 MB of CSV kept the server busy for 76 s and took
/// 1.4 GB of memory for a dry run whose report echoed every row.
#[sqlx::test]
async fn post_imports_refuses_a_zip_that_unpacks_too_large(pool: PgPool) {
    let app = seeded(&pool).await;
    plotline::db::accounts::create_user(&pool, "root", "", "admin", None, &[])
        .await
        .unwrap();
    let token = plotline::auth::new_secret("plt_");
    plotline::db::accounts::create_token(
        &pool,
        "root",
        "test",
        "admin",
        &plotline::auth::sha256_hex(&token),
        None,
    )
    .await
    .unwrap();
    let admin = format!("Bearer {token}");
    // A stored zip of one small CSV whose headers then claim 1 GiB unpacked (what a deflated
    // bomb states): the local header's size at byte 22, the central directory's at 24.
    let mut zipped = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut zipped);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("plots.csv", stored).unwrap();
        std::io::Write::write_all(&mut zip, b"WKT,reference\n").unwrap();
        zip.finish().unwrap();
    }
    let mut bytes = zipped.into_inner();
    let claimed = (1u32 << 30).to_le_bytes();
    bytes[22..26].copy_from_slice(&claimed);
    let central = bytes
        .windows(4)
        .position(|w| w == b"PK\x01\x02")
        .expect("a central directory");
    bytes[central + 24..central + 28].copy_from_slice(&claimed);

    let answer = upload(&app, "/imports?into=plots", Some(&admin), bytes).await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.text
    );
    assert!(answer.text.contains("256 MiB unpacked"), "{}", answer.text);
    // A zip that is no zip past its first bytes is the client's mistake too.
    let broken = upload(
        &app,
        "/imports?into=plots",
        Some(&admin),
        b"PK\x03\x04 and then nothing".to_vec(),
    )
    .await;
    assert!(
        broken.status.is_client_error(),
        "{} {}",
        broken.status,
        broken.text
    );
    // Errors name the client's file, never the server's temporary folder.
    let garbage = {
        let mut b = b"SQLite format 3\0".to_vec();
        b.resize(4096, 0);
        b
    };
    let unreadable = upload(
        &app,
        "/imports?into=plots&filename=matrikler.gpkg",
        Some(&admin),
        garbage,
    )
    .await;
    assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unreadable.text.contains("matrikler.gpkg"),
        "{}",
        unreadable.text
    );
    assert!(!unreadable.text.contains("/tmp"), "{}", unreadable.text);
}

/// Only the formats planners use are opened: a plain SQLite database (GDAL's SQLite driver can
/// reach virtual tables) is refused, naming the formats plotline imports.
#[sqlx::test]
async fn a_source_in_another_format_is_refused_naming_the_formats(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    test_area(&pool, dir.path()).await;
    let source = csv(dir.path(), "src", PLOT_HEADER, &plot_rows("SQ", 0, 2));
    let sqlite = dir.path().join("plots.sqlite");
    convert(
        &source,
        sqlite.to_str().unwrap(),
        "SQLite",
        "EPSG:25832",
        "matrikler",
    );
    let err = try_run(
        &pool,
        sqlite.to_str().unwrap(),
        "plots",
        PLOT_MAPPING,
        Some("testomraade"),
        true,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("a format plotline imports") && err.contains("GPKG"),
        "{err}"
    );
    // The same rows as a GeoPackage are read.
    let gpkg = dir.path().join("plots.gpkg");
    convert(
        &source,
        gpkg.to_str().unwrap(),
        "GPKG",
        "EPSG:25832",
        "matrikler",
    );
    let report = run(
        &pool,
        gpkg.to_str().unwrap(),
        "plots",
        PLOT_MAPPING,
        Some("testomraade"),
        true,
    )
    .await;
    assert_eq!(report.features, 2, "{}", report.to_text());
}
