//! Target names of `interface:` relations: what a name in a cell stands for, from the rows of
//! the target interface's sheet (elements this run creates or keeps) and the IDs last read from
//! its providing endpoint (elements Relatics has).
//!
//! A token is, in this order: an element ID Relatics gave (as it is; in other letter case it
//! is a problem, never a name); the name of one row of the sheet (its ID when Relatics knows an
//! element of that name, else *pending*: the element this run creates, whose ID comes after
//! its sync); the name of an element Relatics has; else unknown. Two rows of one name, or two
//! elements, make it ambiguous. While a target sheet is still being read (a tree inside one
//! sheet, or interfaces that point at each other) a name not seen yet is *deferred*, and
//! settled once every sheet is read.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Lookup, Resolved};
use crate::problem::{Code, Problem, quoted, thousands};
use crate::suggest::Budget;

/// The names of every interface that relations point at (`None` for the others).
pub struct ProjectNames {
    targets: Vec<Option<TargetNames>>,
}

/// What is known of one interface's elements.
pub struct TargetNames {
    pub interface: String,
    /// Its sheet, for messages.
    sheet: PathBuf,
    /// Elements Relatics has: the IDs last read from its `ids` endpoint, if any were.
    known: Option<Arc<Lookup>>,
    /// When those were read, for messages.
    known_from: Option<String>,
    /// The rows of its sheet: name -> external id.
    rows: Lookup,
    /// Every row of the sheet is in `rows`.
    complete: bool,
}

/// What a token in an `interface:` relation cell stands for.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// An element ID.
    Id(String),
    /// The element of a row this run sends, which has no ID yet.
    Pending,
    /// Not known yet: the target sheet is still being read.
    Deferred,
    /// Several rows, or several elements, of this name: how many and the first few.
    Ambiguous {
        rows: bool,
        count: usize,
        first: Vec<String>,
    },
    /// An element ID in other letter case.
    WrongCase(String),
    Unknown,
}

impl ProjectNames {
    /// No names yet, for a project of `n` interfaces.
    pub fn new(n: usize) -> ProjectNames {
        ProjectNames {
            targets: (0..n).map(|_| None).collect(),
        }
    }

    /// Interface `i` is pointed at: its rows will be collected from `sheet`, and `known` holds
    /// the IDs last read from its ids endpoint (read at `known_from`).
    pub fn target(&mut self, i: usize, interface: &str, sheet: &Path, known: Option<(Arc<Lookup>, String)>) {
        let (known, known_from) = match known {
            Some((k, from)) => (Some(k), Some(from)),
            None => (None, None),
        };
        self.targets[i] = Some(TargetNames {
            interface: interface.to_owned(),
            sheet: sheet.to_owned(),
            known,
            known_from,
            rows: Lookup::new(sheet),
            complete: false,
        });
    }

    /// Replaces the IDs known for interface `i` (read again from Relatics).
    pub fn set_known(&mut self, i: usize, known: Arc<Lookup>, from: String) {
        if let Some(t) = self.targets.get_mut(i).and_then(Option::as_mut) {
            t.known = Some(known);
            t.known_from = Some(from);
        }
    }

    pub fn is_target(&self, i: usize) -> bool {
        self.targets.get(i).is_some_and(Option::is_some)
    }

    /// Records a row of interface `i`'s sheet: its name and external id.
    pub fn add_row(&mut self, i: usize, name: &str, external_id: &str) {
        if let Some(t) = self.targets.get_mut(i).and_then(Option::as_mut)
            && !name.is_empty()
            && !external_id.is_empty()
        {
            t.rows.insert(name, external_id);
        }
    }

    /// Interface `i`'s sheet is read whole: a name not among its rows is not one.
    pub fn complete(&mut self, i: usize) {
        if let Some(t) = self.targets.get_mut(i).and_then(Option::as_mut) {
            t.complete = true;
        }
    }

    /// Rows (distinct name and external id pairs) kept, over every target interface.
    pub fn rows(&self) -> usize {
        self.targets.iter().flatten().map(|t| t.rows.len()).sum()
    }

    /// The ID of an element named `name` that Relatics has in interface `i`, if it has one
    /// such element.
    pub fn known_id(&self, i: usize, name: &str) -> Option<String> {
        let t = self.targets.get(i)?.as_ref()?;
        match t.known.as_ref()?.resolve(name) {
            Resolved::Id(id) => Some(id.to_owned()),
            _ => None,
        }
    }

    /// What `token` stands for among interface `i`'s elements.
    pub fn resolve(&self, i: usize, token: &str) -> Target {
        let Some(t) = self.targets.get(i).and_then(Option::as_ref) else {
            return Target::Unknown;
        };
        if let Some(known) = &t.known {
            match known.resolve_id(token) {
                Resolved::Id(id) => return Target::Id(id.to_owned()),
                Resolved::WrongCase(id) => return Target::WrongCase(id.to_owned()),
                _ => {}
            }
        }
        let known_by_name = || t.known.as_ref().map(|k| k.resolve_name(token));
        match t.rows.resolve_name(token) {
            Resolved::Ambiguous { count, first } => Target::Ambiguous {
                rows: true,
                count,
                first: first.into_iter().map(str::to_owned).collect(),
            },
            Resolved::Id(_) => match known_by_name() {
                Some(Resolved::Id(id)) => Target::Id(id.to_owned()),
                Some(Resolved::Ambiguous { count, first }) => Target::Ambiguous {
                    rows: false,
                    count,
                    first: first.into_iter().map(str::to_owned).collect(),
                },
                _ => Target::Pending,
            },
            _ => match known_by_name() {
                Some(Resolved::Id(id)) => Target::Id(id.to_owned()),
                Some(Resolved::Ambiguous { count, first }) => Target::Ambiguous {
                    rows: false,
                    count,
                    first: first.into_iter().map(str::to_owned).collect(),
                },
                _ if t.complete => Target::Unknown,
                _ => Target::Deferred,
            },
        }
    }

    /// The problem a token that does not resolve is, in field `field` (its role): `None` when
    /// it resolves. Messages name the interface and where its names come from.
    pub fn problem(&self, i: usize, field: &str, token: &str, budget: &mut Budget) -> Option<Problem> {
        let t = self.targets.get(i)?.as_ref()?;
        let shown = quoted(token);
        let (code, message) = match self.resolve(i, token) {
            Target::Id(_) | Target::Pending | Target::Deferred => return None,
            Target::WrongCase(id) => (
                Code::UnknownTarget,
                format!(
                    "'{field}': '{shown}' is not an element ID of interface '{}', but '{id}' is, in other letter \
                     case; element IDs are matched exactly: write '{id}'",
                    t.interface
                ),
            ),
            Target::Ambiguous { rows, count, first } => {
                let more = count - first.len();
                let more = if more > 0 {
                    format!(" and {} more", thousands(more as u64))
                } else {
                    String::new()
                };
                let message = if rows {
                    format!(
                        "'{field}': '{shown}' is the name of {} rows of interface '{}' ({}, external ids {}{more}); \
                         give them distinct names in the sheet, or write the element ID of the one meant",
                        thousands(count as u64),
                        t.interface,
                        t.sheet.display(),
                        first.join(", ")
                    )
                } else {
                    format!(
                        "'{field}': '{shown}' names {} elements of interface '{}' in Relatics ({}{more}); write the \
                         element ID of the one meant",
                        thousands(count as u64),
                        t.interface,
                        first.join(", ")
                    )
                };
                (Code::AmbiguousTarget, message)
            }
            Target::Unknown => {
                let mut close: Vec<&str> = t.rows.closest(token, budget);
                if let Some(known) = &t.known {
                    for name in known.closest(token, budget) {
                        if !close.contains(&name) {
                            close.push(name);
                        }
                    }
                }
                close.truncate(3);
                let hint = if close.is_empty() {
                    String::new()
                } else {
                    let names: Vec<String> = close.iter().map(|n| format!("'{}'", quoted(n))).collect();
                    format!(" (did you mean {}?)", names.join(", "))
                };
                let message = match &t.known_from {
                    Some(from) => format!(
                        "'{field}': '{shown}' is neither the name of a row of interface '{}' ({}) nor of an element \
                         Relatics has (the IDs read {from}){hint}; correct it, or add the element to the sheet of '{}'",
                        t.interface,
                        t.sheet.display(),
                        t.interface
                    ),
                    None => format!(
                        "'{field}': '{shown}' is not the name of a row of interface '{}' ({}){hint}; correct it, or \
                         add the element to the sheet of '{}' (no IDs of its elements were read from Relatics yet: \
                         submit reads them)",
                        t.interface,
                        t.sheet.display(),
                        t.interface
                    ),
                };
                (Code::UnknownTarget, message)
            }
        };
        Some(Problem::new(code, message).value(token))
    }
}

/// A token whose target sheet was not read whole when its cell was: settled at the end.
#[derive(Clone, Debug)]
pub struct Deferred {
    /// The interface pointed at.
    pub interface: usize,
    pub row: u32,
    pub col: u32,
    /// The CSV line, when it differs from the row.
    pub line: Option<u64>,
    /// The relation's role and the column's header.
    pub field: String,
    pub header: String,
    pub token: String,
}

impl Deferred {
    /// The problem this token is, now that every sheet is read (`None`: it resolves).
    pub fn settle(&self, names: &ProjectNames, budget: &mut Budget) -> Option<Problem> {
        let p = names.problem(self.interface, &self.field, &self.token, budget)?;
        Some(
            p.at(self.row, Some(self.col))
                .line(self.line)
                .column(&self.header)
                .property(&self.field),
        )
    }
}

/// Targets a sheet's relations left out because their elements have no ID yet: how many, and
/// their names per interface pointed at (the names to wait for).
#[derive(Clone, Debug, Default)]
pub struct Pending {
    pub targets: u64,
    pub names: Vec<(usize, std::collections::BTreeSet<String>)>,
}

impl Pending {
    pub fn add(&mut self, interface: usize, name: &str) {
        self.targets += 1;
        match self.names.iter_mut().find(|(i, _)| *i == interface) {
            Some((_, set)) => {
                if !set.contains(name) {
                    set.insert(name.to_owned());
                }
            }
            None => self.names.push((interface, std::iter::once(name.to_owned()).collect())),
        }
    }

    /// Distinct names waited for.
    pub fn distinct(&self) -> usize {
        self.names.iter().map(|(_, s)| s.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> ProjectNames {
        let mut n = ProjectNames::new(1);
        let known = Lookup::from_entries(
            Path::new("ids.json"),
            vec![
                ("Gemaal De Hoop".into(), "OBJ-1".into()),
                ("Sluis".into(), "OBJ-2".into()),
                ("Sluis".into(), "OBJ-3".into()),
            ],
        );
        n.target(
            0,
            "objects",
            Path::new("objecten.xlsx"),
            Some((Arc::new(known), "now".into())),
        );
        n.add_row(0, "Gemaal De Hoop", "E-1");
        n.add_row(0, "Pomp 1", "E-2");
        n.add_row(0, "Dubbel", "E-3");
        n.add_row(0, "Dubbel", "E-4");
        n
    }

    #[test]
    fn rows_then_known_elements() {
        let mut n = names();
        assert_eq!(n.resolve(0, "OBJ-2"), Target::Id("OBJ-2".into()));
        assert_eq!(n.resolve(0, "obj-2"), Target::WrongCase("OBJ-2".into()));
        assert_eq!(n.resolve(0, "gemaal de hoop"), Target::Id("OBJ-1".into()));
        assert_eq!(n.resolve(0, "Pomp 1"), Target::Pending);
        assert!(matches!(
            n.resolve(0, "Dubbel"),
            Target::Ambiguous {
                rows: true,
                count: 2,
                ..
            }
        ));
        assert!(matches!(
            n.resolve(0, "Sluis"),
            Target::Ambiguous {
                rows: false,
                count: 2,
                ..
            }
        ));
        assert_eq!(n.resolve(0, "Later"), Target::Deferred);
        n.complete(0);
        assert_eq!(n.resolve(0, "Later"), Target::Unknown);
        let mut budget = Budget::default();
        let p = n.problem(0, "Onderdeel van", "Pomp 2", &mut budget).unwrap();
        assert_eq!(p.code, Code::UnknownTarget);
        assert!(p.message.contains("did you mean 'Pomp 1'"), "{}", p.message);
        assert!(n.problem(0, "Onderdeel van", "Pomp 1", &mut budget).is_none());
    }
}
