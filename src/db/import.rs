//! Writing imported features: one upsert per layer, keyed by each layer's natural key
//! (station name, BRT line code, stop line + name, route number, area slug, plot and building
//! reference), so that importing the same data twice changes nothing.

use sqlx::PgConnection;

use crate::Result;

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

    fn upsert_sql(self) -> &'static str {
        match self {
            Layer::Stations => include_str!("sql/upsert_station.sql"),
            Layer::BrtLines => include_str!("sql/upsert_brt_line.sql"),
            Layer::BrtStops => include_str!("sql/upsert_brt_stop.sql"),
            Layer::CycleSuperhighways => include_str!("sql/upsert_cycle_superhighway.sql"),
            Layer::Areas => include_str!("sql/upsert_area.sql"),
            Layer::Plots => include_str!("sql/upsert_plot.sql"),
            Layer::Buildings => include_str!("sql/upsert_building.sql"),
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
pub async fn upsert(
    conn: &mut PgConnection,
    layer: Layer,
    properties: &serde_json::Value,
    wkb_25832: &[u8],
) -> Result<Upserted> {
    let inserted: Option<bool> = sqlx::query_scalar(layer.upsert_sql())
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
