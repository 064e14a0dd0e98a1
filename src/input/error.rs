//! Why a sheet could not be read: typed until printed, each naming the file and, where it
//! helps, the part, line or byte, with the sentence made by `Display`.

use std::fmt;
use std::path::PathBuf;

use super::package::PackageError;

/// A failure that stops reading.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot open {}: {source}", path.display())]
    Open { path: PathBuf, source: std::io::Error },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot read {} as a workbook: {cause}", path.display())]
    Workbook { path: PathBuf, cause: WorkbookError },
    #[error("{} has no sheet named '{name}'{hint}; its sheets are: {available}", path.display())]
    SheetNotFound {
        path: PathBuf,
        name: String,
        hint: String,
        available: String,
    },
    #[error("{} has no sheets", path.display())]
    NoSheets { path: PathBuf },
    #[error("{}, line {line}: {cause}", path.display())]
    Delimited {
        path: PathBuf,
        line: u64,
        cause: DelimitedError,
    },
    #[error("{} stopped being read: {why}", path.display())]
    ReaderFailed { path: PathBuf, why: String },
    /// The sink asked for no more rows; not a failure of the input.
    #[error("reading stopped")]
    Stopped,
}

impl From<super::row::Stopped> for InputError {
    fn from(_: super::row::Stopped) -> InputError {
        InputError::Stopped
    }
}

/// Why a workbook could not be read.
#[derive(Debug)]
pub enum WorkbookError {
    /// calamine's own error.
    Calamine(calamine::Error),
    /// relsync's reader could not read it and calamine was not allowed to
    /// (`RELSYNC_XLSX_READER=fast`).
    Fast(PackageError),
    /// An HTML page saved with a spreadsheet extension (some systems export "Excel" that way).
    HtmlPage,
    /// Plain text with a workbook extension.
    Text,
}

impl fmt::Display for WorkbookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkbookError::Calamine(e) => write!(f, "{e}"),
            WorkbookError::Fast(e) => write!(
                f,
                "relsync's .xlsx reader cannot read it ({e}); unset RELSYNC_XLSX_READER to let calamine read it"
            ),
            WorkbookError::HtmlPage => f.write_str(
                "the file is an HTML page saved with a spreadsheet extension; open it in Excel and save it as .xlsx",
            ),
            WorkbookError::Text => {
                f.write_str("the file is plain text, not a workbook; if it is CSV, give it a .csv extension")
            }
        }
    }
}

/// Why delimited text could not be read.
#[derive(Debug)]
pub enum DelimitedError {
    /// Bytes that are not valid in the encoding being read.
    Encoding { encoding: &'static str },
    /// The csv crate's own error (e.g. a record too large).
    Csv(String),
}

impl fmt::Display for DelimitedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DelimitedError::Encoding { encoding } => write!(
                f,
                "the text is not valid {encoding}; set source.encoding in the template to the file's encoding \
                 (Dutch exports are often \"windows-1252\")"
            ),
            DelimitedError::Csv(why) => f.write_str(why),
        }
    }
}
