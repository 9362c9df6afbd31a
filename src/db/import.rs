//! Writing imported features: one upsert, built for each layer from a small table of its
//! columns and keyed by the layer's natural key (station name, BRT line code, stop line +
//! name, route number, area slug), so that importing the same data twice changes nothing. Plots and buildings are not saved here: the importer
//! hands them to the editing use case (`crate::edit::import_feature`), the one save path of
//! the API and the importer.

use sqlx::PgConnection;

use crate::{Error, Result};

/// The layers plotline imports, in the order they must be loaded (what a feature refers to
/// comes first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Stations,
    BrtLines,
    BrtStops,
    CycleSuperhighways,
    Areas,
    Plots,
    Buildings,
    Companies,
}

impl Layer {
    /// Every layer in load order.
    pub const ALL: [Layer; 8] = [
        Layer::Stations,
        Layer::BrtLines,
        Layer::BrtStops,
        Layer::CycleSuperhighways,
        Layer::Areas,
        Layer::Plots,
        Layer::Buildings,
        Layer::Companies,
    ];

    /// The layer's name; a source file is recognised by it (`plots.geojson`, `plots.gpkg`…).
    pub fn name(self) -> &'static str {
        match self {
            Layer::Stations => "stations",
            Layer::BrtLines => "brt_lines",
            Layer::BrtStops => "brt_stops",
            Layer::CycleSuperhighways => "cycle_superhighways",
            Layer::Areas => "areas",
            Layer::Plots => "plots",
            Layer::Buildings => "buildings",
            Layer::Companies => "companies",
        }
    }

    /// The layer with this name.
    pub fn from_name(name: &str) -> Option<Layer> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The property that identifies a feature of this layer.
    pub fn key_property(self) -> &'static str {
        match self {
            Layer::Stations | Layer::BrtStops => "name",
            Layer::BrtLines => "code",
            Layer::CycleSuperhighways => "route",
            Layer::Areas => "slug",
            Layer::Plots | Layer::Buildings | Layer::Companies => "reference",
        }
    }

    /// The property naming the feature this one belongs to, and what that is.
    pub fn parent_property(self) -> Option<(&'static str, &'static str)> {
        match self {
            Layer::BrtStops => Some(("line", "BRT line")),
            Layer::Plots => Some(("area", "area")),
            Layer::Buildings => Some(("plot", "plot")),
            Layer::Companies => Some(("building", "building")),
            _ => None,
        }
    }

    /// The properties an import fills for a layer saved here (not plots and buildings, which
    /// the editing use case describes), with their SQL types, the parent's name first.
    pub fn stored_properties(self) -> Vec<(String, String)> {
        let Some(stored) = self.stored() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(p) = stored.parent {
            out.push((p.property.to_owned(), "text".to_owned()));
        }
        for column in stored.columns.split(", ") {
            let (name, ty) = column.split_once(' ').unwrap_or((column, "text"));
            out.push((name.to_owned(), ty.to_owned()));
        }
        out
    }

    /// How the layers saved here are stored (plots and buildings go through `crate::edit`):
    /// the table, its natural key and geometry column, and the columns filled from the
    /// properties of the same names with their SQL types (as `jsonb_to_record` reads them).
    fn stored(self) -> Option<Stored> {
        let (table, key, geometry): (_, &[_], _) = match self {
            Layer::Stations => ("stations", &["name"], "geom"),
            Layer::BrtLines => ("brt_lines", &["code"], "geom"),
            Layer::BrtStops => ("brt_stops", &["line_id", "name"], "geom"),
            Layer::CycleSuperhighways => ("cycle_superhighways", &["route"], "geom"),
            Layer::Areas => ("areas", &["slug"], "boundary"),
            Layer::Plots | Layer::Buildings | Layer::Companies => return None,
        };
        let columns = match self {
            Layer::Stations => "name text, rejseplanen_id integer, line text",
            Layer::BrtLines => "code text, name text, status text, description text",
            Layer::BrtStops => "name text",
            Layer::CycleSuperhighways => "route text, name text, opened text",
            Layer::Areas => {
                "slug text, name text, description text, target_dgnb_level text, \
                 area_certification text, development text"
            }
            Layer::Plots | Layer::Buildings | Layer::Companies => return None,
        };
        // Where a feature came from; stops have no source of their own.
        let provenance = match self {
            Layer::BrtStops => "accuracy text",
            _ => "accuracy text, source text",
        };
        // What a column gets when its property is missing or null.
        let defaults: &[_] = match self {
            Layer::Areas => &[
                ("description", ""),
                ("area_certification", "none"),
                ("development", "new_town"),
            ],
            _ => &[],
        };
        Some(Stored {
            table,
            key,
            columns: format!("{columns}, {provenance}"),
            defaults,
            geometry,
            multi: self == Layer::Areas,
            parent: (self == Layer::BrtStops).then_some(Parent {
                column: "line_id",
                property: "line",
                table: "brt_lines",
                key: "code",
            }),
        })
    }
}

/// A column that holds the id of the feature a property names (a stop's BRT line).
#[derive(Debug, Clone, Copy)]
struct Parent {
    column: &'static str,
    property: &'static str,
    table: &'static str,
    key: &'static str,
}

/// How one layer is stored. Every name here is a constant of this file; values are bound.
#[derive(Debug, Clone)]
struct Stored {
    table: &'static str,
    /// The natural key: the columns of the unique constraint an import upserts on.
    key: &'static [&'static str],
    /// The columns filled from the properties: `name type, name type…`.
    columns: String,
    /// What a column gets when its property is missing or null.
    defaults: &'static [(&'static str, &'static str)],
    geometry: &'static str,
    /// Polygons are stored as one-part MultiPolygons.
    multi: bool,
    parent: Option<Parent>,
}

impl Stored {
    /// The upsert: `$1` the feature's properties (jsonb, defaults applied), `$2` its geometry
    /// as WKB in EPSG:25832. It returns whether the row is new, and no row when the parent the
    /// feature names does not exist.
    fn upsert_sql(&self) -> String {
        let geometry = if self.multi {
            "ST_Multi(ST_SetSRID(ST_GeomFromWKB($2), 25832))"
        } else {
            "ST_SetSRID(ST_GeomFromWKB($2), 25832)"
        };
        let mut targets: Vec<&str> = Vec::new();
        let mut values: Vec<String> = Vec::new();
        let mut record: Vec<String> = Vec::new();
        let mut join = String::new();
        if let Some(p) = self.parent {
            targets.push(p.column);
            values.push("p.id".to_owned());
            record.push(format!("{} text", p.property));
            join = format!(" JOIN {} p ON p.{} = r.{}", p.table, p.key, p.property);
        }
        for column in self.columns.split(", ") {
            let name = column.split_once(' ').map_or(column, |(name, _)| name);
            targets.push(name);
            values.push(format!("r.{name}"));
            record.push(column.to_owned());
        }
        targets.push(self.geometry);
        values.push(geometry.to_owned());
        let updates: Vec<String> = targets
            .iter()
            .filter(|t| !self.key.contains(t))
            .map(|t| format!("{t} = EXCLUDED.{t}"))
            .collect();
        format!(
            "INSERT INTO {table} ({targets}) SELECT {values} \
             FROM jsonb_to_record($1) AS r ({record}){join} \
             ON CONFLICT ({key}) DO UPDATE SET {updates} \
             RETURNING (xmax = 0) AS inserted",
            table = self.table,
            targets = targets.join(", "),
            values = values.join(", "),
            record = record.join(", "),
            key = self.key.join(", "),
            updates = updates.join(", "),
        )
    }

    /// The properties with each missing or null one that has a default set to it.
    fn with_defaults(&self, properties: &serde_json::Value) -> serde_json::Value {
        let mut properties = properties.clone();
        if let Some(object) = properties.as_object_mut() {
            for (name, default) in self.defaults {
                let value = object.entry(*name).or_insert(serde_json::Value::Null);
                if value.is_null() {
                    *value = serde_json::Value::from(*default);
                }
            }
        }
        properties
    }
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Inserted,
    Updated,
    /// The feature names a parent (area, plot, line) that does not exist.
    MissingParent,
}

/// Inserts or updates one feature from its properties and its WKB geometry in EPSG:25832.
/// Plots and buildings are saved by `crate::edit::import_feature` instead.
pub async fn upsert(
    conn: &mut PgConnection,
    layer: Layer,
    properties: &serde_json::Value,
    wkb_25832: &[u8],
) -> Result<Upserted> {
    let stored = layer.stored().ok_or_else(|| {
        Error::Internal(format!(
            "{} are saved through the editing use case",
            layer.name()
        ))
    })?;
    // Names from the fixed per-layer table; every value bound.
    let inserted: Option<bool> = sqlx::query_scalar(sqlx::AssertSqlSafe(stored.upsert_sql()))
        .bind(stored.with_defaults(properties))
        .bind(wkb_25832)
        .fetch_optional(conn)
        .await?;
    Ok(match inserted {
        Some(true) => Upserted::Inserted,
        Some(false) => Upserted::Updated,
        None => Upserted::MissingParent,
    })
}

/// A rule that spans features and is broken.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IntegrityProblem {
    pub layer: String,
    pub feature: String,
    pub problem: String,
}

/// Overlapping plots, plots outside their area, buildings outside their plot.
pub async fn integrity_problems(conn: &mut PgConnection) -> Result<Vec<IntegrityProblem>> {
    Ok(sqlx::query_as(include_str!("sql/integrity_problems.sql"))
        .fetch_all(conn)
        .await?)
}

/// A building in an area with a least DGNB level, with its DGNB record.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BuildingDgnb {
    pub reference: String,
    pub area_target: String,
    pub phase: String,
    pub target_level: Option<String>,
    pub achieved_level: Option<String>,
    pub total_score_pct: Option<f64>,
}

/// Every building in an area that sets a least DGNB level.
pub async fn buildings_with_area_target(conn: &mut PgConnection) -> Result<Vec<BuildingDgnb>> {
    Ok(
        sqlx::query_as(include_str!("sql/dgnb_with_area_target.sql"))
            .fetch_all(conn)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sql(layer: Layer) -> String {
        layer.stored().expect("saved here").upsert_sql()
    }

    #[test]
    fn the_upsert_is_keyed_by_the_natural_key_and_binds_every_value() {
        assert_eq!(
            sql(Layer::Stations),
            "INSERT INTO stations (name, rejseplanen_id, line, accuracy, source, geom) \
             SELECT r.name, r.rejseplanen_id, r.line, r.accuracy, r.source, \
             ST_SetSRID(ST_GeomFromWKB($2), 25832) \
             FROM jsonb_to_record($1) AS r \
             (name text, rejseplanen_id integer, line text, accuracy text, source text) \
             ON CONFLICT (name) DO UPDATE SET rejseplanen_id = EXCLUDED.rejseplanen_id, \
             line = EXCLUDED.line, accuracy = EXCLUDED.accuracy, source = EXCLUDED.source, \
             geom = EXCLUDED.geom \
             RETURNING (xmax = 0) AS inserted"
        );
        for layer in Layer::ALL {
            let Some(stored) = layer.stored() else {
                continue;
            };
            let sql = stored.upsert_sql();
            assert!(!sql.contains('\''), "no literal in {sql}");
            assert!(sql.contains(&format!("ON CONFLICT ({})", stored.key.join(", "))));
            for key in stored.key {
                assert!(!sql.contains(&format!("{key} = EXCLUDED")), "{sql}");
            }
        }
    }

    #[test]
    fn a_stop_takes_its_line_id_from_the_line_it_names() {
        let sql = sql(Layer::BrtStops);
        assert!(
            sql.starts_with("INSERT INTO brt_stops (line_id, name, accuracy, geom) SELECT p.id,")
        );
        assert!(sql.contains(
            "AS r (line text, name text, accuracy text) JOIN brt_lines p ON p.code = r.line"
        ));
        assert!(sql.contains("ON CONFLICT (line_id, name) DO UPDATE SET accuracy = EXCLUDED.accuracy, geom = EXCLUDED.geom"));
    }

    #[test]
    fn an_area_boundary_is_stored_as_a_multipolygon() {
        assert!(sql(Layer::Areas).contains("ST_Multi(ST_SetSRID(ST_GeomFromWKB($2), 25832))"));
        assert!(!sql(Layer::BrtLines).contains("ST_Multi"));
        assert!(Layer::Plots.stored().is_none() && Layer::Buildings.stored().is_none());
    }

    #[test]
    fn missing_and_null_properties_get_their_defaults() {
        let stored = Layer::Areas.stored().unwrap();
        let props = json!({ "slug": "a", "description": null, "development": "revitalisation" });
        let with = stored.with_defaults(&props);
        assert_eq!(with["description"], "");
        assert_eq!(with["area_certification"], "none");
        assert_eq!(with["development"], "revitalisation");
        assert_eq!(with["slug"], "a");
        assert!(
            with.get("target_dgnb_level").is_none(),
            "no default, left out"
        );
    }
}
