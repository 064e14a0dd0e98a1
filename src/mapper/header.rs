//! Reading the header row into a [`Layout`]: which sheet column feeds which template field,
//! with the problems of missing and ambiguous columns.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::io;

use super::{Layout, Mapper};
use crate::cellref::cell_name;
use crate::input::Row;
use crate::problem::{Code, Problem, Problems};
use crate::suggest;
use crate::template::normalize_header;

use super::text::cell_text;

/// Rows above the header row kept one by one for [`Mapper::data_above`].
const ABOVE_KEPT: usize = 1000;

impl Mapper<'_> {
    /// Keeps what [`Mapper::data_above`] needs of a row above the header row.
    pub(super) fn remember_above(&mut self, row: &Row) {
        let mut text = String::new();
        let cells: Vec<(u32, u64)> = row
            .cells()
            .filter(|(_, c)| !c.is_blank())
            .map(|(col, c)| {
                text.clear();
                cell_text(c, &mut text);
                (col, rustc_hash::FxBuildHasher.hash_one(text.trim()))
            })
            .collect();
        if cells.is_empty() {
            return;
        }
        // The rows nearest the header are kept one by one; earlier ones that fill several
        // columns with different values are counted.
        if self.above.len() == ABOVE_KEPT
            && let Some((number, earlier)) = self.above.pop_front()
        {
            let mut texts: Vec<u64> = earlier.iter().map(|(_, h)| *h).collect();
            texts.sort_unstable();
            texts.dedup();
            if earlier.len() >= 2 && texts.len() >= 2 {
                let more = &mut self.above_more;
                more.0 += 1;
                more.1 = more.1.min(number);
                more.2 = more.2.max(number);
            }
        }
        self.above.push_back((row.number, cells));
    }

    /// Rows above the header row are never read as elements: one that looks like an element
    /// (a value in the external id's column and in at least half of the mapped columns, not
    /// one title repeated) is said, since a submit would delete the element it describes.
    fn data_above(
        &mut self,
        header_row: u32,
        external_id: Option<u32>,
        fields: &[Option<u32>],
        headers: &[String],
        problems: &mut Problems,
    ) -> io::Result<()> {
        let Some(id_col) = external_id else {
            return Ok(());
        };
        let mut mapped: Vec<u32> = std::iter::once(id_col)
            .chain(fields.iter().flatten().copied())
            .collect();
        mapped.sort_unstable();
        mapped.dedup();
        for (number, cells) in std::mem::take(&mut self.above) {
            let filled: Vec<&(u32, u64)> = cells.iter().filter(|(c, _)| mapped.binary_search(c).is_ok()).collect();
            let has_id = filled.iter().any(|(c, _)| *c == id_col);
            let mut texts: Vec<u64> = filled.iter().map(|(_, h)| *h).collect();
            texts.sort_unstable();
            texts.dedup();
            if has_id && filled.len() >= 2 && filled.len() * 2 >= mapped.len() && texts.len() >= 2 {
                let message = format!(
                    "row {number} is above the header row (row {header_row}, source.header_row) and has values in \
                     {} of the {} columns the template maps, the external id's among them: it looks like an \
                     element, but rows above the header row are never sent, so a submit would delete that element \
                     in Relatics; if it is one, set source.header_row to the row that holds the headers",
                    filled.len(),
                    mapped.len()
                );
                let header = headers.get(id_col as usize).map_or("", String::as_str);
                problems.push(
                    Problem::new(Code::DataAboveHeader, message)
                        .at(number, Some(id_col))
                        .column(header),
                )?;
            }
        }
        let (count, first, last) = std::mem::replace(&mut self.above_more, (0, u32::MAX, 0));
        if count > 0 {
            let message = format!(
                "{} row{} above the header row (row {header_row}, source.header_row), rows {first}-{last}, hold \
                 values in several columns as well (only the {ABOVE_KEPT} rows nearest the header row are looked at \
                 one by one); rows above the header row are never sent: check source.header_row",
                crate::problem::thousands(count),
                if count == 1 { "" } else { "s" },
            );
            problems.push(Problem::new(Code::DataAboveHeader, message).at(first, Some(0)))?;
        }
        Ok(())
    }

    pub(super) fn read_header(&mut self, row: &Row, problems: &mut Problems) -> io::Result<Layout> {
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
        // Each header's columns, found once: the work stays in proportion to the row however
        // many columns share a header.
        let mut by_header: HashMap<String, Vec<u32>> = HashMap::new();
        for (c, h) in headers.iter().enumerate() {
            if !h.is_empty() {
                by_header.entry(normalize_header(h)).or_default().push(c as u32);
            }
        }
        let mut accounted = vec![false; headers.len()];
        let mut missing = Vec::new();
        let mut suggester = suggest::Suggester::new(headers.iter().map(String::as_str));

        // Columns matching a template column; one problem for none, one for several.
        let mut find = |column: &str,
                        what: &str,
                        property: Option<&str>,
                        problems: &mut Problems|
         -> io::Result<Option<u32>> {
            let matches = by_header.get(&normalize_header(column)).map_or(&[][..], Vec::as_slice);
            match matches {
                [] => {
                    let hint = suggester
                        .closest(column)
                        .map(|s| {
                            format!(
                                "; did you mean '{}'? Rename the header in the sheet or change 'column' in the template",
                                crate::problem::quoted(s)
                            )
                        })
                        .unwrap_or_else(|| "; add the column to the sheet or change 'column' in the template".to_owned());
                    let mut p = Problem::new(
                        Code::MissingColumn,
                        format!(
                            "column '{}' ({what}) is not in the header row {header_row}{hint}",
                            crate::problem::quoted(column)
                        ),
                    )
                    .at(header_row, None)
                    .column(column);
                    if let Some(name) = property {
                        p = p.property(name);
                    }
                    // Reported at the end, when it is known whether another row holds the headers.
                    missing.push(p);
                    Ok(None)
                }
                [first, rest @ ..] => {
                    if let [second, ..] = rest {
                        const NAMED: usize = 3;
                        let cells: Vec<String> =
                            matches.iter().take(NAMED).map(|&c| cell_name(header_row, c)).collect();
                        let more = if matches.len() > NAMED {
                            format!(" and {} more", matches.len() - NAMED)
                        } else {
                            String::new()
                        };
                        let mut p = Problem::new(
                            Code::DuplicateColumn,
                            format!(
                                "{} headers match column '{}' ({what}): {}{more}; rename all but one so the \
                                 template knows which to read",
                                matches.len(),
                                crate::problem::quoted(column),
                                cells.join(", ")
                            ),
                        )
                        .at(header_row, Some(*second))
                        .column(&headers[*second as usize]);
                        if let Some(name) = property {
                            p = p.property(name);
                        }
                        problems.push(p)?;
                    }
                    if !accounted[*first as usize] {
                        for &c in matches {
                            accounted[c as usize] = true;
                        }
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
            for &c in by_header.get(&normalize_header(ignored)).into_iter().flatten() {
                accounted[c as usize] = true;
            }
        }
        if t.ignore_others {
            accounted.iter_mut().for_each(|a| *a = true);
        }
        self.data_above(header_row, external_id, &fields, &headers, problems)?;
        self.missing = missing;
        // Headers are kept for messages and reports only: as long as those show them.
        let headers = headers
            .iter()
            .map(|h| crate::problem::clip_said(h, crate::problem::MAX_HEADER_CHARS))
            .collect();
        Ok(Layout {
            external_id,
            fields,
            headers,
            accounted,
        })
    }
}
