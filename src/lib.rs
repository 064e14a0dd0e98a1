//! relsync: from Excel and CSV exports to Relatics synchronizing-interface bodies.
//!
//! Data flows one way: `input` reads rows, `mapper` maps and checks them against the
//! `template`, `body` encodes elements, `output` writes them atomically, and (for submit) one
//! module talks to Relatics. `pipeline` drives the flow; `app` and `cmd` are the command line.

/// `println!` that never panics: when standard output is closed or full, the line is lost, not
/// the run (a submit must still save its receipt after `| head` has gone away). Every message
/// relsync prints goes through these four.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(anstream::stdout(), $($arg)*);
    }};
}

/// `print!` that never panics (see [`outln!`]).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = anstream::stdout();
        let _ = write!(stdout, $($arg)*).and_then(|()| stdout.flush());
    }};
}

/// `eprintln!` that never panics (see [`outln!`]).
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(anstream::stderr(), $($arg)*);
    }};
}

/// `eprint!` that never panics (see [`outln!`]).
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stderr = anstream::stderr();
        let _ = write!(stderr, $($arg)*).and_then(|()| stderr.flush());
    }};
}

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
pub mod serve;
pub mod small;
pub mod submit;
pub mod suggest;
pub mod template;
pub mod value;
pub mod xml;
