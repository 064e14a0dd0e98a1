//! Reading sheets: `.xlsx` through relsync's own streaming reader (calamine as the fallback),
//! the other workbook formats through calamine, delimited text through the csv crate.
//!
//! Every reader produces one small type, [`Row`]: the cells of one sheet row, each knowing its
//! column, with the row number Excel shows. Nothing after this module imports `calamine` or
//! `csv`. Readers push rows into a [`RowSink`] one at a time and reuse the row's buffers, so
//! memory does not grow with the sheet.
//!
//! The pieces, leaves first: [`row`] (the shared types), `spec` (what to read), `error`,
//! `cells` (calamine's values as cells), `merge` (merged ranges), `ooxml` (the XML tokenizer),
//! `package` (where an `.xlsx` keeps its parts), `sniff` (what a file really is), `ods` (what an
//! `.ods` would expand to), `guard` (checks before a workbook is read); the readers
//! `fastxlsx`, `calamine` and `delimited` (with `threaded` for helper threads); and `dispatch`,
//! which picks the reader and which nothing inside `input` imports.

mod calamine;
mod cells;
mod delimited;
mod dispatch;
mod error;
mod fastxlsx;
mod guard;
mod merge;
mod ods;
mod ooxml;
mod package;
mod row;
mod sniff;
mod spec;
mod threaded;
mod utf8;

#[cfg(test)]
mod tests;

pub use delimited::sniff_delimiter;
pub use dispatch::{read, sheet_names};
pub use error::{DelimitedError, InputError, WorkbookError};
pub use row::{Cell, NullSink, NumberDisplay, Row, RowSink, SheetInfo, Stopped, UNCALCULATED, UnclosedQuote};

/// The `.xlsx` tokenizer over a whole part (for the fuzz target and the benchmark).
#[doc(hidden)]
pub fn fuzz_tokenizer(data: &[u8]) -> u64 {
    ooxml::count_tokens(data).unwrap_or(0)
}

/// For the fuzz target: the tokens of `data` read `chunk` bytes at a time, which must not
/// depend on `chunk`.
pub fn fuzz_token_digest(data: &[u8], chunk: usize) -> Result<Vec<String>, String> {
    ooxml::token_digest(data, chunk).map_err(|e| format!("{e:?}"))
}
pub use spec::{DelimitedOptions, InputFormat, InputSpec, Limits, XlsxReader};
