//! The commands. `settings` turns parsed arguments into checked settings (the only place that
//! reads clap's types); each command takes its settings and returns the exit status, and
//! failures are returned as errors and printed once by `crate::app`. `sheet` runs a sheet
//! through the pipeline the same way for every command. `docs` renders the clap definitions
//! themselves (completions, the manual page).

pub mod check;
pub mod convert;
pub mod diff;
pub mod docs;
pub mod fetch;
pub mod project;
pub mod project_submit;
pub mod settings;
pub mod sheet;
pub mod submit;
pub mod template;
