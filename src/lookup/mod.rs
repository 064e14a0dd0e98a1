//! Relation targets by name: a lookup file maps the names in an export ("Pump station North")
//! to Relatics element IDs (`FAC-12`), which relation values must be.
//!
//! A lookup is a saved answer of a Relatics *providing* interface (JSON or XML; its exact shape
//! is not published, so the common shapes are accepted and the fields can be named), or a CSV
//! with `name` and `id` columns. The file is read as a stream ([`parse`]) and only names and IDs
//! are kept, once, in memory ([`Lookup`]). A token in a cell is an element ID when it is one
//! exactly; an ID in the wrong case is a problem, never a name; else it is looked up by name,
//! exactly, then ignoring case and runs of whitespace. [`Lookups`] loads each file once however
//! many relations (or templates) use it.

pub mod interfaces;
mod parse;

use std::fmt;
use std::hash::BuildHasher as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

pub use parse::Pair;

/// Candidates an `ambiguous-target` problem names; the rest are counted.
pub const SHOWN_CANDIDATES: usize = 5;

/// Names and IDs from a lookup file, packed: the texts back to back in one string, and hash
/// tables of entry and group numbers. Entries of one name (and of one folded name) are chained,
/// so a name shared by many elements costs what distinct names cost.
#[derive(Debug, Default)]
pub struct Lookup {
    pub path: PathBuf,
    /// Every name, ID and (where it differs from the name) folded name.
    text: String,
    /// Every distinct (name, ID) pair, in file order.
    entries: Vec<Entry>,
    /// Distinct names, and distinct folded names: the chains of their entries.
    names: Vec<Group>,
    folds: Vec<Group>,
    /// Entry numbers: the first with each ID, and with each ID ignoring case.
    by_id: Index,
    by_id_folded: Index,
    /// Group numbers by name and by folded name.
    by_name: Index,
    by_folded: Index,
    /// Entry numbers by (name, ID) and by (folded name, ID), to keep each pair once.
    by_pair: Index,
    by_fold_pair: Index,
    /// Folded groups by the length of their name as suggestions compare it (index: characters,
    /// at most `suggest::MAX_COMPARED`).
    fold_lengths: Vec<Vec<u32>>,
    /// Buffers reused by [`Lookup::insert`].
    scratch: Scratch,
    /// Elements of the file with an ID but no name (which no cell can name), and the first
    /// few of their IDs.
    pub nameless: u64,
    pub nameless_first: Vec<String>,
    /// The IDs of those elements (an ids answer's: [`Lookup::has_id`] knows them).
    nameless_ids: std::collections::HashSet<String>,
    /// An ID given two names (the first such, in an ids answer): which element a name means
    /// cannot be trusted then.
    pub two_names: Option<(String, String, String)>,
    /// The file to read again for the other fields of ambiguous candidates, and how its
    /// fields are named (only for a lookup read from the file it is named by).
    source: Option<(PathBuf, Fields)>,
    /// Those fields, read once when first asked for: per candidate ID, `key: value, ...`.
    details: std::sync::OnceLock<std::collections::HashMap<String, String>>,
}

/// Candidates of ambiguous names whose other fields are kept for messages, at most.
const DETAILED: usize = 20_000;

/// Where one pair's texts are in [`Lookup::text`], and the next entry of its name and of its
/// folded name.
#[derive(Clone, Copy, Debug)]
struct Entry {
    name: (u32, u32),
    id: (u32, u32),
    folded: (u32, u32),
    next_name: u32,
    next_fold: u32,
}

/// The entries of one (folded) name: a chain from `first` to `last`, and how many there are
/// (each with its own ID).
#[derive(Clone, Copy, Debug)]
struct Group {
    first: u32,
    last: u32,
    ids: u32,
}

/// The end of a chain.
const NONE: u32 = u32::MAX;

/// Adds entry `n` at the end of `group`'s chain; returns the entry that was last, whose link
/// must now point at `n`.
fn chain(group: &mut Group, n: u32) -> u32 {
    let last = group.last;
    group.last = n;
    group.ids += 1;
    last
}

/// The key of a text in an [`Index`]: 32 bits of its hash.
fn key(text: &str) -> u32 {
    (FxBuildHasher.hash_one(text) >> 32) as u32
}

/// The key of a pair of texts.
fn key_pair(a: &str, b: &str) -> u32 {
    (FxBuildHasher.hash_one((a, b)) >> 32) as u32
}

/// A hash table of numbers (entries or groups) looked up by a text, holding each number with
/// its text's key, so that growing the table never hashes (or lower-cases) a text again.
#[derive(Debug, Default)]
struct Index(HashTable<(u32, u32)>);

impl Index {
    /// The table's hash of a key: spread over 64 bits (the table takes its control bits from
    /// the top and its position from the bottom).
    fn spread(key: u32) -> u64 {
        u64::from(key).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (u64::from(key) << 32)
    }

    /// The number with this key for which `same` is true.
    fn find(&self, key: u32, mut same: impl FnMut(u32) -> bool) -> Option<u32> {
        self.0
            .find(Index::spread(key), |&(n, k)| k == key && same(n))
            .map(|&(n, _)| n)
    }

    fn insert(&mut self, key: u32, n: u32) {
        self.0
            .insert_unique(Index::spread(key), (n, key), |&(_, k)| Index::spread(k));
    }
}

/// `text` lower-cased (every character, as Unicode does it).
fn lower_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
    } else {
        out.extend(text.chars().flat_map(char::to_lowercase));
    }
}

/// What a token in a cell turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved<'a> {
    /// One element ID.
    Id(&'a str),
    /// Several elements have this name: how many, and the IDs of the first few (file order).
    Ambiguous { count: usize, first: Vec<&'a str> },
    /// Not an ID, but an ID in other letter case: IDs are matched exactly, so this is a
    /// problem, never another element that happens to be named like it.
    WrongCase(&'a str),
    /// No such name or ID.
    Unknown,
}

/// Which fields hold the ID and the name, when a file names them otherwise.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// Why a lookup file cannot be used.
#[derive(Debug)]
pub struct LookupError {
    pub path: PathBuf,
    pub why: String,
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the lookup file {} {}", self.path.display(), self.why)
    }
}

impl std::error::Error for LookupError {}

/// The shapes a lookup may have, for messages.
pub const SHAPES: &str = "expected a providing interface's answer ({\"<Plural>\": [{\"@id\": \"FAC-1\", \"@name\": \"...\"}]} \
     or the same with id/name keys, a top-level array of such objects, or XML <Plural><Type id=\"FAC-1\" \
     name=\"...\"/></Plural>), or a CSV with 'name' and 'id' columns; set lookup_id / lookup_name in the template if \
     the fields are named otherwise";

/// The names of relation targets, for people (`+ FO-5051 'Gemaal De Hoop'`): per relation
/// (its escaped key), the lookup its targets are named with.
#[derive(Clone, Default)]
pub struct TargetNames {
    by_key: Vec<(String, Arc<Lookup>)>,
}

impl TargetNames {
    pub fn add(&mut self, key: &str, lookup: Arc<Lookup>) {
        self.by_key.push((key.to_owned(), lookup));
    }

    /// The name of target `id` of the relation keyed `key`, when it is known.
    pub fn name(&self, key: &str, id: &str) -> Option<&str> {
        self.by_key
            .iter()
            .filter(|(k, _)| k == key)
            .find_map(|(_, lookup)| lookup.name_of(id))
    }
}

/// The largest lookup file read: names, IDs and folded names are addressed with 32-bit
/// offsets.
pub const MAX_FILE: u64 = u32::MAX as u64 / 4;

/// Lower case with runs of whitespace made one space, for matching names loosely.
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    fold_into(name, &mut out);
    out
}

/// [`fold`] into `out` (cleared first), allocating nothing once `out` is large enough.
fn fold_into(name: &str, out: &mut String) {
    out.clear();
    for word in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.is_ascii() {
            let start = out.len();
            out.push_str(word);
            out[start..].make_ascii_lowercase();
        } else {
            out.push_str(&word.to_lowercase());
        }
    }
}

/// The first `max` characters of `text`.
fn prefix(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

impl Lookup {
    /// Reads a lookup file (JSON, XML or CSV, by extension, else by content).
    pub fn load(path: &Path, fields: &Fields) -> Result<Lookup, LookupError> {
        Lookup::load_named(path, path, fields)
    }

    /// Reads the lookup file at `path` as the file `named` (its extension says what it is):
    /// `fetch-lookup` reads its download before it takes the file's name.
    pub fn load_named(path: &Path, named: &Path, fields: &Fields) -> Result<Lookup, LookupError> {
        let lookup = Lookup::load_ids(path, named, fields)?;
        if lookup.is_empty() {
            return Err(LookupError {
                path: named.to_owned(),
                why: format!("holds no name/ID pairs; {SHAPES}"),
            });
        }
        Ok(lookup)
    }

    /// Reads the answer of a project interface's `ids` endpoint at `path` (read as the file
    /// `named`): as [`Lookup::load_named`], but an answer without elements is a type that has
    /// none yet, not a mistake.
    pub fn load_ids(path: &Path, named: &Path, fields: &Fields) -> Result<Lookup, LookupError> {
        let mut lookup = Lookup::empty(named);
        let mut scratch = Scratch::default();
        read(path, &extension(named), fields, false, &mut |pair| {
            if pair.name.is_empty() {
                lookup.nameless += 1;
                if lookup.nameless_first.len() < 5 {
                    lookup.nameless_first.push(crate::problem::clip(pair.id, 100));
                }
                lookup.nameless_ids.insert(pair.id.to_owned());
            } else {
                if lookup.two_names.is_none()
                    && let Some(other) = lookup.name_of(pair.id)
                    && other != pair.name
                {
                    lookup.two_names = Some((pair.id.to_owned(), other.to_owned(), pair.name.to_owned()));
                }
                lookup.add(pair.name, pair.id, &mut scratch)
            }
        })
        .map_err(|e| LookupError {
            path: named.to_owned(),
            why: e.why,
        })?;
        lookup.shrink();
        if path == named {
            lookup.source = Some((path.to_owned(), fields.clone()));
        }
        Ok(lookup)
    }

    /// What tells the elements of one name apart, for an ambiguous candidate `id`: a few of
    /// its other fields in the file (`Type: Pomp, Locatie: Noord`), when it has any. The file
    /// is read again once, on the first question, for the first candidates of every ambiguous
    /// name (at most [`DETAILED`] in all).
    pub fn candidate_details(&self, id: &str) -> Option<&str> {
        let details = self.details.get_or_init(|| {
            let Some((path, fields)) = &self.source else {
                return std::collections::HashMap::new();
            };
            let mut wanted: Vec<&str> = Vec::new();
            for group in self.folds.iter().filter(|g| g.ids > 1) {
                let mut at = group.first;
                let mut n = 0;
                while at != NONE && n < SHOWN_CANDIDATES && wanted.len() < DETAILED {
                    let e = &self.entries[at as usize];
                    wanted.push(self.at(e.id));
                    at = e.next_fold;
                    n += 1;
                }
            }
            self.others_of_file(path, fields, &wanted)
                .into_iter()
                .map(|(id, others)| {
                    let text = others
                        .iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    (id, text)
                })
                .collect()
        });
        details.get(id).map(String::as_str)
    }

    /// Reads the lookup file at `path` as the file `named` without keeping it: how many name/ID
    /// pairs it holds (an error when it cannot be read or holds none). `fetch-lookup` checks
    /// an answer so, in the memory of one element whatever its size.
    pub fn count_pairs(path: &Path, named: &Path, fields: &Fields) -> Result<u64, LookupError> {
        let mut pairs = 0u64;
        read(path, &extension(named), fields, false, &mut |pair| {
            pairs += u64::from(!pair.name.is_empty())
        })
        .map_err(|e| LookupError {
            path: named.to_owned(),
            why: e.why,
        })?;
        if pairs == 0 {
            return Err(LookupError {
                path: named.to_owned(),
                why: format!("holds no name/ID pairs; {SHAPES}"),
            });
        }
        Ok(pairs)
    }

    fn empty(path: &Path) -> Lookup {
        Lookup {
            path: path.to_owned(),
            fold_lengths: vec![Vec::new(); crate::suggest::MAX_COMPARED + 1],
            ..Lookup::default()
        }
    }

    /// A lookup of the given pairs.
    pub fn from_entries(path: &Path, entries: Vec<(String, String)>) -> Lookup {
        let mut lookup = Lookup::empty(path);
        let mut scratch = Scratch::default();
        for (name, id) in &entries {
            lookup.add(name, id, &mut scratch);
        }
        lookup.shrink();
        lookup
    }

    fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.entries.shrink_to_fit();
        self.names.shrink_to_fit();
        self.folds.shrink_to_fit();
    }

    fn push(&mut self, text: &str) -> (u32, u32) {
        let start = self.text.len() as u32;
        self.text.push_str(text);
        (start, self.text.len() as u32)
    }

    fn at(&self, (start, end): (u32, u32)) -> &str {
        &self.text[start as usize..end as usize]
    }

    /// Adds one pair (the file is at most [`MAX_FILE`]: `load` checks), unless it is there.
    fn add(&mut self, name: &str, id: &str, scratch: &mut Scratch) {
        let pair_key = key_pair(name, id);
        let (text, entries) = (&self.text, &self.entries);
        let at = |range: (u32, u32)| &text[range.0 as usize..range.1 as usize];
        let known = self.by_pair.find(pair_key, |i| {
            let e = &entries[i as usize];
            at(e.name) == name && at(e.id) == id
        });
        if known.is_some() {
            return;
        }
        fold_into(name, &mut scratch.folded);
        lower_into(id, &mut scratch.lower);
        let n = self.entries.len() as u32;
        let name_at = self.push(name);
        let id_at = self.push(id);
        let folded = if scratch.folded == name {
            name_at
        } else {
            self.push(&scratch.folded)
        };
        self.entries.push(Entry {
            name: name_at,
            id: id_at,
            folded,
            next_name: NONE,
            next_fold: NONE,
        });
        self.by_pair.insert(pair_key, n);
        let (text, entries) = (&self.text, &self.entries);
        let at = |range: (u32, u32)| &text[range.0 as usize..range.1 as usize];
        // The first entry with an ID is the one an ID stands for; the same ignoring case.
        let id_key = key(id);
        if self.by_id.find(id_key, |i| at(entries[i as usize].id) == id).is_none() {
            self.by_id.insert(id_key, n);
        }
        let lower_key = key(&scratch.lower);
        let same_lower = |i: u32| {
            lower_into(at(entries[i as usize].id), &mut scratch.other);
            scratch.other == scratch.lower
        };
        if self.by_id_folded.find(lower_key, same_lower).is_none() {
            self.by_id_folded.insert(lower_key, n);
        }
        // Its name's group: a new one, or the end of an existing chain.
        let name_key = key(name);
        let names = &self.names;
        let head = |g: u32| at(entries[names[g as usize].first as usize].name) == name;
        match self.by_name.find(name_key, head) {
            Some(g) => {
                let last = chain(&mut self.names[g as usize], n);
                self.entries[last as usize].next_name = n;
            }
            None => {
                self.by_name.insert(name_key, self.names.len() as u32);
                self.names.push(Group {
                    first: n,
                    last: n,
                    ids: 1,
                });
            }
        }
        // Its folded name's group, unless an entry of that folded name has this ID already.
        let (text, entries) = (&self.text, &self.entries);
        let at = |range: (u32, u32)| &text[range.0 as usize..range.1 as usize];
        let folded_text = at(folded);
        let fold_pair = key_pair(folded_text, id);
        let in_fold = self.by_fold_pair.find(fold_pair, |i| {
            let e = &entries[i as usize];
            at(e.folded) == folded_text && at(e.id) == id
        });
        if in_fold.is_some() {
            return;
        }
        self.by_fold_pair.insert(fold_pair, n);
        let fold_key = key(folded_text);
        let folds = &self.folds;
        let head = |g: u32| at(entries[folds[g as usize].first as usize].folded) == folded_text;
        match self.by_folded.find(fold_key, head) {
            Some(g) => {
                let last = chain(&mut self.folds[g as usize], n);
                self.entries[last as usize].next_fold = n;
            }
            None => {
                let length = folded_text.chars().take(crate::suggest::MAX_COMPARED).count();
                let g = self.folds.len() as u32;
                self.by_folded.insert(fold_key, g);
                self.folds.push(Group {
                    first: n,
                    last: n,
                    ids: 1,
                });
                self.fold_lengths[length].push(g);
            }
        }
    }

    /// Name/ID pairs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The IDs of a group: one, or how many and the first few.
    fn group_ids(&self, group: &Group, next: fn(&Entry) -> u32) -> Resolved<'_> {
        let first = &self.entries[group.first as usize];
        if group.ids == 1 {
            return Resolved::Id(self.at(first.id));
        }
        let mut shown = Vec::with_capacity(SHOWN_CANDIDATES);
        let mut at = group.first;
        while at != NONE && shown.len() < SHOWN_CANDIDATES {
            let e = &self.entries[at as usize];
            shown.push(self.at(e.id));
            at = next(e);
        }
        Resolved::Ambiguous {
            count: group.ids as usize,
            first: shown,
        }
    }

    /// What a cell's token stands for: an ID as it is; an ID in other letter case is a
    /// problem; else the name exactly, else the name ignoring case and runs of whitespace.
    pub fn resolve(&self, token: &str) -> Resolved<'_> {
        match self.resolve_id(token) {
            Resolved::Unknown => self.resolve_name(token),
            found => found,
        }
    }

    /// `token` as an element ID: the ID, or (in other letter case) [`Resolved::WrongCase`].
    pub fn resolve_id(&self, token: &str) -> Resolved<'_> {
        let entry = |i: u32| &self.entries[i as usize];
        if let Some(i) = self.by_id.find(key(token), |i| self.at(entry(i).id) == token) {
            return Resolved::Id(self.at(entry(i).id));
        }
        let (mut lower, mut other) = (String::new(), String::new());
        lower_into(token, &mut lower);
        let same_lower = |i: u32| {
            lower_into(self.at(entry(i).id), &mut other);
            other == lower
        };
        if let Some(i) = self.by_id_folded.find(key(&lower), same_lower) {
            return Resolved::WrongCase(self.at(entry(i).id));
        }
        Resolved::Unknown
    }

    /// `token` as a name: exactly, then ignoring case and runs of whitespace.
    pub fn resolve_name(&self, token: &str) -> Resolved<'_> {
        let entry = |i: u32| &self.entries[i as usize];
        let first_name = |g: u32| self.at(entry(self.names[g as usize].first).name);
        if let Some(g) = self.by_name.find(key(token), |g| first_name(g) == token) {
            return self.group_ids(&self.names[g as usize], |e| e.next_name);
        }
        let folded = fold(token);
        let first_fold = |g: u32| self.at(entry(self.folds[g as usize].first).folded);
        if let Some(g) = self.by_folded.find(key(&folded), |g| first_fold(g) == folded) {
            return self.group_ids(&self.folds[g as usize], |e| e.next_fold);
        }
        Resolved::Unknown
    }

    /// Adds one pair to a lookup being built (the rows of a project interface's sheet, as they
    /// are read); a pair that is there already is not added again.
    pub fn insert(&mut self, name: &str, id: &str) {
        let mut scratch = std::mem::take(&mut self.scratch);
        self.add(name, id, &mut scratch);
        self.scratch = scratch;
    }

    /// An empty lookup, to [`Lookup::insert`] into; `path` is where its pairs come from, for
    /// messages.
    pub fn new(path: &Path) -> Lookup {
        Lookup::empty(path)
    }

    /// Up to three names most like `token`, closest first (one per folded name), drawing on
    /// `budget`: names are compared by their first characters, only with names of about the
    /// same length, and not at all once the budget is spent.
    pub fn closest(&self, token: &str, budget: &mut crate::suggest::Budget) -> Vec<&str> {
        use crate::suggest::{MAX_COMPARED, comparable};
        let wanted = fold(token);
        let wanted = prefix(&wanted, MAX_COMPARED);
        let n = wanted.chars().count();
        let mut scored: Vec<(f64, &str, &str)> = Vec::new();
        'lengths: for (m, groups) in self.fold_lengths.iter().enumerate() {
            if !comparable(n, m) {
                continue;
            }
            for &g in groups {
                if !budget.take() {
                    break 'lengths;
                }
                let e = &self.entries[self.folds[g as usize].first as usize];
                let folded = self.at(e.folded);
                let score = strsim::jaro_winkler(wanted, prefix(folded, MAX_COMPARED));
                if score >= 0.8 {
                    scored.push((score, folded, self.at(e.name)));
                }
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored.into_iter().take(3).map(|(_, _, name)| name).collect()
    }

    /// Every (name, id) pair, in file order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|e| (self.at(e.name), self.at(e.id)))
    }

    /// Whether `id` is the ID of an element here, with a name or (in an ids answer) without.
    pub fn has_id(&self, id: &str) -> bool {
        matches!(self.resolve_id(id), Resolved::Id(_)) || self.nameless_ids.contains(id)
    }

    /// The name an ID has in this lookup (the first, when it has several).
    pub fn name_of(&self, id: &str) -> Option<&str> {
        let i = self
            .by_id
            .find(key(id), |i| self.at(self.entries[i as usize].id) == id)?;
        Some(self.at(self.entries[i as usize].name))
    }

    /// A few other fields of the elements with these IDs, read again from the file (only
    /// ambiguous targets ask, and they are few): per ID, `key: value` texts.
    pub fn others_of(&self, ids: &[&str], fields: &Fields) -> Vec<(String, Vec<(String, String)>)> {
        self.others_of_file(&self.path, fields, ids)
    }

    fn others_of_file(&self, path: &Path, fields: &Fields, ids: &[&str]) -> Vec<(String, Vec<(String, String)>)> {
        // Each wanted ID once, the first time the file has it with other fields.
        let mut wanted: std::collections::HashSet<&str> = ids.iter().copied().collect();
        let mut found: Vec<(String, Vec<(String, String)>)> = Vec::new();
        let _ = read(path, &extension(path), fields, true, &mut |pair| {
            if !pair.others.is_empty() && wanted.remove(pair.id) {
                found.push((pair.id.to_owned(), pair.others.to_vec()));
            }
        });
        found
    }
}

/// Buffers reused while adding pairs.
#[derive(Debug, Default)]
struct Scratch {
    folded: String,
    lower: String,
    other: String,
}

/// A file's extension, lower case.
fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default()
}

/// Reads a lookup file's pairs into `sink`, as a stream; `ext` says what the file is.
fn read(path: &Path, ext: &str, fields: &Fields, others: bool, sink: parse::Sink<'_>) -> Result<(), LookupError> {
    use std::io::{BufReader, Read};
    let fail = |why: String| LookupError {
        path: path.to_owned(),
        why,
    };
    // The size is checked before anything is read, and the read is bounded too (a template is
    // a shared file: its lookup may name a device or a pipe).
    let too_large = || fail("is larger than 1 GiB; split it, or keep only the names the sheet uses".into());
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot be read ({e})")))?;
    if !meta.is_file() {
        return Err(fail(
            "is not a regular file; a lookup is a saved JSON, XML or CSV file".into(),
        ));
    }
    if meta.len() > MAX_FILE {
        return Err(too_large());
    }
    let open = || -> Result<BufReader<std::io::Take<std::fs::File>>, LookupError> {
        let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot be read ({e})")))?;
        Ok(BufReader::with_capacity(256 * 1024, file.take(MAX_FILE)))
    };
    // Text that is not UTF-8 in a file without a byte-order mark that may be a CSV: Excel's
    // "CSV" on Western Windows is Windows-1252. Read again as that, from the start.
    let may_be_csv = ext != "json" && ext != "xml";
    match read_as(open()?, ext, None, fields, others, sink) {
        Err((parse::ParseError::NotUtf8 { .. }, parse::Kind::Csv, false)) if may_be_csv => {
            let windows = Some(parse::Text::Other(encoding_rs::WINDOWS_1252));
            read_as(open()?, ext, windows, fields, others, sink).map_err(|(e, _, _)| fail(e.to_string()))
        }
        Err((e, _, _)) => Err(fail(e.to_string())),
        Ok(()) => Ok(()),
    }
}

/// One read of a lookup file in the encoding its byte-order mark says, else `text`, else
/// UTF-8; a failure comes with the kind of file it was read as and whether it had a mark.
fn read_as(
    mut raw: std::io::BufReader<std::io::Take<std::fs::File>>,
    ext: &str,
    text: Option<parse::Text>,
    fields: &Fields,
    others: bool,
    sink: parse::Sink<'_>,
) -> Result<(), (parse::ParseError, parse::Kind, bool)> {
    use std::io::{BufRead, BufReader};
    let unreadable = |e: std::io::Error| parse::ParseError::Other(format!("cannot be read ({e})"));
    let head = raw.fill_buf().map_err(|e| (unreadable(e), parse::Kind::Csv, false))?;
    let (found, bom) = match encoding_rs::Encoding::for_bom(head) {
        Some((e, n)) if e == encoding_rs::UTF_8 => (parse::Text::Utf8, n),
        Some((e, n)) => (parse::Text::Other(e), n),
        None => (text.unwrap_or(parse::Text::Utf8), 0),
    };
    raw.consume(bom);
    let marked = bom > 0;
    let mut input = BufReader::with_capacity(256 * 1024, parse::Decoded::new(raw, found));
    let kind = match ext {
        "json" => parse::Kind::Json,
        "xml" => parse::Kind::Xml,
        _ => parse::sniff(&mut input).map_err(|e| (parse::io_failure(&e), parse::Kind::Csv, marked))?,
    };
    parse::parse(input, kind, fields, others, sink).map_err(|e| (e, kind, marked))
}

/// Lookup files loaded so far, so each is read once however many relations and templates
/// name it (keyed by the file and the fields asked for).
#[derive(Default)]
pub struct Lookups {
    loaded: Vec<(PathBuf, Fields, Arc<Lookup>)>,
}

impl Lookups {
    /// The lookup at `path`, loaded now or earlier.
    pub fn load(&mut self, path: &Path, fields: &Fields) -> Result<Arc<Lookup>, LookupError> {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        if let Some((_, _, lookup)) = self.loaded.iter().find(|(p, f, _)| *p == key && f == fields) {
            return Ok(Arc::clone(lookup));
        }
        let lookup = Arc::new(Lookup::load(path, fields)?);
        self.loaded.push((key, fields.clone(), Arc::clone(&lookup)));
        Ok(lookup)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(name: &str, text: &str, fields: &Fields) -> Result<Lookup, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        Lookup::load(&path, fields).map_err(|e| e.to_string())
    }

    fn pairs(lookup: &Lookup) -> Vec<(&str, &str)> {
        lookup.entries().collect()
    }

    #[test]
    fn every_accepted_shape() {
        let expected = [("Pump station North", "FAC-1"), ("Sluice 2", "FAC-2")];
        let none = Fields::default();
        for (name, text) in [
            (
                "a.json",
                r#"{"Facilities": [{"@id": "FAC-1", "@name": "Pump station North"}, {"@id": "FAC-2", "@name": "Sluice 2"}]}"#,
            ),
            (
                "b.json",
                r#"{"Facilities": [{"ID": "FAC-1", "Name": "Pump station North"}, {"id": "FAC-2", "name": "Sluice 2"}]}"#,
            ),
            (
                "c.json",
                r#"[{"id": "FAC-1", "name": "Pump station North", "other": 1}, {"id": "FAC-2", "name": "Sluice 2"}]"#,
            ),
            (
                "d.xml",
                r#"<?xml version="1.0"?><Facilities><Facility id="FAC-1" name="Pump station North"/><Facility id="FAC-2" name="Sluice 2"></Facility></Facilities>"#,
            ),
            (
                "e.xml",
                "<Facilities><Facility><id>FAC-1</id><name>Pump station North</name></Facility><Facility><Id>FAC-2</Id><Name>Sluice 2</Name></Facility></Facilities>",
            ),
            ("f.csv", "name;id;notes\nPump station North;FAC-1;x\nSluice 2;FAC-2;\n"),
            ("g.txt", "\u{feff}Name,ID\nPump station North,FAC-1\nSluice 2,FAC-2\n"),
        ] {
            let lookup = load(name, text, &none).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(pairs(&lookup), expected, "{name}");
        }
        let named = Fields {
            id: Some("elementId".into()),
            name: Some("displayName".into()),
        };
        let lookup = load(
            "h.json",
            r#"[{"elementId": "FAC-1", "displayName": "Pump station North"}]"#,
            &named,
        )
        .unwrap();
        assert_eq!(pairs(&lookup), [("Pump station North", "FAC-1")]);
    }

    #[test]
    fn json_answers_are_read_as_a_stream_in_document_order() {
        let none = Fields::default();
        let lookup = load(
            "a.json",
            r#"{"meta": {"count": 2, "list": [1]}, "total": 2, "Facilities": [
                {"id": 12, "name": " Pump "}, "not an element", [1, 2], {"id": 1.5, "name": "Weir", "extra": {"id": "x"}},
                {"id": "", "name": "no id"}], "Later": [{"id": "L", "name": "later"}]}"#,
            &none,
        )
        .unwrap();
        assert_eq!(pairs(&lookup), [("Pump", "12"), ("Weir", "1.5")]);
        for (text, words) in [
            (r#""just text""#, "has an unexpected shape"),
            (r#"{"a": 1}"#, "has no array of elements"),
            (r#"[1, 2]"#, "has elements without an id and a name field"),
            (r#"[{"id": "A", "name": "x"}] trailing"#, "is not valid JSON"),
        ] {
            let e = load("b.json", text, &none).unwrap_err();
            assert!(e.contains(words), "{text}: {e}");
        }
    }

    #[test]
    fn folding_ignores_case_and_runs_of_whitespace() {
        assert_eq!(fold("  Pump   STATION\tNorth "), "pump station north");
        assert_eq!(fold("Ëde  Noord"), "ëde noord");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn encodings_as_windows_tools_write_them() {
        let dir = tempfile::tempdir().unwrap();
        let none = Fields::default();
        // PowerShell's UTF-16 with a byte-order mark, and Excel's Windows-1252 "CSV".
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "name;id\r\nGemaal Ëde;GEB-1\r\n".encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode("name;id\r\nGemaal Ëde;GEB-1\r\n");
        for (name, bytes) in [("u16.csv", utf16), ("cp1252.csv", cp1252.into_owned())] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let lookup = Lookup::load(&path, &none).unwrap();
            assert_eq!(pairs(&lookup), [("Gemaal Ëde", "GEB-1")], "{name}");
        }
        let path = dir.path().join("bad.json");
        std::fs::write(&path, b"[{\"id\": \"GEB-1\", \"name\": \"\xCBde\"}]").unwrap();
        let e = Lookup::load(&path, &none).unwrap_err().to_string();
        assert!(e.contains("is not UTF-8 text (byte 27)"), "{e}");
    }

    #[test]
    fn unrecognisable_files_say_what_was_expected() {
        let none = Fields::default();
        for (name, text, words) in [
            ("a.json", "{\"x\": 1}", "has no array of elements"),
            ("b.json", "[{\"code\": 1}]", "without an id and a name field"),
            ("c.csv", "code;label\n1;x\n", "has no 'name' and 'id' columns"),
            (
                "h.csv",
                "Code;Name\n1;x\n",
                "has no 'id' column in its header row: its header row holds 'Code', 'Name'",
            ),
            (
                "d.xml",
                "<a><b x='1'/></a>",
                "without an id and a name field (the fields found: 'x')",
            ),
            (
                "f.xml",
                "<a><b><Code>1</Code><Titel>x</Titel></b></a>",
                "(the fields found: 'Code', 'Titel')",
            ),
            ("g.xml", "<a><b/></a>", "holds no name/ID pairs"),
            ("i.xml", "<a><b id='1' name='x'/><b id='2' name='y'/>", "is cut off"),
            ("j.xml", "<html><body></body></html>", "is a web page"),
            ("k.xml", "[{\"id\": \"1\", \"name\": \"x\"}]", "holds no XML element"),
            ("e.json", "{", "is not valid JSON"),
        ] {
            let e = load(name, text, &none).unwrap_err();
            assert!(
                e.contains(words) && e.contains("expected a providing interface's answer"),
                "{name}: {e}"
            );
        }
    }

    #[test]
    fn names_resolve_exactly_then_loosely_and_ids_pass() {
        let lookup = Lookup::from_entries(
            Path::new("l.csv"),
            vec![
                ("Pump station North".into(), "FAC-1".into()),
                ("Pump  Station  South".into(), "FAC-2".into()),
                ("Weir".into(), "FAC-3".into()),
                ("Weir".into(), "FAC-4".into()),
            ],
        );
        assert_eq!(lookup.resolve("Pump station North"), Resolved::Id("FAC-1"));
        assert_eq!(lookup.resolve("pump STATION   south"), Resolved::Id("FAC-2"));
        assert_eq!(lookup.resolve("FAC-3"), Resolved::Id("FAC-3"));
        assert_eq!(
            lookup.resolve("Weir"),
            Resolved::Ambiguous {
                count: 2,
                first: vec!["FAC-3", "FAC-4"]
            }
        );
        assert_eq!(lookup.resolve("Pump station West"), Resolved::Unknown);
        let mut budget = crate::suggest::Budget::default();
        assert_eq!(
            lookup.closest("Pump statoin North", &mut budget),
            ["Pump station North", "Pump  Station  South"]
        );
        // An ID in the wrong case is not taken, and is no name either.
        assert_eq!(lookup.resolve("fac-3"), Resolved::WrongCase("FAC-3"));
    }

    #[test]
    fn an_id_in_other_case_is_never_another_element() {
        // G-4 is named like G-1's ID: 'g-1' is G-1 in the wrong case, not G-4 by name.
        let lookup = Lookup::from_entries(
            Path::new("l.csv"),
            vec![("Noord".into(), "G-1".into()), ("G-1".into(), "G-4".into())],
        );
        assert_eq!(lookup.resolve("G-1"), Resolved::Id("G-1"));
        assert_eq!(lookup.resolve("g-1"), Resolved::WrongCase("G-1"));
        assert_eq!(lookup.resolve("noord"), Resolved::Id("G-1"));
    }

    #[test]
    fn equal_names_cost_what_distinct_names_cost() {
        // 200,000 elements named X (a hash table of equal keys would take minutes to build):
        // one group, its count, and the first few in file order.
        let n = 200_000;
        let entries: Vec<(String, String)> = (0..n).map(|i| ("X".to_owned(), format!("ID-{i}"))).collect();
        let lookup = Lookup::from_entries(Path::new("l.json"), entries);
        assert_eq!(lookup.len(), n);
        let Resolved::Ambiguous { count, first } = lookup.resolve("x") else {
            panic!("ambiguous expected")
        };
        assert_eq!(count, n);
        assert_eq!(first, ["ID-0", "ID-1", "ID-2", "ID-3", "ID-4"]);
        // A pair given twice is one element; one ID under two spellings of a name is one too.
        let lookup = Lookup::from_entries(
            Path::new("l.json"),
            vec![
                ("Weir".into(), "F-1".into()),
                ("Weir".into(), "F-1".into()),
                ("WEIR".into(), "F-1".into()),
            ],
        );
        assert_eq!(lookup.len(), 2);
        assert_eq!(lookup.resolve("weir"), Resolved::Id("F-1"));
    }

    #[test]
    fn suggestions_are_bounded() {
        let entries: Vec<(String, String)> = (0..1000).map(|i| (format!("Gemaal {i}"), format!("G-{i}"))).collect();
        let lookup = Lookup::from_entries(Path::new("l.json"), entries);
        // A 32,000-character cell is compared by its start only; names of other lengths not at all.
        let long = "Gemaal 1".repeat(4000);
        let mut budget = crate::suggest::Budget::default();
        assert!(lookup.closest(&long, &mut budget).is_empty());
        let mut budget = crate::suggest::Budget::new(10);
        let found = lookup.closest("Gemaal 5x", &mut budget);
        assert!(found.len() <= 3);
        assert!(
            lookup.closest("Gemaal 5x", &mut budget).is_empty(),
            "the budget is spent"
        );
    }
}
