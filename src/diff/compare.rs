//! Comparing two bodies by external id. The old side is kept in a [`Store`]; the new side is
//! streamed past it: each new element is created or compared field by field, and whatever of
//! the old side was not seen is deleted.
//!
//! Values compare as Relatics reads them: an empty string, `null` and an empty relation all
//! clear a field; relation targets are sets (order and repeats do not matter); a JSON number
//! and text compare by number when both are numbers (`42` and `42.0`). A key that one side
//! leaves out is "not sent" there (Relatics keeps what it has).

use std::collections::HashSet;
use std::io;

use super::store::Store;
use crate::body::read::{BodyElement, ElementSink, FieldValue};
use crate::names::decode_local_name;

/// How many structure problems of one body are kept for the message.
const MAX_PROBLEMS: usize = 20;

/// One field that differs: its escaped key, and the value on each side (`None`: not sent).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    pub key: String,
    pub old: Option<FieldValue>,
    pub new: Option<FieldValue>,
}

impl FieldChange {
    /// The field's name as Relatics spells it.
    pub fn name(&self) -> String {
        decode_local_name(&self.key)
    }
}

/// An element on one side only.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
    pub id: String,
    /// Its name, when it has a field that looks like one (`Name`, `Naam`, `Title`).
    pub name: Option<String>,
}

/// An element on both sides with different values.
#[derive(Clone, Debug, PartialEq)]
pub struct Changed {
    pub id: String,
    pub name: Option<String>,
    pub fields: Vec<FieldChange>,
}

/// Where the differences go, as they are found: created and changed elements in the new
/// body's order, then deleted ones in the old body's order.
pub trait ChangeSink {
    fn created(&mut self, element: Listed) -> io::Result<()>;
    fn changed(&mut self, element: Changed) -> io::Result<()>;
    fn deleted(&mut self, element: Listed) -> io::Result<()>;
}

/// How many of each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub old: u64,
    pub new: u64,
    pub created: u64,
    pub deleted: u64,
    pub changed: u64,
    pub unchanged: u64,
}

impl Counts {
    pub fn identical(&self) -> bool {
        self.created == 0 && self.deleted == 0 && self.changed == 0
    }
}

/// What is wrong with a body's structure, for the message that stops the comparison.
#[derive(Debug, Default)]
pub struct BodyProblems {
    pub count: u64,
    pub first: Vec<String>,
}

impl BodyProblems {
    fn add(&mut self, at: String, message: String) {
        self.count += 1;
        if self.first.len() < MAX_PROBLEMS {
            self.first.push(format!("{at}: {message}"));
        }
    }
}

/// The name-like field of an element, for people.
pub fn display_name(fields: &[(String, FieldValue)]) -> Option<String> {
    const NAMES: [&str; 4] = ["name", "naam", "title", "titel"];
    fields.iter().find_map(|(key, value)| match value {
        FieldValue::Text(t)
            if !t.trim().is_empty() && NAMES.contains(&decode_local_name(key).to_lowercase().as_str()) =>
        {
            Some(t.clone())
        }
        _ => None,
    })
}

/// Whether a value clears its field.
fn is_empty(value: &FieldValue) -> bool {
    match value {
        FieldValue::Text(t) => t.is_empty(),
        FieldValue::Null => true,
        FieldValue::Targets(ids) => ids.is_empty(),
        FieldValue::Number(_) => false,
    }
}

/// Whether two values of a field mean the same to Relatics.
pub fn same(old: Option<&FieldValue>, new: Option<&FieldValue>) -> bool {
    let (old, new) = match (old, new) {
        (None, None) => return true,
        (Some(a), Some(b)) => (a, b),
        _ => return false,
    };
    if is_empty(old) && is_empty(new) {
        return true;
    }
    match (old, new) {
        (FieldValue::Targets(a), FieldValue::Targets(b)) => {
            let a: HashSet<&str> = a.iter().map(String::as_str).collect();
            let b: HashSet<&str> = b.iter().map(String::as_str).collect();
            a == b
        }
        (FieldValue::Text(a) | FieldValue::Number(a), FieldValue::Text(b) | FieldValue::Number(b)) => {
            if a == b {
                return true;
            }
            let numeric = matches!(old, FieldValue::Number(_)) || matches!(new, FieldValue::Number(_));
            numeric
                && match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
                    (Ok(x), Ok(y)) => x == y,
                    _ => false,
                }
        }
        _ => false,
    }
}

/// The fields that differ, in the new element's order, then fields only the old one sends.
pub fn field_changes(old: &[(String, FieldValue)], new: &[(String, FieldValue)]) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    for (key, value) in new {
        let before = old.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        if !same(before, Some(value)) {
            changes.push(FieldChange {
                key: key.clone(),
                old: before.cloned(),
                new: Some(value.clone()),
            });
        }
    }
    for (key, value) in old {
        if !new.iter().any(|(k, _)| k == key) {
            changes.push(FieldChange {
                key: key.clone(),
                old: Some(value.clone()),
                new: None,
            });
        }
    }
    changes
}

/// Loads the old side into a [`Store`].
#[derive(Default)]
pub struct OldSide {
    pub store: Store,
    pub problems: BodyProblems,
    pub count: u64,
    /// The plural name (the type element's elements) the old body holds.
    pub plural: Option<String>,
}

impl ElementSink for OldSide {
    fn element(&mut self, element: BodyElement) {
        self.count += 1;
        let Some(id) = element.id.as_deref().filter(|id| !id.trim().is_empty()) else {
            self.problems
                .add(format!("element {}", element.index), "has no external id".into());
            return;
        };
        if !self.store.insert(id, &element) {
            self.problems.add(
                format!("element {}", element.index),
                format!("uses the external id '{}' again", crate::problem::clip(id, 60)),
            );
        }
    }

    fn problem(&mut self, at: String, message: String) {
        self.problems.add(at, message);
    }

    fn plural(&mut self, name: &str) {
        self.plural = Some(name.to_owned());
    }
}

/// Streams the new side past the old one, telling `sink` what differs.
pub struct NewSide<'a> {
    store: &'a mut Store,
    sink: &'a mut dyn ChangeSink,
    created: HashSet<Box<str>>,
    old_plural: Option<String>,
    pub counts: Counts,
    pub problems: BodyProblems,
    /// The first failure of the sink (writing a spool); reported when the body is read.
    error: Option<io::Error>,
}

impl<'a> NewSide<'a> {
    pub fn new(old: &'a mut OldSide, sink: &'a mut dyn ChangeSink) -> NewSide<'a> {
        NewSide {
            counts: Counts {
                old: old.count,
                ..Counts::default()
            },
            old_plural: old.plural.clone(),
            store: &mut old.store,
            sink,
            created: HashSet::new(),
            problems: BodyProblems::default(),
            error: None,
        }
    }

    fn keep(&mut self, result: io::Result<()>) {
        if let Err(e) = result
            && self.error.is_none()
        {
            self.error = Some(e);
        }
    }

    /// After the new side was read: the deleted elements, in the old body's order.
    pub fn finish(mut self) -> io::Result<(Counts, BodyProblems)> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let mut gone: Vec<(&Box<str>, &super::store::Stored)> =
            self.store.elements.iter().filter(|(_, s)| !s.seen).collect();
        gone.sort_by_key(|(_, s)| s.index);
        for (id, stored) in gone {
            self.counts.deleted += 1;
            let name = display_name(&self.store.fields(stored));
            self.sink.deleted(Listed {
                id: id.to_string(),
                name,
            })?;
        }
        Ok((self.counts, self.problems))
    }
}

impl ElementSink for NewSide<'_> {
    fn element(&mut self, element: BodyElement) {
        self.counts.new += 1;
        let Some(id) = element.id.as_deref().filter(|id| !id.trim().is_empty()) else {
            self.problems
                .add(format!("element {}", element.index), "has no external id".into());
            return;
        };
        let again = || format!("uses the external id '{}' again", crate::problem::clip(id, 60));
        match self.store.elements.get_mut(id) {
            Some(stored) if stored.seen => {
                self.problems.add(format!("element {}", element.index), again());
            }
            Some(stored) => {
                stored.seen = true;
                let stored = &self.store.elements[id];
                let old = self.store.fields(stored);
                let fields = field_changes(&old, &element.fields);
                if fields.is_empty() {
                    self.counts.unchanged += 1;
                } else {
                    self.counts.changed += 1;
                    let name = display_name(&element.fields).or_else(|| display_name(&old));
                    let result = self.sink.changed(Changed {
                        id: id.to_owned(),
                        name,
                        fields,
                    });
                    self.keep(result);
                }
            }
            None => {
                if !self.created.insert(id.into()) {
                    self.problems.add(format!("element {}", element.index), again());
                    return;
                }
                self.counts.created += 1;
                let result = self.sink.created(Listed {
                    id: id.to_owned(),
                    name: display_name(&element.fields),
                });
                self.keep(result);
            }
        }
    }

    fn problem(&mut self, at: String, message: String) {
        self.problems.add(at, message);
    }

    fn plural(&mut self, name: &str) {
        if let Some(old) = self.old_plural.as_deref()
            && old != name
        {
            self.problems.add(
                "the top level".into(),
                format!(
                    "holds {name} where the old body holds {old}: bodies of different type elements (or different \
                     interfaces) cannot be compared"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::BodyFormat;
    use crate::body::read::read;

    fn text(s: &str) -> FieldValue {
        FieldValue::Text(s.into())
    }

    #[test]
    fn values_compare_as_relatics_reads_them() {
        let targets = |ids: &[&str]| FieldValue::Targets(ids.iter().map(|s| s.to_string()).collect());
        assert!(same(Some(&text("")), Some(&FieldValue::Null)));
        assert!(same(Some(&targets(&[])), Some(&text(""))));
        assert!(same(Some(&targets(&["A", "B"])), Some(&targets(&["B", "A", "A"]))));
        assert!(!same(Some(&targets(&["A"])), Some(&targets(&["A", "B"]))));
        assert!(same(Some(&FieldValue::Number("42".into())), Some(&text("42.0"))));
        assert!(!same(Some(&text("007")), Some(&text("7"))), "text stays text");
        assert!(!same(Some(&text("x")), None));
        assert!(same(None, None));
    }

    #[derive(Default)]
    struct All {
        created: Vec<Listed>,
        changed: Vec<Changed>,
        deleted: Vec<Listed>,
    }

    impl ChangeSink for All {
        fn created(&mut self, element: Listed) -> io::Result<()> {
            self.created.push(element);
            Ok(())
        }
        fn changed(&mut self, element: Changed) -> io::Result<()> {
            self.changed.push(element);
            Ok(())
        }
        fn deleted(&mut self, element: Listed) -> io::Result<()> {
            self.deleted.push(element);
            Ok(())
        }
    }

    #[test]
    fn json_against_xml() {
        let mut old = OldSide::default();
        read(
            r#"{"Requirements": [
                {"@externalid": "A", "Name": "Pump", "Due_x0020_date": "2027-03-01", "W": 2.5, "R": [{"@id": "E-1"}]},
                {"@externalid": "B", "Name": "Weir", "W": 1.0, "R": []},
                {"@externalid": "C", "Name": "Gone", "W": null}]}"#
                .as_bytes(),
            BodyFormat::Json,
            &mut old,
        );
        assert_eq!(old.problems.count, 0);
        let mut all = All::default();
        let mut new = NewSide::new(&mut old, &mut all);
        read(
            r#"<elements><Requirements>
                <Requirement externalid="B"><Name>Weir</Name><W>1.0</W><R /></Requirement>
                <Requirement externalid="A"><Name>Pump</Name><Due_x0020_date>2027-04-01</Due_x0020_date><W>2.5</W>
                  <R><Requirement id="E-2"/><Requirement id="E-1"/></R></Requirement>
                <Requirement externalid="D"><Name>New</Name></Requirement>
            </Requirements></elements>"#
                .as_bytes(),
            BodyFormat::Xml,
            &mut new,
        );
        let (counts, problems) = new.finish().unwrap();
        assert_eq!(problems.count, 0, "{:?}", problems.first);
        assert_eq!(
            counts,
            Counts {
                old: 3,
                new: 3,
                created: 1,
                deleted: 1,
                changed: 1,
                unchanged: 1
            }
        );
        assert_eq!(
            all.created,
            [Listed {
                id: "D".into(),
                name: Some("New".into())
            }]
        );
        assert_eq!(
            all.deleted,
            [Listed {
                id: "C".into(),
                name: Some("Gone".into())
            }]
        );
        let changed = &all.changed[0];
        assert_eq!((changed.id.as_str(), changed.name.as_deref()), ("A", Some("Pump")));
        let names: Vec<String> = changed.fields.iter().map(FieldChange::name).collect();
        assert_eq!(names, ["Due date", "R"]);
        assert_eq!(changed.fields[0].old, Some(text("2027-03-01")));
        assert_eq!(changed.fields[0].new, Some(text("2027-04-01")));
    }

    #[test]
    fn duplicate_ids_are_problems_on_either_side() {
        let mut old = OldSide::default();
        read(
            r#"{"P": [{"@externalid": "A"}, {"@externalid": "A"}]}"#.as_bytes(),
            BodyFormat::Json,
            &mut old,
        );
        assert_eq!(old.problems.first, ["element 2: uses the external id 'A' again"]);
        let mut all = All::default();
        let mut new = NewSide::new(&mut old, &mut all);
        read(
            r#"{"P": [{"@externalid": "A"}, {"@externalid": "A"}, {"@externalid": "B"}, {"@externalid": "B"}, {"Name": "x"}]}"#
                .as_bytes(),
            BodyFormat::Json,
            &mut new,
        );
        let (_, problems) = new.finish().unwrap();
        assert_eq!(
            problems.first,
            [
                "element 2: uses the external id 'A' again",
                "element 4: uses the external id 'B' again",
                "element 5: has no external id"
            ]
        );
    }
}
