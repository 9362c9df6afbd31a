//! Importing GIS files into PostGIS through GDAL: any vector format GDAL reads (GeoJSON,
//! GeoPackage, Shapefile, FlatGeobuf…), in any CRS it knows, reprojected to EPSG:25832.
//!
//! A source file is recognised by its name: `plots.geojson` or `plots.gpkg` feeds the plots
//! layer (see [`Layer`]). The whole import is one transaction: it lands completely or not at
//! all, and the rules that span features (no overlapping plots, buildings within their plot,
//! the area's DGNB level) are checked before it commits.
//!
//! Plots and buildings are saved through the editing use case (`crate::edit::import_feature`):
//! the same validation, geometry checks, rules and SQL as the OGC API's writes. The other
//! layers share one upsert in `db::import`, built from a small table per layer.

mod mapping;
mod progress;
mod run;
mod source;
mod target;

pub use mapping::{Mapping, MappingFile};
pub use progress::Progress;
pub use run::{describe, import_source, ChangeSet, ImportOptions, Problem, Report};
pub use source::{describe as describe_layers, LayerDescription};
pub use target::{ImportTarget, Save};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::LayerAccess;
use gdal::Dataset;
use serde_json::{Map, Value};
use sqlx::PgPool;

use crate::db::import::{self as db, Layer, Upserted};
use crate::domain::dgnb::{self, DgnbLevel, DgnbPhase, DgnbRecord};
use crate::edit::{self, fields, Imported, Outline, Target, Unknown};
use crate::geo::Crs;
use crate::geo::STORAGE_SRID;
use crate::{Error, Result};

/// File endings read as sources.
const SOURCE_EXTENSIONS: [&str; 6] = ["geojson", "json", "gpkg", "shp", "fgb", "gml"];

/// One feature read from a source, with its geometry already in EPSG:25832.
#[derive(Debug, Clone)]
pub struct SourceFeature {
    /// "plots.geojson, feature 3 (reference KD-03)": where a problem with it is reported.
    pub location: String,
    pub properties: Map<String, Value>,
    pub wkb_25832: Vec<u8>,
    /// The outline of a plot or building, parsed and checked (EPSG:25832).
    pub outline: Option<Outline>,
}

/// The editable collection a layer feeds, if it is one (plots, buildings).
fn edit_target(layer: Layer) -> Option<Target> {
    match layer {
        Layer::Plots => Some(Target::Plots),
        Layer::Buildings => Some(Target::Buildings),
        Layer::Companies => Some(Target::Companies),
        _ => None,
    }
}

/// The features of one layer read from one file.
#[derive(Debug, Clone)]
pub struct SourceLayer {
    pub layer: Layer,
    pub path: PathBuf,
    pub features: Vec<SourceFeature>,
}

/// What the import did to one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerReport {
    pub layer: Layer,
    pub path: PathBuf,
    pub inserted: usize,
    pub updated: usize,
}

/// Finds the source file of each layer among `paths` (files, or folders to look into).
pub fn find_sources(paths: &[PathBuf]) -> Result<Vec<(Layer, PathBuf)>> {
    let mut found: BTreeMap<usize, (Layer, PathBuf)> = BTreeMap::new();
    let mut consider = |path: PathBuf, explicit: bool| -> Result<()> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let layer = Layer::from_name(stem).filter(|_| SOURCE_EXTENSIONS.contains(&ext));
        match layer {
            Some(layer) => {
                let order = Layer::ALL.iter().position(|l| *l == layer).unwrap_or(0);
                if let Some((_, other)) = found.insert(order, (layer, path.clone())) {
                    return Err(Error::InvalidData {
                        location: path.display().to_string(),
                        message: format!(
                            "layer `{}` has two sources: {} and {}",
                            layer.name(),
                            other.display(),
                            path.display()
                        ),
                    });
                }
                Ok(())
            }
            None if explicit => Err(Error::InvalidData {
                location: path.display().to_string(),
                message: format!(
                    "the file name does not name a layer: expected one of {} with an ending of {}",
                    Layer::ALL.map(Layer::name).join(", "),
                    SOURCE_EXTENSIONS.join(", ")
                ),
            }),
            None => Ok(()),
        }
    };
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| Error::InvalidData {
                location: path.display().to_string(),
                message: format!("cannot read the folder: {e}"),
            })?;
            let mut files: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            files.sort();
            for file in files {
                consider(file, false)?;
            }
        } else if path.is_file() {
            consider(path.clone(), true)?;
        } else {
            return Err(Error::InvalidData {
                location: path.display().to_string(),
                message: "no such file or folder".into(),
            });
        }
    }
    Ok(found.into_values().collect())
}

/// Reads every feature of the first layer of a GIS file and reprojects it to EPSG:25832.
/// GDAL is blocking: call this on a blocking thread.
pub fn read_source(layer: Layer, path: &Path) -> Result<SourceLayer> {
    let name = path.display().to_string();
    let dataset = Dataset::open(path).map_err(|e| Error::InvalidData {
        location: name.clone(),
        message: format!("GDAL cannot open it: {e}"),
    })?;
    let mut source = dataset.layer(0).map_err(|e| Error::InvalidData {
        location: name.clone(),
        message: format!("it has no vector layer: {e}"),
    })?;
    // RFC 7946 GeoJSON has no CRS member and is WGS84 by definition.
    let mut from = match source.spatial_ref() {
        Some(srs) => srs,
        None => SpatialRef::from_epsg(4326)?,
    };
    let mut to = SpatialRef::from_epsg(STORAGE_SRID as u32)?;
    // Longitude first, easting first: GDAL 3 would otherwise follow EPSG:4326's lat/lon order.
    from.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    to.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let transform = CoordTransform::new(&from, &to)?;

    let key = layer.key_property();
    let names: Vec<String> = source.defn().fields().map(|f| f.name()).collect();
    let mut features = Vec::new();
    let mut problems = Vec::new();
    for (index, feature) in source.features().enumerate() {
        let mut properties = Map::new();
        for (i, field) in names.iter().enumerate() {
            properties.insert(field.clone(), source::field_value(&feature, i));
        }
        if let Some(target) = edit_target(layer) {
            // As a mapping would: GDAL's 0/1 booleans, numbers given as text.
            let c = fields::collection(target);
            for (name, value) in properties.iter_mut() {
                if let Some(p) = c.property(name) {
                    *value = mapping::coerce(&p.kind, std::mem::take(value));
                }
            }
        }
        let location = match properties.get(key).and_then(Value::as_str) {
            Some(k) => format!("{name}, feature {} ({key} {k})", index + 1),
            None => format!("{name}, feature {}", index + 1),
        };
        let Some(geometry) = feature.geometry() else {
            problems.push(format!("{location}: has no geometry"));
            continue;
        };
        let mut geometry = geometry.transform(&transform)?;
        geometry.flatten_to_2d();
        if !geometry.is_valid() {
            problems.push(format!(
                "{location}: the {} is not valid (self-intersecting or unclosed)",
                geometry.geometry_name()
            ));
            continue;
        }
        // Plots and buildings go the editing path: typed GeoJSON and its cheap checks.
        let outline = match edit_target(layer) {
            Some(t) if t.has_outline() => {
                match Outline::from_text(&geometry.json()?, Crs::Epsg25832) {
                    Ok(o) => Some(o),
                    Err(e) => {
                        problems.push(format!("{location}: {e}"));
                        continue;
                    }
                }
            }
            _ => None,
        };
        features.push(SourceFeature {
            location,
            properties,
            wkb_25832: geometry.wkb()?,
            outline,
        });
    }
    if !problems.is_empty() {
        return Err(problems_error(&name, problems));
    }
    Ok(SourceLayer {
        layer,
        path: path.to_owned(),
        features,
    })
}

fn problems_error(location: &str, problems: Vec<String>) -> Error {
    Error::InvalidData {
        location: location.to_owned(),
        message: format!("{} problem(s): {}", problems.len(), problems.join("; ")),
    }
}

/// Checks what can be checked on one feature alone, before anything is written: the
/// properties of a plot or building against the writable fields (the write path's own check).
fn check_feature(layer: Layer, feature: &SourceFeature) -> Vec<String> {
    let Some(target) = edit_target(layer) else {
        return Vec::new();
    };
    let props = edit::import_defaults(target, feature.properties.clone());
    match fields::validate(target, &props, Unknown::Ignore) {
        Ok(_) => Vec::new(),
        Err(e) => vec![format!("{}: {e}", feature.location)],
    }
}

/// Imports the sources found among `paths` in one transaction and reports what it did.
#[tracing::instrument(skip(pool))]
pub async fn import(pool: &PgPool, paths: &[PathBuf]) -> Result<Vec<LayerReport>> {
    let sources = find_sources(paths)?;
    if sources.is_empty() {
        return Err(Error::InvalidData {
            location: paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            message: format!(
                "no source files found: expected files named after a layer ({})",
                Layer::ALL.map(Layer::name).join(", ")
            ),
        });
    }
    // GDAL is blocking and not thread-safe: every dataset is opened and read on one blocking task.
    let layers = tokio::task::spawn_blocking(move || {
        sources
            .iter()
            .map(|(layer, path)| read_source(*layer, path))
            .collect::<Result<Vec<_>>>()
    })
    .await
    .map_err(|e| Error::Internal(format!("the GDAL reader failed: {e}")))??;

    for source in &layers {
        let problems: Vec<String> = source
            .features
            .iter()
            .flat_map(|f| check_feature(source.layer, f))
            .collect();
        if !problems.is_empty() {
            return Err(problems_error(&source.path.display().to_string(), problems));
        }
    }

    let mut tx = crate::db::begin(pool).await?;
    let files: Vec<String> = layers
        .iter()
        .map(|l| l.path.display().to_string())
        .collect();
    crate::db::history::set_change_context(
        &mut tx,
        "import",
        &format!("import of {}", files.join(", ")),
    )
    .await?;
    let mut reports = Vec::new();
    for source in &layers {
        let mut report = LayerReport {
            layer: source.layer,
            path: source.path.clone(),
            inserted: 0,
            updated: 0,
        };
        for feature in &source.features {
            let at = |e: Error| match e {
                Error::Database(sqlx::Error::Database(db_err)) => Error::InvalidData {
                    location: feature.location.clone(),
                    message: format!("the database refused it: {}", db_err.message()),
                },
                Error::Client { message, .. } => Error::InvalidData {
                    location: feature.location.clone(),
                    message,
                },
                other => other,
            };
            if let Some(target) = edit_target(source.layer) {
                match edit::import_feature(
                    &mut tx,
                    target,
                    &feature.properties,
                    feature.outline.as_ref(),
                )
                .await
                .map_err(at)?
                {
                    Imported::Inserted(_) => report.inserted += 1,
                    Imported::Updated(_) => report.updated += 1,
                }
                continue;
            }
            let properties = Value::Object(feature.properties.clone());
            let outcome = db::upsert(&mut tx, source.layer, &properties, &feature.wkb_25832)
                .await
                .map_err(at)?;
            match outcome {
                Upserted::Inserted => report.inserted += 1,
                Upserted::Updated => report.updated += 1,
                Upserted::MissingParent => {
                    let (property, what) =
                        source.layer.parent_property().unwrap_or(("?", "parent"));
                    return Err(Error::InvalidData {
                        location: feature.location.clone(),
                        message: format!(
                            "its {property} `{}` names no {what}",
                            feature
                                .properties
                                .get(property)
                                .map_or(Value::Null, Clone::clone)
                        ),
                    });
                }
            }
        }
        tracing::info!(
            layer = source.layer.name(),
            inserted = report.inserted,
            updated = report.updated,
            "imported"
        );
        reports.push(report);
    }

    let problems: Vec<String> = db::integrity_problems(&mut tx)
        .await?
        .into_iter()
        .map(|p| format!("{} {}: {}", p.layer, p.feature, p.problem))
        .collect();
    if !problems.is_empty() {
        return Err(problems_error("after the import", problems));
    }

    let problems: Vec<String> = dgnb_area_problems(&mut tx)
        .await?
        .into_iter()
        .map(|(reference, field, message)| format!("building {reference}: {field}: {message}"))
        .collect();
    if !problems.is_empty() {
        return Err(problems_error("after the import", problems));
    }

    tx.commit().await?;
    Ok(reports)
}

/// Buildings in an area with a least DGNB level whose record does not reach it:
/// (reference, field, message).
pub(crate) async fn dgnb_area_problems(
    conn: &mut sqlx::PgConnection,
) -> Result<Vec<(String, String, String)>> {
    let mut problems = Vec::new();
    for b in db::buildings_with_area_target(conn).await? {
        let record = DgnbRecord {
            total_score_pct: b.total_score_pct,
            ..DgnbRecord::of_levels(
                DgnbPhase::parse(&b.phase).unwrap_or(DgnbPhase::None),
                b.target_level.as_deref().and_then(DgnbLevel::parse),
                b.achieved_level.as_deref().and_then(DgnbLevel::parse),
            )
        };
        let area_target = DgnbLevel::parse(&b.area_target);
        for v in dgnb::check_area_target(&record, area_target) {
            problems.push((b.reference.clone(), v.field.to_owned(), v.message));
        }
    }
    Ok(problems)
}
