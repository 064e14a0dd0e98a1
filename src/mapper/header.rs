//! Reading the header row into a [`Layout`]: which sheet column feeds which template field,
//! with the problems of missing and ambiguous columns.

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
}
