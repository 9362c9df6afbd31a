//! The SQL generated from the collection descriptions, once, at first use.
//!
//! Every query reads a collection through its *source*: a subquery with the columns `fid` (the
//! published id), `alt_id` (a second key a person types, or NULL), `geom` (EPSG:25832) and one
//! column per property the role may read, named after it and typed as PostgreSQL computes it.
//! PostgreSQL inlines the subquery, so a query computes only the columns it reads: filters and
//! sorting read the few they name, and the features of one page are built from the same columns.
//! Every name in the SQL comes from the descriptions; every value a client gives is bound.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};

use super::{Collection, Role, COLLECTIONS};

/// Digits kept in WGS84 output: 7 decimals of a degree is about 1 cm.
pub const WGS84_DECIMALS: i32 = 7;

/// `json_build_object` takes at most 100 arguments: 50 properties fit in one object; more are
/// built as `jsonb` objects of this many and joined.
const PAIRS_PER_OBJECT: usize = 40;

/// The generated SQL of one collection.
#[derive(Debug)]
struct Generated {
    public: String,
    planner: String,
}

static GENERATED: LazyLock<Vec<Generated>> = LazyLock::new(|| {
    COLLECTIONS
        .iter()
        .map(|c| Generated {
            public: build_source(c, Role::Public),
            planner: build_source(c, Role::Planner),
        })
        .collect()
});

fn build_source(c: &Collection, role: Role) -> String {
    let t = &c.table;
    let alt_id = match t.alt_id {
        Some(column) => format!("{}.{column}", t.alias),
        None => "NULL::text".to_owned(),
    };
    let mut columns = vec![
        format!("{}.{} AS fid", t.alias, t.key),
        format!("{alt_id} AS alt_id"),
        format!("{}.{} AS geom", t.alias, t.geometry),
    ];
    columns.extend(
        c.readable(role)
            .map(|p| format!("{} AS \"{}\"", p.sql, p.name)),
    );
    format!(
        "(SELECT {} FROM {} {} {})",
        columns.join(", "),
        t.name,
        t.alias,
        c.joins
    )
}

/// The collection's source relation for this role (alias it where it is used).
pub fn source(c: &Collection, role: Role) -> &'static str {
    let i = COLLECTIONS
        .iter()
        .position(|x| x.id == c.id)
        .expect("every collection is in COLLECTIONS");
    let g = &GENERATED[i];
    match role {
        Role::Public => &g.public,
        Role::Planner => &g.planner,
    }
}

/// The tables whose past states `as_of` reads from the history (migration 0011's functions; the
/// plots' stored rollups recomputed from the past buildings by migration 0015's). A query started
/// with [`push_as_of`] reads them instead of the live tables: the descriptions' SQL names the
/// tables, and the common table expressions shadow them.
pub const HISTORY_TABLES: [&str; 5] = [
    "plots",
    "buildings",
    "dgnb_records",
    "plot_rollups",
    "companies",
];

/// Starts a query with `WITH plots AS (…), …`: the history tables as they stood at `time`.
pub fn push_as_of(qb: &mut QueryBuilder<Postgres>, time: DateTime<Utc>) {
    qb.push("WITH ");
    for (i, t) in HISTORY_TABLES.iter().enumerate() {
        if i > 0 {
            qb.push(", ");
        }
        qb.push(format!("{t} AS MATERIALIZED (SELECT * FROM {t}_as_of("))
            .push_bind(time)
            .push("))");
    }
    qb.push(" ");
}

/// The geometry of a source row `k` as GeoJSON in the CRS of `srid` (coordinates swapped to
/// latitude first when `lat_lon`), with `decimals` digits.
pub fn geometry_json(srid: i32, lat_lon: bool, decimals: i32) -> String {
    format!("{}::json", geometry_text(srid, lat_lon, decimals))
}

/// The same as text (to be put into a larger text without being parsed again).
pub fn geometry_text(srid: i32, lat_lon: bool, decimals: i32) -> String {
    let transformed = match (srid, lat_lon) {
        (25832, _) => "k.geom".to_owned(),
        (s, true) => format!("ST_FlipCoordinates(ST_Transform(k.geom, {s}))"),
        (s, false) => format!("ST_Transform(k.geom, {s})"),
    };
    // Options 0: no legacy `crs` member in the geometry (RFC 7946 has none; `Content-Crs` says
    // which CRS an answer is in).
    format!("ST_AsGeoJSON({transformed}, {decimals}, 0)")
}

/// The `properties` object of a source row `k` (json, or jsonb beyond 50 properties): the
/// role's properties, or only `selected` (names already checked against the description).
pub fn properties_json(c: &Collection, role: Role, selected: Option<&[&str]>) -> String {
    let names: Vec<&str> = c
        .readable(role)
        .map(|p| p.name)
        .filter(|n| selected.is_none_or(|s| s.contains(n)))
        .collect();
    let pairs = |chunk: &[&str]| -> String {
        let pairs: Vec<String> = chunk.iter().map(|n| format!("'{n}', k.\"{n}\"")).collect();
        pairs.join(", ")
    };
    if names.len() <= 50 {
        // json keeps the order and is cheaper to build than jsonb.
        return format!("json_build_object({})", pairs(&names));
    }
    let objects: Vec<String> = names
        .chunks(PAIRS_PER_OBJECT)
        .map(|chunk| format!("jsonb_build_object({})", pairs(chunk)))
        .collect();
    format!("({})", objects.join(" || "))
}

/// A source row `k` as a GeoJSON Feature (json), in WGS84 longitude/latitude (RFC 7946).
pub fn feature_json(c: &Collection, role: Role) -> String {
    format!(
        "json_build_object('type', 'Feature', 'id', k.fid, 'geometry', {}, 'properties', {})",
        geometry_json(4326, false, WGS84_DECIMALS),
        properties_json(c, role, None)
    )
}

/// `SELECT <feature as GeoJSON text>` of the feature whose id is bound as `$1`.
pub fn feature_by_id(c: &Collection, role: Role) -> String {
    format!(
        "SELECT {}::text FROM {} AS k WHERE k.fid = $1",
        feature_json(c, role),
        source(c, role)
    )
}

/// `SELECT <properties as jsonb>` of the feature whose id is bound as `$1`.
pub fn properties_by_id(c: &Collection, role: Role) -> String {
    format!(
        "SELECT ({})::jsonb FROM {} AS k WHERE k.fid = $1",
        properties_json(c, role, None),
        source(c, role)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::find;

    #[test]
    fn a_source_has_the_keys_and_every_readable_property() {
        let plots = find("plots").unwrap();
        let public = source(plots, Role::Public);
        assert!(
            public.starts_with("(SELECT p.id AS fid, p.reference AS alt_id, p.boundary AS geom")
        );
        assert!(public.contains("AS \"plot_ratio_pct\""));
        assert!(!public.contains("AS \"asking_price_dkk\""));
        assert!(source(plots, Role::Planner).contains("AS \"asking_price_dkk\""));
    }

    #[test]
    fn properties_are_built_in_chunks_under_the_argument_limit() {
        for c in COLLECTIONS.iter() {
            let sql = properties_json(c, Role::Planner, None);
            for object in sql.split("json_build_object(").skip(1) {
                assert!(object.matches(", k.\"").count() <= 50, "{}", c.id);
            }
        }
        let plots = find("plots").unwrap();
        assert_eq!(
            properties_json(plots, Role::Public, Some(&["status"])),
            "json_build_object('status', k.\"status\")"
        );
    }
}
