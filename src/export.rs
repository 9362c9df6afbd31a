//! Export of a collection to the files planners use: GeoPackage, FlatGeobuf, Shapefile (zipped),
//! CSV with WKT and KML, written through GDAL into a temporary folder.
//!
//! Every field and its type come from the collection's description (`crate::schema`): integers
//! are Integer (Integer64 where the range needs it), numbers Real, dates Date, timestamps
//! DateTime, lists JSON text, booleans 0/1 Integers, text String. Where a format lacks a type,
//! the value is written as the GeoJSON writes it (ISO 8601 text): dates and timestamps in CSV
//! and KML, timestamps in Shapefiles (dBase has dates only). Units stay in the names (`_m`,
//! `_m2`, `_ha`); Shapefile's 10-character names come from [`shapefile_names`].
//!
//! The writing is blocking GDAL work: callers run [`write`] on a blocking thread, one dataset
//! per call, and feed it the rows as they come from PostGIS.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate};
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{
    FieldDefn, FieldValue, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
};
use gdal::{Dataset, DriverManager};
use serde_json::{Map, Value};

use crate::geo::Crs;
use crate::schema::{Collection, IdKind, Kind, Property, Role, Unit};
use crate::{Error, Result};

/// The most features one export holds. Beyond it the request is refused (400, with the number
/// that matched) before anything is written: narrow it with `bbox` or `filter`, or page
/// through the GeoJSON. 50,000 plots take 4–20 s on two busy cores (a Shapefile the most), well
/// within the request's 60 s.
pub const MAX_FEATURES: i64 = 50_000;

/// A file format an export is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    GeoPackage,
    FlatGeobuf,
    /// A zip of the `.shp`, `.shx`, `.dbf`, `.prj`, `.cpg` and `fields.csv`.
    Shapefile,
    /// Comma-separated values with the geometry as WKT in the first column.
    Csv,
    /// Always WGS84 longitude/latitude, as KML requires.
    Kml,
}

impl FileFormat {
    /// Every format, in the order links and the API definition list them.
    pub const ALL: [FileFormat; 5] = [
        FileFormat::GeoPackage,
        FileFormat::FlatGeobuf,
        FileFormat::Shapefile,
        FileFormat::Csv,
        FileFormat::Kml,
    ];

    /// The value of `f=` that asks for it.
    pub fn param(self) -> &'static str {
        match self {
            FileFormat::GeoPackage => "gpkg",
            FileFormat::FlatGeobuf => "fgb",
            FileFormat::Shapefile => "shp",
            FileFormat::Csv => "csv",
            FileFormat::Kml => "kml",
        }
    }

    /// The format `f=` names, if it names one.
    pub fn parse(f: &str) -> Option<FileFormat> {
        FileFormat::ALL.into_iter().find(|x| x.param() == f)
    }

    /// The media type of the file sent.
    pub fn media_type(self) -> &'static str {
        match self {
            FileFormat::GeoPackage => "application/geopackage+sqlite3",
            FileFormat::FlatGeobuf => "application/flatgeobuf",
            FileFormat::Shapefile => "application/zip",
            FileFormat::Csv => "text/csv",
            FileFormat::Kml => "application/vnd.google-earth.kml+xml",
        }
    }

    /// Its name for people.
    pub fn title(self) -> &'static str {
        match self {
            FileFormat::GeoPackage => "GeoPackage",
            FileFormat::FlatGeobuf => "FlatGeobuf",
            FileFormat::Shapefile => "Shapefile (zip)",
            FileFormat::Csv => "CSV with WKT geometry",
            FileFormat::Kml => "KML",
        }
    }

    /// The name of the file sent for a collection: `plots.gpkg`, `plots.zip`…
    pub fn file_name(self, collection: &str) -> String {
        let ending = match self {
            FileFormat::Shapefile => "zip",
            other => other.param(),
        };
        format!("{collection}.{ending}")
    }

    fn driver(self) -> &'static str {
        match self {
            FileFormat::GeoPackage => "GPKG",
            FileFormat::FlatGeobuf => "FlatGeobuf",
            FileFormat::Shapefile => "ESRI Shapefile",
            FileFormat::Csv => "CSV",
            FileFormat::Kml => "KML",
        }
    }

    /// Whether the format holds dates and timestamps as such (else ISO 8601 text).
    fn has_dates(self) -> bool {
        !matches!(self, FileFormat::Csv | FileFormat::Kml)
    }

    fn has_timestamps(self) -> bool {
        self.has_dates() && self != FileFormat::Shapefile
    }
}

/// How a field is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Integer,
    Integer64,
    Real,
    /// A boolean as 0 or 1.
    Boolean,
    Date,
    DateTime,
    /// Text (a string value as it is, anything else as its JSON), at most this many characters
    /// where the format has a limit.
    Text(Option<i32>),
}

/// The most characters a dBase text field holds.
const DBF_TEXT_CHARS: i32 = 254;

/// The name of the feature's id field in every file (the GeoJSON's feature `id`).
pub const ID_FIELD: &str = "id";

/// One field of an exported file.
#[derive(Debug, Clone)]
pub struct Field {
    /// The property it holds (`None`: the feature id).
    pub property: Option<&'static Property>,
    /// Its name in the file.
    pub name: String,
    column: Column,
}

impl Field {
    /// The name of what it holds in the API (the property, or `id`).
    pub fn source(&self) -> &'static str {
        self.property.map_or(ID_FIELD, |p| p.name)
    }

    /// The GDAL type it is written as, by name (for `fields.csv` and the README).
    pub fn gdal_type(&self) -> &'static str {
        match self.column {
            Column::Integer => "Integer",
            Column::Integer64 => "Integer64",
            Column::Real => "Real",
            Column::Boolean => "Integer (0/1)",
            Column::Date => "Date",
            Column::DateTime => "DateTime",
            Column::Text(_) => "String",
        }
    }
}

/// A unit symbol a property name may end with (`_m`, `_m2`, `_ha`, `_pct`, `_dkk`).
fn unit_suffix(p: &Property) -> Option<String> {
    let unit: Unit = p.unit?;
    let suffix = format!("_{}", unit.symbol());
    p.name.ends_with(&suffix).then_some(suffix)
}

/// Shortens `name` to at most 10 characters (dBase's limit): the unit suffix stays whole; the
/// other words (split at `_`) keep their first letters, shared out one at a time from the
/// first word on, joined by `_` while there is room for it.
fn short_name(name: &str, suffix: Option<&str>) -> String {
    const LIMIT: usize = 10;
    if name.len() <= LIMIT {
        return name.to_owned();
    }
    let suffix = suffix.unwrap_or("");
    let stem = &name[..name.len() - suffix.len()];
    let words: Vec<&str> = stem.split('_').filter(|w| !w.is_empty()).collect();
    let room = LIMIT - suffix.len();
    let separators = words.len().saturating_sub(1);
    let (letters, join) = if room >= words.len() + separators {
        (room - separators, "_")
    } else {
        (room, "")
    };
    let mut taken = vec![0usize; words.len()];
    let mut left = letters;
    while left > 0 {
        let mut gave = false;
        for (i, w) in words.iter().enumerate() {
            if left > 0 && taken[i] < w.chars().count() {
                taken[i] += 1;
                left -= 1;
                gave = true;
            }
        }
        if !gave {
            break;
        }
    }
    let parts: Vec<String> = words
        .iter()
        .zip(&taken)
        .filter(|(_, n)| **n > 0)
        .map(|(w, n)| w.chars().take(*n).collect())
        .collect();
    format!("{}{suffix}", parts.join(join))
}

/// Every property's name in a Shapefile of the collection, in the description's order (the
/// planners' properties included, so that a name never depends on who exports): names of at
/// most 10 characters stay; longer ones are shortened by [`short_name`]; a name taken already
/// (by `id` or an earlier property) ends in 2, 3, … instead, before its unit suffix.
pub fn shapefile_names(c: &Collection) -> Vec<(&'static str, String)> {
    let mut used = vec![ID_FIELD.to_owned()];
    let mut out = Vec::new();
    for p in &c.properties {
        let suffix = unit_suffix(p);
        let short = short_name(p.name, suffix.as_deref());
        let mut name = short.clone();
        let mut n = 2;
        while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
            let tail = suffix
                .as_deref()
                .filter(|s| short.ends_with(s))
                .unwrap_or("");
            let digits = n.to_string();
            let stem = &short[..short.len() - tail.len()];
            let keep = stem.len().min(10 - tail.len() - digits.len());
            name = format!("{}{digits}{tail}", &stem[..keep]);
            n += 1;
        }
        used.push(name.clone());
        out.push((p.name, name));
    }
    out
}

/// The fields of an export: the id, then the properties the role may read (only the
/// `selected`, when given), in the description's order.
pub fn fields(
    c: &'static Collection,
    format: FileFormat,
    role: Role,
    selected: Option<&[String]>,
) -> Vec<Field> {
    let short = (format == FileFormat::Shapefile).then(|| shapefile_names(c));
    let text = |max: usize| {
        Column::Text((format == FileFormat::Shapefile).then(|| (max as i32).min(DBF_TEXT_CHARS)))
    };
    let id = Field {
        property: None,
        name: ID_FIELD.to_owned(),
        column: match c.id_kind {
            IdKind::Integer => Column::Integer64,
            IdKind::Text => text(crate::schema::TEXT_CHARS),
        },
    };
    let properties = c
        .readable(role)
        .filter(|p| selected.is_none_or(|s| s.iter().any(|n| n == p.name)))
        .map(|p| {
            let column = match &p.kind {
                Kind::Integer { min, max } => {
                    if *min >= i64::from(i32::MIN) && *max <= i64::from(i32::MAX) {
                        Column::Integer
                    } else {
                        Column::Integer64
                    }
                }
                Kind::Number { .. } => Column::Real,
                Kind::Boolean => Column::Boolean,
                Kind::Date if format.has_dates() => Column::Date,
                Kind::Timestamp if format.has_timestamps() => Column::DateTime,
                Kind::Date | Kind::Timestamp => text(32),
                Kind::Text | Kind::Uuid | Kind::Enum(_) | Kind::List => text(p.max_chars),
            };
            let name = short
                .as_ref()
                .and_then(|s| s.iter().find(|(n, _)| *n == p.name))
                .map_or_else(|| p.name.to_owned(), |(_, s)| s.clone());
            Field {
                property: Some(p),
                name,
                column,
            }
        });
    std::iter::once(id).chain(properties).collect()
}

/// One feature as PostGIS gives it: the id as text, the geometry as GeoJSON in the export's
/// CRS (longitude or easting first), the properties as a JSON object.
#[derive(Debug)]
pub struct Row {
    pub id: String,
    pub geometry: Option<String>,
    pub properties: String,
}

/// What to export.
#[derive(Debug, Clone)]
pub struct Plan {
    pub collection: &'static Collection,
    pub format: FileFormat,
    pub crs: Crs,
    pub fields: Vec<Field>,
    /// Whether the features must stay in the order given (`sortby`): a FlatGeobuf then has no
    /// spatial index, which would order them along its Hilbert curve.
    pub keep_order: bool,
}

impl Plan {
    /// The plan of an export of `c` for `role`, with only the `selected` properties if given.
    pub fn new(
        c: &'static Collection,
        format: FileFormat,
        role: Role,
        crs: Crs,
        selected: Option<&[String]>,
    ) -> Plan {
        Plan {
            collection: c,
            format,
            crs,
            fields: fields(c, format, role, selected),
            keep_order: false,
        }
    }
}

/// A written export: the file to send, in a temporary folder removed when this is dropped.
#[derive(Debug)]
pub struct Spooled {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub features: u64,
}

fn gdal_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("export: {what}: {e}"))
}

fn geometry_type(name: &str) -> OGRwkbGeometryType::Type {
    match name {
        "Point" => OGRwkbGeometryType::wkbPoint,
        "LineString" => OGRwkbGeometryType::wkbLineString,
        "Polygon" => OGRwkbGeometryType::wkbPolygon,
        "MultiPolygon" => OGRwkbGeometryType::wkbMultiPolygon,
        _ => OGRwkbGeometryType::wkbUnknown,
    }
}

/// The layer's CRS: its EPSG code, with coordinates stored easting/longitude first whatever
/// the EPSG axis order (as every one of these formats stores them).
fn spatial_ref(crs: Crs) -> Result<SpatialRef> {
    let mut srs = SpatialRef::from_epsg(crs.srid() as u32).map_err(|e| gdal_err("CRS", e))?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// Writes the rows into a new file in a temporary folder (blocking: run it on a blocking
/// thread). An error, or a row that fails, leaves nothing behind.
pub fn write(plan: &Plan, rows: impl Iterator<Item = Result<Row>>) -> Result<Spooled> {
    write_in(&std::env::temp_dir(), plan, rows)
}

/// [`write`] with the temporary folder made in `parent`.
fn write_in(
    parent: &Path,
    plan: &Plan,
    rows: impl Iterator<Item = Result<Row>>,
) -> Result<Spooled> {
    let dir = tempfile::Builder::new()
        .prefix("plotline-export-")
        .tempdir_in(parent)
        .map_err(|e| gdal_err("temporary folder", e))?;
    let layer_name = plan.collection.id;
    let target = match plan.format {
        // A folder of its files, zipped afterwards (stored: the HTTP layer compresses).
        FileFormat::Shapefile => dir.path().join("shp"),
        f => dir.path().join(f.file_name(layer_name)),
    };
    let driver = DriverManager::get_driver_by_name(plan.format.driver())
        .map_err(|e| gdal_err("driver", e))?;
    let mut dataset = driver
        .create_vector_only(&target)
        .map_err(|e| gdal_err("create", e))?;
    let srs = spatial_ref(plan.crs)?;
    let features = match plan.format {
        // One transaction: a GeoPackage otherwise commits each feature on its own.
        FileFormat::GeoPackage => {
            let mut tx = dataset
                .start_transaction()
                .map_err(|e| gdal_err("transaction", e))?;
            let n = fill(&mut tx, plan, &srs, rows)?;
            tx.commit().map_err(|e| gdal_err("commit", e))?;
            n
        }
        _ => fill(&mut dataset, plan, &srs, rows)?,
    };
    dataset.close().map_err(|e| gdal_err("close", e))?;
    let path = match plan.format {
        FileFormat::Shapefile => zip_shapefile(dir.path(), &target, plan)?,
        _ => target,
    };
    Ok(Spooled {
        dir,
        path,
        features,
    })
}

fn layer_options(plan: &Plan) -> &'static [&'static str] {
    match plan.format {
        FileFormat::Csv => &["GEOMETRY=AS_WKT"],
        // RESIZE: text fields shrink to their longest value when the file is closed.
        FileFormat::Shapefile => &["ENCODING=UTF-8", "RESIZE=YES"],
        FileFormat::FlatGeobuf if plan.keep_order => &["SPATIAL_INDEX=NO"],
        _ => &[],
    }
}

/// Creates the layer and its fields and writes the features; returns how many.
fn fill(
    dataset: &mut Dataset,
    plan: &Plan,
    srs: &SpatialRef,
    rows: impl Iterator<Item = Result<Row>>,
) -> Result<u64> {
    let layer = dataset
        .create_layer(LayerOptions {
            name: plan.collection.id,
            srs: Some(srs),
            ty: geometry_type(plan.collection.geometry_type),
            options: Some(layer_options(plan)),
        })
        .map_err(|e| gdal_err("layer", e))?;
    for f in &plan.fields {
        let ty = match f.column {
            Column::Integer | Column::Boolean => OGRFieldType::OFTInteger,
            Column::Integer64 => OGRFieldType::OFTInteger64,
            Column::Real => OGRFieldType::OFTReal,
            Column::Date => OGRFieldType::OFTDate,
            Column::DateTime => OGRFieldType::OFTDateTime,
            Column::Text(_) => OGRFieldType::OFTString,
        };
        let defn = FieldDefn::new(&f.name, ty).map_err(|e| gdal_err("field", e))?;
        match f.column {
            Column::Text(Some(width)) => defn.set_width(width),
            Column::Boolean if plan.format == FileFormat::Shapefile => defn.set_width(1),
            _ => {}
        }
        defn.add_to_layer(&layer)
            .map_err(|e| gdal_err(&format!("field {}", f.name), e))?;
    }
    let defn = layer.defn();
    // Where each field landed: a driver may keep some to itself (KML's `name`, `description`).
    let slots: Vec<Option<usize>> = plan
        .fields
        .iter()
        .map(|f| defn.field_index(&f.name).ok())
        .collect();
    let mut count = 0;
    for row in rows {
        let row = row?;
        let properties: Map<String, Value> = serde_json::from_str(&row.properties)
            .map_err(|e| gdal_err("properties of a row", e))?;
        let mut feature = gdal::vector::Feature::new(defn).map_err(|e| gdal_err("feature", e))?;
        for (f, slot) in plan.fields.iter().zip(&slots) {
            let Some(i) = *slot else { continue };
            let value = match f.property {
                None => Value::String(row.id.clone()),
                Some(p) => properties.get(p.name).cloned().unwrap_or(Value::Null),
            };
            set_field(&mut feature, i, f, &value)?;
        }
        if let Some(g) = &row.geometry {
            let g = Geometry::from_geojson(g).map_err(|e| gdal_err("geometry", e))?;
            feature
                .set_geometry(g)
                .map_err(|e| gdal_err("geometry", e))?;
        }
        feature
            .create(&layer)
            .map_err(|e| gdal_err(&format!("feature {}", row.id), e))?;
        count += 1;
    }
    Ok(count)
}

/// Sets field `i` of `feature` from the JSON value the GeoJSON carries.
fn set_field(
    feature: &mut gdal::vector::Feature,
    i: usize,
    field: &Field,
    value: &Value,
) -> Result<()> {
    let bad = |what: &str| {
        gdal_err(
            &format!("field {}", field.source()),
            format!("`{value}` is not {what}"),
        )
    };
    let set = match (field.column, value) {
        // Left unset: every format reads an unset field as null, while GDAL 3.6's FlatGeobuf
        // writer stores a field *set* to null as 0.
        (_, Value::Null) => Ok(()),
        (Column::Integer, v) => {
            let n = v
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .ok_or_else(|| bad("a 32-bit integer"))?;
            feature.set_field_integer(i, n)
        }
        (Column::Integer64, Value::String(s)) => {
            let n: i64 = s.parse().map_err(|_| bad("an integer"))?;
            feature.set_field_integer64(i, n)
        }
        (Column::Integer64, v) => {
            feature.set_field_integer64(i, v.as_i64().ok_or_else(|| bad("an integer"))?)
        }
        (Column::Real, v) => {
            feature.set_field_double(i, v.as_f64().ok_or_else(|| bad("a number"))?)
        }
        (Column::Boolean, v) => {
            feature.set_field_integer(i, v.as_bool().ok_or_else(|| bad("a boolean"))?.into())
        }
        (Column::Date, v) => {
            let d = v
                .as_str()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .ok_or_else(|| bad("a date"))?;
            feature.set_field(i, &FieldValue::DateValue(d))
        }
        (Column::DateTime, v) => {
            let t = v
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .ok_or_else(|| bad("an RFC 3339 time"))?;
            feature.set_field_datetime(i, t)
        }
        (Column::Text(_), Value::String(s)) => feature.set_field_string(i, s),
        (Column::Text(_), v) => feature.set_field_string(i, &v.to_string()),
    };
    set.map_err(|e| gdal_err(&format!("field {}", field.source()), e))
}

/// `fields.csv` of a Shapefile: each field's name in the file, the property it holds, its
/// type, unit and English label.
pub fn fields_csv(plan: &Plan) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| gdal_err("fields.csv", e);
    w.write_record(["field", "property", "type", "unit", "label"])
        .map_err(io)?;
    for f in &plan.fields {
        let unit = f.property.and_then(|p| p.unit).map_or("", Unit::symbol);
        let label = f.property.map_or("Id", |p| p.label_en);
        w.write_record([f.name.as_str(), f.source(), f.gdal_type(), unit, label])
            .map_err(io)?;
    }
    w.into_inner().map_err(|e| gdal_err("fields.csv", e))
}

/// Zips the Shapefile's files and `fields.csv` into `<collection>.zip` beside the folder.
fn zip_shapefile(dir: &Path, folder: &Path, plan: &Plan) -> Result<PathBuf> {
    let io = |e: std::io::Error| gdal_err("zip", e);
    let zipped = dir.join(plan.format.file_name(plan.collection.id));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zipped).map_err(io)?);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    for file in files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| gdal_err("zip", "a file name that is not UTF-8"))?
            .to_owned();
        zip.start_file(name, options)
            .map_err(|e| gdal_err("zip", e))?;
        std::io::copy(&mut std::fs::File::open(&file).map_err(io)?, &mut zip).map_err(io)?;
    }
    zip.start_file("fields.csv", options)
        .map_err(|e| gdal_err("zip", e))?;
    zip.write_all(&fields_csv(plan)?).map_err(io)?;
    zip.finish().map_err(|e| gdal_err("zip", e))?;
    Ok(zipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{find, COLLECTIONS};

    #[test]
    fn shapefile_names_are_short_unique_and_keep_units() {
        for c in COLLECTIONS.iter() {
            let names = shapefile_names(c);
            assert_eq!(names.len(), c.properties.len());
            let mut seen = std::collections::HashSet::from([ID_FIELD.to_owned()]);
            for (property, short) in &names {
                assert!(short.len() <= 10, "{}.{property}: {short}", c.id);
                assert!(
                    seen.insert(short.to_lowercase()),
                    "{}.{property}: {short} twice",
                    c.id
                );
                if property.len() <= 10 {
                    assert_eq!(property, short);
                }
            }
        }
        let plots = find("plots").unwrap();
        let names: std::collections::HashMap<_, _> = shapefile_names(plots).into_iter().collect();
        assert_eq!(names["plot_area_m2"], "plo_are_m2");
        assert_eq!(names["nearest_station_distance_m"], "ne_st_di_m");
        assert_eq!(names["asking_price_dkk"], "ask_pr_dkk");
        assert_eq!(names["updated_at"], "updated_at");
    }

    #[test]
    fn short_names_share_letters_from_the_first_word() {
        assert_eq!(short_name("planned_homes", None), "plann_home");
        assert_eq!(short_name("matrikelnummer", None), "matrikelnu");
        assert_eq!(short_name("max_height_m", Some("_m")), "max_heig_m");
        assert_eq!(
            short_name("nearest_cycle_superhighway_distance_m", Some("_m")),
            "ne_c_s_d_m"
        );
    }

    #[test]
    fn the_temporary_folder_goes_with_the_file_and_with_a_failure() {
        let stations = find("stations").unwrap();
        let parent = tempfile::tempdir().unwrap();
        let left = || std::fs::read_dir(parent.path()).unwrap().count();
        let row = |id: &str| {
            Ok(Row {
                id: id.to_owned(),
                geometry: Some(r#"{"type":"Point","coordinates":[12.35,55.73]}"#.to_owned()),
                properties: r#"{"name":"Måløv St."}"#.to_owned(),
            })
        };
        for format in FileFormat::ALL {
            let plan = Plan::new(stations, format, Role::Public, Crs::Crs84, None);
            let spooled = write_in(parent.path(), &plan, [row("1"), row("2")].into_iter()).unwrap();
            assert_eq!(spooled.features, 2);
            assert!(spooled.path.is_file(), "{format:?}");
            assert_eq!(left(), 1);
            drop(spooled);
            assert_eq!(left(), 0, "{format:?}: the folder is removed with the file");

            let failing = [
                row("1"),
                Err(Error::Internal("the database went away".into())),
            ];
            let failed = write_in(parent.path(), &plan, failing.into_iter());
            assert!(failed.is_err());
            assert_eq!(left(), 0, "{format:?}: nothing is left after a failure");
        }
    }

    #[test]
    fn fields_follow_the_description_and_the_role() {
        let plots = find("plots").unwrap();
        let public = fields(plots, FileFormat::GeoPackage, Role::Public, None);
        assert_eq!(public[0].name, "id");
        assert!(!public.iter().any(|f| f.source() == "asking_price_dkk"));
        let planner = fields(plots, FileFormat::GeoPackage, Role::Planner, None);
        let price = planner
            .iter()
            .find(|f| f.source() == "asking_price_dkk")
            .unwrap();
        assert_eq!(price.column, Column::Real);
        let homes = planner
            .iter()
            .find(|f| f.source() == "planned_homes")
            .unwrap();
        assert_eq!(homes.column, Column::Integer);
        let updated = |format| {
            fields(plots, format, Role::Public, None)
                .into_iter()
                .find(|f| f.source() == "updated_at")
                .unwrap()
                .column
        };
        assert_eq!(updated(FileFormat::GeoPackage), Column::DateTime);
        assert!(matches!(
            updated(FileFormat::Shapefile),
            Column::Text(Some(_))
        ));
        assert!(matches!(updated(FileFormat::Csv), Column::Text(None)));
        let only = fields(
            plots,
            FileFormat::Csv,
            Role::Public,
            Some(&["status".to_owned()]),
        );
        assert_eq!(only.len(), 2);
    }
}
