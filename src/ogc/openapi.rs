//! `/api`: the OpenAPI 3.0 definition of every path, parameter and answer, made from the same
//! tables the handlers use (collections, queryables, CRSs), so it cannot drift from them.

use axum::response::Response;
use serde_json::{json, Map, Value};

use super::collections::COLLECTIONS;
use super::items::LIMIT;
use super::{html, OgcRequest};
use crate::export::{FileFormat, MAX_FEATURES};
use crate::geo::Crs;
use crate::schema;
use crate::Result;

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/error" } } } })
}

fn ok(media: &str, schema: Value) -> Value {
    json!({
        "200": { "description": "OK", "content": { media: { "schema": schema } } },
        "304": { "description": "Not modified: the client's copy (If-None-Match) is current" },
        "400": error_response("A parameter is malformed; the body names it"),
        "404": error_response("Not found"),
    })
}

/// `ok` for the OGC resources, which also answer HTML (`f=html` or `Accept: text/html`).
fn ok_html(media: &str, schema: Value) -> Value {
    let mut r = ok(media, schema);
    r["200"]["content"]["text/html"] = json!({ "schema": { "type": "string" } });
    r
}

fn f_param() -> Value {
    json!({ "name": "f", "in": "query", "required": false, "description": "Encoding; default from the Accept header",
            "schema": { "type": "string", "enum": ["json", "html"] } })
}

/// `f` of the items: JSON or HTML pages, or every matching feature as a file.
fn items_f_param() -> Value {
    let mut formats = vec!["json", "html"];
    formats.extend(FileFormat::ALL.map(FileFormat::param));
    json!({ "name": "f", "in": "query", "required": false,
            "description": format!("Encoding; default from the Accept header. The file formats export every matching feature (not a page; limit and offset are ignored), at most {MAX_FEATURES}"),
            "schema": { "type": "string", "enum": formats } })
}

/// The answers of the items: a page as GeoJSON or HTML, or a file.
fn items_responses() -> Value {
    let mut r = ok_html("application/geo+json", schema_ref("featureCollection"));
    for f in FileFormat::ALL {
        r["200"]["content"][f.media_type()] =
            json!({ "schema": { "type": "string", "format": "binary" } });
    }
    r["400"] = error_response(&format!("A parameter is malformed, or a file export would hold more than {MAX_FEATURES} features; the body says which"));
    r["429"] = error_response("Too many file exports are being written; see Retry-After");
    r
}

fn crs_enum() -> Value {
    json!(Crs::ALL.map(Crs::uri))
}

/// A reference to one of the schemas under `components`.
fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn get(summary: &str, parameters: Vec<Value>, mut responses: Value) -> Value {
    // Answered by the HTTP layer itself (hyper), before any handler, without a body: a path
    // and query of 64 KiB or more.
    if let Some(r) = responses.as_object_mut() {
        r.insert(
            "414".into(),
            json!({ "description": "URI Too Long: the path and query hold 64 KiB or more" }),
        );
    }
    json!({ "get": { "summary": summary, "parameters": parameters, "responses": responses } })
}

/// A GET of a document whose only parameter is `f` (JSON of `media`, or HTML).
fn get_document(summary: &str, media: &str, schema: Value) -> Value {
    get(summary, vec![f_param()], ok_html(media, schema))
}

/// The whole definition.
pub fn definition(base: &str) -> Value {
    let mut paths = Map::new();
    let json_object = json!({ "type": "object" });
    let metadata = [
        (
            "/",
            "Landing page (browsers asking for HTML get the map page)",
            "application/json",
            schema_ref("landing"),
        ),
        (
            "/conformance",
            "Conformance classes",
            "application/json",
            schema_ref("conformance"),
        ),
        (
            "/api",
            "This API definition",
            "application/vnd.oai.openapi+json;version=3.0",
            json_object.clone(),
        ),
        (
            "/collections",
            "The collections",
            "application/json",
            schema_ref("collections"),
        ),
    ];
    for (path, summary, media, schema) in metadata {
        paths.insert(path.into(), get_document(summary, media, schema));
    }
    for c in COLLECTIONS.iter() {
        let id = c.id;
        let title = c.title;
        let documents = [
            (
                "",
                "metadata and extent",
                "application/json",
                schema_ref("collection"),
            ),
            (
                "/schema",
                "the schema of the features (properties, types, units, labels)",
                "application/schema+json",
                json_object.clone(),
            ),
            (
                "/queryables",
                "properties that may be filtered on",
                "application/schema+json",
                json_object.clone(),
            ),
        ];
        for (sub, what, media, schema) in documents {
            paths.insert(
                format!("/collections/{id}{sub}"),
                get_document(&format!("{title}: {what}"), media, schema),
            );
        }
        let mut parameters = vec![
            items_f_param(),
            // A reference: GDAL and QGIS read the largest page from `components/parameters/limit`.
            json!({ "$ref": "#/components/parameters/limit" }),
            json!({ "name": "offset", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 0, "default": 0 } }),
            json!({ "name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "minx,miny,maxx,maxy (or 6 numbers with heights) in bbox-crs axis order",
                    "schema": { "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } } }),
            json!({ "name": "bbox-crs", "in": "query", "required": false, "schema": { "type": "string", "enum": crs_enum() } }),
            json!({ "name": "datetime", "in": "query", "required": false, "description": "Instant or interval (start/end, `..` open) on the last change", "schema": { "type": "string" } }),
            json!({ "name": "crs", "in": "query", "required": false, "schema": { "type": "string", "enum": crs_enum() } }),
            json!({ "name": "properties", "in": "query", "required": false, "style": "form", "explode": false,
                    "schema": { "type": "array", "items": { "type": "string", "enum": c.property_names().collect::<Vec<_>>() } } }),
            json!({ "name": "sortby", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "Property names, each with an optional + (ascending) or - (descending) prefix",
                    "schema": { "type": "array", "items": { "type": "string" } } }),
            json!({ "name": "filter", "in": "query", "required": false, "description": "A CQL2 filter (text or JSON, see filter-lang)", "schema": { "type": "string" } }),
            json!({ "name": "filter-lang", "in": "query", "required": false, "schema": { "type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text" } }),
            json!({ "name": "filter-crs", "in": "query", "required": false, "schema": { "type": "string", "enum": crs_enum() } }),
        ];
        for p in c.schema.queryables() {
            parameters.push(json!({ "name": p.name, "in": "query", "required": false, "description": format!("Only features whose {} equals this value", p.label_en), "schema": schema::json::value_schema(p) }));
        }
        paths.insert(
            format!("/collections/{id}/items"),
            get(
                &format!("{}: features", c.title),
                parameters,
                items_responses(),
            ),
        );
        paths.insert(
            format!("/collections/{id}/items/{{featureId}}"),
            get(
                &format!("{}: one feature", c.title),
                vec![
                    f_param(),
                    json!({ "name": "featureId", "in": "path", "required": true, "schema": { "type": "string" } }),
                    json!({ "name": "crs", "in": "query", "required": false, "schema": { "type": "string", "enum": crs_enum() } }),
                ],
                ok_html("application/geo+json", schema_ref("feature")),
            ),
        );
    }
    let bbox_param = json!({ "name": "bbox", "in": "query", "required": false, "style": "form", "explode": false, "description": "minLon,minLat,maxLon,maxLat (WGS84)",
                             "schema": { "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } } });
    for (path, title) in COLLECTIONS.iter().map(|c| (c.path, c.title)) {
        paths.insert(
            path.into(),
            get(
                &format!("{title} as GeoJSON"),
                vec![bbox_param.clone()],
                ok("application/geo+json", schema_ref("featureCollection")),
            ),
        );
        paths.insert(
            format!("{path}/{{id}}"),
            get(&format!("One of the {}", title.to_lowercase()), vec![json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } })],
                ok("application/geo+json", schema_ref("feature"))),
        );
    }
    let slug =
        json!({ "name": "slug", "in": "path", "required": true, "schema": { "type": "string" } });
    paths.insert("/areas/{slug}/summary".into(), get("An area's figures", vec![
        slug.clone(),
        json!({ "name": "as_of", "in": "query", "required": false, "description": "A date (end of day, UTC) or RFC 3339 time, not in the future", "schema": { "type": "string" } }),
        json!({ "name": "f", "in": "query", "required": false, "schema": { "type": "string", "enum": ["json", "csv"] } }),
        json!({ "name": "list_limit", "in": "query", "required": false, "description": "Entries per list (the first by reference); each list's `_count` gives the total",
                "schema": { "type": "integer", "minimum": 0, "maximum": 10000, "default": 100 } }),
    ], json!({
        "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } }, "text/csv": { "schema": { "type": "string" } } } },
        "304": { "description": "Unchanged since the ETag given in If-None-Match" },
        "400": error_response("A parameter is malformed"), "404": error_response("No such area"),
    })));
    paths.insert("/areas/{slug}/timeline".into(), get("An area's key figures over time", vec![
        slug,
        json!({ "name": "from", "in": "query", "required": false, "schema": { "type": "string", "format": "date" } }),
        json!({ "name": "to", "in": "query", "required": false, "schema": { "type": "string", "format": "date" } }),
        json!({ "name": "interval", "in": "query", "required": false, "schema": { "type": "string", "enum": ["day", "week", "month", "year"], "default": "month" } }),
    ], json!({ "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } },
               "400": error_response("A parameter is malformed"), "404": error_response("No such area") })));
    paths.insert("/plots/{id}/proximity".into(), get("Transit near a plot, nearest first", vec![
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }),
        json!({ "name": "radius_m", "in": "query", "required": false, "schema": { "type": "number", "minimum": 0, "maximum": 10000, "default": 2000 } }),
    ], json!({ "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } },
               "400": error_response("A parameter is malformed"), "404": error_response("No such plot") })));
    // Part 4 editing on plots and buildings, with the headers it needs.
    let if_match = json!({ "name": "If-Match", "in": "header", "required": true, "description": "The feature's ETag (428 without it, 412 when stale)", "schema": { "type": "string" } });
    let reason = json!({ "name": "X-Change-Reason", "in": "header", "required": false, "description": "Why: required for status changes and deletions", "schema": { "type": "string" } });
    let content_crs = json!({ "name": "Content-Crs", "in": "header", "required": false, "description": "CRS of the body's geometry, as <URI>; CRS84 without it", "schema": { "type": "string" } });
    let write_errors = |extra: Value| {
        let mut r = json!({
            "400": error_response("The body is not JSON"),
            "401": error_response("Not signed in"),
            "403": error_response("Not a planner of this area, or a cookie write without its CSRF token"),
            "404": error_response("No such feature"),
            "409": error_response("An illegal status change (with the allowed ones), a duplicate reference, or a plot that still has buildings"),
            "412": error_response("The feature changed since its ETag was read"),
            "413": error_response("The body is too large"),
            "422": error_response("A value or geometry breaks a rule; the body names the field (and a geometry problem's location)"),
            "428": error_response("If-Match is missing"),
        });
        if let (Some(r), Some(e)) = (r.as_object_mut(), extra.as_object()) {
            r.extend(e.clone());
        }
        r
    };
    let feature_body = json!({ "required": true, "content": {
        "application/geo+json": { "schema": { "$ref": "#/components/schemas/feature" } },
        "application/json": { "schema": { "$ref": "#/components/schemas/feature" } } } });
    let patch_body = json!({ "required": true, "content": {
        "application/merge-patch+json": { "schema": { "type": "object" } },
        "application/json": { "schema": { "type": "object" } } } });
    let saved = |code: &str| {
        json!({ code: { "description": "Saved; the body is the feature, the ETag header its new version",
        "content": { "application/geo+json": { "schema": { "$ref": "#/components/schemas/feature" } } } } })
    };
    let security = json!([{ "bearer": [] }, { "session": [] }]);
    let fid = json!({ "name": "featureId", "in": "path", "required": true, "schema": { "type": "string" } });
    for id in COLLECTIONS.iter().filter(|c| c.editable).map(|c| c.id) {
        if let Some(items) = paths
            .get_mut(&format!("/collections/{id}/items"))
            .and_then(Value::as_object_mut)
        {
            items.insert("post".into(), json!({ "summary": format!("Create one of the {id}"), "security": security,
                "parameters": [reason, content_crs], "requestBody": feature_body, "responses": write_errors(saved("201")) }));
        }
        if let Some(item) = paths
            .get_mut(&format!("/collections/{id}/items/{{featureId}}"))
            .and_then(Value::as_object_mut)
        {
            item.insert("put".into(), json!({ "summary": "Replace the feature", "security": security,
                "parameters": [fid, if_match, reason, content_crs], "requestBody": feature_body, "responses": write_errors(saved("200")) }));
            item.insert("patch".into(), json!({ "summary": "Change the feature with a JSON merge patch (RFC 7396)", "security": security,
                "parameters": [fid, if_match, reason, content_crs], "requestBody": patch_body, "responses": write_errors(saved("200")) }));
            item.insert("delete".into(), json!({ "summary": "Delete the feature (its history stays)", "security": security,
                "parameters": [fid, if_match, reason], "responses": write_errors(json!({ "204": { "description": "Deleted" } })) }));
        }
        paths.insert(format!("/collections/{id}/items/{{featureId}}/history"), get("Every recorded change of the feature, oldest first", vec![fid.clone()],
            json!({ "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } }, "404": error_response("No such feature") })));
        paths.insert(format!("/collections/{id}/items/{{featureId}}/documents"), json!({
            "get": { "summary": "The documents attached to the feature", "parameters": [fid],
                     "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } }, "404": error_response("No such feature") } },
            "post": { "summary": "Attach a document (PDF, PNG, JPEG, WebP, TIFF; at most 10 MiB)", "security": security,
                      "parameters": [fid, { "name": "filename", "in": "query", "required": true, "schema": { "type": "string" } }],
                      "requestBody": { "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
                      "responses": write_errors(json!({ "201": { "description": "Stored", "content": { "application/json": { "schema": { "type": "object" } } } },
                                                         "415": error_response("The bytes are not an accepted type") })) },
        }));
    }
    let query = |name: &str, required: bool, description: &str| json!({ "name": name, "in": "query", "required": required, "description": description, "schema": { "type": "string" } });
    paths.insert("/imports".into(), json!({ "post": {
        "summary": format!("Import a GeoPackage or zip (at most {} MiB) into a collection through a mapping (admins): a dry run's report, or with confirm=true the import and its change set", crate::http::imports::MAX_IMPORT_BYTES / 1024 / 1024),
        "security": security,
        "parameters": [
            query("into", true, "The collection: plots, buildings, areas, stations, brt_lines, brt_stops, cycle_superhighways"),
            query("mapping", false, "The mapping as TOML (see the README); without it, fields named like plotline's properties feed them"),
            query("area", false, "The area (slug) every plot goes into"),
            query("layer", false, "The source layer, when the file has several"),
            query("filename", false, "The file's name, for the report and the history"),
            json!({ "name": "confirm", "in": "query", "required": false, "description": "true: import; false (default): dry run", "schema": { "type": "string", "enum": ["true", "false"] } }),
        ],
        "requestBody": { "required": true, "content": {
            "application/geopackage+sqlite3": { "schema": { "type": "string", "format": "binary" } },
            "application/zip": { "schema": { "type": "string", "format": "binary" } },
            "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
        "responses": {
            "200": { "description": "The dry run's report (nothing written)", "content": { "application/json": { "schema": { "type": "object", "required": ["problems", "committed"] } } } },
            "201": { "description": "Imported; the report with its change set", "content": { "application/json": { "schema": { "type": "object", "required": ["problems", "committed", "change_set"] } } } },
            "400": error_response("A parameter is missing or malformed"),
            "401": error_response("Not signed in"),
            "403": error_response("Not an admin, or a cookie write without its CSRF token"),
            "413": error_response("The upload is too large"),
            "415": error_response("The body is neither a GeoPackage nor a zip"),
            "422": { "description": "The mapping or the file is wrong (an error), or with confirm=true the import was refused (the report, naming every problem; nothing written)",
                     "content": { "application/json": { "schema": { "type": "object" } } } },
        } } }));
    paths.insert("/documents/{id}".into(), get("Download a document", vec![json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } })],
        json!({ "200": { "description": "The file", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } }, "404": error_response("No such document") })));
    paths.insert("/auth/login".into(), json!({ "post": { "summary": "Sign in: sets the session cookie, answers the CSRF token",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["username", "password"],
            "properties": { "username": { "type": "string" }, "password": { "type": "string" } } } } } },
        "responses": { "200": { "description": "Signed in", "content": { "application/json": { "schema": { "type": "object" } } } },
                       "400": error_response("The body is not JSON"), "401": error_response("Wrong user name or password"),
                       "422": error_response("User name or password missing"), "429": error_response("Too many failed sign-ins; see Retry-After") } } }));
    paths.insert("/auth/logout".into(), json!({ "post": { "summary": "Sign out", "responses": { "204": { "description": "Signed out" } } } }));
    paths.insert("/auth/me".into(), get("Who is signed in", vec![], json!({ "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } } })));
    paths.insert("/changes".into(), get("Recorded changes after a change id or time", vec![
        json!({ "name": "since", "in": "query", "required": false, "description": "A change id, or an RFC 3339 time", "schema": { "type": "string" } }),
        json!({ "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 1000, "default": 100 } }),
    ], json!({ "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } }, "400": error_response("A parameter is malformed") })));
    let goal_id = json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 1 } });
    let goal_answer = json!({ "200": { "description": "The goal; the ETag header its version", "content": { "application/json": { "schema": { "type": "object" } } } },
                               "404": error_response("No such goal") });
    paths.insert("/goals".into(), get("The goals the figures are measured against, with their periods", vec![],
        json!({ "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object", "required": ["goals"] } } } } })));
    paths.insert("/goals/{id}".into(), json!({
        "get": { "summary": "One goal", "parameters": [goal_id], "responses": goal_answer },
        "patch": { "summary": "Change a goal's period, target, title, source or accuracy (admins; JSON merge patch)", "security": security,
                   "parameters": [goal_id, if_match, reason], "requestBody": patch_body, "responses": write_errors(goal_answer) },
    }));
    paths.insert("/changes/stream".into(), get("Changes as server-sent events, live", vec![
        json!({ "name": "since", "in": "query", "required": false, "schema": { "type": "string" } }),
    ], json!({ "200": { "description": "An event stream", "content": { "text/event-stream": { "schema": {} } } }, "400": error_response("A parameter is malformed") })));
    paths.insert("/rules".into(), get("The domain's rules: plot lifecycle, radii (m), DGNB thresholds, the Fingerplan office limit, enumerations", vec![],
        json!({ "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object", "required": ["plot_lifecycle", "radii_m", "dgnb", "fingerplan", "enums"] } } } },
                "304": { "description": "Unchanged since the ETag given in If-None-Match" }, "400": error_response("A parameter was given; there are none") })));
    paths.insert("/health".into(), json!({ "get": { "summary": "Database and PostGIS", "responses": {
        "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } },
        "503": { "description": "The database cannot be reached", "content": { "application/json": { "schema": { "type": "object" } } } } } } }));

    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "plotline",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Plots, buildings, DGNB certification and transit proximity of Ballerup Kommune's development areas, as OGC API – Features (Parts 1, 2 and 3) and GeoJSON.",
        },
        "servers": [{ "url": base }],
        "paths": paths,
        "components": {
        "parameters": {
            "limit": { "name": "limit", "in": "query", "required": false,
                       "description": format!("Page size, default {}, at most {} (larger values are taken as {}, as OGC API – Features asks)", LIMIT.0, LIMIT.1, LIMIT.1),
                       "schema": { "type": "integer", "minimum": 1, "maximum": LIMIT.1, "default": LIMIT.0 } },
        },
        "securitySchemes": {
            "bearer": { "type": "http", "scheme": "bearer", "description": "An API token from `plotline token create`" },
            "session": { "type": "apiKey", "in": "cookie", "name": "plotline_session", "description": "The map page's session (writes also need X-CSRF-Token)" },
        },
        "schemas": {
            "error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "status", "message"],
                "properties": { "code": { "type": "string" }, "status": { "type": "integer" }, "message": { "type": "string" }, "parameter": { "type": "string" } } } } },
            "link": { "type": "object", "required": ["href"], "properties": { "href": { "type": "string" }, "rel": { "type": "string" }, "type": { "type": "string" }, "title": { "type": "string" } } },
            "landing": { "type": "object", "required": ["links"], "properties": { "title": { "type": "string" }, "description": { "type": "string" }, "links": { "type": "array", "items": { "$ref": "#/components/schemas/link" } } } },
            "conformance": { "type": "object", "required": ["conformsTo"], "properties": { "conformsTo": { "type": "array", "items": { "type": "string" } } } },
            "collection": { "type": "object", "required": ["id", "links"], "properties": { "id": { "type": "string" }, "title": { "type": "string" }, "description": { "type": "string" },
                "links": { "type": "array", "items": { "$ref": "#/components/schemas/link" } }, "extent": { "type": "object" }, "itemType": { "type": "string" },
                "crs": { "type": "array", "items": { "type": "string" } }, "storageCrs": { "type": "string" } } },
            "collections": { "type": "object", "required": ["links", "collections"], "properties": { "links": { "type": "array", "items": { "$ref": "#/components/schemas/link" } },
                "collections": { "type": "array", "items": { "$ref": "#/components/schemas/collection" } } } },
            "feature": { "type": "object", "required": ["type", "geometry", "properties"], "properties": { "type": { "type": "string", "enum": ["Feature"] },
                "id": { "oneOf": [{ "type": "string" }, { "type": "integer" }] }, "geometry": { "type": "object", "nullable": true }, "properties": { "type": "object", "nullable": true },
                "links": { "type": "array", "items": { "$ref": "#/components/schemas/link" } } } },
            "featureCollection": { "type": "object", "required": ["type", "features"], "properties": { "type": { "type": "string", "enum": ["FeatureCollection"] },
                "features": { "type": "array", "items": { "$ref": "#/components/schemas/feature" } }, "links": { "type": "array", "items": { "$ref": "#/components/schemas/link" } },
                "numberMatched": { "type": "integer", "minimum": 0 }, "numberReturned": { "type": "integer", "minimum": 0 }, "timeStamp": { "type": "string", "format": "date-time" } } },
        } },
    })
}

pub(super) async fn document(req: OgcRequest) -> Result<Response> {
    // The definition changes only with the program, not with the data.
    let body = async |base: &str| Ok(definition(base));
    let media = "application/vnd.oai.openapi+json;version=3.0";
    req.answer(None, media, body, html_index).await
}

/// The definition as an HTML list: each path with its summary and parameters.
fn html_index(doc: &Value) -> String {
    let paths: Vec<String> = doc["paths"]
        .as_object()
        .map(|p| {
            p.iter()
                .map(|(path, op)| {
                    let params: Vec<&str> = op["get"]["parameters"]
                        .as_array()
                        .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
                        .unwrap_or_default();
                    format!(
                        "GET {path} — {} ({})",
                        op["get"]["summary"].as_str().unwrap_or(""),
                        params.join(", ")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    html::list_page("API definition (OpenAPI 3.0 as JSON at /api?f=json)", &refs)
}
