//! Reading the header row into a [`Layout`]: which sheet column feeds which template field,
//! with the problems of missing and ambiguous columns.

use std::collections::HashMap;
use std::io;

use super::{Layout, Mapper};
use crate::cellref::cell_name;
use crate::input::Row;
use crate::problem::{Code, Problem, Problems};
use crate::suggest;
use crate::template::normalize_header;

use super::text::cell_text;

impl Mapper<'_> {
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

        // Columns matching a template column; one problem for none, one for several.
        let mut find = |column: &str,
                        what: &str,
                        property: Option<&str>,
                        problems: &mut Problems|
         -> io::Result<Option<u32>> {
            let matches = by_header.get(&normalize_header(column)).map_or(&[][..], Vec::as_slice);
            match matches {
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
                                "{} headers match column '{column}' ({what}): {}{more}; rename all but one so the \
                                 template knows which to read",
                                matches.len(),
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
        self.missing = missing;
        Ok(Layout {
            external_id,
            fields,
            headers,
            accounted,
        })
    }
}
