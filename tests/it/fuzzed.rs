//! Every input the fuzzers (`fuzz/`, `scripts/fuzz`) found a crash with, replayed through the
//! same entry point: each is fixed and must stay fixed. Files in `tests/data/fuzz/` are named
//! `<target>-<what it showed>`.

#[test]
fn inputs_that_once_crashed_run_clean() {
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
    }
    assert!(replayed > 0, "no inputs in {}", dir.display());
}
