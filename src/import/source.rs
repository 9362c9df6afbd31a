//! A source as GDAL opens it: a file (GeoPackage, Shapefile, FlatGeobuf, GML, KML, CSV with a
//! WKT column…), a zip of one, or a connection string (`WFS:https://…`, `OAPIF:https://…`).
//! Its layers described, and one layer's features read and reprojected to EPSG:25832.
//! GDAL is blocking and not thread-safe: every function here runs on one blocking task and
//! opens its own dataset.

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{field_type_to_name, geometry_type_to_name, FieldValue, LayerAccess};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use serde::Serialize;
use serde_json::Value;

use super::progress::Progress;
use crate::geo::STORAGE_SRID;
use crate::{Error, Result};

/// File endings GDAL reads as vector data, looked for inside a zip.
const DATA_ENDINGS: [&str; 9] = [
    "gpkg", "shp", "fgb", "gml", "kml", "csv", "geojson", "json", "sqlite",
];

/// One field of a source layer.
#[derive(Debug, Clone, Serialize)]
pub struct SourceField {
    pub name: String,
    /// GDAL's type name (`String`, `Integer`, `Real`, `Date`…).
    #[serde(rename = "type")]
    pub ty: String,
}

/// One layer of a source, as `--describe` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LayerDescription {
    pub name: String,
    pub geometry_type: String,
    /// `EPSG:25832`, or the CRS's name, or `none`.
    pub crs: String,
    /// How many features it has, when GDAL knows without reading them all.
    pub features: Option<u64>,
    pub fields: Vec<SourceField>,
}

/// One feature read from a source layer.
#[derive(Debug, Clone)]
pub struct RawFeature {
    /// 1 for the first feature of the layer.
    pub index: usize,
    /// The values in the layer's field order.
    pub values: Vec<Value>,
    /// The geometry in EPSG:25832 as GeoJSON text (x first), and as WKB; or why not.
    pub geometry: std::result::Result<(String, Vec<u8>), String>,
}

/// What GDAL should open for `source`: a zip is looked into (`/vsizip/`) for its one data
/// file (a CSV counts only when the zip holds no spatial file); everything else is passed as
/// it is.
pub fn gdal_path(source: &str) -> Result<String> {
    let lower = source.to_ascii_lowercase();
    if !lower.ends_with(".zip") || lower.starts_with("/vsizip/") {
        return Ok(source.to_owned());
    }
    let zip = format!("/vsizip/{source}");
    // GDAL cannot list an empty or damaged archive (and says no more than that it could not).
    let entries = gdal::vsi::read_dir(&zip, true).map_err(|_| Error::InvalidData {
        location: source.to_owned(),
        message: "cannot read the zip: it is empty or damaged".to_owned(),
    })?;
    let data: Vec<String> = entries
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| {
            let ending = p.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
            DATA_ENDINGS.contains(&ending.as_str()) && !p.starts_with("__MACOSX")
        })
        .collect();
    // A table beside a spatial file describes it (a Shapefile's `fields.csv`, as plotline's
    // own export writes): the spatial file is the data.
    let spatial: Vec<String> = data
        .iter()
        .filter(|p| !p.to_ascii_lowercase().ends_with(".csv"))
        .cloned()
        .collect();
    let data = if spatial.is_empty() { data } else { spatial };
    match data.as_slice() {
        [one] => Ok(format!("{zip}/{one}")),
        [] => Err(Error::InvalidData {
            location: source.to_owned(),
            message: format!(
                "the zip holds no GIS file (looked for {})",
                DATA_ENDINGS.join(", ")
            ),
        }),
        many => Err(Error::InvalidData {
            location: source.to_owned(),
            message: format!(
                "the zip holds {} GIS files ({}); zip one, or name it: /vsizip/{source}/{}",
                many.len(),
                many.join(", "),
                many[0]
            ),
        }),
    }
}

/// Opens a source read-only as vector data.
/// The GDAL drivers an import opens sources with: the formats planners and the registers use
/// (GeoPackage, Shapefile, FlatGeobuf, GML, KML, CSV, GeoJSON, FileGDB) and the services (WFS,
/// OGC API – Features). No other driver reads an upload: not plain SQLite (virtual tables),
/// not the drivers that reach out to other files or servers of their own accord.
pub const DRIVERS: [&str; 12] = [
    "GPKG",
    "ESRI Shapefile",
    "FlatGeobuf",
    "GML",
    "KML",
    "LIBKML",
    "CSV",
    "GeoJSON",
    "GeoJSONSeq",
    "OpenFileGDB",
    "WFS",
    "OAPIF",
];

pub fn open(source: &str) -> Result<Dataset> {
    let path = gdal_path(source)?;
    Dataset::open_ex(
        &path,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            allowed_drivers: Some(&DRIVERS),
            ..DatasetOptions::default()
        },
    )
    .map_err(|e| Error::InvalidData {
        location: source.to_owned(),
        message: format!(
            "GDAL cannot open it as vector data in a format plotline imports ({}): {e}",
            DRIVERS.join(", ")
        ),
    })
}

fn crs_name(srs: Option<&SpatialRef>) -> String {
    let Some(srs) = srs else {
        return "none".to_owned();
    };
    match (srs.auth_name(), srs.auth_code()) {
        (Some(name), Ok(code)) => format!("{name}:{code}"),
        _ => srs.name().unwrap_or_else(|| "unknown".to_owned()),
    }
}

/// Describes every layer of a source.
pub fn describe(source: &str) -> Result<Vec<LayerDescription>> {
    let dataset = open(source)?;
    let mut out = Vec::new();
    for layer in dataset.layers() {
        let defn = layer.defn();
        let fields = defn
            .fields()
            .map(|f| SourceField {
                name: f.name(),
                ty: field_type_to_name(f.field_type()),
            })
            .collect();
        out.push(LayerDescription {
            name: layer.name(),
            geometry_type: geometry_type_to_name(defn.geometry_type()),
            crs: crs_name(layer.spatial_ref().as_ref()),
            features: layer.try_feature_count(),
            fields,
        });
    }
    Ok(out)
}

/// The layer to read: the one named, or the source's only one.
fn choose_layer<'a>(
    dataset: &'a Dataset,
    source: &str,
    name: Option<&str>,
) -> Result<gdal::vector::Layer<'a>> {
    let names: Vec<String> = dataset.layers().map(|l| l.name()).collect();
    let wrong = |message: String| Error::InvalidData {
        location: source.to_owned(),
        message,
    };
    match name {
        Some(n) => dataset.layer_by_name(n).map_err(|_| {
            wrong(format!(
                "it has no layer `{n}`; its layers: {}",
                names.join(", ")
            ))
        }),
        None if names.len() == 1 => Ok(dataset.layer(0)?),
        None if names.is_empty() => Err(wrong("it has no vector layer".into())),
        None => Err(wrong(format!(
            "it has {} layers; choose one with --layer (or `layer` in the mapping): {}",
            names.len(),
            names.join(", ")
        ))),
    }
}

/// What [`read`] gives: the layer's name and its features.
#[derive(Debug, Clone)]
pub struct ReadLayer {
    pub name: String,
    pub features: Vec<RawFeature>,
}

/// Reads one layer's features, their geometry reprojected to EPSG:25832 and flattened to 2D.
/// `assumed_crs` is the CRS of a source that declares none (a CSV); without it such a source
/// is taken as WGS84 longitude/latitude (RFC 7946 GeoJSON). `prepare` sees the layer's field
/// names before any feature is read (the mapping is checked against them), and may stop it.
pub fn read<T>(
    source: &str,
    layer: Option<&str>,
    assumed_crs: Option<&str>,
    progress: &Progress,
    prepare: impl FnOnce(&[String]) -> Result<T>,
) -> Result<(ReadLayer, T)> {
    let dataset = open(source)?;
    let mut layer = choose_layer(&dataset, source, layer)?;
    let mut from = match (layer.spatial_ref(), assumed_crs) {
        (Some(srs), _) => srs,
        (None, Some(crs)) => SpatialRef::from_definition(crs).map_err(|e| Error::InvalidData {
            location: source.to_owned(),
            message: format!("the mapping's crs `{crs}` is not a CRS GDAL knows: {e}"),
        })?,
        (None, None) => SpatialRef::from_epsg(4326)?,
    };
    let mut to = SpatialRef::from_epsg(STORAGE_SRID as u32)?;
    // Longitude first, easting first: GDAL 3 would otherwise follow EPSG:4326's lat/lon order.
    from.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    to.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let transform = CoordTransform::new(&from, &to)?;

    let name = layer.name();
    let fields: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let prepared = prepare(&fields)?;
    let mut stage = progress.stage("reading", layer.try_feature_count());
    let mut features = Vec::new();
    for (i, feature) in layer.features().enumerate() {
        let values: Vec<Value> = (0..fields.len())
            .map(|f| field_value(&feature, f))
            .collect();
        let geometry = match feature.geometry() {
            None => Err("it has no geometry".to_owned()),
            Some(g) => reproject(g, &transform),
        };
        features.push(RawFeature {
            index: i + 1,
            values,
            geometry,
        });
        stage.inc(1);
    }
    stage.finish();
    Ok((ReadLayer { name, features }, prepared))
}

fn reproject(
    g: &gdal::vector::Geometry,
    transform: &CoordTransform,
) -> std::result::Result<(String, Vec<u8>), String> {
    let mut g = g
        .transform(transform)
        .map_err(|e| format!("cannot reproject it to EPSG:25832: {e}"))?;
    g.flatten_to_2d();
    // A one-part MultiPolygon (as Matriklen and Shapefiles write them) is its Polygon.
    if g.geometry_name() == "MULTIPOLYGON" && g.geometry_count() == 1 {
        g = g.get_geometry(0).clone();
    }
    if !g.is_valid() {
        return Err(format!(
            "the {} is not valid (self-intersecting, or a ring not closed)",
            g.geometry_name().to_lowercase()
        ));
    }
    let json = g.json().map_err(|e| format!("cannot write it: {e}"))?;
    let wkb = g.wkb().map_err(|e| format!("cannot write it: {e}"))?;
    Ok((json, wkb))
}

/// A GDAL field value as JSON.
/// Field `i` of a feature as JSON; null when it is null, unset or empty text. GDAL reads an
/// unset field (a FlatGeobuf leaves null values out; a GeoJSON feature may lack a property) as
/// 0 through the `gdal` crate, which asks only whether it is null; its text is empty then,
/// which a number, date or list never is. Empty text is no value either: a Shapefile cannot
/// tell it from a missing one.
pub fn field_value(feature: &gdal::vector::Feature, i: usize) -> Value {
    match feature.field(i) {
        Ok(Some(FieldValue::StringValue(s))) if s.is_empty() => Value::Null,
        Ok(Some(FieldValue::StringValue(s))) => Value::String(s),
        Ok(Some(_)) if feature.field_as_string(i).ok().flatten().as_deref() == Some("") => {
            Value::Null
        }
        Ok(Some(v)) => field_to_json(v),
        _ => Value::Null,
    }
}

pub fn field_to_json(value: FieldValue) -> Value {
    match value {
        FieldValue::IntegerValue(v) => Value::from(v),
        FieldValue::Integer64Value(v) => Value::from(v),
        // Whole numbers stay whole, so that they fit integer columns.
        FieldValue::RealValue(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => Value::from(v as i64),
        FieldValue::RealValue(v) => Value::from(v),
        FieldValue::StringValue(v) => Value::from(v),
        FieldValue::DateValue(d) => Value::from(d.format("%Y-%m-%d").to_string()),
        FieldValue::DateTimeValue(t) => Value::from(t.to_rfc3339()),
        FieldValue::IntegerListValue(v) => Value::from(v),
        FieldValue::Integer64ListValue(v) => Value::from(v),
        FieldValue::RealListValue(v) => Value::from(v),
        FieldValue::StringListValue(v) => Value::from(v),
    }
}
