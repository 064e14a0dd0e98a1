//! Mapping and checking: from sheet rows to elements, with every problem recorded.
//!
//! The [`Mapper`] first reads the header row into a [`Layout`] (which column feeds which
//! property or relation), then turns each data row into an [`Element`]: the external id and
//! one [`Value`] per template field, in template order, all text in one reusable buffer. Every
//! rule of the README's "Values" section is applied here, and each broken rule becomes a
//! [`Problem`] pointing at its cell. The mapper never stops early: one run reports everything.

mod fields;
mod header;
mod text;

use std::collections::{HashMap, HashSet};
use std::io;
use std::ops::Range;

pub use text::cell_text;

use crate::cellref::{cell_name, column_letters, sheet_cell};
use crate::ids::IdSet;
use crate::input::{Cell, Row, UnclosedQuote};
use crate::lookup::interfaces::{Deferred, Pending, ProjectNames};
use crate::problem::{Code, Problem, Problems, Stats};
use crate::template::{Field, Ragged, Template, normalize_header};
use crate::value;

/// One field's output for the current element.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Leave the key out (empty cell with `empty = "omit"`, internal fields, missing columns).
    Omit,
    /// JSON `null` (empty cell with `empty = "null"`).
    Null,
    /// A string value; range into [`Element::text`].
    Text(Range<u32>),
    /// A number, already formatted as a plain decimal; range into [`Element::text`].
    Number(Range<u32>),
    /// Relation targets; range into [`Element::targets`]. Empty clears the relation.
    Targets(Range<u32>),
}

/// A relation target: its element ID (range into [`Element::text`]) and, for collection
/// relations, which of the relation's target types it is.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetRef {
    pub id: Range<u32>,
    pub type_index: u16,
}

/// The element one row becomes. Buffers are reused from row to row.
#[derive(Clone, Debug, Default)]
pub struct Element {
    pub external_id: String,
    /// One value per template field, in template order.
    pub values: Vec<Value>,
    pub text: String,
    pub targets: Vec<TargetRef>,
}

impl Element {
    fn clear(&mut self) {
        self.external_id.clear();
        self.values.clear();
        self.text.clear();
        self.targets.clear();
    }

    pub fn str(&self, range: &Range<u32>) -> &str {
        self.text.get(range.start as usize..range.end as usize).unwrap_or("")
    }

    fn mark(&self) -> u32 {
        self.text.len() as u32
    }
}

/// Which sheet column feeds what, from the header row.
#[derive(Debug)]
struct Layout {
    external_id: Option<u32>,
    /// Column of each template field, in template order.
    fields: Vec<Option<u32>>,
    /// Header text per column (trimmed), for messages.
    headers: Vec<String>,
    /// Columns that are mapped or deliberately ignored.
    accounted: Vec<bool>,
}

impl Layout {
    fn header(&self, col: u32) -> &str {
        self.headers.get(col as usize).map(String::as_str).unwrap_or("")
    }

    fn is_accounted(&self, col: u32) -> bool {
        self.accounted.get(col as usize).copied().unwrap_or(false)
    }
}

/// State of the header row.
enum Header {
    /// Not reached yet.
    Pending,
    /// Read; data rows follow.
    Read(Layout),
    /// Missing or empty: data rows cannot be mapped.
    Unusable,
}

/// A sheet read within a project: the names of the interfaces relations point at, which
/// interface this sheet is, the field holding its elements' names, and whether its rows are to
/// be recorded as names (the first read of each sheet in a project run).
#[derive(Clone, Copy)]
pub struct ProjectLink<'a> {
    pub names: &'a std::cell::RefCell<ProjectNames>,
    pub interface: usize,
    pub name_field: Option<usize>,
    pub collect: bool,
}

/// Turns rows into checked elements.
pub struct Mapper<'t> {
    template: &'t Template,
    /// Per field: the allowed values of a list property, to look a cell up in one step.
    list_values: Vec<Option<HashSet<&'t str>>>,
    /// Set within a project (`interface:` relations).
    project: Option<ProjectLink<'t>>,
    /// Targets left out of the body because their elements have no ID yet.
    pending: Pending,
    /// Targets whose sheet was not read whole yet: settled when it is.
    deferred: Vec<Deferred>,
    /// Targets of the relation cell being read that wait for an ID (pending or deferred).
    cell_waiting: u32,
    /// The names (folded) of the `interface:` relation cell being read, to find repeats among
    /// targets that have no ID yet.
    cell_names: std::collections::HashSet<String>,
    sheet: Option<String>,
    header: Header,
    /// External ids seen so far, with the row where each first appeared.
    seen_ids: IdSet,
    /// Non-empty cells per column that is neither mapped nor ignored.
    unmapped: Vec<u64>,
    stats: Stats,
    last_row: u32,
    element: Element,
    row_problems: Vec<Problem>,
    row_number: u32,
    row_line: Option<u64>,
    allow_empty: bool,
    /// Reusable text buffer.
    scratch: String,
    date_formats: value::DateFormats,
    /// `unknown-target` problems so far (suggestions are made for the first few).
    unknown_targets: u64,
    /// The targets of the relation cell being read (indices into the element's targets), to
    /// find one given twice.
    cell_targets: hashbrown::HashTable<u32>,
    /// What "did you mean" may still cost in this run.
    suggest_budget: crate::suggest::Budget,
    /// The template's columns (normalized, numbered) and the longest, in characters.
    wanted: (HashMap<String, usize>, usize),
    /// How many of the template's columns each of the first rows holds, to tell where the
    /// headers really are.
    early_rows: Vec<(u32, usize)>,
    /// The rows just above the header row (at most 1,000): each filled cell's column and a
    /// hash of its text, to say when one looks like an element.
    above: std::collections::VecDeque<(u32, Vec<(u32, u64)>)>,
    /// Rows further above that fill several columns: how many, the first and the last.
    above_more: (u64, u32, u32),
    /// `missing-column` problems, reported at the end with a hint when another row holds
    /// the headers.
    missing: Vec<Problem>,
    /// [`Mapper::header_misplaced`], once the first rows are known.
    misplaced_settled: Option<bool>,
}

/// Rows looked at for the headers when the template's header row lacks columns.
const HEADER_SEARCH_ROWS: u32 = 50;

impl<'t> Mapper<'t> {
    pub fn new(template: &'t Template) -> Mapper<'t> {
        let list_values = template
            .fields
            .iter()
            .map(|f| match &f.kind {
                crate::template::FieldKind::Property(crate::template::PropertyType::List { values: Some(v) }) => {
                    Some(v.iter().map(String::as_str).collect())
                }
                _ => None,
            })
            .collect();
        Mapper {
            template,
            list_values,
            project: None,
            pending: Pending::default(),
            deferred: Vec::new(),
            cell_waiting: 0,
            cell_names: std::collections::HashSet::new(),
            sheet: None,
            header: Header::Pending,
            seen_ids: IdSet::default(),
            unmapped: Vec::new(),
            stats: Stats::default(),
            last_row: template.source.header_row,
            element: Element::default(),
            row_problems: Vec::new(),
            row_number: 0,
            row_line: None,
            allow_empty: false,
            scratch: String::new(),
            date_formats: value::DateFormats::new(&template.source.date_formats),
            unknown_targets: 0,
            suggest_budget: crate::suggest::Budget::default(),
            cell_targets: hashbrown::HashTable::new(),
            wanted: wanted_columns(template),
            early_rows: Vec::new(),
            above: std::collections::VecDeque::new(),
            above_more: (0, u32::MAX, 0),
            missing: Vec::new(),
            misplaced_settled: None,
        }
    }

    /// Reads the sheet within a project.
    pub fn set_project(&mut self, link: Option<ProjectLink<'t>>) {
        self.project = link;
    }

    /// The targets left out because their elements have no ID yet, and the ones to settle once
    /// every sheet is read.
    pub fn take_waiting(&mut self) -> (Pending, Vec<Deferred>) {
        (std::mem::take(&mut self.pending), std::mem::take(&mut self.deferred))
    }

    /// A sheet without data rows is allowed (`submit --allow-empty`), not an `empty-body` error.
    pub fn set_allow_empty(&mut self, allow: bool) {
        self.allow_empty = allow;
    }

    /// The sheet name, for cell references in messages (`None` for CSV).
    pub fn set_sheet(&mut self, sheet: Option<String>) {
        self.sheet = sheet;
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The external ids of all elements so far (for receipts), in no particular order.
    pub fn external_ids(&self) -> impl Iterator<Item = &str> {
        self.seen_ids.iter()
    }

    fn cell_ref(&self, row: u32, col: u32) -> String {
        sheet_cell(self.sheet.as_deref(), row, col)
    }

    /// Maps one row. Returns the element when the row is a data row with values.
    pub fn row(&mut self, row: &Row, problems: &mut Problems) -> io::Result<Option<&Element>> {
        let header_row = self.template.source.header_row;
        if row.number <= HEADER_SEARCH_ROWS {
            // Only the template's columns are counted: nothing of the row is kept.
            let (wanted, longest) = &self.wanted;
            let mut found: HashSet<usize> = HashSet::new();
            for (_, cell) in row.cells() {
                let Cell::Text(t) = cell else { continue };
                // Lower case never has fewer characters, and a character at most four bytes.
                let t = t.trim();
                if t.is_empty() || t.len() > 4 * longest {
                    continue;
                }
                if let Some(&i) = wanted.get(&normalize_header(t)) {
                    found.insert(i);
                }
            }
            self.early_rows.push((row.number, found.len()));
        }
        if let Some(open) = row.unclosed_quote.filter(|_| row.number <= header_row) {
            problems.push(
                Problem::new(Code::UnclosedQuote, unclosed_quote_message(open))
                    .at(row.number, Some(open.col))
                    .line(row.line.filter(|l| *l != u64::from(row.number))),
            )?;
        }
        if row.number < header_row {
            self.remember_above(row);
            return Ok(None);
        }
        if matches!(self.header, Header::Pending) {
            if row.number == header_row && !row.is_blank() {
                let layout = self.read_header(row, problems)?;
                self.header = Header::Read(layout);
                return Ok(None);
            }
            self.header = Header::Unusable;
            let message = if row.number == header_row {
                format!(
                    "the header row (row {header_row}, source.header_row) is empty; set source.header_row to the row that holds the column headers"
                )
            } else {
                format!(
                    "the header row (row {header_row}, source.header_row) is empty; the first row with values is row {}: \
                     set source.header_row = {} if that row holds the column headers",
                    row.number, row.number
                )
            };
            problems.push(Problem::new(Code::EmptyHeaderRow, message).at(header_row, None))?;
            if row.number == header_row {
                return Ok(None);
            }
        }
        if row.number > self.last_row {
            let gap = u64::from(row.number - self.last_row - 1);
            self.stats.rows += gap + 1;
            self.stats.empty_rows += gap;
            self.last_row = row.number;
            if row.is_blank() {
                self.stats.empty_rows += 1;
                return Ok(None);
            }
        } else if row.is_blank() {
            // Rows out of order (a file not written by Excel): this one was counted, as empty,
            // in the gap before a later row.
            return Ok(None);
        } else {
            self.stats.empty_rows = self.stats.empty_rows.saturating_sub(1);
        }
        let layout = match std::mem::replace(&mut self.header, Header::Pending) {
            Header::Read(layout) => layout,
            other => {
                self.header = other;
                return Ok(None);
            }
        };
        self.stats.elements += 1;
        self.row_number = row.number;
        self.row_line = row.line;
        self.map_row(&layout, row);
        self.record_name();
        if self.stats.elements == 1 {
            self.header_like_data(&layout, problems)?;
        }
        // Surplus fields of a ragged record are reported as `extra-cell`, not as unmapped columns.
        let mut counted = row.width();
        if let Some(open) = row.unclosed_quote {
            // The record's field count is a consequence of this, not a second problem.
            let msg = unclosed_quote_message(open);
            self.problem(Code::UnclosedQuote, open.col, &layout, None, msg);
        } else if self.template.source.ragged == Ragged::Error
            && row.fields.is_some()
            && !self.header_misplaced(row.number)
        {
            self.check_ragged(&layout, row);
            counted = counted.min(layout.headers.len() as u32);
        }
        for (col, cell) in row.cells().take(counted as usize) {
            if !layout.is_accounted(col) && !cell.is_blank() {
                let col = col as usize;
                if col >= self.unmapped.len() {
                    self.unmapped.resize(col + 1, 0);
                }
                self.unmapped[col] += 1;
            }
        }
        self.header = Header::Read(layout);
        self.row_problems.sort_by_key(|p| p.col.unwrap_or(u32::MAX));
        for p in self.row_problems.drain(..) {
            problems.push(p)?;
        }
        Ok(Some(&self.element))
    }

    /// Problems that need the whole sheet: unmapped columns, an empty body.
    pub fn finish(&mut self, problems: &mut Problems) -> io::Result<()> {
        let header_row = self.template.source.header_row;
        let misplaced = self.misplaced_header();
        let missing = std::mem::take(&mut self.missing);
        match misplaced {
            // The headers are in another row: one problem that says so, not one per column.
            Some((row, found, wanted)) => {
                const NAMED: usize = 5;
                let mut names: Vec<String> = missing
                    .iter()
                    .take(NAMED)
                    .filter_map(|p| p.column.as_deref().map(|c| format!("'{c}'")))
                    .collect();
                if missing.len() > NAMED {
                    names.push(format!("{} more", missing.len() - NAMED));
                }
                let message = format!(
                    "{} of the template's columns {} not in the header row {header_row} ({}); the headers look \
                     like row {row} ({found} of {wanted} template columns found there): set source.header_row = {row}",
                    missing.len(),
                    if missing.len() == 1 { "is" } else { "are" },
                    names.join(", ")
                );
                problems.push(Problem::new(Code::MissingColumn, message).at(header_row, None))?;
            }
            None => {
                for p in missing {
                    problems.push(p)?;
                }
            }
        }
        match &self.header {
            Header::Pending if self.allow_empty => {}
            Header::Pending => {
                let message = format!(
                    "the sheet has no rows at or below the header row (row {header_row}, source.header_row); \
                     an empty body would delete every {} in Relatics",
                    self.template.target.type_name
                );
                problems.push(Problem::new(Code::EmptyBody, message))?;
            }
            Header::Unusable => {}
            Header::Read(layout) => {
                // With the headers in another row, unmapped columns are only noise.
                if !self.template.ignore_others && misplaced.is_none() {
                    for (col, &count) in self.unmapped.iter().enumerate() {
                        if count == 0 {
                            continue;
                        }
                        let col = col as u32;
                        let header = layout.header(col);
                        let (cells, they) = if count == 1 {
                            ("1 non-empty cell".to_owned(), "it is")
                        } else {
                            (format!("{count} non-empty cells"), "they are")
                        };
                        let letters = column_letters(col);
                        let mut p = if header.is_empty() {
                            Problem::new(
                                Code::UnmappedColumn,
                                format!(
                                    "column {letters} has no header but {cells}, and so {they} not sent; give the column a \
                                     header and map it, or set others = true under [ignore]"
                                ),
                            )
                        } else {
                            Problem::new(
                                Code::UnmappedColumn,
                                format!(
                                    "column '{header}' ({letters}) has {cells} but is neither mapped nor ignored, so {they} not \
                                     sent; map it in the template or list it under [ignore] columns"
                                ),
                            )
                            .column(header)
                        };
                        p = p.at(header_row, Some(col));
                        problems.push(p)?;
                    }
                }
                if self.stats.elements == 0 && !self.allow_empty {
                    let message = format!(
                        "the sheet has no data rows below the header row (row {header_row}); an empty body would delete \
                         every {} in Relatics",
                        self.template.target.type_name
                    );
                    problems.push(Problem::new(Code::EmptyBody, message))?;
                }
            }
        }
        Ok(())
    }

    /// Whether the header row looks wrong (another of the first rows holds the template's
    /// columns): records then differ from it in length because it is not the header, and
    /// `finish` says so once instead of an `extra-cell` per row. Settled after the first rows.
    fn header_misplaced(&mut self, row: u32) -> bool {
        if let Some(settled) = self.misplaced_settled {
            return settled;
        }
        let misplaced = self.misplaced_header().is_some();
        if row > HEADER_SEARCH_ROWS {
            self.misplaced_settled = Some(misplaced);
        }
        misplaced
    }

    /// When template columns are missing: another of the first rows that holds more of them
    /// (and at least half): its number, how many it holds, and how many there are.
    fn misplaced_header(&self) -> Option<(u32, usize, usize)> {
        if self.missing.is_empty() {
            return None;
        }
        let t = self.template;
        let wanted = self.wanted.0.len();
        let at_header = self
            .early_rows
            .iter()
            .find(|(n, _)| *n == t.source.header_row)
            .map_or(0, |(_, found)| *found);
        let (row, found) = self
            .early_rows
            .iter()
            .filter(|(n, _)| *n != t.source.header_row)
            .copied()
            .max_by_key(|&(n, found)| (found, std::cmp::Reverse(n)))?;
        (found > at_header && found * 2 >= wanted).then_some((row, found, wanted))
    }

    fn problem(
        &mut self,
        code: Code,
        col: u32,
        layout: &Layout,
        field: Option<&Field>,
        message: String,
    ) -> &mut Problem {
        let mut p = Problem::new(code, message)
            .at(self.row_number, Some(col))
            .line(self.row_line.filter(|l| *l != u64::from(self.row_number)))
            .column(layout.header(col));
        if let Some(f) = field {
            p = p.property(&f.name);
        }
        self.row_problems.push(p);
        let last = self.row_problems.len() - 1;
        &mut self.row_problems[last]
    }

    /// A delimited record with more or fewer fields than the header: values in the wrong
    /// properties, or cleared. (Trailing empty fields are neither.)
    fn check_ragged(&mut self, layout: &Layout, row: &Row) {
        let Some(fields) = row.fields else { return };
        let width = layout.headers.len() as u32;
        let line = row.line.unwrap_or(u64::from(row.number));
        let record = |n: u32| {
            if n == 1 {
                "1 field".to_owned()
            } else {
                format!("{n} fields")
            }
        };
        if row.width() > width {
            let Some((col, cell)) = row.cells().skip(width as usize).find(|(_, c)| !c.is_blank()) else {
                return;
            };
            let mut found = String::new();
            cell_text(cell, &mut found);
            let found = crate::problem::quoted(found.trim());
            let msg = format!(
                "line {line} has {} where the header has {}; the first surplus value is '{found}', so the values \
                 have probably shifted (an unquoted delimiter, or two lines run together); quote the value that \
                 holds the delimiter, or set source.ragged = \"allow\" if the file is ragged on purpose",
                record(fields),
                record(width)
            );
            self.problem(Code::ExtraCell, col, layout, None, msg).value = Some(found);
        } else if fields < width {
            let header = layout.header(fields).to_owned();
            let mapped_after = layout
                .external_id
                .iter()
                .chain(layout.fields.iter().flatten())
                .any(|&c| c >= fields);
            let effect = if mapped_after {
                "so Relatics would clear the properties and relations they hold"
            } else {
                "(none of them is mapped, but a short record often means a cut line)"
            };
            let msg = format!(
                "line {line} has {} where the header has {}; '{header}' ({}) and the columns after it are missing, \
                 {effect}; check for a line cut short, or set source.ragged = \"allow\" if the file is ragged on \
                 purpose",
                record(fields),
                record(width),
                cell_name(row.number, fields)
            );
            self.problem(Code::MissingCell, fields, layout, None, msg);
        }
    }

    /// The header row itself may be the first element (a header row chosen one row too low):
    /// said when the external id's header is shaped like the external ids under it (`REQ-1`
    /// over `REQ-2`), since rows at or above the header row are never sent.
    fn header_like_data(&mut self, layout: &Layout, problems: &mut Problems) -> io::Result<()> {
        let Some(col) = layout.external_id else { return Ok(()) };
        let header = layout.header(col);
        let (Some(a), Some(b)) = (value::id_prefix(header), value::id_prefix(&self.element.external_id)) else {
            return Ok(());
        };
        if a != b {
            return Ok(());
        }
        let header_row = self.template.source.header_row;
        let message = format!(
            "the header row (row {header_row}, source.header_row) looks like an element: the external id's column is \
             headed '{}', shaped like the external ids under it ('{}'); rows at or above the header row are never \
             sent, so a submit would delete that element in Relatics: if it is one, set source.header_row to the row \
             that holds the headers",
            crate::problem::quoted(header),
            crate::problem::quoted(&self.element.external_id)
        );
        problems.push(
            Problem::new(Code::DataAboveHeader, message)
                .at(header_row, Some(col))
                .column(header),
        )
    }

    /// In a project, records the row's name and external id for the relations that point at
    /// this interface.
    fn record_name(&mut self) {
        let Some(link) = self.project.filter(|l| l.collect) else {
            return;
        };
        let Some(field) = link.name_field else { return };
        if let Some(Value::Text(range)) = self.element.values.get(field) {
            let name = self.element.str(range);
            link.names
                .borrow_mut()
                .add_row(link.interface, name, &self.element.external_id);
        }
    }

    fn map_row(&mut self, layout: &Layout, row: &Row) {
        self.element.clear();
        self.map_external_id(layout, row);
        let t = self.template;
        for (i, field) in t.fields.iter().enumerate() {
            let value = match layout.fields[i] {
                None => Value::Omit,
                Some(col) => self.map_field(layout, i, field, col, row.cell(col)),
            };
            self.element.values.push(value);
        }
    }
}

/// The template's columns, normalized and numbered (the external id's and every field's), and
/// the longest in characters.
fn wanted_columns(template: &Template) -> (HashMap<String, usize>, usize) {
    let mut wanted = HashMap::new();
    let columns = std::iter::once(&template.external_id_column).chain(template.fields.iter().map(|f| &f.column));
    for column in columns {
        let n = wanted.len();
        wanted.entry(normalize_header(column)).or_insert(n);
    }
    let longest = wanted.keys().map(|k| k.chars().count()).max().unwrap_or(0);
    (wanted, longest)
}

/// The message of an `unclosed-quote` problem.
fn unclosed_quote_message(open: UnclosedQuote) -> String {
    format!(
        "the quote that opens this value on line {} is never closed, so the rest of the file (to line {}) \
         was read as this one value and the rows after it are lost; add the closing quote, or write a quote \
         inside a quoted value twice (\"\")",
        open.line, open.last_line
    )
}
