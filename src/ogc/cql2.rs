//! The allow-list types moved to [`crate::filter`], with the one filter path.

pub use crate::filter::{Queryable, QueryableKind};
