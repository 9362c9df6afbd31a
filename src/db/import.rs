//! Writing imported features: one upsert per layer, keyed by each layer's natural key
//! (station name, BRT line code, stop line + name, route number, area slug), so that importing
//! the same data twice changes nothing. Plots and buildings are not saved here: the importer
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
}

impl Layer {
    /// Every layer in load order.
    pub const ALL: [Layer; 7] = [
        Layer::Stations,
        Layer::BrtLines,
        Layer::BrtStops,
        Layer::CycleSuperhighways,
        Layer::Areas,
        Layer::Plots,
        Layer::Buildings,
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
            Layer::Plots | Layer::Buildings => "reference",
        }
    }

    /// The property naming the feature this one belongs to, and what that is.
    pub fn parent_property(self) -> Option<(&'static str, &'static str)> {
        match self {
            Layer::BrtStops => Some(("line", "BRT line")),
            Layer::Plots => Some(("area", "area")),
            Layer::Buildings => Some(("plot", "plot")),
            _ => None,
        }
    }

    /// The upsert of the layers saved here (plots and buildings go through `crate::edit`).
    fn upsert_sql(self) -> Option<&'static str> {
        match self {
            Layer::Stations => Some(include_str!("sql/upsert_station.sql")),
            Layer::BrtLines => Some(include_str!("sql/upsert_brt_line.sql")),
            Layer::BrtStops => Some(include_str!("sql/upsert_brt_stop.sql")),
            Layer::CycleSuperhighways => Some(include_str!("sql/upsert_cycle_superhighway.sql")),
            Layer::Areas => Some(include_str!("sql/upsert_area.sql")),
            Layer::Plots | Layer::Buildings => None,
        }
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
    let sql = layer.upsert_sql().ok_or_else(|| {
        Error::Internal(format!(
            "{} are saved through the editing use case",
            layer.name()
        ))
    })?;
    let inserted: Option<bool> = sqlx::query_scalar(sql)
        .bind(properties)
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
