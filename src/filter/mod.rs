//! The one filter path of OGC API items: property equality (`?status=available`), `bbox`,
//! `datetime` and CQL2 (`filter`, text or JSON) all become [`cql2::Expr`] trees, each with
//! the CRS of its geometry literals, and are translated to SQL in one place (`filter::sql`).
//!
//! CQL2 is parsed by the `cql2` crate; the translation is ours: every value is bound, column
//! SQL comes only from the allow-listed [`Queryable`]s, geometry literals are clamped,
//! densified and transformed to EPSG:25832, `S_DWITHIN` distances are metres, and a type error
//! is a 400 that names the property, the operator and the literal.

mod sql;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use cql2::Expr;

use crate::geo::{Bbox, Crs};
pub use crate::schema::{Queryable, QueryableKind};
pub use sql::Sql;

/// How deeply a filter may nest (parentheses, `NOT`, `AND`/`OR`), to keep the stack safe.
pub const MAX_DEPTH: usize = 64;

/// The most steps the CQL2-Text parser may take for one filter. Its grammar backtracks (each
/// `(` may open a condition or a value), so a filter broken off inside a few dozen parentheses
/// would keep the parser, and a server thread, busy for hours; refused at this bound it costs
/// about 0.2 s. A valid filter takes at most about 70 steps a byte, so this admits any filter
/// up to 140 KB (an `IN` list of `MAX_BINDS` values takes 1.4 million).
pub const MAX_PARSER_CALLS: usize = 10_000_000;

/// How many values one filter may bind (PostgreSQL allows 65535 parameters per statement).
pub const MAX_BINDS: usize = 10_000;

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

/// A maker of errors about `parameter`.
fn error(parameter: &'static str) -> impl Fn(String) -> FilterError {
    move |message| FilterError { parameter, message }
}

/// One condition of a request: a CQL2 tree, the CRS of its geometry literals, and the request
/// parameter it came from (named in errors). A request's filter is the `AND` of its conditions.
#[derive(Debug, Clone)]
pub struct Condition {
    pub expr: Expr,
    pub crs: Crs,
    pub parameter: &'static str,
}

fn condition(parameter: &'static str, crs: Crs, op: &str, args: Vec<Expr>) -> Condition {
    let args = args.into_iter().map(Box::new).collect();
    let expr = Expr::Operation {
        op: op.to_owned(),
        args,
    };
    Condition {
        expr,
        crs,
        parameter,
    }
}

fn property(name: &str) -> Expr {
    Expr::Property {
        property: name.to_owned(),
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
    let wrong = |what: &str| error(q.name)(format!("`{value}` is not {what}"));
    let number = value.parse::<f64>().ok().filter(|v| v.is_finite());
    let literal = match q.kind {
        QueryableKind::String => Expr::Literal(value.to_owned()),
        QueryableKind::Number => Expr::Float(number.ok_or_else(|| wrong("a number"))?),
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
        QueryableKind::Timestamp => timestamp(parse_time(value, false).map_err(error(q.name))?),
        QueryableKind::Geometry => return Err(wrong("filterable this way: use `filter`")),
    };
    Ok(condition(
        q.name,
        Crs::Crs84,
        "=",
        vec![property(q.name), literal],
    ))
}

/// `bbox` (in `crs`): the features whose geometry (the queryable `geometry`) meets the box.
pub fn bbox(value: &str, crs: Crs) -> Result<Condition, FilterError> {
    let b = Bbox::parse(value, crs).map_err(error("bbox"))?;
    // Back in the client's axis order: the translation reads it as a CQL2 BBOX literal.
    let (x, y) = if crs.lat_lon() { (1, 0) } else { (0, 1) };
    let numbers = [b.min[x], b.min[y], b.max[x], b.max[y]];
    let bbox = numbers.map(|v| Box::new(Expr::Float(v))).to_vec();
    Ok(condition(
        "bbox",
        crs,
        "s_intersects",
        vec![property("geometry"), Expr::BBox { bbox }],
    ))
}

/// An RFC 3339 time, or a date meaning its first (or, for an `end`, its last) microsecond.
pub fn parse_time(value: &str, end: bool) -> Result<DateTime<Utc>, String> {
    let t = match DateTime::parse_from_rfc3339(value) {
        Ok(t) => t.with_timezone(&Utc),
        Err(_) => {
            let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_err(|_| format!("`{value}` is not an RFC 3339 time or a date"))?;
            let time = match end {
                true => date.and_hms_micro_opt(23, 59, 59, 999_999),
                false => date.and_hms_opt(0, 0, 0),
            };
            time.unwrap_or_default().and_utc()
        }
    };
    if !YEARS.contains(&t.year()) {
        return Err(format!(
            "`{value}` lies outside the years {} to {}",
            YEARS.start(),
            YEARS.end()
        ));
    }
    Ok(t)
}

/// The years a time given by a client may fall in.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// `datetime`: an instant, or an interval `start/end` with `..` (or nothing) for open ends,
/// compared with the queryable `updated_at`.
pub fn datetime(value: &str) -> Result<Condition, FilterError> {
    let bad = error("datetime");
    let time = |s: &str, end| match s {
        "" | ".." => Ok(None),
        s => parse_time(s, end).map(Some).map_err(&bad),
    };
    let (start, end) = match value.split_once('/') {
        Some((a, b)) => (time(a, false)?, time(b, true)?),
        // An instant is itself; a date is all of its day.
        None => (time(value, false)?, time(value, !value.contains('T'))?),
    };
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            return Err(bad(format!(
                "the interval starts ({s}) after it ends ({e})"
            )));
        }
    }
    let bounds: Vec<Expr> = [(">=", start), ("<=", end)]
        .into_iter()
        .filter_map(|(op, t)| {
            let args = vec![Box::new(property("updated_at")), Box::new(timestamp(t?))];
            Some(Expr::Operation {
                op: op.to_owned(),
                args,
            })
        })
        .collect();
    if bounds.is_empty() {
        return Err(bad("an interval needs at least one end".into()));
    }
    Ok(condition("datetime", Crs::Crs84, "and", bounds))
}

/// `filter` in `lang` (`cql2-text` or `cql2-json`), its geometry literals in `crs`.
pub fn cql2(text: &str, lang: &str, crs: Crs) -> Result<Condition, FilterError> {
    let expr = match lang {
        "cql2-text" => sql::parse_text(text).map_err(error("filter"))?,
        "cql2-json" => sql::parse_json(text).map_err(error("filter"))?,
        other => {
            let message = format!("`{other}` is not supported: use cql2-text or cql2-json");
            return Err(error("filter-lang")(message));
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
