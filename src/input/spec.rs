//! What to read: the input's format (from its extension), the sheet, the options for delimited
//! text, and which `.xlsx` reader to use.

use std::path::{Path, PathBuf};

use encoding_rs::Encoding;

/// The kinds of input relsync reads, from the file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    Xlsx,
    Xlsm,
    Xlsb,
    Xls,
    Ods,
    Csv,
    Tsv,
    Txt,
}

impl InputFormat {
    /// The format of `path` from its extension; `-` (stdin) is CSV.
    pub fn of(path: &Path) -> Option<InputFormat> {
        if path.as_os_str() == "-" {
            return Some(InputFormat::Csv);
        }
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "xlsx" => InputFormat::Xlsx,
            "xlsm" => InputFormat::Xlsm,
            "xlsb" => InputFormat::Xlsb,
            "xls" => InputFormat::Xls,
            "ods" => InputFormat::Ods,
            "csv" => InputFormat::Csv,
            "tsv" => InputFormat::Tsv,
            "txt" => InputFormat::Txt,
            _ => return None,
        })
    }

    pub fn is_delimited(self) -> bool {
        matches!(self, InputFormat::Csv | InputFormat::Tsv | InputFormat::Txt)
    }

    pub const EXTENSIONS: &'static str = ".xlsx, .xlsm, .xlsb, .xls, .ods, .csv, .tsv or .txt";
}

/// What to read.
#[derive(Clone, Debug)]
pub struct InputSpec {
    pub path: PathBuf,
    pub format: InputFormat,
    /// Sheet to read (workbooks); `None` means the first sheet.
    pub sheet: Option<String>,
    pub delimited: DelimitedOptions,
    /// Which reader reads `.xlsx` / `.xlsm`.
    pub xlsx_reader: XlsxReader,
    pub limits: Limits,
}

/// How much of a file relsync is willing to read: sizes and counts in a file are claims, and a
/// hostile or damaged file must not make relsync use unbounded memory or time. Each can be
/// raised in the template's `[limits]` section (README, "Robustness").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes any one part of a workbook package may expand to (`max_part_size`).
    pub part_size: u64,
    /// Bytes of shared-string text held in memory (`max_shared_strings`).
    pub shared_strings: u64,
    /// Cells in one row, or fields in one record (`max_columns`).
    pub columns: u32,
    /// Rows, or records (`max_rows`).
    pub rows: u32,
    /// Cells calamine may hold for an `.xls` or `.ods` workbook, which it reads whole
    /// (`max_cells`).
    pub cells: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            part_size: 4 << 30,
            shared_strings: 1 << 30,
            columns: 16_384,
            rows: 10_000_000,
            cells: 25_000_000,
        }
    }
}

/// The reader for `.xlsx` / `.xlsm` (`RELSYNC_XLSX_READER`; README, "Performance").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XlsxReader {
    /// relsync's own reader, falling back to calamine for anything it does not handle.
    Auto,
    /// relsync's own reader only: what it does not handle is an error (for tests and diagnosis).
    Fast,
    /// calamine only.
    Calamine,
}

impl XlsxReader {
    /// From `RELSYNC_XLSX_READER` (`fast`, `calamine`; anything else: auto).
    pub fn from_env() -> XlsxReader {
        match std::env::var("RELSYNC_XLSX_READER").as_deref() {
            Ok("fast") => XlsxReader::Fast,
            Ok("calamine") => XlsxReader::Calamine,
            _ => XlsxReader::Auto,
        }
    }
}

/// Template settings for delimited input.
#[derive(Clone, Debug, Default)]
pub struct DelimitedOptions {
    pub delimiter: Option<u8>,
    pub encoding: Option<&'static Encoding>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_extensions() {
        assert_eq!(InputFormat::of(Path::new("a.XLSX")), Some(InputFormat::Xlsx));
        assert_eq!(InputFormat::of(Path::new("dir.v2/a.csv")), Some(InputFormat::Csv));
        assert_eq!(InputFormat::of(Path::new("-")), Some(InputFormat::Csv));
        assert_eq!(InputFormat::of(Path::new("a.pdf")), None);
        assert_eq!(InputFormat::of(Path::new("noext")), None);
    }
}
