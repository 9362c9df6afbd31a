//! The published collections as OGC API – Features serves them: each collection's description
//! (`crate::schema`) with the allow-list of queryables that filters and sorting are built from.

use std::ops::Deref;
use std::sync::LazyLock;

use crate::filter::{Queryable, QueryableKind};
use crate::schema::{self, Kind};

/// A collection with its queryables, made from its description.
#[derive(Debug)]
pub struct OgcCollection {
    pub schema: &'static schema::Collection,
    /// Filterable and sortable properties, the geometry last; each reads the column of its
    /// name of the collection's source (`schema::sql::source`).
    pub queryables: Vec<Queryable>,
}

impl Deref for OgcCollection {
    type Target = schema::Collection;

    fn deref(&self) -> &schema::Collection {
        self.schema
    }
}

impl OgcCollection {
    /// The queryable of that name (never the geometry).
    pub fn property(&self, name: &str) -> Option<&Queryable> {
        self.queryables
            .iter()
            .find(|q| q.name == name && q.kind != QueryableKind::Geometry)
    }

    /// The names of every queryable property (for `properties=` and sorting).
    pub fn property_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.queryables
            .iter()
            .filter(|q| q.kind != QueryableKind::Geometry)
            .map(|q| q.name)
    }
}

/// How a property of this kind is filtered; `None` for what cannot be (lists).
pub fn queryable_kind(kind: &Kind) -> Option<QueryableKind> {
    Some(match kind {
        Kind::Text | Kind::Enum(_) | Kind::Uuid => QueryableKind::String,
        Kind::Number { .. } => QueryableKind::Number,
        Kind::Integer { .. } => QueryableKind::Integer,
        Kind::Boolean => QueryableKind::Boolean,
        Kind::Date => QueryableKind::Date,
        Kind::Timestamp => QueryableKind::Timestamp,
        Kind::List => return None,
    })
}

fn ogc(c: &'static schema::Collection) -> OgcCollection {
    let mut queryables: Vec<Queryable> = c
        .queryables()
        .filter_map(|p| {
            Some(Queryable {
                name: p.name,
                kind: queryable_kind(&p.kind)?,
                // A fixed name from the description, quoted; lives as long as the program.
                sql: Box::leak(format!("\"{}\"", p.name).into_boxed_str()),
            })
        })
        .collect();
    queryables.push(Queryable {
        name: "geometry",
        kind: QueryableKind::Geometry,
        sql: "geom",
    });
    OgcCollection {
        schema: c,
        queryables,
    }
}

/// Every collection, in the order `/collections` lists them.
pub static COLLECTIONS: LazyLock<Vec<OgcCollection>> =
    LazyLock::new(|| schema::COLLECTIONS.iter().map(ogc).collect());

/// The collection with this id.
pub fn find(id: &str) -> Option<&'static OgcCollection> {
    COLLECTIONS.iter().find(|c| c.id == id)
}
