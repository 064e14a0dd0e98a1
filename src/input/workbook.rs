//! Workbooks through calamine: `.xlsx`/`.xlsm` and `.xlsb` are streamed cell by cell; `.xls`
//! and `.ods` are only available from calamine as a whole range, which is read and then walked
//! row by row. Formula cells give their cached value, dates come as dates in both the 1900 and
//! the 1904 date system, and merged ranges are filled (`.xlsx`, `.xls`).

use std::fs::File;
use std::io::BufReader;

use calamine::{Data, DataRef, Dimensions, Ods, Reader, Sheets, Xlsb, open_workbook_auto};
use chrono::NaiveTime;

use super::merge::{Assembler, Region};
use super::{Cell, InputError, InputFormat, InputSpec, RowSink, SheetInfo, XlsxReader, fastxlsx, xlsx};

fn open(spec: &InputSpec) -> Result<Sheets<BufReader<File>>, InputError> {
    if let Err(source) = File::open(&spec.path) {
        return Err(InputError::Open {
            path: spec.path.clone(),
            source,
        });
    }
    open_workbook_auto(&spec.path).map_err(|e| workbook_error(spec, e))
}

fn workbook_error(spec: &InputSpec, e: impl std::fmt::Display) -> InputError {
    let mut message = e.to_string();
    if let Ok(head) = std::fs::read(&spec.path).map(|b| b.into_iter().take(512).collect::<Vec<u8>>()) {
        let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
        if text.trim_start().starts_with('<') && text.contains("html") {
            message.push_str(
                " (the file is an HTML page saved with a spreadsheet extension; open it in Excel and save it as .xlsx)",
            );
        } else if !head.starts_with(b"PK")
            && !head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
            && head.iter().all(|b| *b >= 9)
        {
            message.push_str(" (the file looks like text; if it is CSV, give it a .csv extension)");
        }
    }
    InputError::Workbook {
        path: spec.path.clone(),
        message,
    }
}

/// The sheet to read: the one asked for, else the first.
fn choose_sheet(spec: &InputSpec, names: &[String]) -> Result<String, InputError> {
    let Some(wanted) = &spec.sheet else {
        return names.first().cloned().ok_or_else(|| InputError::NoSheets {
            path: spec.path.clone(),
        });
    };
    if names.iter().any(|n| n == wanted) {
        return Ok(wanted.clone());
    }
    let hint = crate::suggest::closest(wanted, names.iter().map(String::as_str))
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default();
    Err(InputError::SheetNotFound {
        path: spec.path.clone(),
        name: wanted.clone(),
        hint,
        available: names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", "),
    })
}

pub fn read(spec: &InputSpec, sink: &mut impl RowSink) -> Result<(), InputError> {
    if matches!(spec.format, InputFormat::Xlsx | InputFormat::Xlsm) && spec.xlsx_reader != XlsxReader::Calamine {
        // The fast reader, unless it finds something it does not handle before the first row.
        let strict = spec.xlsx_reader == XlsxReader::Fast;
        let gave_up = match fastxlsx::plan(&spec.path, spec.sheet.as_deref()) {
            Ok(plan) => match fastxlsx::read(&spec.path, &plan, sink) {
                Ok(()) => return Ok(()),
                Err(fastxlsx::GaveUp::Late(e)) => return Err(e),
                Err(fastxlsx::GaveUp::Early(why)) => why,
            },
            Err(why) => why.0,
        };
        if strict {
            return Err(InputError::Workbook {
                path: spec.path.clone(),
                message: format!("relsync's .xlsx reader cannot read this file ({gave_up}); unset RELSYNC_XLSX_READER"),
            });
        }
    }
    if matches!(spec.format, InputFormat::Xlsx | InputFormat::Xlsm) {
        // Find merged ranges on a helper thread while this one opens the workbook.
        return std::thread::scope(|scope| {
            let scan = scope.spawn(|| xlsx::scan_merges(&spec.path, spec.sheet.as_deref()));
            let mut workbook = open(spec)?;
            let name = choose_sheet(spec, &workbook.sheet_names())?;
            let scanned = scan.join().ok().flatten();
            match &mut workbook {
                Sheets::Xlsx(wb) => {
                    let merges = match scanned {
                        Some((scanned_name, regions)) if scanned_name == name => regions,
                        _ => regions(
                            &wb.merge_cells_by_sheet_name(&name)
                                .map_err(|e| workbook_error(spec, e))?,
                        ),
                    };
                    xlsx::read_cells(wb, &name, merges, sink, |e| workbook_error(spec, e))
                }
                other => read_sheets(spec, other, &name, sink),
            }
        });
    }
    let mut workbook = open(spec)?;
    let name = choose_sheet(spec, &workbook.sheet_names())?;
    read_sheets(spec, &mut workbook, &name, sink)
}

fn read_sheets(
    spec: &InputSpec,
    workbook: &mut Sheets<BufReader<File>>,
    name: &str,
    sink: &mut impl RowSink,
) -> Result<(), InputError> {
    let name = name.to_owned();
    match workbook {
        Sheets::Xlsx(wb) => {
            let merges = regions(
                &wb.merge_cells_by_sheet_name(&name)
                    .map_err(|e| workbook_error(spec, e))?,
            );
            xlsx::read_cells(wb, &name, merges, sink, |e| workbook_error(spec, e))
        }
        Sheets::Xlsb(wb) => {
            super::threaded::on_helper_thread("relsync-xlsb", sink, |rows| read_xlsb(spec, wb, &name, rows))
        }
        Sheets::Xls(wb) => {
            let merges = wb
                .merge_cells_by_sheet_name(&name)
                .map_err(|e| workbook_error(spec, e))?;
            let range = wb.worksheet_range(&name).map_err(|e| workbook_error(spec, e))?;
            read_range(&name, range, regions(&merges), sink)
        }
        Sheets::Ods(wb) => {
            let range = read_ods_range(spec, wb, &name)?;
            read_range(&name, range, Vec::new(), sink)
        }
    }
}

fn read_ods_range(
    spec: &InputSpec,
    wb: &mut Ods<BufReader<File>>,
    name: &str,
) -> Result<calamine::Range<Data>, InputError> {
    wb.worksheet_range(name).map_err(|e| workbook_error(spec, e))
}

fn regions(dims: &[Dimensions]) -> Vec<Region> {
    dims.iter()
        .map(|d| Region {
            first_row: d.start.0,
            first_col: d.start.1,
            last_row: d.end.0,
            last_col: d.end.1,
        })
        .collect()
}

fn read_xlsb(
    spec: &InputSpec,
    wb: &mut Xlsb<BufReader<File>>,
    name: &str,
    sink: &mut impl RowSink,
) -> Result<(), InputError> {
    let mut cells = wb.worksheet_cells_reader(name).map_err(|e| workbook_error(spec, e))?;
    let total = u64::from(cells.dimensions().end.0) + 1;
    sink.start(SheetInfo::workbook(name, Some(total)))?;
    let mut rows = Assembler::new(sink, Vec::new());
    while let Some(cell) = cells.next_cell().map_err(|e| workbook_error(spec, e))? {
        let (r, c) = cell.get_position();
        rows.cell(r, c, cell_of_ref(cell.get_value()))?;
    }
    rows.finish()?;
    Ok(())
}

fn read_range(
    name: &str,
    range: calamine::Range<Data>,
    merges: Vec<Region>,
    sink: &mut impl RowSink,
) -> Result<(), InputError> {
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let total = range.end().map(|(r, _)| u64::from(r) + 1);
    sink.start(SheetInfo::workbook(name, total))?;
    let mut rows = Assembler::new(sink, merges);
    for (i, cells) in range.rows().enumerate() {
        let r = row0 + i as u32;
        for (j, value) in cells.iter().enumerate() {
            if !matches!(value, Data::Empty) {
                rows.cell(r, col0 + j as u32, cell_of_data(value))?;
            }
        }
    }
    rows.finish()?;
    Ok(())
}

pub(super) fn cell_of_ref<'a>(value: &'a DataRef<'a>) -> Cell<'a> {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(x) => Cell::Number(*x),
        DataRef::String(s) => Cell::Text(s),
        DataRef::SharedString(s) => Cell::Text(s),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(d) => cell_of_datetime(d),
        DataRef::DateTimeIso(s) => cell_of_iso(s),
        DataRef::DurationIso(s) => Cell::Text(s),
        DataRef::Error(e) => Cell::Error(error_text(e)),
    }
}

fn cell_of_data(value: &Data) -> Cell<'_> {
    match value {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(x) => Cell::Number(*x),
        Data::String(s) => Cell::Text(s),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => cell_of_datetime(d),
        Data::DateTimeIso(s) => cell_of_iso(s),
        Data::DurationIso(s) => Cell::Text(s),
        Data::Error(e) => Cell::Error(error_text(e)),
    }
}

pub(super) fn cell_of_datetime(d: &calamine::ExcelDateTime) -> Cell<'static> {
    let serial = d.as_f64();
    if d.is_duration() {
        return Cell::Duration(serial);
    }
    if (0.0..1.0).contains(&serial) {
        let seconds = (serial * 86_400.0).round() as u32 % 86_400;
        if let Some(t) = NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0) {
            return Cell::Time(t);
        }
    }
    match d.as_datetime() {
        Some(dt) => Cell::DateTime(dt),
        None => Cell::Number(serial),
    }
}

/// ODS stores dates as ISO text; turn them into date cells like the other formats.
pub(super) fn cell_of_iso(s: &str) -> Cell<'_> {
    use chrono::{NaiveDate, NaiveDateTime};
    if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Cell::DateTime(dt);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Cell::DateTime(d.and_time(NaiveTime::MIN));
    }
    Cell::Text(s)
}

fn error_text(e: &calamine::CellErrorType) -> &'static str {
    use calamine::CellErrorType as E;
    match e {
        E::Div0 => "#DIV/0!",
        E::NA => "#N/A",
        E::Name => "#NAME?",
        E::Null => "#NULL!",
        E::Num => "#NUM!",
        E::Ref => "#REF!",
        E::Value => "#VALUE!",
        E::GettingData => "#GETTING_DATA",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_become_date_cells() {
        assert!(matches!(cell_of_iso("2026-03-01"), Cell::DateTime(_)));
        assert!(matches!(cell_of_iso("2026-03-01T12:30:00"), Cell::DateTime(_)));
        assert_eq!(cell_of_iso("PT12H"), Cell::Text("PT12H"));
    }

    #[test]
    fn time_only_serials_are_times() {
        let t = calamine::ExcelDateTime::new(0.5, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(
            cell_of_datetime(&t),
            Cell::Time(NaiveTime::from_hms_opt(12, 0, 0).unwrap())
        );
        let d = calamine::ExcelDateTime::new(46082.0, calamine::ExcelDateTimeType::DateTime, false);
        let Cell::DateTime(dt) = cell_of_datetime(&d) else {
            panic!("date expected")
        };
        assert_eq!(dt.date().to_string(), "2026-03-01");
        let d1904 = calamine::ExcelDateTime::new(46082.0 - 1462.0, calamine::ExcelDateTimeType::DateTime, true);
        let Cell::DateTime(dt) = cell_of_datetime(&d1904) else {
            panic!("date expected")
        };
        assert_eq!(dt.date().to_string(), "2026-03-01");
    }
}
