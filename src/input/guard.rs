//! Checks before a workbook is read: what the file really is, and whether reading it is safe.
//!
//! Sizes and counts in a file are claims. A zip part declares how far it expands (and the zip
//! reader enforces that claim), so a part that declares more than `[limits] max_part_size`
//! (or shared strings beyond `max_shared_strings`) is refused before anything is inflated: a
//! decompression bomb stops at once. Before calamine reads a file (it allocates from what a file
//! says), the claims it would trust are checked too: the shared-string count of an `.xlsx`, the
//! sheet dimensions of an `.xls`, and the repeated rows and columns of an `.ods` (against
//! `[limits] max_cells`). A password-protected workbook is said to be one.

use std::io::{Read, Seek};
use std::path::Path;

use super::error::{InputError, WorkbookError};
use super::sniff::{self, Content};
use super::spec::{InputFormat, InputSpec, Limits};

fn workbook(path: &Path, cause: WorkbookError) -> InputError {
    InputError::Workbook {
        path: path.to_owned(),
        cause,
    }
}

fn limit(path: &Path, what: String) -> InputError {
    InputError::Limit {
        path: path.to_owned(),
        what,
    }
}

/// A size in words: `4 GiB`, `512 MiB`, `2000 bytes`.
pub fn size_words(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b => format!("{b} bytes"),
    }
}

/// The format the file's content says it is, for a workbook given by extension; errors say
/// what a file is when it cannot be read as a workbook at all.
pub fn real_format(spec: &InputSpec) -> Result<InputFormat, InputError> {
    let path = &spec.path;
    if let Err(source) = std::fs::File::open(path) {
        return Err(InputError::Open {
            path: path.clone(),
            source,
        });
    }
    let Some(content) = sniff::content(path) else {
        // Unreadable: the reader says why, with the file's name.
        return Ok(spec.format);
    };
    match content {
        Content::Empty => Err(workbook(path, WorkbookError::Damaged("it is empty (0 bytes)".into()))),
        Content::Html => Err(workbook(path, WorkbookError::HtmlPage)),
        Content::Text => Err(workbook(path, WorkbookError::Text)),
        Content::Ole => {
            let file = std::fs::File::open(path).map_err(|source| InputError::Open {
                path: path.clone(),
                source,
            })?;
            let Ok(cfb) = cfb::CompoundFile::open(file) else {
                return Err(workbook(
                    path,
                    WorkbookError::Damaged("it starts like an old Excel (.xls) file but is cut off or broken".into()),
                ));
            };
            if cfb.is_stream("EncryptedPackage") || cfb.is_stream("/EncryptedPackage") {
                return Err(workbook(path, WorkbookError::Encrypted));
            }
            if spec.format != InputFormat::Xls {
                return Ok(InputFormat::Xls);
            }
            Ok(InputFormat::Xls)
        }
        Content::Zip => {
            let file = std::fs::File::open(path).map_err(|source| InputError::Open {
                path: path.clone(),
                source,
            })?;
            let Ok(zip) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
                return Err(workbook(
                    path,
                    WorkbookError::Damaged(format!(
                        "it starts like a zip archive ({}) but is cut off or broken",
                        match spec.format {
                            InputFormat::Ods => ".ods",
                            InputFormat::Xlsb => ".xlsb",
                            InputFormat::Xlsm => ".xlsm",
                            _ => ".xlsx",
                        }
                    )),
                ));
            };
            let names: Vec<String> = zip
                .file_names()
                .filter_map(Result::ok)
                .map(|n| n.into_owned())
                .collect();
            let has = |n: &str| names.iter().any(|x| x == n);
            let actual = if has("xl/workbook.xml") {
                if spec.format == InputFormat::Xlsm {
                    InputFormat::Xlsm
                } else {
                    InputFormat::Xlsx
                }
            } else if has("xl/workbook.bin") {
                InputFormat::Xlsb
            } else if has("content.xml") && has("mimetype") {
                InputFormat::Ods
            } else {
                return Err(workbook(path, WorkbookError::NotAWorkbook));
            };
            Ok(actual)
        }
        Content::Other => Ok(spec.format),
    }
}

/// The declared sizes of the parts of a zip workbook against the limits; and no part twice.
pub fn check_zip_sizes(path: &Path, limits: &Limits) -> Result<(), InputError> {
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let Ok(mut zip) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(());
    };
    // Part names are case-insensitive, and readers take `\` for `/` and ignore a leading `/`
    // or `./`: two entries for one part leave no way to tell which one is the workbook's (each
    // reader would silently take one, maybe not the same).
    let key = |n: &str| {
        let n = n.replace('\\', "/").to_lowercase();
        let n = n.trim_start_matches("./").trim_start_matches('/');
        n.to_owned()
    };
    let mut names = std::collections::HashSet::new();
    let twice = zip
        .file_names()
        .filter_map(Result::ok)
        .find(|n| !names.insert(key(n)))
        .map(|n| n.into_owned());
    let twice = match twice {
        Some(name) => Some(format!("the part {name} twice")),
        None => zip
            .has_duplicate_names()
            .then(|| "two parts with the same name".to_owned()),
    };
    if let Some(what) = twice {
        return Err(workbook(
            path,
            WorkbookError::Damaged(format!(
                "it holds {what}, so relsync cannot tell which one is the workbook's; save it again in Excel"
            )),
        ));
    }
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_raw(i) else { continue };
        let Ok(name) = entry.name().map(|n| n.into_owned()) else {
            continue;
        };
        let size = entry.size();
        let xml = name.ends_with(".xml") || name.ends_with(".rels") || name.ends_with(".bin");
        if xml && size > limits.part_size {
            return Err(limit(
                path,
                format!(
                    "the part {name} expands to {} bytes, more than the {} relsync reads ([limits] max_part_size); \
                     a small file that expands this far is probably a decompression bomb. If the workbook is real, \
                     raise max_part_size in the template",
                    size,
                    size_words(limits.part_size)
                ),
            ));
        }
        if name.ends_with("sharedStrings.xml") && size > limits.shared_strings {
            return Err(limit(
                path,
                format!(
                    "the shared strings ({name}) are {size} bytes, more than the {} relsync holds ([limits] \
                     max_shared_strings); raise it in the template if the workbook is real",
                    size_words(limits.shared_strings)
                ),
            ));
        }
    }
    Ok(())
}

/// Before calamine reads an `.xlsx`: the shared-string count it reserves room for must fit the
/// part (each string takes at least a few bytes), or calamine would ask for all that memory.
pub fn check_for_calamine_xlsx(path: &Path) -> Result<(), InputError> {
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let Ok(mut zip) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(());
    };
    let Some(name) = zip
        .file_names()
        .filter_map(Result::ok)
        .find(|n| n.ends_with("sharedStrings.xml"))
        .map(|n| n.into_owned())
    else {
        return Ok(());
    };
    let Ok(mut part) = zip.by_name(&name) else {
        return Ok(());
    };
    let size = part.size();
    let mut head = Vec::with_capacity(4096);
    let _ = (&mut part).take(4096).read_to_end(&mut head);
    let head = String::from_utf8_lossy(&head);
    let Some(sst) = head.find("<sst").map(|at| &head[at..]) else {
        return Ok(());
    };
    let tag = &sst[..sst.find('>').unwrap_or(sst.len())];
    // calamine reserves room for `uniqueCount` strings (`count` is how often they are used).
    let Some(at) = tag.find("uniqueCount=\"") else {
        return Ok(());
    };
    let digits: String = tag[at + "uniqueCount=\"".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let claimed: u128 = digits.parse().unwrap_or(0);
    // `<si/>` is the shortest string item: five bytes.
    if claimed > u128::from(size / 5 + 1) {
        return Err(workbook(
            path,
            WorkbookError::Damaged(format!(
                "its shared-string table claims {claimed} strings in a part of {size} bytes"
            )),
        ));
    }
    Ok(())
}

/// The error for a sheet that calamine would hold as more than `[limits] max_cells` cells.
fn too_many_cells(path: &Path, claim: String, limits: &Limits) -> InputError {
    limit(
        path,
        format!(
            "{claim}; relsync lets calamine hold at most {} cells for this format, which it reads whole \
             ([limits] max_cells). A small file that claims this much is damaged or hostile; if the workbook is \
             real, raise max_cells in the template",
            limits.cells
        ),
    )
}

/// Before calamine reads an `.ods`: the cells its repeated rows and columns expand to (calamine
/// writes every repeat out) must stay within `[limits] max_cells`.
pub fn check_for_calamine_ods(path: &Path, limits: &Limits) -> Result<(), InputError> {
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let Ok(mut zip) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(());
    };
    let Ok(part) = zip.by_name("content.xml") else {
        return Ok(());
    };
    match super::ods::cells(std::io::BufReader::new(part), limits.cells) {
        Some(cells) if cells > limits.cells => Err(too_many_cells(
            path,
            format!("its sheets repeat rows and columns out to at least {cells} cells"),
            limits,
        )),
        _ => Ok(()),
    }
}

/// Before calamine reads an `.xls`: every sheet's declared dimensions must stay within `[limits]
/// max_cells` (calamine reserves room for all their cells), and a password-protected file is
/// said to be one.
pub fn check_for_calamine_xls(path: &Path, limits: &Limits) -> Result<(), InputError> {
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let Ok(mut cfb) = cfb::CompoundFile::open(file) else {
        return Ok(());
    };
    let stream = ["/Workbook", "/Book", "/WORKBOOK", "/BOOK"]
        .into_iter()
        .find(|s| cfb.is_stream(s));
    let Some(stream) = stream else { return Ok(()) };
    let Ok(mut stream) = cfb.open_stream(stream) else {
        return Ok(());
    };
    let len = stream.len();
    let mut header = [0u8; 4];
    let mut at = 0u64;
    while at + 4 <= len {
        if stream.seek(std::io::SeekFrom::Start(at)).is_err() || stream.read_exact(&mut header).is_err() {
            break;
        }
        let kind = u16::from_le_bytes([header[0], header[1]]);
        let size = u64::from(u16::from_le_bytes([header[2], header[3]]));
        match kind {
            // FILEPASS: the rest of the stream is encrypted.
            0x002F => return Err(workbook(path, WorkbookError::Encrypted)),
            // DIMENSIONS (BIFF8: rows as u32; BIFF5: as u16).
            0x0200 => {
                let mut data = vec![0u8; size.min(14) as usize];
                if stream.read_exact(&mut data).is_err() {
                    break;
                }
                let (rows, cols) = match data.len() {
                    14 => {
                        let first = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
                        let last = u32::from_le_bytes([data[4], data[5], data[6], data[7]]);
                        let c0 = u16::from_le_bytes([data[8], data[9]]);
                        let c1 = u16::from_le_bytes([data[10], data[11]]);
                        (u64::from(last.saturating_sub(first)), u64::from(c1.saturating_sub(c0)))
                    }
                    n if n >= 8 => {
                        let first = u16::from_le_bytes([data[0], data[1]]);
                        let last = u16::from_le_bytes([data[2], data[3]]);
                        let c0 = u16::from_le_bytes([data[4], data[5]]);
                        let c1 = u16::from_le_bytes([data[6], data[7]]);
                        (u64::from(last.saturating_sub(first)), u64::from(c1.saturating_sub(c0)))
                    }
                    _ => (0, 0),
                };
                if rows.saturating_mul(cols) > limits.cells {
                    return Err(too_many_cells(
                        path,
                        format!("a sheet declares {rows} rows by {cols} columns"),
                        limits,
                    ));
                }
            }
            _ => {}
        }
        at += 4 + size;
    }
    Ok(())
}

/// Runs a calamine read, turning a panic inside calamine (a damaged file it trusts too much)
/// into an error that names the file, without the panic's noise on stderr.
pub fn catching_panics<T>(path: &Path, read: impl FnOnce() -> Result<T, InputError>) -> Result<T, InputError> {
    crate::panics::quietly(read).unwrap_or_else(|why| {
        Err(workbook(
            path,
            WorkbookError::Damaged(format!("calamine stopped reading it ({why})")),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_words() {
        assert_eq!(size_words(4 << 30), "4 GiB");
        assert_eq!(size_words(512 << 20), "512 MiB");
        assert_eq!(size_words(1000), "1000 bytes");
    }
}
