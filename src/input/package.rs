//! The parts of an `.xlsx` package that say where everything is: `xl/workbook.xml` (the sheets,
//! in order, and the date system) and its relationships `xl/_rels/workbook.xml.rels` (which
//! part holds each sheet, the shared strings and the styles). Read once, with relsync's own
//! tokenizer, for both readers: relsync's reader takes everything from here, and the calamine
//! path takes the sheet's part to find its merged ranges.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::ooxml::{Token, Tokenizer, XmlError, attribute, attribute_ns, attribute_text, declarations};
use super::utf8::Utf8Part;

/// The relationships namespace, transitional and strict.
const RELATIONSHIPS: [&[u8]; 2] = [
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    b"http://purl.oclc.org/ooxml/officeDocument/relationships",
];

/// Why the package could not be read the way relsync reads it.
#[derive(Debug)]
pub enum PackageError {
    /// Not a zip archive, or a damaged one.
    Zip(String),
    /// A part the workbook needs is missing.
    MissingPart(String),
    /// A part is not well-formed XML or not what it should hold.
    Part { part: String, error: XmlError },
    /// A cell holds a value relsync's reader does not take (calamine's rules).
    Cell { part: String, cell: String, why: String },
}

impl std::fmt::Display for PackageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PackageError::Zip(why) => write!(f, "the zip archive cannot be read ({why})"),
            PackageError::MissingPart(part) => write!(f, "the part {part} is missing"),
            PackageError::Part { part, error } => write!(f, "the part {part} {error}"),
            PackageError::Cell { part, cell, why } => write!(f, "cell {cell} of {part} {why}"),
        }
    }
}

/// One sheet of the workbook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetEntry {
    pub name: String,
    /// The part holding it, if the relationships name one.
    pub part: Option<String>,
    /// A worksheet (not a chart sheet or dialog sheet).
    pub worksheet: bool,
}

/// Where a workbook keeps what the readers need.
#[derive(Clone, Debug, Default)]
pub struct Package {
    /// The sheets, in workbook order.
    pub sheets: Vec<SheetEntry>,
    pub shared_strings: Option<String>,
    pub styles: Option<String>,
    /// The 1904 date system.
    pub date1904: bool,
}

pub type Zip = zip::ZipArchive<BufReader<File>>;

pub fn open_zip(path: &Path) -> Result<Zip, PackageError> {
    let file = File::open(path).map_err(|e| PackageError::Zip(e.to_string()))?;
    zip::ZipArchive::new(BufReader::new(file)).map_err(|e| PackageError::Zip(e.to_string()))
}

/// One part of the package, as a stream of UTF-8 (a part in another encoding is decoded).
pub fn part<'z>(zip: &'z mut Zip, name: &str) -> Result<impl Read + 'z, PackageError> {
    let file = zip.by_name(name).map_err(|e| match e {
        zip::result::ZipError::FileNotFound => PackageError::MissingPart(name.to_owned()),
        other => PackageError::Zip(format!("{name}: {other}")),
    })?;
    Utf8Part::new(file).map_err(|kind| PackageError::Part {
        part: name.to_owned(),
        error: XmlError::new(0, kind),
    })
}

/// A relationship target as a part name: relative to `xl/`, or absolute from the root.
fn part_name(target: &str) -> String {
    match target.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => format!("xl/{target}"),
    }
}

impl Package {
    /// Reads `xl/workbook.xml` and its relationships.
    pub fn read(zip: &mut Zip) -> Result<Package, PackageError> {
        let wrap = |part: &str| {
            let part = part.to_owned();
            move |error| PackageError::Part { part, error }
        };
        let mut package = Package::default();
        let mut ids: Vec<String> = Vec::new();
        {
            let mut t = Tokenizer::new(part(zip, "xl/workbook.xml")?);
            let mut declared = Vec::new();
            while let Some(token) = t.next_token().map_err(wrap("xl/workbook.xml"))? {
                let Token::Start { name, attrs, .. } = token else {
                    continue;
                };
                declarations(attrs, &mut declared);
                match name {
                    b"sheet" => {
                        let sheet_name = attribute_text(attrs, b"name");
                        let id = attribute_ns(attrs, &declared, &RELATIONSHIPS, b"id")
                            .map(|v| String::from_utf8_lossy(v).into_owned());
                        let (Some(sheet_name), Some(id)) = (sheet_name, id) else {
                            return Err(PackageError::Part {
                                part: "xl/workbook.xml".into(),
                                error: XmlError::unexpected(t.position(), "has a sheet without a name or id"),
                            });
                        };
                        package.sheets.push(SheetEntry {
                            name: sheet_name,
                            part: None,
                            worksheet: false,
                        });
                        ids.push(id);
                    }
                    b"workbookPr" => {
                        if let Some(v) = attribute(attrs, b"date1904") {
                            package.date1904 = v == b"1" || v == b"true";
                        }
                    }
                    _ => {}
                }
            }
        }
        let rels = "xl/_rels/workbook.xml.rels";
        let mut t = Tokenizer::new(part(zip, rels)?);
        while let Some(token) = t.next_token().map_err(wrap(rels))? {
            let Token::Start {
                name: b"Relationship",
                attrs,
                ..
            } = token
            else {
                continue;
            };
            let (Some(id), Some(target), Some(kind)) = (
                attribute_text(attrs, b"Id"),
                attribute_text(attrs, b"Target"),
                attribute_text(attrs, b"Type"),
            ) else {
                continue;
            };
            if attribute(attrs, b"TargetMode") == Some(b"External") {
                continue;
            }
            if let Some(i) = ids.iter().position(|s| *s == id) {
                let sheet = &mut package.sheets[i];
                sheet.part = Some(part_name(&target));
                sheet.worksheet = kind.ends_with("/worksheet");
            } else if kind.ends_with("/sharedStrings") {
                package.shared_strings = Some(part_name(&target));
            } else if kind.ends_with("/styles") {
                package.styles = Some(part_name(&target));
            }
        }
        Ok(package)
    }

    /// The sheet named `wanted` (exactly), or the first.
    pub fn sheet(&self, wanted: Option<&str>) -> Option<&SheetEntry> {
        match wanted {
            None => self.sheets.first(),
            Some(w) => self.sheets.iter().find(|s| s.name == w),
        }
    }
}
