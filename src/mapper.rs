//! Mapping and checking: from sheet rows to elements, with every problem recorded.
//!
//! The [`Mapper`] first reads the header row into a [`Layout`] (which column feeds which
//! property or relation), then turns each data row into an [`Element`]: the external id and
//! one [`Value`] per template field, in template order, all text in one reusable buffer. Every
//! rule of the README's "Values" section is applied here, and each broken rule becomes a
//! [`Problem`] pointing at its cell. The mapper never stops early: one run reports everything.

use std::fmt::Write as _;
use std::io;
use std::ops::Range;

use crate::ids::IdSet;
use crate::input::{Cell, Row};
use crate::problem::{Code, Problem, Problems, cell_name, column_letters};
use crate::suggest;
use crate::template::{
    Cardinality, EmptyPolicy, Field, FieldKind, PropertyType, Relation, Target, TargetTypes, Template, normalize_header,
};
use crate::value::{self, DateError, NumberError};

/// Relatics' limits, in UTF-16 code units.
pub const MAX_EXTERNAL_ID: usize = 450;
pub const MAX_TEXT: usize = 10_000;
pub const MAX_SINGLE_LINE_TEXT: usize = 100;

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

/// Counts for the summary and the JSON report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Data rows read (below the header row), empty ones included.
    pub rows: u64,
    /// Data rows skipped because every cell was empty.
    pub empty_rows: u64,
    /// Elements the body holds (one per non-empty data row).
    pub elements: u64,
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

/// Turns rows into checked elements.
pub struct Mapper<'t> {
    template: &'t Template,
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
}

impl<'t> Mapper<'t> {
    pub fn new(template: &'t Template) -> Mapper<'t> {
        Mapper {
            template,
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
        }
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
        match &self.sheet {
            Some(s) => format!("{}!{}", quote_sheet(s), cell_name(row, col)),
            None => cell_name(row, col),
        }
    }

    /// Maps one row. Returns the element when the row is a data row with values.
    pub fn row(&mut self, row: &Row, problems: &mut Problems) -> io::Result<Option<&Element>> {
        let header_row = self.template.source.header_row;
        if row.number < header_row {
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
        if row.number <= self.last_row {
            // Rows out of order (a malformed file); count them once.
            self.last_row = row.number.saturating_sub(1);
        }
        let gap = u64::from(row.number - self.last_row - 1);
        self.stats.rows += gap + 1;
        self.stats.empty_rows += gap;
        self.last_row = row.number;
        if row.is_blank() {
            self.stats.empty_rows += 1;
            return Ok(None);
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
        for (col, cell) in row.cells() {
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
                if !self.template.ignore_others {
                    for (col, &count) in self.unmapped.iter().enumerate() {
                        if count == 0 {
                            continue;
                        }
                        let col = col as u32;
                        let header = layout.header(col);
                        let cells = if count == 1 {
                            "1 non-empty cell".to_owned()
                        } else {
                            format!("{count} non-empty cells")
                        };
                        let letters = column_letters(col);
                        let mut p = if header.is_empty() {
                            Problem::new(
                                Code::UnmappedColumn,
                                format!(
                                    "column {letters} has no header but {cells}, which are not sent; give it a header and map it, \
                                     or set others = true under [ignore]"
                                ),
                            )
                        } else {
                            Problem::new(
                                Code::UnmappedColumn,
                                format!(
                                    "column '{header}' ({letters}) has {cells} but is neither mapped nor ignored, so they are not sent; \
                                     map it in the template or list it under [ignore] columns"
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

    fn read_header(&mut self, row: &Row, problems: &mut Problems) -> io::Result<Layout> {
        let t = self.template;
        let header_row = row.number;
        let mut text = String::new();
        let headers: Vec<String> = row
            .cells()
            .map(|(_, cell)| {
                text.clear();
                cell_text(cell, &mut text);
                text.trim().to_owned()
            })
            .collect();
        let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
        let mut accounted = vec![false; headers.len()];

        // Columns matching a template column; problems for none or several.
        let mut find = |column: &str,
                        what: &str,
                        property: Option<&str>,
                        problems: &mut Problems|
         -> io::Result<Option<u32>> {
            let wanted = normalize_header(column);
            let matches: Vec<u32> = normalized
                .iter()
                .enumerate()
                .filter(|(_, h)| **h == wanted)
                .map(|(c, _)| c as u32)
                .collect();
            match matches.as_slice() {
                [] => {
                    let hint = suggest::closest(column, headers.iter().map(String::as_str))
                        .map(|s| format!("; did you mean '{s}'? Rename the header in the sheet or change 'column' in the template"))
                        .unwrap_or_else(|| "; add the column to the sheet or change 'column' in the template".to_owned());
                    let mut p = Problem::new(
                        Code::MissingColumn,
                        format!("column '{column}' ({what}) is not in the header row {header_row}{hint}"),
                    )
                    .at(header_row, None)
                    .column(column);
                    if let Some(name) = property {
                        p = p.property(name);
                    }
                    problems.push(p)?;
                    Ok(None)
                }
                [first, rest @ ..] => {
                    for &other in rest {
                        let mut p = Problem::new(
                            Code::DuplicateColumn,
                            format!(
                                "headers {} and {} both match column '{column}' ({what}); rename one of them so the template \
                                 knows which to read",
                                cell_name(header_row, *first),
                                cell_name(header_row, other)
                            ),
                        )
                        .at(header_row, Some(other))
                        .column(&headers[other as usize]);
                        if let Some(name) = property {
                            p = p.property(name);
                        }
                        problems.push(p)?;
                    }
                    for &c in &matches {
                        accounted[c as usize] = true;
                    }
                    Ok(Some(*first))
                }
            }
        };

        let external_id = find(&t.external_id_column, "the external id", None, problems)?;
        let mut fields = Vec::with_capacity(t.fields.len());
        for field in &t.fields {
            fields.push(find(&field.column, &field.describe(), Some(&field.name), problems)?);
        }
        for ignored in &t.ignore_columns {
            let wanted = normalize_header(ignored);
            for (c, h) in normalized.iter().enumerate() {
                if *h == wanted {
                    accounted[c] = true;
                }
            }
        }
        if t.ignore_others {
            accounted.iter_mut().for_each(|a| *a = true);
        }
        Ok(Layout {
            external_id,
            fields,
            headers,
            accounted,
        })
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

    fn map_row(&mut self, layout: &Layout, row: &Row) {
        self.element.clear();
        self.map_external_id(layout, row);
        let t = self.template;
        for (i, field) in t.fields.iter().enumerate() {
            let value = match layout.fields[i] {
                None => Value::Omit,
                Some(col) => self.map_field(layout, field, col, row.cell(col)),
            };
            self.element.values.push(value);
        }
    }

    fn map_external_id(&mut self, layout: &Layout, row: &Row) {
        let Some(col) = layout.external_id else { return };
        let cell = row.cell(col);
        let mut id = std::mem::take(&mut self.element.external_id);
        match cell {
            Cell::Error(e) => {
                let msg = format!("the external id is the error value {e}; fix the formula or the value in the sheet");
                self.problem(Code::ErrorCell, col, layout, None, msg).value = Some(e.to_owned());
            }
            c if c.is_blank() => {
                let msg = "the row has values but no external id; every element needs a unique external id".to_owned();
                self.problem(Code::MissingExternalId, col, layout, None, msg);
            }
            Cell::Text(t) => value::push_normalized(&mut id, t),
            c => {
                let mut text = std::mem::take(&mut self.scratch);
                text.clear();
                cell_text(c, &mut text);
                value::push_normalized(&mut id, &text);
                self.scratch = text;
            }
        }
        if id.is_empty() {
            self.element.external_id = id;
            return;
        }
        if id.contains('\n') {
            let msg = "the external id contains a line break; remove it".to_owned();
            let id_shown = id.clone();
            self.problem(Code::LineBreakInExternalId, col, layout, None, msg).value = Some(id_shown);
        }
        if let Some(c) = value::forbidden_char(&id) {
            let msg = format!(
                "the external id contains the control character U+{:04X}, which Relatics cannot store; remove it",
                c as u32
            );
            self.problem(Code::ControlCharacter, col, layout, None, msg);
        }
        let len = if id.len() <= MAX_EXTERNAL_ID {
            0
        } else {
            value::relatics_len(&id)
        };
        if len > MAX_EXTERNAL_ID {
            let msg = format!("the external id is {len} characters long; Relatics allows at most {MAX_EXTERNAL_ID}");
            let shown = crate::problem::clip(&id, 60);
            self.problem(Code::ExternalIdTooLong, col, layout, None, msg).value = Some(shown);
        }
        if let Some(first_row) = self.seen_ids.insert(&id, self.row_number) {
            let msg = format!(
                "external id '{}' is used again; it first appears at {}. External ids must be unique: \
                 Relatics would treat both rows as one element",
                crate::problem::clip(&id, 60),
                self.cell_ref(first_row, col)
            );
            let shown = id.clone();
            self.problem(Code::DuplicateExternalId, col, layout, None, msg).value = Some(shown);
        }
        self.element.external_id = id;
    }

    fn map_field(&mut self, layout: &Layout, field: &Field, col: u32, cell: Cell<'_>) -> Value {
        if field.is_internal() {
            if !cell.is_blank() {
                let mut found = String::new();
                cell_text(cell, &mut found);
                let msg = format!(
                    "'{}' is owned by Relatics (ownership = \"internal\"), so the sheet may not give it a value; \
                     clear the cell, or make the property external in Relatics and the template",
                    field.name
                );
                self.problem(Code::InternalOwnedFilled, col, layout, Some(field), msg)
                    .value = Some(crate::problem::clip(&found, 1000));
            }
            return Value::Omit;
        }
        if let Cell::Error(e) = cell {
            let msg = format!(
                "'{}': the cell holds the error value {e}; fix the formula or the value in the sheet",
                field.name
            );
            self.problem(Code::ErrorCell, col, layout, Some(field), msg).value = Some(e.to_owned());
            return Value::Omit;
        }
        if cell.is_blank() {
            if field.required {
                let msg = format!("'{}' is required but the cell is empty; fill it in", field.name);
                self.problem(Code::RequiredEmpty, col, layout, Some(field), msg);
            }
            return match (field.empty, &field.kind) {
                (EmptyPolicy::Omit, _) => Value::Omit,
                (EmptyPolicy::Null, _) => Value::Null,
                (EmptyPolicy::Clear, FieldKind::Relation(_)) => {
                    let at = self.element.targets.len() as u32;
                    Value::Targets(at..at)
                }
                (EmptyPolicy::Clear, FieldKind::Property(_)) => {
                    let at = self.element.mark();
                    Value::Text(at..at)
                }
            };
        }
        match &field.kind {
            FieldKind::Property(p) => self.map_property(layout, field, p, col, cell),
            FieldKind::Relation(r) => self.map_relation(layout, field, r, col, cell),
        }
    }

    fn map_property(&mut self, layout: &Layout, field: &Field, ty: &PropertyType, col: u32, cell: Cell<'_>) -> Value {
        let start = self.element.mark();
        match ty {
            PropertyType::Text | PropertyType::SingleLineText => {
                let mut text = std::mem::take(&mut self.element.text);
                cell_text_normalized(cell, &mut text);
                self.element.text = text;
                let range = start..self.element.mark();
                self.check_text(layout, field, col, &range, matches!(ty, PropertyType::SingleLineText));
                Value::Text(range)
            }
            PropertyType::Number => {
                let number = match cell {
                    Cell::Number(x) => Ok(x),
                    Cell::Text(t) => {
                        value::parse_number(t, self.template.source.decimal_comma).map_err(|e| number_error_text(t, &e))
                    }
                    other => Err(format!("found {}", describe(other))),
                };
                match number {
                    Ok(x) => {
                        value::write_decimal(&mut self.element.text, x);
                        Value::Number(start..self.element.mark())
                    }
                    Err(found) => {
                        let msg = format!(
                            "'{}': {found}; use a number cell or a number written as text",
                            field.name
                        );
                        let shown = shown_value(cell);
                        self.problem(Code::NotANumber, col, layout, Some(field), msg).value = shown;
                        Value::Omit
                    }
                }
            }
            PropertyType::Date => {
                let date = match cell {
                    Cell::DateTime(dt) => Ok(value::DateValue::from_datetime(dt)),
                    Cell::Text(t) => self.date_formats.parse(t).map_err(|e| match e {
                        DateError::NoSuchDay => format!("found text '{}' (no such day)", t.trim()),
                        DateError::UnknownFormat => format!("found text '{}' (not a date in a known format)", t.trim()),
                        DateError::OtherFormat(f) => format!(
                            "found text '{}', a date in a format the template does not accept; add \"{f}\" to \
                             source.date_formats if the sheet writes dates that way",
                            t.trim()
                        ),
                    }),
                    Cell::Time(t) => Err(format!("found the time {t} without a date")),
                    other => Err(format!("found {}", describe(other))),
                };
                match date {
                    Ok(d) => {
                        value::push_date(&mut self.element.text, d.date);
                        if let Some(time) = d.time {
                            let msg = format!(
                                "'{}': the date has a time of day ({time}), which is dropped; Relatics dates have no time",
                                field.name
                            );
                            let shown = shown_value(cell);
                            self.problem(Code::TimeDropped, col, layout, Some(field), msg).value = shown;
                        }
                        Value::Text(start..self.element.mark())
                    }
                    Err(found) => {
                        let msg = format!(
                            "'{}': {found}; use a date cell or a format from source.date_formats",
                            field.name
                        );
                        let shown = shown_value(cell);
                        self.problem(Code::NotADate, col, layout, Some(field), msg).value = shown;
                        Value::Omit
                    }
                }
            }
            PropertyType::List { values } => {
                let mut text = std::mem::take(&mut self.element.text);
                cell_text_normalized(cell, &mut text);
                self.element.text = text;
                let range = start..self.element.mark();
                if let Some(allowed) = values {
                    let found = self.element.str(&range);
                    if !allowed.iter().any(|v| v == found) {
                        let hint = suggest::closest(found, allowed.iter().map(String::as_str))
                            .map(|s| format!(" (did you mean '{s}'?)"))
                            .unwrap_or_default();
                        let list = allowed.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ");
                        let msg = format!(
                            "'{}': '{found}' is not one of the list values{hint}; allowed: {list}",
                            field.name
                        );
                        let shown = found.to_owned();
                        self.problem(Code::NotInList, col, layout, Some(field), msg).value = Some(shown);
                        return Value::Omit;
                    }
                }
                self.check_text(layout, field, col, &range, false);
                Value::Text(range)
            }
            PropertyType::Url => {
                let mut text = std::mem::take(&mut self.element.text);
                cell_text_normalized(cell, &mut text);
                self.element.text = text;
                let range = start..self.element.mark();
                let found = self.element.str(&range);
                if let Err(why) = check_url(found) {
                    let msg = format!("'{}': '{found}' {why}", field.name);
                    let shown = found.to_owned();
                    self.problem(Code::NotAUrl, col, layout, Some(field), msg).value = Some(shown);
                    return Value::Omit;
                }
                self.check_text(layout, field, col, &range, false);
                Value::Text(range)
            }
        }
    }

    /// Length, line breaks and control characters of a text value.
    fn check_text(&mut self, layout: &Layout, field: &Field, col: u32, range: &Range<u32>, single_line: bool) {
        let text = self.element.str(range);
        let max = if single_line { MAX_SINGLE_LINE_TEXT } else { MAX_TEXT };
        // UTF-8 bytes are never fewer than UTF-16 units: short texts need no count.
        let len = if text.len() <= max {
            0
        } else {
            value::relatics_len(text)
        };
        let line_break = single_line && text.contains('\n');
        let forbidden = value::forbidden_char(text);
        if len <= max && !line_break && forbidden.is_none() {
            return;
        }
        let shown = crate::problem::clip(text, 1000);
        if len > max {
            let kind = if single_line { "single-line text" } else { "text" };
            let msg = format!(
                "'{}': {len} characters, but Relatics allows at most {max} in a {kind} property; shorten it",
                field.name
            );
            self.problem(Code::TextTooLong, col, layout, Some(field), msg).value = Some(shown.clone());
        }
        if line_break {
            let msg = format!(
                "'{}' is single-line text but the cell has a line break; remove it, or make the property 'text'",
                field.name
            );
            self.problem(Code::LineBreakInSingleLineText, col, layout, Some(field), msg)
                .value = Some(shown.clone());
        }
        if let Some(c) = forbidden {
            let msg = format!(
                "'{}': contains the control character U+{:04X}, which Relatics cannot store; remove it",
                field.name, c as u32
            );
            self.problem(Code::ControlCharacter, col, layout, Some(field), msg)
                .value = Some(shown);
        }
    }

    fn map_relation(&mut self, layout: &Layout, field: &Field, relation: &Relation, col: u32, cell: Cell<'_>) -> Value {
        let mut raw = std::mem::take(&mut self.scratch);
        raw.clear();
        cell_text(cell, &mut raw);
        let first = self.element.targets.len() as u32;
        // Line breaks always separate targets; then ';', or the template's separator.
        for line in raw.split(['\n', '\r']) {
            match relation.separator.as_deref() {
                None => line
                    .split(';')
                    .for_each(|part| self.add_target(layout, field, relation, col, first, part)),
                Some(sep) => line
                    .split(sep)
                    .for_each(|part| self.add_target(layout, field, relation, col, first, part)),
            }
        }
        let last = self.element.targets.len() as u32;
        if relation.cardinality == Cardinality::Single && last - first > 1 {
            let msg = format!(
                "'{}' has cardinality single but the cell names {} targets; keep one",
                field.name,
                last - first
            );
            let shown = raw.trim().to_owned();
            self.problem(Code::TooManyTargets, col, layout, Some(field), msg).value = Some(shown);
        }
        if field.required && last == first {
            let msg = format!("'{}' is required but the cell names no target", field.name);
            self.problem(Code::RequiredEmpty, col, layout, Some(field), msg);
        }
        self.scratch = raw;
        Value::Targets(first..last)
    }

    /// One part of a relation cell: trimmed, checked, and added unless empty or a repeat.
    fn add_target(&mut self, layout: &Layout, field: &Field, relation: &Relation, col: u32, first: u32, part: &str) {
        let id = part.trim();
        if id.is_empty() {
            return;
        }
        let repeated = self.element.targets[first as usize..]
            .iter()
            .any(|t| self.element.str(&t.id) == id);
        if repeated {
            let msg = format!(
                "'{}': target '{id}' is listed more than once; it is sent once",
                field.name
            );
            self.problem(Code::DuplicateTarget, col, layout, Some(field), msg).value = Some(id.to_owned());
            return;
        }
        let type_index = match &relation.targets {
            TargetTypes::One(_) => 0,
            TargetTypes::ByPrefix(prefixes) => match prefixes.iter().position(|(p, _)| id.starts_with(p.as_str())) {
                Some(i) => i as u16,
                None => {
                    let known = prefixes
                        .iter()
                        .map(|(p, _)| format!("'{p}'"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let msg = format!(
                        "'{}': target '{id}' starts with none of the prefixes in 'targets' ({known}), so its type is unknown",
                        field.name
                    );
                    self.problem(Code::UnknownTargetType, col, layout, Some(field), msg)
                        .value = Some(id.to_owned());
                    return;
                }
            },
        };
        if let Some(c) = value::forbidden_char(id) {
            let msg = format!(
                "'{}': target '{id}' contains the control character U+{:04X}; remove it",
                field.name, c as u32
            );
            self.problem(Code::ControlCharacter, col, layout, Some(field), msg);
            return;
        }
        let start = self.element.mark();
        self.element.text.push_str(id);
        let end = self.element.mark();
        self.element.targets.push(TargetRef {
            id: start..end,
            type_index,
        });
    }
}

/// Quotes a sheet name for a cell reference when Excel would (`'My sheet'!C17`).
pub fn quote_sheet(sheet: &str) -> String {
    if sheet.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.') && !sheet.is_empty() {
        sheet.to_owned()
    } else {
        format!("'{}'", sheet.replace('\'', "''"))
    }
}

/// A cell as text, the way Excel shows it: numbers in General format, dates as `YYYY-MM-DD`.
pub fn cell_text(cell: Cell<'_>, out: &mut String) {
    match cell {
        Cell::Empty => {}
        Cell::Text(t) => out.push_str(t),
        Cell::Number(x) => value::write_general(out, x),
        Cell::Bool(true) => out.push_str("TRUE"),
        Cell::Bool(false) => out.push_str("FALSE"),
        Cell::DateTime(dt) => {
            let d = value::DateValue::from_datetime(dt);
            value::push_date(out, d.date);
            if let Some(t) = d.time {
                let _ = write!(out, " {}", t.format("%H:%M:%S"));
            }
        }
        Cell::Time(t) => {
            let _ = write!(out, "{}", t.format("%H:%M:%S"));
        }
        Cell::Duration(days) => {
            let seconds = (days * 86_400.0).round() as i64;
            let sign = if seconds < 0 { "-" } else { "" };
            let s = seconds.abs();
            let _ = write!(out, "{sign}{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
        }
        Cell::Error(e) => out.push_str(e),
    }
}

/// `cell_text`, then trimmed with line breaks normalized to `\n`.
fn cell_text_normalized(cell: Cell<'_>, out: &mut String) {
    match cell {
        Cell::Text(t) => value::push_normalized(out, t),
        other => cell_text(other, out),
    }
}

/// The offending value for a problem.
fn shown_value(cell: Cell<'_>) -> Option<String> {
    let mut s = String::new();
    cell_text(cell, &mut s);
    let s = s.trim();
    (!s.is_empty()).then(|| crate::problem::clip(s, 1000))
}

/// What a cell is, for "found ..." in messages.
fn describe(cell: Cell<'_>) -> String {
    match cell {
        Cell::Empty => "an empty cell".into(),
        Cell::Text(t) => format!("text '{}'", crate::problem::clip(t.trim(), 60)),
        Cell::Number(x) => format!("the number {}", value::general(x)),
        Cell::Bool(b) => format!("the boolean {}", if b { "TRUE" } else { "FALSE" }),
        Cell::DateTime(dt) => format!("the date {}", dt.date().format("%Y-%m-%d")),
        Cell::Time(t) => format!("the time {t}"),
        Cell::Duration(_) => "a duration".into(),
        Cell::Error(e) => format!("the error value {e}"),
    }
}

fn number_error_text(text: &str, e: &NumberError) -> String {
    let t = crate::problem::clip(text.trim(), 60);
    match e {
        NumberError::NotNumeric => format!("found text '{t}' (not a number)"),
        NumberError::WrongSeparator { decimal_comma: false } => {
            format!(
                "found text '{t}', which uses a decimal comma; set source.decimal_comma = true in the template if the sheet writes numbers that way"
            )
        }
        NumberError::WrongSeparator { decimal_comma: true } => {
            format!("found text '{t}', which uses a decimal point while source.decimal_comma = true")
        }
        NumberError::Ambiguous => format!(
            "found text '{t}', which could mean a thousands separator or a decimal comma; set source.decimal_comma = true if ',' is the decimal separator, or remove the separator"
        ),
    }
}

/// A plain `http(s)://host/path` URL in the characters RFC 3986 allows, so certainly valid:
/// checked without the full parser, which is slow for a column of a million links.
fn plain_http_url(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")) else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host, port) = authority.split_once(':').unwrap_or((authority, ""));
    let host_ok = !host.is_empty()
        && host
            .split('.')
            .all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    let port_ok =
        port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()) && (port.is_empty() != authority.contains(':'));
    let bytes = tail.as_bytes();
    let tail_ok = bytes.iter().enumerate().all(|(i, &b)| match b {
        b'%' => bytes
            .get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => true,
        b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => true,
        b':' | b'@' | b'/' | b'?' | b'#' => true,
        _ => false,
    });
    host_ok && port_ok && tail_ok
}

/// An absolute http, https or mailto URL.
fn check_url(text: &str) -> Result<(), String> {
    if plain_http_url(text) {
        return Ok(());
    }
    match url::Url::parse(text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(u) if u.scheme() == "mailto" && u.path().contains('@') => Ok(()),
        Ok(u) => Err(format!("is not an http(s) or mailto URL (scheme '{}')", u.scheme())),
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(format!(
            "is not an absolute URL; write it in full, for example 'https://{}'",
            text.trim_start_matches('/')
        )),
        Err(e) => Err(format!("is not a valid URL ({e})")),
    }
}

/// Helper for encoders: the XML element name of a relation target.
pub fn target_type_key<'a>(relation: &'a Relation, target: &TargetRef) -> &'a str {
    match &relation.targets {
        TargetTypes::One(key) => key,
        TargetTypes::ByPrefix(p) => p.get(target.type_index as usize).map(|(_, k)| k.as_str()).unwrap_or(""),
    }
}

/// The target type element is not needed for JSON, but keep the compiler honest about it.
#[allow(dead_code)]
fn _uses(_: &Target) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_urls_agree_with_the_parser() {
        for url in [
            "https://example.com",
            "http://a.b-c.nl:8080/x/y?q=1&r=%20#frag",
            "https://docs.example.nl/pve/hoofdstuk-3/eis-17",
            "https://x/",
            "https://exa mple.com",
            "https://ex..com/",
            "https://example.com:/x",
            "https://example.com/a b",
            "https://example.com/%zz",
            "https://-x.com/",
            "http://[::1]/",
            "https://user@host/",
        ] {
            if plain_http_url(url) {
                let parsed = url::Url::parse(url);
                assert!(parsed.is_ok_and(|u| u.host().is_some()), "fast path accepted {url}");
            }
        }
        assert!(plain_http_url("https://docs.example.nl/pve/hoofdstuk-3/eis-17"));
        assert!(!plain_http_url("https://exa mple.com"));
    }

    #[test]
    fn urls() {
        assert!(check_url("https://example.com/a?b=c").is_ok());
        assert!(check_url("http://intranet/page").is_ok());
        assert!(check_url("mailto:piet@example.nl").is_ok());
        assert!(
            check_url("www.example.com")
                .unwrap_err()
                .contains("https://www.example.com")
        );
        assert!(check_url("ftp://example.com").unwrap_err().contains("ftp"));
        assert!(check_url("file:///c:/x").is_err());
        assert!(check_url("mailto:").is_err());
    }

    #[test]
    fn cell_texts() {
        let mut s = String::new();
        cell_text(Cell::Number(43530759.0), &mut s);
        assert_eq!(s, "43530759");
        s.clear();
        cell_text(Cell::Bool(true), &mut s);
        assert_eq!(s, "TRUE");
        s.clear();
        cell_text(Cell::Duration(1.5), &mut s);
        assert_eq!(s, "36:00:00");
        s.clear();
        let dt = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        cell_text(Cell::DateTime(dt), &mut s);
        assert_eq!(s, "2026-03-01");
    }

    #[test]
    fn sheet_names_are_quoted_like_excel() {
        assert_eq!(quote_sheet("Requirements"), "Requirements");
        assert_eq!(quote_sheet("Eisen 2026"), "'Eisen 2026'");
        assert_eq!(quote_sheet("Piet's"), "'Piet''s'");
    }
}
