//! The published collections as OGC API – Features describes them, and what may be filtered
//! and sorted on in each (the allow-list every query is built from).

use std::sync::LazyLock;

use super::cql2::{Queryable, QueryableKind};
use crate::db::features::{self, Collection};

/// A collection with its OGC metadata.
#[derive(Debug)]
pub struct OgcCollection {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub source: Collection,
    /// GeoJSON geometry type of its features.
    pub geometry_type: &'static str,
    /// Filterable and sortable properties, the geometry last.
    pub queryables: Vec<Queryable>,
}

impl OgcCollection {
    /// The queryable of that name (never the geometry).
    pub fn property(&self, name: &str) -> Option<&Queryable> {
        self.queryables
            .iter()
            .find(|q| q.name == name && q.kind != QueryableKind::Geometry)
    }

    /// The names of every property (for `properties=`).
    pub fn property_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.queryables
            .iter()
            .filter(|q| q.kind != QueryableKind::Geometry)
            .map(|q| q.name)
    }
}

use QueryableKind::{
    Boolean as B, Date as D, Integer as I, Number as N, String as S, Timestamp as T,
};

const TRANSIT: [(&str, QueryableKind); 10] = [
    ("nearest_station", S),
    ("nearest_station_distance_m", N),
    ("within_600m_of_station", B),
    ("nearest_brt_stop", S),
    ("nearest_brt_stop_distance_m", N),
    ("nearest_brt_line", S),
    ("nearest_brt_line_status", S),
    ("nearest_cycle_superhighway", S),
    ("nearest_cycle_superhighway_distance_m", N),
    ("distance_method", S),
];

/// Turns (name, kind) pairs into queryables reading the column of the same name of the
/// collection's filter relation (`items::filter_source`). The SQL fragments are made once,
/// from these fixed names, and live as long as the program.
fn queryables(props: &[(&'static str, QueryableKind)]) -> Vec<Queryable> {
    let mut out: Vec<Queryable> = props
        .iter()
        .map(|&(name, kind)| Queryable {
            name,
            kind,
            sql: Box::leak(format!("\"{name}\"").into_boxed_str()),
        })
        .collect();
    out.push(Queryable {
        name: "geometry",
        kind: QueryableKind::Geometry,
        sql: "geom",
    });
    out
}

fn with_transit(props: &[(&'static str, QueryableKind)]) -> Vec<(&'static str, QueryableKind)> {
    props.iter().copied().chain(TRANSIT).collect()
}

/// Every collection, in the order `/collections` lists them.
pub static COLLECTIONS: LazyLock<Vec<OgcCollection>> = LazyLock::new(|| {
    vec![
        OgcCollection {
            id: "areas",
            title: "Development areas",
            description: "Kildedal and Lautrup: boundary, area, DGNB target and urban-area certification.",
            source: features::AREAS,
            geometry_type: "MultiPolygon",
            queryables: queryables(&[
                ("slug", S), ("name", S), ("description", S), ("area_m2", N), ("area_ha", N),
                ("target_dgnb_level", S), ("area_certification", S), ("plot_count", I),
                ("building_count", I), ("accuracy", S), ("source", S), ("updated_at", T),
            ]),
        },
        OgcCollection {
            id: "plots",
            title: "Plots",
            description: "Plots with land use, status, plot area, lokalplan rules, their buildings and the distance to transit (metres, EPSG:25832).",
            source: features::PLOTS,
            geometry_type: "Polygon",
            queryables: queryables(&with_transit(&[
                ("reference", S), ("area", S), ("land_use", S), ("status", S), ("plot_area_m2", N),
                ("plot_area_ha", N), ("max_plot_ratio_pct", N), ("max_height_m", N), ("lokalplan", S),
                ("matrikelnummer", S), ("ejerlav", S), ("planned_homes", I), ("planned_jobs", I),
                ("building_count", I), ("floor_area_m2", N), ("plot_ratio_pct", N),
                ("best_dgnb_level", S), ("silver_buildings", I), ("gold_buildings", I),
                ("platinum_buildings", I), ("accuracy", S), ("updated_at", T),
            ])),
        },
        OgcCollection {
            id: "buildings",
            title: "Buildings",
            description: "Buildings with floor area by use (m²), storeys, BBR id, DGNB record and the distance to transit.",
            source: features::BUILDINGS,
            geometry_type: "Polygon",
            queryables: queryables(&with_transit(&[
                ("reference", S), ("name", S), ("plot", S), ("plot_id", I), ("area", S), ("bbr_id", S),
                ("storeys", I), ("footprint_area_m2", N), ("floor_area_m2", N),
                ("floor_area_residential_m2", N), ("floor_area_office_m2", N),
                ("floor_area_laboratory_m2", N), ("floor_area_retail_m2", N), ("floor_area_other_m2", N),
                ("construction_status", S), ("dgnb_scheme", S), ("dgnb_manual_version", S),
                ("dgnb_phase", S), ("dgnb_target_level", S), ("dgnb_achieved_level", S),
                ("dgnb_total_score_pct", N), ("dgnb_certificate_id", S), ("dgnb_issued_on", D),
                ("dgnb_valid_until", D), ("accuracy", S), ("updated_at", T),
            ])),
        },
        OgcCollection {
            id: "stations",
            title: "S-train stations",
            description: "The five S-train stations in Ballerup Kommune (Frederikssund line).",
            source: features::STATIONS,
            geometry_type: "Point",
            queryables: queryables(&[
                ("name", S), ("rejseplanen_id", I), ("line", S), ("accuracy", S), ("source", S),
                ("updated_at", T),
            ]),
        },
        OgcCollection {
            id: "brt_lines",
            title: "BRT lines",
            description: "Bus Rapid Transit lines with their status (study, planned, decided, in service).",
            source: features::BRT_LINES,
            geometry_type: "LineString",
            queryables: queryables(&[
                ("code", S), ("name", S), ("status", S), ("description", S), ("length_m", N),
                ("accuracy", S), ("source", S), ("updated_at", T),
            ]),
        },
        OgcCollection {
            id: "brt_stops",
            title: "BRT stops",
            description: "Stops of the BRT lines, with their line's status.",
            source: features::BRT_STOPS,
            geometry_type: "Point",
            queryables: queryables(&[
                ("name", S), ("line", S), ("line_name", S), ("line_status", S), ("accuracy", S),
                ("updated_at", T),
            ]),
        },
        OgcCollection {
            id: "cycle_superhighways",
            title: "Cycle superhighways",
            description: "Supercykelstier through Ballerup: C97, C82 and C84 (approximate courses).",
            source: features::CYCLE_SUPERHIGHWAYS,
            geometry_type: "LineString",
            queryables: queryables(&[
                ("route", S), ("name", S), ("opened", S), ("length_m", N), ("accuracy", S),
                ("source", S), ("updated_at", T),
            ]),
        },
    ]
});

/// The collection with this id.
pub fn find(id: &str) -> Option<&'static OgcCollection> {
    COLLECTIONS.iter().find(|c| c.id == id)
}
