//! Problems in the user's data: what they are, where they are, and how they are collected.
//!
//! A [`Problem`] is a value, never an early return: the pipeline records it in [`Problems`] and
//! carries on, so one run shows everything that needs fixing. Every report (`crate::report`)
//! is rendered from these values. The catalogue of codes is [`Code`]; [`Problems`] collects and
//! folds them with flat memory, spooling the full list to a temporary file when asked.

mod code;
mod collect;
mod item;
mod spool;
mod stats;

pub use code::{Code, Severity};
pub use collect::{FOLD_AFTER, Fold, FoldKey, Problems, SHOW_ALL_UP_TO};
pub use item::{MAX_HEADER_CHARS, MAX_VALUE_CHARS, Problem, clip, clip_middle, clip_said, quoted, thousands};
pub use stats::Stats;
