//! Pure conversions of cell values, with no I/O and no knowledge of templates (the mapper
//! decides which to apply): numbers as Excel shows them ([`display`]), numbers and dates read
//! from text ([`number`], [`date`]), and text as Relatics stores it ([`text`]).

mod date;
mod display;
mod number;
mod text;

pub use date::{DateError, DateFormats, DateValue, Impossible, parse_date, push_date};
pub use display::{general, write_decimal, write_general};
pub use number::{NumberError, parse_number};
pub use text::{
    MAX_EXTERNAL_ID, MAX_SINGLE_LINE_TEXT, MAX_TEXT, for_terminal, for_terminal_lines, forbidden_char,
    has_replacement_char, id_prefix, push_normalized, relatics_len,
};
