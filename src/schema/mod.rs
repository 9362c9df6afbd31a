//! One description per published collection: every property with its type, unit, range,
//! enum values (from the domain enums), who may read it, whether it is writable, its labels in
//! Danish and English, and the SQL that reads it.
//!
//! Everything else is derived from these descriptions, never written again: the SQL that reads
//! and filters features (`sql`), the queryables and the Part 5 schema (`json`), the OpenAPI
//! document, write validation, and the HTML columns.
//!
//! Adding a property to a collection takes three files: the migration that stores it, its line
//! in `collections.rs`, and a test.

mod collections;
pub mod json;
pub mod sql;

use std::borrow::Cow;

pub use collections::{find, COLLECTIONS};

/// How a collection's feature ids look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// A database integer; a person may also use the `alt_id` (a reference such as `KD-03`).
    Integer,
    /// A text key such as an area's slug.
    Text,
}

/// The unit a number is measured in (OGC Part 5 `x-ogc-unit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Metres, measured in EPSG:25832.
    Metre,
    /// Square metres, measured in EPSG:25832.
    SquareMetre,
    /// Hectares (10,000 m²), measured in EPSG:25832.
    Hectare,
    /// Per cent.
    Percent,
    /// Danish kroner.
    Dkk,
}

impl Unit {
    /// The unit's symbol as published (`x-ogc-unit`).
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Metre => "m",
            Unit::SquareMetre => "m2",
            Unit::Hectare => "ha",
            Unit::Percent => "pct",
            Unit::Dkk => "dkk",
        }
    }
}

/// The kind of value a property holds, with its range where it has one.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Text,
    /// A real number within `min..=max`.
    Number {
        min: f64,
        max: f64,
    },
    /// A whole number within `min..=max`.
    Integer {
        min: i64,
        max: i64,
    },
    Boolean,
    /// A calendar date (`YYYY-MM-DD`).
    Date,
    /// An instant (RFC 3339).
    Timestamp,
    /// A UUID, written and compared as text.
    Uuid,
    /// One of these values, in the domain's order.
    Enum(Vec<&'static str>),
    /// A JSON array (ids, names): published, not filterable.
    List,
}

impl Kind {
    /// The value's JSON Schema type.
    pub fn json_type(&self) -> &'static str {
        match self {
            Kind::Number { .. } => "number",
            Kind::Integer { .. } => "integer",
            Kind::Boolean => "boolean",
            Kind::List => "array",
            _ => "string",
        }
    }

    /// The JSON Schema `format` of a string value, where it has one.
    pub fn format(&self) -> Option<&'static str> {
        match self {
            Kind::Date => Some("date"),
            Kind::Timestamp => Some("date-time"),
            Kind::Uuid => Some("uuid"),
            _ => None,
        }
    }
}

/// How a property is filtered and sorted on (the allow-list of `crate::filter`): its name in the API, its type, and the SQL
/// expression that reads it (an allow-listed, trusted fragment such as `"status"` or `geom`).
#[derive(Debug, Clone, Copy)]
pub struct Queryable {
    pub name: &'static str,
    pub kind: QueryableKind,
    pub sql: &'static str,
}

/// The type of a [`Queryable`]. For all kinds but `String` and `Geometry`, the SQL fragment is
/// cast (`::float8`, `::bigint`, `::boolean`, `::date`, `::timestamptz`), so it may yield text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryableKind {
    String,
    Number,
    Integer,
    Boolean,
    Date,
    Timestamp,
    Geometry,
}

impl QueryableKind {
    /// The SQL type a property of this kind is read as (its fragment may yield text); `None`
    /// for strings and geometry, which are read as they are.
    pub fn sql_type(self) -> Option<&'static str> {
        match self {
            QueryableKind::String | QueryableKind::Geometry => None,
            QueryableKind::Number => Some("float8"),
            QueryableKind::Integer => Some("bigint"),
            QueryableKind::Boolean => Some("boolean"),
            QueryableKind::Date => Some("date"),
            QueryableKind::Timestamp => Some("timestamptz"),
        }
    }
}

/// Who may read a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Everyone, in every answer.
    Public,
    /// Signed-in planners and admins only (internal fields).
    Planner,
}

/// Whether and how a client may write a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Derived by the server; accepted in a body (tools send back what they read) and ignored.
    ReadOnly,
    /// May be given; absent means empty.
    Optional,
    /// Must be given when a feature is created.
    Required,
}

/// Who is reading: what a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Public,
    Planner,
}

impl Role {
    /// Whether a property with this access is shown to this role.
    pub fn may_read(self, access: Access) -> bool {
        access == Access::Public || self == Role::Planner
    }
}

/// One property of a collection.
#[derive(Debug, Clone)]
pub struct Property {
    pub name: &'static str,
    pub kind: Kind,
    pub unit: Option<Unit>,
    /// The label in English and in Danish.
    pub label_en: &'static str,
    pub label_da: &'static str,
    pub access: Access,
    pub write: Write,
    /// The SQL expression that reads it, over the collection's `from` (aliases included).
    pub sql: Cow<'static, str>,
    /// The most characters a text value may have.
    pub max_chars: usize,
    /// Whether vector tiles carry it (what the map styles, filters and labels with).
    pub tile: bool,
}

impl Property {
    /// Whether it may be filtered and sorted on: public scalar values only.
    pub fn queryable(&self) -> bool {
        self.access == Access::Public && self.kind != Kind::List
    }

    /// Whether a client may write it.
    pub fn writable(&self) -> bool {
        self.write != Write::ReadOnly
    }

    /// This property, with a range.
    fn range(mut self, min: f64, max: f64) -> Self {
        self.kind = match self.kind {
            Kind::Integer { .. } => Kind::Integer {
                min: min as i64,
                max: max as i64,
            },
            _ => Kind::Number { min, max },
        };
        self
    }

    fn unit(mut self, unit: Unit) -> Self {
        self.unit = Some(unit);
        self
    }

    fn planner(mut self) -> Self {
        self.access = Access::Planner;
        self
    }

    fn optional(mut self) -> Self {
        self.write = Write::Optional;
        self
    }

    fn required(mut self) -> Self {
        self.write = Write::Required;
        self
    }

    /// Carried in the vector tiles (public properties only).
    fn tile(mut self) -> Self {
        self.tile = true;
        self
    }

    /// A text that may be long (notes, descriptions).
    fn long(mut self) -> Self {
        self.max_chars = LONG_TEXT_CHARS;
        self
    }
}

/// A read-only property: `prop(name, kind, (english, danish), sql)`, then `.unit()`, `.range()`,
/// `.optional()`, `.required()`, `.planner()` as it needs.
fn prop(
    name: &'static str,
    kind: Kind,
    (label_en, label_da): (&'static str, &'static str),
    sql: impl Into<Cow<'static, str>>,
) -> Property {
    Property {
        name,
        kind,
        unit: None,
        label_en,
        label_da,
        access: Access::Public,
        write: Write::ReadOnly,
        sql: sql.into(),
        max_chars: TEXT_CHARS,
        tile: false,
    }
}

/// The most characters of a text property: names, references, codes.
pub const TEXT_CHARS: usize = 200;
/// The most characters of a long text property: notes, descriptions.
pub const LONG_TEXT_CHARS: usize = 10_000;

/// The table a collection is stored in, and its key columns.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// The table's name (a fixed identifier).
    pub name: &'static str,
    /// Its alias in `from` and in every property's SQL.
    pub alias: &'static str,
    /// The geometry column (EPSG:25832).
    pub geometry: &'static str,
    /// The column a person may use instead of the id (`reference`, `code`), if any.
    pub alt_id: Option<&'static str>,
    /// The key a feature is published under (`id`, or `slug` for areas).
    pub key: &'static str,
}

/// A published collection, described once.
#[derive(Debug)]
pub struct Collection {
    /// The collection's name in URLs and in the OGC API.
    pub id: &'static str,
    /// What one feature is called in messages.
    pub singular: &'static str,
    /// Where the plain GeoJSON collection is published (`/plots`, `/transit/brt`).
    pub path: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// GeoJSON geometry type of its features.
    pub geometry_type: &'static str,
    pub id_kind: IdKind,
    pub table: Table,
    /// Further joins after the table (each must be removable when unused: LEFT JOIN on a key).
    pub joins: String,
    /// Whether its history is kept, so that it can be read `as_of` a past time.
    pub history: bool,
    /// Whether planners edit it (OGC API – Features Part 4).
    pub editable: bool,
    pub properties: Vec<Property>,
}

impl Collection {
    /// The property of that name.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// The properties vector tiles carry: those marked for tiles, or, where none is, every
    /// public scalar property (the small transit layers). Never a planner's property.
    pub fn tile_properties(&self) -> Vec<&Property> {
        let public = || self.properties.iter().filter(|p| p.queryable());
        let marked: Vec<&Property> = public().filter(|p| p.tile).collect();
        if marked.is_empty() {
            public().collect()
        } else {
            marked
        }
    }

    /// The properties this role may read, in order.
    pub fn readable(&self, role: Role) -> impl Iterator<Item = &Property> + '_ {
        self.properties
            .iter()
            .filter(move |p| role.may_read(p.access))
    }

    /// The properties that may be filtered and sorted on.
    pub fn queryables(&self) -> impl Iterator<Item = &Property> + '_ {
        self.properties.iter().filter(|p| p.queryable())
    }

    /// Whether some properties are for planners only.
    pub fn has_internal(&self) -> bool {
        self.properties.iter().any(|p| p.access == Access::Planner)
    }

    /// The properties a client may write.
    pub fn writable(&self) -> impl Iterator<Item = &Property> + '_ {
        self.properties.iter().filter(|p| p.writable())
    }
}
