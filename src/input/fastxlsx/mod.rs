//! The fast `.xlsx` reader: the sheet is parsed while the shared strings load.
//!
//! calamine must load a workbook's whole shared-string table before it can read the first cell,
//! then parses the sheet with a general XML reader. For the workbooks relsync sees (machine-made
//! exports, often a million rows) that leaves a core idle and does more work per cell than
//! needed. This reader splits the work over threads:
//! - one inflates and tokenizes the sheet ([`ooxml::Tokenizer`]) into raw cells: position,
//!   style, type and the value's text;
//! - one parses `sharedStrings.xml` into one buffer;
//! - one finds merged ranges (`xlsx::scan_merges`);
//! - the calling thread reads `styles.xml`, then turns raw cells into values exactly as calamine
//!   does (same type rules, same date formats, same `_xHHHH_` unescaping) and assembles rows.
//!
//! Anything unusual (a part it cannot find, markup it does not know, a value calamine would
//! reject) makes it give up: before the first row, [`read`] says so and the caller uses calamine;
//! after, it returns [`InputError::Retry`] and the pipeline starts over with calamine. Tests
//! compare both readers cell by cell.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::mpsc::sync_channel;

use super::merge::Assembler;
use super::ooxml::{Malformed, Token, Tokenizer, attribute, push_text};
use super::{InputError, RowSink, SheetInfo};

/// Cells per batch.
const BATCH: usize = 16_384;
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

fn open_zip(path: &Path) -> Result<zip::ZipArchive<BufReader<File>>, Malformed> {
    let file = File::open(path).map_err(|e| Malformed(e.to_string()))?;
    zip::ZipArchive::new(BufReader::new(file)).map_err(|e| Malformed(e.to_string()))
}

fn part<'z>(zip: &'z mut zip::ZipArchive<BufReader<File>>, name: &str) -> Result<impl Read + 'z, Malformed> {
    zip.by_name(name).map_err(|e| Malformed(format!("{name}: {e}")))
}

fn text_attr(attrs: &[u8], name: &[u8]) -> Option<String> {
    let raw = attribute(attrs, name)?;
    let mut s = String::new();
    push_text(&mut s, raw).ok()?;
    Some(s)
}

/// Reads `xl/workbook.xml` and its relationships: the sheet (named, or the first), the
/// shared-strings and styles parts, and the date system.
pub fn plan(path: &Path, wanted: Option<&str>) -> Result<Plan, Malformed> {
    let mut zip = open_zip(path)?;
    let mut sheets: Vec<(String, String)> = Vec::new();
    let mut date1904 = false;
    {
        let mut t = Tokenizer::new(part(&mut zip, "xl/workbook.xml")?);
        while let Some(token) = t.next_token()? {
            if let Token::Start { name, attrs, .. } = token {
                match name {
                    b"sheet" => {
                        let (Some(n), Some(id)) = (text_attr(attrs, b"name"), text_attr(attrs, b"id")) else {
                            return Err(Malformed("a sheet without name or id".into()));
                        };
                        sheets.push((n, id));
                    }
                    b"workbookPr" => {
                        if let Some(v) = attribute(attrs, b"date1904") {
                            date1904 = v == b"1" || v == b"true";
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let (sheet, rel_id) = match wanted {
        None => sheets.first().cloned(),
        Some(w) => sheets.iter().find(|(n, _)| n == w).cloned(),
    }
    .ok_or_else(|| Malformed("sheet not found".into()))?;

    let mut sheet_part = None;
    let mut shared_strings = None;
    let mut styles = None;
    let mut t = Tokenizer::new(part(&mut zip, "xl/_rels/workbook.xml.rels")?);
    while let Some(token) = t.next_token()? {
        let Token::Start {
            name: b"Relationship",
            attrs,
            ..
        } = token
        else {
            continue;
        };
        let (Some(id), Some(target), Some(kind)) = (
            text_attr(attrs, b"Id"),
            text_attr(attrs, b"Target"),
            text_attr(attrs, b"Type"),
        ) else {
            continue;
        };
        let target = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_owned(),
            None => format!("xl/{target}"),
        };
        if id == rel_id {
            if !kind.ends_with("/worksheet") {
                return Err(Malformed(format!("sheet '{sheet}' is not a worksheet")));
            }
            sheet_part = Some(target);
        } else if kind.ends_with("/sharedStrings") {
            shared_strings = Some(target);
        } else if kind.ends_with("/styles") {
            styles = Some(target);
        }
    }
    Ok(Plan {
        sheet,
        sheet_part: sheet_part.ok_or_else(|| Malformed("the sheet's part is not listed".into()))?,
        shared_strings,
        styles,
        date1904,
    })
}

mod parts;
mod sheet;

use parts::{SharedStrings, read_shared_strings, read_styles};
use sheet::{Batch, Message, convert_batch, scan_sheet};

/// Why the fast reader did not read the sheet.
pub enum GaveUp {
    /// Before any row reached the sink: read it with calamine instead.
    Early(String),
    /// A real failure (the sink stopped, or rows were sent before the reader gave up).
    Late(InputError),
}

/// Reads the sheet `plan` names into `sink`.
pub fn read(path: &Path, plan: &Plan, sink: &mut impl RowSink) -> Result<(), GaveUp> {
    let early = |e: Malformed| GaveUp::Early(e.0);
    // Styles first (small), on this thread; the rest on helpers.
    let formats = match &plan.styles {
        None => Vec::new(),
        Some(part_name) => {
            let mut zip = open_zip(path).map_err(early)?;
            read_styles(part(&mut zip, part_name).map_err(early)?).map_err(early)?
        }
    };
    std::thread::scope(|scope| {
        let sst_thread = std::thread::Builder::new()
            .name("relsync-sst".into())
            .spawn_scoped(scope, || -> Result<SharedStrings, Malformed> {
                match &plan.shared_strings {
                    None => Ok(SharedStrings::default()),
                    Some(name) => {
                        let mut zip = open_zip(path)?;
                        read_shared_strings(part(&mut zip, name)?)
                    }
                }
            })
            .map_err(|e| GaveUp::Early(e.to_string()))?;
        let merge_thread = scope.spawn(|| super::xlsx::scan_merges(path, Some(&plan.sheet)));
        let (tx, rx) = sync_channel::<Message>(IN_FLIGHT);
        let (back_tx, back_rx) = sync_channel::<Batch>(IN_FLIGHT + 2);
        let producer = std::thread::Builder::new()
            .name("relsync-sheet".into())
            .spawn_scoped(scope, move || {
                let result = open_zip(path).and_then(|mut zip| {
                    let reader = part(&mut zip, &plan.sheet_part)?;
                    scan_sheet(reader, &tx, &back_rx)
                });
                if let Err(e) = result {
                    let _ = tx.send(Message::Failed(e));
                }
            })
            .map_err(|e| GaveUp::Early(e.to_string()))?;

        // Until the first cells arrive nothing is committed: any failure means "use calamine".
        let mut total = None;
        let mut first: Option<Batch> = None;
        let mut failure: Option<String> = None;
        for message in &rx {
            match message {
                Message::Dimension(d) => total = total.or(d),
                Message::Cells(batch) => {
                    first = Some(batch);
                    break;
                }
                Message::Failed(e) => {
                    failure = Some(e.0);
                    break;
                }
            }
        }
        let sst = match sst_thread.join() {
            Ok(Ok(sst)) => Some(sst),
            Ok(Err(e)) => {
                failure = failure.or(Some(e.0));
                None
            }
            Err(_) => {
                failure = failure.or(Some("the shared-strings reader stopped".into()));
                None
            }
        };
        let merges = match merge_thread.join() {
            Ok(Some((_, regions))) => Some(regions),
            _ => {
                failure = failure.or(Some("merged ranges unknown".into()));
                None
            }
        };
        let (Some(sst), Some(merges), None) = (sst, merges, failure.clone()) else {
            drop(rx);
            let _ = producer.join();
            return Err(GaveUp::Early(failure.unwrap_or_default()));
        };

        let info = SheetInfo::workbook(&plan.sheet, total);
        if sink.start(info).is_err() {
            drop(rx);
            let _ = producer.join();
            return Err(GaveUp::Late(InputError::Stopped));
        }
        let mut rows = Assembler::new(sink, merges);
        let mut outcome = Ok(());
        let mut next = first;
        loop {
            let mut batch = match next.take() {
                Some(batch) => batch,
                None => match rx.recv() {
                    Ok(Message::Cells(batch)) => batch,
                    Ok(Message::Dimension(_)) => continue,
                    Ok(Message::Failed(e)) => {
                        outcome = Err(if rows.emitted() {
                            GaveUp::Late(InputError::Retry(e.0))
                        } else {
                            GaveUp::Early(e.0)
                        });
                        break;
                    }
                    Err(_) => break, // the producer is done
                },
            };
            if let Err(e) = convert_batch(&batch, &sst, &formats, plan.date1904, &mut rows) {
                outcome = Err(match e {
                    InputError::Retry(why) if !rows.emitted() => GaveUp::Early(why),
                    other => GaveUp::Late(other),
                });
                break;
            }
            batch.cells.clear();
            batch.text.clear();
            let _ = back_tx.try_send(batch);
        }
        if outcome.is_ok() {
            outcome = rows.finish().map_err(|e| GaveUp::Late(e.into()));
        }
        drop(rx);
        if producer.join().is_err() && outcome.is_ok() {
            outcome = Err(GaveUp::Late(InputError::Thread(
                "the sheet reader stopped unexpectedly".into(),
            )));
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

    /// Damaged XML of every kind must give an error or a value, never a panic.
    #[test]
    fn mangled_parts_never_panic() {
        let sheet = br#"<?xml version="1.0"?><worksheet><dimension ref="A1:C3"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>2.5</v></c><c r="C1" t="inlineStr"><is><r><t>x &amp; y</t></r></is></c></row><row r="2"><c r="A2" t="str"><f>A1</f><v>a_x000D_</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c r="D2" t="d"><v>2026-01-02T00:00:00</v></c></row></sheetData><mergeCells><mergeCell ref="A1:B1"/></mergeCells></worksheet>"#;
        let sst = br#"<sst uniqueCount="2"><si><t xml:space="preserve"> a </t></si><si><r><t>b</t></r><rPh><t>c</t></rPh></si></sst>"#;
        let styles = br#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="dd-mm-yyyy"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>"#;
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..800 {
            for source in [&sheet[..], &sst[..], &styles[..]] {
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
                let (tx, rx) = sync_channel::<Message>(1024);
                let (_back_tx, back_rx) = sync_channel::<Batch>(1);
                let _ = scan_sheet(bytes.as_slice(), &tx, &back_rx);
                drop(tx);
                let strings = read_shared_strings(bytes.as_slice()).unwrap_or_default();
                let formats = read_styles(bytes.as_slice()).unwrap_or_default();
                for message in rx {
                    if let Message::Cells(batch) = message {
                        for raw in &batch.cells {
                            let _ = value(raw, &batch.text, &strings, &formats, false);
                        }
                    }
                }
            }
        }
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
