//! Workbooks through calamine: `.xlsx`/`.xlsm` and `.xlsb` are streamed cell by cell; `.xls`
//! and `.ods` are only available from calamine as a whole range, which is read and then walked
//! row by row. Formula cells give their cached value, dates come as dates in both the 1900 and
//! the 1904 date system, and merged ranges are filled (`.xlsx`, `.xls`).
//!
//! For `.xlsx` the work overlaps on two cores: a helper thread finds the merged ranges (a raw
//! scan, [`merge::scan_merges`]) while this one opens the workbook (calamine loads the shared
//! strings first), then a helper thread runs calamine's cell reader and hands over batches of
//! cells while this thread assembles rows and feeds the sink.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::mpsc::sync_channel;

use calamine::{Data, DataRef, Dimensions, Reader, Sheets, Xlsb, Xlsx, open_workbook_auto};

use super::cells::{cell_of_data, cell_of_ref};
use super::error::{InputError, WorkbookError};
use super::merge::{self, Assembler};
use super::package::{self, Package};
use super::row::{Cell, RowSink, SheetInfo, UNCALCULATED};
use super::spec::{InputFormat, InputSpec, Limits};
use crate::cellref::Range as Region;

/// Cells per batch handed from the calamine thread.
const BATCH: usize = 16384;
/// Batches in flight.
const IN_FLIGHT: usize = 4;

fn workbook_error(path: &Path, e: impl Into<calamine::Error>) -> InputError {
    InputError::Workbook {
        path: path.to_owned(),
        cause: WorkbookError::Calamine(e.into()),
    }
}

/// Opens the workbook as the kind `format` says (which may be what its content is, not its
/// extension).
fn open(path: &Path, format: InputFormat) -> Result<Sheets<BufReader<File>>, InputError> {
    match format {
        InputFormat::Xlsx | InputFormat::Xlsm => calamine::open_workbook(path)
            .map(Sheets::Xlsx)
            .map_err(|e: calamine::XlsxError| workbook_error(path, e)),
        InputFormat::Xlsb => calamine::open_workbook(path)
            .map(Sheets::Xlsb)
            .map_err(|e: calamine::XlsbError| workbook_error(path, e)),
        InputFormat::Xls => calamine::open_workbook(path)
            .map(Sheets::Xls)
            .map_err(|e: calamine::XlsError| workbook_error(path, e)),
        InputFormat::Ods => calamine::open_workbook(path)
            .map(Sheets::Ods)
            .map_err(|e: calamine::OdsError| workbook_error(path, e)),
        _ => open_workbook_auto(path).map_err(|e| workbook_error(path, e)),
    }
}

/// The sheets of a workbook calamine reads, in workbook order.
pub fn sheet_names(path: &Path, format: InputFormat) -> Result<Vec<String>, InputError> {
    match crate::panics::quietly(|| open(path, format).map(|w| w.sheet_names())) {
        Ok(names) => names,
        Err(why) => Err(InputError::ReaderFailed {
            path: path.to_owned(),
            why,
        }),
    }
}

/// Merged ranges of `sheet` (the first when `None`), from a raw scan of its part, with the
/// sheet's name; `None` when the scan cannot tell.
fn scan_merges(path: &Path, sheet: Option<&str>) -> Option<(String, Vec<Region>)> {
    let mut zip = package::open_zip(path).ok()?;
    let pkg = Package::read(&mut zip).ok()?;
    let entry = pkg.sheet(sheet)?;
    let part = package::part(&mut zip, entry.part.as_deref()?).ok()?;
    Some((entry.name.clone(), merge::scan_merges(part)?))
}

/// Reads the sheet `spec` names with calamine.
pub fn read(spec: &InputSpec, sink: &mut impl RowSink) -> Result<(), InputError> {
    let path = spec.path.as_path();
    if matches!(spec.format, InputFormat::Xlsx | InputFormat::Xlsm) {
        return std::thread::scope(|scope| {
            let scan = scope.spawn(|| scan_merges(path, spec.sheet.as_deref()));
            let mut workbook = open(path, spec.format)?;
            let name = choose_sheet(path, spec.sheet.as_deref(), &workbook.sheet_names())?;
            let scanned = scan.join().ok().flatten();
            match &mut workbook {
                Sheets::Xlsx(wb) => {
                    let merges = match scanned {
                        Some((scanned_name, regions)) if scanned_name == name => regions,
                        _ => regions(
                            &wb.merge_cells_by_sheet_name(&name)
                                .map_err(|e| workbook_error(path, e))?,
                        ),
                    };
                    read_xlsx_cells(path, spec.limits, wb, &name, merges, sink)
                }
                other => read_sheets(path, spec.limits, other, &name, sink),
            }
        });
    }
    let mut workbook = open(path, spec.format)?;
    let name = choose_sheet(path, spec.sheet.as_deref(), &workbook.sheet_names())?;
    read_sheets(path, spec.limits, &mut workbook, &name, sink)
}

fn read_sheets(
    path: &Path,
    limits: Limits,
    workbook: &mut Sheets<BufReader<File>>,
    name: &str,
    sink: &mut impl RowSink,
) -> Result<(), InputError> {
    match workbook {
        Sheets::Xlsx(wb) => {
            let merges = regions(
                &wb.merge_cells_by_sheet_name(name)
                    .map_err(|e| workbook_error(path, e))?,
            );
            read_xlsx_cells(path, limits, wb, name, merges, sink)
        }
        Sheets::Xlsb(wb) => super::threaded::on_helper_thread(path, "relsync-xlsb", sink, |rows| {
            read_xlsb(path, limits, wb, name, rows)
        }),
        Sheets::Xls(wb) => {
            let merges = wb
                .merge_cells_by_sheet_name(name)
                .map_err(|e| workbook_error(path, e))?;
            let range = wb.worksheet_range(name).map_err(|e| workbook_error(path, e))?;
            read_range((path, limits), name, range, regions(&merges), &HashSet::new(), sink)
        }
        Sheets::Ods(wb) => {
            let range = wb.worksheet_range(name).map_err(|e| workbook_error(path, e))?;
            read_range((path, limits), name, range, Vec::new(), &ods_errors(path, name), sink)
        }
    }
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
    path: &Path,
    limits: Limits,
    wb: &mut Xlsb<BufReader<File>>,
    name: &str,
    sink: &mut impl RowSink,
) -> Result<(), InputError> {
    let mut cells = wb.worksheet_cells_reader(name).map_err(|e| workbook_error(path, e))?;
    let total = u64::from(cells.dimensions().end.0) + 1;
    sink.start(SheetInfo::workbook(name, Some(total)))?;
    let mut rows = Assembler::new(sink, Vec::new(), limits, (path, name))?;
    while let Some(cell) = cells.next_cell().map_err(|e| workbook_error(path, e))? {
        let (r, c) = cell.get_position();
        rows.cell(r, c, cell_of_ref(cell.get_value()))?;
    }
    rows.finish()?;
    Ok(())
}

/// The error cells of an `.ods` sheet (see [`super::ods::error_cells`]).
fn ods_errors(path: &Path, sheet: &str) -> HashSet<(u32, u32)> {
    let Ok(mut zip) = package::open_zip(path) else {
        return HashSet::new();
    };
    let Ok(part) = zip.by_name("content.xml") else {
        return HashSet::new();
    };
    super::ods::error_cells(BufReader::new(part), sheet)
}

/// The error value LibreOffice shows in a cell, as Excel names it; LibreOffice's own codes
/// (`Err:502`) are `#VALUE!`.
fn ods_error(shown: &str) -> &'static str {
    match shown.trim() {
        "#N/A" => "#N/A",
        "#DIV/0!" => "#DIV/0!",
        "#NAME?" => "#NAME?",
        "#NULL!" => "#NULL!",
        "#NUM!" => "#NUM!",
        "#REF!" => "#REF!",
        _ => "#VALUE!",
    }
}

fn read_range(
    (path, limits): (&Path, Limits),
    name: &str,
    range: calamine::Range<Data>,
    merges: Vec<Region>,
    errors: &HashSet<(u32, u32)>,
    sink: &mut impl RowSink,
) -> Result<(), InputError> {
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let total = range.end().map(|(r, _)| u64::from(r) + 1);
    sink.start(SheetInfo::workbook(name, total))?;
    let mut rows = Assembler::new(sink, merges, limits, (path, name))?;
    for (i, cells) in range.rows().enumerate() {
        let r = row0 + i as u32;
        for (j, value) in cells.iter().enumerate() {
            let c = col0 + j as u32;
            match value {
                Data::Empty => {}
                // calamine reads an `.ods` error cell as the text LibreOffice shows.
                Data::String(shown) if errors.contains(&(r, c)) => rows.cell(r, c, Cell::Error(ods_error(shown)))?,
                value => rows.cell(r, c, cell_of_data(value))?,
            }
        }
    }
    rows.finish()?;
    Ok(())
}

/// Streams the cells of `name` on a helper thread and assembles rows here.
fn read_xlsx_cells(
    path: &Path,
    limits: Limits,
    wb: &mut Xlsx<BufReader<File>>,
    name: &str,
    merges: Vec<Region>,
    sink: &mut impl RowSink,
) -> Result<(), InputError> {
    let cells = wb.worksheet_cells_reader(name).map_err(|e| workbook_error(path, e))?;
    let total = u64::from(cells.dimensions().end.0) + 1;
    sink.start(SheetInfo::workbook(name, Some(total)))?;
    // Each cell with whether it holds a formula: one without a saved result (no `<v>`, or an
    // empty one outside a text cell, which calamine reads as empty) is reported, as relsync's
    // reader reports it.
    type Batch<'a> = Vec<((u32, u32), DataRef<'a>, bool)>;
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Result<Batch<'_>, calamine::XlsxError>>(IN_FLIGHT);
        let (back_tx, back_rx) = sync_channel::<Batch<'_>>(IN_FLIGHT + 2);
        let mut cells = cells;
        let producer = std::thread::Builder::new()
            .name("relsync-xlsx".into())
            .spawn_scoped(scope, move || {
                loop {
                    let mut batch = back_rx.try_recv().unwrap_or_else(|_| Vec::with_capacity(BATCH));
                    batch.clear();
                    let mut done = false;
                    while batch.len() < BATCH {
                        match cells.next_cell_with_formula_metadata() {
                            Ok(Some(cell)) => batch.push((cell.pos, cell.value, cell.formula.is_some())),
                            Ok(None) => {
                                done = true;
                                break;
                            }
                            Err(e) => {
                                let _ = tx.send(Err(e));
                                return;
                            }
                        }
                    }
                    if tx.send(Ok(batch)).is_err() || done {
                        return;
                    }
                }
            })
            .map_err(|e| InputError::ReaderFailed {
                path: path.to_owned(),
                why: format!("cannot start a thread ({e})"),
            })?;

        let mut rows = Assembler::new(sink, merges, limits, (path, name))?;
        let mut result = Ok(());
        for batch in &rx {
            let mut batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    result = Err(workbook_error(path, e));
                    break;
                }
            };
            for ((r, c), value, formula) in &batch {
                let cell = match value {
                    DataRef::Empty if *formula => Cell::Error(UNCALCULATED),
                    value => cell_of_ref(value),
                };
                if let Err(e) = rows.cell(*r, *c, cell) {
                    result = Err(e);
                    break;
                }
            }
            if result.is_err() {
                break;
            }
            batch.clear();
            let _ = back_tx.try_send(batch);
        }
        drop(rx);
        if producer.join().is_err() {
            return Err(InputError::ReaderFailed {
                path: path.to_owned(),
                why: "calamine's reader stopped unexpectedly; the file is probably damaged".into(),
            });
        }
        result?;
        rows.finish()?;
        Ok(())
    })
}

/// The sheet to read: the one asked for, else the first; a missing one is an error that lists
/// the sheets and suggests the closest name.
pub fn choose_sheet(path: &Path, wanted: Option<&str>, names: &[String]) -> Result<String, InputError> {
    let Some(wanted) = wanted else {
        return names
            .first()
            .cloned()
            .ok_or_else(|| InputError::NoSheets { path: path.to_owned() });
    };
    if names.iter().any(|n| n == wanted) {
        return Ok(wanted.to_owned());
    }
    let hint = crate::suggest::closest(wanted, names.iter().map(String::as_str))
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default();
    Err(InputError::SheetNotFound {
        path: path.to_owned(),
        name: wanted.to_owned(),
        hint,
        available: names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_merge_scan_agrees_with_calamine_on_the_sample() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/requirements.xlsx");
        let (name, scanned) = scan_merges(&path, None).unwrap();
        assert_eq!(name, "Requirements");
        let mut wb: Xlsx<_> = calamine::open_workbook(&path).unwrap();
        let expected = regions(&wb.merge_cells_by_sheet_name("Requirements").unwrap());
        assert_eq!(scanned, expected);
        assert!(!scanned.is_empty());
        assert_eq!(scan_merges(&path, Some("Notes")).unwrap().1, Vec::new());
    }
}
