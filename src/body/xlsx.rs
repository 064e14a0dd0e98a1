//! Relatics' Excel sync format, for interfaces that take an upload by hand: one sheet, a header
//! row `ExternalId` and then one column per sent property and relation, named as Relatics spells
//! them (not escaped); dates as Excel date cells, numbers as numbers, and several relation
//! targets in one cell separated by line breaks. Written row by row with rust_xlsxwriter in its
//! constant-memory mode, to a file the caller then moves into place.

use std::io;
use std::path::PathBuf;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::encoder::Encoder;
use crate::mapper::{Element, Value};
use crate::template::{FieldKind, PropertyType, Template};

/// Writes checked elements as Relatics' Excel sync format.
pub struct XlsxBody<'t> {
    template: &'t Template,
    /// Where the workbook is saved by `finish`.
    path: PathBuf,
    workbook: Workbook,
    /// Template fields that are sent (external ownership), with their column.
    columns: Vec<(usize, u16)>,
    row: u32,
    count: u64,
    date: Format,
    wrap: Format,
    header: Format,
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> io::Error {
    // A failed write in the OS's own words ("No space left on device"), without the layers of
    // rust_xlsxwriter and the zip crate around it.
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            return io::Error::new(io.kind(), io.to_string());
        }
        source = s.source();
    }
    io::Error::other(e.to_string())
}

impl<'t> XlsxBody<'t> {
    /// A body for `template`, to be saved at `path`.
    pub fn new(template: &'t Template, path: PathBuf) -> XlsxBody<'t> {
        let columns = template
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.is_internal())
            .enumerate()
            .map(|(col, (i, _))| (i, (col + 1) as u16))
            .collect();
        XlsxBody {
            template,
            path,
            workbook: Workbook::new(),
            columns,
            row: 0,
            count: 0,
            date: Format::new().set_num_format("yyyy-mm-dd"),
            wrap: Format::new().set_text_wrap(),
            header: Format::new().set_bold(),
        }
    }
}

/// rust_xlsxwriter panics when a write fails (its constant-memory mode writes rows to
/// temporary files as they come): the panic becomes an error naming the cause.
fn guarded(write: impl FnOnce() -> io::Result<()>) -> io::Result<()> {
    crate::panics::quietly(write).unwrap_or_else(|why| Err(io::Error::other(crate::panics::xlsx_write_failure(&why))))
}

impl Encoder for XlsxBody<'_> {
    fn begin(&mut self) -> io::Result<()> {
        guarded(|| self.write_header())
    }

    fn element(&mut self, element: &Element) -> io::Result<()> {
        guarded(|| self.write_element(element))
    }

    fn finish(&mut self) -> io::Result<()> {
        guarded(|| self.save())
    }

    fn rewind(&mut self) -> io::Result<()> {
        self.workbook = Workbook::new();
        self.row = 0;
        self.count = 0;
        Ok(())
    }

    fn count(&self) -> u64 {
        self.count
    }
}

impl XlsxBody<'_> {
    fn write_header(&mut self) -> io::Result<()> {
        let sheet = self.workbook.add_worksheet_with_constant_memory().map_err(xlsx_error)?;
        sheet
            .set_name(crate::cellref::excel_sheet_name(&self.template.target.plural))
            .map_err(xlsx_error)?;
        sheet
            .write_string_with_format(0, 0, "ExternalId", &self.header)
            .map_err(xlsx_error)?;
        sheet.set_column_width(0, 16).map_err(xlsx_error)?;
        for &(i, col) in &self.columns {
            let field = &self.template.fields[i];
            sheet
                .write_string_with_format(0, col, &field.name, &self.header)
                .map_err(xlsx_error)?;
            let width = (field.name.chars().count() + 2).clamp(10, 40) as f64;
            sheet.set_column_width(col, width).map_err(xlsx_error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        self.row = 0;
        Ok(())
    }

    fn write_element(&mut self, element: &Element) -> io::Result<()> {
        self.row += 1;
        let row = self.row;
        let sheet = self.workbook.worksheet_from_index(0).map_err(xlsx_error)?;
        sheet.write_string(row, 0, &element.external_id).map_err(xlsx_error)?;
        for &(i, col) in &self.columns {
            let field = &self.template.fields[i];
            let Some(value) = element.values.get(i) else { continue };
            match value {
                Value::Omit | Value::Null => {}
                Value::Text(r) => {
                    let text = element.str(r);
                    if text.is_empty() {
                        continue;
                    }
                    // Excel's dates run from 1900-01-01 to 9999-12-31; an earlier date (a bridge
                    // from 1850) is written as its ISO text, which is what the other formats send.
                    let date = matches!(field.kind, FieldKind::Property(PropertyType::Date))
                        .then(|| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
                        .flatten()
                        .filter(|d| (1900..=9999).contains(&chrono::Datelike::year(d)));
                    match date {
                        Some(d) => {
                            use chrono::Datelike;
                            let cell = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                                .map_err(xlsx_error)?;
                            sheet
                                .write_datetime_with_format(row, col, cell, &self.date)
                                .map_err(xlsx_error)?;
                        }
                        None if text.contains('\n') => {
                            sheet
                                .write_string_with_format(row, col, text, &self.wrap)
                                .map_err(xlsx_error)?;
                        }
                        None => {
                            sheet.write_string(row, col, text).map_err(xlsx_error)?;
                        }
                    }
                }
                Value::Number(r) => {
                    let x: f64 = element.str(r).parse().map_err(io::Error::other)?;
                    sheet.write_number(row, col, x).map_err(xlsx_error)?;
                }
                Value::Targets(r) => {
                    let targets = &element.targets[r.start as usize..r.end as usize];
                    if targets.is_empty() {
                        continue;
                    }
                    let ids: Vec<&str> = targets.iter().map(|t| element.str(&t.id)).collect();
                    if ids.len() == 1 {
                        sheet.write_string(row, col, ids[0]).map_err(xlsx_error)?;
                    } else {
                        sheet
                            .write_string_with_format(row, col, ids.join("\n"), &self.wrap)
                            .map_err(xlsx_error)?;
                    }
                }
            }
        }
        self.count += 1;
        Ok(())
    }

    fn save(&mut self) -> io::Result<()> {
        let last_col = self.columns.last().map_or(0, |&(_, c)| c);
        let sheet = self.workbook.worksheet_from_index(0).map_err(xlsx_error)?;
        sheet.autofilter(0, 0, self.row.max(1), last_col).map_err(xlsx_error)?;
        let mut file = crate::output::FailOnce::create(&self.path)?;
        self.workbook.save_to_writer(&mut file).map_err(xlsx_error)
    }
}
