//! Turning one cell into one value: the external id, the six property types and relations,
//! each rule of the README's "Values" section with the problem it raises.

use std::ops::Range;

use super::text::{
    cell_text, cell_text_normalized, check_url, date_error_text, describe, number_error_text, shown_value,
};
use super::{Layout, Mapper, TargetRef, Value};
use crate::input::{Cell, Row};
use crate::lookup::Resolved;
use crate::lookup::interfaces::{Deferred, Target};
use crate::problem::{Code, quoted};
use crate::suggest;
use crate::template::{Cardinality, EmptyPolicy, Field, FieldKind, PropertyType, Relation, TargetTypes};

/// Unknown targets that get "did you mean" suggestions; later ones are reported without.
const MAX_SUGGESTED: u64 = 100;
use crate::value::{self, MAX_EXTERNAL_ID, MAX_SINGLE_LINE_TEXT, MAX_TEXT};

impl Mapper<'_> {
    pub(super) fn map_external_id(&mut self, layout: &Layout, row: &Row) {
        let Some(col) = layout.external_id else { return };
        let cell = row.cell(col);
        let mut id = std::mem::take(&mut self.element.external_id);
        match cell {
            Cell::Error(e) => {
                let msg = format!("the external id {}", error_cell_message(e));
                self.problem(Code::ErrorCell, col, layout, None, msg).value = Some(e.to_owned());
            }
            c if c.is_blank() => {
                // Say where the values are: they may all be in columns that are not sent.
                let first = row.cells().find(|(_, c)| !c.is_blank()).map(|(at, _)| at);
                let place = match first {
                    Some(at) => format!(
                        " (the first in '{}', {})",
                        layout.header(at),
                        crate::cellref::cell_name(row.number, at)
                    ),
                    None => String::new(),
                };
                let msg = format!(
                    "the row has values{place} but no external id; every element needs a unique external id: add \
                     one, or empty the row"
                );
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
            let msg = format!(
                "the external id is {len} characters long, but Relatics allows at most {MAX_EXTERNAL_ID}; shorten it"
            );
            let shown = crate::problem::quoted(&id);
            self.problem(Code::ExternalIdTooLong, col, layout, None, msg).value = Some(shown);
        }
        if let Some(first_row) = self.seen_ids.insert(&id, self.row_number) {
            let msg = format!(
                "external id '{}' is used again; it first appears at {}. External ids must be unique: \
                 Relatics would treat both rows as one element",
                crate::problem::quoted(&id),
                self.cell_ref(first_row, col)
            );
            let shown = id.clone();
            self.problem(Code::DuplicateExternalId, col, layout, None, msg).value = Some(shown);
        }
        self.element.external_id = id;
    }

    /// Maps field number `index` (in template order) from `cell` in column `col`.
    pub(super) fn map_field(
        &mut self,
        layout: &Layout,
        index: usize,
        field: &Field,
        col: u32,
        cell: Cell<'_>,
    ) -> Value {
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
                    .value = Some(crate::problem::clip_said(&found, crate::problem::MAX_VALUE_CHARS));
            }
            return Value::Omit;
        }
        if let Cell::Error(e) = cell {
            let msg = format!("'{}': the cell {}", field.name, error_cell_message(e));
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
            FieldKind::Property(p) => self.map_property(layout, index, field, p, col, cell),
            FieldKind::Relation(r) => self.map_relation(layout, field, r, col, cell),
        }
    }

    fn map_property(
        &mut self,
        layout: &Layout,
        index: usize,
        field: &Field,
        ty: &PropertyType,
        col: u32,
        cell: Cell<'_>,
    ) -> Value {
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
                    Cell::Text(t) => value::parse_number(t, self.template.source.decimal_comma)
                        .map_err(|e| number_error_text(t, &e, field.required)),
                    other => Err(format!("found {}; write a number", describe(other))),
                };
                match number {
                    Ok(x) => {
                        value::write_decimal(&mut self.element.text, x);
                        Value::Number(start..self.element.mark())
                    }
                    Err(found_and_fix) => {
                        let msg = format!("'{}': {found_and_fix}", field.name);
                        let shown = shown_value(cell);
                        self.problem(Code::NotANumber, col, layout, Some(field), msg).value = shown;
                        Value::Omit
                    }
                }
            }
            PropertyType::Date => {
                let date = match cell {
                    Cell::DateTime(dt) => Ok(value::DateValue::from_datetime(dt)),
                    Cell::Text(t) => self
                        .date_formats
                        .parse(t)
                        .map_err(|e| date_error_text(t, e, &self.template.source.date_formats, self.sheet.is_some())),
                    Cell::Time(t) => Err(format!("found the time {t} without a date; write a date")),
                    Cell::Number(x) => Err(format!(
                        "found the number {}, not a date; format the cell as a date in Excel, or write the date",
                        value::general(x)
                    )),
                    other => Err(format!("found {}; write a date", describe(other))),
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
                    Err(found_and_fix) => {
                        let msg = format!("'{}': {found_and_fix}", field.name);
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
                    let known = match self.list_values.get(index).and_then(Option::as_ref) {
                        Some(set) => set.contains(found),
                        None => allowed.iter().any(|v| v == found),
                    };
                    if !known {
                        let hint = suggest::closest_within(
                            found,
                            allowed.iter().map(String::as_str),
                            &mut self.suggest_budget,
                        )
                        .map(|s| format!(" (did you mean '{}'?)", quoted(s)))
                        .unwrap_or_default();
                        const LISTED: usize = 20;
                        let mut list = allowed
                            .iter()
                            .take(LISTED)
                            .map(|v| format!("'{}'", quoted(v)))
                            .collect::<Vec<_>>()
                            .join(", ");
                        if allowed.len() > LISTED {
                            list.push_str(&format!(" and {} more", allowed.len() - LISTED));
                        }
                        let msg = format!(
                            "'{}': '{}' is not one of the list values{hint}; allowed: {list}",
                            field.name,
                            quoted(found)
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
                    let msg = format!("'{}': '{}' {why}", field.name, quoted(found));
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
        let replaced = value::has_replacement_char(text);
        if len <= max && !line_break && forbidden.is_none() && !replaced {
            return;
        }
        let shown = crate::problem::clip_said(text, crate::problem::MAX_VALUE_CHARS);
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
        if replaced {
            let msg = format!(
                "'{}': holds U+FFFD, the character that stands in for one the file could not hold (an unpaired \
                 surrogate such as _xD800_, or text in another encoding); it is sent as it is, so check the value in \
                 the source",
                field.name
            );
            self.problem(Code::ReplacementCharacter, col, layout, Some(field), msg)
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
        self.cell_targets.clear();
        self.cell_waiting = 0;
        self.cell_names.clear();
        // Line breaks always separate targets; then ';', or the template's separator.
        for line in raw.split(['\n', '\r']) {
            match relation.separator.as_deref() {
                None => line
                    .split(';')
                    .for_each(|part| self.add_target(layout, field, relation, col, part)),
                Some(sep) => line
                    .split(sep)
                    .for_each(|part| self.add_target(layout, field, relation, col, part)),
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
        if field.required && last == first && self.cell_waiting == 0 {
            let msg = format!("'{}' is required but the cell names no target", field.name);
            self.problem(Code::RequiredEmpty, col, layout, Some(field), msg);
        }
        self.scratch = raw;
        Value::Targets(first..last)
    }

    /// One part of a relation cell: trimmed, checked, and added unless empty or a repeat.
    fn add_target(&mut self, layout: &Layout, field: &Field, relation: &Relation, col: u32, part: &str) {
        let token = part.trim();
        if token.is_empty() {
            return;
        }
        // A project interface's elements: names of its rows and of the elements Relatics has.
        let from_interface;
        if let Some(interface) = relation.interface {
            // A name twice in one cell, whether or not it has an ID yet.
            if !self.cell_names.insert(crate::lookup::fold(token)) {
                let msg = format!(
                    "'{}': target '{}' is listed more than once; it is sent once",
                    field.name,
                    quoted(token)
                );
                self.problem(Code::DuplicateTarget, col, layout, Some(field), msg).value = Some(token.to_owned());
                return;
            }
            match self.interface_target(layout, field, col, interface, token) {
                Some(id) => from_interface = id,
                None => return,
            }
        } else {
            from_interface = String::new();
        }
        // Names become element IDs through the lookup; an ID passes as it is.
        let id = match &relation.lookup {
            None if relation.interface.is_some() => from_interface.as_str(),
            None => token,
            Some(lookup) => match lookup.resolve(token) {
                Resolved::Id(id) => id,
                Resolved::Ambiguous { count, first } => {
                    let more = count - first.len();
                    let more = if more > 0 {
                        format!(" and {} more", crate::problem::thousands(more as u64))
                    } else {
                        String::new()
                    };
                    // Each candidate with what tells it apart: its other fields in the file.
                    // and its spelling, where it is not the one written ('Pomp' and 'pomp' both
                    // match 'POMP').
                    let candidates: Vec<String> = first
                        .iter()
                        .map(|id| {
                            let spelled = match lookup.name_of(id).filter(|n| *n != token) {
                                Some(name) => format!("{id} '{}'", quoted(name)),
                                None => (*id).to_owned(),
                            };
                            match lookup.candidate_details(id) {
                                Some(details) => format!("{spelled} ({})", quoted(details)),
                                None => spelled,
                            }
                        })
                        .collect();
                    let msg = format!(
                        "'{}': '{}' names {} elements in {} ({}{more}); write the element ID of the one meant",
                        field.name,
                        quoted(token),
                        crate::problem::thousands(count as u64),
                        lookup.path.display(),
                        candidates.join(", ")
                    );
                    self.problem(Code::AmbiguousTarget, col, layout, Some(field), msg).value = Some(token.to_owned());
                    return;
                }
                Resolved::WrongCase(id) => {
                    let msg = format!(
                        "'{}': '{}' is not an element ID in {}, but '{id}' is, in other letter case; element IDs are \
                         matched exactly: write '{id}'",
                        field.name,
                        quoted(token),
                        lookup.path.display()
                    );
                    self.problem(Code::UnknownTarget, col, layout, Some(field), msg).value = Some(token.to_owned());
                    return;
                }
                Resolved::Unknown => {
                    // Suggestions cost a pass over the names: only for the first problems, and
                    // within the run's budget.
                    self.unknown_targets += 1;
                    let hint = if self.unknown_targets <= MAX_SUGGESTED {
                        let close = lookup.closest(token, &mut self.suggest_budget);
                        if close.is_empty() {
                            String::new()
                        } else {
                            let names: Vec<String> = close.iter().map(|n| format!("'{}'", quoted(n))).collect();
                            format!(" (did you mean {}?)", names.join(", "))
                        }
                    } else {
                        String::new()
                    };
                    let msg = format!(
                        "'{}': '{}' is neither a name nor an element ID in {}{hint}; correct it, or refresh the \
                         lookup (relsync fetch-lookup)",
                        field.name,
                        quoted(token),
                        lookup.path.display()
                    );
                    self.problem(Code::UnknownTarget, col, layout, Some(field), msg).value = Some(token.to_owned());
                    return;
                }
            },
        };
        // The targets of this cell so far, by hash: a cell of thousands of targets is checked in
        // one pass, not by comparing each with every other.
        let hash = {
            use std::hash::BuildHasher;
            rustc_hash::FxBuildHasher.hash_one(id)
        };
        let element = &self.element;
        let repeated = self
            .cell_targets
            .find(hash, |&t| element.str(&element.targets[t as usize].id) == id)
            .is_some();
        if repeated {
            // The ID with the name it has, where the cell names it otherwise.
            let named = match relation.lookup.as_ref().and_then(|l| l.name_of(id)) {
                Some(name) if name != id => format!(" ('{}')", quoted(name)),
                _ => String::new(),
            };
            let msg = format!(
                "'{}': target '{}'{named} is listed more than once; it is sent once",
                field.name,
                quoted(id)
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
                        "'{}': target '{}' starts with none of the prefixes in 'targets' ({known}), so its type is unknown",
                        field.name,
                        quoted(id)
                    );
                    self.problem(Code::UnknownTargetType, col, layout, Some(field), msg)
                        .value = Some(id.to_owned());
                    return;
                }
            },
        };
        if let Some(c) = value::forbidden_char(id) {
            let msg = format!(
                "'{}': target '{}' contains the control character U+{:04X}; remove it",
                field.name,
                quoted(id),
                c as u32
            );
            self.problem(Code::ControlCharacter, col, layout, Some(field), msg);
            return;
        }
        let start = self.element.mark();
        self.element.text.push_str(id);
        let end = self.element.mark();
        let index = self.element.targets.len() as u32;
        self.element.targets.push(TargetRef {
            id: start..end,
            type_index,
        });
        let element = &self.element;
        self.cell_targets.insert_unique(hash, index, |&t| {
            use std::hash::BuildHasher;
            rustc_hash::FxBuildHasher.hash_one(element.str(&element.targets[t as usize].id))
        });
    }
}

impl Mapper<'_> {
    /// The element ID a token of an `interface:` relation stands for; `None` when it has none
    /// (yet): left out of the body and counted while its element waits for an ID, or reported.
    fn interface_target(
        &mut self,
        layout: &Layout,
        field: &Field,
        col: u32,
        interface: usize,
        token: &str,
    ) -> Option<String> {
        let Some(link) = self.project else {
            let msg = format!(
                "'{}': the relation's targets are elements of a project interface; check or submit the project file",
                field.name
            );
            self.problem(Code::UnknownTarget, col, layout, Some(field), msg).value = Some(token.to_owned());
            return None;
        };
        let (target, complete) = {
            let names = link.names.borrow();
            (names.resolve(interface, token), names.is_complete(interface))
        };
        // Settled, or checked again, once every sheet is read: a name not seen yet, or one
        // a later row of a sheet still being read may have too.
        let defer = |mapper: &mut Self| {
            mapper.deferred.push(Deferred {
                interface,
                row: mapper.row_number,
                col,
                line: mapper.row_line.filter(|l| *l != u64::from(mapper.row_number)),
                field: field.name.clone(),
                header: layout.header(col).to_owned(),
                token: token.to_owned(),
            });
        };
        match target {
            Target::Id(id) => {
                if !complete {
                    defer(self);
                }
                Some(id)
            }
            Target::Pending | Target::Deferred => {
                self.pending.add(interface, token, self.row_number, col);
                self.cell_waiting += 1;
                if !complete {
                    defer(self);
                }
                None
            }
            Target::Ambiguous { .. } | Target::WrongCase(_) | Target::Unknown | Target::Deleted(_) => {
                let problem = link
                    .names
                    .borrow()
                    .problem(interface, &field.name, token, &mut self.suggest_budget);
                if let Some(p) = problem {
                    let code = p.code;
                    let value = p.value.clone();
                    self.problem(code, col, layout, Some(field), p.message).value = value;
                }
                None
            }
        }
    }
}

/// What is wrong with a cell holding the error value `e`, and how to fix it (after "the cell").
fn error_cell_message(e: &str) -> String {
    if e == crate::input::UNCALCULATED {
        "holds a formula whose result was never saved (the program that wrote the file does not \
         calculate formulas); open the file in Excel or LibreOffice and save it, or put values in place of \
         the formulas"
            .to_owned()
    } else {
        format!("holds the error value {e}; fix the formula or the value in the sheet")
    }
}
