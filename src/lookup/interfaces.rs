//! Target names of `interface:` relations: what a name in a cell stands for, from the rows of
//! the target interface's sheet (elements this run creates or keeps) and the IDs last read from
//! its providing endpoint (elements Relatics has).
//!
//! A token is, in this order: an element ID Relatics gave (as it is; in other letter case it
//! is a problem, never a name); the name of one row of the sheet; the name of an element
//! Relatics has; else unknown. Two rows of one name, or two elements, make it ambiguous.
//!
//! A row's element is the one Relatics has under the row's external id, which may have another
//! name there (a rename): the last body sent to the interface's endpoint says which name
//! ([`Held`]), and the IDs read say which ID that name has. A row Relatics has no element for
//! yet is *pending*: the element this run creates, whose ID comes after its sync. A name that
//! is no row of an interface this run sends names an element the sync deletes (every element
//! not in a body is deleted), so it is a problem, not that element's ID.
//!
//! While a target sheet is still being read (a tree inside one sheet, or interfaces that point
//! at each other) a name not seen yet is *deferred*, and settled once every sheet is read; a
//! name found among the rows read so far is checked again then (a later row may have it too).

use std::collections::HashMap;
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
    /// The IDs kept from the last run (read before this one), when `known` was read afresh: an
    /// element the last body sent under a name, whose ID was read then, is that element while
    /// Relatics still has the ID (its name there changed, or its `ids` answer left it out).
    kept: Option<Arc<Lookup>>,
    /// When those were read, for messages.
    known_from: Option<String>,
    /// The rows of its sheet: name -> external id.
    rows: Lookup,
    /// Every row of the sheet is in `rows`.
    complete: bool,
    /// What Relatics holds of this interface, as far as relsync knows.
    held: Held,
    /// This run sends the interface: elements that are no row of its sheet are deleted.
    sent: bool,
    /// The last body's external ids by their folded names, made when first asked for (a name
    /// no row has now: was its row renamed?).
    held_by_name: std::sync::OnceLock<HashMap<String, String>>,
}

/// What Relatics holds of an interface: which name each external id has there.
#[derive(Debug, Default)]
pub enum Held {
    /// The sheet's rows as they are (sent in this run).
    Rows,
    /// The last body sent to its endpoint: external id -> name.
    Body(HashMap<String, String>),
    /// Not known (no body was kept): every row's element is taken to be new, so its ID is
    /// read after its sync.
    #[default]
    Unknown,
}

/// The row that had the name `name` in the body last sent and has another now (its external
/// id, and its name now): renamed in the sheet, not removed.
fn renamed_row(t: &TargetNames, name: &str) -> Option<(String, String)> {
    let Held::Body(names) = &t.held else {
        return None;
    };
    let by_name = t.held_by_name.get_or_init(|| {
        names
            .iter()
            .map(|(external_id, held)| (crate::lookup::fold(held), external_id.clone()))
            .collect()
    });
    let external_id = by_name.get(&crate::lookup::fold(name))?;
    Some((external_id.clone(), t.rows.name_of(external_id)?.to_owned()))
}

/// The ID the element named `name` had when the IDs were last kept, if Relatics still has an
/// element of that ID: the same element, whose name there changed (or whose `ids` answer has
/// no name for it). Leaving it out of a body would remove a relation that stands.
fn still_there(t: &TargetNames, name: &str) -> Option<String> {
    let Resolved::Id(id) = t.kept.as_ref()?.resolve_name(name) else {
        return None;
    };
    t.known.as_ref()?.has_id(id).then(|| id.to_owned())
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
    /// No row of an interface this run sends, but an element Relatics has (this ID): the sync
    /// deletes it.
    Deleted(String),
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

    /// Interface `i` is pointed at: its rows will be collected from `sheet`, `known` holds the
    /// IDs last read from its ids endpoint (read at `known_from`), `held` what Relatics holds of
    /// it, and `sent` whether this run sends it.
    pub fn target(
        &mut self,
        i: usize,
        interface: &str,
        sheet: &Path,
        known: Option<(Arc<Lookup>, String)>,
        held: Held,
        sent: bool,
    ) {
        let (known, known_from) = match known {
            Some((k, from)) => (Some(k), Some(from)),
            None => (None, None),
        };
        self.targets[i] = Some(TargetNames {
            interface: interface.to_owned(),
            sheet: sheet.to_owned(),
            known,
            known_from,
            kept: None,
            rows: Lookup::new(sheet),
            complete: false,
            held,
            sent,
            held_by_name: std::sync::OnceLock::new(),
        });
    }

    /// Relatics now holds interface `i`'s rows as they are (its body was sent, or is the one
    /// last sent).
    pub fn synced(&mut self, i: usize) {
        if let Some(t) = self.targets.get_mut(i).and_then(Option::as_mut) {
            t.held = Held::Rows;
        }
    }

    /// The IDs known of interface `i`'s elements (last read), for names beside IDs.
    pub fn known(&self, i: usize) -> Option<Arc<Lookup>> {
        self.targets.get(i)?.as_ref()?.known.clone()
    }

    /// Interface `i`'s sheet is read whole (or `i` is no target).
    pub fn is_complete(&self, i: usize) -> bool {
        self.targets.get(i).and_then(Option::as_ref).is_none_or(|t| t.complete)
    }

    /// Replaces the IDs known for interface `i` (read again from Relatics).
    pub fn set_known(&mut self, i: usize, known: Arc<Lookup>, from: String) {
        if let Some(t) = self.targets.get_mut(i).and_then(Option::as_mut) {
            t.known = Some(known);
            t.known_from = Some(from);
        }
    }

    /// The IDs kept from the last run for interface `i` (see [`TargetNames::kept`]).
    pub fn set_kept(&mut self, i: usize, kept: Arc<Lookup>) {
        if let Some(t) = self.targets.get_mut(i).and_then(Option::as_mut) {
            t.kept = Some(kept);
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
        let known_by_name = |name: &str| t.known.as_ref().map(|k| k.resolve_name(name));
        let ambiguous = |count, first: Vec<&str>| Target::Ambiguous {
            rows: false,
            count,
            first: first.into_iter().map(str::to_owned).collect(),
        };
        match t.rows.resolve_name(token) {
            Resolved::Ambiguous { count, first } => Target::Ambiguous {
                rows: true,
                count,
                first: first.into_iter().map(str::to_owned).collect(),
            },
            // A row: the element Relatics has under its external id, by the name it has there.
            Resolved::Id(external_id) => {
                let held_name = match &t.held {
                    Held::Rows => Some(token),
                    Held::Body(names) => names.get(external_id).map(String::as_str),
                    Held::Unknown => None,
                };
                match held_name.and_then(known_by_name) {
                    Some(Resolved::Id(id)) => Target::Id(id.to_owned()),
                    Some(Resolved::Ambiguous { count, first }) => ambiguous(count, first),
                    // Not by that name now; the element it was, while Relatics has it, else an
                    // element this run creates (its ID read after the sync).
                    _ => match held_name.and_then(|name| still_there(t, name)) {
                        Some(id) => Target::Id(id),
                        None => Target::Pending,
                    },
                }
            }
            // No row (yet): an element Relatics has stays only if this run does not send its
            // interface.
            _ => match known_by_name(token) {
                _ if !t.complete && t.sent => Target::Deferred,
                Some(Resolved::Id(id)) if t.sent => Target::Deleted(id.to_owned()),
                Some(Resolved::Id(id)) => Target::Id(id.to_owned()),
                Some(Resolved::Ambiguous { first, .. }) if t.sent => {
                    Target::Deleted(first.first().map(|s| (*s).to_owned()).unwrap_or_default())
                }
                Some(Resolved::Ambiguous { count, first }) => ambiguous(count, first),
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
            Target::Deleted(id) => (
                Code::UnknownTarget,
                match renamed_row(t, token) {
                    // The element stays: its row (by external id) has another name now.
                    Some((external_id, now)) => format!(
                        "'{field}': '{shown}' is no longer a name of interface '{}': its row '{}' ({}) renames that \
                         element ({id}) to '{}' in this run; write the new name",
                        t.interface,
                        quoted(&external_id),
                        t.sheet.display(),
                        quoted(&now)
                    ),
                    None => format!(
                        "'{field}': '{shown}' is no row of interface '{}' ({}), so the element Relatics has of that \
                         name ({id}) is deleted by this run, which sends '{}' as a complete set; add the row back to \
                         that sheet, or correct the name",
                        t.interface,
                        t.sheet.display(),
                        t.interface
                    ),
                },
            ),
            Target::Ambiguous { rows, count, first } => {
                let more = count - first.len();
                let more = if more > 0 {
                    format!(" and {} more", thousands(more as u64))
                } else {
                    String::new()
                };
                // Each candidate with its spelling, where it is not the one written (names match
                // loosely: 'Pomp' and 'pomp' are both 'POMP').
                let names = if rows { Some(&t.rows) } else { t.known.as_deref() };
                let first: Vec<String> = first
                    .iter()
                    .map(|id| match names.and_then(|l| l.name_of(id)).filter(|n| *n != token) {
                        Some(name) => format!("{id} '{}'", quoted(name)),
                        None => id.clone(),
                    })
                    .collect();
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
#[derive(Clone, Default)]
pub struct Pending {
    pub targets: u64,
    pub names: Vec<(usize, std::collections::BTreeSet<String>)>,
    /// A digest of every target left out and where (row, column, name): two bodies that leave
    /// out the same count of targets, but others or elsewhere, differ here (a plan's
    /// fingerprint covers it; the bodies without them are the same).
    digest: sha2::Sha256,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("targets", &self.targets)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

impl Pending {
    /// Target `name` of interface `interface`, in the cell at `row` and `col`, waits.
    pub fn add(&mut self, interface: usize, name: &str, row: u32, col: u32) {
        use sha2::Digest as _;
        self.digest.update((interface as u64).to_le_bytes());
        self.digest.update(row.to_le_bytes());
        self.digest.update(col.to_le_bytes());
        self.digest.update((name.len() as u64).to_le_bytes());
        self.digest.update(name.as_bytes());
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

    /// The digest of the targets left out so far (see [`Pending::add`]).
    pub fn digest(&self) -> [u8; 32] {
        use sha2::Digest as _;
        self.digest.clone().finalize().into()
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
            Held::Rows,
            false,
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

    /// A row's element is the one Relatics has under its external id, by the name it has
    /// there; a name that is no row of an interface the run sends is an element it deletes.
    #[test]
    fn rows_by_what_relatics_holds() {
        let known = Arc::new(Lookup::from_entries(
            Path::new("ids.json"),
            vec![
                ("Kelder Oost".into(), "OBJ-3".into()),
                ("Gemaal Zuid".into(), "OBJ-7".into()),
                ("Trafo".into(), "OBJ-9".into()),
            ],
        ));
        let sheet = |held: Held, sent: bool| {
            let mut n = ProjectNames::new(1);
            n.target(
                0,
                "objects",
                Path::new("o.xlsx"),
                Some((known.clone(), "now".into())),
                held,
                sent,
            );
            // O-2 was 'Kelder Oost' and is renamed; NEW-1 is new and has the name of OLD-1,
            // which this run deletes; 'Trafo' is no row.
            n.add_row(0, "Kelder West", "O-2");
            n.add_row(0, "Gemaal Zuid", "NEW-1");
            n.complete(0);
            n
        };
        let last = || {
            Held::Body(HashMap::from([
                ("O-2".to_owned(), "Kelder Oost".to_owned()),
                ("OLD-1".to_owned(), "Gemaal Zuid".to_owned()),
                ("O-5".to_owned(), "Trafo".to_owned()),
            ]))
        };
        let n = sheet(last(), true);
        assert_eq!(n.resolve(0, "Kelder West"), Target::Id("OBJ-3".into()));
        assert_eq!(n.resolve(0, "Gemaal Zuid"), Target::Pending);
        assert_eq!(n.resolve(0, "Trafo"), Target::Deleted("OBJ-9".into()));
        let mut budget = Budget::default();
        let p = n.problem(0, "Onderdeel van", "Trafo", &mut budget).unwrap();
        assert!(p.message.contains("deleted by this run"), "{}", p.message);
        // Not sent (--only): Relatics keeps what it has.
        let n = sheet(last(), false);
        assert_eq!(n.resolve(0, "Trafo"), Target::Id("OBJ-9".into()));
        // Nothing kept: a row's element is taken to be new.
        let mut n = sheet(Held::Unknown, true);
        assert_eq!(n.resolve(0, "Kelder West"), Target::Pending);
        // Once the sheet is sent, its rows are what Relatics has.
        n.synced(0);
        assert_eq!(n.resolve(0, "Gemaal Zuid"), Target::Id("OBJ-7".into()));
    }
}
