//! The fast `.xlsx` reader: the sheet is parsed while the shared strings load.
//!
//! calamine must load a workbook's whole shared-string table before it can read the first cell,
//! then parses the sheet with a general XML reader. For the workbooks relsync sees (machine-made
//! exports, often a million rows) that leaves a core idle and does more work per cell than
//! needed. This reader splits the work over threads:
//! - one inflates and tokenizes the sheet ([`ooxml::Tokenizer`]) into raw cells: position,
//!   style, type and the value's text;
//! - one parses `sharedStrings.xml` into one buffer;
//! - one finds merged ranges (`merge::scan_merges`);
//! - the calling thread reads `styles.xml`, then turns raw cells into values exactly as calamine
//!   does (same type rules, same date formats, same `_xHHHH_` unescaping) and assembles rows.
//!
//! Anything unusual (markup that is not well-formed, a part in UTF-16) makes it give up: before
//! the first row, [`read`] says so and the caller uses calamine; after, it says so too and the
//! caller tells the sink to start over before calamine reads the sheet (`input::dispatch`).
//! Damage no reader should guess at (a cell value no reader takes, a row that comes back) is
//! not handed over: the file is refused, naming the sheet, part and cell. Tests compare both
//! readers cell by cell.

use std::path::Path;
use std::sync::mpsc::sync_channel;

use super::error::{InputError, WorkbookError};
use super::merge::{self, Assembler};
use super::ooxml::XmlErrorKind;
use super::package::{self, Package, PackageError};
use super::row::{RowSink, SheetInfo};
use super::spec::Limits;

mod parts;
mod sheet;

use parts::{SharedStrings, read_shared_strings, read_styles};
use sheet::{Batch, BatchError, Message, convert_batch, scan_sheet};

/// Batches in flight.
const IN_FLIGHT: usize = 4;

/// Where a workbook keeps what this reader needs.
#[derive(Debug)]
pub struct Plan {
    pub sheet: String,
    sheet_part: String,
    shared_strings: Option<String>,
    styles: Option<String>,
    date1904: bool,
}

/// Finds the sheet (named, or the first) and the parts it needs. `Ok(None)` when the workbook
/// has no such sheet: the calamine path then says so, with the sheets there are.
pub fn plan(path: &Path, wanted: Option<&str>) -> Result<Option<Plan>, PackageError> {
    let mut zip = package::open_zip(path)?;
    let pkg = Package::read(&mut zip)?;
    let Some(entry) = pkg.sheet(wanted) else {
        return Ok(None);
    };
    let part = match (&entry.part, entry.worksheet) {
        (Some(part), true) => part.clone(),
        (Some(part), false) => {
            return Err(PackageError::Part {
                part: part.clone(),
                error: super::ooxml::XmlError::unexpected(
                    0,
                    format!("holds '{}', which is not a worksheet", entry.name),
                ),
            });
        }
        (None, _) => {
            return Err(PackageError::MissingPart(format!(
                "of sheet '{}' (not listed in xl/_rels/workbook.xml.rels)",
                entry.name
            )));
        }
    };
    Ok(Some(Plan {
        sheet: entry.name.clone(),
        sheet_part: part,
        shared_strings: pkg.shared_strings,
        styles: pkg.styles,
        date1904: pkg.date1904,
    }))
}

/// Why the fast reader did not read the sheet.
pub enum GaveUp {
    /// Before any row reached the sink: read it with calamine instead.
    Early(PackageError),
    /// After rows reached the sink: the sink must start over before calamine reads it.
    Late(PackageError),
    /// A real failure (the sink stopped, or a thread could not start).
    Failed(InputError),
}

impl GaveUp {
    /// Gives up on `why`, after rows reached the sink (`late`) or before; damage that no reader
    /// should guess at (a row that comes back) refuses the file instead of handing it over,
    /// naming the sheet the user knows and its part.
    fn on(why: PackageError, late: bool, (path, sheet): (&Path, &str)) -> GaveUp {
        match why {
            PackageError::Part {
                part,
                error:
                    super::ooxml::XmlError {
                        kind: XmlErrorKind::Damaged(what),
                        ..
                    },
            } => GaveUp::Failed(InputError::Workbook {
                path: path.to_owned(),
                cause: WorkbookError::Damaged(format!("sheet '{sheet}' (the part {part}) {what}")),
            }),
            why if late => GaveUp::Late(why),
            why => GaveUp::Early(why),
        }
    }
}

fn in_part(part: &str) -> impl Fn(super::ooxml::XmlError) -> PackageError + '_ {
    move |error| PackageError::Part {
        part: part.to_owned(),
        error,
    }
}

/// Reads the sheet `plan` names into `sink`.
pub fn read(path: &Path, plan: &Plan, limits: Limits, sink: &mut impl RowSink) -> Result<(), GaveUp> {
    // Styles first (small), on this thread; the rest on helpers.
    let styles = match &plan.styles {
        None => Vec::new(),
        Some(part_name) => {
            let mut zip = package::open_zip(path).map_err(GaveUp::Early)?;
            read_styles(package::part(&mut zip, part_name).map_err(GaveUp::Early)?)
                .map_err(in_part(part_name))
                .map_err(GaveUp::Early)?
        }
    };
    let (formats, displays): (Vec<_>, Vec<_>) = styles.into_iter().unzip();
    let displays: std::sync::Arc<[Option<crate::input::NumberDisplay>]> = displays.into();
    let thread_failed = |e: std::io::Error| {
        GaveUp::Failed(InputError::ReaderFailed {
            path: path.to_owned(),
            why: format!("cannot start a thread ({e})"),
        })
    };
    std::thread::scope(|scope| {
        let sst_thread = std::thread::Builder::new()
            .name("relsync-sst".into())
            .spawn_scoped(scope, || -> Result<SharedStrings, PackageError> {
                match &plan.shared_strings {
                    None => Ok(SharedStrings::default()),
                    Some(name) => {
                        let mut zip = package::open_zip(path)?;
                        match package::part(&mut zip, name) {
                            // A table the workbook names but does not hold is empty, as calamine
                            // reads it; a cell that refers into it is then an error.
                            Err(PackageError::MissingPart(_)) => Ok(SharedStrings::default()),
                            part => read_shared_strings(part?).map_err(in_part(name)),
                        }
                    }
                }
            })
            .map_err(thread_failed)?;
        let merge_thread = scope.spawn(|| -> Option<Vec<crate::cellref::Range>> {
            let mut zip = package::open_zip(path).ok()?;
            merge::scan_merges(package::part(&mut zip, &plan.sheet_part).ok()?)
        });
        let (tx, rx) = sync_channel::<Message>(IN_FLIGHT);
        let (back_tx, back_rx) = sync_channel::<Batch>(IN_FLIGHT + 2);
        let producer = std::thread::Builder::new()
            .name("relsync-sheet".into())
            .spawn_scoped(scope, move || {
                let result = package::open_zip(path).and_then(|mut zip| {
                    let reader = package::part(&mut zip, &plan.sheet_part)?;
                    scan_sheet(reader, &tx, &back_rx).map_err(in_part(&plan.sheet_part))
                });
                if let Err(e) = result {
                    let _ = tx.send(Message::Failed(e));
                }
            })
            .map_err(thread_failed)?;

        // Until the first cells arrive nothing is committed: any failure means "use calamine".
        let mut total = None;
        let mut first: Option<Batch> = None;
        let mut failure: Option<PackageError> = None;
        for message in &rx {
            match message {
                Message::Dimension(d) => total = total.or(d),
                Message::Cells(batch) => {
                    first = Some(batch);
                    break;
                }
                Message::Failed(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        let sst = match sst_thread.join() {
            Ok(Ok(sst)) => Some(sst),
            Ok(Err(e)) => {
                failure = failure.or(Some(e));
                None
            }
            Err(_) => {
                failure = failure.or(Some(PackageError::Zip("the shared-strings reader stopped".into())));
                None
            }
        };
        let merges = match merge_thread.join() {
            Ok(Some(regions)) => Some(regions),
            _ => {
                failure = failure.or(Some(PackageError::Part {
                    part: plan.sheet_part.clone(),
                    error: super::ooxml::XmlError::unexpected(0, "has merged ranges that cannot be read"),
                }));
                None
            }
        };
        let (sst, merges) = match (sst, merges, failure) {
            (Some(sst), Some(merges), None) => (sst, merges),
            (_, _, failure) => {
                drop(rx);
                let _ = producer.join();
                let why = failure.unwrap_or_else(|| PackageError::Zip("a part could not be read".into()));
                return Err(GaveUp::on(why, false, (path, &plan.sheet)));
            }
        };

        let info = SheetInfo {
            displays: Some(std::sync::Arc::clone(&displays)),
            ..SheetInfo::workbook(&plan.sheet, total)
        };
        if sink.start(info).is_err() {
            drop(rx);
            let _ = producer.join();
            return Err(GaveUp::Failed(InputError::Stopped));
        }
        let mut rows = match Assembler::new(sink, merges, limits, (path, &plan.sheet)) {
            Ok(rows) => rows,
            Err(e) => {
                drop(rx);
                let _ = producer.join();
                return Err(GaveUp::Failed(e));
            }
        };
        let mut outcome = Ok(());
        let mut next = first;
        loop {
            let mut batch = match next.take() {
                Some(batch) => batch,
                None => match rx.recv() {
                    Ok(Message::Cells(batch)) => batch,
                    Ok(Message::Dimension(_)) => continue,
                    Ok(Message::Failed(e)) => {
                        outcome = Err(GaveUp::on(e, rows.emitted(), (path, &plan.sheet)));
                        break;
                    }
                    Err(_) => break, // the producer is done
                },
            };
            if let Err(e) = convert_batch(&batch, &sst, (&formats, &displays), plan.date1904, &mut rows) {
                outcome = Err(match e {
                    BatchError::Failed(e) => GaveUp::Failed(e),
                    // A value no reader can take (calamine refuses it too, or reads a wrong
                    // one): the file is damaged, said in relsync's words with the cell.
                    BatchError::Cell(cell, why) => GaveUp::Failed(InputError::Workbook {
                        path: path.to_owned(),
                        cause: WorkbookError::Damaged(
                            PackageError::Cell {
                                part: plan.sheet_part.clone(),
                                cell,
                                why,
                            }
                            .to_string(),
                        ),
                    }),
                });
                break;
            }
            batch.cells.clear();
            batch.text.clear();
            let _ = back_tx.try_send(batch);
        }
        if outcome.is_ok() {
            outcome = rows.finish().map_err(GaveUp::Failed);
        }
        drop(rx);
        if producer.join().is_err() && outcome.is_ok() {
            outcome = Err(GaveUp::Failed(InputError::ReaderFailed {
                path: path.to_owned(),
                why: "the sheet reader stopped unexpectedly".into(),
            }));
        }
        outcome
    })
}

#[cfg(test)]
mod tests {
    use super::parts::*;
    use super::sheet::*;
    use super::*;

    #[test]
    fn number_formats_follow_calamine() {
        for (code, expected) in [
            ("DD/MM/YY", NumberFormat::DateTime),
            ("H:MM:SS;@", NumberFormat::DateTime),
            ("#,##0\\ [$\\u20bd-46D]", NumberFormat::Other),
            ("m\"M\"d\"D\";@", NumberFormat::DateTime),
            ("[h]:mm:ss", NumberFormat::TimeDelta),
            ("\"$\"#,##0_);[Red](\"$\"#,##0)", NumberFormat::Other),
            ("[>=100][Magenta][s].00", NumberFormat::TimeDelta),
            ("[>=100][Magenta]General", NumberFormat::Other),
            ("ha/p\\\\m", NumberFormat::DateTime),
            ("#,##0*y", NumberFormat::Other),
            ("*-yyyy-mm-dd", NumberFormat::DateTime),
            ("€ #,##0.00", NumberFormat::Other),
            ("dd-mm-yyyy", NumberFormat::DateTime),
        ] {
            assert_eq!(detect_custom_number_format(code), expected, "{code}");
        }
        assert_eq!(builtin_format("14"), NumberFormat::DateTime);
        assert_eq!(builtin_format("46"), NumberFormat::TimeDelta);
        assert_eq!(builtin_format("2"), NumberFormat::Other);
    }

    /// The cells of the sheet below, as text (`kind:value`), or the error's message.
    fn scan(bytes: &[u8]) -> Result<Vec<String>, String> {
        let (tx, rx) = sync_channel::<Message>(1024);
        let (_back_tx, back_rx) = sync_channel::<Batch>(1);
        let scanned = scan_sheet(bytes, &tx, &back_rx);
        drop(tx);
        let strings = read_shared_strings(SST).unwrap();
        let (formats, displays): (Vec<_>, Vec<_>) = read_styles(STYLES).unwrap().into_iter().unzip();
        assert_eq!(
            displays,
            [None, Some(crate::input::NumberDisplay::Code("dd-mm-yyyy".into()))]
        );
        let mut cells = Vec::new();
        for message in rx {
            if let Message::Cells(batch) = message {
                for raw in &batch.cells {
                    cells.push(match value(raw, &batch.text, &strings, &formats, false) {
                        Ok(cell) => format!("{cell:?}"),
                        Err(why) => format!("error: {why}"),
                    });
                }
            }
        }
        match scanned {
            Ok(()) => Ok(cells),
            Err(e) => {
                assert!(
                    e.offset <= bytes.len() as u64,
                    "offset {} beyond the part: {e}",
                    e.offset
                );
                Err(e.to_string())
            }
        }
    }

    const SHEET: &[u8] = br#"<?xml version="1.0"?><worksheet><dimension ref="A1:C3"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>46082</v></c><c r="C1" t="inlineStr"><is><r><t>x &amp; y</t></r></is></c></row><row r="2"><c r="A2" t="str"><f>A1</f><v>a_x000D_</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c r="D2" t="d"><v>2026-01-02T00:00:00</v></c></row></sheetData><mergeCells><mergeCell ref="A1:B1"/></mergeCells></worksheet>"#;
    const SST: &[u8] = br#"<sst uniqueCount="2"><si><t xml:space="preserve"> a </t></si><si><r><t>b</t></r><rPh><t>c</t></rPh></si></sst>"#;
    const STYLES: &[u8] = br#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="dd-mm-yyyy"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>"#;

    /// Damaged XML of every kind gives the cells or a typed error with a place, never a panic.
    #[test]
    fn mangled_parts_give_cells_or_a_placed_error() {
        assert_eq!(
            scan(SHEET).unwrap(),
            [
                "Text(\" a \")",
                "DateTime(2026-03-01T00:00:00)",
                "Text(\"x & y\")",
                "Text(\"a_x000D_\")",
                "Bool(true)",
                "Error(\"#N/A\")",
                "DateTime(2026-01-02T00:00:00)"
            ]
        );
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut failed, mut read) = (0, 0);
        for round in 0..800 {
            for source in [SHEET, SST, STYLES] {
                let mut bytes = source.to_vec();
                for _ in 0..(1 + round % 4) {
                    let at = (next() as usize) % bytes.len();
                    match next() % 4 {
                        0 => {
                            let pool = b"<>/\"=&;_x:0 a";
                            bytes[at] = pool[(next() % pool.len() as u64) as usize];
                        }
                        1 => {
                            bytes.remove(at);
                        }
                        2 => bytes.insert(at, (next() % 256) as u8),
                        _ => bytes.truncate(at),
                    }
                    if bytes.is_empty() {
                        bytes.push(b'<');
                    }
                }
                if source == SHEET {
                    match scan(&bytes) {
                        Ok(_) => read += 1,
                        Err(message) => {
                            assert!(message.contains("(at byte "), "{message}");
                            failed += 1;
                        }
                    }
                } else {
                    for e in [
                        read_shared_strings(bytes.as_slice()).err(),
                        read_styles(bytes.as_slice()).err(),
                    ]
                    .into_iter()
                    .flatten()
                    {
                        assert!(e.offset <= bytes.len() as u64, "{e}");
                    }
                }
            }
        }
        // Both outcomes happen: the mangling is neither always fatal nor always harmless.
        assert!(failed > 100 && read > 10, "failed {failed}, read {read}");
    }

    #[test]
    fn shared_strings_like_calamine() {
        let xml = r#"<?xml version="1.0"?><sst xmlns="x" count="5" uniqueCount="5">
<si><t>plain</t></si>
<si><t xml:space="preserve">  kept  </t></si>
<si><t>  trimmed
</t></si>
<si><r><rPr><b/></rPr><t>rich </t></r><r><t xml:space="preserve">text</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>
<si/>
<si><t>a_x000D_b &amp; c</t></si>
</sst>"#;
        let sst = read_shared_strings(xml.as_bytes()).unwrap();
        let all: Vec<&str> = (0..6).map(|i| sst.get(i).unwrap()).collect();
        assert_eq!(all, ["plain", "  kept  ", "trimmed", "richtext", "", "a\rb & c"]);
        assert_eq!(sst.get(6), None);
    }
}
