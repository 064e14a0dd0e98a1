//! Integration tests: the real `relsync` binary on real workbooks and CSV files.

mod annotate;
mod authoring;
mod bounds;
mod check;
mod convert;
mod delimited;
mod diff;
mod docs;
mod formats;
mod fuzzed;
mod guard;
mod hostile;
mod html;
mod layout;
mod lookups;
mod messages;
mod network;
mod readers;
mod robustness;
mod samples;
mod server;
mod submit;
mod support;
mod template;
mod values;
mod workspace;
