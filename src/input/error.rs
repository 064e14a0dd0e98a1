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
    /// The file is larger than a limit allows (`[limits]` in the template raises it).
    #[error("{}: {what}", path.display())]
    Limit { path: PathBuf, what: String },
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
    /// A password-protected workbook: its content is encrypted.
    Encrypted,
    /// The file's content is another kind of workbook than its extension says.
    OtherFormat { what: &'static str },
    /// A zip archive that is not a workbook (no `xl/workbook.xml`).
    NotAWorkbook,
    /// The file is damaged in a way that would make reading it unsafe.
    Damaged(String),
}

impl fmt::Display for WorkbookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkbookError::Calamine(e) => write!(f, "it looks damaged ({})", plain_calamine_error(e)),
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
            WorkbookError::Encrypted => f.write_str(
                "the workbook is password-protected (encrypted); open it in Excel, remove the password \
                 (File > Info > Protect Workbook), save it and run again",
            ),
            WorkbookError::OtherFormat { what } => write!(f, "the file is really {what}; give it that extension"),
            WorkbookError::NotAWorkbook => f.write_str(
                "the file is a zip archive but not an Excel workbook (it has no xl/workbook.xml); save the export \
                 as .xlsx",
            ),
            WorkbookError::Damaged(why) => write!(f, "the file is damaged: {why}"),
        }
    }
}

/// calamine's error without the layers it names ("Ods error: Xml error: ..."): the cause.
fn plain_calamine_error(e: &calamine::Error) -> String {
    let mut text = e.to_string();
    const LAYERS: [&str; 9] = [
        "Xlsx error: ",
        "Xls error: ",
        "Xlsb error: ",
        "Ods error: ",
        "Cfb error: ",
        "Xml error: ",
        "I/O error: ",
        "Zip error: ",
        "Vba error: ",
    ];
    while let Some(rest) = LAYERS.iter().find_map(|layer| text.strip_prefix(layer)) {
        text = rest.to_owned();
    }
    text
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
