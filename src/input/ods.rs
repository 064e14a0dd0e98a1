//! How many cells calamine would hold for an `.ods` workbook, counted from `content.xml`
//! without holding any.
//!
//! An `.ods` says "this cell, 16,384 times" and "this row, a million times" in two attributes
//! (`table:number-columns-repeated`, `table:number-rows-repeated`), and calamine writes every
//! repeat out in memory: first each row's cells (empty cells only when a later cell follows
//! them), then, for the rows between the first and the last with a value, every repeated row
//! at the sheet's full width. A file of a few kilobytes can claim billions of cells. This
//! counts them the same way (a little more, never less), so the guard can refuse before
//! calamine allocates.

use std::collections::HashSet;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};

/// calamine's own caps: columns in a row, rows in a sheet.
const MAX_COLUMNS: u64 = 16_384;
const MAX_ROWS: u64 = 1_048_576;

/// One `<table:table>` as calamine would expand it.
#[derive(Default)]
struct Table {
    /// Cells written out row by row (the first pass).
    raw: u64,
    /// Rows so far, repeats included (capped as calamine caps them).
    rows: u64,
    /// Rows from the first row with a value to the last, repeats included.
    span: u64,
    /// Rows after the last row with a value, not yet part of `span`.
    pending: u64,
    seen_value: bool,
    /// The widest row up to its last value.
    width: u64,
}

impl Table {
    fn total(&self) -> u64 {
        self.raw.saturating_add(self.span.saturating_mul(self.width))
    }
}

/// The row being read.
#[derive(Default)]
struct Row {
    repeats: u64,
    /// Cells written out so far.
    cols: u64,
    /// Empty cells not written out unless a later cell follows.
    empty_run: u64,
    /// Columns up to the last cell with a value.
    width: u64,
}

fn number(e: &BytesStart<'_>, name: &str) -> u64 {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.value.trim().parse().ok())
        .unwrap_or(1)
}

/// The element an event starts, and whether it also ends there (`<x/>`).
fn element<'e>(event: &'e Event<'_>) -> (Option<&'e BytesStart<'e>>, bool) {
    match event {
        Event::Start(e) => (Some(e), false),
        Event::Empty(e) => (Some(e), true),
        _ => (None, false),
    }
}

fn has_value(e: &BytesStart<'_>, self_closing: bool) -> bool {
    // A cell with content (text, or anything calamine would look into) counts as a value;
    // calamine may still find it empty, so this counts at least as much as calamine holds.
    !self_closing
        || e.attributes()
            .flatten()
            .any(|a| matches!(a.key.as_ref(), "office:value-type" | "table:formula"))
}

/// Cells calamine would hold for all sheets of the `content.xml` read from `xml`, or `None`
/// when the XML cannot be read to the end (calamine then reports the damage itself).
/// Stops counting once `limit` is passed.
pub fn cells(xml: impl BufRead, limit: u64) -> Option<u64> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut total = 0u64;
    let mut table: Option<Table> = None;
    let mut row: Option<Row> = None;
    loop {
        let event = reader.read_event_into(&mut buf).ok()?;
        let (e, self_closing) = element(&event);
        if let Some(e) = e {
            match e.name().as_ref() {
                "table:table" if !self_closing => table = Some(Table::default()),
                "table:table-row" => {
                    let Some(t) = &mut table else { continue };
                    let repeats = number(e, "table:number-rows-repeated").min(MAX_ROWS - t.rows.min(MAX_ROWS));
                    t.rows += repeats;
                    let r = Row {
                        repeats,
                        ..Row::default()
                    };
                    if self_closing {
                        end_row(t, r);
                    } else {
                        row = Some(r);
                    }
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    let Some(r) = &mut row else { continue };
                    let repeats = number(e, "table:number-columns-repeated");
                    // Empty cells before this one are written out now, up to the cap.
                    let flushed = r.empty_run.min(MAX_COLUMNS - r.cols);
                    r.cols += flushed;
                    r.empty_run = 0;
                    let repeats = repeats.min(MAX_COLUMNS - r.cols);
                    if has_value(e, self_closing) {
                        r.cols += repeats;
                        r.width = r.cols;
                    } else {
                        r.empty_run = repeats;
                    }
                }
                _ => {}
            }
        }
        match &event {
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                if let (Some(t), Some(r)) = (&mut table, row.take()) {
                    end_row(t, r);
                }
            }
            Event::End(e) if e.name().as_ref() == "table:table" => {
                if let Some(t) = table.take() {
                    total = total.saturating_add(t.total());
                }
            }
            Event::Eof => break,
            _ => {}
        }
        let so_far = total.saturating_add(table.as_ref().map_or(0, Table::total));
        if so_far > limit {
            return Some(so_far);
        }
        buf.clear();
    }
    Some(total.saturating_add(table.as_ref().map_or(0, Table::total)))
}

/// Error cells recorded at most: a sheet of formulas that all fail is still a few thousand.
const MAX_ERROR_CELLS: usize = 1 << 20;

/// The cells of the sheet `sheet` whose formula gives an error (`calcext:value-type="error"`),
/// by 0-based row and column: calamine reads them as the text LibreOffice shows (`#N/A`), and
/// this says which texts are errors. Whatever cannot be read is left to calamine.
pub fn error_cells(xml: impl BufRead, sheet: &str) -> HashSet<(u32, u32)> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut found = HashSet::new();
    let mut in_sheet = false;
    let (mut row, mut col, mut rows) = (0u64, 0u64, 1u64);
    loop {
        let Ok(event) = reader.read_event_into(&mut buf) else {
            return found;
        };
        let (e, self_closing) = element(&event);
        if let Some(e) = e {
            match e.name().as_ref() {
                "table:table" => {
                    in_sheet = e.attributes().flatten().any(|a| {
                        a.key.as_ref() == "table:name"
                            && a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .is_ok_and(|v| v == sheet)
                    });
                    row = 0;
                }
                "table:table-row" if in_sheet => {
                    rows = number(e, "table:number-rows-repeated");
                    col = 0;
                    if self_closing {
                        row = row.saturating_add(rows);
                    }
                }
                "table:table-cell" | "table:covered-table-cell" if in_sheet => {
                    let repeats = number(e, "table:number-columns-repeated");
                    let error = e
                        .attributes()
                        .flatten()
                        .any(|a| a.key.as_ref() == "calcext:value-type" && a.value.as_ref() == "error");
                    if error {
                        for r in row..row.saturating_add(rows).min(MAX_ROWS) {
                            for c in col..col.saturating_add(repeats).min(MAX_COLUMNS) {
                                if found.len() >= MAX_ERROR_CELLS {
                                    return found;
                                }
                                found.insert((r as u32, c as u32));
                            }
                        }
                    }
                    col = col.saturating_add(repeats);
                }
                _ => {}
            }
        }
        match &event {
            Event::End(e) if in_sheet && e.name().as_ref() == "table:table-row" => row = row.saturating_add(rows),
            Event::End(e) if in_sheet && e.name().as_ref() == "table:table" => return found,
            Event::Eof => return found,
            _ => {}
        }
        buf.clear();
    }
}

fn end_row(t: &mut Table, r: Row) {
    t.raw = t.raw.saturating_add(r.cols);
    if r.width > 0 {
        // Rows between two rows with values are written out too.
        if t.seen_value {
            t.span = t.span.saturating_add(t.pending);
        }
        t.pending = 0;
        t.span = t.span.saturating_add(r.repeats);
        t.seen_value = true;
        t.width = t.width.max(r.width);
    } else if t.seen_value {
        t.pending = t.pending.saturating_add(r.repeats);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(rows: &str) -> u64 {
        let xml = format!(
            "<office:document-content><office:body><office:spreadsheet>\
             <table:table table:name=\"S\">{rows}</table:table>\
             </office:spreadsheet></office:body></office:document-content>"
        );
        cells(xml.as_bytes(), u64::MAX).unwrap()
    }

    const V: &str =
        "<table:table-cell office:value-type=\"float\" office:value=\"1\"><text:p>1</text:p></table:table-cell>";

    #[test]
    fn trailing_empty_cells_and_rows_cost_nothing() {
        // LibreOffice's shape: each row padded to the last column, the sheet to the last row.
        let rows = format!(
            "<table:table-row>{V}{V}<table:table-cell table:number-columns-repeated=\"16382\"/></table:table-row>\
             <table:table-row table:number-rows-repeated=\"1048575\"><table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row>"
        );
        // Two cells written out, then one row of width two.
        assert_eq!(count(&rows), 2 + 2);
    }

    #[test]
    fn repeats_between_values_are_counted() {
        let row = |repeat: u32, cells: &str| {
            format!("<table:table-row table:number-rows-repeated=\"{repeat}\">{cells}</table:table-row>")
        };
        let wide = "<table:table-cell office:value-type=\"float\" office:value=\"1\" table:number-columns-repeated=\"16384\"/>";
        // One row of 16,384 values repeated 1,000 times: written out once, then 1,000 times.
        assert_eq!(count(&row(1000, wide)), 16_384 + 1000 * 16_384);
        // Empty rows between two rows with values are written out at the full width.
        let rows = format!(
            "{}{}{}",
            row(1, V),
            row(500, "<table:table-cell/>"),
            row(
                1,
                &format!("<table:table-cell table:number-columns-repeated=\"9\"/>{V}")
            )
        );
        assert_eq!(count(&rows), 1 + 10 + 502 * 10);
        // Rows are capped as calamine caps them.
        assert_eq!(count(&row(u32::MAX, V)), 1 + MAX_ROWS);
    }

    #[test]
    fn counting_stops_past_the_limit_and_broken_xml_is_left_to_calamine() {
        let rows: String = (0..100)
            .map(|_| format!("<table:table-row>{V}</table:table-row>"))
            .collect();
        let xml = format!("<table:table>{rows}</table:table>");
        let n = cells(xml.as_bytes(), 10).unwrap();
        assert!(n > 10 && n < 20, "{n}");
        assert_eq!(
            cells(&b"<table:table><table:table-row></table:table>"[..], u64::MAX),
            None
        );
    }
}
