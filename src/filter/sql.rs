//! CQL2 parsed by the `cql2` crate (with our limits and error messages), and the translation of
//! its trees to PostgreSQL/PostGIS with bound values.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use cql2::Expr;
use serde_json::Value as Json;
use sqlx::{Postgres, QueryBuilder};

use super::{Condition, FilterError, Queryable, QueryableKind, MAX_BINDS, MAX_DEPTH};
use crate::geo::{Bbox, Crs, STORAGE_SRID};

fn too_deep() -> String {
    format!("the filter is nested too deeply (more than {MAX_DEPTH} levels)")
}

/// `s`, shortened for an error message.
fn clip(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(40) {
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
        None => Cow::Borrowed(s),
    }
}

/// Parses CQL2-Text. Nesting is measured before the (recursive) parser runs; syntax errors
/// name the character where the filter stops making sense.
pub(super) fn parse_text(text: &str) -> Result<Expr, String> {
    if text.trim().is_empty() {
        return Err("the filter is empty".into());
    }
    // Depth: open parentheses plus the run of NOTs at each level, outside string literals.
    let (mut runs, mut max, mut quote, mut word) = (vec![0usize], 0, None, String::new());
    for (i, (byte, c)) in text.char_indices().enumerate() {
        if let Some(q) = quote {
            quote = (c != q).then_some(q);
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        let last = runs.len() - 1;
        runs[last] = if word.eq_ignore_ascii_case("not") {
            runs[last] + 1
        } else if word.is_empty() {
            runs[last]
        } else {
            0
        };
        word.clear();
        match c {
            '\'' | '"' => quote = Some(c),
            '(' => runs.push(0),
            ')' if runs.len() > 1 => {
                runs.pop();
            }
            '!' if text[byte..].starts_with("!=") => {
                return Err(format!("`!=` is not CQL2: use `<>` (at character {i})"));
            }
            _ => {}
        }
        max = max.max(runs.len() - 1 + runs.iter().sum::<usize>());
    }
    if max > MAX_DEPTH {
        return Err(too_deep());
    }
    cql2::parse_text(text).map_err(|e| {
        let shown = e.to_string();
        // pest writes ` --> line:column` (1-based, in characters) and `= expected …`.
        let at = shown
            .split_once("--> ")
            .and_then(|(_, r)| r.split_once(['\n', ' ']));
        let Some((line, column)) = at.and_then(|(lc, _)| lc.split_once(':')) else {
            return format!("invalid CQL2-Text: {}", clip(&shown));
        };
        let (line, column): (usize, usize) =
            (line.parse().unwrap_or(1), column.parse().unwrap_or(1));
        let offset: usize = text
            .split('\n')
            .take(line - 1)
            .map(|l| l.chars().count() + 1)
            .sum::<usize>()
            + column
            - 1;
        let rest: String = text.chars().skip(offset).take(20).collect();
        let what = if rest.is_empty() {
            "unexpected end of filter".to_owned()
        } else {
            format!("cannot read `{rest}`")
        };
        let expected = shown
            .rsplit_once("= ")
            .map(|(_, e)| e.trim())
            .unwrap_or_default();
        format!("{what}: {} (at character {offset})", readable(expected))
    })
}

/// pest's list of grammar rules, in words.
fn readable(expected: &str) -> String {
    if expected.contains("GEOMETRY") || expected.contains("COORD") {
        return "expected a geometry in WKT, such as POINT(12.29 55.75) or POLYGON((…))".into();
    }
    if expected.contains("Eq")
        || expected.contains("In")
        || expected.contains("Like")
        || expected.contains("And")
    {
        return "expected a comparison operator (=, <>, <, <=, >, >=, LIKE, IN, BETWEEN, IS NULL), AND, OR or the end of the filter".into();
    }
    "expected a condition, a property or a value such as 'text', 42, TRUE or DATE('2024-01-31')"
        .into()
}

/// Parses CQL2-JSON. A part that is not CQL2 is named by its JSON path.
pub(super) fn parse_json(text: &str) -> Result<Expr, String> {
    let json: Json = serde_json::from_str(text).map_err(|e| {
        if e.to_string().contains("recursion limit") {
            return too_deep();
        }
        format!(
            "not JSON: {e} (at line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    fn locate(v: &Json, path: String) -> String {
        let children: Vec<(String, &Json)> = match v {
            Json::Object(o) => o.iter().map(|(k, v)| (format!("{path}.{k}"), v)).collect(),
            Json::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{path}[{i}]"), v))
                .collect(),
            _ => Vec::new(),
        };
        for (path, child) in children {
            let is_args = path.ends_with(".args") || path.contains(".args[");
            if is_args
                && child.is_object()
                && serde_json::from_value::<Expr>(child.clone()).is_err()
            {
                return locate(child, path);
            }
            if child.is_array() && is_args {
                let inner = locate(child, path.clone());
                if inner != path {
                    return inner;
                }
            }
        }
        path
    }
    serde_json::from_value::<Expr>(json.clone()).map_err(|_| {
        let path = locate(&json, "$".into());
        let part = json.pointer(&path[1..].replace(['.', '['], "/").replace(']', "")).unwrap_or(&json);
        format!(
            "not CQL2-JSON: {} (at {path}); expected a condition such as {{\"op\": \"=\", \
             \"args\": [{{\"property\": \"status\"}}, \"available\"]}}, a value or a GeoJSON geometry",
            clip(&part.to_string())
        )
    })
}

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
enum Bound {
    Text(String),
    Float(f64),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
    Time(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Sql(String),
    Bind(Bound),
}

/// Translated conditions: SQL text and bound values, appended to every query that needs them.
#[derive(Debug, Clone, Default)]
pub struct Sql(Vec<Piece>);

impl Sql {
    /// Appends ` AND <condition>` for each condition (nothing when there are none).
    pub fn push_to(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        for piece in &self.0 {
            match piece.clone() {
                Piece::Sql(s) => qb.push(s),
                Piece::Bind(Bound::Text(v)) => qb.push_bind(v),
                Piece::Bind(Bound::Float(v)) => qb.push_bind(v),
                Piece::Bind(Bound::Int(v)) => qb.push_bind(v),
                Piece::Bind(Bound::Bool(v)) => qb.push_bind(v),
                Piece::Bind(Bound::Date(v)) => qb.push_bind(v),
                Piece::Bind(Bound::Time(v)) => qb.push_bind(v),
            };
        }
    }

    fn push(&mut self, sql: &str) {
        self.0.push(Piece::Sql(sql.to_owned()));
    }

    fn bind(&mut self, value: Bound) {
        self.0.push(Piece::Bind(value));
    }

    /// The SQL with `$n` placeholders and the `Debug` forms of the bound values (for tests).
    pub fn render(&self) -> (String, Vec<String>) {
        let mut qb = QueryBuilder::<Postgres>::new("");
        self.push_to(&mut qb);
        let binds = self.0.iter().filter_map(|p| match p {
            Piece::Bind(b) => Some(format!("{b:?}")),
            Piece::Sql(_) => None,
        });
        (qb.sql().to_owned(), binds.collect())
    }
}

pub(super) fn translate(
    conditions: &[Condition],
    queryables: &[Queryable],
) -> Result<Sql, FilterError> {
    let mut out = Sql::default();
    for c in conditions {
        let t = Translator {
            queryables,
            crs: c.crs,
        };
        let error = |message| FilterError {
            parameter: c.parameter,
            message,
        };
        out.push(" AND (");
        t.condition(&c.expr, &mut out, 0).map_err(error)?;
        out.push(")");
        let binds = out.0.iter().filter(|p| matches!(p, Piece::Bind(_))).count();
        if binds > MAX_BINDS {
            return Err(error(format!(
                "the filter is too large: it has {binds} values, at most {MAX_BINDS} are allowed"
            )));
        }
    }
    Ok(out)
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
        [
            "a string",
            "a number",
            "an integer",
            "a boolean",
            "a date",
            "a timestamp",
            "a geometry",
        ][self as usize]
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

/// `sql` ready to be followed by `::type` or an operator: as is if it is a plain name or
/// already parenthesised, else in parentheses.
fn paren(sql: &str) -> Cow<'_, str> {
    let s = sql.trim();
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.\"".contains(c));
    // One `( … )` whole: the depth stays above 0 until the last character (quotes are not
    // read, so a `)` inside one only costs a second pair of parentheses).
    let mut depth = 0i32;
    let enclosed = s.starts_with('(')
        && s.char_indices().all(|(i, c)| {
            depth += i32::from(c == '(') - i32::from(c == ')');
            depth > 0 || i == s.len() - 1
        });
    if plain || enclosed {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(format!("({s})"))
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            current.push(
                (previous[j] + usize::from(ca != cb))
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

/// How a value is written in an error message.
fn describe(e: &Expr) -> String {
    match e {
        Expr::Property { property } => format!("property `{}`", clip(property)),
        Expr::Literal(s) => format!("the string '{}'", clip(s)),
        Expr::Float(n) => format!("the number {n}"),
        Expr::Bool(b) => format!("the boolean {}", if *b { "TRUE" } else { "FALSE" }),
        Expr::Date { date } => format!("the date {}", describe(date)),
        Expr::Timestamp { timestamp } => format!("the timestamp {}", describe(timestamp)),
        Expr::Operation { op, args } if op.eq_ignore_ascii_case("casei") && args.len() == 1 => {
            describe(&args[0])
        }
        Expr::Operation { op, .. } => format!("the operator `{}`", clip(op)),
        Expr::Null => "NULL".into(),
        Expr::Geometry(_) | Expr::BBox { .. } => "a geometry".into(),
        Expr::Array(_) => "a list".into(),
        Expr::Interval { .. } => "an interval".into(),
    }
}

fn literal_text(e: &Expr, what: &str) -> Result<String, String> {
    match e {
        Expr::Literal(s) => Ok(s.clone()),
        other => Err(format!(
            "{what} needs a quoted string, found {}",
            describe(other)
        )),
    }
}

struct Translator<'a> {
    queryables: &'a [Queryable],
    crs: Crs,
}

impl<'a> Translator<'a> {
    fn lookup(&self, name: &str) -> Result<&'a Queryable, String> {
        if let Some(q) = self.queryables.iter().find(|q| q.name == name) {
            return Ok(q);
        }
        let wanted = name.to_lowercase();
        let suggestion = (name.chars().count() <= 64)
            .then(|| {
                self.queryables
                    .iter()
                    .map(|q| (edit_distance(&wanted, &q.name.to_lowercase()), q.name))
                    .filter(|(d, _)| *d <= 2)
                    .min_by_key(|(d, _)| *d)
            })
            .flatten()
            .map(|(_, n)| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        let names: Vec<&str> = self.queryables.iter().map(|q| q.name).collect();
        Err(format!(
            "unknown property `{}`{suggestion}; queryable properties are: {}",
            clip(name),
            names.join(", ")
        ))
    }

    /// The type of a value, checking its literal.
    fn ty(&self, e: &Expr) -> Result<Ty, String> {
        Ok(match e {
            Expr::Property { property } => Ty::of(self.lookup(property)?.kind),
            Expr::Literal(_) => Ty::String,
            Expr::Float(n) if !n.is_finite() => {
                return Err(format!("the number {n} is out of range"))
            }
            Expr::Float(n) if is_integral(*n) => Ty::Integer,
            Expr::Float(_) => Ty::Float,
            Expr::Bool(_) => Ty::Boolean,
            Expr::Date { date } => {
                let s = literal_text(date, "DATE")?;
                NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| {
                    format!(
                        "invalid date '{}': expected YYYY-MM-DD, as in DATE('2024-01-31')",
                        clip(&s)
                    )
                })?;
                Ty::Date
            }
            Expr::Timestamp { timestamp } => {
                let s = literal_text(timestamp, "TIMESTAMP")?;
                DateTime::parse_from_rfc3339(&s)
                    .map_err(|_| format!("invalid timestamp '{}': expected RFC 3339, as in TIMESTAMP('2024-01-31T12:00:00Z')", clip(&s)))?;
                Ty::Timestamp
            }
            Expr::Operation { op, args } if op.eq_ignore_ascii_case("casei") => {
                let [inner] = &args[..] else {
                    return Err("CASEI takes 1 argument".into());
                };
                let ty = self.ty(inner)?;
                if ty != Ty::String {
                    return Err(format!(
                        "CASEI works on strings, but {} is {}",
                        describe(inner),
                        ty.describe()
                    ));
                }
                Ty::String
            }
            Expr::Null => return Err("NULL is not a value to compare with; use IS NULL".into()),
            Expr::Geometry(_) | Expr::BBox { .. } => {
                return Err(format!(
                    "{} can only be used in spatial functions such as S_INTERSECTS",
                    describe(e)
                ))
            }
            other => {
                return Err(format!(
                    "{} is not supported here; use a property or a value",
                    describe(other)
                ))
            }
        })
    }

    /// The type all `operands` are compared in; rejects geometries, and ordering booleans.
    fn unify(&self, operands: &[&Expr], operator: &str, ordered: bool) -> Result<Ty, String> {
        let tys = operands
            .iter()
            .map(|e| self.ty(e))
            .collect::<Result<Vec<_>, _>>()?;
        let subject = operands
            .iter()
            .position(|e| matches!(e, Expr::Property { .. }))
            .unwrap_or(0);
        let mut joined = tys[subject];
        for (k, &ty) in tys.iter().enumerate() {
            joined = joined.join(ty).ok_or_else(|| {
                format!(
                    "{} is {}, so it cannot be compared with {} (expected {})",
                    describe(operands[subject]),
                    tys[subject].describe(),
                    describe(operands[k]),
                    tys[subject].example()
                )
            })?;
        }
        let shown = describe(operands[subject]);
        match joined {
            Ty::Geometry => Err(format!("{shown} is a geometry and cannot be used with {operator}; test geometries with a spatial function such as S_INTERSECTS(geometry, POLYGON((…)))")),
            Ty::Boolean if ordered => Err(format!("{operator} cannot be used with booleans ({shown} is a boolean); use = or <>")),
            ty => Ok(ty),
        }
    }

    fn condition(&self, e: &Expr, out: &mut Sql, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        let (op, args) = match e {
            Expr::Bool(b) => {
                out.push(if *b { "TRUE" } else { "FALSE" });
                return Ok(());
            }
            Expr::Operation { op, args } => (
                op.to_ascii_lowercase(),
                args.iter().map(|a| &**a).collect::<Vec<&Expr>>(),
            ),
            other => {
                return Err(format!(
                    "{} is not a condition; expected a comparison such as status = 'available'",
                    describe(other)
                ))
            }
        };
        let arity = |n: usize| match args.len() == n {
            true => Ok(()),
            false => Err(format!("`{op}` takes {n} arguments, found {}", args.len())),
        };
        match op.as_str() {
            "and" | "or" => {
                out.push("(");
                for (i, item) in args.iter().enumerate() {
                    out.push(if i == 0 { "" } else if op == "and" { " AND " } else { " OR " });
                    self.condition(item, out, depth + 1)?;
                }
                out.push(match (args.is_empty(), op.as_str()) {
                    (true, "and") => "TRUE)",
                    (true, _) => "FALSE)",
                    _ => ")",
                });
            }
            "not" => {
                arity(1)?;
                out.push("NOT (");
                self.condition(args[0], out, depth + 1)?;
                out.push(")");
            }
            "=" | "<>" | "<" | ">" | "<=" | ">=" => {
                arity(2)?;
                let ty = self.unify(&args, &format!("`{op}`"), !matches!(op.as_str(), "=" | "<>"))?;
                self.scalar(args[0], ty, out)?;
                out.push(&format!(" {op} "));
                self.scalar(args[1], ty, out)?;
            }
            "like" => {
                arity(2)?;
                for s in &args {
                    let ty = self.ty(s)?;
                    if ty != Ty::String {
                        return Err(format!("LIKE compares strings, but {} is {}", describe(s), ty.describe()));
                    }
                }
                self.scalar(args[0], Ty::String, out)?;
                out.push(" LIKE ");
                self.scalar(args[1], Ty::String, out)?;
            }
            "in" => {
                arity(2)?;
                let list = match args[1] {
                    Expr::Array(items) if !items.is_empty() => items,
                    Expr::Array(_) => return Err("the IN list must not be empty".into()),
                    other => return Err(format!("IN needs a list of values, found {}", describe(other))),
                };
                let operands: Vec<&Expr> = std::iter::once(args[0]).chain(list.iter().map(|b| &**b)).collect();
                let ty = self.unify(&operands, "IN", false)?;
                self.scalar(args[0], ty, out)?;
                out.push(" IN (");
                for (i, item) in list.iter().enumerate() {
                    out.push(if i == 0 { "" } else { ", " });
                    self.scalar(item, ty, out)?;
                }
                out.push(")");
            }
            "between" => {
                arity(3)?;
                let ty = self.unify(&args, "BETWEEN", true)?;
                self.scalar(args[0], ty, out)?;
                out.push(" BETWEEN ");
                self.scalar(args[1], ty, out)?;
                out.push(" AND ");
                self.scalar(args[2], ty, out)?;
            }
            "isnull" => {
                arity(1)?;
                // No cast: a missing or malformed value must not make the cast fail.
                match args[0] {
                    Expr::Property { property } => out.push(&paren(self.lookup(property)?.sql)),
                    other => {
                        let ty = self.ty(other)?;
                        self.scalar(other, ty, out)?;
                    }
                }
                out.push(" IS NULL");
            }
            "s_intersects" | "s_within" | "s_contains" | "s_disjoint" | "s_equals" | "s_overlaps" | "s_touches" | "s_crosses" => {
                arity(2)?;
                let name = op.to_uppercase();
                out.push(&format!("ST_{}{}(", &name[2..3], name[3..].to_lowercase()));
                self.spatial(args[0], &name, out)?;
                out.push(", ");
                self.spatial(args[1], &name, out)?;
                out.push(")");
            }
            "s_dwithin" => {
                let (distance, unit) = match args[..] {
                    [_, _, Expr::Float(d), Expr::Property { property: unit } | Expr::Literal(unit)] => (*d, unit.as_str()),
                    [_, _, Expr::Float(d)] => (*d, "m"),
                    _ => return Err("S_DWITHIN takes a geometry, a geometry, a distance and a unit, as in S_DWITHIN(geometry, POINT(12.29 55.75), 600, meters)".into()),
                };
                let factor = match unit.to_ascii_lowercase().as_str() {
                    "m" | "meter" | "meters" | "metre" | "metres" => 1.0,
                    "km" | "kilometer" | "kilometers" | "kilometre" | "kilometres" => 1000.0,
                    other => return Err(format!("unknown distance unit `{}`: use meters or kilometers", clip(other))),
                };
                if !distance.is_finite() || distance < 0.0 {
                    return Err(format!("the distance of S_DWITHIN must be a number of at least 0, found {distance}"));
                }
                out.push("ST_DWithin(");
                self.spatial(args[0], "S_DWITHIN", out)?;
                out.push(", ");
                self.spatial(args[1], "S_DWITHIN", out)?;
                // Stored geometry is in metres (EPSG:25832), so the distance is exact.
                out.push(", ");
                out.bind(Bound::Float(distance * factor));
                out.push(")");
            }
            other => return Err(format!(
                "`{}` is not supported: use AND, OR, NOT, =, <>, <, <=, >, >=, LIKE, IN, BETWEEN, IS NULL, CASEI or S_INTERSECTS, S_WITHIN, S_CONTAINS, S_DISJOINT, S_EQUALS, S_OVERLAPS, S_TOUCHES, S_CROSSES, S_DWITHIN",
                clip(other)
            )),
        }
        Ok(())
    }

    /// A value as SQL of type `ty` (which [`Translator::unify`] chose).
    fn scalar(&self, e: &Expr, ty: Ty, out: &mut Sql) -> Result<(), String> {
        match e {
            Expr::Property { property } => {
                let q = self.lookup(property)?;
                let sql = paren(q.sql);
                out.push(&match (q.kind, ty) {
                    (QueryableKind::String, Ty::String) => sql.into_owned(),
                    (QueryableKind::Number | QueryableKind::Integer, Ty::Float) => {
                        format!("{sql}::float8")
                    }
                    (QueryableKind::Date, Ty::Timestamp) => {
                        format!("({sql}::date::timestamp AT TIME ZONE 'UTC')")
                    }
                    (kind, _) => format!("{sql}::{}", kind.sql_type().unwrap_or("text")),
                });
            }
            Expr::Literal(s) => out.bind(Bound::Text(s.clone())),
            // `unify` picks Integer only for integral literals, so the cast is exact.
            Expr::Float(n) if ty == Ty::Integer => out.bind(Bound::Int(*n as i64)),
            Expr::Float(n) => out.bind(Bound::Float(*n)),
            Expr::Bool(b) => out.bind(Bound::Bool(*b)),
            Expr::Date { date } => {
                let d = NaiveDate::parse_from_str(&literal_text(date, "DATE")?, "%Y-%m-%d")
                    .map_err(|e| e.to_string())?;
                out.bind(match ty {
                    Ty::Timestamp => Bound::Time(d.and_time(NaiveTime::MIN).and_utc()),
                    _ => Bound::Date(d),
                });
            }
            Expr::Timestamp { timestamp } => {
                let t = DateTime::parse_from_rfc3339(&literal_text(timestamp, "TIMESTAMP")?)
                    .map_err(|e| e.to_string())?;
                out.bind(Bound::Time(t.with_timezone(&Utc)));
            }
            Expr::Operation { args, .. } => {
                out.push("lower(");
                self.scalar(&args[0], Ty::String, out)?;
                out.push(")");
            }
            other => return Err(format!("{} cannot be used here", describe(other))),
        }
        Ok(())
    }

    fn spatial(&self, e: &Expr, function: &str, out: &mut Sql) -> Result<(), String> {
        match e {
            Expr::Property { property } => {
                let q = self.lookup(property)?;
                if q.kind != QueryableKind::Geometry {
                    let hint = self
                        .queryables
                        .iter()
                        .find(|q| q.kind == QueryableKind::Geometry);
                    let hint = hint
                        .map(|g| format!("; the geometry property is `{}`", g.name))
                        .unwrap_or_default();
                    return Err(format!(
                        "{function} needs a geometry, but property `{}` is {}{hint}",
                        q.name,
                        Ty::of(q.kind).describe()
                    ));
                }
                out.push(&paren(q.sql));
            }
            Expr::BBox { bbox } => {
                let numbers = bbox
                    .iter()
                    .map(|v| match **v {
                        Expr::Float(n) => Ok(n),
                        ref other => Err(format!("BBOX takes numbers, found {}", describe(other))),
                    })
                    .collect::<Result<Vec<f64>, String>>()?;
                let b = Bbox::from_numbers(&numbers, self.crs).map_err(|m| format!("BBOX: {m}"))?;
                let Some(inside) = b.clamped() else {
                    out.push(EMPTY);
                    return Ok(());
                };
                self.literal(inside, 5, false, out, |out| {
                    out.push("ST_MakeEnvelope(");
                    for v in [inside.min[0], inside.min[1], inside.max[0], inside.max[1]] {
                        out.bind(Bound::Float(v));
                        out.push(", ");
                    }
                    out.push(&format!("{})", self.crs.srid()));
                })?;
            }
            Expr::Geometry(g) => {
                let json = serde_json::to_value(g).map_err(|e| format!("invalid geometry: {e}"))?;
                let mut shape = Shape::default();
                shape.geometry(&json, 0)?;
                let [mut x0, mut y0, mut x1, mut y1] = shape.extent;
                if self.crs.lat_lon() {
                    (x0, y0, x1, y1) = (y0, x0, y1, x1);
                }
                if self.crs.geographic() && (x0 < -180.0 || x1 > 180.0 || y0 < -90.0 || y1 > 90.0) {
                    let order = if self.crs.lat_lon() {
                        "latitude longitude (EPSG:4326)"
                    } else {
                        "longitude latitude (CRS84)"
                    };
                    return Err(format!(
                        "the geometry's coordinates are not {order}; if they are in another CRS, name it with filter-crs, e.g. filter-crs={}",
                        Crs::Epsg25832.uri()
                    ));
                }
                let extent = Bbox {
                    min: [x0, y0],
                    max: [x1, y1],
                    crs: self.crs,
                };
                let Some(inside) = extent.clamped() else {
                    out.push(EMPTY);
                    return Ok(());
                };
                self.literal(inside, shape.vertices, inside != extent, out, |out| {
                    out.push(if self.crs.lat_lon() {
                        "ST_FlipCoordinates("
                    } else {
                        "("
                    });
                    out.push("ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(");
                    out.bind(Bound::Text(json.to_string()));
                    out.push(&format!(")), {}))", self.crs.srid()));
                })?;
            }
            other => {
                return Err(format!(
                    "{function} needs a geometry property or a geometry, found {}",
                    describe(other)
                ))
            }
        }
        Ok(())
    }

    /// The one rule for a box or geometry in the filter CRS: clipped to the CRS's area of use
    /// (if it reaches beyond), densified to a bounded number of vertices, then transformed to
    /// the storage CRS.
    fn literal(
        &self,
        inside: Bbox,
        vertices: usize,
        clip: bool,
        out: &mut Sql,
        write: impl FnOnce(&mut Sql),
    ) -> Result<(), String> {
        let srid = self.crs.srid();
        let step = (srid != STORAGE_SRID)
            .then(|| inside.densify_step(vertices))
            .flatten();
        if srid != STORAGE_SRID {
            out.push("ST_Transform(");
        }
        if step.is_some() {
            out.push("ST_Segmentize(");
        }
        if clip {
            out.push("ST_ClipByBox2D(");
        }
        write(out);
        if clip {
            let [x0, y0, x1, y1] = self.crs.area_of_use();
            out.push(&format!(
                ", ST_MakeBox2D(ST_Point({x0}, {y0}), ST_Point({x1}, {y1})))"
            ));
        }
        if let Some(step) = step {
            out.push(", ");
            out.bind(Bound::Float(step));
            out.push(")");
        }
        if srid != STORAGE_SRID {
            out.push(&format!(", {STORAGE_SRID})"));
        }
        Ok(())
    }
}

/// A literal entirely outside the CRS's area of use: meets no stored geometry.
const EMPTY: &str = "ST_GeomFromText('POLYGON EMPTY', 25832)";

/// A GeoJSON geometry's extent (x, y as written) and vertex count, checked for structure.
#[derive(Default)]
struct Shape {
    extent: [f64; 4],
    vertices: usize,
    dims: usize,
}

impl Shape {
    fn geometry(&mut self, g: &Json, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        let kind = g["type"].as_str().unwrap_or_default();
        if kind == "GeometryCollection" {
            let members = g["geometries"]
                .as_array()
                .filter(|m| !m.is_empty())
                .ok_or("empty geometries are not supported")?;
            return members.iter().try_for_each(|m| self.geometry(m, depth + 1));
        }
        // Nesting levels of positions: Point 0, LineString/MultiPoint 1, Polygon/MultiLineString 2, MultiPolygon 3.
        let levels = ["Point", "LineString", "Polygon", "MultiPolygon"]
            .iter()
            .position(|k| *k == kind);
        let levels = levels
            .or(["", "MultiPoint", "MultiLineString"]
                .iter()
                .position(|k| *k == kind))
            .unwrap_or(0);
        self.walk(&g["coordinates"], levels, kind)
    }

    fn walk(&mut self, v: &Json, levels: usize, kind: &str) -> Result<(), String> {
        let items = v
            .as_array()
            .filter(|a| !a.is_empty())
            .ok_or("empty geometries are not supported")?;
        if levels == 0 {
            let p: Vec<f64> = items
                .iter()
                .filter_map(Json::as_f64)
                .filter(|c| c.is_finite())
                .collect();
            if p.len() != items.len()
                || !(2..=3).contains(&p.len())
                || (self.dims != 0 && self.dims != p.len())
            {
                return Err("a position needs 2 or 3 finite coordinates, the same number in all positions of a geometry".into());
            }
            let first = self.vertices == 0;
            let e = &mut self.extent;
            *e = if first {
                [p[0], p[1], p[0], p[1]]
            } else {
                [
                    e[0].min(p[0]),
                    e[1].min(p[1]),
                    e[2].max(p[0]),
                    e[3].max(p[1]),
                ]
            };
            (self.dims, self.vertices) = (p.len(), self.vertices + 1);
            return Ok(());
        }
        let ring = levels == 1 && (kind.ends_with("Polygon"));
        if levels == 1 && kind.ends_with("LineString") && items.len() < 2 {
            return Err(format!(
                "a line string needs at least 2 positions, found {}",
                items.len()
            ));
        }
        if ring && (items.len() < 4 || items.first() != items.last()) {
            return Err(format!("a polygon ring must be closed (its last position equal to its first) and have at least 4 positions, found {}", items.len()));
        }
        items
            .iter()
            .try_for_each(|item| self.walk(item, levels - 1, kind))
    }
}
