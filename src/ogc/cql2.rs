//! OGC CQL2 (OGC 21-065) filters for OGC API – Features – Part 3: Filtering.
//!
//! * [`parse_text`] reads CQL2-Text and [`parse_json`] reads CQL2-JSON; the two encodings of one
//!   filter give equal [`Expr`] trees.
//! * [`push_sql`] translates an [`Expr`] into a PostgreSQL/PostGIS boolean expression.
//!
//! Conformance classes: Basic CQL2, Advanced Comparison Operators (`LIKE`, `IN`, `BETWEEN`),
//! Basic Spatial Functions (`S_INTERSECTS`) plus `S_WITHIN`, `S_CONTAINS`, `S_DISJOINT`,
//! `S_EQUALS`, `S_OVERLAPS`, `S_TOUCHES`, `S_CROSSES` and `S_DWITHIN`, Property-Property
//! comparisons, and `CASEI` (case-insensitive comparison).
//!
//! Safety: every value that comes from a filter becomes a bound parameter. The only SQL text that
//! is written is fixed keywords, operators, casts, SRIDs and the `sql` fragments of the
//! allow-listed [`Queryable`]s that the caller passes.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::{Map, Value};
use sqlx::{Postgres, QueryBuilder};

/// The SRID of stored geometry (ETRS89 / UTM zone 32N, metres).
pub const STORAGE_SRID: i32 = 25832;

/// How deeply a filter may nest (parentheses, `NOT`, JSON objects), to keep the stack safe.
pub const MAX_DEPTH: usize = 64;

/// How many values one filter may bind (PostgreSQL allows 65535 parameters per statement).
pub const MAX_BINDS: usize = 10_000;

// ------------------------------------------------------------------------------------------------
// Public types
// ------------------------------------------------------------------------------------------------

/// A property that may be filtered on: its name in the API, its type, and the SQL expression that
/// reads it (an allow-listed, trusted fragment such as `"status"` or `geom`).
#[derive(Debug, Clone, Copy)]
pub struct Queryable {
    pub name: &'static str,
    pub kind: QueryableKind,
    pub sql: &'static str,
}

/// The type of a [`Queryable`]. For all kinds but `String` and `Geometry`, the SQL fragment is
/// cast (`::float8`, `::bigint`, `::boolean`, `::date`, `::timestamptz`), so it may yield text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryableKind {
    String,
    Number,
    Integer,
    Boolean,
    Date,
    Timestamp,
    Geometry,
}

impl QueryableKind {
    /// The SQL type a property of this kind is read as (its fragment may yield text); `None`
    /// for strings and geometry, which are read as they are.
    pub fn sql_type(self) -> Option<&'static str> {
        match self {
            QueryableKind::String | QueryableKind::Geometry => None,
            QueryableKind::Number => Some("float8"),
            QueryableKind::Integer => Some("bigint"),
            QueryableKind::Boolean => Some("boolean"),
            QueryableKind::Date => Some("date"),
            QueryableKind::Timestamp => Some("timestamptz"),
        }
    }
}

/// The CRS of geometry literals in a filter (`filter-crs`); the stored geometry is EPSG:25832.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterCrs {
    /// OGC CRS84: longitude, latitude (the default).
    Crs84,
    /// EPSG:4326 with its official axis order: latitude, longitude.
    Epsg4326,
    /// ETRS89 / UTM zone 32N, as stored.
    Epsg25832,
    /// Web Mercator.
    Epsg3857,
}

impl FilterCrs {
    /// The PostGIS SRID of the literals (x = longitude for both geographic CRSs).
    pub const fn srid(self) -> i32 {
        match self {
            FilterCrs::Crs84 | FilterCrs::Epsg4326 => 4326,
            FilterCrs::Epsg25832 => 25832,
            FilterCrs::Epsg3857 => 3857,
        }
    }
}

/// A parsed filter: a boolean expression.
///
/// `NOT LIKE`, `NOT IN`, `NOT BETWEEN` and `IS NOT NULL` are `Not(..)` around the positive form,
/// as in CQL2-JSON; `AND` and `OR` are flattened (`a AND (b AND c)` is `And([a, b, c])`).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `TRUE` / `FALSE`.
    Bool(bool),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// `left op right`.
    Compare {
        op: CompareOp,
        left: Scalar,
        right: Scalar,
    },
    /// `value LIKE pattern` (`%` and `_` wildcards, `\` escapes).
    Like {
        value: Scalar,
        pattern: Scalar,
    },
    /// `value IN (list…)`.
    In {
        value: Scalar,
        list: Vec<Scalar>,
    },
    /// `value BETWEEN low AND high`.
    Between {
        value: Scalar,
        low: Scalar,
        high: Scalar,
    },
    /// `value IS NULL`.
    IsNull(Scalar),
    /// `S_INTERSECTS(left, right)` and the other spatial functions but `S_DWITHIN`.
    Spatial {
        op: SpatialOp,
        left: SpatialArg,
        right: SpatialArg,
    },
    /// `S_DWITHIN(left, right, distance, unit)`.
    DWithin {
        left: SpatialArg,
        right: SpatialArg,
        distance: f64,
        unit: DistanceUnit,
    },
}

impl Expr {
    /// `AND` of `items`, flattening nested `AND`s; a single item is returned as is.
    pub fn and(items: Vec<Expr>) -> Expr {
        Self::join(items, true)
    }

    /// `OR` of `items`, flattening nested `OR`s; a single item is returned as is.
    pub fn or(items: Vec<Expr>) -> Expr {
        Self::join(items, false)
    }

    fn join(items: Vec<Expr>, and: bool) -> Expr {
        let mut flat = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Expr::And(inner) if and => flat.extend(inner),
                Expr::Or(inner) if !and => flat.extend(inner),
                other => flat.push(other),
            }
        }
        match (flat.len(), and) {
            (1, _) => flat.remove(0),
            (_, true) => Expr::And(flat),
            (_, false) => Expr::Or(flat),
        }
    }
}

/// A value in a comparison: a property or a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Property(Property),
    String(String),
    Number(f64),
    Boolean(bool),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
    /// `CASEI(x)`: compare case-insensitively (`lower(x)` in SQL).
    Casei(Box<Scalar>),
}

/// A property reference. `position` is where it was written in CQL2-Text (0 for JSON); it only
/// serves error messages and is ignored by `==`, so text and JSON trees compare equal.
#[derive(Debug, Clone)]
pub struct Property {
    pub name: String,
    pub position: usize,
}

impl Property {
    pub fn new(name: impl Into<String>) -> Property {
        Property {
            name: name.into(),
            position: 0,
        }
    }

    fn at(name: impl Into<String>, position: usize) -> Property {
        Property {
            name: name.into(),
            position,
        }
    }
}

impl PartialEq for Property {
    fn eq(&self, other: &Property) -> bool {
        self.name == other.name
    }
}

/// A comparison operator; CQL2 and SQL spell them alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl CompareOp {
    pub const fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "<>",
            CompareOp::Lt => "<",
            CompareOp::Gt => ">",
            CompareOp::Le => "<=",
            CompareOp::Ge => ">=",
        }
    }

    fn from_symbol(s: &str) -> Option<CompareOp> {
        [
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Lt,
            CompareOp::Gt,
            CompareOp::Le,
            CompareOp::Ge,
        ]
        .into_iter()
        .find(|op| op.symbol() == s)
    }
}

/// A spatial relation function (all but `S_DWITHIN`, which has its own [`Expr`] variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpatialOp {
    Intersects,
    Within,
    Contains,
    Disjoint,
    Equals,
    Overlaps,
    Touches,
    Crosses,
}

impl SpatialOp {
    const ALL: [SpatialOp; 8] = [
        SpatialOp::Intersects,
        SpatialOp::Within,
        SpatialOp::Contains,
        SpatialOp::Disjoint,
        SpatialOp::Equals,
        SpatialOp::Overlaps,
        SpatialOp::Touches,
        SpatialOp::Crosses,
    ];

    /// The CQL2 name, e.g. `S_INTERSECTS`.
    pub const fn name(self) -> &'static str {
        match self {
            SpatialOp::Intersects => "S_INTERSECTS",
            SpatialOp::Within => "S_WITHIN",
            SpatialOp::Contains => "S_CONTAINS",
            SpatialOp::Disjoint => "S_DISJOINT",
            SpatialOp::Equals => "S_EQUALS",
            SpatialOp::Overlaps => "S_OVERLAPS",
            SpatialOp::Touches => "S_TOUCHES",
            SpatialOp::Crosses => "S_CROSSES",
        }
    }

    const fn sql_function(self) -> &'static str {
        match self {
            SpatialOp::Intersects => "ST_Intersects",
            SpatialOp::Within => "ST_Within",
            SpatialOp::Contains => "ST_Contains",
            SpatialOp::Disjoint => "ST_Disjoint",
            SpatialOp::Equals => "ST_Equals",
            SpatialOp::Overlaps => "ST_Overlaps",
            SpatialOp::Touches => "ST_Touches",
            SpatialOp::Crosses => "ST_Crosses",
        }
    }

    /// From the CQL2 name, any case (`s_intersects` in JSON).
    fn from_name(name: &str) -> Option<SpatialOp> {
        Self::ALL
            .into_iter()
            .find(|op| op.name().eq_ignore_ascii_case(name))
    }
}

const DWITHIN: &str = "S_DWITHIN";

fn is_spatial_function(name: &str) -> bool {
    SpatialOp::from_name(name).is_some() || name.eq_ignore_ascii_case(DWITHIN)
}

/// The unit of an `S_DWITHIN` distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistanceUnit {
    Metres,
    Kilometres,
}

impl DistanceUnit {
    fn from_name(name: &str) -> Option<DistanceUnit> {
        match name.to_ascii_lowercase().as_str() {
            "m" | "meter" | "meters" | "metre" | "metres" => Some(DistanceUnit::Metres),
            "km" | "kilometer" | "kilometers" | "kilometre" | "kilometres" => {
                Some(DistanceUnit::Kilometres)
            }
            _ => None,
        }
    }

    /// `distance` in this unit, in metres.
    pub fn to_metres(self, distance: f64) -> f64 {
        match self {
            DistanceUnit::Metres => distance,
            DistanceUnit::Kilometres => distance * 1000.0,
        }
    }
}

/// An argument of a spatial function.
#[derive(Debug, Clone, PartialEq)]
pub enum SpatialArg {
    Property(Property),
    Geometry(Geometry),
    /// `BBOX(minx, miny, maxx, maxy)` (4 numbers) or with z (6 numbers), in the filter CRS's
    /// axis order.
    Bbox(Vec<f64>),
}

/// A position: x y, or x y z (in the filter CRS's axis order).
pub type Position = Vec<f64>;
/// A sequence of positions (a line string, or a polygon ring).
pub type Positions = Vec<Position>;
/// The rings of a polygon: the exterior first, then holes.
pub type Rings = Vec<Positions>;

/// A geometry literal from WKT or GeoJSON, validated (ring closure, position counts, dimensions).
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    Point(Position),
    LineString(Positions),
    Polygon(Rings),
    MultiPoint(Positions),
    MultiLineString(Vec<Positions>),
    MultiPolygon(Vec<Rings>),
    GeometryCollection(Vec<Geometry>),
}

impl Geometry {
    /// WKT of the geometry (without `Z` tags: PostGIS reads 3 numbers as a 3D position).
    pub fn to_wkt(&self) -> String {
        let mut s = String::new();
        self.write_wkt(&mut s);
        s
    }

    fn write_wkt(&self, s: &mut String) {
        fn position(s: &mut String, p: &[f64]) {
            for (i, c) in p.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                // `Display` for f64 never uses exponents and round-trips.
                s.push_str(&c.to_string());
            }
        }
        fn list<T>(s: &mut String, items: &[T], mut each: impl FnMut(&mut String, &T)) {
            s.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                each(s, item);
            }
            s.push(')');
        }
        fn line(s: &mut String, l: &Positions) {
            list(s, l, |s, p| position(s, p));
        }
        fn polygon(s: &mut String, rings: &Rings) {
            list(s, rings, line);
        }
        match self {
            Geometry::Point(p) => {
                s.push_str("POINT(");
                position(s, p);
                s.push(')');
            }
            Geometry::LineString(l) => {
                s.push_str("LINESTRING");
                line(s, l);
            }
            Geometry::Polygon(rings) => {
                s.push_str("POLYGON");
                polygon(s, rings);
            }
            Geometry::MultiPoint(points) => {
                s.push_str("MULTIPOINT");
                list(s, points, |s, p| {
                    s.push('(');
                    position(s, p);
                    s.push(')');
                });
            }
            Geometry::MultiLineString(lines) => {
                s.push_str("MULTILINESTRING");
                list(s, lines, line);
            }
            Geometry::MultiPolygon(polygons) => {
                s.push_str("MULTIPOLYGON");
                list(s, polygons, polygon);
            }
            Geometry::GeometryCollection(members) => {
                s.push_str("GEOMETRYCOLLECTION");
                list(s, members, |s, g| g.write_wkt(s));
            }
        }
    }

    /// The number of coordinates per position (2 or 3).
    fn dims(&self) -> usize {
        let mut dims = 2;
        self.visit(&mut |p| {
            dims = p.len();
            Err(())
        })
        .ok();
        dims
    }

    /// Calls `f` on every position until it fails.
    fn visit<E>(&self, f: &mut impl FnMut(&[f64]) -> Result<(), E>) -> Result<(), E> {
        fn line<E>(l: &Positions, f: &mut impl FnMut(&[f64]) -> Result<(), E>) -> Result<(), E> {
            l.iter().try_for_each(|p| f(p))
        }
        fn polygon<E>(r: &Rings, f: &mut impl FnMut(&[f64]) -> Result<(), E>) -> Result<(), E> {
            r.iter().try_for_each(|l| line(l, f))
        }
        match self {
            Geometry::Point(p) => f(p),
            Geometry::LineString(l) | Geometry::MultiPoint(l) => line(l, f),
            Geometry::Polygon(r) | Geometry::MultiLineString(r) => polygon(r, f),
            Geometry::MultiPolygon(ps) => ps.iter().try_for_each(|r| polygon(r, f)),
            Geometry::GeometryCollection(gs) => gs.iter().try_for_each(|g| g.visit(f)),
        }
    }

    /// The same geometry with x and y swapped in every position.
    fn swapped_axes(&self) -> Geometry {
        fn pos(p: &Position) -> Position {
            let mut p = p.clone();
            p.swap(0, 1);
            p
        }
        fn line(l: &Positions) -> Positions {
            l.iter().map(pos).collect()
        }
        fn rings(r: &Rings) -> Rings {
            r.iter().map(line).collect()
        }
        match self {
            Geometry::Point(p) => Geometry::Point(pos(p)),
            Geometry::LineString(l) => Geometry::LineString(line(l)),
            Geometry::Polygon(r) => Geometry::Polygon(rings(r)),
            Geometry::MultiPoint(l) => Geometry::MultiPoint(line(l)),
            Geometry::MultiLineString(r) => Geometry::MultiLineString(rings(r)),
            Geometry::MultiPolygon(ps) => Geometry::MultiPolygon(ps.iter().map(rings).collect()),
            Geometry::GeometryCollection(gs) => {
                Geometry::GeometryCollection(gs.iter().map(Geometry::swapped_axes).collect())
            }
        }
    }

    /// Checks the structure: 2 or 3 finite coordinates per position (the same everywhere),
    /// at least 2 positions per line, closed rings of at least 4 positions, no empty parts.
    pub fn validate(&self) -> Result<(), String> {
        let mut dims = None;
        self.check(&mut dims)
    }

    fn check(&self, dims: &mut Option<usize>) -> Result<(), String> {
        fn position(p: &[f64], dims: &mut Option<usize>) -> Result<(), String> {
            if !(2..=3).contains(&p.len()) {
                return Err(format!(
                    "a position needs 2 or 3 coordinates, found {}",
                    p.len()
                ));
            }
            if p.iter().any(|c| !c.is_finite()) {
                return Err("coordinates must be finite numbers".into());
            }
            match *dims {
                None => *dims = Some(p.len()),
                Some(d) if d != p.len() => {
                    return Err(
                        "all positions of a geometry must have the same number of coordinates"
                            .into(),
                    )
                }
                Some(_) => {}
            }
            Ok(())
        }
        fn line(l: &Positions, dims: &mut Option<usize>) -> Result<(), String> {
            if l.len() < 2 {
                return Err(format!(
                    "a line string needs at least 2 positions, found {}",
                    l.len()
                ));
            }
            l.iter().try_for_each(|p| position(p, dims))
        }
        fn polygon(rings: &Rings, dims: &mut Option<usize>) -> Result<(), String> {
            if rings.is_empty() {
                return Err("a polygon needs at least one ring".into());
            }
            for ring in rings {
                if ring.len() < 4 {
                    return Err(format!(
                        "a polygon ring needs at least 4 positions (the first repeated as the \
                         last), found {}",
                        ring.len()
                    ));
                }
                if ring.first() != ring.last() {
                    return Err(
                        "a polygon ring must be closed: its last position must equal its first"
                            .into(),
                    );
                }
                ring.iter().try_for_each(|p| position(p, dims))?;
            }
            Ok(())
        }
        fn non_empty<T>(items: &[T], what: &str) -> Result<(), String> {
            if items.is_empty() {
                Err(format!("empty {what} is not supported"))
            } else {
                Ok(())
            }
        }
        match self {
            Geometry::Point(p) => position(p, dims),
            Geometry::LineString(l) => line(l, dims),
            Geometry::Polygon(r) => polygon(r, dims),
            Geometry::MultiPoint(ps) => {
                non_empty(ps, "MULTIPOINT")?;
                ps.iter().try_for_each(|p| position(p, dims))
            }
            Geometry::MultiLineString(ls) => {
                non_empty(ls, "MULTILINESTRING")?;
                ls.iter().try_for_each(|l| line(l, dims))
            }
            Geometry::MultiPolygon(ps) => {
                non_empty(ps, "MULTIPOLYGON")?;
                ps.iter().try_for_each(|r| polygon(r, dims))
            }
            Geometry::GeometryCollection(gs) => {
                non_empty(gs, "GEOMETRYCOLLECTION")?;
                gs.iter().try_for_each(|g| g.check(dims))
            }
        }
    }
}

fn validate_bbox(values: &[f64]) -> Result<(), String> {
    if values.len() != 4 && values.len() != 6 {
        return Err(format!(
            "a bbox needs 4 numbers (minx, miny, maxx, maxy) or 6 (with minz and maxz), found {}",
            values.len()
        ));
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err("bbox values must be finite numbers".into());
    }
    let half = values.len() / 2;
    for i in 0..half {
        if values[i] > values[i + half] {
            return Err(format!(
                "bbox minimum {} is greater than maximum {} (bboxes crossing the antimeridian \
                 are not supported)",
                values[i],
                values[i + half]
            ));
        }
    }
    Ok(())
}

/// An error in a filter: where (0-based character offset in CQL2-Text; 0 for CQL2-JSON, whose
/// messages name a JSON path instead) and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (at character {position})")]
pub struct Cql2Error {
    pub position: usize,
    pub message: String,
}

fn err(position: usize, message: impl Into<String>) -> Cql2Error {
    Cql2Error {
        position,
        message: message.into(),
    }
}

fn too_deep() -> String {
    format!("the filter is nested too deeply (more than {MAX_DEPTH} levels)")
}

/// `s`, shortened for an error message.
fn clip(s: &str) -> Cow<'_, str> {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(format!("{}…", s.chars().take(MAX).collect::<String>()))
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        format!(
            "invalid date '{}': expected YYYY-MM-DD, as in DATE('2024-01-31')",
            clip(s)
        )
    })
}

fn parse_timestamp(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!(
                "invalid timestamp '{}': expected RFC 3339, as in TIMESTAMP('2024-01-31T12:00:00Z')",
                clip(s)
            )
        })
}

// ------------------------------------------------------------------------------------------------
// CQL2-Text: lexer
// ------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word: a keyword, function name or property name.
    Word(String),
    /// A "double-quoted" property name.
    Quoted(String),
    /// A 'single-quoted' string.
    Str(String),
    Num(f64),
    LParen,
    RParen,
    Comma,
    Cmp(CompareOp),
    Eof,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("`{}`", clip(w)),
            Tok::Quoted(q) => format!("property \"{}\"", clip(q)),
            Tok::Str(s) => format!("the string '{}'", clip(s)),
            Tok::Num(n) => format!("the number {n}"),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Cmp(op) => format!("`{}`", op.symbol()),
            Tok::Eof => "the end of the filter".into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    /// 0-based character offset.
    pos: usize,
}

fn lex(input: &str) -> Result<Vec<Token>, Cql2Error> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let start = i;
        let next = chars.get(i + 1).copied();
        let tok = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            '=' => {
                i += 1;
                Tok::Cmp(CompareOp::Eq)
            }
            '<' => match next {
                Some('>') => {
                    i += 2;
                    Tok::Cmp(CompareOp::Ne)
                }
                Some('=') => {
                    i += 2;
                    Tok::Cmp(CompareOp::Le)
                }
                _ => {
                    i += 1;
                    Tok::Cmp(CompareOp::Lt)
                }
            },
            '>' => match next {
                Some('=') => {
                    i += 2;
                    Tok::Cmp(CompareOp::Ge)
                }
                _ => {
                    i += 1;
                    Tok::Cmp(CompareOp::Gt)
                }
            },
            '!' if next == Some('=') => {
                return Err(err(start, "`!=` is not a CQL2 operator; use `<>`"));
            }
            '\'' => {
                let (s, end) = lex_delimited(&chars, i, '\'').ok_or_else(|| {
                    err(
                        start,
                        "unterminated string: a string must end with `'` \
                         (write `''` for a quote inside a string)",
                    )
                })?;
                i = end;
                Tok::Str(s)
            }
            '"' => {
                let (s, end) = lex_delimited(&chars, i, '"').ok_or_else(|| {
                    err(
                        start,
                        "unterminated property name: a \"quoted\" name must end with `\"`",
                    )
                })?;
                if s.is_empty() {
                    return Err(err(start, "empty property name `\"\"`"));
                }
                i = end;
                Tok::Quoted(s)
            }
            _ if starts_number(&chars, i) => {
                let (n, end) = lex_number(&chars, i)?;
                i = end;
                Tok::Num(n)
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut end = i + 1;
                while chars
                    .get(end)
                    .is_some_and(|&c| c.is_alphanumeric() || matches!(c, '_' | '.' | ':'))
                {
                    end += 1;
                }
                let word = chars[i..end].iter().collect();
                i = end;
                Tok::Word(word)
            }
            other => return Err(err(start, format!("unexpected character `{other}`"))),
        };
        tokens.push(Token { tok, pos: start });
    }
    tokens.push(Token {
        tok: Tok::Eof,
        pos: chars.len(),
    });
    Ok(tokens)
}

/// Reads a `q`-delimited text starting at `start` (the opening `q`), where `qq` is a literal `q`.
/// Returns the text and the index after the closing `q`, or `None` if it does not end.
fn lex_delimited(chars: &[char], start: usize, q: char) -> Option<(String, usize)> {
    let mut s = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => return None,
            Some(&c) if c == q => {
                if chars.get(i + 1) == Some(&q) {
                    s.push(q);
                    i += 2;
                } else {
                    return Some((s, i + 1));
                }
            }
            Some(&c) => {
                s.push(c);
                i += 1;
            }
        }
    }
}

fn is_digit(chars: &[char], i: usize) -> bool {
    chars.get(i).is_some_and(char::is_ascii_digit)
}

fn starts_number(chars: &[char], i: usize) -> bool {
    match chars[i] {
        '0'..='9' => true,
        '.' => is_digit(chars, i + 1),
        '+' | '-' => {
            is_digit(chars, i + 1) || (chars.get(i + 1) == Some(&'.') && is_digit(chars, i + 2))
        }
        _ => false,
    }
}

fn lex_number(chars: &[char], start: usize) -> Result<(f64, usize), Cql2Error> {
    let mut i = start;
    if matches!(chars[i], '+' | '-') {
        i += 1;
    }
    while is_digit(chars, i) {
        i += 1;
    }
    if chars.get(i) == Some(&'.') {
        i += 1;
        while is_digit(chars, i) {
            i += 1;
        }
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let mut j = i + 1;
        if matches!(chars.get(j), Some('+' | '-')) {
            j += 1;
        }
        if is_digit(chars, j) {
            i = j;
            while is_digit(chars, i) {
                i += 1;
            }
        }
    }
    let text: String = chars[start..i].iter().collect();
    if chars
        .get(i)
        .is_some_and(|&c| c.is_alphanumeric() || matches!(c, '_' | '.'))
    {
        let mut end = i;
        while chars
            .get(end)
            .is_some_and(|&c| c.is_alphanumeric() || matches!(c, '_' | '.'))
        {
            end += 1;
        }
        let whole: String = chars[start..end].iter().collect();
        return Err(err(start, format!("invalid number `{}`", clip(&whole))));
    }
    let n: f64 = text
        .parse()
        .map_err(|_| err(start, format!("invalid number `{}`", clip(&text))))?;
    if !n.is_finite() {
        return Err(err(
            start,
            format!("the number `{}` is out of range", clip(&text)),
        ));
    }
    Ok((n, i))
}

// ------------------------------------------------------------------------------------------------
// CQL2-Text: parser
// ------------------------------------------------------------------------------------------------

/// Parses a CQL2-Text filter.
///
/// Precedence, loosest first: `OR`, `AND`, `NOT`, predicates (comparisons, `LIKE`, `IN`,
/// `BETWEEN`, `IS NULL`, spatial functions). Keywords are case-insensitive; property names may be
/// written bare or "double-quoted".
pub fn parse_text(input: &str) -> Result<Expr, Cql2Error> {
    let tokens = lex(input)?;
    if tokens.len() == 1 {
        return Err(err(0, "the filter is empty"));
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let expr = parser.parse_or()?;
    if *parser.tok() != Tok::Eof {
        return Err(parser.expected("AND, OR or the end of the filter"));
    }
    Ok(expr)
}

/// Words that cannot be bare property names (write them "double-quoted" instead).
fn is_reserved(upper: &str) -> bool {
    matches!(
        upper,
        "AND" | "OR" | "NOT" | "LIKE" | "IN" | "BETWEEN" | "IS" | "NULL" | "TRUE" | "FALSE"
    )
}

const GEOMETRY_KEYWORDS: [&str; 7] = [
    "POINT",
    "LINESTRING",
    "POLYGON",
    "MULTIPOINT",
    "MULTILINESTRING",
    "MULTIPOLYGON",
    "GEOMETRYCOLLECTION",
];

fn is_geometry_keyword(word: &str) -> bool {
    GEOMETRY_KEYWORDS
        .iter()
        .any(|k| k.eq_ignore_ascii_case(word))
}

const COMPARISON_OPERATORS: &str = "=, <>, <, <=, >, >=, LIKE, IN, BETWEEN or IS NULL";

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn tok(&self) -> &Tok {
        &self.tokens[self.at].tok
    }

    fn pos(&self) -> usize {
        self.tokens[self.at].pos
    }

    fn lookahead(&self, n: usize) -> &Tok {
        &self.tokens[(self.at + n).min(self.tokens.len() - 1)].tok
    }

    fn advance(&mut self) {
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
    }

    fn is_word(&self, keyword: &str) -> bool {
        matches!(self.tok(), Tok::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    fn eat_word(&mut self, keyword: &str) -> bool {
        let found = self.is_word(keyword);
        if found {
            self.advance();
        }
        found
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        let found = self.tok() == tok;
        if found {
            self.advance();
        }
        found
    }

    /// An error at the current token: `what` was expected.
    fn expected(&self, what: &str) -> Cql2Error {
        match self.tok() {
            Tok::Eof => err(
                self.pos(),
                format!("unexpected end of filter; expected {what}"),
            ),
            tok => err(
                self.pos(),
                format!("expected {what}, found {}", tok.describe()),
            ),
        }
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<(), Cql2Error> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    /// Reads `(`, returning its position.
    fn open(&mut self, context: &str) -> Result<usize, Cql2Error> {
        let pos = self.pos();
        self.expect(&Tok::LParen, &format!("`(` after {context}"))?;
        Ok(pos)
    }

    /// Reads the `)` that closes the `(` at `open`.
    fn close(&mut self, open: usize) -> Result<(), Cql2Error> {
        self.expect(
            &Tok::RParen,
            &format!("`)` to close the `(` at character {open}"),
        )
    }

    /// After an item of a parenthesised list: `,` (true, more follows) or `)` (false, done).
    fn list_next(&mut self, context: &str) -> Result<bool, Cql2Error> {
        if self.eat(&Tok::Comma) {
            Ok(true)
        } else if self.eat(&Tok::RParen) {
            Ok(false)
        } else {
            Err(self.expected(&format!("`,` or `)` in {context}")))
        }
    }

    /// Runs `f` one nesting level deeper, failing beyond [`MAX_DEPTH`].
    fn nested<T>(
        &mut self,
        pos: usize,
        f: impl FnOnce(&mut Parser) -> Result<T, Cql2Error>,
    ) -> Result<T, Cql2Error> {
        if self.depth >= MAX_DEPTH {
            return Err(err(pos, too_deep()));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn parse_or(&mut self) -> Result<Expr, Cql2Error> {
        let mut items = vec![self.parse_and()?];
        while self.eat_word("OR") {
            items.push(self.parse_and()?);
        }
        Ok(Expr::or(items))
    }

    fn parse_and(&mut self) -> Result<Expr, Cql2Error> {
        let mut items = vec![self.parse_not()?];
        while self.eat_word("AND") {
            items.push(self.parse_not()?);
        }
        Ok(Expr::and(items))
    }

    fn parse_not(&mut self) -> Result<Expr, Cql2Error> {
        if self.is_word("NOT") {
            let pos = self.pos();
            self.advance();
            let inner = self.nested(pos, Parser::parse_not)?;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.parse_primary()
    }

    fn parse_primary(&mut self) -> Result<Expr, Cql2Error> {
        let pos = self.pos();
        match self.tok() {
            Tok::LParen => {
                self.advance();
                let inner = self.nested(pos, Parser::parse_or)?;
                self.close(pos)?;
                Ok(inner)
            }
            Tok::Word(w) if is_spatial_function(w) && *self.lookahead(1) == Tok::LParen => {
                self.parse_spatial()
            }
            _ => {
                let left = self.parse_scalar(
                    "a condition (a comparison such as status = 'available', \
                     a spatial function such as S_INTERSECTS, or `(`)",
                )?;
                self.parse_predicate(left)
            }
        }
    }

    /// A property, a literal, or `CASEI(…)`.
    fn parse_scalar(&mut self, what: &str) -> Result<Scalar, Cql2Error> {
        let pos = self.pos();
        let word = match self.tok().clone() {
            Tok::Quoted(name) => {
                self.advance();
                return Ok(Scalar::Property(Property::at(name, pos)));
            }
            Tok::Str(s) => {
                self.advance();
                return Ok(Scalar::String(s));
            }
            Tok::Num(n) => {
                self.advance();
                return Ok(Scalar::Number(n));
            }
            Tok::Word(w) => w,
            _ => return Err(self.expected(what)),
        };
        let upper = word.to_ascii_uppercase();
        if *self.lookahead(1) == Tok::LParen {
            return match upper.as_str() {
                "DATE" | "TIMESTAMP" => {
                    self.advance();
                    let open = self.open(&upper)?;
                    let spos = self.pos();
                    let Tok::Str(text) = self.tok().clone() else {
                        return Err(self.expected(&format!(
                            "a quoted string in {upper}(…), as in {}",
                            if upper == "DATE" {
                                "DATE('2024-01-31')"
                            } else {
                                "TIMESTAMP('2024-01-31T12:00:00Z')"
                            }
                        )));
                    };
                    self.advance();
                    let value = if upper == "DATE" {
                        parse_date(&text).map(Scalar::Date)
                    } else {
                        parse_timestamp(&text).map(Scalar::Timestamp)
                    }
                    .map_err(|m| err(spos, m))?;
                    self.close(open)?;
                    Ok(value)
                }
                "CASEI" => {
                    self.advance();
                    let open = self.open("CASEI")?;
                    let inner = self.nested(pos, |p| {
                        p.parse_scalar("a property or a string in CASEI(…)")
                    })?;
                    self.close(open)?;
                    Ok(Scalar::Casei(Box::new(inner)))
                }
                _ if is_spatial_function(&upper) => Err(err(
                    pos,
                    format!(
                        "expected {what}, found the spatial function {upper}, which is a \
                         condition of its own and cannot be compared"
                    ),
                )),
                _ if is_geometry_keyword(&upper) || upper == "BBOX" => Err(err(
                    pos,
                    format!(
                        "expected {what}, found a geometry; geometries can only be used in \
                         spatial functions such as S_INTERSECTS(geometry, {upper}(…))"
                    ),
                )),
                _ => Err(err(
                    pos,
                    format!(
                        "unknown function `{}`; supported are DATE, TIMESTAMP, CASEI and the \
                         spatial functions S_INTERSECTS, S_WITHIN, S_DWITHIN, S_CONTAINS, \
                         S_DISJOINT, S_EQUALS, S_OVERLAPS, S_TOUCHES and S_CROSSES",
                        clip(&word)
                    ),
                )),
            };
        }
        match upper.as_str() {
            "TRUE" | "FALSE" => {
                self.advance();
                Ok(Scalar::Boolean(upper == "TRUE"))
            }
            _ if is_reserved(&upper) => Err(self.expected(what)),
            _ => {
                self.advance();
                Ok(Scalar::Property(Property::at(word, pos)))
            }
        }
    }

    /// What follows the first operand of a predicate.
    fn parse_predicate(&mut self, left: Scalar) -> Result<Expr, Cql2Error> {
        if let Tok::Cmp(op) = *self.tok() {
            self.advance();
            let right =
                self.parse_scalar(&format!("a value or a property after `{}`", op.symbol()))?;
            return Ok(Expr::Compare { op, left, right });
        }
        let upper = match self.tok() {
            Tok::Word(w) => w.to_ascii_uppercase(),
            _ => String::new(),
        };
        match upper.as_str() {
            "LIKE" | "IN" | "BETWEEN" => self.parse_advanced(left, &upper),
            "NOT" => {
                self.advance();
                let next = match self.tok() {
                    Tok::Word(w) => w.to_ascii_uppercase(),
                    _ => String::new(),
                };
                if !matches!(next.as_str(), "LIKE" | "IN" | "BETWEEN") {
                    return Err(self.expected("LIKE, IN or BETWEEN after NOT"));
                }
                Ok(Expr::Not(Box::new(self.parse_advanced(left, &next)?)))
            }
            "IS" => {
                self.advance();
                let negated = self.eat_word("NOT");
                if !self.eat_word("NULL") {
                    return Err(self.expected(if negated {
                        "NULL after IS NOT"
                    } else {
                        "NULL or NOT NULL after IS"
                    }));
                }
                let test = Expr::IsNull(left);
                Ok(if negated {
                    Expr::Not(Box::new(test))
                } else {
                    test
                })
            }
            _ => match left {
                // A bare TRUE or FALSE is a condition of its own.
                Scalar::Boolean(b) => Ok(Expr::Bool(b)),
                _ => Err(self.expected(&format!(
                    "a comparison operator after {} ({COMPARISON_OPERATORS})",
                    describe(&left)
                ))),
            },
        }
    }

    /// `LIKE`, `IN` or `BETWEEN` (the current token) and what follows.
    fn parse_advanced(&mut self, left: Scalar, keyword: &str) -> Result<Expr, Cql2Error> {
        self.advance();
        match keyword {
            "LIKE" => {
                let pattern = self.parse_scalar("a pattern string after LIKE")?;
                Ok(Expr::Like {
                    value: left,
                    pattern,
                })
            }
            "IN" => {
                self.open("IN")?;
                let mut list = Vec::new();
                loop {
                    list.push(self.parse_scalar("a value in the IN list")?);
                    if !self.list_next("the IN list")? {
                        break;
                    }
                }
                Ok(Expr::In { value: left, list })
            }
            _ => {
                let low = self.parse_scalar("the lower bound after BETWEEN")?;
                if !self.eat_word("AND") {
                    return Err(self.expected("AND between the bounds of BETWEEN"));
                }
                let high = self.parse_scalar("the upper bound after BETWEEN … AND")?;
                Ok(Expr::Between {
                    value: left,
                    low,
                    high,
                })
            }
        }
    }

    /// `S_…(a, b)` or `S_DWITHIN(a, b, distance[, unit])`; the current token is the name.
    fn parse_spatial(&mut self) -> Result<Expr, Cql2Error> {
        let pos = self.pos();
        let name = match self.tok() {
            Tok::Word(w) => w.to_ascii_uppercase(),
            _ => return Err(self.expected("a spatial function")),
        };
        self.advance();
        let open = self.open(&name)?;
        let (left, right) = self.nested(pos, |p| {
            let left = p.parse_spatial_arg(&name)?;
            p.expect(
                &Tok::Comma,
                &format!("`,` after the first argument of {name}"),
            )?;
            let right = p.parse_spatial_arg(&name)?;
            Ok((left, right))
        })?;
        let Some(op) = SpatialOp::from_name(&name) else {
            // S_DWITHIN
            self.expect(
                &Tok::Comma,
                "`,` and a distance after the second argument of S_DWITHIN",
            )?;
            let dpos = self.pos();
            let Tok::Num(distance) = *self.tok() else {
                return Err(self.expected("a distance (a number) in S_DWITHIN"));
            };
            if distance < 0.0 {
                return Err(err(dpos, "the distance of S_DWITHIN must not be negative"));
            }
            self.advance();
            let mut unit = DistanceUnit::Metres;
            if self.eat(&Tok::Comma) {
                let upos = self.pos();
                let (Tok::Word(u) | Tok::Str(u)) = self.tok().clone() else {
                    return Err(self.expected("a distance unit (meters or kilometers)"));
                };
                unit = DistanceUnit::from_name(&u).ok_or_else(|| {
                    err(
                        upos,
                        format!(
                            "unknown distance unit `{}`; use meters (m) or kilometers (km)",
                            clip(&u)
                        ),
                    )
                })?;
                self.advance();
            }
            self.close(open)?;
            return Ok(Expr::DWithin {
                left,
                right,
                distance,
                unit,
            });
        };
        self.close(open)?;
        Ok(Expr::Spatial { op, left, right })
    }

    fn parse_spatial_arg(&mut self, function: &str) -> Result<SpatialArg, Cql2Error> {
        let pos = self.pos();
        let what = || {
            format!(
                "a geometry property or a geometry (POINT, LINESTRING, POLYGON, MULTIPOINT, \
                 MULTILINESTRING, MULTIPOLYGON, GEOMETRYCOLLECTION or BBOX) in {function}"
            )
        };
        match self.tok().clone() {
            Tok::Quoted(name) => {
                self.advance();
                Ok(SpatialArg::Property(Property::at(name, pos)))
            }
            Tok::Word(word) => {
                let upper = word.to_ascii_uppercase();
                if is_geometry_keyword(&upper) {
                    return Ok(SpatialArg::Geometry(self.parse_wkt()?));
                }
                let call = *self.lookahead(1) == Tok::LParen;
                if upper == "BBOX" && call {
                    return self.parse_bbox();
                }
                if call || is_reserved(&upper) {
                    return Err(self.expected(&what()));
                }
                self.advance();
                Ok(SpatialArg::Property(Property::at(word, pos)))
            }
            _ => Err(self.expected(&what())),
        }
    }

    fn parse_bbox(&mut self) -> Result<SpatialArg, Cql2Error> {
        let pos = self.pos();
        self.advance();
        self.open("BBOX")?;
        let mut values = Vec::new();
        loop {
            let Tok::Num(n) = *self.tok() else {
                return Err(self.expected("a number in BBOX(…)"));
            };
            values.push(n);
            self.advance();
            if !self.list_next("BBOX(…)")? {
                break;
            }
        }
        validate_bbox(&values).map_err(|m| err(pos, format!("invalid BBOX: {m}")))?;
        Ok(SpatialArg::Bbox(values))
    }

    /// A WKT geometry; the current token is its type keyword.
    fn parse_wkt(&mut self) -> Result<Geometry, Cql2Error> {
        let pos = self.pos();
        let kind = match self.tok() {
            Tok::Word(w) => w.to_ascii_uppercase(),
            _ => return Err(self.expected("a geometry")),
        };
        self.advance();
        let mut z = false;
        if let Tok::Word(w) = self.tok() {
            match w.to_ascii_uppercase().as_str() {
                "Z" => {
                    z = true;
                    self.advance();
                }
                "M" | "ZM" => {
                    return Err(err(
                        self.pos(),
                        "geometries with M (measure) coordinates are not supported",
                    ))
                }
                "EMPTY" => return Err(err(self.pos(), "empty geometries are not supported")),
                _ => {}
            }
        }
        let geometry = self.nested(pos, |p| p.parse_wkt_body(&kind))?;
        geometry
            .validate()
            .map_err(|m| err(pos, format!("invalid {kind}: {m}")))?;
        if z && geometry.dims() != 3 {
            return Err(err(
                pos,
                format!("invalid {kind} Z: positions need 3 coordinates (x y z)"),
            ));
        }
        Ok(geometry)
    }

    fn parse_wkt_body(&mut self, kind: &str) -> Result<Geometry, Cql2Error> {
        Ok(match kind {
            "POINT" => {
                let open = self.open(kind)?;
                let p = self.parse_position()?;
                self.close(open)?;
                Geometry::Point(p)
            }
            "LINESTRING" => Geometry::LineString(self.parse_positions(kind)?),
            "POLYGON" => Geometry::Polygon(self.parse_rings(kind)?),
            "MULTIPOINT" => {
                self.open(kind)?;
                let mut points = Vec::new();
                loop {
                    // Both MULTIPOINT((1 2), (3 4)) and MULTIPOINT(1 2, 3 4).
                    if *self.tok() == Tok::LParen {
                        let open = self.pos();
                        self.advance();
                        points.push(self.parse_position()?);
                        self.close(open)?;
                    } else {
                        points.push(self.parse_position()?);
                    }
                    if !self.list_next(kind)? {
                        break;
                    }
                }
                Geometry::MultiPoint(points)
            }
            "MULTILINESTRING" => {
                self.open(kind)?;
                let mut lines = Vec::new();
                loop {
                    lines.push(self.parse_positions(kind)?);
                    if !self.list_next(kind)? {
                        break;
                    }
                }
                Geometry::MultiLineString(lines)
            }
            "MULTIPOLYGON" => {
                self.open(kind)?;
                let mut polygons = Vec::new();
                loop {
                    polygons.push(self.parse_rings(kind)?);
                    if !self.list_next(kind)? {
                        break;
                    }
                }
                Geometry::MultiPolygon(polygons)
            }
            _ => {
                self.open(kind)?;
                let mut members = Vec::new();
                loop {
                    match self.tok() {
                        Tok::Word(w) if is_geometry_keyword(w) => members.push(self.parse_wkt()?),
                        _ => {
                            return Err(self.expected(
                                "a geometry (POINT, LINESTRING, POLYGON, …) in GEOMETRYCOLLECTION",
                            ))
                        }
                    }
                    if !self.list_next(kind)? {
                        break;
                    }
                }
                Geometry::GeometryCollection(members)
            }
        })
    }

    /// `(x y, x y, …)`.
    fn parse_positions(&mut self, context: &str) -> Result<Positions, Cql2Error> {
        self.open(context)?;
        let mut positions = Vec::new();
        loop {
            positions.push(self.parse_position()?);
            if !self.list_next(context)? {
                break;
            }
        }
        Ok(positions)
    }

    /// `((x y, …), (x y, …))`.
    fn parse_rings(&mut self, context: &str) -> Result<Rings, Cql2Error> {
        self.open(context)?;
        let mut rings = Vec::new();
        loop {
            rings.push(self.parse_positions(context)?);
            if !self.list_next(context)? {
                break;
            }
        }
        Ok(rings)
    }

    /// `x y` or `x y z`.
    fn parse_position(&mut self) -> Result<Position, Cql2Error> {
        let mut p = Vec::with_capacity(3);
        while let Tok::Num(n) = *self.tok() {
            if p.len() == 3 {
                return Err(err(
                    self.pos(),
                    "a position has at most 3 coordinates (x y z); separate positions with `,`",
                ));
            }
            p.push(n);
            self.advance();
        }
        match p.len() {
            0 => Err(self.expected("a coordinate (a number)")),
            1 => Err(self.expected("the second coordinate of the position (written `x y`)")),
            _ => Ok(p),
        }
    }
}

/// How a scalar reads in an error message.
fn describe(s: &Scalar) -> String {
    match s {
        Scalar::Property(p) => format!("property `{}`", clip(&p.name)),
        Scalar::String(v) => format!("the string '{}'", clip(v)),
        Scalar::Number(n) => format!("the number {n}"),
        Scalar::Boolean(true) => "TRUE".into(),
        Scalar::Boolean(false) => "FALSE".into(),
        Scalar::Date(d) => format!("DATE('{d}')"),
        Scalar::Timestamp(t) => format!(
            "TIMESTAMP('{}')",
            t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        ),
        Scalar::Casei(inner) => format!("CASEI({})", describe(inner)),
    }
}

// ------------------------------------------------------------------------------------------------
// CQL2-JSON
// ------------------------------------------------------------------------------------------------

/// Parses a CQL2-JSON filter. Errors have position 0 and name a JSON path such as `$.args[1]`.
pub fn parse_json(input: &Value) -> Result<Expr, Cql2Error> {
    json_condition(input, "$", 0)
}

fn jerr(path: &str, message: impl fmt::Display) -> Cql2Error {
    err(0, format!("{message} (at {path})"))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The `"op"` and `"args"` of an operation object, if it is one.
fn json_operation<'v>(
    obj: &'v Map<String, Value>,
    path: &str,
) -> Result<Option<(&'v str, &'v [Value])>, Cql2Error> {
    let Some(op) = obj.get("op") else {
        return Ok(None);
    };
    let op = op
        .as_str()
        .ok_or_else(|| jerr(path, "\"op\" must be a string"))?;
    match obj.get("args") {
        Some(Value::Array(args)) => Ok(Some((op, args))),
        Some(other) => Err(jerr(
            path,
            format!("\"args\" must be an array, found {}", json_kind(other)),
        )),
        None => Err(jerr(
            path,
            format!("operator `{}` needs \"args\"", clip(op)),
        )),
    }
}

fn json_arity(op: &str, args: &[Value], n: usize, path: &str) -> Result<(), Cql2Error> {
    if args.len() == n {
        Ok(())
    } else {
        Err(jerr(
            path,
            format!(
                "operator `{}` takes {n} argument{}, found {}",
                clip(op),
                if n == 1 { "" } else { "s" },
                args.len()
            ),
        ))
    }
}

fn json_condition(v: &Value, path: &str, depth: usize) -> Result<Expr, Cql2Error> {
    if depth > MAX_DEPTH {
        return Err(jerr(path, too_deep()));
    }
    let obj = match v {
        Value::Bool(b) => return Ok(Expr::Bool(*b)),
        Value::Object(obj) => obj,
        other => {
            return Err(jerr(
                path,
                format!(
                    "expected a condition (an object with \"op\" and \"args\", or true/false), \
                     found {}",
                    json_kind(other)
                ),
            ))
        }
    };
    let Some((op, args)) = json_operation(obj, path)? else {
        return Err(jerr(
            path,
            "expected a condition: an object with \"op\" and \"args\"",
        ));
    };
    let arg = |i: usize| format!("{path}.args[{i}]");
    let scalar = |i: usize| json_scalar(&args[i], &arg(i), depth + 1);
    let spatial = |i: usize| json_spatial_arg(&args[i], &arg(i), depth + 1);
    let lower = op.to_ascii_lowercase();
    Ok(match lower.as_str() {
        "and" | "or" => {
            if args.is_empty() {
                return Err(jerr(
                    path,
                    format!("operator `{op}` needs at least one argument"),
                ));
            }
            let items = args
                .iter()
                .enumerate()
                .map(|(i, a)| json_condition(a, &arg(i), depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            if lower == "and" {
                Expr::and(items)
            } else {
                Expr::or(items)
            }
        }
        "not" => {
            json_arity(op, args, 1, path)?;
            Expr::Not(Box::new(json_condition(&args[0], &arg(0), depth + 1)?))
        }
        "like" => {
            json_arity(op, args, 2, path)?;
            Expr::Like {
                value: scalar(0)?,
                pattern: scalar(1)?,
            }
        }
        "in" => {
            json_arity(op, args, 2, path)?;
            let value = scalar(0)?;
            let Value::Array(items) = &args[1] else {
                return Err(jerr(
                    &arg(1),
                    "the second argument of `in` must be an array of values",
                ));
            };
            if items.is_empty() {
                return Err(jerr(&arg(1), "the list of `in` must not be empty"));
            }
            let list = items
                .iter()
                .enumerate()
                .map(|(i, item)| json_scalar(item, &format!("{}[{i}]", arg(1)), depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            Expr::In { value, list }
        }
        "between" => {
            let (low, high) = match args {
                [_, _, _] => (scalar(1)?, scalar(2)?),
                // An earlier draft: [value, [low, high]].
                [_, Value::Array(range)] if range.len() == 2 => (
                    json_scalar(&range[0], &format!("{}[0]", arg(1)), depth + 1)?,
                    json_scalar(&range[1], &format!("{}[1]", arg(1)), depth + 1)?,
                ),
                _ => {
                    return Err(jerr(
                        path,
                        "operator `between` takes 3 arguments: a value, the lower and the upper \
                         bound",
                    ))
                }
            };
            Expr::Between {
                value: scalar(0)?,
                low,
                high,
            }
        }
        "isnull" => {
            json_arity(op, args, 1, path)?;
            Expr::IsNull(scalar(0)?)
        }
        "s_dwithin" => {
            if !(3..=4).contains(&args.len()) {
                return Err(jerr(
                    path,
                    format!(
                        "operator `{op}` takes 4 arguments: two geometries, a distance and its \
                         unit, found {}",
                        args.len()
                    ),
                ));
            }
            let distance = args[2]
                .as_f64()
                .filter(|d| d.is_finite())
                .ok_or_else(|| jerr(&arg(2), "the distance of s_dwithin must be a number"))?;
            if distance < 0.0 {
                return Err(jerr(
                    &arg(2),
                    "the distance of s_dwithin must not be negative",
                ));
            }
            let unit = match args.get(3) {
                None => DistanceUnit::Metres,
                Some(Value::String(u)) => DistanceUnit::from_name(u).ok_or_else(|| {
                    jerr(
                        &arg(3),
                        format!(
                            "unknown distance unit `{}`; use meters (m) or kilometers (km)",
                            clip(u)
                        ),
                    )
                })?,
                Some(other) => {
                    return Err(jerr(
                        &arg(3),
                        format!(
                            "the distance unit must be a string such as \"meters\", found {}",
                            json_kind(other)
                        ),
                    ))
                }
            };
            Expr::DWithin {
                left: spatial(0)?,
                right: spatial(1)?,
                distance,
                unit,
            }
        }
        "casei" => {
            return Err(jerr(
                path,
                "`casei` gives a string, not a condition; compare it, as in \
                 {\"op\": \"=\", \"args\": [{\"op\": \"casei\", \"args\": [{\"property\": \"status\"}]}, \
                 {\"op\": \"casei\", \"args\": [\"Available\"]}]}",
            ))
        }
        _ => {
            if let Some(cmp) = CompareOp::from_symbol(op) {
                json_arity(op, args, 2, path)?;
                Expr::Compare {
                    op: cmp,
                    left: scalar(0)?,
                    right: scalar(1)?,
                }
            } else if let Some(sop) = SpatialOp::from_name(op) {
                json_arity(op, args, 2, path)?;
                Expr::Spatial {
                    op: sop,
                    left: spatial(0)?,
                    right: spatial(1)?,
                }
            } else {
                return Err(jerr(
                    path,
                    format!(
                        "unknown operator `{}`; supported are and, or, not, =, <>, <, <=, >, >=, \
                         like, in, between, isNull, s_intersects, s_within, s_dwithin, \
                         s_contains, s_disjoint, s_equals, s_overlaps, s_touches and s_crosses",
                        clip(op)
                    ),
                ));
            }
        }
    })
}

fn json_property(p: &Value, path: &str) -> Result<Property, Cql2Error> {
    p.as_str()
        .filter(|s| !s.is_empty())
        .map(Property::new)
        .ok_or_else(|| jerr(path, "\"property\" must be a non-empty string"))
}

fn json_scalar(v: &Value, path: &str, depth: usize) -> Result<Scalar, Cql2Error> {
    if depth > MAX_DEPTH {
        return Err(jerr(path, too_deep()));
    }
    let obj = match v {
        Value::String(s) => return Ok(Scalar::String(s.clone())),
        Value::Number(n) => {
            return n
                .as_f64()
                .filter(|f| f.is_finite())
                .map(Scalar::Number)
                .ok_or_else(|| jerr(path, "the number is out of range"))
        }
        Value::Bool(b) => return Ok(Scalar::Boolean(*b)),
        Value::Null => {
            return Err(jerr(
                path,
                "null is not a value; test for missing values with {\"op\": \"isNull\", …}",
            ))
        }
        Value::Array(_) => return Err(jerr(path, "expected a value, found an array")),
        Value::Object(obj) => obj,
    };
    if let Some(p) = obj.get("property") {
        return json_property(p, path).map(Scalar::Property);
    }
    if let Some(d) = obj.get("date") {
        let s = d
            .as_str()
            .ok_or_else(|| jerr(path, "\"date\" must be a string such as \"2024-01-31\""))?;
        return parse_date(s).map(Scalar::Date).map_err(|m| jerr(path, m));
    }
    if let Some(t) = obj.get("timestamp") {
        let s = t.as_str().ok_or_else(|| {
            jerr(
                path,
                "\"timestamp\" must be a string such as \"2024-01-31T12:00:00Z\"",
            )
        })?;
        return parse_timestamp(s)
            .map(Scalar::Timestamp)
            .map_err(|m| jerr(path, m));
    }
    if let Some((op, args)) = json_operation(obj, path)? {
        if op.eq_ignore_ascii_case("casei") {
            json_arity(op, args, 1, path)?;
            let inner = json_scalar(&args[0], &format!("{path}.args[0]"), depth + 1)?;
            return Ok(Scalar::Casei(Box::new(inner)));
        }
        return Err(jerr(
            path,
            format!(
                "expected a value or a property, found the operator `{}`",
                clip(op)
            ),
        ));
    }
    if obj.contains_key("type") || obj.contains_key("bbox") {
        return Err(jerr(
            path,
            "geometries can only be used in spatial functions such as s_intersects",
        ));
    }
    if obj.contains_key("interval") {
        return Err(jerr(path, "intervals are not supported"));
    }
    Err(jerr(
        path,
        "expected a value: a string, a number, a boolean, {\"property\": …}, {\"date\": …} or \
         {\"timestamp\": …}",
    ))
}

fn json_spatial_arg(v: &Value, path: &str, depth: usize) -> Result<SpatialArg, Cql2Error> {
    let Value::Object(obj) = v else {
        return Err(jerr(
            path,
            format!(
                "expected a geometry property or a GeoJSON geometry, found {}",
                json_kind(v)
            ),
        ));
    };
    if let Some(p) = obj.get("property") {
        return json_property(p, path).map(SpatialArg::Property);
    }
    if obj.contains_key("type") {
        return json_geometry(obj, path, depth).map(SpatialArg::Geometry);
    }
    if let Some(b) = obj.get("bbox") {
        let bpath = format!("{path}.bbox");
        let values = json_list(b, &bpath, json_number)?;
        validate_bbox(&values).map_err(|m| jerr(&bpath, m))?;
        return Ok(SpatialArg::Bbox(values));
    }
    Err(jerr(
        path,
        "expected a geometry property {\"property\": …}, a GeoJSON geometry or {\"bbox\": […]}",
    ))
}

fn json_list<T>(
    v: &Value,
    path: &str,
    item: impl Fn(&Value, &str) -> Result<T, Cql2Error>,
) -> Result<Vec<T>, Cql2Error> {
    let Value::Array(items) = v else {
        return Err(jerr(
            path,
            format!("expected an array, found {}", json_kind(v)),
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| item(v, &format!("{path}[{i}]")))
        .collect()
}

fn json_number(v: &Value, path: &str) -> Result<f64, Cql2Error> {
    v.as_f64()
        .filter(|f| f.is_finite())
        .ok_or_else(|| jerr(path, format!("expected a number, found {}", json_kind(v))))
}

fn json_position(v: &Value, path: &str) -> Result<Position, Cql2Error> {
    json_list(v, path, json_number)
}

fn json_positions(v: &Value, path: &str) -> Result<Positions, Cql2Error> {
    json_list(v, path, json_position)
}

fn json_rings(v: &Value, path: &str) -> Result<Rings, Cql2Error> {
    json_list(v, path, json_positions)
}

fn json_geometry(
    obj: &Map<String, Value>,
    path: &str,
    depth: usize,
) -> Result<Geometry, Cql2Error> {
    if depth > MAX_DEPTH {
        return Err(jerr(path, too_deep()));
    }
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| jerr(path, "the GeoJSON \"type\" must be a string"))?;
    let cpath = format!("{path}.coordinates");
    let coordinates = || {
        obj.get("coordinates").ok_or_else(|| {
            jerr(
                path,
                format!("a GeoJSON {} needs \"coordinates\"", clip(kind)),
            )
        })
    };
    let geometry = match kind {
        "Point" => Geometry::Point(json_position(coordinates()?, &cpath)?),
        "LineString" => Geometry::LineString(json_positions(coordinates()?, &cpath)?),
        "Polygon" => Geometry::Polygon(json_rings(coordinates()?, &cpath)?),
        "MultiPoint" => Geometry::MultiPoint(json_positions(coordinates()?, &cpath)?),
        "MultiLineString" => Geometry::MultiLineString(json_rings(coordinates()?, &cpath)?),
        "MultiPolygon" => Geometry::MultiPolygon(json_list(coordinates()?, &cpath, json_rings)?),
        "GeometryCollection" => {
            let gpath = format!("{path}.geometries");
            let members = obj
                .get("geometries")
                .ok_or_else(|| jerr(path, "a GeoJSON GeometryCollection needs \"geometries\""))?;
            Geometry::GeometryCollection(json_list(members, &gpath, |v, p| match v {
                Value::Object(m) => json_geometry(m, p, depth + 1),
                other => Err(jerr(
                    p,
                    format!("expected a GeoJSON geometry, found {}", json_kind(other)),
                )),
            })?)
        }
        other => {
            return Err(jerr(
                path,
                format!(
                    "unknown GeoJSON geometry type `{}`; expected Point, LineString, Polygon, \
                     MultiPoint, MultiLineString, MultiPolygon or GeometryCollection",
                    clip(other)
                ),
            ))
        }
    };
    geometry
        .validate()
        .map_err(|m| jerr(path, format!("invalid {kind}: {m}")))?;
    Ok(geometry)
}

// ------------------------------------------------------------------------------------------------
// SQL
// ------------------------------------------------------------------------------------------------

/// Appends the SQL for `expr` (a boolean expression) to `qb`; unknown properties, type mismatches
/// (e.g. LIKE on a number, S_INTERSECTS on a string) → Err naming the property.
///
/// Every literal is bound (`push_bind`); column expressions come only from `queryables`. The SQL
/// is one boolean expression that may be combined with `AND` as is (`AND`/`OR` lists come
/// parenthesised). On error nothing has been appended to `qb`.
pub fn push_sql(
    expr: &Expr,
    queryables: &[Queryable],
    crs: FilterCrs,
    qb: &mut QueryBuilder<'_, Postgres>,
) -> Result<(), Cql2Error> {
    let emitter = Emitter { queryables, crs };
    // A dry run finds every error before anything is written.
    let mut dry = Sink::dry();
    emitter.condition(expr, &mut dry, 0)?;
    if dry.binds > MAX_BINDS {
        return Err(err(
            0,
            format!(
                "the filter is too large: it has {} values, at most {MAX_BINDS} are allowed",
                dry.binds
            ),
        ));
    }
    emitter.condition(expr, &mut Sink::new(qb), 0)
}

/// Where SQL goes: a query builder, or nowhere (a dry run that only counts binds).
struct Sink<'q, 'args> {
    qb: Option<&'q mut QueryBuilder<'args, Postgres>>,
    binds: usize,
    /// The bound values, `Debug`-formatted (for tests).
    log: Option<Vec<String>>,
}

impl<'q, 'args> Sink<'q, 'args> {
    fn new(qb: &'q mut QueryBuilder<'args, Postgres>) -> Self {
        Sink {
            qb: Some(qb),
            binds: 0,
            log: None,
        }
    }

    fn dry() -> Self {
        Sink {
            qb: None,
            binds: 0,
            log: None,
        }
    }

    fn push(&mut self, sql: &str) {
        if let Some(qb) = self.qb.as_deref_mut() {
            qb.push(sql);
        }
    }

    fn bind<T>(&mut self, value: T)
    where
        T: 'args + sqlx::Encode<'args, Postgres> + sqlx::Type<Postgres> + fmt::Debug,
    {
        self.binds += 1;
        if let Some(log) = &mut self.log {
            log.push(format!("{value:?}"));
        }
        if let Some(qb) = self.qb.as_deref_mut() {
            qb.push_bind(value);
        }
    }
}

/// The SQL type a comparison is made in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    String,
    Float,
    Integer,
    Boolean,
    Date,
    Timestamp,
    Geometry,
}

impl Ty {
    fn of(kind: QueryableKind) -> Ty {
        match kind {
            QueryableKind::String => Ty::String,
            QueryableKind::Number => Ty::Float,
            QueryableKind::Integer => Ty::Integer,
            QueryableKind::Boolean => Ty::Boolean,
            QueryableKind::Date => Ty::Date,
            QueryableKind::Timestamp => Ty::Timestamp,
            QueryableKind::Geometry => Ty::Geometry,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Ty::String => "a string",
            Ty::Float => "a number",
            Ty::Integer => "an integer",
            Ty::Boolean => "a boolean",
            Ty::Date => "a date",
            Ty::Timestamp => "a timestamp",
            Ty::Geometry => "a geometry",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Ty::String => "a string in single quotes such as 'available'",
            Ty::Float | Ty::Integer => "a number such as 1000",
            Ty::Boolean => "TRUE or FALSE",
            Ty::Date => "a date such as DATE('2024-01-31')",
            Ty::Timestamp => "a timestamp such as TIMESTAMP('2024-01-31T12:00:00Z')",
            Ty::Geometry => "a spatial function such as S_INTERSECTS",
        }
    }

    /// The type two operands are compared in, if they can be compared.
    fn join(self, other: Ty) -> Option<Ty> {
        match (self, other) {
            (a, b) if a == b => Some(a),
            (Ty::Integer, Ty::Float) | (Ty::Float, Ty::Integer) => Some(Ty::Float),
            (Ty::Date, Ty::Timestamp) | (Ty::Timestamp, Ty::Date) => Some(Ty::Timestamp),
            _ => None,
        }
    }
}

/// Whether `n` is bound as an integer (when compared with an integer property).
fn is_integral(n: f64) -> bool {
    n.fract() == 0.0 && n.abs() < 9.0e15
}

/// The property a scalar reads, if any (through `CASEI`).
fn property_of(s: &Scalar) -> Option<&Property> {
    match s {
        Scalar::Property(p) => Some(p),
        Scalar::Casei(inner) => property_of(inner),
        _ => None,
    }
}

fn position_of(s: &Scalar) -> usize {
    property_of(s).map_or(0, |p| p.position)
}

/// `sql` ready to be followed by `::type` or an operator: as is if it is a plain name or one
/// parenthesised whole, else in parentheses.
fn paren(sql: &str) -> Cow<'_, str> {
    let s = sql.trim();
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if plain || encloses(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(format!("({s})"))
    }
}

/// Whether `s` is `( … )` with the first `(` closed by the last `)`.
fn encloses(s: &str) -> bool {
    if !s.starts_with('(') || !s.ends_with(')') {
        return false;
    }
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i == s.len() - 1;
                    }
                }
                _ => {}
            },
        }
    }
    false
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, &cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

struct Emitter<'a> {
    queryables: &'a [Queryable],
    crs: FilterCrs,
}

impl<'a> Emitter<'a> {
    fn lookup(&self, p: &Property) -> Result<&'a Queryable, Cql2Error> {
        if let Some(q) = self.queryables.iter().find(|q| q.name == p.name) {
            return Ok(q);
        }
        let wanted = p.name.to_lowercase();
        let suggestion = if p.name.chars().count() <= 64 {
            self.queryables
                .iter()
                .map(|q| (edit_distance(&wanted, &q.name.to_lowercase()), q.name))
                .filter(|(d, _)| *d <= 2)
                .min_by_key(|(d, _)| *d)
                .map(|(_, name)| format!(" (did you mean `{name}`?)"))
        } else {
            None
        };
        let names: Vec<&str> = self.queryables.iter().map(|q| q.name).collect();
        Err(err(
            p.position,
            format!(
                "unknown property `{}`{}; queryable properties are: {}",
                clip(&p.name),
                suggestion.unwrap_or_default(),
                names.join(", ")
            ),
        ))
    }

    fn geometry_property_hint(&self) -> String {
        match self
            .queryables
            .iter()
            .find(|q| q.kind == QueryableKind::Geometry)
        {
            Some(q) => format!("; the geometry property is `{}`", q.name),
            None => String::new(),
        }
    }

    fn ty(&self, s: &Scalar) -> Result<Ty, Cql2Error> {
        Ok(match s {
            Scalar::Property(p) => Ty::of(self.lookup(p)?.kind),
            Scalar::String(_) => Ty::String,
            Scalar::Number(n) if is_integral(*n) => Ty::Integer,
            Scalar::Number(_) => Ty::Float,
            Scalar::Boolean(_) => Ty::Boolean,
            Scalar::Date(_) => Ty::Date,
            Scalar::Timestamp(_) => Ty::Timestamp,
            Scalar::Casei(inner) => {
                let ty = self.ty(inner)?;
                if ty != Ty::String {
                    return Err(type_error(inner, ty, "CASEI works on strings"));
                }
                Ty::String
            }
        })
    }

    /// The type all `operands` are compared in.
    fn unify(&self, operands: &[&Scalar]) -> Result<Ty, Cql2Error> {
        let tys = operands
            .iter()
            .map(|s| self.ty(s))
            .collect::<Result<Vec<_>, _>>()?;
        let mut joined = tys[0];
        for (k, &ty) in tys.iter().enumerate().skip(1) {
            match joined.join(ty) {
                Some(j) => joined = j,
                None => {
                    let other = (0..k).find(|&i| tys[i].join(ty).is_none()).unwrap_or(0);
                    return Err(mismatch(operands[other], tys[other], operands[k], ty));
                }
            }
        }
        Ok(joined)
    }

    /// Rejects geometries in comparisons, and order comparisons of booleans.
    fn check_comparable(
        &self,
        ty: Ty,
        operands: &[&Scalar],
        operator: &str,
        ordered: bool,
    ) -> Result<(), Cql2Error> {
        let subject = operands
            .iter()
            .find(|s| property_of(s).is_some())
            .unwrap_or(&operands[0]);
        match ty {
            Ty::Geometry => Err(err(
                position_of(subject),
                format!(
                    "{} is a geometry and cannot be used with {operator}; test geometries with \
                     a spatial function such as S_INTERSECTS({}, POLYGON((…)))",
                    describe(subject),
                    property_of(subject).map_or("geometry", |p| p.name.as_str())
                ),
            )),
            Ty::Boolean if ordered => Err(err(
                position_of(subject),
                format!(
                    "{operator} cannot be used with booleans ({} is a boolean); use = or <>",
                    describe(subject)
                ),
            )),
            _ => Ok(()),
        }
    }

    fn condition(&self, e: &Expr, out: &mut Sink<'_, '_>, depth: usize) -> Result<(), Cql2Error> {
        if depth > 2 * MAX_DEPTH {
            return Err(err(0, too_deep()));
        }
        match e {
            Expr::Bool(b) => out.push(if *b { "TRUE" } else { "FALSE" }),
            Expr::And(items) | Expr::Or(items) => {
                let (separator, empty) = match e {
                    Expr::And(_) => (" AND ", "TRUE"),
                    _ => (" OR ", "FALSE"),
                };
                if items.is_empty() {
                    out.push(empty);
                    return Ok(());
                }
                out.push("(");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(separator);
                    }
                    self.condition(item, out, depth + 1)?;
                }
                out.push(")");
            }
            Expr::Not(inner) => {
                if matches!(**inner, Expr::And(_) | Expr::Or(_)) {
                    out.push("NOT ");
                    self.condition(inner, out, depth + 1)?;
                } else {
                    out.push("NOT (");
                    self.condition(inner, out, depth + 1)?;
                    out.push(")");
                }
            }
            Expr::Compare { op, left, right } => {
                let ty = self.unify(&[left, right])?;
                let ordered = !matches!(op, CompareOp::Eq | CompareOp::Ne);
                self.check_comparable(ty, &[left, right], &format!("`{}`", op.symbol()), ordered)?;
                self.scalar(left, ty, out)?;
                out.push(" ");
                out.push(op.symbol());
                out.push(" ");
                self.scalar(right, ty, out)?;
            }
            Expr::Like { value, pattern } => {
                for s in [value, pattern] {
                    let ty = self.ty(s)?;
                    if ty != Ty::String {
                        return Err(type_error(s, ty, "LIKE compares strings"));
                    }
                }
                self.scalar(value, Ty::String, out)?;
                out.push(" LIKE ");
                self.scalar(pattern, Ty::String, out)?;
            }
            Expr::In { value, list } => {
                if list.is_empty() {
                    return Err(err(position_of(value), "the IN list must not be empty"));
                }
                let operands: Vec<&Scalar> = std::iter::once(value).chain(list).collect();
                let ty = self.unify(&operands)?;
                self.check_comparable(ty, &operands, "IN", false)?;
                self.scalar(value, ty, out)?;
                out.push(" IN (");
                for (i, item) in list.iter().enumerate() {
                    if i > 0 {
                        out.push(", ");
                    }
                    self.scalar(item, ty, out)?;
                }
                out.push(")");
            }
            Expr::Between { value, low, high } => {
                let operands = [value, low, high];
                let ty = self.unify(&operands)?;
                self.check_comparable(ty, &operands, "BETWEEN", true)?;
                self.scalar(value, ty, out)?;
                out.push(" BETWEEN ");
                self.scalar(low, ty, out)?;
                out.push(" AND ");
                self.scalar(high, ty, out)?;
            }
            Expr::IsNull(value) => {
                // No cast: a missing or malformed value must not make the cast fail.
                match value {
                    Scalar::Property(p) => out.push(&paren(self.lookup(p)?.sql)),
                    other => {
                        let ty = self.ty(other)?;
                        self.scalar(other, ty, out)?;
                    }
                }
                out.push(" IS NULL");
            }
            Expr::Spatial { op, left, right } => {
                out.push(op.sql_function());
                out.push("(");
                self.spatial(left, op.name(), out)?;
                out.push(", ");
                self.spatial(right, op.name(), out)?;
                out.push(")");
            }
            Expr::DWithin {
                left,
                right,
                distance,
                unit,
            } => {
                if !distance.is_finite() || *distance < 0.0 {
                    return Err(err(
                        0,
                        "the distance of S_DWITHIN must be a number of at least 0",
                    ));
                }
                out.push("ST_DWithin(");
                self.spatial(left, DWITHIN, out)?;
                out.push(", ");
                self.spatial(right, DWITHIN, out)?;
                out.push(", ");
                // Stored geometry is in metres (EPSG:25832), so the distance is exact.
                out.bind(unit.to_metres(*distance));
                out.push(")");
            }
        }
        Ok(())
    }

    /// A scalar as SQL of type `ty` (which [`Emitter::unify`] chose).
    fn scalar(&self, s: &Scalar, ty: Ty, out: &mut Sink<'_, '_>) -> Result<(), Cql2Error> {
        match s {
            Scalar::Property(p) => {
                let q = self.lookup(p)?;
                let sql = paren(q.sql);
                let typed = match (q.kind, ty) {
                    (QueryableKind::String, Ty::String) => sql.into_owned(),
                    (QueryableKind::Number | QueryableKind::Integer, Ty::Float) => {
                        format!("{sql}::float8")
                    }
                    (QueryableKind::Integer, Ty::Integer) => format!("{sql}::bigint"),
                    (QueryableKind::Boolean, Ty::Boolean) => format!("{sql}::boolean"),
                    (QueryableKind::Date, Ty::Date) => format!("{sql}::date"),
                    (QueryableKind::Date, Ty::Timestamp) => {
                        format!("({sql}::date::timestamp AT TIME ZONE 'UTC')")
                    }
                    (QueryableKind::Timestamp, Ty::Timestamp) => format!("{sql}::timestamptz"),
                    (kind, ty) => {
                        return Err(err(
                            p.position,
                            format!(
                                "property `{}` is {} and cannot be used as {}",
                                clip(&p.name),
                                Ty::of(kind).describe(),
                                ty.describe()
                            ),
                        ))
                    }
                };
                out.push(&typed);
            }
            Scalar::String(v) => out.bind(v.clone()),
            Scalar::Number(n) => match ty {
                // `unify` picks Integer only for integral literals, so the cast is exact.
                Ty::Integer => out.bind(*n as i64),
                _ => out.bind(*n),
            },
            Scalar::Boolean(b) => out.bind(*b),
            Scalar::Date(d) => match ty {
                Ty::Timestamp => out.bind(d.and_time(NaiveTime::MIN).and_utc()),
                _ => out.bind(*d),
            },
            Scalar::Timestamp(t) => out.bind(*t),
            Scalar::Casei(inner) => {
                out.push("lower(");
                self.scalar(inner, Ty::String, out)?;
                out.push(")");
            }
        }
        Ok(())
    }

    fn spatial(
        &self,
        arg: &SpatialArg,
        function: &str,
        out: &mut Sink<'_, '_>,
    ) -> Result<(), Cql2Error> {
        match arg {
            SpatialArg::Property(p) => {
                let q = self.lookup(p)?;
                if q.kind != QueryableKind::Geometry {
                    return Err(err(
                        p.position,
                        format!(
                            "{function} needs a geometry, but property `{}` is {}{}",
                            clip(&p.name),
                            Ty::of(q.kind).describe(),
                            self.geometry_property_hint()
                        ),
                    ));
                }
                out.push(&paren(q.sql));
            }
            SpatialArg::Geometry(g) => {
                g.validate().map_err(|m| err(0, m))?;
                g.visit(&mut |p| self.check_range(p[0], p[1]))?;
                let g = match self.crs {
                    FilterCrs::Epsg4326 => Cow::Owned(g.swapped_axes()),
                    _ => Cow::Borrowed(g),
                };
                self.literal(out, |out| {
                    out.push("ST_SetSRID(ST_GeomFromText(");
                    out.bind(g.to_wkt());
                    out.push(&format!("), {})", self.crs.srid()));
                });
            }
            SpatialArg::Bbox(b) => {
                validate_bbox(b).map_err(|m| err(0, m))?;
                let half = b.len() / 2;
                let (mut min, mut max) = ([b[0], b[1]], [b[half], b[half + 1]]);
                if self.crs == FilterCrs::Epsg4326 {
                    min.swap(0, 1);
                    max.swap(0, 1);
                }
                self.check_range(min[0], min[1])?;
                self.check_range(max[0], max[1])?;
                self.literal(out, |out| {
                    out.push("ST_MakeEnvelope(");
                    for v in [min[0], min[1], max[0], max[1]] {
                        out.bind(v);
                        out.push(", ");
                    }
                    out.push(&format!("{})", self.crs.srid()));
                });
            }
        }
        Ok(())
    }

    /// Writes a geometry literal in the filter CRS, transformed to the storage CRS.
    fn literal(&self, out: &mut Sink<'_, '_>, write: impl FnOnce(&mut Sink<'_, '_>)) {
        let transform = self.crs.srid() != STORAGE_SRID;
        if transform {
            out.push("ST_Transform(");
        }
        write(out);
        if transform {
            out.push(&format!(", {STORAGE_SRID})"));
        }
    }

    /// Checks that a position (x = longitude after any axis swap) fits a geographic CRS.
    fn check_range(&self, lon: f64, lat: f64) -> Result<(), Cql2Error> {
        let (order, shown) = match self.crs {
            FilterCrs::Crs84 => ("longitude latitude (CRS84)", (lon, lat)),
            FilterCrs::Epsg4326 => ("latitude longitude (EPSG:4326)", (lat, lon)),
            FilterCrs::Epsg25832 | FilterCrs::Epsg3857 => return Ok(()),
        };
        if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) {
            return Ok(());
        }
        Err(err(
            0,
            format!(
                "the position ({} {}) is not {order}; if the coordinates are in another CRS, \
                 name it with filter-crs, e.g. filter-crs=http://www.opengis.net/def/crs/EPSG/0/25832",
                shown.0, shown.1
            ),
        ))
    }
}

/// `s` (of type `ty`) cannot be used in `context`.
fn type_error(s: &Scalar, ty: Ty, context: &str) -> Cql2Error {
    err(
        position_of(s),
        format!("{context}, but {} is {}", describe(s), ty.describe()),
    )
}

/// `a` (of type `ta`) and `b` (of type `tb`) cannot be compared; names a property if there is one.
fn mismatch(a: &Scalar, ta: Ty, b: &Scalar, tb: Ty) -> Cql2Error {
    let (subject, ty, other) = if property_of(a).is_some() || property_of(b).is_none() {
        (a, ta, b)
    } else {
        (b, tb, a)
    };
    err(
        position_of(subject),
        format!(
            "{} is {}, so it cannot be compared with {} (expected {})",
            describe(subject),
            ty.describe(),
            describe(other),
            ty.example()
        ),
    )
}

// ------------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
            sql: "(properties->>'max_area_m2')",
        },
        Queryable {
            name: "floors",
            kind: QueryableKind::Integer,
            sql: "(properties->>'floors')",
        },
        Queryable {
            name: "is_public",
            kind: QueryableKind::Boolean,
            sql: "(properties->>'is_public')",
        },
        Queryable {
            name: "available_from",
            kind: QueryableKind::Date,
            sql: "(properties->>'available_from')",
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

    fn prop(name: &str) -> Scalar {
        Scalar::Property(Property::new(name))
    }

    /// The SQL and the `Debug` forms of the bound values.
    fn render_expr(expr: &Expr, crs: FilterCrs) -> Result<(String, Vec<String>), Cql2Error> {
        let mut qb = QueryBuilder::<Postgres>::new("");
        let mut sink = Sink {
            qb: Some(&mut qb),
            binds: 0,
            log: Some(Vec::new()),
        };
        Emitter { queryables: Q, crs }.condition(expr, &mut sink, 0)?;
        let binds = sink.log.take().unwrap_or_default();
        Ok((qb.sql().to_owned(), binds))
    }

    fn render(filter: &str) -> (String, Vec<String>) {
        render_crs(filter, FilterCrs::Epsg25832)
    }

    fn render_crs(filter: &str, crs: FilterCrs) -> (String, Vec<String>) {
        let expr = parse_text(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
        render_expr(&expr, crs).unwrap_or_else(|e| panic!("{filter}: {e}"))
    }

    fn sql_error(filter: &str) -> Cql2Error {
        let expr = parse_text(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
        let mut qb = QueryBuilder::<Postgres>::new("");
        match push_sql(&expr, Q, FilterCrs::Crs84, &mut qb) {
            Ok(()) => panic!("{filter}: expected an error, got {}", qb.sql()),
            Err(e) => e,
        }
    }

    fn text_error(filter: &str) -> Cql2Error {
        match parse_text(filter) {
            Ok(e) => panic!("{filter}: expected an error, got {e:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn parse_tree_of_a_comparison() {
        assert_eq!(
            parse_text("status = 'available'").unwrap(),
            Expr::Compare {
                op: CompareOp::Eq,
                left: prop("status"),
                right: Scalar::String("available".into()),
            }
        );
        assert_eq!(
            parse_text("\"plot_area_m2\" >= -1.5e3").unwrap(),
            Expr::Compare {
                op: CompareOp::Ge,
                left: prop("plot_area_m2"),
                right: Scalar::Number(-1500.0),
            }
        );
        assert_eq!(
            parse_text("'it''s' <> name").unwrap(),
            Expr::Compare {
                op: CompareOp::Ne,
                left: Scalar::String("it's".into()),
                right: prop("name"),
            }
        );
    }

    #[test]
    fn precedence_or_and_not() {
        let a = || Expr::Compare {
            op: CompareOp::Eq,
            left: prop("status"),
            right: Scalar::String("a".into()),
        };
        let b = || Expr::Compare {
            op: CompareOp::Lt,
            left: prop("floors"),
            right: Scalar::Number(3.0),
        };
        let c = || Expr::IsNull(prop("name"));
        assert_eq!(
            parse_text("status = 'a' OR floors < 3 AND name IS NULL").unwrap(),
            Expr::Or(vec![a(), Expr::And(vec![b(), c()])])
        );
        assert_eq!(
            parse_text("(status = 'a' OR floors < 3) AND name IS NULL").unwrap(),
            Expr::And(vec![Expr::Or(vec![a(), b()]), c()])
        );
        assert_eq!(
            parse_text("NOT status = 'a' AND floors < 3").unwrap(),
            Expr::And(vec![Expr::Not(Box::new(a())), b()])
        );
        // AND chains flatten, also through parentheses.
        assert_eq!(
            parse_text("status = 'a' AND (floors < 3 AND name IS NULL)").unwrap(),
            Expr::And(vec![a(), b(), c()])
        );
        assert_eq!(
            parse_text("not not status = 'a'").unwrap(),
            Expr::Not(Box::new(Expr::Not(Box::new(a()))))
        );
        assert_eq!(parse_text("TRUE").unwrap(), Expr::Bool(true));
        assert_eq!(
            parse_text("false or status = 'a'").unwrap(),
            Expr::Or(vec![Expr::Bool(false), a()])
        );
    }

    #[test]
    fn text_and_json_give_equal_trees() {
        let square = json!({"type": "Polygon", "coordinates": [[[12.3, 55.7], [12.4, 55.7], [12.4, 55.8], [12.3, 55.7]]]});
        let cases: Vec<(&str, Value)> = vec![
            (
                "status = 'available'",
                json!({"op": "=", "args": [{"property": "status"}, "available"]}),
            ),
            (
                "plot_area_m2 > 1000 and status <> 'sold'",
                json!({"op": "and", "args": [
                    {"op": ">", "args": [{"property": "plot_area_m2"}, 1000]},
                    {"op": "<>", "args": [{"property": "status"}, "sold"]}]}),
            ),
            (
                "floors <= 3 OR floors >= 10 OR floors < 0",
                json!({"op": "or", "args": [
                    {"op": "<=", "args": [{"property": "floors"}, 3]},
                    {"op": "or", "args": [
                        {"op": ">=", "args": [{"property": "floors"}, 10]},
                        {"op": "<", "args": [{"property": "floors"}, 0]}]}]}),
            ),
            (
                "NOT status = 'sold'",
                json!({"op": "not", "args": [{"op": "=", "args": [{"property": "status"}, "sold"]}]}),
            ),
            (
                "status LIKE 'avail%'",
                json!({"op": "like", "args": [{"property": "status"}, "avail%"]}),
            ),
            (
                "status NOT LIKE 'a_c'",
                json!({"op": "not", "args": [{"op": "like", "args": [{"property": "status"}, "a_c"]}]}),
            ),
            (
                "status IN ('available', 'reserved')",
                json!({"op": "in", "args": [{"property": "status"}, ["available", "reserved"]]}),
            ),
            (
                "floors not in (1, 2)",
                json!({"op": "not", "args": [{"op": "in", "args": [{"property": "floors"}, [1, 2]]}]}),
            ),
            (
                "plot_area_m2 BETWEEN 100 AND 200.5",
                json!({"op": "between", "args": [{"property": "plot_area_m2"}, 100, 200.5]}),
            ),
            (
                "plot_area_m2 NOT BETWEEN 100 AND 200",
                json!({"op": "not", "args": [{"op": "between", "args": [{"property": "plot_area_m2"}, [100, 200]]}]}),
            ),
            (
                "status IS NULL",
                json!({"op": "isNull", "args": [{"property": "status"}]}),
            ),
            (
                "status is not null",
                json!({"op": "not", "args": [{"op": "isNull", "args": [{"property": "status"}]}]}),
            ),
            (
                "available_from >= DATE('2024-01-01')",
                json!({"op": ">=", "args": [{"property": "available_from"}, {"date": "2024-01-01"}]}),
            ),
            (
                "updated_at < TIMESTAMP('2024-01-01T12:30:00Z')",
                json!({"op": "<", "args": [{"property": "updated_at"}, {"timestamp": "2024-01-01T12:30:00Z"}]}),
            ),
            (
                "is_public = TRUE",
                json!({"op": "=", "args": [{"property": "is_public"}, true]}),
            ),
            (
                "plot_area_m2 > max_area_m2",
                json!({"op": ">", "args": [{"property": "plot_area_m2"}, {"property": "max_area_m2"}]}),
            ),
            (
                "CASEI(status) = casei('Available')",
                json!({"op": "=", "args": [
                    {"op": "casei", "args": [{"property": "status"}]},
                    {"op": "casei", "args": ["Available"]}]}),
            ),
            (
                "S_INTERSECTS(geometry, POLYGON((12.3 55.7, 12.4 55.7, 12.4 55.8, 12.3 55.7)))",
                json!({"op": "s_intersects", "args": [{"property": "geometry"}, square]}),
            ),
            (
                "s_within(geometry, BBOX(12.3, 55.7, 12.4, 55.8))",
                json!({"op": "s_within", "args": [{"property": "geometry"}, {"bbox": [12.3, 55.7, 12.4, 55.8]}]}),
            ),
            (
                "S_DWITHIN(geometry, POINT(12.35 55.73), 500, meters)",
                json!({"op": "s_dwithin", "args": [{"property": "geometry"},
                    {"type": "Point", "coordinates": [12.35, 55.73]}, 500, "meters"]}),
            ),
            (
                "S_DWITHIN(geometry, POINT(12.35 55.73), 2.5, km)",
                json!({"op": "s_dwithin", "args": [{"property": "geometry"},
                    {"type": "Point", "coordinates": [12.35, 55.73]}, 2.5, "kilometers"]}),
            ),
            (
                "S_INTERSECTS(geometry, LINESTRING(1 2, 3 4, 5 6))",
                json!({"op": "s_intersects", "args": [{"property": "geometry"},
                    {"type": "LineString", "coordinates": [[1, 2], [3, 4], [5, 6]]}]}),
            ),
            (
                "S_INTERSECTS(geometry, MULTIPOINT((1 2), (3 4)))",
                json!({"op": "s_intersects", "args": [{"property": "geometry"},
                    {"type": "MultiPoint", "coordinates": [[1, 2], [3, 4]]}]}),
            ),
            (
                "S_INTERSECTS(geometry, MULTIPOINT(1 2, 3 4))",
                json!({"op": "s_intersects", "args": [{"property": "geometry"},
                    {"type": "MultiPoint", "coordinates": [[1, 2], [3, 4]]}]}),
            ),
            (
                "S_INTERSECTS(geometry, MULTILINESTRING((1 2, 3 4), (5 6, 7 8)))",
                json!({"op": "s_intersects", "args": [{"property": "geometry"},
                    {"type": "MultiLineString", "coordinates": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]}]}),
            ),
            (
                "S_INTERSECTS(geometry, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5), (5.1 5.1, 5.2 5.1, 5.2 5.2, 5.1 5.1))))",
                json!({"op": "s_intersects", "args": [{"property": "geometry"},
                    {"type": "MultiPolygon", "coordinates": [
                        [[[0, 0], [1, 0], [1, 1], [0, 0]]],
                        [[[5, 5], [6, 5], [6, 6], [5, 5]], [[5.1, 5.1], [5.2, 5.1], [5.2, 5.2], [5.1, 5.1]]]]}]}),
            ),
            (
                "S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(1 2, 3 4)))",
                json!({"op": "s_intersects", "args": [{"property": "geometry"},
                    {"type": "GeometryCollection", "geometries": [
                        {"type": "Point", "coordinates": [1, 2]},
                        {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}]}]}),
            ),
            (
                "S_INTERSECTS(geometry, POINT Z (1 2 3))",
                json!({"op": "s_intersects", "args": [{"property": "geometry"},
                    {"type": "Point", "coordinates": [1, 2, 3]}]}),
            ),
            ("TRUE", json!(true)),
        ];
        for (text, json) in cases {
            let from_text = parse_text(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let from_json = parse_json(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(from_text, from_json, "{text}");
            // And both render.
            render_expr(&from_text, FilterCrs::Crs84).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }

    #[test]
    fn text_error_positions() {
        let cases: &[(&str, usize, &str)] = &[
            ("status = 'abc", 9, "unterminated string"),
            ("\"status = 'abc'", 0, "unterminated property name"),
            (
                "status foo",
                7,
                "expected a comparison operator after property `status`",
            ),
            ("status", 6, "unexpected end of filter"),
            ("status = ", 9, "unexpected end of filter"),
            ("status = 'a' AND", 16, "unexpected end of filter"),
            (
                "status == 'a'",
                8,
                "expected a value or a property after `=`",
            ),
            ("status != 'a'", 7, "use `<>`"),
            (
                "status = 'a'; DROP TABLE plots",
                12,
                "unexpected character `;`",
            ),
            ("(status = 'a'", 13, "`)` to close the `(` at character 0"),
            (
                "status = 'a')",
                12,
                "expected AND, OR or the end of the filter",
            ),
            ("status = 'a' status = 'b'", 13, "expected AND, OR"),
            ("AND status = 'a'", 0, "expected a condition"),
            ("status IN ('a' 'b')", 15, "`,` or `)` in the IN list"),
            ("status IN 'a'", 10, "`(` after IN"),
            ("floors BETWEEN 1 OR 2", 17, "AND between the bounds"),
            ("status IS 'x'", 10, "NULL or NOT NULL after IS"),
            ("status NOT = 'a'", 11, "LIKE, IN or BETWEEN after NOT"),
            ("floors = 12abc", 9, "invalid number `12abc`"),
            ("floors = 1e999", 9, "out of range"),
            ("available_from = DATE('2024-13-01')", 22, "invalid date"),
            ("available_from = DATE(2024)", 22, "a quoted string in DATE"),
            (
                "updated_at = TIMESTAMP('yesterday')",
                23,
                "invalid timestamp",
            ),
            ("status = FOO('a')", 9, "unknown function `FOO`"),
            (
                "S_INTERSECTS(geometry POINT(1 2))",
                22,
                "`,` after the first argument",
            ),
            (
                "S_INTERSECTS(geometry, POINT(1 x))",
                31,
                "the second coordinate",
            ),
            (
                "S_INTERSECTS(geometry, POINT(1 2 3 4))",
                35,
                "at most 3 coordinates",
            ),
            (
                "S_INTERSECTS(geometry, POINT(1 2)",
                33,
                "`)` to close the `(` at character 12",
            ),
            (
                "S_INTERSECTS(geometry, POLYGON((1 2, 3 4, 5 6, 1 2))",
                52,
                "`)` to close the `(` at character 12",
            ),
            (
                "S_INTERSECTS(geometry, POLYGON((1 2, 3 4, 5 6, 7 8)))",
                23,
                "must be closed",
            ),
            (
                "S_INTERSECTS(geometry, POLYGON((1 2, 3 4, 1 2)))",
                23,
                "at least 4 positions",
            ),
            (
                "S_INTERSECTS(geometry, LINESTRING(1 2, 3 4 5))",
                23,
                "same number of coordinates",
            ),
            (
                "S_INTERSECTS(geometry, POINT EMPTY)",
                29,
                "empty geometries",
            ),
            ("S_INTERSECTS(geometry, BBOX(1, 2, 3))", 23, "4 numbers"),
            (
                "S_INTERSECTS(geometry, BBOX(5, 2, 3, 4))",
                23,
                "greater than maximum",
            ),
            (
                "S_INTERSECTS(geometry, 'POINT(1 2)')",
                23,
                "a geometry property or a geometry",
            ),
            (
                "S_DWITHIN(geometry, POINT(1 2), 10, furlongs)",
                36,
                "unknown distance unit",
            ),
            (
                "S_DWITHIN(geometry, POINT(1 2), -1, m)",
                32,
                "must not be negative",
            ),
            ("S_DWITHIN(geometry, POINT(1 2))", 30, "a distance"),
            (
                "status = S_INTERSECTS(geometry, POINT(1 2))",
                9,
                "spatial function",
            ),
            (
                "status = POINT(1 2)",
                9,
                "spatial functions such as S_INTERSECTS",
            ),
            ("\"\" = 'a'", 0, "empty property name"),
            ("", 0, "the filter is empty"),
        ];
        for &(filter, position, message) in cases {
            let e = text_error(filter);
            assert!(
                e.message.contains(message),
                "{filter}: message {:?} lacks {message:?}",
                e.message
            );
            assert_eq!(e.position, position, "{filter}: {}", e.message);
        }
        // Positions count characters, not bytes.
        assert_eq!(text_error("name = 'æøå' x").position, 13);
        // Display carries the position.
        assert_eq!(
            text_error("status = 'abc").to_string(),
            "unterminated string: a string must end with `'` (write `''` for a quote inside a \
             string) (at character 9)"
        );
    }

    #[test]
    fn nesting_is_limited() {
        let deep = format!("{}status = 'a'{}", "(".repeat(200), ")".repeat(200));
        assert!(text_error(&deep).message.contains("nested too deeply"));
        let nots = format!("{}status = 'a'", "NOT ".repeat(200));
        assert!(text_error(&nots).message.contains("nested too deeply"));
        let casei = format!("{}status{} = 'a'", "CASEI(".repeat(200), ")".repeat(200));
        assert!(text_error(&casei).message.contains("nested too deeply"));
        let collection = format!(
            "S_INTERSECTS(geometry, {}POINT(1 2){})",
            "GEOMETRYCOLLECTION(".repeat(200),
            ")".repeat(200)
        );
        assert!(text_error(&collection)
            .message
            .contains("nested too deeply"));
        // A nesting that fits is fine.
        let ok = format!("{}status = 'a'{}", "(".repeat(30), ")".repeat(30));
        parse_text(&ok).unwrap();

        let mut json = json!({"op": "=", "args": [{"property": "status"}, "a"]});
        for _ in 0..200 {
            json = json!({"op": "not", "args": [json]});
        }
        assert!(parse_json(&json)
            .unwrap_err()
            .message
            .contains("nested too deeply"));
    }

    #[test]
    fn json_errors_name_the_path() {
        let cases: Vec<(Value, &str)> = vec![
            (json!("status = 'a'"), "expected a condition"),
            (
                json!({"op": "=", "args": [{"property": "status"}]}),
                "takes 2 arguments",
            ),
            (
                json!({"op": "and", "args": [true, {"op": "nope", "args": []}]}),
                "s_crosses (at $.args[1])",
            ),
            (
                json!({"op": "=", "args": [{"property": "status"}, null]}),
                "null is not a value",
            ),
            (
                json!({"op": "in", "args": [{"property": "status"}, "a"]}),
                "array of values (at $.args[1])",
            ),
            (
                json!({"op": "in", "args": [{"property": "status"}, []]}),
                "must not be empty",
            ),
            (
                json!({"op": "=", "args": [{"property": 5}, 1]}),
                "\"property\" must be a non-empty string (at $.args[0])",
            ),
            (
                json!({"op": "=", "args": [{"property": "d"}, {"date": "2024-02-30"}]}),
                "invalid date",
            ),
            (
                json!({"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [1]}]}),
                "2 or 3 coordinates",
            ),
            (
                json!({"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [1, "x"]}]}),
                "expected a number, found a string (at $.args[1].coordinates[1])",
            ),
            (
                json!({"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Circle", "coordinates": [1, 2]}]}),
                "unknown GeoJSON geometry type `Circle`",
            ),
            (
                json!({"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}]}),
                "must be closed",
            ),
            (
                json!({"op": "s_intersects", "args": [{"property": "geometry"}, "POINT(1 2)"]}),
                "found a string",
            ),
            (
                json!({"op": "s_dwithin", "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [1, 2]}, 10, "yards"]}),
                "unknown distance unit",
            ),
            (json!({"op": "casei", "args": ["a"]}), "not a condition"),
            (
                json!({"op": "like", "args": [{"property": "status"}, {"op": "and", "args": []}]}),
                "found the operator `and`",
            ),
        ];
        for (json, message) in cases {
            let e = parse_json(&json).unwrap_err();
            assert!(
                e.message.contains(message),
                "{json}: {:?} lacks {message:?}",
                e.message
            );
            assert_eq!(e.position, 0);
        }
    }

    #[test]
    fn sql_for_comparisons() {
        let (sql, binds) = render("status = 'available' AND plot_area_m2 > 1000");
        assert_eq!(
            sql,
            "((properties->>'status') = $1 AND (properties->>'plot_area_m2')::float8 > $2)"
        );
        assert_eq!(binds, ["\"available\"", "1000.0"]);
        assert!(!sql.contains("available") && !sql.contains("1000"));

        let (sql, binds) = render("floors = 3");
        assert_eq!(sql, "(properties->>'floors')::bigint = $1");
        assert_eq!(binds, ["3"]);
        // An integer property with a fraction is compared as float8.
        let (sql, binds) = render("floors < 1.5");
        assert_eq!(sql, "(properties->>'floors')::float8 < $1");
        assert_eq!(binds, ["1.5"]);

        let (sql, binds) = render("is_public <> FALSE");
        assert_eq!(sql, "(properties->>'is_public')::boolean <> $1");
        assert_eq!(binds, ["false"]);

        let (sql, binds) = render("available_from >= DATE('2024-01-31')");
        assert_eq!(sql, "(properties->>'available_from')::date >= $1");
        assert_eq!(binds, ["2024-01-31"]);

        let (sql, binds) = render("updated_at < TIMESTAMP('2024-01-31T13:00:00+01:00')");
        assert_eq!(sql, "updated_at::timestamptz < $1");
        assert_eq!(binds, ["2024-01-31T12:00:00Z"]);
        // A date against a timestamp: midnight UTC.
        let (sql, binds) = render("updated_at >= DATE('2024-01-31')");
        assert_eq!(sql, "updated_at::timestamptz >= $1");
        assert_eq!(binds, ["2024-01-31T00:00:00Z"]);

        // Property-property, with an SQL fragment that needs parentheses.
        let (sql, binds) = render("plot_area_m2 <= max_area_m2 OR name = status");
        assert_eq!(
            sql,
            "((properties->>'plot_area_m2')::float8 <= (properties->>'max_area_m2')::float8 \
             OR (coalesce(properties->>'name', '')) = (properties->>'status'))"
        );
        assert!(binds.is_empty());
        let (sql, _) = render("floors > plot_area_m2");
        assert_eq!(
            sql,
            "(properties->>'floors')::float8 > (properties->>'plot_area_m2')::float8"
        );
        let (sql, _) = render("available_from < updated_at");
        assert_eq!(
            sql,
            "((properties->>'available_from')::date::timestamp AT TIME ZONE 'UTC') < \
             updated_at::timestamptz"
        );
    }

    #[test]
    fn sql_for_advanced_operators() {
        let (sql, binds) = render("status LIKE 'avail%' AND status NOT LIKE '%_x'");
        assert_eq!(
            sql,
            "((properties->>'status') LIKE $1 AND NOT ((properties->>'status') LIKE $2))"
        );
        assert_eq!(binds, ["\"avail%\"", "\"%_x\""]);

        let (sql, binds) = render("status IN ('a', 'b', 'c')");
        assert_eq!(sql, "(properties->>'status') IN ($1, $2, $3)");
        assert_eq!(binds.len(), 3);
        let (sql, binds) = render("floors NOT IN (1, 2)");
        assert_eq!(sql, "NOT ((properties->>'floors')::bigint IN ($1, $2))");
        assert_eq!(binds, ["1", "2"]);

        let (sql, binds) = render("plot_area_m2 BETWEEN 100 AND 200");
        assert_eq!(
            sql,
            "(properties->>'plot_area_m2')::float8 BETWEEN $1 AND $2"
        );
        assert_eq!(binds, ["100.0", "200.0"]);
        let (sql, _) = render("NOT (floors BETWEEN 1 AND 2.5 OR status IS NOT NULL)");
        assert_eq!(
            sql,
            "NOT ((properties->>'floors')::float8 BETWEEN $1 AND $2 OR \
             NOT ((properties->>'status') IS NULL))"
        );

        let (sql, binds) = render("geometry IS NULL AND plot_area_m2 IS NULL");
        assert_eq!(
            sql,
            "(geom IS NULL AND (properties->>'plot_area_m2') IS NULL)"
        );
        assert!(binds.is_empty());

        let (sql, binds) = render("CASEI(status) = CASEI('Available')");
        assert_eq!(sql, "lower((properties->>'status')) = lower($1)");
        assert_eq!(binds, ["\"Available\""]);

        let (sql, binds) = render("TRUE AND NOT FALSE");
        assert_eq!(sql, "(TRUE AND NOT (FALSE))");
        assert!(binds.is_empty());
    }

    #[test]
    fn sql_for_spatial_functions() {
        let (sql, binds) = render_crs(
            "S_INTERSECTS(geometry, POLYGON((12.3 55.7, 12.4 55.7, 12.4 55.8, 12.3 55.7)))",
            FilterCrs::Crs84,
        );
        assert_eq!(
            sql,
            "ST_Intersects(geom, ST_Transform(ST_SetSRID(ST_GeomFromText($1), 4326), 25832))"
        );
        assert_eq!(
            binds,
            ["\"POLYGON((12.3 55.7, 12.4 55.7, 12.4 55.8, 12.3 55.7))\""]
        );

        // EPSG:4326 literals are latitude, longitude: the axes are swapped before PostGIS.
        let (sql, binds) = render_crs(
            "S_WITHIN(geometry, POINT(55.73 12.35))",
            FilterCrs::Epsg4326,
        );
        assert_eq!(
            sql,
            "ST_Within(geom, ST_Transform(ST_SetSRID(ST_GeomFromText($1), 4326), 25832))"
        );
        assert_eq!(binds, ["\"POINT(12.35 55.73)\""]);

        // The storage CRS needs no transformation.
        let (sql, binds) = render_crs(
            "S_INTERSECTS(geometry, POINT(720000 6180000))",
            FilterCrs::Epsg25832,
        );
        assert_eq!(
            sql,
            "ST_Intersects(geom, ST_SetSRID(ST_GeomFromText($1), 25832))"
        );
        assert_eq!(binds, ["\"POINT(720000 6180000)\""]);

        let (sql, _) = render_crs(
            "S_INTERSECTS(geometry, POINT(1380000 7500000))",
            FilterCrs::Epsg3857,
        );
        assert_eq!(
            sql,
            "ST_Intersects(geom, ST_Transform(ST_SetSRID(ST_GeomFromText($1), 3857), 25832))"
        );

        let (sql, binds) = render_crs(
            "S_INTERSECTS(geometry, BBOX(55.7, 12.3, 55.8, 12.4))",
            FilterCrs::Epsg4326,
        );
        assert_eq!(
            sql,
            "ST_Intersects(geom, ST_Transform(ST_MakeEnvelope($1, $2, $3, $4, 4326), 25832))"
        );
        assert_eq!(binds, ["12.3", "55.7", "12.4", "55.8"]);
        let (_, binds) = render_crs(
            "S_INTERSECTS(geometry, BBOX(12.3, 55.7, 0, 12.4, 55.8, 10))",
            FilterCrs::Crs84,
        );
        assert_eq!(binds, ["12.3", "55.7", "12.4", "55.8"]);

        let (sql, binds) = render_crs(
            "S_DWITHIN(geometry, POINT(12.35 55.73), 2.5, kilometers)",
            FilterCrs::Crs84,
        );
        assert_eq!(
            sql,
            "ST_DWithin(geom, ST_Transform(ST_SetSRID(ST_GeomFromText($1), 4326), 25832), $2)"
        );
        assert_eq!(binds, ["\"POINT(12.35 55.73)\"", "2500.0"]);
        let (_, binds) = render_crs(
            "S_DWITHIN(geometry, POINT(12.35 55.73), 300)",
            FilterCrs::Crs84,
        );
        assert_eq!(binds[1], "300.0");

        // The other spatial functions, and a literal first.
        let (sql, _) = render_crs(
            "S_CONTAINS(POLYGON((0 0, 1 0, 1 1, 0 0)), geometry) OR S_DISJOINT(geometry, POINT(0 0))",
            FilterCrs::Crs84,
        );
        assert!(sql.starts_with("(ST_Contains(ST_Transform("), "{sql}");
        assert!(sql.contains(", geom) OR ST_Disjoint(geom, "), "{sql}");

        // GeoJSON literals come out as bound WKT too.
        let expr = parse_json(&json!({"op": "s_intersects", "args": [
            {"property": "geometry"},
            {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]}]}))
        .unwrap();
        let (sql, binds) = render_expr(&expr, FilterCrs::Crs84).unwrap();
        assert_eq!(
            sql,
            "ST_Intersects(geom, ST_Transform(ST_SetSRID(ST_GeomFromText($1), 4326), 25832))"
        );
        assert_eq!(binds, ["\"MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)))\""]);
    }

    #[test]
    fn type_errors_name_the_property() {
        let e = sql_error("plot_area_m2 = 'big'");
        assert!(
            e.message.contains("property `plot_area_m2` is a number")
                && e.message.contains("the string 'big'")
                && e.message.contains("expected a number"),
            "{}",
            e.message
        );
        assert_eq!(e.position, 0);
        // The literal on the left still names the property.
        let e = sql_error("'big' < plot_area_m2");
        assert!(
            e.message.contains("property `plot_area_m2` is a number"),
            "{}",
            e.message
        );
        assert_eq!(e.position, 8);

        let cases: &[(&str, &str)] = &[
            ("status = 5", "property `status` is a string"),
            ("plot_area_m2 LIKE '1%'", "LIKE compares strings, but property `plot_area_m2` is a number"),
            ("S_INTERSECTS(status, POINT(1 2))", "S_INTERSECTS needs a geometry, but property `status` is a string; the geometry property is `geometry`"),
            ("S_DWITHIN(geometry, floors, 5, m)", "S_DWITHIN needs a geometry, but property `floors` is an integer"),
            ("geometry = 'x'", "property `geometry` is a geometry"),
            ("is_public < TRUE", "cannot be used with booleans"),
            ("is_public BETWEEN FALSE AND TRUE", "cannot be used with booleans"),
            ("available_from = '2024-01-01'", "expected a date such as DATE('2024-01-31')"),
            ("floors IN (1, 'two')", "property `floors` is an integer, so it cannot be compared with the string 'two'"),
            ("plot_area_m2 = status", "property `plot_area_m2` is a number, so it cannot be compared with property `status`"),
            ("CASEI(floors) = 'a'", "CASEI works on strings, but property `floors` is an integer"),
            ("S_INTERSECTS(geometry, POINT(720000 6180000))", "is not longitude latitude (CRS84)"),
        ];
        for &(filter, message) in cases {
            let e = sql_error(filter);
            assert!(
                e.message.contains(message),
                "{filter}: {:?} lacks {message:?}",
                e.message
            );
        }
    }

    #[test]
    fn unknown_properties() {
        let e = sql_error("statuz = 'available'");
        assert_eq!(e.position, 0);
        assert!(
            e.message.starts_with(
                "unknown property `statuz` (did you mean `status`?); queryable properties are: \
                 status, plot_area_m2,"
            ),
            "{}",
            e.message
        );
        let e = sql_error("floors = 1 AND \"Plot Area\" > 5");
        assert_eq!(e.position, 15);
        assert!(
            e.message.contains("unknown property `Plot Area`"),
            "{}",
            e.message
        );
        assert!(sql_error("S_INTERSECTS(geom, POINT(1 2))")
            .message
            .contains("unknown property `geom`"));
        assert!(sql_error("nothing IS NULL")
            .message
            .contains("unknown property `nothing`"));
    }

    #[test]
    fn injection_attempts_stay_out_of_the_sql() {
        // Terminating the string and adding a statement: the lexer stops at `;`.
        let e = text_error("status = 'x'; DROP TABLE plots; --'");
        assert_eq!(e.position, 12);
        assert!(text_error("\"status\"; DROP TABLE plots")
            .message
            .contains("`;`"));
        assert!(text_error("status = 'x' -- comment")
            .message
            .contains("`-`"));
        assert!(text_error("status = 'x' /* c */").message.contains("`/`"));

        // A quote written as '' stays inside the bound string.
        let (sql, binds) = render("status = 'x''; DROP TABLE plots; --'");
        assert_eq!(sql, "(properties->>'status') = $1");
        assert_eq!(binds, ["\"x'; DROP TABLE plots; --\""]);
        let (sql, binds) = render("status LIKE '%'' OR 1=1 --' OR status IN ('a)', 'b''')");
        assert!(!sql.contains("OR 1=1") && !sql.contains("a)"), "{sql}");
        assert_eq!(binds.len(), 3);

        // Property names are only looked up, never written.
        let e = sql_error("\"status') = 'a' OR true OR ('\" = 'x'");
        assert!(e.message.contains("unknown property"), "{}", e.message);
        let expr =
            parse_json(&json!({"op": "=", "args": [{"property": "status) OR 1=1 --"}, "a"]}))
                .unwrap();
        let mut qb = QueryBuilder::<Postgres>::new("SELECT 1 WHERE ");
        let e = push_sql(&expr, Q, FilterCrs::Crs84, &mut qb).unwrap_err();
        assert!(e.message.contains("unknown property"));
        // Nothing was written on error.
        assert_eq!(qb.sql(), "SELECT 1 WHERE ");

        // Strings in JSON are bound as they are.
        let expr = parse_json(
            &json!({"op": "like", "args": [{"property": "status"}, "'; DELETE FROM plots; --"]}),
        )
        .unwrap();
        let (sql, binds) = render_expr(&expr, FilterCrs::Crs84).unwrap();
        assert_eq!(sql, "(properties->>'status') LIKE $1");
        assert_eq!(binds, ["\"'; DELETE FROM plots; --\""]);
    }

    #[test]
    fn push_sql_appends_to_a_query() {
        let expr = parse_text(
            "status IN ('available', 'reserved') AND S_INTERSECTS(geometry, BBOX(12.3, 55.7, 12.4, 55.8))",
        )
        .unwrap();
        let mut qb = QueryBuilder::<Postgres>::new("SELECT id FROM plots WHERE deleted = ");
        qb.push_bind(false);
        qb.push(" AND ");
        push_sql(&expr, Q, FilterCrs::Crs84, &mut qb).unwrap();
        assert_eq!(
            qb.sql(),
            "SELECT id FROM plots WHERE deleted = $1 AND ((properties->>'status') IN ($2, $3) AND \
             ST_Intersects(geom, ST_Transform(ST_MakeEnvelope($4, $5, $6, $7, 4326), 25832)))"
        );
    }

    #[test]
    fn too_many_values_are_refused() {
        let list = vec!["'a'"; MAX_BINDS + 1].join(", ");
        let expr = parse_text(&format!("status IN ({list})")).unwrap();
        let mut qb = QueryBuilder::<Postgres>::new("");
        let e = push_sql(&expr, Q, FilterCrs::Crs84, &mut qb).unwrap_err();
        assert!(e.message.contains("too large"), "{}", e.message);
        assert!(qb.sql().is_empty());
    }

    #[test]
    fn helpers() {
        assert_eq!(paren("geom"), "geom");
        assert_eq!(paren("p.geom"), "p.geom");
        assert_eq!(paren("(properties->>'x')"), "(properties->>'x')");
        assert_eq!(paren("properties->>'x'"), "(properties->>'x')");
        assert_eq!(paren("(a) + (b)"), "((a) + (b))");
        assert_eq!(paren("(properties->>')')"), "(properties->>')')");
        assert_eq!(edit_distance("statuz", "status"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert!(is_integral(3.0) && !is_integral(3.5) && !is_integral(1e300));
        assert_eq!(
            Geometry::Point(vec![0.000_000_1, 1e21]).to_wkt(),
            "POINT(0.0000001 1000000000000000000000)"
        );
    }
}
