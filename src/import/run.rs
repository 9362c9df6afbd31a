//! One import from any GDAL source into one collection through a mapping: read → map →
//! check each feature → save all in one transaction → check the rules across features →
//! commit (or, for a dry run or any problem, roll back). Every problem is collected into
//! the [`Report`], naming the layer, the feature's index and reference, and the field.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::PgPool;

use super::mapping::{Mapping, MappingFile};
use super::progress::Progress;
use super::source::{self, RawFeature};
use super::target::{ImportTarget, Save};
use crate::db::import::{self as db, Upserted};
use crate::edit::{self, fields, ImportItem, Imported, Outline, Unknown};
use crate::geo::Crs;
use crate::{Error, Result};

/// How many features are saved in one statement.
const BATCH: usize = 1000;

/// What to import, from where, into what.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// A path or connection string GDAL opens.
    pub source: String,
    /// The name the history and the report give the source (an upload's file name); the
    /// source's own name when `None`.
    pub source_name: Option<String>,
    /// The collection (`plots`, `buildings`, `stations`…).
    pub into: String,
    pub layer: Option<String>,
    /// The area every plot goes into (`--area`).
    pub area: Option<String>,
    pub mapping: Option<MappingFile>,
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Who imports (the history's `changed_by`).
    pub user: String,
}

/// One problem, with where it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// The source layer, or the collection for a rule across features.
    pub layer: String,
    /// The feature's index in the source layer (1 for the first), when it is one of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// Its reference (or other key), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// The plotline property (or `geometry`), when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.layer)?;
        if let Some(i) = self.index {
            write!(f, ", feature {i}")?;
        }
        if let Some(k) = &self.feature {
            write!(f, " ({k})")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The history entries one import wrote: one change set.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeSet {
    pub changed_by: String,
    pub reason: String,
    pub changed_at: chrono::DateTime<chrono::Utc>,
    /// The first and last history ids it wrote (none for layers without a history).
    pub first_history_id: Option<i64>,
    pub last_history_id: Option<i64>,
    pub history_entries: i64,
}

/// What an import found and did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub source: String,
    pub layer: String,
    pub collection: String,
    pub dry_run: bool,
    /// Features read from the source.
    pub features: usize,
    /// Saved (or, in a dry run or a refused import, that would have been).
    pub inserted: usize,
    pub updated: usize,
    /// How many problems there are in all.
    pub problem_count: usize,
    /// The first [`MAX_LISTED_PROBLEMS`] of them.
    pub problems: Vec<Problem>,
    /// Whether the import landed (not a dry run, no problems).
    pub committed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_set: Option<ChangeSet>,
}

/// The most problems a report lists (each named with its feature and field); it counts them all.
/// A file of a million bad features answers in kilobytes, not hundreds of megabytes.
pub const MAX_LISTED_PROBLEMS: usize = 1_000;

impl Report {
    /// Notes a problem: counted always, listed while fewer than [`MAX_LISTED_PROBLEMS`] are.
    fn note(&mut self, problem: Problem) {
        self.problem_count += 1;
        if self.problems.len() < MAX_LISTED_PROBLEMS {
            self.problems.push(problem);
        }
    }

    /// The report as text lines: a summary, then one line per problem listed.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{} ({}) → {}: {} features, {} new, {} updated, {} problem(s){}\n",
            self.source,
            self.layer,
            self.collection,
            self.features,
            self.inserted,
            self.updated,
            self.problem_count,
            match (self.dry_run, self.committed) {
                (true, _) => " — dry run, nothing written",
                (false, true) => " — imported",
                (false, false) => " — refused, nothing written",
            }
        );
        for p in &self.problems {
            out.push_str(&format!("  {p}\n"));
        }
        if self.problem_count > self.problems.len() {
            out.push_str(&format!(
                "  … and {} more (the first {} are listed)\n",
                self.problem_count - self.problems.len(),
                self.problems.len()
            ));
        }
        if let Some(c) = &self.change_set {
            out.push_str(&format!(
                "change set: {} history entries (ids {}..{}), by {}, \"{}\"\n",
                c.history_entries,
                c.first_history_id.unwrap_or_default(),
                c.last_history_id.unwrap_or_default(),
                c.changed_by,
                c.reason
            ));
        }
        out
    }
}

/// A mistake in the mapping itself (or `--into`/`--area`): 422 listing them all.
fn mapping_error(problems: Vec<String>) -> Error {
    Error::client(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_mapping",
        format!(
            "the mapping has {} problem(s): {}",
            problems.len(),
            problems.join("; ")
        ),
    )
    .with_details(serde_json::json!({ "problems": problems }))
}

/// The collection named by `--into`, or 422 naming the ones there are.
pub fn target(into: &str) -> Result<ImportTarget> {
    ImportTarget::parse(into).ok_or_else(|| {
        mapping_error(vec![format!(
            "`{into}` is not a collection to import into; they are: {}",
            ImportTarget::all().join(", ")
        )])
    })
}

/// A feature that passed the checks on its own, ready to save.
struct Ready {
    index: usize,
    key: Option<String>,
    properties: Map<String, Value>,
    outline: Option<Outline>,
    wkb: Vec<u8>,
}

/// Imports one layer of a source into one collection; see the module docs. A refused import
/// is an `Ok` report with problems and `committed: false`; errors are for what stops the
/// import before any feature is looked at (the source cannot be opened, the mapping is wrong).
#[tracing::instrument(skip(pool, opts), fields(source = %opts.source, into = %opts.into))]
pub async fn import_source(
    pool: &PgPool,
    opts: &ImportOptions,
    progress: Progress,
) -> Result<Report> {
    let into = target(&opts.into)?;
    let layer = opts
        .layer
        .clone()
        .or_else(|| opts.mapping.as_ref().and_then(|m| m.layer.clone()));
    let crs = opts.mapping.as_ref().and_then(|m| m.crs.clone());
    let source = opts.source.clone();
    let (file, area, check_into) = (opts.mapping.clone(), opts.area.clone(), into.clone());
    let (read, mapping) = tokio::task::spawn_blocking(move || {
        source::read(
            &source,
            layer.as_deref(),
            crs.as_deref(),
            &progress,
            |fields| {
                Mapping::check(file.as_ref(), &check_into, fields, area.as_deref())
                    .map_err(mapping_error)
            },
        )
    })
    .await
    .map_err(|e| Error::Internal(format!("the GDAL reader failed: {e}")))??;

    // A file by its name; a connection string (`OAPIF:https://…`) as it is.
    let source_name = opts.source_name.clone().unwrap_or_else(|| {
        if opts.source.contains("://") {
            return opts.source.clone();
        }
        std::path::Path::new(&opts.source)
            .file_name()
            .map_or(opts.source.clone(), |n| n.to_string_lossy().into_owned())
    });
    let mut report = Report {
        source: source_name.clone(),
        layer: read.name.clone(),
        collection: into.id().to_owned(),
        dry_run: opts.dry_run,
        features: read.features.len(),
        inserted: 0,
        updated: 0,
        problem_count: 0,
        problems: Vec::new(),
        committed: false,
        change_set: None,
    };

    // Each feature on its own: its values through the mapping and the write path's checks.
    let key_field = mapping.source_of(into.key());
    let mut ready = Vec::with_capacity(read.features.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut stage = progress.stage("checking", Some(read.features.len() as u64));
    for feature in read.features {
        stage.inc(1);
        let key = key_field
            .and_then(|i| feature.values.get(i))
            .filter(|v| !v.is_null())
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        let before = report.problem_count;
        let problem = |field: Option<&str>, message: String| Problem {
            layer: read.name.clone(),
            index: Some(feature.index),
            feature: key.clone(),
            field: field.map(str::to_owned),
            message,
        };
        if let Some(k) = &key {
            if let Some(first) = seen.insert(k.clone(), feature.index) {
                report.note(problem(
                    Some(into.key()),
                    format!("feature {first} has the same {} `{k}`", into.key()),
                ));
            }
        }
        let (properties, value_problems) = mapping.apply(&feature.values);
        let unmapped: Vec<String> = value_problems.iter().map(|v| v.field.clone()).collect();
        for v in value_problems {
            report.note(problem(Some(&v.field), v.message));
        }
        let checked = check_feature(&into, &properties, &feature);
        let (properties, outline, wkb) = match checked {
            Ok(ok) => ok,
            Err(errors) => {
                // A value the mapping could not map is named once, not again as missing.
                for (field, message) in errors.into_iter().filter(|(f, _)| !unmapped.contains(f)) {
                    report.note(problem(Some(&field), message));
                }
                continue;
            }
        };
        if report.problem_count == before {
            ready.push(Ready {
                index: feature.index,
                key,
                properties,
                outline,
                wkb,
            });
        }
    }
    stage.finish();

    // All in one transaction, rolled back unless everything holds.
    let reason = format!("import of {source_name} by {}", opts.user);
    let mut tx = crate::db::begin(pool).await?;
    crate::db::history::set_change_context(&mut tx, &opts.user, &reason).await?;
    let index_of: HashMap<String, usize> = ready
        .iter()
        .filter_map(|r| r.key.clone().map(|k| (k, r.index)))
        .collect();
    let mut aborted = false;
    let mut stage = progress.stage("saving", Some(ready.len() as u64));
    for chunk in ready.chunks(BATCH) {
        stage.inc(chunk.len() as u64);
        let outcomes = match save_chunk(&mut tx, &into, chunk).await {
            Ok(o) => o,
            Err(Error::Database(sqlx::Error::Database(d))) => {
                report.note(Problem {
                    layer: read.name.clone(),
                    index: chunk.first().map(|r| r.index),
                    feature: None,
                    field: d.constraint().map(str::to_owned),
                    message: format!(
                        "the database refused features {}..{}: {}",
                        chunk.first().map_or(0, |r| r.index),
                        chunk.last().map_or(0, |r| r.index),
                        d.message()
                    ),
                });
                aborted = true;
                break;
            }
            Err(other) => return Err(other),
        };
        for (r, saved) in chunk.iter().zip(outcomes) {
            let problem = |field: Option<String>, message: String| Problem {
                layer: read.name.clone(),
                index: Some(r.index),
                feature: r.key.clone(),
                field,
                message,
            };
            match saved {
                Ok(Upserted::Inserted) => report.inserted += 1,
                Ok(Upserted::Updated) => report.updated += 1,
                Ok(Upserted::MissingParent) => {
                    let (property, what) = match into.save() {
                        Save::Upsert(layer) => layer.parent_property().unwrap_or(("?", "parent")),
                        Save::Edit(_) => ("?", "parent"),
                    };
                    let named = r.properties.get(property).cloned().unwrap_or(Value::Null);
                    report.note(problem(
                        Some(property.to_owned()),
                        format!("its {property} {named} names no {what}"),
                    ));
                }
                Err(Error::Client {
                    message, details, ..
                }) => {
                    let field = details
                        .get("field")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    report.note(problem(field, message));
                }
                Err(Error::Database(sqlx::Error::Database(d))) => {
                    // The transaction is aborted: nothing more can be checked in it.
                    report.note(problem(
                        d.constraint().map(str::to_owned),
                        format!(
                            "the database refused it: {} (features after it were not checked against the database)",
                            d.message()
                        ),
                    ));
                    aborted = true;
                }
                Err(other) => return Err(other),
            }
        }
        if aborted {
            break;
        }
    }
    stage.finish();

    if !aborted {
        // The rules across features: overlaps, inside the area, buildings inside their plot,
        // and the area's least DGNB level.
        let collection = into.id();
        let feature_problem = |layer: &str, reference: String, field: &str, message: String| {
            let ours = layer == collection;
            Problem {
                layer: if ours {
                    read.name.clone()
                } else {
                    layer.to_owned()
                },
                index: ours.then(|| index_of.get(&reference).copied()).flatten(),
                feature: Some(reference),
                field: Some(field.to_owned()),
                message,
            }
        };
        for p in db::integrity_problems(&mut tx).await? {
            report.note(feature_problem(&p.layer, p.feature, "geometry", p.problem));
        }
        for (reference, field, message) in super::dgnb_area_problems(&mut tx).await? {
            report.note(feature_problem("buildings", reference, &field, message));
        }
    }

    if report.problem_count == 0 && !opts.dry_run {
        let (first, last, entries): (Option<i64>, Option<i64>, i64) = sqlx::query_as(
            "SELECT min(id), max(id), count(*) FROM history WHERE changed_at = now()",
        )
        .fetch_one(&mut *tx)
        .await?;
        let changed_at: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT now()")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        report.committed = true;
        report.change_set = Some(ChangeSet {
            changed_by: opts.user.clone(),
            reason,
            changed_at,
            first_history_id: first,
            last_history_id: last,
            history_entries: entries,
        });
    } else {
        tx.rollback().await?;
    }
    tracing::info!(
        features = report.features,
        inserted = report.inserted,
        updated = report.updated,
        problems = report.problems.len(),
        committed = report.committed,
        "import"
    );
    Ok(report)
}

/// Saves one batch of checked features: plots and buildings through the editing use case's
/// batch save, other layers one upsert each. Each feature's outcome, in order.
async fn save_chunk(
    conn: &mut sqlx::PgConnection,
    into: &ImportTarget,
    chunk: &[Ready],
) -> Result<Vec<Result<Upserted>>> {
    match into.save() {
        Save::Edit(target) => {
            let items: Vec<ImportItem<'_>> = chunk
                .iter()
                .map(|r| ImportItem {
                    properties: &r.properties,
                    outline: r.outline.as_ref(),
                    wkb_25832: &r.wkb,
                })
                .collect();
            if target.has_outline() && items.iter().any(|i| i.outline.is_none()) {
                return Err(Error::Internal("an outline was not parsed".into()));
            }
            Ok(edit::import_batch(conn, target, &items)
                .await?
                .into_iter()
                .map(|r| {
                    r.map(|i| match i {
                        Imported::Inserted(_) => Upserted::Inserted,
                        Imported::Updated(_) => Upserted::Updated,
                    })
                })
                .collect())
        }
        Save::Upsert(layer) => {
            let mut out = Vec::with_capacity(chunk.len());
            for r in chunk {
                let saved =
                    db::upsert(conn, layer, &Value::Object(r.properties.clone()), &r.wkb).await;
                let stop = matches!(saved, Err(Error::Database(_)));
                out.push(saved);
                if stop {
                    break;
                }
            }
            Ok(out)
        }
    }
}

/// A feature that passed the checks on its own: its properties, outline and WKB.
type Checked = (Map<String, Value>, Option<Outline>, Vec<u8>);

/// The checks on one feature alone: its geometry (read and reprojected by GDAL; for plots and
/// buildings the editing path's outline checks), and its values against the description.
/// Returns the properties to save (for an editable collection: as the write path keeps
/// them), its outline and WKB; or every (field, message) that is wrong.
fn check_feature(
    into: &ImportTarget,
    properties: &Map<String, Value>,
    feature: &RawFeature,
) -> std::result::Result<Checked, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let (outline, wkb) = match &feature.geometry {
        Err(message) => {
            errors.push(("geometry".to_owned(), message.clone()));
            (None, Vec::new())
        }
        Ok((json, wkb)) => match into.save() {
            // A company's point is its building's: its geometry is not read.
            Save::Edit(target) if !target.has_outline() => (None, wkb.clone()),
            Save::Edit(_) => match Outline::from_text(json, Crs::Epsg25832) {
                Ok(o) => (Some(o), wkb.clone()),
                Err(e) => {
                    errors.push(("geometry".to_owned(), e.to_string()));
                    (None, Vec::new())
                }
            },
            Save::Upsert(_) => (None, wkb.clone()),
        },
    };
    let checked = match into.save() {
        Save::Edit(target) => {
            let props = edit::import_defaults(target, properties.clone());
            match fields::validate_all(target, &props, Unknown::Ignore) {
                // What the file gives, not the defaults: a stored feature keeps its values.
                Ok(_) => Some(properties.clone()),
                Err(es) => {
                    for e in es {
                        errors.push(field_and_message(e));
                    }
                    None
                }
            }
        }
        Save::Upsert(_) => {
            for p in into.properties() {
                let value = properties.get(&p.name).unwrap_or(&Value::Null);
                if value.is_null() && p.required {
                    errors.push((p.name.clone(), format!("`{}` is required", p.name)));
                } else if let Err(message) = p.check(value) {
                    errors.push((p.name.clone(), message));
                }
            }
            Some(properties.clone())
        }
    };
    match checked {
        Some(props) if errors.is_empty() => Ok((props, outline, wkb)),
        _ => Err(errors),
    }
}

fn field_and_message(e: Error) -> (String, String) {
    match e {
        Error::Client {
            message, details, ..
        } => (
            details
                .get("field")
                .and_then(Value::as_str)
                .unwrap_or("properties")
                .to_owned(),
            message,
        ),
        other => ("properties".to_owned(), other.to_string()),
    }
}

/// Describes a source and suggests a mapping into `into` for each of its layers (TOML).
pub async fn describe(source: &str, into: &str) -> Result<String> {
    let into = target(into)?;
    let source_owned = source.to_owned();
    let layers = tokio::task::spawn_blocking(move || source::describe(&source_owned))
        .await
        .map_err(|e| Error::Internal(format!("the GDAL reader failed: {e}")))??;
    let mut out = format!("# {source}: {} layer(s)\n", layers.len());
    for l in &layers {
        out.push_str(&format!(
            "#\n# layer {}: {} features, {}, CRS {}\n",
            l.name,
            l.features.map_or("?".to_owned(), |n| n.to_string()),
            l.geometry_type,
            l.crs
        ));
        for f in &l.fields {
            out.push_str(&format!("#   {:<24} {}\n", f.name, f.ty));
        }
    }
    for l in &layers {
        out.push_str(&super::mapping::suggest(l, &into, layers.len() > 1));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_counts_every_problem_and_lists_the_first_thousand() {
        let mut report = Report::default();
        for i in 0..MAX_LISTED_PROBLEMS + 5 {
            report.note(Problem {
                layer: "plots".into(),
                index: Some(i + 1),
                feature: None,
                field: Some("status".into()),
                message: "bad".into(),
            });
        }
        assert_eq!(report.problem_count, 1_005);
        assert_eq!(report.problems.len(), 1_000);
        assert!(report
            .to_text()
            .contains("… and 5 more (the first 1000 are listed)"));
    }
}
