//! relsync: from Excel and CSV exports to Relatics synchronizing-interface bodies.
//!
//! Data flows one way: `input` reads rows, `mapper` maps and checks them against the
//! `template`, `body` encodes elements, `output` writes them atomically, and (for submit) one
//! module talks to Relatics. `pipeline` drives the flow; `app` and `cmd` are the command line.

pub mod annotate;
pub mod app;
pub mod authoring;
pub mod body;
pub mod cellref;
pub mod cli;
pub mod cmd;
pub mod diff;
pub mod exit;
#[doc(hidden)]
pub mod fuzzing;
pub mod ids;
pub mod input;
pub mod lookup;
pub mod mapper;
pub mod names;
pub mod output;
pub mod panics;
pub mod pipeline;
pub mod problem;
pub mod progress;
pub mod project;
pub mod report;
pub mod small;
pub mod submit;
pub mod suggest;
pub mod template;
pub mod value;
pub mod xml;
