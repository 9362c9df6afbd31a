//! `/collections/{id}/items` and `/collections/{id}/items/{featureId}`: paging, bbox, datetime,
//! property filters, CQL2 filters, sorting, property selection and CRS, streamed to the socket
//! as PostGIS produces the rows.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde_json::{json, Value};
use sqlx::{Postgres, QueryBuilder};
use tokio_stream::wrappers::ReceiverStream;

use super::collections::OgcCollection;
use super::{
    base_url, data_version, find, html, not_modified, set_cache_headers, Format, OgcRequest,
};
use crate::auth::{Caller, MaybeCaller};
use crate::export::FileFormat;
use crate::filter::{self, Queryable};
use crate::geo::Crs;
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

/// A parsed items request.
#[derive(Debug)]
pub(super) struct ItemsQuery {
    format: Format,
    /// A file to export every matching feature to (`f=gpkg|fgb|shp|csv|kml`), not a page.
    pub(super) file: Option<FileFormat>,
    limit: i64,
    offset: i64,
    pub(super) crs: Crs,
    pub(super) properties: Option<Vec<String>>,
    sortby: Vec<(&'static Queryable, bool)>,
    /// Equality filters, `bbox`, `datetime` and `filter`, translated once.
    pub(super) filter: filter::Sql,
    /// Whether `bbox` was given: the matching rows are then found through the spatial index
    /// once, for the count and the page together.
    spatial: bool,
    /// Show the collection as it stood then (plots and buildings, from the history).
    pub(super) as_of: Option<DateTime<Utc>>,
}

/// Bytes of features gathered before they are sent on.
const STREAM_CHUNK: usize = 64 * 1024;

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
    filter::parse_time(value, end).map_err(|m| bad(parameter, m))
}

/// The SQL that reads a queryable with its type (the fragments are the allow-list's own).
fn typed_sql(q: &Queryable) -> String {
    match q.kind.sql_type() {
        Some(ty) => format!("({})::{ty}", q.sql),
        None => format!("({})", q.sql),
    }
}

/// The entries of a comma-separated list (blanks around and empty entries dropped), each
/// read by `entry`.
fn comma_list<T>(value: &str, entry: impl FnMut(&str) -> Result<T>) -> Result<Vec<T>> {
    value
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(entry)
        .collect()
}

pub(super) fn parse_query(
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
    let mut conditions = Vec::new();
    let bbox_crs = get("bbox-crs")
        .map(|v| parse_crs("bbox-crs", v))
        .transpose()?;
    match (get("bbox"), bbox_crs) {
        (Some(v), crs) => conditions.push(filter::bbox(v, crs.unwrap_or(Crs::Crs84))?),
        (None, Some(_)) => return Err(bad("bbox-crs", "given without `bbox`")),
        (None, None) => {}
    }
    if let Some(v) = get("datetime") {
        conditions.push(filter::datetime(v)?);
    }
    let crs = get("crs")
        .map(|v| parse_crs("crs", v))
        .transpose()?
        .unwrap_or(Crs::Crs84);

    let properties = get("properties")
        .map(|v| {
            comma_list(v, |p| {
                c.property(p).map(|q| q.name.to_owned()).ok_or_else(|| {
                    bad("properties", format!("`{p}` is not a property of {}", c.id))
                })
            })
        })
        .transpose()?;

    let sortby = get("sortby")
        .map(|v| {
            comma_list(v, |key| {
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
        })
        .transpose()?
        .unwrap_or_default();

    for (name, value) in pairs {
        if let (false, Some(q)) = (PARAMETERS.contains(&name.as_str()), c.property(name)) {
            conditions.push(filter::equals(q, value)?);
        }
    }
    let filter_crs = get("filter-crs")
        .map(|v| parse_crs("filter-crs", v))
        .transpose()?;
    match get("filter") {
        Some(text) => conditions.push(filter::cql2(
            text,
            get("filter-lang").unwrap_or("cql2-text"),
            filter_crs.unwrap_or(Crs::Crs84),
        )?),
        None if get("filter-lang").is_some() || filter_crs.is_some() => {
            return Err(bad("filter-lang", "given without `filter`"))
        }
        None => {}
    }
    let filter = filter::translate(&conditions, &c.queryables)?;

    let file = get("f").and_then(FileFormat::parse);
    let format = match (file, get("f")) {
        (Some(_), _) => Format::Json,
        (None, Some(f)) if !matches!(f, "json" | "geojson" | "html") => {
            return Err(bad(
                "f",
                format!(
                    "`{f}` is not a format here: use json, html or a file format ({})",
                    FileFormat::ALL.map(FileFormat::param).join(", ")
                ),
            ))
        }
        (None, f) => Format::negotiate(f, headers)?,
    };

    Ok(ItemsQuery {
        format,
        file,
        limit,
        offset,
        crs,
        properties,
        sortby,
        filter,
        spatial: get("bbox").is_some(),
        as_of: get("as_of")
            .map(|v| {
                if !c.history {
                    let kept: Vec<&str> = crate::schema::COLLECTIONS
                        .iter()
                        .filter(|c| c.history)
                        .map(|c| c.id)
                        .collect();
                    return Err(bad(
                        "as_of",
                        format!(
                            "{} have no history; as_of works on {}",
                            c.id,
                            kept.join(", ")
                        ),
                    ));
                }
                parse_time("as_of", v, true)
            })
            .transpose()?,
    })
}

impl ItemsQuery {
    /// Whether the client asked for an order (`sortby`).
    pub(super) fn sorted(&self) -> bool {
        !self.sortby.is_empty()
    }
}

/// `WHERE …` of an items query: every value bound, every column from the allow-list.
pub(super) fn push_where(qb: &mut QueryBuilder<Postgres>, q: &ItemsQuery) {
    qb.push(" WHERE true");
    q.filter.push_to(qb);
}

/// How many features of the source match the query.
pub(super) async fn count_matches(
    tx: &mut sqlx::PgConnection,
    source: &str,
    q: &ItemsQuery,
) -> Result<i64> {
    let mut count = query_on(q.as_of);
    count
        .push("SELECT count(*) FROM ")
        .push(source)
        .push(" AS k");
    push_where(&mut count, q);
    Ok(count.build_query_scalar().fetch_one(tx).await?)
}

/// Who reads: planners and admins see the internal properties of the live data; the past
/// (`as_of`) and everyone else see the public ones.
pub(super) fn role_for(caller: &Option<Caller>, as_of: Option<DateTime<Utc>>) -> Role {
    match (caller, as_of) {
        (Some(_), None) => Role::Planner,
        _ => Role::Public,
    }
}

/// `SELECT <feature as GeoJSON text>` of a source row `k`: properties (all the role may read,
/// or the selected), and with `links` those between plots and their buildings (a feature's own
/// answer has them; the features of a page do not, so that a page costs no more than its rows).
fn push_select(
    qb: &mut QueryBuilder<Postgres>,
    c: &OgcCollection,
    role: Role,
    crs: Crs,
    properties: Option<&Vec<String>>,
    links: Option<&str>,
) {
    let selected: Option<Vec<&str>> = properties.map(|p| p.iter().map(String::as_str).collect());
    // Text put together, not a json value: PostgreSQL would parse the geometry's GeoJSON again.
    qb.push(r#"SELECT '{"type":"Feature","id":' || to_json(k.fid)::text || ',"geometry":' || "#);
    qb.push(sql::geometry_text(
        crs.srid(),
        crs.lat_lon(),
        crs.decimals(),
    ));
    qb.push(r#" || ',"properties":' || ("#);
    qb.push(sql::properties_json(c, role, selected.as_deref()));
    qb.push(")::text");
    if let Some(base) = links {
        let base = format!("{base}/collections/");
        match c.id {
            "plots" => {
                qb.push(r#" || ',"links":' || (SELECT coalesce(jsonb_agg(jsonb_build_object('href', "#)
                    .push_bind(base)
                    .push(" || 'buildings/items/' || b, 'rel', 'related', 'type', 'application/geo+json', 'title', 'building ' || b)), '[]'::jsonb) FROM jsonb_array_elements_text(k.building_ids) AS b)::text");
            }
            "buildings" => {
                qb.push(r#" || ',"links":' || jsonb_build_array(jsonb_build_object('href', "#)
                    .push_bind(base)
                    .push(" || 'plots/items/' || k.plot_id, 'rel', 'related', 'type', 'application/geo+json', 'title', 'plot ' || k.plot))::text");
            }
            _ => {}
        }
    }
    qb.push(" || '}'");
}

/// A query on the collection's source for this role, as it stands now or as it stood at
/// `as_of` (the history tables read through common table expressions).
pub(super) fn query_on(as_of: Option<DateTime<Utc>>) -> QueryBuilder<Postgres> {
    let mut qb = QueryBuilder::new("");
    if let Some(t) = as_of {
        sql::push_as_of(&mut qb, t);
    }
    qb
}

/// `WHERE … ORDER BY … LIMIT … OFFSET …`: the rows of the requested page.
fn push_page(qb: &mut QueryBuilder<Postgres>, q: &ItemsQuery) {
    push_where(qb, q);
    push_order(qb, q);
    qb.push(" LIMIT ")
        .push_bind(q.limit)
        .push(" OFFSET ")
        .push_bind(q.offset);
}

pub(super) fn push_order(qb: &mut QueryBuilder<Postgres>, q: &ItemsQuery) {
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
    req: OgcRequest,
) -> Result<Response> {
    let c = find(&id)?;
    let headers = &req.headers;
    let Query(pairs) = req.query.map_err(|e| bad("query", e.body_text()))?;
    let q = parse_query(c, &pairs, headers)?;
    let base = base_url(headers);
    let role = role_for(&caller, q.as_of);
    if let Some(format) = q.file {
        let _history_turn = match q.as_of {
            Some(_) => Some(state.history.turn().await?),
            None => None,
        };
        let db = state.reads_for(role);
        let max = state.max_export_features;
        let spooled =
            super::export::spool(db, c, &q, role, format, max, Some(&state.exports)).await?;
        return super::export::answer(spooled, c, format, q.crs).await;
    }
    let source = sql::source(c, role);
    let internal = match role {
        Role::Planner => super::internal_version(&state.pool).await?,
        Role::Public => 0,
    };
    let db = state.reads_for(role);
    let version = data_version(db).await?;
    let tag = super::etag(
        version,
        &req.method,
        &req.uri,
        q.format,
        &format!("{base} {role:?} {internal}"),
    );
    if let Some(r) = not_modified(headers, &tag) {
        return Ok(r);
    }

    // The past is rebuilt from the whole history: a few such reads at a time.
    let history_turn = match q.as_of {
        Some(_) => Some(state.history.turn().await?),
        None => None,
    };
    // Count and page from one snapshot, so that numberMatched agrees with the page.
    let mut tx = crate::db::begin(db).await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    // The page's ids and how many match. With a bbox, one pass over the spatial index finds
    // both (a window count over the matches); otherwise the count is its own statement (an
    // index-only scan for the usual filters, migration 0018), and the page's ids a subquery
    // of the features' statement that stops at the limit.
    let mut page_ids: Option<Vec<String>> = None;
    // How many features match a filter is kept per data version: a client paging through one
    // filter (QGIS, GDAL, the map's table) has it counted once, not at every page.
    let count_key = q
        .as_of
        .is_none()
        .then(|| format!("{}\n{version}\n{:?}", c.id, q.filter));
    let kept = count_key.as_ref().and_then(|k| state.counts.get(k));
    let matched: i64 = if q.filter.is_empty() && q.as_of.is_none() {
        // Every feature of the live table matches: the count kept by migration 0015's triggers.
        super::landing::feature_count(&mut tx, c).await?
    } else if let Some(n) = kept {
        n
    } else if q.spatial {
        let mut ids = query_on(q.as_of);
        ids.push("SELECT k.fid::text, count(*) OVER () FROM ")
            .push(source)
            .push(" AS k");
        push_page(&mut ids, &q);
        let rows: Vec<(String, i64)> = ids.build_query_as().fetch_all(&mut *tx).await?;
        let matched = match rows.first() {
            Some((_, n)) => *n,
            None => count_matches(&mut tx, source, &q).await?,
        };
        page_ids = Some(rows.into_iter().map(|(id, _)| id).collect());
        matched
    } else {
        count_matches(&mut tx, source, &q).await?
    };
    if let (Some(key), None) = (count_key, kept) {
        state.counts.insert(key, matched);
    }
    let returned = q.limit.min((matched - q.offset).max(0));

    let path = format!("{base}/collections/{}/items", c.id);
    let link = |rel: &str, media: &str, set: &[(&str, String)]| json!({ "href": format!("{path}?{}", query_with(&pairs, set)), "rel": rel, "type": media });
    let fmt = |f: Format| ("f", f.param().to_owned());
    let mut links = vec![
        link("self", "application/geo+json", &[fmt(Format::Json)]),
        link("alternate", "text/html", &[fmt(Format::Html)]),
    ];
    // The same features as files: every match, not the page.
    let unpaged: Vec<(String, String)> = pairs
        .iter()
        .filter(|(n, _)| n != "limit" && n != "offset")
        .cloned()
        .collect();
    for f in FileFormat::ALL {
        let mut without: Vec<(String, String)> = unpaged.clone();
        if f == FileFormat::Kml {
            // KML is WGS84 only.
            without.retain(|(n, _)| n != "crs");
        }
        let set = [("f", f.param().to_owned())];
        links.push(json!({ "href": format!("{path}?{}", query_with(&without, &set)), "rel": "alternate", "type": f.media_type(), "title": format!("All matching features as {}", f.title()) }));
    }
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

    // The page's features by their ids: the properties are built for the page's rows only,
    // not for the rows an offset skips, and `fid = ANY(…)` reaches the table's primary key
    // whatever the joins (the ids bound, or an uncorrelated subquery computed once); the page
    // is sorted again by the same keys.
    let mut data = query_on(q.as_of);
    push_select(&mut data, c, role, q.crs, q.properties.as_ref(), None);
    data.push(" FROM ")
        .push(source)
        .push(" AS k WHERE k.fid = ");
    match page_ids {
        Some(ids) => {
            let array_type = match c.id_kind {
                IdKind::Integer => "bigint[]",
                IdKind::Text => "text[]",
            };
            data.push("ANY (CAST(")
                .push_bind(ids)
                .push(format!(" AS {array_type}))"));
        }
        None => {
            data.push("ANY (ARRAY(SELECT k.fid FROM ")
                .push(source)
                .push(" AS k");
            push_page(&mut data, &q);
            data.push("))");
        }
    }
    push_order(&mut data, &q);

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
        (
            [(header::CONTENT_TYPE, "application/geo+json")],
            stream_features(tx, data, head, history_turn),
        )
            .into_response()
    };
    set_cache_headers(response.headers_mut(), &tag);
    content_crs(response.headers_mut(), q.crs);
    Ok(response)
}

/// A body of `head`, the features `query` selects (GeoJSON text, one per row) separated by
/// commas, and `]}`: read from PostGIS on `conn` while the client reads, in chunks of about
/// [`STREAM_CHUNK`] bytes, so that memory stays flat whatever the number of features and the
/// answer is a few dozen writes rather than one per feature. `keep` is held until the end (a
/// turn at the history). A failure midway ends the body with an error the client sees.
pub(crate) fn stream_features<C, K>(
    mut conn: C,
    mut query: QueryBuilder<Postgres>,
    head: String,
    keep: K,
) -> Body
where
    C: std::ops::DerefMut<Target = sqlx::PgConnection> + Send + 'static,
    K: Send + 'static,
{
    let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::spawn(async move {
        let _keep = keep;
        let mut buffer = head;
        let mut rows = query.build_query_scalar::<String>().fetch(&mut *conn);
        let mut first = true;
        while let Some(row) = rows.next().await {
            match row {
                Ok(feature) => {
                    if !first {
                        buffer.push(',');
                    }
                    first = false;
                    buffer.push_str(&feature);
                }
                Err(e) => {
                    tracing::error!(error = %e, "feature stream failed");
                    let _ = sender.send(Err(std::io::Error::other(e))).await;
                    return;
                }
            }
            if buffer.len() >= STREAM_CHUNK {
                let next = String::with_capacity(STREAM_CHUNK + 4096);
                let chunk = std::mem::replace(&mut buffer, next);
                if sender.send(Ok(Bytes::from(chunk))).await.is_err() {
                    return;
                }
            }
        }
        buffer.push_str("]}");
        let _ = sender.send(Ok(Bytes::from(buffer))).await;
    });
    Body::from_stream(ReceiverStream::new(receiver))
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
    req: OgcRequest,
) -> Result<Response> {
    let c = find(&id)?;
    let headers = &req.headers;
    let pairs = crate::http::params(req.query, &["f", "crs"])?;
    let format = Format::negotiate(crate::http::param(&pairs, "f"), headers)?;
    let crs = crate::http::param(&pairs, "crs")
        .map(|v| parse_crs("crs", v))
        .transpose()?
        .unwrap_or(Crs::Crs84);
    let base = base_url(headers);
    let role = role_for(&caller, None);
    // Public answers of editable features also select the canonical public GeoJSON their ETag
    // hashes: one statement, not a second read of the feature.
    let canonical_in_query = role == Role::Public && c.editable;
    let mut qb = QueryBuilder::new("");
    push_select(&mut qb, c, role, crs, None, Some(&base));
    qb.push(", ");
    qb.push(if canonical_in_query {
        format!("{}::text", sql::feature_json(c, Role::Public))
    } else {
        "NULL::text".to_owned()
    });
    qb.push(" FROM ").push(sql::source(c, role)).push(" AS k");
    match (c.id_kind, fid.parse::<i64>()) {
        (IdKind::Integer, Ok(n)) => qb.push(" WHERE k.fid = ").push_bind(n),
        (IdKind::Integer, Err(_)) => qb.push(" WHERE k.alt_id = ").push_bind(fid.clone()),
        (IdKind::Text, _) => qb.push(" WHERE k.fid = ").push_bind(fid.clone()),
    };
    let db = state.reads_for(role);
    let mut conn = db.acquire().await?;
    let row: Option<(String, Option<String>)> =
        qb.build_query_as().fetch_optional(&mut *conn).await?;
    let (feature, public) = row.ok_or_else(|| Error::NotFound {
        what: "feature",
        id: format!("{}/{fid}", c.id),
    })?;
    // Editable features carry the ETag that If-Match checks (the same in every CRS and format,
    // with a suffix per representation); the rest follow the data version.
    let canonical = match public {
        Some(public) => Some(super::write::public_etag(&public)),
        None => {
            let numeric_id = serde_json::from_str::<Value>(&feature)
                .ok()
                .and_then(|f| f["id"].as_i64());
            match numeric_id {
                Some(n) if c.editable => {
                    super::write::feature_etag(&mut conn, c.id, n, role == Role::Planner).await?
                }
                _ => None,
            }
        }
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
        None => super::etag(
            data_version(db).await?,
            &req.method,
            &req.uri,
            format,
            &base,
        ),
    };
    if let Some(r) = not_modified(headers, &tag) {
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
    fn comma_lists_drop_blanks_and_stop_at_the_first_bad_entry() {
        let upper = |e: &str| Ok(e.to_uppercase());
        assert_eq!(comma_list(" a, ,b ,", upper).unwrap(), ["A", "B"]);
        assert!(comma_list(" , ", upper).unwrap().is_empty());
        let mut read = Vec::new();
        let failed = comma_list("a,x,b", |e| {
            read.push(e.to_owned());
            match e {
                "x" => Err(bad("sortby", "no x")),
                _ => Ok(e.len()),
            }
        });
        assert!(failed.is_err());
        assert_eq!(read, ["a", "x"]);
    }
}
