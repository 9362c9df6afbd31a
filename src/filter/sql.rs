//! CQL2 parsed by the `cql2` crate (with our limits and error messages), and the translation of
//! its trees to PostgreSQL/PostGIS with bound values.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use cql2::Expr;
use serde_json::Value as Json;
use sqlx::{Postgres, QueryBuilder};

use super::{
    Condition, FilterError, Queryable, QueryableKind, MAX_BINDS, MAX_DEPTH, MAX_PARSER_CALLS,
};
use crate::geo::{Bbox, Crs, Shape, STORAGE_SRID};

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

/// Bounds every CQL2-Text parse to [`MAX_PARSER_CALLS`] steps (a setting of the `pest` parser
/// for the whole process; plotline parses nothing else with it).
fn bound_parser_work() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| pest::set_call_limit(std::num::NonZeroUsize::new(MAX_PARSER_CALLS)));
}

/// Parses CQL2-Text. Nesting is measured before the (recursive) parser runs; syntax errors
/// name the character where the filter stops making sense.
pub(super) fn parse_text(text: &str) -> Result<Expr, String> {
    if text.trim().is_empty() {
        return Err("the filter is empty".into());
    }
    // Depth: open parentheses plus the run of prefix NOTs and minus signs at each level,
    // outside string literals.
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
            '-' => runs[last] += 1,
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
    bound_parser_work();
    cql2::parse_text(text).map_err(|e| {
        let shown = e.to_string();
        if shown.contains("call limit reached") {
            return format!("the filter is too complex to read (the parser gave up after {MAX_PARSER_CALLS} steps): check its parentheses");
        }
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
fn readable(expected: &str) -> &'static str {
    match ["GEOMETRY", "COORD", "Eq", "In", "Like", "And"].iter().position(|r| expected.contains(r)) {
        Some(0..=1) => "expected a geometry in WKT, such as POINT(12.29 55.75) or POLYGON((…))",
        Some(_) => "expected a comparison operator (=, <>, <, <=, >, >=, LIKE, IN, BETWEEN, IS NULL), AND, OR or the end of the filter",
        None => "expected a condition, a property or a value such as 'text', 42, TRUE or DATE('2024-01-31')",
    }
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
    /// The first part, depth first, that is not CQL2-JSON, and its path.
    fn locate(v: &Json, path: String) -> (String, &Json) {
        let children: Vec<(String, &Json)> = match v {
            Json::Object(o) => o.iter().map(|(k, v)| (format!("{path}.{k}"), v)).collect(),
            Json::Array(a) => (a.iter().enumerate())
                .map(|(i, v)| (format!("{path}[{i}]"), v))
                .collect(),
            _ => Vec::new(),
        };
        let bad = |(_, c): &(String, &Json)| serde_json::from_value::<Expr>((*c).clone()).is_err();
        match children.into_iter().find(bad) {
            Some((path, child)) => locate(child, path),
            None => (path, v),
        }
    }
    serde_json::from_value::<Expr>(json.clone()).map_err(|_| {
        let (path, part) = locate(&json, "$".into());
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
    /// Whether there is no condition: every feature matches.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends ` AND <condition>` for each condition (nothing when there are none).
    pub fn push_to(&self, qb: &mut QueryBuilder<Postgres>) {
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
        (qb.into_string(), binds.collect())
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

/// The type a comparison is made in: a queryable's kind, or a literal's.
type Ty = QueryableKind;

fn describe_ty(ty: Ty) -> &'static str {
    [
        "a string",
        "a number",
        "an integer",
        "a boolean",
        "a date",
        "a timestamp",
        "a geometry",
    ][ty as usize]
}

fn example(ty: Ty) -> &'static str {
    match ty {
        Ty::String => "a string in single quotes such as 'available'",
        Ty::Number | Ty::Integer => "a number such as 1000",
        Ty::Boolean => "TRUE or FALSE",
        Ty::Date => "a date such as DATE('2024-01-31')",
        Ty::Timestamp => "a timestamp such as TIMESTAMP('2024-01-31T12:00:00Z')",
        Ty::Geometry => "a spatial function such as S_INTERSECTS",
    }
}

/// The type two operands are compared in, if they can be compared.
fn join(a: Ty, b: Ty) -> Option<Ty> {
    match (a, b) {
        (a, b) if a == b => Some(a),
        (Ty::Integer, Ty::Number) | (Ty::Number, Ty::Integer) => Some(Ty::Number),
        (Ty::Date, Ty::Timestamp) | (Ty::Timestamp, Ty::Date) => Some(Ty::Timestamp),
        _ => None,
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
        Expr::Date { date: d } => format!("DATE({})", describe(d).replace("the string ", "")),
        Expr::Timestamp { timestamp: t } => {
            format!("TIMESTAMP({})", describe(t).replace("the string ", ""))
        }
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

/// A DATE or TIMESTAMP literal, read by the one parser of every time a client gives (its
/// years too); `form` is the shape the literal must have, `example` shows it.
fn time_literal(e: &Expr, what: &str, example: &str) -> Result<DateTime<Utc>, String> {
    let Expr::Literal(s) = e else {
        return Err(format!(
            "{what} needs a quoted string, found {}",
            describe(e)
        ));
    };
    let shaped = match what {
        "DATE" => NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        _ => DateTime::parse_from_rfc3339(s).is_ok(),
    };
    if !shaped {
        return Err(format!(
            "invalid {} '{}': as in {what}('{example}')",
            what.to_lowercase(),
            clip(s)
        ));
    }
    super::parse_time(s, false).map_err(|m| format!("invalid {}: {m}", what.to_lowercase()))
}

fn date(e: &Expr) -> Result<NaiveDate, String> {
    time_literal(e, "DATE", "2024-01-31").map(|t| t.date_naive())
}

fn timestamp(e: &Expr) -> Result<DateTime<Utc>, String> {
    time_literal(e, "TIMESTAMP", "2024-01-31T12:00:00Z")
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
            Expr::Property { property } => self.lookup(property)?.kind,
            Expr::Literal(_) => Ty::String,
            Expr::Float(n) if !n.is_finite() => {
                return Err(format!("the number {n} is out of range"))
            }
            Expr::Float(n) if is_integral(*n) => Ty::Integer,
            Expr::Float(_) => Ty::Number,
            Expr::Bool(_) => Ty::Boolean,
            Expr::Date { date: d } => date(d).map(|_| Ty::Date)?,
            Expr::Timestamp { timestamp: t } => timestamp(t).map(|_| Ty::Timestamp)?,
            Expr::Operation { op, args } if op.eq_ignore_ascii_case("casei") => {
                let [inner] = &args[..] else {
                    return Err("CASEI takes 1 argument".into());
                };
                let ty = self.ty(inner)?;
                if ty != Ty::String {
                    return Err(format!(
                        "CASEI works on strings, but {} is {}",
                        describe(inner),
                        describe_ty(ty)
                    ));
                }
                Ty::String
            }
            Expr::Null => return Err("NULL is not a value to compare with; use IS NULL".into()),
            Expr::Geometry(_) | Expr::BBox { .. } => {
                return Err(
                    "a geometry can only be used in spatial functions such as S_INTERSECTS".into(),
                )
            }
            other => return Err(format!("{} is not supported here", describe(other))),
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
            joined = join(joined, ty).ok_or_else(|| {
                format!(
                    "{} is {}, so it cannot be compared with {} (expected {})",
                    describe(operands[subject]),
                    describe_ty(tys[subject]),
                    describe(operands[k]),
                    example(tys[subject])
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
                        return Err(format!("LIKE compares strings, but {} is {}", describe(s), describe_ty(ty)));
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
                    (Ty::Date, Ty::Timestamp) => {
                        format!("({sql}::date::timestamp AT TIME ZONE 'UTC')")
                    }
                    (_, ty) => match ty.sql_type() {
                        Some(t) => format!("{sql}::{t}"),
                        None => sql.into_owned(),
                    },
                });
            }
            // PostgreSQL text cannot hold NUL.
            Expr::Literal(s) if s.contains('\0') => {
                return Err(format!("{} holds a NUL", describe(e)))
            }
            Expr::Literal(s) => out.bind(Bound::Text(s.clone())),
            // `unify` picks Integer only for integral literals, so the cast is exact.
            Expr::Float(n) if ty == Ty::Integer => out.bind(Bound::Int(*n as i64)),
            Expr::Float(n) => out.bind(Bound::Float(*n)),
            Expr::Bool(b) => out.bind(Bound::Bool(*b)),
            Expr::Date { date: d } => out.bind(match (date(d)?, ty) {
                (d, Ty::Timestamp) => Bound::Time(d.and_time(NaiveTime::MIN).and_utc()),
                (d, _) => Bound::Date(d),
            }),
            Expr::Timestamp { timestamp: t } => out.bind(Bound::Time(timestamp(t)?)),
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
                    let geometry = self.queryables.iter().find(|q| q.kind == Ty::Geometry);
                    let hint = geometry.map(|g| format!("; the geometry property is `{}`", g.name));
                    let (name, kind) = (q.name, describe_ty(q.kind));
                    let hint = hint.unwrap_or_default();
                    return Err(format!(
                        "{function} needs a geometry, but property `{name}` is {kind}{hint}"
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
                self.literal(b, 5, false, out, |out, inside| {
                    out.push("ST_MakeEnvelope(");
                    for v in [inside.min[0], inside.min[1], inside.max[0], inside.max[1]] {
                        out.bind(Bound::Float(v));
                        out.push(", ");
                    }
                    out.push(&format!("{})", self.crs.srid()));
                });
            }
            Expr::Geometry(g) => {
                let json = serde_json::to_value(g).map_err(|e| format!("invalid geometry: {e}"))?;
                let shape = Shape::of(&json, MAX_DEPTH)?;
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
                self.literal(extent, shape.vertices, true, out, |out, _| {
                    let flip = if self.crs.lat_lon() {
                        "ST_FlipCoordinates("
                    } else {
                        "("
                    };
                    out.push(&format!("{flip}ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON("));
                    out.bind(Bound::Text(json.to_string()));
                    out.push(&format!(")), {}))", self.crs.srid()));
                });
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

    /// The one rule for a box or geometry in the filter CRS: clamped to the CRS's area of use
    /// (`write` gets the clamped extent; a geometry reaching beyond it is clipped), densified
    /// to a bounded number of vertices, then transformed to the storage CRS. Entirely outside
    /// the area, it is an empty geometry, which meets nothing. Transformed or clipped, it is an
    /// uncorrelated scalar subquery, so PostgreSQL computes it once per statement, whatever plan it picks (a
    /// generic plan otherwise transformed and densified it again for every candidate row).
    fn literal(
        &self,
        extent: Bbox,
        vertices: usize,
        geometry: bool,
        out: &mut Sql,
        write: impl FnOnce(&mut Sql, Bbox),
    ) {
        let Some(inside) = extent.clamped() else {
            return out.push("ST_GeomFromText('POLYGON EMPTY', 25832)");
        };
        let (transform, clip) = (
            self.crs.srid() != STORAGE_SRID,
            geometry && inside != extent,
        );
        let step = inside.densify_step(vertices).filter(|_| transform);
        let once = transform || clip;
        out.push(if once { "(SELECT " } else { "" });
        out.push(if transform { "ST_Transform(" } else { "" });
        out.push(if step.is_some() { "ST_Segmentize(" } else { "" });
        out.push(if clip { "ST_ClipByBox2D(" } else { "" });
        write(out, inside);
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
        if transform {
            out.push(&format!(", {STORAGE_SRID})"));
        }
        out.push(if once { ")" } else { "" });
    }
}
