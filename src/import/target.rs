//! The collection an import goes into, and the properties it can fill, derived from the
//! collection's description (`crate::schema`): an editable collection (`crate::edit::Target`)
//! takes its writable properties and is saved through the editing use case; another layer
//! takes the columns `db::import` stores for it, checked against the description where it
//! describes them.

use serde_json::Value;

use crate::db::import::Layer;
use crate::edit::{fields, Target};
use crate::schema::{self, Kind, Property, Unit, Write};

/// How an import target's features are saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Save {
    /// Through `crate::edit::import_feature`: the API's validation, rules and save.
    Edit(Target),
    /// Through `db::import::upsert`, keyed by the layer's natural key.
    Upsert(Layer),
}

/// One property an import can fill.
#[derive(Debug, Clone)]
pub struct ImportProperty {
    pub name: String,
    pub kind: Kind,
    pub unit: Option<Unit>,
    pub label_da: &'static str,
    /// Whether every feature must have it.
    pub required: bool,
    /// Its description, when the collection has one for it.
    described: Option<&'static Property>,
}

impl ImportProperty {
    fn of(p: &'static Property) -> ImportProperty {
        ImportProperty {
            name: p.name.to_owned(),
            kind: p.kind.clone(),
            unit: p.unit,
            label_da: p.label_da,
            required: p.write == Write::Required,
            described: Some(p),
        }
    }

    /// Checks one value against the property's kind, range and enum (the write path's check).
    pub fn check(&self, value: &Value) -> Result<(), String> {
        if value.is_null() {
            return Ok(());
        }
        match self.described {
            Some(p) if p.writable() => fields::check_value(p, value).map_err(|e| e.to_string()),
            // Described but read-only in the API (transit layers, areas): the same check on a
            // copy that is writable, without the API's length limit for written text (the
            // register's texts are what they are).
            Some(p) => {
                let mut p = p.clone();
                p.write = Write::Optional;
                p.max_chars = schema::LONG_TEXT_CHARS;
                fields::check_value(&p, value).map_err(|e| e.to_string())
            }
            None => match (&self.kind, value) {
                (Kind::Integer { .. }, v) if v.as_i64().is_none() => {
                    Err(format!("`{}`: expected a whole number, got {v}", self.name))
                }
                (Kind::Text, v) if !v.is_string() => {
                    Err(format!("`{}`: expected text, got {v}", self.name))
                }
                _ => Ok(()),
            },
        }
    }
}

/// A collection features can be imported into.
#[derive(Debug, Clone)]
pub struct ImportTarget {
    id: &'static str,
    save: Save,
    properties: Vec<ImportProperty>,
}

impl ImportTarget {
    /// The target with this collection id.
    pub fn parse(id: &str) -> Option<ImportTarget> {
        if let Some(target) = Target::parse(id) {
            let c = fields::collection(target);
            // A property the importer fills in when a file has none (a plot's status) is not
            // required of the mapping.
            let defaulted = crate::edit::import_defaults(target, serde_json::Map::new());
            let properties = c
                .writable()
                .map(|p| ImportProperty {
                    required: p.write == Write::Required && !defaulted.contains_key(p.name),
                    ..ImportProperty::of(p)
                })
                .collect();
            return Some(ImportTarget {
                id: c.id,
                save: Save::Edit(target),
                properties,
            });
        }
        let layer = Layer::from_name(id)?;
        let described = schema::find(layer.name());
        let key = layer.key_property();
        let parent = layer.parent_property().map(|(p, _)| p);
        let properties = layer
            .stored_properties()
            .into_iter()
            .map(|(name, ty)| {
                let p = described.and_then(|c| c.property(&name));
                let required = name == key || Some(name.as_str()) == parent;
                match p {
                    Some(p) => ImportProperty {
                        required,
                        ..ImportProperty::of(p)
                    },
                    None => ImportProperty {
                        kind: if ty == "integer" {
                            Kind::Integer {
                                min: i64::from(i32::MIN),
                                max: i64::from(i32::MAX),
                            }
                        } else {
                            Kind::Text
                        },
                        name,
                        unit: None,
                        label_da: "",
                        required,
                        described: None,
                    },
                }
            })
            .collect();
        Some(ImportTarget {
            id: layer.name(),
            save: Save::Upsert(layer),
            properties,
        })
    }

    /// Every collection that can be imported into.
    pub fn all() -> Vec<&'static str> {
        let mut ids: Vec<&'static str> = schema::COLLECTIONS
            .iter()
            .map(|c| c.id)
            .filter(|id| ImportTarget::parse(id).is_some())
            .collect();
        for layer in Layer::ALL {
            if !ids.contains(&layer.name()) {
                ids.push(layer.name());
            }
        }
        ids
    }

    /// The collection's id.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// How its features are saved.
    pub fn save(&self) -> Save {
        self.save
    }

    /// The properties an import can fill.
    pub fn properties(&self) -> &[ImportProperty] {
        &self.properties
    }

    /// The property of that name.
    pub fn property(&self, name: &str) -> Option<ImportProperty> {
        self.properties.iter().find(|p| p.name == name).cloned()
    }

    /// The property that identifies a feature (an import updates the feature it names).
    pub fn key(&self) -> &'static str {
        match self.save {
            Save::Edit(_) => "reference",
            Save::Upsert(layer) => layer.key_property(),
        }
    }

    /// The GeoJSON geometry type its features have.
    pub fn geometry_type(&self) -> &'static str {
        schema::find(self.id).map_or("Geometry", |c| c.geometry_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layer_is_a_target_with_its_key_required() {
        for id in ImportTarget::all() {
            let t = ImportTarget::parse(id).unwrap();
            let key = t
                .property(t.key())
                .unwrap_or_else(|| panic!("{id} has its key"));
            assert!(key.required, "{id}");
        }
        let plots = ImportTarget::parse("plots").unwrap();
        assert!(plots.property("plot_area_m2").is_none(), "derived");
        assert!(plots
            .property("land_use")
            .unwrap()
            .check(&"office".into())
            .is_ok());
        assert!(plots
            .property("land_use")
            .unwrap()
            .check(&"x".into())
            .is_err());
        let areas = ImportTarget::parse("areas").unwrap();
        let level = areas.property("target_dgnb_level").unwrap();
        assert!(level.check(&"gold".into()).is_ok() && level.check(&"golden".into()).is_err());
        assert!(ImportTarget::parse("nothing").is_none());
    }
}
