//! Every input the fuzzers (`fuzz/`, `scripts/fuzz`) found a crash with, replayed through the
//! same entry point: each is fixed and must stay fixed. Files in `tests/data/fuzz/` are named
//! `<target>-<what it showed>`.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Panics on relsync's reader threads (`relsync-csv`, ...): the readers turn them into errors,
/// so only a hook sees them.
static HELPER_PANICS: AtomicUsize = AtomicUsize::new(0);

#[test]
fn inputs_that_once_crashed_run_clean() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name().is_some_and(|n| n.starts_with("relsync-")) {
            HELPER_PANICS.fetch_add(1, Ordering::SeqCst);
        }
        previous(info);
    }));
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/data/fuzz") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).expect("read");
        let target = name.split('-').next().unwrap_or("");
        match target {
            "template" => relsync::fuzzing::template_text(&data),
            "names" => relsync::fuzzing::names(&data),
            "tokenizer" => relsync::fuzzing::tokenizer(&data),
            "delimited" => relsync::fuzzing::delimited(&data),
            "xlsx" => relsync::fuzzing::xlsx(&data),
            "body_file" => relsync::fuzzing::body_file(&data),
            "convert" => relsync::fuzzing::convert_xlsx(&data),
            other => panic!("{name}: no fuzz target '{other}'"),
        }
        replayed += 1;
        assert_eq!(
            HELPER_PANICS.load(Ordering::SeqCst),
            0,
            "{name} panicked on a reader thread"
        );
    }
    assert!(replayed > 0, "no inputs in {}", dir.display());
}
