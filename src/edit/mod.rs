//! Editing plots and buildings, the use case on its own: validate → authorise → apply the
//! domain rules → save → history. The OGC API – Features Part 4 handlers (`ogc::write`) call
//! [`apply`]; the importer calls [`import_feature`]. Both end in the same save
//! (`save_feature` and one SQL statement per table).
//!
//! Every write needs a planner or admin of the feature's current area *and* of the area it
//! goes to. Every change of an existing feature needs the ETag it was read with (428 without,
//! 412 when stale), checked under a row lock so that of two writers holding the same ETag
//! exactly one wins. Each write is one transaction: the checks, the change, the derived values
//! (plot area, transit distances, by triggers) and the history entry land together or not at
//! all.

pub mod fields;
mod geometry;
mod store;

use axum::http::StatusCode;
use serde_json::{json, Map, Value};
use sqlx::{PgConnection, PgPool};

use crate::auth::Caller;
use crate::db::history::set_change_context;
use crate::domain::dgnb::{self, DgnbLevel, DgnbRecord};
use crate::domain::fingerplan;
use crate::domain::transit::{
    LARGE_OFFICE_FLOOR_AREA_M2, OUTLINE_DISTANCE_METHOD, STATION_NEAR_RADIUS_M,
};
use crate::domain::PlotStatus;
use crate::geo::Crs;
use crate::{Error, Result};
pub use fields::Unknown;
pub use geometry::{Outline, MAX_RINGS, MAX_VERTICES};
pub use store::{etag_of_public, feature_etag};

/// The collections that can be edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Plots,
    Buildings,
    /// A company's premises in a building; its point is the building's, not sent.
    Companies,
}

impl Target {
    /// The editable collection with this id.
    pub fn parse(collection: &str) -> Option<Target> {
        match collection {
            "plots" => Some(Target::Plots),
            "buildings" => Some(Target::Buildings),
            "companies" => Some(Target::Companies),
            _ => None,
        }
    }

    /// The collection's id (and table name).
    pub fn collection(self) -> &'static str {
        match self {
            Target::Plots => "plots",
            Target::Buildings => "buildings",
            Target::Companies => "companies",
        }
    }

    fn singular(self) -> &'static str {
        match self {
            Target::Plots => "plot",
            Target::Buildings => "building",
            Target::Companies => "company",
        }
    }

    fn table(self) -> &'static str {
        self.collection()
    }

    fn geometry_column(self) -> &'static str {
        match self {
            Target::Plots => "boundary",
            Target::Buildings => "footprint",
            Target::Companies => "location",
        }
    }

    /// Whether a client sends the feature's geometry (a company's point is its building's).
    pub fn has_outline(self) -> bool {
        self != Target::Companies
    }

    /// The outline a write sends, for the targets that take one.
    fn outline(self, geometry: &Value, crs: Crs) -> Result<Option<Outline>> {
        if self.has_outline() {
            Outline::from_json(geometry, crs).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// What a client asks for.
#[derive(Debug, Clone)]
pub enum Change {
    /// A new feature (a GeoJSON Feature).
    Create { feature: Value },
    /// The whole feature replaced (a GeoJSON Feature).
    Replace { id: i64, feature: Value },
    /// A JSON merge patch (RFC 7396) of the Feature; without geometry the outline stays.
    Patch { id: i64, patch: Value },
    /// Gone from the collection, kept in the history.
    Delete { id: i64 },
}

/// One write by a signed-in caller.
#[derive(Debug, Clone)]
pub struct Edit<'a> {
    pub caller: &'a Caller,
    pub target: Target,
    pub change: Change,
    /// The CRS of the geometry sent (`Content-Crs`).
    pub crs: Crs,
    /// The ETag the caller holds (`If-Match`); required for every change of a stored feature.
    pub if_match: Option<String>,
    /// Why (`X-Change-Reason` or the body's `reason`); required for deletions and status
    /// changes.
    pub reason: Option<String>,
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created {
        id: i64,
        etag: String,
    },
    Updated {
        id: i64,
        etag: String,
    },
    /// A change that changes nothing (such as `PATCH {}`): nothing written, the ETag stays.
    Unchanged {
        id: i64,
        etag: String,
    },
    Deleted,
}

/// Who writes: a signed-in caller (authorised per area) or the importer (the register of
/// record, trusted like an admin).
#[derive(Debug, Clone, Copy)]
enum Actor<'a> {
    Caller(&'a Caller),
    Import,
}

impl Actor<'_> {
    /// 403 unless the actor may edit in the area with this id.
    fn authorise(self, area_id: i64, what: &str) -> Result<()> {
        match self {
            Actor::Import => Ok(()),
            Actor::Caller(c) if c.may_edit_area(area_id) => Ok(()),
            Actor::Caller(c) => Err(Error::forbidden(format!(
                "{} may not edit {what}",
                c.username
            ))),
        }
    }
}

/// When the rules that look at other features (containment, overlaps) are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// With each feature (the API).
    Now,
    /// Once all features of an import are written (`db::import::integrity_problems`), since
    /// one import may move several outlines at once.
    AfterImport,
}

/// Carries out one write: the whole use case, in one transaction.
#[tracing::instrument(skip(pool, edit), fields(caller = %edit.caller.username, target = ?edit.target))]
pub async fn apply(pool: &PgPool, edit: Edit<'_>) -> Result<Outcome> {
    match &edit.change {
        Change::Create { feature } => create(pool, &edit, feature).await,
        Change::Replace { id, feature } => update(pool, &edit, *id, feature, false).await,
        Change::Patch { id, patch } => update(pool, &edit, *id, patch, true).await,
        Change::Delete { id } => delete(pool, &edit, *id).await,
    }
}

/// The id of a feature named in a path: the number, or the reference (`KD-03`); 404 when
/// there is none.
pub async fn feature_id(pool: &PgPool, target: Target, fid: &str) -> Result<i64> {
    if let Ok(n) = fid.parse() {
        return Ok(n);
    }
    let mut conn = pool.acquire().await?;
    store::id_of_reference(&mut conn, target, fid)
        .await?
        .ok_or_else(|| Error::NotFound {
            what: "feature",
            id: fid.to_owned(),
        })
}

fn properties_of(feature: &Value) -> Result<Map<String, Value>> {
    match feature.get("properties") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(p)) => Ok(p.clone()),
        Some(_) => Err(Error::unprocessable(
            "properties",
            "`properties` must be an object",
        )),
    }
}

async fn create(pool: &PgPool, edit: &Edit<'_>, feature: &Value) -> Result<Outcome> {
    let props = fields::validate(edit.target, &properties_of(feature)?, Unknown::Refuse)?;
    let outline = edit.target.outline(&feature["geometry"], edit.crs)?;
    let why = edit
        .reason
        .clone()
        .unwrap_or_else(|| format!("created by {}", edit.caller.username));
    let mut tx = crate::db::begin(pool).await?;
    set_change_context(&mut tx, &edit.caller.username, &why).await?;
    let actor = Actor::Caller(edit.caller);
    let id = save_feature(
        &mut tx,
        actor,
        edit.target,
        None,
        &props,
        outline.as_ref(),
        Placement::Now,
    )
    .await?;
    let etag = etag_of(&mut tx, edit.target, id).await?;
    tx.commit().await?;
    Ok(Outcome::Created { id, etag })
}

/// PUT and PATCH: under the row lock, the current area authorised and the ETag checked first;
/// then the new properties (merged for a patch) validated, the lifecycle kept, and the one save.
async fn update(
    pool: &PgPool,
    edit: &Edit<'_>,
    id: i64,
    body: &Value,
    patch: bool,
) -> Result<Outcome> {
    let target = edit.target;
    let actor = Actor::Caller(edit.caller);
    let mut tx = crate::db::begin(pool).await?;
    store::lock(&mut tx, target, id).await?;
    let area = store::area_now(&mut tx, target, id).await?;
    actor.authorise(area, &format!("this {}'s area", target.singular()))?;
    // A PUT replaces the internal fields too.
    let touches_internal = !patch || names_internal(target, body);
    check_if_match(
        &mut tx,
        edit.if_match.as_deref(),
        target,
        id,
        touches_internal,
    )
    .await?;
    let before = store::current(&mut tx, target, id).await?;
    let merged = if patch {
        let changes = body.get("properties").unwrap_or(&Value::Null);
        // A patch without properties leaves them as they are (a null patch would erase them).
        if !(changes.is_object() || changes.is_null()) {
            return Err(Error::unprocessable(
                "properties",
                "`properties` must be an object",
            ));
        }
        let mut doc = Value::Object(before.clone());
        if changes.is_object() {
            json_patch::merge(&mut doc, changes);
        }
        doc.as_object().cloned().unwrap_or_default()
    } else {
        properties_of(body)?
    };
    let props = fields::validate(target, &merged, Unknown::Refuse)?;
    let geometry = body
        .get("geometry")
        .filter(|g| !g.is_null() && target.has_outline());
    let outline = match geometry {
        Some(g) => Some(Outline::from_json(g, edit.crs)?),
        None if patch || !target.has_outline() => None,
        None => {
            return Err(Error::unprocessable(
                "geometry",
                "PUT replaces the whole feature: send its geometry",
            ))
        }
    };
    if patch && outline.is_none() && merged == before {
        let etag = etag_of(&mut tx, target, id).await?;
        return Ok(Outcome::Unchanged { id, etag });
    }
    if target == Target::Plots {
        check_lifecycle(&before, &props, edit.reason.is_some())?;
    }
    let why = edit
        .reason
        .clone()
        .unwrap_or_else(|| format!("edited by {}", edit.caller.username));
    set_change_context(&mut tx, &edit.caller.username, &why).await?;
    save_feature(
        &mut tx,
        actor,
        target,
        Some(id),
        &props,
        outline.as_ref(),
        Placement::Now,
    )
    .await?;
    let etag = etag_of(&mut tx, target, id).await?;
    tx.commit().await?;
    Ok(Outcome::Updated { id, etag })
}

async fn delete(pool: &PgPool, edit: &Edit<'_>, id: i64) -> Result<Outcome> {
    let target = edit.target;
    let actor = Actor::Caller(edit.caller);
    let why = edit.reason.clone().ok_or_else(|| {
        Error::unprocessable(
            "reason",
            "a deletion needs a reason in the X-Change-Reason header",
        )
    })?;
    let mut tx = crate::db::begin(pool).await?;
    set_change_context(&mut tx, &edit.caller.username, &why).await?;
    store::lock(&mut tx, target, id).await?;
    let area = store::area_now(&mut tx, target, id).await?;
    actor.authorise(area, "this area")?;
    check_if_match(&mut tx, edit.if_match.as_deref(), target, id, true).await?;
    let dependants = store::dependants(&mut tx, target, id).await?;
    if dependants > 0 {
        let what = match target {
            Target::Plots => "building(s)",
            _ => "occupant(s) (companies)",
        };
        return Err(Error::client(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "the {} has {dependants} {what}: delete or move them first",
                target.singular()
            ),
        ));
    }
    store::delete(&mut tx, target, id).await?;
    tx.commit().await?;
    Ok(Outcome::Deleted)
}

/// What the importer did with one feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    Inserted(i64),
    Updated(i64),
}

/// Saves one imported plot, building or company (its outline in EPSG:25832; none for a company,
/// whose point is its building's) in the importer's
/// transaction, through the same validation, rules and save as the API. Keyed by
/// `reference`, so importing the same file twice changes nothing. A column the file does not
/// have keeps its stored value; a plot without a status is planned. Unknown columns are
/// ignored; the rules across features are left to the importer's check after all layers.
pub async fn import_feature(
    conn: &mut PgConnection,
    target: Target,
    properties: &Map<String, Value>,
    outline: Option<&Outline>,
) -> Result<Imported> {
    let reference = properties
        .get("reference")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let id = store::id_of_reference(conn, target, reference).await?;
    let mut merged = match id {
        Some(id) => store::current(conn, target, id).await?,
        None => Map::new(),
    };
    merged.extend(properties.clone());
    let props = fields::validate(target, &import_defaults(target, merged), Unknown::Ignore)?;
    let saved = save_feature(
        conn,
        Actor::Import,
        target,
        id,
        &props,
        outline,
        Placement::AfterImport,
    )
    .await?;
    Ok(match id {
        Some(_) => Imported::Updated(saved),
        None => Imported::Inserted(saved),
    })
}

/// One feature of an import batch: its properties as the file gives them, its checked outline
/// and the same outline as WKB (EPSG:25832).
#[derive(Debug, Clone, Copy)]
pub struct ImportItem<'a> {
    pub properties: &'a Map<String, Value>,
    /// The outline (none for a company, whose point is its building's).
    pub outline: Option<&'a Outline>,
    pub wkb_25832: &'a [u8],
}

/// Saves a batch of imported plots or buildings in the importer's transaction, by the rules of
/// [`import_feature`]: a stored feature (by reference) is merged with what is stored and saved
/// on its own; new ones are validated the same way, their area or plot and their outline
/// (PostGIS's validity) checked in one query each, and saved in one statement of the one save.
/// Returns each item's outcome in order. Like [`import_feature`], it leaves the rules across
/// features (placement, the area's least DGNB level) to the importer's check after all.
pub async fn import_batch(
    conn: &mut PgConnection,
    target: Target,
    items: &[ImportItem<'_>],
) -> Result<Vec<Result<Imported>>> {
    let reference = |i: &ImportItem<'_>| {
        i.properties
            .get("reference")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let references: Vec<String> = items.iter().map(reference).collect();
    let stored: std::collections::HashMap<String, i64> =
        store::ids_of_references(conn, target, &references)
            .await?
            .into_iter()
            .collect();
    let mut out: Vec<Option<Result<Imported>>> = (0..items.len()).map(|_| None).collect();

    // New features: validated one by one, then checked and saved together.
    let (to, what) = match target {
        Target::Plots => ("area", "area"),
        Target::Buildings => ("plot", "plot"),
        Target::Companies => ("building", "building"),
    };
    let fresh: Vec<usize> = (0..items.len())
        .filter(|&i| !stored.contains_key(&references[i]))
        .collect();
    let destinations: Vec<String> = fresh
        .iter()
        .filter_map(|&i| items[i].properties.get(to).and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    let found: std::collections::HashSet<String> =
        store::existing_destinations(conn, target, &destinations)
            .await?
            .into_iter()
            .collect();
    let outlines: Vec<&[u8]> = fresh.iter().map(|&i| items[i].wkb_25832).collect();
    let invalid: std::collections::HashMap<usize, String> = if target.has_outline() {
        store::invalid_outlines(conn, &outlines)
            .await?
            .into_iter()
            .map(|(k, reason)| (fresh[k], reason))
            .collect()
    } else {
        Default::default()
    };
    let mut rows = Vec::new();
    let mut row_items = Vec::new();
    for &i in &fresh {
        let item = &items[i];
        let props = match fields::validate(
            target,
            &import_defaults(target, item.properties.clone()),
            Unknown::Ignore,
        ) {
            Ok(p) => p,
            Err(e) => {
                out[i] = Some(Err(e));
                continue;
            }
        };
        let named = props.get(to).and_then(Value::as_str).unwrap_or_default();
        if !found.contains(named) {
            out[i] = Some(Err(Error::unprocessable(
                to,
                format!("there is no {what} `{named}`"),
            )));
            continue;
        }
        if let Some(reason) = invalid.get(&i) {
            out[i] = Some(Err(Error::unprocessable(
                "geometry",
                format!("the geometry is not valid: {reason}"),
            )));
            continue;
        }
        rows.push((None, props, item.wkb_25832.to_vec()));
        row_items.push(i);
    }
    for (k, id) in store::save_many(conn, target, &rows).await? {
        out[row_items[k]] = Some(Ok(Imported::Inserted(id)));
    }

    // Stored features: merged with what is stored, one by one.
    for (i, item) in items.iter().enumerate() {
        if stored.contains_key(&references[i]) {
            out[i] = Some(import_feature(conn, target, item.properties, item.outline).await);
        }
    }
    Ok(out
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err(Error::Internal("the batch did not save it".into()))))
        .collect())
}

/// The values an imported feature gets where its file has none: a plot starts planned.
pub fn import_defaults(target: Target, mut props: Map<String, Value>) -> Map<String, Value> {
    if target == Target::Plots && props.get("status").is_none_or(Value::is_null) {
        props.insert("status".into(), json!(PlotStatus::Planned.as_str()));
    }
    props
}

/// The one save path: both areas authorised (where the feature is and where it goes), the
/// outline read by PostGIS (or the stored one kept), the area's DGNB level, the placement
/// rules, then the save. Returns the feature's id.
async fn save_feature(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    target: Target,
    id: Option<i64>,
    props: &Map<String, Value>,
    outline: Option<&Outline>,
    placement: Placement,
) -> Result<i64> {
    if let (Some(id), Actor::Caller(_)) = (id, actor) {
        let area = store::area_now(conn, target, id).await?;
        actor.authorise(area, &format!("this {}'s area", target.singular()))?;
    }
    let to = store::destination(conn, target, props).await?;
    actor.authorise(to.area_id, &format!("{} in that area", target.collection()))?;
    let ewkb = match (outline, id) {
        _ if !target.has_outline() => Vec::new(),
        (Some(o), _) => store::read_outline(conn, o).await?,
        (None, Some(id)) => store::stored_outline(conn, target, id).await?,
        (None, None) => return Err(Error::unprocessable("geometry", "the geometry is missing")),
    };
    if target == Target::Buildings {
        let record = DgnbRecord::from_properties(props);
        let least = to.area_target.as_deref().and_then(DgnbLevel::parse);
        if let Some(v) = dgnb::check_area_target(&record, least).into_iter().next() {
            return Err(Error::unprocessable(v.field, v.message));
        }
    }
    if placement == Placement::Now && target.has_outline() {
        store::check_placement(conn, target, id, &ewkb, &to).await?;
    }
    if target != Target::Buildings {
        return store::save(conn, target, id, props, &ewkb).await;
    }
    let before = match id {
        Some(id) => store::office_facts(conn, id)
            .await?
            .map(|(office, _)| office),
        None => None,
    };
    let saved = store::save(conn, target, id, props, &ewkb).await?;
    check_fingerplan(conn, before.as_ref(), saved).await?;
    Ok(saved)
}

/// The Fingerplan's office rule, after the save (the distance is the proximity trigger's):
/// 422 for a new, enlarged or moved office beyond 600 m without an exemption. The caller's
/// transaction is dropped with the error, so the save is rolled back.
async fn check_fingerplan(
    conn: &mut PgConnection,
    before: Option<&fingerplan::Office>,
    id: i64,
) -> Result<()> {
    let (after, completed) = store::office_facts(conn, id)
        .await?
        .ok_or_else(|| Error::Internal("the saved building is gone".into()))?;
    match fingerplan::check_save(before, completed, &after) {
        None => Ok(()),
        Some(refusal) => Err(
            Error::unprocessable("floor_area_office_m2", refusal.message).with_details(json!({
                "rule": "fingerplan_office",
                "office_floor_area_m2": after.office_floor_area_m2,
                "limit_m2": LARGE_OFFICE_FLOOR_AREA_M2,
                "nearest_station": after.station,
                "nearest_station_distance_m": refusal.distance_m,
                "distance_method": OUTLINE_DISTANCE_METHOD,
                "station_near_radius_m": STATION_NEAR_RADIUS_M,
                "extra_measures_radius_m": fingerplan::EXTRA_MEASURES_RADIUS_M,
                "extra_measures_zone": refusal.extra_measures_zone,
                "exemption_fields": [fingerplan::EXEMPTION_LOKALPLAN, fingerplan::EXEMPTION_REASON],
            })),
        ),
    }
}

/// The status rule: 409 with the allowed next statuses; a change of status needs a reason.
fn check_lifecycle(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    has_reason: bool,
) -> Result<()> {
    let status = |m: &Map<String, Value>| {
        m.get("status")
            .and_then(Value::as_str)
            .and_then(PlotStatus::parse)
    };
    let (Some(from), Some(to)) = (status(before), status(after)) else {
        return Ok(());
    };
    if !from.may_become(to) {
        let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
        return Err(Error::client(
            StatusCode::CONFLICT,
            "illegal_transition",
            format!(
                "a plot cannot go from {} to {}; from {} it may become: {}",
                from.as_str(),
                to.as_str(),
                from.as_str(),
                if allowed.is_empty() {
                    "nothing (final)".to_owned()
                } else {
                    allowed.join(", ")
                }
            ),
        )
        .with_details(json!({ "field": "status", "from": from.as_str(), "allowed": allowed })));
    }
    if from != to && !has_reason {
        return Err(Error::unprocessable(
            "reason",
            "a status change needs a reason: send it in the X-Change-Reason header or a top-level `reason`",
        ));
    }
    Ok(())
}

async fn etag_of(conn: &mut PgConnection, target: Target, id: i64) -> Result<String> {
    Ok(feature_etag(conn, target.collection(), id, true)
        .await?
        .unwrap_or_default())
}

/// 428 without If-Match, 412 when it is not the current ETag. The tag planners read covers
/// the internal fields too; the public tag (which an internal edit does not change) is enough
/// for a write that leaves the internal fields alone.
async fn check_if_match(
    conn: &mut PgConnection,
    held: Option<&str>,
    target: Target,
    id: i64,
    touches_internal: bool,
) -> Result<()> {
    let held = held.ok_or_else(|| {
        Error::client(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "send If-Match with the feature's ETag (GET it first)",
        )
    })?;
    let current = etag_of(conn, target, id).await?;
    if etag_matches(held, &current) {
        return Ok(());
    }
    if !touches_internal {
        let public = feature_etag(conn, target.collection(), id, false)
            .await?
            .unwrap_or_default();
        if etag_matches(held, &public) {
            return Ok(());
        }
    }
    Err(Error::client(
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
        "the feature has changed since you read it: reload it and apply your change again",
    )
    .with_details(json!({ "etag": current })))
}

/// Whether a PATCH body names a planner-only property of the target.
fn names_internal(target: Target, body: &Value) -> bool {
    let Some(c) = crate::schema::find(target.collection()) else {
        return true;
    };
    body.get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| {
            p.keys().any(|k| {
                c.property(k)
                    .is_some_and(|p| p.access == crate::schema::Access::Planner)
            })
        })
}

/// Whether an ETag a client holds names the current state (also in another CRS or format:
/// those tags carry a suffix after the hash).
pub fn etag_matches(held: &str, current: &str) -> bool {
    let base = |t: &str| {
        t.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .split('-')
            .next()
            .unwrap_or("")
            .to_owned()
    };
    held.split(',')
        .any(|t| t.trim() == "*" || base(t) == base(current))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_match_across_representations() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("\"abc-25832\"", "\"abc\""));
        assert!(etag_matches("\"x\", \"abc\"", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
    }

    #[test]
    fn the_lifecycle_needs_a_reason_and_a_legal_step() {
        let at = |s: &str| json!({ "status": s }).as_object().unwrap().clone();
        assert!(check_lifecycle(&at("available"), &at("reserved"), true).is_ok());
        let no_reason = check_lifecycle(&at("available"), &at("reserved"), false).unwrap_err();
        assert!(no_reason.to_string().contains("needs a reason"));
        let skip = check_lifecycle(&at("available"), &at("built"), true).unwrap_err();
        assert!(skip
            .to_string()
            .contains("cannot go from available to built"));
        assert!(check_lifecycle(&at("built"), &at("built"), false).is_ok());
    }

    #[test]
    fn imported_plots_start_planned() {
        let p = import_defaults(Target::Plots, Map::new());
        assert_eq!(p["status"], "planned");
        let b = import_defaults(Target::Buildings, Map::new());
        assert!(b.is_empty());
    }
}
