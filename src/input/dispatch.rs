//! Which reader reads a sheet. Delimited text goes to the csv reader. `.xlsx` and `.xlsm` go to
//! relsync's own reader unless `RELSYNC_XLSX_READER` says otherwise; whatever it does not
//! handle goes to calamine: silently before the first row, and after it by telling the sink to
//! start over. So nothing after `input` knows which reader ran. Every other workbook goes to
//! calamine.

use super::error::{InputError, WorkbookError};
use super::fastxlsx::{self, GaveUp};
use super::guard;
use super::row::RowSink;
use super::sniff::{self, Content};
use super::spec::{InputFormat, InputSpec, XlsxReader};

/// Reads the sheet `spec` names, pushing its rows into `sink`.
pub fn read(spec: &InputSpec, sink: &mut impl RowSink) -> Result<(), InputError> {
    // A workbook is read by what it is, once its claims are known to be safe to follow.
    let Some(spec) = workbook(spec)? else {
        return super::delimited::read(spec, sink);
    };
    let spec = &spec;
    // Why relsync's reader handed the file to calamine: if calamine cannot read it either, this
    // says what is wrong in relsync's words (the part, the cell) rather than calamine's.
    let mut gave_up = None;
    if matches!(spec.format, InputFormat::Xlsx | InputFormat::Xlsm) && spec.xlsx_reader != XlsxReader::Calamine {
        let strict = spec.xlsx_reader == XlsxReader::Fast;
        let fast_failed = |why| InputError::Workbook {
            path: spec.path.clone(),
            cause: WorkbookError::Fast(why),
        };
        match fastxlsx::plan(&spec.path, spec.sheet.as_deref()) {
            Ok(Some(plan)) => match fastxlsx::read(&spec.path, &plan, spec.limits, sink) {
                Ok(()) => return Ok(()),
                Err(GaveUp::Failed(e)) => return Err(e),
                Err(GaveUp::Early(why)) if strict => return Err(fast_failed(why)),
                Err(GaveUp::Early(why)) => gave_up = Some(why),
                Err(GaveUp::Late(why)) if strict => return Err(fast_failed(why)),
                Err(GaveUp::Late(why)) => {
                    sink.restart()?;
                    gave_up = Some(why);
                }
            },
            // No such sheet: calamine says so, with the sheets there are.
            Ok(None) => {}
            Err(why) if strict => return Err(fast_failed(why)),
            Err(why) => gave_up = Some(why),
        }
    }
    match spec.format {
        InputFormat::Xlsx | InputFormat::Xlsm => guard::check_for_calamine_xlsx(&spec.path)?,
        InputFormat::Xls => guard::check_for_calamine_xls(&spec.path, &spec.limits)?,
        InputFormat::Ods => guard::check_for_calamine_ods(&spec.path, &spec.limits)?,
        _ => {}
    }
    guard::catching_panics(&spec.path, || super::calamine::read(spec, sink)).map_err(|e| match (e, gave_up) {
        (
            InputError::Workbook {
                cause: WorkbookError::Calamine(_),
                ..
            }
            | InputError::ReaderFailed { .. },
            Some(why),
        ) => InputError::Workbook {
            path: spec.path.clone(),
            cause: WorkbookError::Damaged(why.to_string()),
        },
        (e, _) => explain(spec, e),
    })
}

/// A workbook calamine cannot read: say what the file really is, where that explains it.
fn explain(spec: &InputSpec, e: InputError) -> InputError {
    let InputError::Workbook {
        path,
        cause: WorkbookError::Calamine(_),
    } = &e
    else {
        return e;
    };
    let cause = match sniff::content(path) {
        Some(Content::Html) => WorkbookError::HtmlPage,
        Some(Content::Text) => WorkbookError::Text,
        _ => match &e {
            InputError::Workbook {
                cause: WorkbookError::Calamine(c),
                ..
            } if c.to_string().contains("password protected") => WorkbookError::Encrypted,
            _ => return e,
        },
    };
    InputError::Workbook {
        path: spec.path.clone(),
        cause,
    }
}

/// The sheets of the workbook `spec` names, in workbook order (none for delimited text), after
/// the same checks `read` makes of the file's claims. An `.xlsx` is listed from its workbook
/// part alone.
pub fn sheet_names(spec: &InputSpec) -> Result<Vec<String>, InputError> {
    let Some(spec) = workbook(spec)? else {
        return Ok(Vec::new());
    };
    let format = spec.format;
    if matches!(format, InputFormat::Xlsx | InputFormat::Xlsm)
        && let Ok(mut zip) = super::package::open_zip(&spec.path)
        && let Ok(package) = super::package::Package::read(&mut zip)
    {
        return Ok(package.sheets.into_iter().map(|s| s.name).collect());
    }
    super::calamine::sheet_names(&spec.path, format)
}

/// The workbook `spec` names, with the format its content says and its claims checked;
/// `None` for delimited text. A workbook is read by what it is, whatever its extension says
/// (an `.xls` saved as `.xlsx`, or an `.xlsx` named `.csv`).
fn workbook(spec: &InputSpec) -> Result<Option<InputSpec>, InputError> {
    let spec = if spec.format.is_delimited() {
        let is_file = spec.path.as_os_str() != "-";
        if !(is_file && matches!(sniff::content(&spec.path), Some(Content::Zip | Content::Ole))) {
            return Ok(None);
        }
        InputSpec {
            format: InputFormat::Xlsx,
            ..spec.clone()
        }
    } else {
        spec.clone()
    };
    let format = guard::real_format(&spec)?;
    if matches!(
        format,
        InputFormat::Xlsx | InputFormat::Xlsm | InputFormat::Xlsb | InputFormat::Ods
    ) {
        guard::check_zip_sizes(&spec.path, &spec.limits)?;
    }
    Ok(Some(InputSpec { format, ..spec }))
}
