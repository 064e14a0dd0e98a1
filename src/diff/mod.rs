//! What changes between two bodies: elements created, deleted and changed, and for each changed
//! element which properties and relations differ. `relsync diff` shows it, and `submit` shows
//! it before sending (against the body it sent last time).
//!
//! Memory is the old side's elements, kept compactly ([`store`]), plus the ids of the new side;
//! the new side streams past ([`compare`]). Reports keep what they show ([`render`]).

pub mod compare;
pub mod render;
mod store;

use std::io::BufRead;

pub use compare::{BodyProblems, ChangeSink, Counts, OldSide};
pub use render::{DIFF_WORDS, JsonReport, Report, Side, Sides, TextReport, Words};

use crate::body::BodyFormat;
use crate::body::read::read;

/// Reads the old side into memory.
pub fn load_old(reader: impl BufRead, format: BodyFormat) -> OldSide {
    let mut old = OldSide::default();
    read(reader, format, &mut old);
    old
}

/// Streams the new side past `old`, telling `sink` every difference.
pub fn compare(
    old: &mut OldSide,
    reader: impl BufRead,
    format: BodyFormat,
    sink: &mut dyn ChangeSink,
) -> std::io::Result<(Counts, BodyProblems)> {
    let mut new = compare::NewSide::new(old, sink);
    read(reader, format, &mut new);
    new.finish()
}
