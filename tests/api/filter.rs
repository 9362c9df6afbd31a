//! The filter path (`plotline::filter`) at its boundary: what is accepted and refused, the SQL it means, and that an
//! error names the offending property, operator or literal.

use plotline::filter::{
    bbox, cql2, datetime, equals, translate, Condition, FilterError, Queryable, QueryableKind,
    MAX_BINDS,
};
use plotline::geo::Crs;

const Q: &[Queryable] = &[
    Queryable {
        name: "status",
        kind: QueryableKind::String,
        sql: "(properties->>'status')",
    },
    Queryable {
        name: "plot_area_m2",
        kind: QueryableKind::Number,
        sql: "(properties->>'plot_area_m2')",
    },
    Queryable {
        name: "max_area_m2",
        kind: QueryableKind::Number,
        sql: "\"max_area_m2\"",
    },
    Queryable {
        name: "floors",
        kind: QueryableKind::Integer,
        sql: "\"floors\"",
    },
    Queryable {
        name: "is_public",
        kind: QueryableKind::Boolean,
        sql: "\"is_public\"",
    },
    Queryable {
        name: "available_from",
        kind: QueryableKind::Date,
        sql: "\"available_from\"",
    },
    Queryable {
        name: "updated_at",
        kind: QueryableKind::Timestamp,
        sql: "updated_at",
    },
    Queryable {
        name: "name",
        kind: QueryableKind::String,
        sql: "coalesce(properties->>'name', '')",
    },
    Queryable {
        name: "geometry",
        kind: QueryableKind::Geometry,
        sql: "geom",
    },
];

fn render_all(conditions: &[Condition]) -> Result<(String, Vec<String>), FilterError> {
    translate(conditions, Q).map(|sql| sql.render())
}

/// The SQL of a CQL2-Text filter (literals in `crs`), without the leading ` AND (` … `)`.
fn render_crs(filter: &str, crs: Crs) -> (String, Vec<String>) {
    let c = cql2(filter, "cql2-text", crs).unwrap_or_else(|e| panic!("{filter}: {e}"));
    let (sql, binds) = render_all(&[c]).unwrap_or_else(|e| panic!("{filter}: {e}"));
    (sql[" AND (".len()..sql.len() - 1].to_owned(), binds)
}

fn render(filter: &str) -> (String, Vec<String>) {
    render_crs(filter, Crs::Epsg25832)
}

fn render_json(json: &str) -> (String, Vec<String>) {
    let c = cql2(json, "cql2-json", Crs::Crs84).unwrap_or_else(|e| panic!("{json}: {e}"));
    let (sql, binds) = render_all(&[c]).unwrap();
    (sql[" AND (".len()..sql.len() - 1].to_owned(), binds)
}

/// The message of a filter refused when it is parsed or translated.
fn error(filter: &str, lang: &str) -> String {
    let e = cql2(filter, lang, Crs::Crs84)
        .and_then(|c| render_all(&[c]).map(|(sql, _)| panic!("{filter}: accepted as {sql}")));
    let e: FilterError = e.unwrap_err();
    assert_eq!(e.parameter, "filter");
    e.message
}

fn text_error(filter: &str) -> String {
    error(filter, "cql2-text")
}

#[test]
fn sql_for_comparisons() {
    let (sql, binds) = render("status = 'available' AND plot_area_m2 > 1000");
    assert_eq!(
        sql,
        "((properties->>'status') = $1 AND (properties->>'plot_area_m2')::float8 > $2)"
    );
    assert_eq!(binds, ["Text(\"available\")", "Float(1000.0)"]);
    let (sql, binds) = render("floors = 3");
    assert_eq!(sql, "\"floors\"::bigint = $1");
    assert_eq!(binds, ["Int(3)"]);
    // An integer property with a fraction is compared as float8.
    assert_eq!(
        render("floors < 1.5"),
        ("\"floors\"::float8 < $1".into(), vec!["Float(1.5)".into()])
    );
    assert_eq!(
        render("is_public <> FALSE").0,
        "\"is_public\"::boolean <> $1"
    );
    let (sql, binds) = render("available_from >= DATE('2024-01-31')");
    assert_eq!(
        (sql.as_str(), binds),
        (
            "\"available_from\"::date >= $1",
            vec!["Date(2024-01-31)".into()]
        )
    );
    let (sql, binds) = render("updated_at < TIMESTAMP('2024-01-31T13:00:00+01:00')");
    assert_eq!(
        (sql.as_str(), binds),
        (
            "updated_at::timestamptz < $1",
            vec!["Time(2024-01-31T12:00:00Z)".into()]
        )
    );
    // A date against a timestamp: midnight UTC.
    assert_eq!(
        render("updated_at >= DATE('2024-01-31')").1,
        ["Time(2024-01-31T00:00:00Z)"]
    );
    // Property against property, with an SQL fragment that needs parentheses.
    let (sql, binds) = render("plot_area_m2 <= max_area_m2 OR name = status");
    assert_eq!(
        sql,
        "((properties->>'plot_area_m2')::float8 <= \"max_area_m2\"::float8 OR (coalesce(properties->>'name', '')) = (properties->>'status'))"
    );
    assert!(binds.is_empty());
    assert_eq!(
        render("available_from < updated_at").0,
        "(\"available_from\"::date::timestamp AT TIME ZONE 'UTC') < updated_at::timestamptz"
    );
    // Precedence: AND binds tighter than OR, NOT tighter than AND.
    assert_eq!(
        render("status = 'a' OR floors < 3 AND NOT name IS NULL").0,
        "((properties->>'status') = $1 OR (\"floors\"::bigint < $2 AND NOT ((coalesce(properties->>'name', '')) IS NULL)))"
    );
    assert_eq!(render("TRUE AND NOT FALSE").0, "(TRUE AND NOT (FALSE))");
}

#[test]
fn sql_for_advanced_operators() {
    let (sql, binds) = render("status LIKE 'avail%' AND status NOT LIKE '%_x'");
    assert_eq!(
        sql,
        "((properties->>'status') LIKE $1 AND NOT ((properties->>'status') LIKE $2))"
    );
    assert_eq!(binds, ["Text(\"avail%\")", "Text(\"%_x\")"]);
    assert_eq!(
        render("status IN ('a', 'b', 'c')").0,
        "(properties->>'status') IN ($1, $2, $3)"
    );
    assert_eq!(
        render("floors NOT IN (1, 2)"),
        (
            "NOT (\"floors\"::bigint IN ($1, $2))".into(),
            vec!["Int(1)".into(), "Int(2)".into()]
        )
    );
    let (sql, binds) = render("plot_area_m2 BETWEEN 100 AND 200");
    assert_eq!(
        sql,
        "(properties->>'plot_area_m2')::float8 BETWEEN $1 AND $2"
    );
    assert_eq!(binds, ["Float(100.0)", "Float(200.0)"]);
    assert_eq!(
        render("geometry IS NULL AND plot_area_m2 IS NOT NULL").0,
        "(geom IS NULL AND NOT ((properties->>'plot_area_m2') IS NULL))"
    );
    assert_eq!(
        render("CASEI(status) = CASEI('Available')"),
        (
            "lower((properties->>'status')) = lower($1)".into(),
            vec!["Text(\"Available\")".into()]
        )
    );
}

#[test]
fn text_and_json_mean_the_same() {
    let cases = [
        (
            "status = 'available'",
            r#"{"op": "=", "args": [{"property": "status"}, "available"]}"#,
        ),
        (
            "plot_area_m2 > 1000 and status <> 'sold'",
            r#"{"op": "and", "args": [{"op": ">", "args": [{"property": "plot_area_m2"}, 1000]}, {"op": "<>", "args": [{"property": "status"}, "sold"]}]}"#,
        ),
        (
            "floors not in (1, 2)",
            r#"{"op": "not", "args": [{"op": "in", "args": [{"property": "floors"}, [1, 2]]}]}"#,
        ),
        (
            "plot_area_m2 BETWEEN 100 AND 200.5",
            r#"{"op": "between", "args": [{"property": "plot_area_m2"}, 100, 200.5]}"#,
        ),
        (
            "status is not null",
            r#"{"op": "not", "args": [{"op": "isNull", "args": [{"property": "status"}]}]}"#,
        ),
        (
            "available_from >= DATE('2024-01-01')",
            r#"{"op": ">=", "args": [{"property": "available_from"}, {"date": "2024-01-01"}]}"#,
        ),
        (
            "updated_at < TIMESTAMP('2024-01-01T12:30:00Z')",
            r#"{"op": "<", "args": [{"property": "updated_at"}, {"timestamp": "2024-01-01T12:30:00Z"}]}"#,
        ),
        (
            "CASEI(status) = casei('Available')",
            r#"{"op": "=", "args": [{"op": "casei", "args": [{"property": "status"}]}, {"op": "casei", "args": ["Available"]}]}"#,
        ),
        (
            "S_INTERSECTS(geometry, POLYGON((12.3 55.7, 12.4 55.7, 12.4 55.8, 12.3 55.7)))",
            r#"{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": [[[12.3, 55.7], [12.4, 55.7], [12.4, 55.8], [12.3, 55.7]]]}]}"#,
        ),
        (
            "s_within(geometry, BBOX(12.3, 55.7, 12.4, 55.8))",
            r#"{"op": "s_within", "args": [{"property": "geometry"}, {"bbox": [12.3, 55.7, 12.4, 55.8]}]}"#,
        ),
        (
            "S_DWITHIN(geometry, POINT(12.35 55.73), 2.5, km)",
            r#"{"op": "s_dwithin", "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [12.35, 55.73]}, 2.5, "kilometers"]}"#,
        ),
        (
            "S_INTERSECTS(geometry, MULTIPOINT((1 2), (3 4)))",
            r#"{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "MultiPoint", "coordinates": [[1, 2], [3, 4]]}]}"#,
        ),
        (
            "S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(1 2, 3 4)))",
            r#"{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1, 2]}, {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}]}]}"#,
        ),
        ("TRUE", "true"),
    ];
    for (text, json) in cases {
        assert_eq!(render_crs(text, Crs::Crs84), render_json(json), "{text}");
    }
}

#[test]
fn spatial_literals_are_clamped_densified_and_transformed() {
    let (sql, binds) = render_crs(
        "S_INTERSECTS(geometry, POLYGON((12.3 55.7, 12.4 55.7, 12.4 55.8, 12.3 55.7)))",
        Crs::Crs84,
    );
    assert_eq!(sql, "ST_Intersects(geom, (SELECT ST_Transform(ST_Segmentize((ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON($1)), 4326)), $2), 25832)))");
    assert!(
        binds[0].contains(r#"\"coordinates\":[[[12.3,55.7],[12.4,55.7]"#),
        "{binds:?}"
    );
    // A 0.1° box of 4 vertices: densified to 0.1 · 4 / 128 degrees.
    let step: f64 = binds[1]
        .trim_start_matches("Float(")
        .trim_end_matches(')')
        .parse()
        .unwrap();
    assert!((step - 0.1 * 4.0 / 128.0).abs() < 1e-12, "{step}");
    // EPSG:4326 literals are latitude first: the axes are swapped in SQL.
    let (sql, _) = render_crs("S_WITHIN(geometry, POINT(55.73 12.35))", Crs::Epsg4326);
    assert_eq!(sql, "ST_Within(geom, (SELECT ST_Transform(ST_FlipCoordinates(ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON($1)), 4326)), 25832)))");
    // The storage CRS needs no transformation; Web Mercator does.
    assert_eq!(
        render("S_INTERSECTS(geometry, POINT(720000 6180000))").0,
        "ST_Intersects(geom, (ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON($1)), 25832)))"
    );
    assert!(render_crs(
        "S_INTERSECTS(geometry, POINT(1380000 7500000))",
        Crs::Epsg3857
    )
    .0
    .ends_with("3857)), 25832)))"));
    // A BBOX in EPSG:4326 (latitude first) becomes an envelope longitude first.
    let (sql, binds) = render_crs(
        "S_INTERSECTS(geometry, BBOX(55.7, 12.3, 55.8, 12.4))",
        Crs::Epsg4326,
    );
    assert_eq!(sql, "ST_Intersects(geom, (SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope($1, $2, $3, $4, 4326), $5), 25832)))");
    assert_eq!(
        binds[..4],
        ["Float(12.3)", "Float(55.7)", "Float(12.4)", "Float(55.8)"]
    );
    // Beyond the area of use: clamped (a box) or clipped (a geometry); outside it: empty.
    let (_, binds) = render("S_INTERSECTS(geometry, BBOX(0, 0, 1e9, 1e9))");
    assert_eq!(
        binds,
        [
            "Float(0.0)",
            "Float(3318000.0)",
            "Float(1956000.0)",
            "Float(9351000.0)"
        ]
    );
    let (sql, binds) = render_crs(
        "S_INTERSECTS(geometry, LINESTRING(-170 0, 12 55))",
        Crs::Crs84,
    );
    assert!(
        sql.contains("ST_Segmentize(ST_ClipByBox2D((ST_SetSRID(")
            && sql.contains("ST_MakeBox2D(ST_Point(0, 30), ST_Point(24, 84))"),
        "{sql}"
    );
    assert_eq!(binds[1], format!("Float({})", 25.0 * 4.0 / 128.0));
    assert_eq!(
        render_crs("S_INTERSECTS(geometry, POINT(-100 -50))", Crs::Crs84),
        (
            "ST_Intersects(geom, ST_GeomFromText('POLYGON EMPTY', 25832))".into(),
            vec![]
        )
    );
    // Distances in metres.
    let (sql, binds) = render_crs(
        "S_DWITHIN(geometry, POINT(12.35 55.73), 2.5, kilometers)",
        Crs::Crs84,
    );
    assert_eq!(sql, "ST_DWithin(geom, (SELECT ST_Transform((ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON($1)), 4326)), 25832)), $2)");
    assert_eq!(binds[1], "Float(2500.0)");
    assert_eq!(
        render_crs("S_DWITHIN(geometry, POINT(12.35 55.73), 300)", Crs::Crs84).1[1],
        "Float(300.0)"
    );
    let (sql, _) = render_crs("S_CONTAINS(POLYGON((0 40, 1 40, 1 41, 0 40)), geometry) OR S_DISJOINT(geometry, POINT(1 40))", Crs::Crs84);
    assert!(
        sql.starts_with("(ST_Contains((SELECT ST_Transform(")
            && sql.contains(", geom) OR ST_Disjoint(geom, "),
        "{sql}"
    );
}

#[test]
fn parameters_become_conditions_of_the_same_tree() {
    let (sql, binds) = render_all(&[
        equals(&Q[0], "available").unwrap(),
        equals(&Q[3], "3").unwrap(),
        bbox("55,12,56,13", Crs::Epsg4326).unwrap(),
        datetime("2025-01-01").unwrap(),
    ])
    .unwrap();
    assert_eq!(
        sql,
        " AND ((properties->>'status') = $1) AND (\"floors\"::bigint = $2) \
         AND (ST_Intersects(geom, (SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope($3, $4, $5, $6, 4326), $7), 25832)))) \
         AND ((updated_at::timestamptz >= $8 AND updated_at::timestamptz <= $9))"
    );
    assert_eq!(
        binds[2..6],
        ["Float(12.0)", "Float(55.0)", "Float(13.0)", "Float(56.0)"]
    );
    assert_eq!(
        binds[7..],
        [
            "Time(2025-01-01T00:00:00Z)",
            "Time(2025-01-01T23:59:59.999999Z)"
        ]
    );
    let (sql, _) = render_all(&[datetime("../2025-01-01T00:00:00Z").unwrap()]).unwrap();
    assert_eq!(sql, " AND ((updated_at::timestamptz <= $1))");
    for (bad, says) in [
        ("../..", "at least one end"),
        ("2025-02-01/2025-01-01", "after it ends"),
        ("soon", "`soon`"),
    ] {
        let e = datetime(bad).unwrap_err();
        assert!(
            e.parameter == "datetime" && e.message.contains(says),
            "{bad}: {e}"
        );
    }
    let e = equals(&Q[1], "big").unwrap_err();
    assert_eq!(
        (e.parameter, e.message.as_str()),
        ("plot_area_m2", "`big` is not a number")
    );
    assert!(render_all(&[equals(&Q[0], "a\u{0}").unwrap()])
        .unwrap_err()
        .message
        .contains("NUL"));
    assert!(equals(&Q[4], "yes")
        .unwrap_err()
        .message
        .contains("true or false"));
    assert!(equals(&Q[8], "x")
        .unwrap_err()
        .message
        .contains("use `filter`"));
    assert_eq!(bbox("1,2,3", Crs::Epsg3857).unwrap_err().parameter, "bbox");
    assert_eq!(
        cql2("1", "sql", Crs::Crs84).unwrap_err().parameter,
        "filter-lang"
    );
    assert!(render_all(&[]).unwrap().0.is_empty());
}

#[test]
fn syntax_errors_say_where() {
    for (filter, says) in [
        ("status = 'available' AND", "unexpected end of filter"),
        ("status = 'abc", "(at character 9)"),
        ("status foo", "cannot read `foo`"),
        (
            "status = 'a'; DROP TABLE plots",
            "cannot read `; DROP TABLE plots`: expected a comparison operator",
        ),
        ("status = 'a'; DROP TABLE plots", "(at character 12)"),
        ("status != 'a'", "use `<>` (at character 7)"),
        ("", "the filter is empty"),
        ("S_INTERSECTS(geometry, POINT(1 x))", "at character"),
        (
            "status = 'x' -- comment",
            "the operator `-` is not supported",
        ),
    ] {
        let e = text_error(filter);
        assert!(e.contains(says), "{filter}: {e:?} lacks {says:?}");
    }
}

/// The CQL2-Text grammar backtracks at every `(`; a filter broken off inside a few dozen
/// parentheses took the parser hours (found by `scripts/fuzz.sh`). It is refused within the
/// parser's step bound instead, and valid filters as deep or as long still read.
#[test]
fn broken_parentheses_cannot_keep_the_parser_busy() {
    let started = std::time::Instant::now();
    for filter in [
        // The fuzzer's input, verbatim.
        "-tatus = 'a' OR floors < 3 AND NOT loor(((((((((((((((((((((((((((s < 3 ANname IS NULL",
        &format!("{}status < 3 AN{}", "(".repeat(40), ")".repeat(40)),
        &format!("{}status = 'a'", "NOT (".repeat(30)),
        &"(".repeat(60),
    ] {
        let e = text_error(filter);
        assert!(e.contains("too complex to read"), "{filter}: {e}");
    }
    // Each takes about 0.2 s in a release build; hours without the bound.
    let took = started.elapsed();
    assert!(took.as_secs() < 60, "{took:?}");
    render(&format!("{}status = 'a'{}", "(".repeat(60), ")".repeat(60)));
    render(&format!(
        "floors = 1{}",
        " OR (status = 'a' AND floors BETWEEN 1 AND 2)".repeat(2000)
    ));
}

#[test]
fn nesting_and_size_are_limited() {
    let deep = format!("{}status = 'a'{}", "(".repeat(200), ")".repeat(200));
    assert!(text_error(&deep).contains("nested too deeply"));
    assert!(
        text_error(&format!("{}status = 'a'", "NOT ".repeat(200))).contains("nested too deeply")
    );
    assert!(text_error(&format!(
        "{}status{} = 'a'",
        "CASEI(".repeat(200),
        ")".repeat(200)
    ))
    .contains("nested too deeply"));
    assert!(
        text_error(&format!("floors = {}1", "- ".repeat(100_000))).contains("nested too deeply")
    );
    render(&format!("{}status = 'a'{}", "(".repeat(30), ")".repeat(30)));
    render(&format!(
        "floors = -1 AND floors <> -2{}",
        " AND status = 'a'".repeat(3000)
    ));
    let mut json = r#"{"op": "=", "args": [{"property": "status"}, "a"]}"#.to_owned();
    for _ in 0..200 {
        json = format!(r#"{{"op": "not", "args": [{json}]}}"#);
    }
    assert!(error(&json, "cql2-json").contains("nested too deeply"));
    let list = vec!["'a'"; MAX_BINDS + 1].join(", ");
    assert!(text_error(&format!("status IN ({list})")).contains("too large"));
}

#[test]
fn type_errors_name_the_property_the_operator_and_the_literal() {
    for (filter, says) in [
        ("plot_area_m2 = 'big'", "property `plot_area_m2` is a number, so it cannot be compared with the string 'big' (expected a number such as 1000)"),
        ("'big' < plot_area_m2", "property `plot_area_m2` is a number"),
        ("status = 5", "property `status` is a string"),
        ("status < DATE('2024-01-01')", "cannot be compared with DATE('2024-01-01')"),
        ("plot_area_m2 LIKE '1%'", "LIKE compares strings, but property `plot_area_m2` is a number"),
        ("S_INTERSECTS(status, POINT(1 2))", "S_INTERSECTS needs a geometry, but property `status` is a string; the geometry property is `geometry`"),
        ("S_DWITHIN(geometry, floors, 5, m)", "S_DWITHIN needs a geometry, but property `floors` is an integer"),
        ("geometry = 'x'", "property `geometry` is a geometry"),
        ("is_public < TRUE", "`<` cannot be used with booleans"),
        ("is_public BETWEEN FALSE AND TRUE", "BETWEEN cannot be used with booleans"),
        ("available_from = '2024-01-01'", "expected a date such as DATE('2024-01-31')"),
        ("floors IN (1, 'two')", "property `floors` is an integer, so it cannot be compared with the string 'two'"),
        ("plot_area_m2 = status", "cannot be compared with property `status`"),
        ("CASEI(floors) = 'a'", "CASEI works on strings, but property `floors` is an integer"),
        ("S_INTERSECTS(geometry, POINT(720000 6180000))", "are not longitude latitude (CRS84)"),
        ("available_from = DATE('2024-13-01')", "invalid date '2024-13-01'"),
        ("floors = 1e999", "the number inf is out of range"),
        ("S_DWITHIN(geometry, POINT(1 2), 10, furlongs)", "unknown distance unit `furlongs`"),
        ("S_DWITHIN(geometry, POINT(1 2), -1, m)", "at least 0, found -1"),
        ("S_INTERSECTS(geometry, POLYGON((1 2, 3 4, 5 6, 7 8)))", "must be closed"),
        ("S_INTERSECTS(geometry, POLYGON((1 2, 3 4, 1 2)))", "at least 4 positions"),
        ("S_INTERSECTS(geometry, BBOX(5, 2, 3, 4))", "BBOX: minLon 5 is greater than maxLon 3"),
        ("S_INTERSECTS(geometry, BBOX(1, 2, 3))", "got 3"),
        ("S_INTERSECTS(geometry, 'POINT(1 2)')", "needs a geometry property or a geometry, found the string 'POINT(1 2)'"),
        ("status = POINT(1 2)", "spatial functions such as S_INTERSECTS"),
        ("floors + 1 > 2", "`+` is not supported"),
        ("T_AFTER(updated_at, TIMESTAMP('2024-01-01T00:00:00Z'))", "`t_after` is not supported"),
        ("status = NULL", "use IS NULL"),
        ("status = 'a\u{0}b'", "the string 'a\u{0}b' holds a NUL"),
    ] {
        let e = text_error(filter);
        assert!(e.contains(says), "{filter}: {e:?} lacks {says:?}");
    }
}

#[test]
fn unknown_properties_are_named_with_a_suggestion() {
    let e = text_error("statuz = 'available'");
    assert!(e.starts_with("unknown property `statuz` (did you mean `status`?); queryable properties are: status, plot_area_m2,"), "{e}");
    assert!(text_error("floors = 1 AND \"Plot Area\" > 5").contains("unknown property `Plot Area`"));
    assert!(text_error("S_INTERSECTS(geom, POINT(1 2))").contains("unknown property `geom`"));
    assert!(text_error("nothing IS NULL").contains("unknown property `nothing`"));
}

#[test]
fn json_errors_name_the_path() {
    for (json, says) in [
        ("{\"op\": ", "not JSON"),
        (
            r#""status = 'a'""#,
            "the string 'status = 'a'' is not a condition",
        ),
        (
            r#"{"op": "=", "args": [{"property": "status"}]}"#,
            "`=` takes 2 arguments, found 1",
        ),
        (
            r#"{"op": "and", "args": [true, {"op": "nope", "args": []}]}"#,
            "`nope` is not supported",
        ),
        (
            r#"{"op": "=", "args": [{"property": 5}, 1]}"#,
            "(at $.args[0])",
        ),
        (
            r#"{"op": "in", "args": [{"property": "status"}, []]}"#,
            "must not be empty",
        ),
        (
            r#"{"op": "=", "args": [{"property": "available_from"}, {"date": "2024-02-30"}]}"#,
            "invalid date",
        ),
        (
            r#"{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [1, 2, 3, 4]}]}"#,
            "2 or 3 finite coordinates",
        ),
        (
            r#"{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [1]}]}"#,
            "(at $.args[1])",
        ),
        (
            r#"{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": [[[0, 40], [1, 40], [1, 41], [0, 41]]]}]}"#,
            "must be closed",
        ),
        (
            r#"{"op": "like", "args": [{"property": "status"}, {"op": "and", "args": []}]}"#,
            "the operator `and`",
        ),
    ] {
        let e = error(json, "cql2-json");
        assert!(e.contains(says), "{json}: {e:?} lacks {says:?}");
    }
}

#[test]
fn injection_attempts_stay_out_of_the_sql() {
    // A quote written as '' stays inside the bound string.
    let (sql, binds) = render("status = 'x''; DROP TABLE plots; --'");
    assert_eq!(sql, "(properties->>'status') = $1");
    assert_eq!(binds, ["Text(\"x'; DROP TABLE plots; --\")"]);
    let (sql, binds) = render("status LIKE '%'' OR 1=1 --' OR status IN ('a)', 'b''')");
    assert!(!sql.contains("OR 1=1") && !sql.contains("a)"), "{sql}");
    assert_eq!(binds.len(), 3);
    // Property names are only looked up, never written.
    assert!(text_error("\"status') = 'a' OR true OR ('\" = 'x'").contains("unknown property"));
    assert!(error(
        r#"{"op": "=", "args": [{"property": "status) OR 1=1 --"}, "a"]}"#,
        "cql2-json"
    )
    .contains("unknown property"));
    let (sql, binds) = render_json(
        r#"{"op": "like", "args": [{"property": "status"}, "'; DELETE FROM plots; --"]}"#,
    );
    assert_eq!(
        (sql.as_str(), binds),
        (
            "(properties->>'status') LIKE $1",
            vec!["Text(\"'; DELETE FROM plots; --\")".into()]
        )
    );
}
