//! `.xlsx` / `.xlsm` at the speed of reading them.
//!
//! Three pieces of work overlap on two cores:
//! - a helper thread finds the sheet's merged ranges by inflating the sheet and looking for
//!   `<mergeCells>` (it sits after the cell data, so it cannot come from the cell stream in
//!   time). This raw scan is several times faster than calamine parsing the whole sheet again,
//!   and it runs while the calling thread opens the workbook (the shared strings);
//! - a helper thread runs calamine's streaming cell reader and hands over batches of cells as
//!   calamine gives them, doing nothing else;
//! - the calling thread turns the cells into rows (filling merged ranges) and feeds the sink.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::mpsc::sync_channel;

use calamine::{Cell as CalamineCell, DataRef, Xlsx, XlsxError};

use super::merge::{Assembler, Region};
use super::{InputError, RowSink, SheetInfo};

/// Cells per batch handed from the calamine thread.
const BATCH: usize = 16384;
/// Batches in flight.
const IN_FLIGHT: usize = 4;

/// Finds the path of a sheet inside the zip: `xl/workbook.xml` names the sheets and their
/// relationship ids, `xl/_rels/workbook.xml.rels` maps the ids to parts.
fn sheet_part<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, sheet: Option<&str>) -> Option<(String, String)> {
    use quick_xml::events::Event;
    let read = |zip: &mut zip::ZipArchive<R>, name: &str| -> Option<String> {
        let mut text = String::new();
        zip.by_name(name).ok()?.read_to_string(&mut text).ok()?;
        Some(text)
    };
    let attr = |e: &quick_xml::events::BytesStart<'_>, key: &str| -> Option<String> {
        e.attributes()
            .filter_map(Result::ok)
            .find(|a| {
                let k = a.key.as_ref();
                k == key || k.rsplit(':').next() == Some(key) && key == "id"
            })
            .and_then(|a| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
    };
    let workbook = read(zip, "xl/workbook.xml")?;
    let mut reader = quick_xml::Reader::from_str(&workbook);
    let mut found: Option<(String, String)> = None;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                let name = attr(&e, "name")?;
                let id = attr(&e, "id")?;
                if sheet.is_none_or(|s| s == name) {
                    found = Some((name, id));
                    break;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let (name, id) = found?;
    let rels = read(zip, "xl/_rels/workbook.xml.rels")?;
    let mut reader = quick_xml::Reader::from_str(&rels);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == "Relationship" && attr(&e, "Id").as_deref() == Some(id.as_str()) =>
            {
                let target = attr(&e, "Target")?;
                let part = match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_owned(),
                    None => format!("xl/{target}"),
                };
                return Some((name, part));
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// Merged ranges of a sheet (the first sheet when `sheet` is `None`), from a raw scan of its
/// XML. Returns the sheet's name with them; `None` when the scan cannot tell (the caller then
/// asks calamine).
pub fn scan_merges(path: &Path, sheet: Option<&str>) -> Option<(String, Vec<Region>)> {
    let file = File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).ok()?;
    let (name, part) = sheet_part(&mut zip, sheet)?;
    let mut entry = zip.by_name(&part).ok()?;
    // Look for the `mergeCells` start tag; everything from there on is kept and parsed.
    let finder = memchr::memmem::Finder::new(b"mergeCells");
    let mut buf = vec![0u8; 256 * 1024];
    let mut carry: Vec<u8> = Vec::new();
    let mut tail: Option<Vec<u8>> = None;
    loop {
        let n = entry.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        if let Some(t) = &mut tail {
            t.extend_from_slice(&buf[..n]);
            continue;
        }
        // `carry` holds the end of the previous chunk, for a tag split across chunks.
        carry.extend_from_slice(&buf[..n]);
        match find_tag(&finder, &carry) {
            Some(at) => tail = Some(carry[at..].to_vec()),
            None => {
                let cut = carry.len().saturating_sub(64);
                carry.drain(..cut);
            }
        }
    }
    let regions = match tail {
        Some(t) => parse_merge_cells(&t)?,
        None => Vec::new(),
    };
    Some((name, regions))
}

/// Start of a `<mergeCells` or `<x:mergeCells` tag (text cannot hold a raw `<`).
fn find_tag(finder: &memchr::memmem::Finder<'_>, hay: &[u8]) -> Option<usize> {
    for at in finder.find_iter(hay) {
        let mut i = at;
        if i > 0 && hay[i - 1] == b':' {
            i -= 1;
            while i > 0 && (hay[i - 1].is_ascii_alphanumeric() || hay[i - 1] == b'_') {
                i -= 1;
            }
        }
        if i > 0 && hay[i - 1] == b'<' {
            return Some(i - 1);
        }
    }
    None
}

/// The `ref` of every `mergeCell` in the XML fragment from `<mergeCells ...>` on.
fn parse_merge_cells(xml: &[u8]) -> Option<Vec<Region>> {
    use quick_xml::events::Event;
    let text = std::str::from_utf8(xml).ok()?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut regions = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().as_ref() == "mergeCell" => {
                let reference = e
                    .attributes()
                    .filter_map(Result::ok)
                    .find(|a| a.key.as_ref() == "ref")
                    .map(|a| a.value.into_owned())?;
                if let Some(region) = parse_range(&reference) {
                    regions.push(region);
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == "mergeCells" => break,
            Ok(Event::Eof) => break,
            Err(_) => return None,
            _ => {}
        }
    }
    Some(regions)
}

/// `B2:D7` (or a single cell) as a 0-based region.
fn parse_range(reference: &str) -> Option<Region> {
    let (a, b) = reference.split_once(':').unwrap_or((reference, reference));
    let (r0, c0) = parse_cell(a)?;
    let (r1, c1) = parse_cell(b)?;
    Some(Region {
        first_row: r0.min(r1),
        first_col: c0.min(c1),
        last_row: r0.max(r1),
        last_col: c0.max(c1),
    })
}

/// `C17` -> `(16, 2)`.
pub(super) fn parse_cell(cell: &str) -> Option<(u32, u32)> {
    let cell = cell.trim().trim_start_matches('$');
    let split = cell.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = cell.split_at(split);
    let letters = letters.trim_end_matches('$');
    if letters.is_empty() || !letters.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let col = letters.bytes().try_fold(0u32, |acc, b| {
        acc.checked_mul(26)?
            .checked_add(u32::from(b.to_ascii_uppercase() - b'A') + 1)
    })?;
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, col.checked_sub(1)?))
}

/// Streams the cells of `name` on a helper thread and assembles rows here.
pub fn read_cells(
    wb: &mut Xlsx<BufReader<File>>,
    name: &str,
    merges: Vec<Region>,
    sink: &mut impl RowSink,
    error: impl Fn(XlsxError) -> InputError + Sync,
) -> Result<(), InputError> {
    let cells = wb.worksheet_cells_reader(name).map_err(&error)?;
    let total = u64::from(cells.dimensions().end.0) + 1;
    sink.start(SheetInfo::workbook(name, Some(total)))?;
    type Batch<'a> = Vec<CalamineCell<DataRef<'a>>>;
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Result<Batch<'_>, XlsxError>>(IN_FLIGHT);
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
                        match cells.next_cell() {
                            Ok(Some(cell)) => batch.push(cell),
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
            .map_err(|e| InputError::Thread(format!("cannot start a thread: {e}")))?;

        let mut rows = Assembler::new(sink, merges);
        let mut result = Ok(());
        for batch in &rx {
            let mut batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    result = Err(error(e));
                    break;
                }
            };
            for cell in &batch {
                let (r, c) = cell.get_position();
                if let Err(stopped) = rows.cell(r, c, super::workbook::cell_of_ref(cell.get_value())) {
                    result = Err(stopped.into());
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
            return Err(InputError::Thread(
                "the workbook reader stopped unexpectedly; the file is probably damaged".into(),
            ));
        }
        result?;
        rows.finish()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references() {
        assert_eq!(parse_cell("A1"), Some((0, 0)));
        assert_eq!(parse_cell("C17"), Some((16, 2)));
        assert_eq!(parse_cell("$AA$3"), Some((2, 26)));
        assert_eq!(parse_cell("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_cell("1A"), None);
        assert_eq!(parse_cell("A0"), None);
        assert_eq!(
            parse_range("D7:B2"),
            Some(Region {
                first_row: 1,
                first_col: 1,
                last_row: 6,
                last_col: 3
            })
        );
    }

    #[test]
    fn merge_tags_are_found_but_not_in_text() {
        let finder = memchr::memmem::Finder::new(b"mergeCells");
        assert_eq!(
            find_tag(&finder, b"<t>mergeCells</t><mergeCells count=\"1\">"),
            Some(17)
        );
        assert_eq!(find_tag(&finder, b"</sheetData><x:mergeCells>"), Some(12));
        assert_eq!(find_tag(&finder, b"<t>mergeCells</t>"), None);
        let regions = parse_merge_cells(
            b"<mergeCells count=\"2\"><mergeCell ref=\"A1:G1\"/><mergeCell ref=\"B3:B5\"/></mergeCells><pageMargins/>",
        )
        .unwrap();
        assert_eq!(regions.len(), 2);
        assert_eq!(regions[1].last_row, 4);
    }

    #[test]
    fn the_scan_agrees_with_calamine_on_the_sample() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/requirements.xlsx");
        let (name, regions) = scan_merges(&path, None).unwrap();
        assert_eq!(name, "Requirements");
        let mut wb: Xlsx<_> = calamine::open_workbook(&path).unwrap();
        let expected = wb.merge_cells_by_sheet_name("Requirements").unwrap();
        let expected: Vec<Region> = expected
            .iter()
            .map(|d| Region {
                first_row: d.start.0,
                first_col: d.start.1,
                last_row: d.end.0,
                last_col: d.end.1,
            })
            .collect();
        assert_eq!(regions, expected);
        assert!(!regions.is_empty());
        assert_eq!(scan_merges(&path, Some("Notes")).unwrap().1, Vec::new());
    }
}
