//! The one filter path of OGC API items: property equality (`?status=available`), `bbox`,
//! `datetime` and CQL2 (`filter`, text or JSON) all become [`cql2::Expr`] trees, each with
//! the CRS of its geometry literals, and are translated to SQL in one place ([`sql`]).
//!
//! CQL2 is parsed by the `cql2` crate; the translation is ours: every value is bound, column
//! SQL comes only from the allow-listed [`Queryable`]s, geometry literals are clamped,
//! densified and transformed to EPSG:25832, `S_DWITHIN` distances are metres, and a type error
//! is a 400 that names the property, the operator and the literal.

mod sql;

use chrono::{DateTime, NaiveDate, Utc};
use cql2::Expr;

use crate::geo::{Bbox, Crs};
pub use sql::Sql;

/// How deeply a filter may nest (parentheses, `NOT`, `AND`/`OR`), to keep the stack safe.
pub const MAX_DEPTH: usize = 64;

/// How many values one filter may bind (PostgreSQL allows 65535 parameters per statement).
pub const MAX_BINDS: usize = 10_000;

/// A property that may be filtered and sorted on: its name in the API, its type, and the SQL
/// expression that reads it (an allow-listed, trusted fragment such as `"status"` or `geom`).
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

/// A bad filter: the request parameter it came from and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{parameter}: {message}")]
pub struct FilterError {
    pub parameter: &'static str,
    pub message: String,
}

impl From<FilterError> for crate::Error {
    fn from(e: FilterError) -> Self {
        crate::Error::invalid_parameter(e.parameter, e.message)
    }
}

/// One condition of a request: a CQL2 tree, the CRS of its geometry literals, and the request
/// parameter it came from (named in errors). A request's filter is the `AND` of its conditions.
#[derive(Debug, Clone)]
pub struct Condition {
    pub expr: Expr,
    pub crs: Crs,
    pub parameter: &'static str,
}

fn property(name: &str) -> Expr {
    Expr::Property {
        property: name.to_owned(),
    }
}

fn operation(op: &str, args: Vec<Expr>) -> Expr {
    Expr::Operation {
        op: op.to_owned(),
        args: args.into_iter().map(Box::new).collect(),
    }
}

fn timestamp(t: DateTime<Utc>) -> Expr {
    let text = t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    Expr::Timestamp {
        timestamp: Box::new(Expr::Literal(text)),
    }
}

/// `?name=value`: the value read as the property's type (the error names the property).
pub fn equals(q: &Queryable, value: &str) -> Result<Condition, FilterError> {
    let wrong = |what: &str| FilterError {
        parameter: q.name,
        message: format!("`{value}` is not {what}"),
    };
    let literal = match q.kind {
        QueryableKind::String => Expr::Literal(value.to_owned()),
        QueryableKind::Number => Expr::Float(
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| wrong("a number"))?,
        ),
        QueryableKind::Integer => {
            Expr::Float(value.parse::<i64>().map_err(|_| wrong("an integer"))? as f64)
        }
        QueryableKind::Boolean => Expr::Bool(value.parse().map_err(|_| wrong("true or false"))?),
        QueryableKind::Date => {
            NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| wrong("a date"))?;
            Expr::Date {
                date: Box::new(Expr::Literal(value.to_owned())),
            }
        }
        QueryableKind::Timestamp => {
            timestamp(parse_time(value, false).map_err(|m| FilterError {
                parameter: q.name,
                message: m,
            })?)
        }
        QueryableKind::Geometry => return Err(wrong("filterable this way: use `filter`")),
    };
    Ok(Condition {
        expr: operation("=", vec![property(q.name), literal]),
        crs: Crs::Crs84,
        parameter: q.name,
    })
}

/// `bbox` (in `crs`): the features whose geometry (the queryable `geometry`) meets the box.
pub fn bbox(value: &str, crs: Crs) -> Result<Condition, FilterError> {
    let b = Bbox::parse(value, crs).map_err(|message| FilterError {
        parameter: "bbox",
        message,
    })?;
    // Back in the client's axis order: the translation reads it as a CQL2 BBOX literal.
    let mut numbers = [b.min[0], b.min[1], b.max[0], b.max[1]];
    if crs.lat_lon() {
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]];
    }
    let bbox = Expr::BBox {
        bbox: numbers.map(|v| Box::new(Expr::Float(v))).to_vec(),
    };
    Ok(Condition {
        expr: operation("s_intersects", vec![property("geometry"), bbox]),
        crs,
        parameter: "bbox",
    })
}

/// An RFC 3339 time, or a date meaning its first (or, for an `end`, its last) microsecond.
pub fn parse_time(value: &str, end: bool) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| format!("`{value}` is not an RFC 3339 time or a date"))?;
    let time = if end {
        date.and_hms_micro_opt(23, 59, 59, 999_999)
    } else {
        date.and_hms_opt(0, 0, 0)
    };
    Ok(time.unwrap_or_default().and_utc())
}

/// `datetime`: an instant, or an interval `start/end` with `..` (or nothing) for open ends,
/// compared with the queryable `updated_at`.
pub fn datetime(value: &str) -> Result<Condition, FilterError> {
    let bad = |message: String| FilterError {
        parameter: "datetime",
        message,
    };
    let open = |s: &str| s.is_empty() || s == "..";
    let (start, end) = match value.split_once('/') {
        Some((a, b)) => (
            (!open(a)).then(|| parse_time(a, false)).transpose(),
            (!open(b)).then(|| parse_time(b, true)).transpose(),
        ),
        None if value.contains('T') => {
            let t = parse_time(value, false);
            (t.clone().map(Some), t.map(Some))
        }
        None => (
            parse_time(value, false).map(Some),
            parse_time(value, true).map(Some),
        ),
    };
    let (start, end) = (start.map_err(bad)?, end.map_err(bad)?);
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            return Err(bad(format!(
                "the interval starts ({s}) after it ends ({e})"
            )));
        }
    }
    let bounds: Vec<Expr> = [(">=", start), ("<=", end)]
        .into_iter()
        .filter_map(|(op, t)| Some(operation(op, vec![property("updated_at"), timestamp(t?)])))
        .collect();
    if bounds.is_empty() {
        return Err(bad("an interval needs at least one end".into()));
    }
    Ok(Condition {
        expr: operation("and", bounds),
        crs: Crs::Crs84,
        parameter: "datetime",
    })
}

/// `filter` in `lang` (`cql2-text` or `cql2-json`), its geometry literals in `crs`.
pub fn cql2(text: &str, lang: &str, crs: Crs) -> Result<Condition, FilterError> {
    let bad = |message: String| FilterError {
        parameter: "filter",
        message,
    };
    let expr = match lang {
        "cql2-text" => sql::parse_text(text).map_err(bad)?,
        "cql2-json" => sql::parse_json(text).map_err(bad)?,
        other => {
            return Err(FilterError {
                parameter: "filter-lang",
                message: format!("`{other}` is not supported: use cql2-text or cql2-json"),
            })
        }
    };
    Ok(Condition {
        expr,
        crs,
        parameter: "filter",
    })
}

/// Translates the `AND` of `conditions` to SQL over `queryables` once; the result is appended
/// to each query with [`Sql::push_to`]. Errors name the parameter and what is wrong.
pub fn translate(conditions: &[Condition], queryables: &[Queryable]) -> Result<Sql, FilterError> {
    sql::translate(conditions, queryables)
}
