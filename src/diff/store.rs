//! One side of a comparison, held in memory compactly: per element its position, a flag for
//! "seen on the other side", and its values packed into one string with a small index. Keys are
//! interned, so a million elements with the same fifteen keys keep fifteen key strings.

use std::collections::HashMap;

use crate::body::read::{BodyElement, FieldValue};

/// Separates relation targets inside the packed text (IDs never hold a NUL: a body carries
/// text XML can carry, and XML cannot carry U+0000).
const TARGET_SEP: char = '\0';

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Null,
    Targets,
}

/// Where one field's value ends in the packed text, and what it is.
#[derive(Clone, Copy, Debug)]
struct Slot {
    key: u32,
    end: u32,
    kind: Kind,
}

/// An element of the stored side.
#[derive(Debug)]
pub struct Stored {
    /// Position in its body (1-based).
    pub index: u64,
    /// Whether the other side has an element with this id.
    pub seen: bool,
    data: Box<str>,
    slots: Box<[Slot]>,
}

/// Interned field keys.
#[derive(Debug, Default)]
pub struct Keys {
    names: Vec<Box<str>>,
    index: HashMap<Box<str>, u32>,
}

impl Keys {
    fn intern(&mut self, key: &str) -> u32 {
        if let Some(&k) = self.index.get(key) {
            return k;
        }
        let k = self.names.len() as u32;
        self.names.push(key.into());
        self.index.insert(key.into(), k);
        k
    }

    pub fn name(&self, key: u32) -> &str {
        &self.names[key as usize]
    }
}

/// The elements of one side, by external id.
#[derive(Debug, Default)]
pub struct Store {
    pub keys: Keys,
    pub elements: HashMap<Box<str>, Stored>,
}

impl Store {
    /// Keeps `element` under `id`; `false` if the id was already there (the first is kept).
    pub fn insert(&mut self, id: &str, element: &BodyElement) -> bool {
        if self.elements.contains_key(id) {
            return false;
        }
        let mut data = String::new();
        let mut slots = Vec::with_capacity(element.fields.len());
        for (key, value) in &element.fields {
            let kind = match value {
                FieldValue::Text(t) => {
                    data.push_str(t);
                    Kind::Text
                }
                FieldValue::Number(n) => {
                    data.push_str(n);
                    Kind::Number
                }
                FieldValue::Null => Kind::Null,
                FieldValue::Targets(ids) => {
                    for (i, id) in ids.iter().enumerate() {
                        if i > 0 {
                            data.push(TARGET_SEP);
                        }
                        data.push_str(id);
                    }
                    Kind::Targets
                }
            };
            slots.push(Slot {
                key: self.keys.intern(key),
                end: data.len() as u32,
                kind,
            });
        }
        self.elements.insert(
            id.into(),
            Stored {
                index: element.index,
                seen: false,
                data: data.into_boxed_str(),
                slots: slots.into_boxed_slice(),
            },
        );
        true
    }

    /// The fields of a stored element, unpacked.
    pub fn fields(&self, stored: &Stored) -> Vec<(String, FieldValue)> {
        let mut start = 0usize;
        stored
            .slots
            .iter()
            .map(|slot| {
                let text = &stored.data[start..slot.end as usize];
                start = slot.end as usize;
                let value = match slot.kind {
                    Kind::Text => FieldValue::Text(text.to_owned()),
                    Kind::Number => FieldValue::Number(text.to_owned()),
                    Kind::Null => FieldValue::Null,
                    Kind::Targets if text.is_empty() => FieldValue::Targets(Vec::new()),
                    Kind::Targets => FieldValue::Targets(text.split(TARGET_SEP).map(str::to_owned).collect()),
                };
                (self.keys.name(slot.key).to_owned(), value)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_come_back_as_they_went_in() {
        let element = BodyElement {
            index: 3,
            id: Some("A".into()),
            fields: vec![
                ("Name".into(), FieldValue::Text("Pump – ø".into())),
                ("Empty".into(), FieldValue::Text(String::new())),
                ("W".into(), FieldValue::Number("2.5".into())),
                ("N".into(), FieldValue::Null),
                ("R".into(), FieldValue::Targets(vec!["E-1".into(), "E-2".into()])),
                ("C".into(), FieldValue::Targets(vec![])),
                ("One".into(), FieldValue::Targets(vec!["X".into()])),
            ],
        };
        let mut store = Store::default();
        assert!(store.insert("A", &element));
        assert!(!store.insert("A", &BodyElement::default()));
        let stored = &store.elements["A"];
        assert_eq!(stored.index, 3);
        assert_eq!(store.fields(stored), element.fields);
    }
}
