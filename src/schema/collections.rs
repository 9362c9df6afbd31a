//! The seven published collections, each described once (see the module docs of `schema`).
//!
//! Every property's SQL reads the collection's table through its alias, or a table joined on a
//! unique key (`joins`): PostgreSQL drops such a LEFT JOIN when a query reads none of its columns,
//! so filters and sorting read only what they need, and a page joins each table once instead of
//! running a subquery per row. A plot's figures from its buildings are stored (`plot_rollups`,
//! migration 0015), not summed per row. Ranges are what is realistic for Ballerup, not
//! what a type can hold: a value outside them is a typing error, and would break sums.

use std::sync::LazyLock;

use super::Kind::{Boolean, Date, Integer, List, Number, Text, Timestamp, Uuid};
use super::{prop, Collection, IdKind, Kind, Property, Table, Unit};
use crate::domain::company::{Cluster, Ownership};
use crate::domain::dgnb::DgnbGroup;
use crate::domain::fingerplan::{self, OfficeCheck, EXEMPTION_LOKALPLAN, EXEMPTION_REASON};
use crate::domain::transit::BrtStatus;
use crate::domain::transit::{OUTLINE_DISTANCE_METHOD, STATION_NEAR_RADIUS_M};
use crate::domain::{ConstructionStatus, DgnbLevel, DgnbPhase, DgnbScheme, LandUse, PlotStatus};

/// The largest floor area of one use in one building (m²): ten times Ballerup's largest.
const FLOOR_AREA_MAX_M2: f64 = 500_000.0;
/// The largest number of homes or jobs on one plot.
const HOMES_JOBS_MAX: f64 = 50_000.0;

/// Whether company `c` occupies its premises today (`utc_today()` of migration 0021, the day of
/// the summary's goals and of the new day): moved in (or not known when) and not moved out.
fn present(c: &str) -> String {
    format!(
        "(({c}.moved_in IS NULL OR {c}.moved_in <= utc_today()) AND ({c}.moved_out IS NULL OR {c}.moved_out > utc_today()))"
    )
}

fn clusters() -> Kind {
    one_of(&Cluster::ALL, Cluster::as_str)
}

fn number() -> Kind {
    Number {
        min: f64::MIN,
        max: f64::MAX,
    }
}

fn integer() -> Kind {
    Integer {
        min: i64::MIN,
        max: i64::MAX,
    }
}

fn one_of<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Kind {
    Kind::Enum(all.iter().map(|v| name(*v)).collect())
}

fn levels() -> Kind {
    one_of(&DgnbLevel::ALL, DgnbLevel::as_str)
}

/// A DGNB criteria group's score, stored in the building's DGNB record.
fn dgnb_group(group: DgnbGroup, column: &str) -> Property {
    let (en, da) = match group {
        DgnbGroup::Environmental => ("DGNB environmental quality", "DGNB miljømæssig kvalitet"),
        DgnbGroup::Economic => ("DGNB economic quality", "DGNB økonomisk kvalitet"),
        DgnbGroup::Social => (
            "DGNB sociocultural and functional quality",
            "DGNB sociokulturel og funktionel kvalitet",
        ),
        DgnbGroup::Technical => ("DGNB technical quality", "DGNB teknisk kvalitet"),
        DgnbGroup::Process => ("DGNB process quality", "DGNB proceskvalitet"),
    };
    prop(group.property(), number(), (en, da), format!("d.{column}"))
        .range(0.0, 100.0)
        .unit(Unit::Percent)
        .optional()
}

fn brt_statuses() -> Kind {
    one_of(&BrtStatus::ALL, BrtStatus::as_str)
}

/// `accuracy`, `source` and `updated_at`, which every collection has.
fn provenance(t: &str, source: bool) -> Vec<Property> {
    let mut out = vec![prop(
        "accuracy",
        Text,
        ("Accuracy", "Nøjagtighed"),
        format!("{t}.accuracy"),
    )];
    if source {
        out.push(prop(
            "source",
            Text,
            ("Source", "Kilde"),
            format!("{t}.source"),
        ));
    }
    out.push(prop(
        "updated_at",
        Timestamp,
        ("Last changed", "Senest ændret"),
        format!("{t}.updated_at"),
    ));
    out
}

/// The joins that [`transit`] reads: the nearest station, BRT stop and line, and cycle
/// superhighway of table alias `t`, each on its primary key.
fn transit_joins(t: &str) -> String {
    format!(
        "LEFT JOIN stations {t}_station ON {t}_station.id = {t}.nearest_station_id \
         LEFT JOIN brt_stops {t}_stop ON {t}_stop.id = {t}.nearest_brt_stop_id \
         LEFT JOIN brt_lines {t}_line ON {t}_line.id = {t}_stop.line_id \
         LEFT JOIN cycle_superhighways {t}_cycle ON {t}_cycle.id = {t}.nearest_cycle_superhighway_id"
    )
}

/// The distances to transit that plots and buildings store (migration 0004), rounded to cm.
fn transit(t: &str) -> Vec<Property> {
    let metres = |column: &str| format!("round({t}.{column}::numeric, 2)");
    vec![
        prop(
            "nearest_station",
            Text,
            ("Nearest S-train station", "Nærmeste S-togsstation"),
            format!("{t}_station.name"),
        ),
        prop(
            "nearest_station_distance_m",
            number(),
            ("Distance to station", "Afstand til station"),
            metres("nearest_station_distance_m"),
        )
        .unit(Unit::Metre)
        .tile(),
        prop(
            "within_600m_of_station",
            Boolean,
            ("Station-near", "Stationsnær"),
            format!("{t}.nearest_station_distance_m <= {STATION_NEAR_RADIUS_M}"),
        ),
        prop(
            "nearest_brt_stop",
            Text,
            ("Nearest BRT stop", "Nærmeste BRT-stop"),
            format!("{t}_stop.name"),
        ),
        prop(
            "nearest_brt_stop_distance_m",
            number(),
            ("Distance to BRT stop", "Afstand til BRT-stop"),
            metres("nearest_brt_stop_distance_m"),
        )
        .unit(Unit::Metre),
        prop(
            "nearest_brt_line",
            Text,
            ("BRT line", "BRT-linje"),
            format!("{t}_line.code"),
        ),
        prop(
            "nearest_brt_line_status",
            brt_statuses(),
            ("BRT line status", "BRT-linjens status"),
            format!("{t}_line.status"),
        ),
        prop(
            "nearest_cycle_superhighway",
            Text,
            ("Nearest cycle superhighway", "Nærmeste supercykelsti"),
            format!("{t}_cycle.route"),
        ),
        prop(
            "nearest_cycle_superhighway_distance_m",
            number(),
            (
                "Distance to cycle superhighway",
                "Afstand til supercykelsti",
            ),
            metres("nearest_cycle_superhighway_distance_m"),
        )
        .unit(Unit::Metre),
        prop(
            "distance_method",
            Text,
            ("How distances are measured", "Afstandsmål"),
            format!("'{OUTLINE_DISTANCE_METHOD}'::text"),
        ),
    ]
}

fn areas() -> Collection {
    let mut properties = vec![
        prop("slug", Text, ("Id", "Id"), "a.slug").tile(),
        prop("name", Text, ("Name", "Navn"), "a.name").tile(),
        prop(
            "description",
            Text,
            ("Description", "Beskrivelse"),
            "a.description",
        ),
        prop(
            "area_m2",
            number(),
            ("Area", "Areal"),
            "round(a.area_m2::numeric, 1)",
        )
        .unit(Unit::SquareMetre),
        prop(
            "area_ha",
            number(),
            ("Area", "Areal"),
            "round((a.area_m2 / 10000)::numeric, 4)",
        )
        .unit(Unit::Hectare),
        prop(
            "target_dgnb_level",
            levels(),
            ("DGNB target", "DGNB-mål"),
            "a.target_dgnb_level",
        )
        .tile(),
        prop(
            "area_certification",
            Kind::Enum(vec![
                "none",
                "considered",
                "plan_certificate",
                "mid_term",
                "final",
            ]),
            ("Urban-area certification", "Byområdecertificering"),
            "a.area_certification",
        ),
        prop(
            "plot_count",
            integer(),
            ("Plots", "Grunde"),
            "coalesce(r.plot_count, 0)",
        ),
        prop(
            "building_count",
            integer(),
            ("Buildings", "Bygninger"),
            "coalesce(r.building_count, 0)",
        ),
    ];
    properties.extend(provenance("a", true));
    Collection {
        id: "areas",
        singular: "area",
        path: "/areas",
        title: "Development areas",
        description:
            "Kildedal and Lautrup: boundary, area, DGNB target and urban-area certification.",
        geometry_type: "MultiPolygon",
        id_kind: IdKind::Text,
        table: Table {
            name: "areas",
            alias: "a",
            geometry: "boundary",
            alt_id: None,
            key: "slug",
        },
        // The counts migration 0016's triggers keep.
        joins: "LEFT JOIN area_rollups r ON r.area_id = a.id".to_owned(),
        history: false,
        editable: false,
        properties,
    }
}

fn plots() -> Collection {
    // The plot's figures from its buildings, stored in `plot_rollups` (no row: no buildings).
    let floor_area = "coalesce(f.floor_area_m2, 0)";
    let level_count = |level: &str| format!("coalesce(f.{level}_buildings, 0)");
    let mut properties = vec![
        prop("reference", Text, ("Reference", "Reference"), "p.reference")
            .tile()
            .required(),
        prop("area", Text, ("Area", "Område"), "p_area.slug")
            .tile()
            .required(),
        prop(
            "land_use",
            one_of(&LandUse::ALL, LandUse::as_str),
            ("Land use", "Anvendelse"),
            "p.land_use",
        )
        .tile()
        .required(),
        prop(
            "status",
            one_of(&PlotStatus::ALL, PlotStatus::as_str),
            ("Status", "Status"),
            "p.status",
        )
        .tile()
        .required(),
        prop(
            "plot_area_m2",
            number(),
            ("Plot area", "Grundareal"),
            "round(p.plot_area_m2::numeric, 1)",
        )
        .unit(Unit::SquareMetre),
        prop(
            "plot_area_ha",
            number(),
            ("Plot area", "Grundareal"),
            "round((p.plot_area_m2 / 10000)::numeric, 4)",
        )
        .unit(Unit::Hectare),
        prop(
            "max_plot_ratio_pct",
            number(),
            ("Maximum plot ratio", "Maks. bebyggelsesprocent"),
            "p.max_plot_ratio_pct",
        )
        .range(0.0, 1_000.0)
        .unit(Unit::Percent)
        .optional(),
        prop(
            "max_height_m",
            number(),
            ("Maximum height", "Maks. højde"),
            "p.max_height_m",
        )
        .range(0.1, 300.0)
        .unit(Unit::Metre)
        .optional(),
        prop(
            "lokalplan",
            Text,
            ("Local plan (lokalplan)", "Lokalplan"),
            "p.lokalplan",
        )
        .optional(),
        prop(
            "matrikelnummer",
            Text,
            ("Cadastral number", "Matrikelnummer"),
            "p.matrikelnummer",
        )
        .optional(),
        prop(
            "ejerlav",
            Text,
            ("Cadastral district", "Ejerlav"),
            "p.ejerlav",
        )
        .optional(),
        prop(
            "planned_homes",
            integer(),
            ("Planned homes", "Planlagte boliger"),
            "p.planned_homes",
        )
        .range(0.0, HOMES_JOBS_MAX)
        .optional(),
        prop(
            "planned_jobs",
            integer(),
            ("Planned jobs", "Planlagte arbejdspladser"),
            "p.planned_jobs",
        )
        .range(0.0, HOMES_JOBS_MAX)
        .optional(),
        prop("stage", Text, ("Stage", "Etape"), "p.stage").optional(),
        prop(
            "target_year",
            integer(),
            ("Target year", "Målår"),
            "p.target_year",
        )
        .range(2000.0, 2100.0)
        .tile()
        .optional(),
        prop(
            "building_ids",
            List,
            ("Buildings", "Bygninger"),
            "coalesce(f.building_ids, '[]'::jsonb)",
        ),
        prop(
            "building_count",
            integer(),
            ("Buildings", "Bygninger"),
            "coalesce(f.building_count, 0)",
        )
        .tile(),
        prop(
            "floor_area_m2",
            number(),
            ("Floor area", "Etageareal"),
            format!("round({floor_area}::numeric, 1)"),
        )
        .unit(Unit::SquareMetre),
        // Bebyggelsesprocent of the buildings on the plot, built and planned.
        prop(
            "plot_ratio_pct",
            number(),
            ("Plot ratio", "Bebyggelsesprocent"),
            format!("round(({floor_area} * 100 / p.plot_area_m2)::numeric, 1)"),
        )
        .unit(Unit::Percent),
        prop(
            "best_dgnb_level",
            levels(),
            ("Best DGNB level", "Bedste DGNB-niveau"),
            "f.best_dgnb_level",
        )
        .tile(),
        prop(
            "silver_buildings",
            integer(),
            ("DGNB Silver buildings", "DGNB Sølv-bygninger"),
            level_count("silver"),
        ),
        prop(
            "gold_buildings",
            integer(),
            ("DGNB Gold buildings", "DGNB Guld-bygninger"),
            level_count("gold"),
        ),
        prop(
            "platinum_buildings",
            integer(),
            ("DGNB Platinum buildings", "DGNB Platin-bygninger"),
            level_count("platinum"),
        ),
        prop("accuracy", Text, ("Accuracy", "Nøjagtighed"), "p.accuracy").optional(),
        prop(
            "updated_at",
            Timestamp,
            ("Last changed", "Senest ændret"),
            "p.updated_at",
        ),
        prop(
            "negotiation_notes",
            Text,
            ("Negotiation notes", "Forhandlingsnoter"),
            "i.negotiation_notes",
        )
        .long()
        .planner()
        .optional(),
        prop(
            "counterparty",
            Text,
            ("Counterparty", "Modpart"),
            "i.counterparty",
        )
        .planner()
        .optional(),
        prop(
            "asking_price_dkk",
            number(),
            ("Asking price", "Udbudspris"),
            "i.asking_price_dkk",
        )
        .range(0.0, 100_000_000_000.0)
        .unit(Unit::Dkk)
        .planner()
        .optional(),
    ];
    properties.extend(transit("p"));
    Collection {
        id: "plots",
        singular: "plot",
        path: "/plots",
        title: "Plots",
        description: "Plots with land use, status, plot area, lokalplan rules, their buildings and the distance to transit (metres, EPSG:25832).",
        geometry_type: "Polygon",
        id_kind: IdKind::Integer,
        table: Table { name: "plots", alias: "p", geometry: "boundary", alt_id: Some("reference"), key: "id" },
        joins: format!(
            "LEFT JOIN plot_internal i ON i.plot_id = p.id \
             LEFT JOIN areas p_area ON p_area.id = p.area_id \
             LEFT JOIN plot_rollups f ON f.plot_id = p.id {}",
            transit_joins("p")
        ),
        history: true,
        editable: true,
        properties,
    }
}

fn buildings() -> Collection {
    let floor_area = |name: &'static str, en: &'static str, da: &'static str| {
        prop(name, number(), (en, da), format!("b.{name}"))
            .range(0.0, FLOOR_AREA_MAX_M2)
            .unit(Unit::SquareMetre)
            .optional()
    };
    let mut properties = vec![
        prop("reference", Text, ("Reference", "Reference"), "b.reference")
            .tile()
            .required(),
        prop("name", Text, ("Name", "Navn"), "b.name").optional(),
        prop("plot", Text, ("Plot", "Grund"), "b_plot.reference")
            .tile()
            .required(),
        prop("plot_id", integer(), ("Plot id", "Grund-id"), "b.plot_id"),
        prop("area", Text, ("Area", "Område"), "b_area.slug").tile(),
        // A string property: compared and matched as text.
        prop("bbr_id", Uuid, ("BBR id", "BBR-id"), "b.bbr_id::text").optional(),
        prop("storeys", integer(), ("Storeys", "Etager"), "b.storeys")
            .range(1.0, 100.0)
            .optional(),
        prop(
            "footprint_area_m2",
            number(),
            ("Footprint", "Bebygget areal"),
            "round(b.footprint_area_m2::numeric, 1)",
        )
        .unit(Unit::SquareMetre),
        prop(
            "floor_area_m2",
            number(),
            ("Floor area", "Etageareal"),
            "b.floor_area_m2",
        )
        .unit(Unit::SquareMetre),
        floor_area(
            "floor_area_residential_m2",
            "Residential floor area",
            "Boligareal",
        ),
        floor_area("floor_area_office_m2", "Office floor area", "Kontorareal"),
        floor_area(
            "floor_area_laboratory_m2",
            "Laboratory floor area",
            "Laboratorieareal",
        ),
        floor_area("floor_area_retail_m2", "Retail floor area", "Butiksareal"),
        floor_area("floor_area_other_m2", "Other floor area", "Andet areal"),
        prop(
            "construction_status",
            one_of(&ConstructionStatus::ALL, ConstructionStatus::as_str),
            ("Construction status", "Byggestatus"),
            "b.construction_status",
        )
        .optional(),
        prop(
            "completed_on",
            Date,
            ("Completed", "Færdigmeldt"),
            "b.completed_on",
        )
        .optional(),
        // The cluster of the present occupants with the most floor area.
        prop(
            "cluster",
            clusters(),
            ("Cluster", "Klynge"),
            format!(
                "(SELECT c.cluster FROM companies c WHERE c.building_id = b.id AND {} \
                 ORDER BY c.floor_area_m2 DESC NULLS LAST, c.reference LIMIT 1)",
                present("c")
            ),
        )
        .tile(),
        prop(
            "occupants",
            List,
            ("Occupants", "Virksomheder"),
            format!(
                "(SELECT coalesce(jsonb_agg(jsonb_build_object('reference', c.reference, 'name', c.name, \
                 'cluster', c.cluster) ORDER BY c.reference), '[]'::jsonb) \
                 FROM companies c WHERE c.building_id = b.id AND {})",
                present("c")
            ),
        ),
        prop(
            "dgnb_scheme",
            one_of(&DgnbScheme::ALL, DgnbScheme::as_str),
            ("DGNB scheme", "DGNB-ordning"),
            "d.scheme",
        )
        .optional(),
        prop(
            "dgnb_manual_version",
            Text,
            ("DGNB manual", "DGNB-manual"),
            "d.manual_version",
        )
        .optional(),
        prop(
            "dgnb_phase",
            one_of(&DgnbPhase::ALL, DgnbPhase::as_str),
            ("DGNB phase", "DGNB-fase"),
            "coalesce(d.phase, 'none')",
        )
        .tile()
        .optional(),
        prop(
            "dgnb_target_level",
            levels(),
            ("DGNB target", "DGNB-mål"),
            "d.target_level",
        )
        .optional(),
        prop(
            "dgnb_achieved_level",
            levels(),
            ("DGNB level achieved", "Opnået DGNB-niveau"),
            "d.achieved_level",
        )
        .tile()
        .optional(),
        prop(
            "dgnb_total_score_pct",
            number(),
            ("DGNB total score", "Samlet DGNB-score"),
            "d.total_score_pct",
        )
        .range(0.0, 100.0)
        .unit(Unit::Percent)
        .optional(),
        dgnb_group(DgnbGroup::Environmental, "environmental_pct"),
        dgnb_group(DgnbGroup::Economic, "economic_pct"),
        dgnb_group(DgnbGroup::Social, "social_pct"),
        dgnb_group(DgnbGroup::Technical, "technical_pct"),
        dgnb_group(DgnbGroup::Process, "process_pct"),
        prop(
            "dgnb_certificate_id",
            Text,
            ("DGNB certificate", "DGNB-certifikat"),
            "d.certificate_id",
        )
        .optional(),
        prop(
            "dgnb_issued_on",
            Date,
            ("DGNB issued", "DGNB udstedt"),
            "d.issued_on",
        )
        .optional(),
        prop(
            "dgnb_valid_until",
            Date,
            ("DGNB valid until", "DGNB gyldigt til"),
            "d.valid_until",
        )
        .optional(),
        prop(
            "dgnb_auditor",
            Text,
            ("DGNB auditor", "DGNB-auditor"),
            "d.auditor",
        )
        .optional(),
        // The Fingerplan's office rule (src/domain/fingerplan.rs): the exemption a planner
        // records, and how the building stands with the rule.
        prop(
            EXEMPTION_LOKALPLAN,
            Text,
            (
                "Fingerplan exemption: lokalplan",
                "Fingerplan-dispensation: lokalplan",
            ),
            format!("b.{EXEMPTION_LOKALPLAN}"),
        )
        .optional(),
        prop(
            EXEMPTION_REASON,
            Text,
            (
                "Fingerplan exemption: reason and extra measures",
                "Fingerplan-dispensation: begrundelse og ekstra tiltag",
            ),
            format!("b.{EXEMPTION_REASON}"),
        )
        .long()
        .optional(),
        prop(
            "fingerplan_office_check",
            one_of(&OfficeCheck::ALL, OfficeCheck::as_str),
            (
                "Fingerplan office rule (straight-line distance)",
                "Fingerplanens kontorregel (afstand i lige linje)",
            ),
            fingerplan::classify_sql(
                "b.floor_area_office_m2",
                "b.nearest_station_distance_m",
                &format!("b.{EXEMPTION_LOKALPLAN}"),
            ),
        )
        .tile(),
        prop("accuracy", Text, ("Accuracy", "Nøjagtighed"), "b.accuracy").optional(),
        prop(
            "updated_at",
            Timestamp,
            ("Last changed", "Senest ændret"),
            "b.updated_at",
        ),
    ];
    properties.extend(transit("b"));
    Collection {
        id: "buildings",
        singular: "building",
        path: "/buildings",
        title: "Buildings",
        description: "Buildings with floor area by use (m²), storeys, BBR id, DGNB record and the distance to transit.",
        geometry_type: "Polygon",
        id_kind: IdKind::Integer,
        table: Table { name: "buildings", alias: "b", geometry: "footprint", alt_id: Some("reference"), key: "id" },
        // One record per building at most (its primary key), so the join is dropped when no
        // DGNB column is read.
        joins: format!(
            "LEFT JOIN dgnb_records d ON d.building_id = b.id \
             LEFT JOIN plots b_plot ON b_plot.id = b.plot_id \
             LEFT JOIN areas b_area ON b_area.id = b_plot.area_id {}",
            transit_joins("b")
        ),
        history: true,
        editable: true,
        properties,
    }
}

fn companies() -> Collection {
    let mut properties = vec![
        prop("reference", Text, ("Reference", "Reference"), "c.reference")
            .tile()
            .required(),
        prop("name", Text, ("Name", "Navn"), "c.name")
            .tile()
            .required(),
        // Checked by modulus 11 on write (`domain::company::cvr_is_valid`).
        prop("cvr", Text, ("CVR number", "CVR-nummer"), "c.cvr").required(),
        prop("p_number", Text, ("P-number", "P-nummer"), "c.p_number").optional(),
        prop("cluster", clusters(), ("Cluster", "Klynge"), "c.cluster")
            .tile()
            .required(),
        prop(
            "sub_sector",
            Text,
            ("Sub-sector", "Delbranche"),
            "c.sub_sector",
        )
        .optional(),
        prop(
            "ownership",
            one_of(&Ownership::ALL, Ownership::as_str),
            ("Private or public", "Privat eller offentlig"),
            "c.ownership",
        )
        .required(),
        prop(
            "building",
            Text,
            ("Building", "Bygning"),
            "c_building.reference",
        )
        .tile()
        .required(),
        prop("plot", Text, ("Plot", "Grund"), "c_plot.reference"),
        prop("area", Text, ("Area", "Område"), "c_area.slug").tile(),
        prop(
            "floor_area_m2",
            number(),
            ("Floor area occupied", "Lejet etageareal"),
            "c.floor_area_m2",
        )
        .range(0.0, FLOOR_AREA_MAX_M2)
        .unit(Unit::SquareMetre)
        .optional(),
        // Public only where the source is public; planners write `jobs_on_site`.
        prop(
            "jobs",
            integer(),
            ("Jobs", "Arbejdspladser"),
            "c.jobs_published",
        ),
        prop(
            "jobs_public",
            Boolean,
            ("Job figure is public", "Antal job er offentligt"),
            "c.jobs_public",
        )
        .optional(),
        prop("moved_in", Date, ("Moved in", "Indflyttet"), "c.moved_in").optional(),
        prop(
            "moved_out",
            Date,
            ("Moved out", "Fraflyttet"),
            "c.moved_out",
        )
        .optional(),
        prop(
            "present",
            Boolean,
            ("Present today", "Til stede i dag"),
            present("c"),
        )
        .tile(),
        prop(
            "nearest_station_distance_m",
            number(),
            ("Distance to station", "Afstand til station"),
            "round(c_building.nearest_station_distance_m::numeric, 2)",
        )
        .unit(Unit::Metre),
        prop(
            "jobs_on_site",
            integer(),
            ("Jobs on site", "Arbejdspladser på stedet"),
            "ci.jobs",
        )
        .range(0.0, HOMES_JOBS_MAX)
        .planner()
        .optional(),
        prop("contact", Text, ("Contact", "Kontakt"), "ci.contact")
            .planner()
            .optional(),
    ];
    properties.extend([
        prop("source", Text, ("Source", "Kilde"), "c.source").optional(),
        prop("accuracy", Text, ("Accuracy", "Nøjagtighed"), "c.accuracy").optional(),
        prop(
            "updated_at",
            Timestamp,
            ("Last changed", "Senest ændret"),
            "c.updated_at",
        ),
    ]);
    Collection {
        id: "companies",
        singular: "company",
        path: "/companies",
        title: "Companies",
        description: "Companies and institutions occupying the buildings, one feature per company and building (as the CVR register's production units): CVR number, business cluster, floor area (m²), move-in and move-out dates. The point is the building's (EPSG:25832 stored); jobs are public only where their source is.",
        geometry_type: "Point",
        id_kind: IdKind::Integer,
        table: Table { name: "companies", alias: "c", geometry: "location", alt_id: Some("reference"), key: "id" },
        joins: "LEFT JOIN company_internal ci ON ci.company_id = c.id \
                LEFT JOIN buildings c_building ON c_building.id = c.building_id \
                LEFT JOIN plots c_plot ON c_plot.id = c_building.plot_id \
                LEFT JOIN areas c_area ON c_area.id = c_plot.area_id"
            .to_owned(),
        history: true,
        editable: true,
        properties,
    }
}

fn stations() -> Collection {
    let mut properties = vec![
        prop("name", Text, ("Name", "Navn"), "s.name"),
        prop(
            "rejseplanen_id",
            integer(),
            ("Rejseplanen stop id", "Rejseplanen-stop-id"),
            "s.rejseplanen_id",
        ),
        prop("line", Text, ("Line", "Linje"), "s.line"),
    ];
    properties.extend(provenance("s", true));
    Collection {
        id: "stations",
        singular: "station",
        path: "/transit/stations",
        title: "S-train stations",
        description: "The five S-train stations in Ballerup Kommune (Frederikssund line).",
        geometry_type: "Point",
        id_kind: IdKind::Integer,
        table: Table {
            name: "stations",
            alias: "s",
            geometry: "geom",
            alt_id: Some("name"),
            key: "id",
        },
        joins: String::new(),
        history: false,
        editable: false,
        properties,
    }
}

fn length_m(t: &str) -> Property {
    prop(
        "length_m",
        number(),
        ("Length", "Længde"),
        format!("round(ST_Length({t}.geom)::numeric, 1)"),
    )
    .unit(Unit::Metre)
}

fn brt_lines() -> Collection {
    let mut properties = vec![
        prop("code", Text, ("Code", "Kode"), "l.code"),
        prop("name", Text, ("Name", "Navn"), "l.name"),
        prop("status", brt_statuses(), ("Status", "Status"), "l.status"),
        prop("description", Text, ("Description", "Beskrivelse"), "l.description"),
        length_m("l"),
        prop(
            "stops",
            List,
            ("Stops", "Stop"),
            "(SELECT coalesce(jsonb_agg(s.name ORDER BY ST_LineLocatePoint(l.geom, s.geom)), '[]'::jsonb) FROM brt_stops s WHERE s.line_id = l.id)",
        ),
    ];
    properties.extend(provenance("l", true));
    Collection {
        id: "brt_lines",
        singular: "BRT line",
        path: "/transit/brt",
        title: "BRT lines",
        description:
            "Bus Rapid Transit lines with their status (study, planned, decided, in service).",
        geometry_type: "LineString",
        id_kind: IdKind::Integer,
        table: Table {
            name: "brt_lines",
            alias: "l",
            geometry: "geom",
            alt_id: Some("code"),
            key: "id",
        },
        joins: String::new(),
        history: false,
        editable: false,
        properties,
    }
}

fn brt_stops() -> Collection {
    let line =
        |column: &str| format!("(SELECT l.{column} FROM brt_lines l WHERE l.id = s.line_id)");
    let mut properties = vec![
        prop("name", Text, ("Name", "Navn"), "s.name"),
        prop("line", Text, ("Line", "Linje"), line("code")),
        prop(
            "line_name",
            Text,
            ("Line name", "Linjens navn"),
            line("name"),
        ),
        prop(
            "line_status",
            brt_statuses(),
            ("Line status", "Linjens status"),
            line("status"),
        ),
    ];
    properties.extend(provenance("s", false));
    Collection {
        id: "brt_stops",
        singular: "BRT stop",
        path: "/transit/brt-stops",
        title: "BRT stops",
        description: "Stops of the BRT lines, with their line's status.",
        geometry_type: "Point",
        id_kind: IdKind::Integer,
        table: Table {
            name: "brt_stops",
            alias: "s",
            geometry: "geom",
            alt_id: None,
            key: "id",
        },
        joins: String::new(),
        history: false,
        editable: false,
        properties,
    }
}

fn cycle_superhighways() -> Collection {
    let mut properties = vec![
        prop("route", Text, ("Route", "Rute"), "c.route"),
        prop("name", Text, ("Name", "Navn"), "c.name"),
        prop("opened", Text, ("Opened", "Åbnet"), "c.opened"),
        length_m("c"),
    ];
    properties.extend(provenance("c", true));
    Collection {
        id: "cycle_superhighways",
        singular: "cycle superhighway",
        path: "/transit/cycle-superhighways",
        title: "Cycle superhighways",
        description: "Supercykelstier through Ballerup: C97, C82 and C84 (approximate courses).",
        geometry_type: "LineString",
        id_kind: IdKind::Integer,
        table: Table {
            name: "cycle_superhighways",
            alias: "c",
            geometry: "geom",
            alt_id: Some("route"),
            key: "id",
        },
        joins: String::new(),
        history: false,
        editable: false,
        properties,
    }
}

/// Every collection, in the order `/collections` lists them.
pub static COLLECTIONS: LazyLock<Vec<Collection>> = LazyLock::new(|| {
    vec![
        areas(),
        plots(),
        buildings(),
        companies(),
        stations(),
        brt_lines(),
        brt_stops(),
        cycle_superhighways(),
    ]
});

/// The collection with this id.
pub fn find(id: &str) -> Option<&'static Collection> {
    COLLECTIONS.iter().find(|c| c.id == id)
}
