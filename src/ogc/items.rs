//! `/collections/{id}/items` and `/collections/{id}/items/{featureId}`: paging, bbox, datetime,
//! property filters, CQL2 filters, sorting, property selection and CRS, streamed to the socket
//! as PostGIS produces the rows.

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde_json::{json, Value};
use sqlx::{Postgres, QueryBuilder};
use tokio_stream::wrappers::ReceiverStream;

use super::collections::OgcCollection;
use super::cql2::{self, Expr, Queryable, QueryableKind};
use super::crs::Crs;
use super::{base_url, data_version, etag, find, html, not_modified, set_cache_headers, Format};
use crate::auth::{Caller, MaybeCaller};
use crate::http::AppState;
use crate::schema::{sql, IdKind, Role};
use crate::{Error, Result};

/// Default page size, and the largest (larger requests are clamped to it, as the standard says).
pub const LIMIT: (i64, i64) = (100, 10_000);

/// Parameters of an items request other than the property filters.
const PARAMETERS: [&str; 13] = [
    "as_of",
    "f",
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
    "filter-crs",
];

type QueryPairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// A time interval with open ends as `None` (the `datetime` parameter).
type Interval = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A typed value bound for a property filter.
#[derive(Debug, Clone)]
enum Bound {
    Text(String),
    Float(f64),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
    Time(DateTime<Utc>),
}

/// A parsed items request.
#[derive(Debug)]
struct ItemsQuery {
    format: Format,
    limit: i64,
    offset: i64,
    /// minx, miny, maxx, maxy in `bbox_crs` axis order x/y (already swapped for EPSG:4326).
    bbox: Option<([f64; 4], Crs)>,
    datetime: Option<Interval>,
    crs: Crs,
    properties: Option<Vec<String>>,
    sortby: Vec<(&'static Queryable, bool)>,
    equals: Vec<(&'static Queryable, Bound)>,
    filter: Option<(Expr, Crs)>,
    /// Show the collection as it stood then (plots and buildings, from the history).
    as_of: Option<DateTime<Utc>>,
}

fn bad(parameter: &str, message: impl Into<String>) -> Error {
    Error::invalid_parameter(parameter, message)
}

fn parse_crs(parameter: &str, value: &str) -> Result<Crs> {
    Crs::parse(value).ok_or_else(|| {
        bad(
            parameter,
            format!(
                "`{value}` is not offered; use one of {}",
                Crs::ALL.map(Crs::uri).join(", ")
            ),
        )
    })
}

fn parse_time(parameter: &str, value: &str, end: bool) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        bad(
            parameter,
            format!("`{value}` is not an RFC 3339 time or a date"),
        )
    })?;
    let time = if end {
        date.and_hms_micro_opt(23, 59, 59, 999_999)
    } else {
        date.and_hms_opt(0, 0, 0)
    };
    Ok(time.unwrap_or_default().and_utc())
}

/// `datetime`: an instant, or an interval `start/end` with `..` (or nothing) for open ends.
fn parse_datetime(value: &str) -> Result<Interval> {
    let open = |s: &str| s.is_empty() || s == "..";
    match value.split_once('/') {
        Some((a, b)) => {
            let start = (!open(a))
                .then(|| parse_time("datetime", a, false))
                .transpose()?;
            let end = (!open(b))
                .then(|| parse_time("datetime", b, true))
                .transpose()?;
            if let (Some(s), Some(e)) = (start, end) {
                if s > e {
                    return Err(bad(
                        "datetime",
                        format!("the interval starts ({s}) after it ends ({e})"),
                    ));
                }
            }
            if start.is_none() && end.is_none() {
                return Err(bad("datetime", "an interval needs at least one end"));
            }
            Ok((start, end))
        }
        None if value.contains('T') => {
            let t = parse_time("datetime", value, false)?;
            Ok((Some(t), Some(t)))
        }
        None => Ok((
            Some(parse_time("datetime", value, false)?),
            Some(parse_time("datetime", value, true)?),
        )),
    }
}

fn parse_bbox(value: &str, crs: Crs) -> Result<[f64; 4]> {
    if matches!(crs, Crs::Crs84) {
        let b = crate::geo::BboxWgs84::parse(value).map_err(|m| bad("bbox", m))?;
        return Ok([b.min_lon, b.min_lat, b.max_lon, b.max_lat]);
    }
    let numbers: Vec<f64> = value
        .split(',')
        .map(|p| p.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect::<Option<Vec<f64>>>()
        .ok_or_else(|| {
            bad(
                "bbox",
                format!("`{value}` holds something that is not a number"),
            )
        })?;
    let [a, b, c, d] = match numbers[..] {
        [a, b, c, d] => [a, b, c, d],
        [a, b, _, d, e, _] => [a, b, d, e],
        _ => {
            return Err(bad(
                "bbox",
                format!(
                    "expected 4 numbers (or 6 with heights), got {}",
                    numbers.len()
                ),
            ))
        }
    };
    // EPSG:4326 writes latitude first: minLat, minLon, maxLat, maxLon.
    let [minx, miny, maxx, maxy] = if crs.lat_lon() {
        [b, a, d, c]
    } else {
        [a, b, c, d]
    };
    if minx > maxx || miny > maxy {
        return Err(bad(
            "bbox",
            "the lower corner is above or right of the upper corner",
        ));
    }
    if crs.srid() == 4326 && (miny < -90.0 || maxy > 90.0 || minx < -180.0 || maxx > 180.0) {
        return Err(bad(
            "bbox",
            "latitude must lie in -90..90 and longitude in -180..180",
        ));
    }
    Ok([minx, miny, maxx, maxy])
}

fn parse_value(q: &Queryable, value: &str) -> Result<Bound> {
    let wrong = |what: &str| bad(q.name, format!("`{value}` is not {what}"));
    Ok(match q.kind {
        QueryableKind::String => Bound::Text(value.to_owned()),
        QueryableKind::Number => Bound::Float(
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| wrong("a number"))?,
        ),
        QueryableKind::Integer => Bound::Int(value.parse().map_err(|_| wrong("an integer"))?),
        QueryableKind::Boolean => Bound::Bool(value.parse().map_err(|_| wrong("true or false"))?),
        QueryableKind::Date => {
            Bound::Date(NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| wrong("a date"))?)
        }
        QueryableKind::Timestamp => Bound::Time(parse_time(q.name, value, false)?),
        QueryableKind::Geometry => return Err(wrong("filterable this way: use `filter`")),
    })
}

/// The SQL that reads a queryable with its type (the fragments are the allow-list's own).
fn typed_sql(q: &Queryable) -> String {
    match q.kind.sql_type() {
        Some(ty) => format!("({})::{ty}", q.sql),
        None => format!("({})", q.sql),
    }
}

fn parse_query(
    c: &'static OgcCollection,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<ItemsQuery> {
    let mut seen = std::collections::HashSet::new();
    for (name, _) in pairs {
        if !PARAMETERS.contains(&name.as_str()) && c.property(name).is_none() {
            return Err(bad(
                name,
                format!(
                    "unknown parameter; items accept {} and the queryable properties (see /collections/{}/queryables)",
                    PARAMETERS.join(", "),
                    c.id
                ),
            ));
        }
        if !seen.insert(name.as_str()) {
            return Err(bad(name, "given more than once"));
        }
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };

    let limit = match get("limit") {
        None => LIMIT.0,
        Some(v) => {
            let n: i64 = v
                .parse()
                .map_err(|_| bad("limit", format!("`{v}` is not a whole number")))?;
            if n < 1 {
                return Err(bad("limit", format!("{n} is below the minimum 1")));
            }
            n.min(LIMIT.1)
        }
    };
    let offset = match get("offset") {
        None => 0,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| bad("offset", format!("`{v}` is not a whole number ≥ 0")))?,
    };
    let bbox_crs = get("bbox-crs")
        .map(|v| parse_crs("bbox-crs", v))
        .transpose()?;
    if bbox_crs.is_some() && get("bbox").is_none() {
        return Err(bad("bbox-crs", "given without `bbox`"));
    }
    let bbox_crs = bbox_crs.unwrap_or(Crs::Crs84);
    let bbox = get("bbox")
        .map(|v| parse_bbox(v, bbox_crs).map(|b| (b, bbox_crs)))
        .transpose()?;
    let datetime = get("datetime").map(parse_datetime).transpose()?;
    let crs = get("crs")
        .map(|v| parse_crs("crs", v))
        .transpose()?
        .unwrap_or(Crs::Crs84);

    let properties = get("properties")
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| {
                    c.property(p).map(|q| q.name.to_owned()).ok_or_else(|| {
                        bad("properties", format!("`{p}` is not a property of {}", c.id))
                    })
                })
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?;

    let sortby = get("sortby")
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|key| {
                    let (name, ascending) = match key.as_bytes()[0] {
                        b'-' => (&key[1..], false),
                        b'+' => (&key[1..], true),
                        _ => (key, true),
                    };
                    let q = c.property(name).ok_or_else(|| {
                        bad(
                            "sortby",
                            format!("`{name}` is not a sortable property of {}", c.id),
                        )
                    })?;
                    Ok((q, ascending))
                })
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?
        .unwrap_or_default();

    let equals = pairs
        .iter()
        .filter(|(n, _)| !PARAMETERS.contains(&n.as_str()))
        .filter_map(|(n, v)| c.property(n).map(|q| (q, v)))
        .map(|(q, v)| parse_value(q, v).map(|b| (q, b)))
        .collect::<Result<Vec<_>>>()?;

    let filter_crs = get("filter-crs")
        .map(|v| parse_crs("filter-crs", v))
        .transpose()?;
    let filter = match get("filter") {
        None => {
            if get("filter-lang").is_some() || filter_crs.is_some() {
                return Err(bad("filter-lang", "given without `filter`"));
            }
            None
        }
        Some(text) => {
            let expr = match get("filter-lang").unwrap_or("cql2-text") {
                "cql2-text" => cql2::parse_text(text).map_err(|e| bad("filter", e.to_string()))?,
                "cql2-json" => {
                    let json: Value = serde_json::from_str(text).map_err(|e| {
                        bad(
                            "filter",
                            format!(
                                "not JSON: {e} (at line {}, column {})",
                                e.line(),
                                e.column()
                            ),
                        )
                    })?;
                    cql2::parse_json(&json).map_err(|e| bad("filter", e.to_string()))?
                }
                other => {
                    return Err(bad(
                        "filter-lang",
                        format!("`{other}` is not supported: use cql2-text or cql2-json"),
                    ))
                }
            };
            Some((expr, filter_crs.unwrap_or(Crs::Crs84)))
        }
    };

    Ok(ItemsQuery {
        format: Format::negotiate(get("f"), headers)?,
        limit,
        offset,
        bbox,
        datetime,
        crs,
        properties,
        sortby,
        equals,
        filter,
        as_of: get("as_of")
            .map(|v| {
                if !matches!(c.id, "plots" | "buildings") {
                    return Err(bad(
                        "as_of",
                        format!(
                            "{} have no history; as_of works on plots and buildings",
                            c.id
                        ),
                    ));
                }
                parse_time("as_of", v, true)
            })
            .transpose()?,
    })
}

/// `WHERE …` of an items query: every value bound, every column from the allow-list.
fn push_where(
    qb: &mut QueryBuilder<'_, Postgres>,
    c: &OgcCollection,
    q: &ItemsQuery,
) -> Result<()> {
    qb.push(" WHERE true");
    if let Some((b, crs)) = q.bbox {
        // Densify the box before transforming it, so its edges stay where they were drawn.
        let step = if crs.srid() == 4326 { 0.001 } else { 100.0 };
        qb.push(" AND ST_Intersects(geom, ST_Transform(ST_Segmentize(ST_MakeEnvelope(");
        let mut sep = qb.separated(", ");
        for v in b {
            sep.push_bind(v);
        }
        sep.push_bind(crs.srid());
        qb.push("), ").push_bind(step).push("), 25832))");
    }
    if let Some((start, end)) = q.datetime {
        if let Some(s) = start {
            qb.push(" AND updated_at >= ").push_bind(s);
        }
        if let Some(e) = end {
            qb.push(" AND updated_at <= ").push_bind(e);
        }
    }
    for (prop, value) in &q.equals {
        qb.push(" AND ").push(typed_sql(prop)).push(" = ");
        match value.clone() {
            Bound::Text(v) => qb.push_bind(v),
            Bound::Float(v) => qb.push_bind(v),
            Bound::Int(v) => qb.push_bind(v),
            Bound::Bool(v) => qb.push_bind(v),
            Bound::Date(v) => qb.push_bind(v),
            Bound::Time(v) => qb.push_bind(v),
        };
    }
    if let Some((expr, crs)) = &q.filter {
        qb.push(" AND (");
        cql2::push_sql(expr, &c.queryables, crs.filter_crs(), qb)
            .map_err(|e| bad("filter", e.to_string()))?;
        qb.push(")");
    }
    Ok(())
}

/// Who reads: planners and admins see the internal properties of the live data; the past
/// (`as_of`) and everyone else see the public ones.
fn role_for(caller: &Option<Caller>, as_of: Option<DateTime<Utc>>) -> Role {
    match (caller, as_of) {
        (Some(_), None) => Role::Planner,
        _ => Role::Public,
    }
}

/// `SELECT <feature as GeoJSON text>` of a source row `k`: properties (all the role may read,
/// or the selected), and links between plots and their buildings.
fn push_select(
    qb: &mut QueryBuilder<'_, Postgres>,
    c: &OgcCollection,
    role: Role,
    crs: Crs,
    properties: Option<&Vec<String>>,
    base: &str,
) {
    let selected: Option<Vec<&str>> = properties.map(|p| p.iter().map(String::as_str).collect());
    qb.push("SELECT json_build_object('type', 'Feature', 'id', k.fid, 'geometry', ");
    qb.push(sql::geometry_json(
        crs.srid(),
        crs.lat_lon(),
        crs.decimals(),
    ));
    qb.push(", 'properties', ");
    qb.push(sql::properties_json(c, role, selected.as_deref()));
    let base = format!("{base}/collections/");
    match c.id {
        "plots" => {
            qb.push(", 'links', (SELECT coalesce(jsonb_agg(jsonb_build_object('href', ")
                .push_bind(base.clone())
                .push(" || 'buildings/items/' || b, 'rel', 'related', 'type', 'application/geo+json', 'title', 'building ' || b)), '[]'::jsonb) FROM jsonb_array_elements_text(k.building_ids) AS b)");
        }
        "buildings" => {
            qb.push(", 'links', jsonb_build_array(jsonb_build_object('href', ")
                .push_bind(base.clone())
                .push(" || 'plots/items/' || k.plot_id, 'rel', 'related', 'type', 'application/geo+json', 'title', 'plot ' || k.plot))");
        }
        _ => {}
    }
    qb.push(")::text");
}

/// A query on the collection's source for this role, as it stands now or as it stood at
/// `as_of` (the history tables read through common table expressions).
fn query_on(as_of: Option<DateTime<Utc>>) -> QueryBuilder<'static, Postgres> {
    let mut qb = QueryBuilder::new("");
    if let Some(t) = as_of {
        sql::push_as_of(&mut qb, t);
    }
    qb
}

fn push_order(qb: &mut QueryBuilder<'_, Postgres>, q: &ItemsQuery) {
    qb.push(" ORDER BY ");
    for (prop, ascending) in &q.sortby {
        qb.push(typed_sql(prop)).push(if *ascending {
            " ASC NULLS LAST, "
        } else {
            " DESC NULLS LAST, "
        });
    }
    // The id last: pages are stable even when sort keys tie.
    qb.push("fid");
}

/// The request's query string with some parameters replaced.
fn query_with(pairs: &[(String, String)], set: &[(&str, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (n, v) in pairs {
        if !set.iter().any(|(k, _)| k == n) {
            s.append_pair(n, v);
        }
    }
    for (k, v) in set {
        s.append_pair(k, v);
    }
    s.finish()
}

pub(super) async fn items(
    State(state): State<AppState>,
    Path(id): Path<String>,
    MaybeCaller(caller): MaybeCaller,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    query: QueryPairs,
) -> Result<Response> {
    let c = find(&id)?;
    let Query(pairs) = query.map_err(|e| bad("query", e.body_text()))?;
    let q = parse_query(c, &pairs, &headers)?;
    let base = base_url(&headers);
    let role = role_for(&caller, q.as_of);
    let source = sql::source(c, role);
    let tag = etag(
        data_version(&state.pool).await?,
        &method,
        &uri.to_string(),
        q.format,
        &format!("{base} {role:?}"),
    );
    if let Some(r) = not_modified(&headers, &tag) {
        return Ok(r);
    }

    // Count and page from one snapshot, so that numberMatched agrees with the page.
    let mut tx = state.pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let mut count = query_on(q.as_of);
    count
        .push("SELECT count(*) FROM ")
        .push(source)
        .push(" AS k");
    push_where(&mut count, c, &q)?;
    let matched: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;
    let returned = q.limit.min((matched - q.offset).max(0));

    let path = format!("{base}/collections/{}/items", c.id);
    let link = |rel: &str, media: &str, set: &[(&str, String)]| json!({ "href": format!("{path}?{}", query_with(&pairs, set)), "rel": rel, "type": media });
    let fmt = |f: Format| ("f", f.param().to_owned());
    let mut links = vec![
        link("self", "application/geo+json", &[fmt(Format::Json)]),
        link("alternate", "text/html", &[fmt(Format::Html)]),
    ];
    let page = |offset: i64| {
        [
            ("offset", offset.to_string()),
            ("limit", q.limit.to_string()),
            fmt(q.format),
        ]
    };
    if q.offset + returned < matched {
        links.push(link(
            "next",
            "application/geo+json",
            &page(q.offset + q.limit),
        ));
    }
    if q.offset > 0 {
        links.push(link(
            "prev",
            "application/geo+json",
            &page((q.offset - q.limit).max(0)),
        ));
    }
    links.push(json!({ "href": format!("{base}/collections/{}", c.id), "rel": "collection", "type": "application/json" }));

    // The page's ids in order, then their features: the properties are built for the page's
    // rows only.
    let mut data = query_on(q.as_of);
    push_select(&mut data, c, role, q.crs, q.properties.as_ref(), &base);
    data.push(" FROM unnest(ARRAY(SELECT k.fid FROM ")
        .push(source)
        .push(" AS k");
    push_where(&mut data, c, &q)?;
    push_order(&mut data, &q);
    data.push(" LIMIT ")
        .push_bind(q.limit)
        .push(" OFFSET ")
        .push_bind(q.offset);
    data.push(")) WITH ORDINALITY AS page (page_fid, n) JOIN ")
        .push(source)
        .push(" AS k ON k.fid = page.page_fid ORDER BY page.n");

    let head = json!({
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": returned,
        "timeStamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "links": links,
    });

    let mut response = if q.format == Format::Html {
        let features: Vec<String> = data.build_query_scalar().fetch_all(&mut *tx).await?;
        let features: Vec<Value> = features
            .iter()
            .filter_map(|f| serde_json::from_str(f).ok())
            .collect();
        let body = html::items(c, &head, &features);
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
    } else {
        // The head without its closing brace, then the features as PostGIS writes them.
        let mut head = head.to_string();
        head.pop();
        head.push_str(r#","features":["#);
        let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(16);
        tokio::spawn(async move {
            if sender.send(Ok(Bytes::from(head))).await.is_err() {
                return;
            }
            let mut rows = data.build_query_scalar::<String>().fetch(&mut *tx);
            let mut first = true;
            while let Some(row) = rows.next().await {
                let chunk = match row {
                    Ok(feature) if first => {
                        first = false;
                        Ok(Bytes::from(feature))
                    }
                    Ok(feature) => Ok(Bytes::from(format!(",{feature}"))),
                    Err(e) => {
                        tracing::error!(error = %e, "items stream failed");
                        Err(std::io::Error::other(e))
                    }
                };
                let failed = chunk.is_err();
                if sender.send(chunk).await.is_err() || failed {
                    return;
                }
            }
            let _ = sender.send(Ok(Bytes::from_static(b"]}"))).await;
        });
        (
            [(header::CONTENT_TYPE, "application/geo+json")],
            Body::from_stream(ReceiverStream::new(receiver)),
        )
            .into_response()
    };
    set_cache_headers(response.headers_mut(), &tag);
    content_crs(response.headers_mut(), q.crs);
    Ok(response)
}

fn content_crs(headers: &mut HeaderMap, crs: Crs) {
    if let Ok(v) = HeaderValue::from_str(&format!("<{}>", crs.uri())) {
        headers.insert("content-crs", v);
    }
}

pub(super) async fn item(
    State(state): State<AppState>,
    Path((id, fid)): Path<(String, String)>,
    MaybeCaller(caller): MaybeCaller,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    query: QueryPairs,
) -> Result<Response> {
    let c = find(&id)?;
    let pairs = crate::http::params(query, &["f", "crs"])?;
    let format = Format::negotiate(crate::http::param(&pairs, "f"), &headers)?;
    let crs = crate::http::param(&pairs, "crs")
        .map(|v| parse_crs("crs", v))
        .transpose()?
        .unwrap_or(Crs::Crs84);
    let base = base_url(&headers);
    let role = role_for(&caller, None);
    let mut qb = QueryBuilder::new("");
    push_select(&mut qb, c, role, crs, None, &base);
    qb.push(" FROM ").push(sql::source(c, role)).push(" AS k");
    match (c.id_kind, fid.parse::<i64>()) {
        (IdKind::Integer, Ok(n)) => qb.push(" WHERE k.fid = ").push_bind(n),
        (IdKind::Integer, Err(_)) => qb.push(" WHERE k.alt_id = ").push_bind(fid.clone()),
        (IdKind::Text, _) => qb.push(" WHERE k.fid = ").push_bind(fid.clone()),
    };
    let mut conn = state.pool.acquire().await?;
    let feature: Option<String> = qb.build_query_scalar().fetch_optional(&mut *conn).await?;
    let feature = feature.ok_or_else(|| Error::NotFound {
        what: "feature",
        id: format!("{}/{fid}", c.id),
    })?;
    // Editable features carry the ETag that If-Match checks (the same in every CRS and format,
    // with a suffix per representation); the rest follow the data version.
    let numeric_id = serde_json::from_str::<Value>(&feature)
        .ok()
        .and_then(|f| f["id"].as_i64());
    let canonical = match (c.id, numeric_id) {
        ("plots" | "buildings", Some(n)) => super::write::feature_etag(&mut conn, c.id, n).await?,
        _ => None,
    };
    let tag = match canonical {
        Some(t) => {
            let mut suffix = String::new();
            if crs != Crs::Crs84 {
                suffix.push_str(&format!(
                    "-{}{}",
                    crs.srid(),
                    if crs.lat_lon() { "ll" } else { "" }
                ));
            }
            if format == Format::Html {
                suffix.push_str("-html");
            }
            if role == Role::Planner && c.has_internal() {
                suffix.push_str("-internal");
            }
            format!("{}{suffix}\"", t.trim_end_matches('"'))
        }
        None => etag(
            data_version(&state.pool).await?,
            &method,
            &uri.to_string(),
            format,
            &base,
        ),
    };
    if let Some(r) = not_modified(&headers, &tag) {
        return Ok(r);
    }
    let mut feature: Value =
        serde_json::from_str(&feature).map_err(|e| Error::Internal(e.to_string()))?;
    let own = format!("{base}/collections/{}/items/{fid}", c.id);
    let mut links = vec![
        json!({ "href": format!("{own}?f=json"), "rel": "self", "type": "application/geo+json" }),
        json!({ "href": format!("{own}?f=html"), "rel": "alternate", "type": "text/html" }),
        json!({ "href": format!("{base}/collections/{}", c.id), "rel": "collection", "type": "application/json" }),
    ];
    if let Some(Value::Array(related)) = feature.get("links") {
        links.extend(related.iter().cloned());
    }
    feature["links"] = Value::Array(links);
    let body = match format {
        Format::Json => feature.to_string(),
        Format::Html => html::item(c, &feature),
    };
    let mut response = super::answer(format, "application/geo+json", body, &tag);
    content_crs(response.headers_mut(), crs);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_instants_and_intervals() {
        let (s, e) = parse_datetime("2025-01-01").unwrap();
        assert_eq!(s.unwrap().to_rfc3339(), "2025-01-01T00:00:00+00:00");
        assert!(e.unwrap() > s.unwrap());
        let (s, e) = parse_datetime("../2025-01-01T00:00:00Z").unwrap();
        assert!(s.is_none() && e.is_some());
        assert!(parse_datetime("../..").is_err());
        assert!(parse_datetime("2025-02-01/2025-01-01").is_err());
        assert!(parse_datetime("soon").is_err());
    }

    #[test]
    fn bbox_in_each_crs() {
        assert_eq!(
            parse_bbox("12,55,13,56", Crs::Crs84).unwrap(),
            [12.0, 55.0, 13.0, 56.0]
        );
        // EPSG:4326 is lat/lon: the same box written latitude first.
        assert_eq!(
            parse_bbox("55,12,56,13", Crs::Epsg4326).unwrap(),
            [12.0, 55.0, 13.0, 56.0]
        );
        assert!(parse_bbox("706000,6183000,707000,6184000", Crs::Epsg25832).is_ok());
        assert!(parse_bbox("707000,6183000,706000,6184000", Crs::Epsg25832).is_err());
        assert!(parse_bbox("1,2,3", Crs::Epsg3857).is_err());
    }
}
