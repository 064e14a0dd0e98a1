//! Entry points for the fuzz targets in `fuzz/` (not part of relsync's interface): each takes
//! arbitrary bytes and exercises one part the way the program does. They may return errors; they
//! must never panic, hang or abort.

use std::io::Write;
use std::path::Path;

use crate::body::{BodyFormat, BodyWriter};
use crate::input::{DelimitedOptions, InputFormat, InputSpec, Limits, XlsxReader};
use crate::pipeline::{self, Job};
use crate::progress::Progress;
use crate::template::Template;

/// The template the pipeline targets use: every type of property and a relation.
pub const TEMPLATE: &str = r#"
[target]
type = "Thing"
plural = "Things"
[source]
date_formats = ["%d-%m-%Y"]
[external_id]
column = "ID"
[[property]]
name = "Name"
column = "Name"
type = "single-line-text"
[[property]]
name = "Notes"
column = "Notes"
type = "text"
[[property]]
name = "Weight"
column = "Weight"
type = "number"
[[property]]
name = "Due date"
column = "Due"
type = "date"
[[property]]
name = "Status"
column = "Status"
type = "list"
values = ["Draft", "Approved"]
[[property]]
name = "Link"
column = "Link"
type = "url"
[[relation]]
role = "Part of"
column = "Parent"
target = "Thing"
cardinality = "single"
[ignore]
others = true
"#;

fn template() -> Template {
    crate::template::parse(TEMPLATE, Path::new("fuzz.toml")).unwrap_or_else(|e| panic!("the fuzz template: {e}"))
}

/// A template from arbitrary text.
pub fn template_text(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::template::parse(text, Path::new("fuzz.toml"));
    }
}

/// Escaping then decoding any name gives it back, and the escaped name is a valid XML name.
pub fn names(data: &[u8]) {
    let Ok(name) = std::str::from_utf8(data) else { return };
    let escaped = crate::names::encode_local_name(name);
    assert!(
        name.is_empty() || crate::names::is_valid_local_name(&escaped),
        "{name:?} -> {escaped:?}"
    );
    if !crate::names::encoding_is_ambiguous(name) {
        assert_eq!(crate::names::decode_local_name(&escaped), name);
    }
    let _ = crate::names::decode_local_name(name);
}

/// The XML tokenizer over arbitrary bytes, decoding every text it yields; and read in small
/// chunks (the first byte says how small), it must give the same tokens as read whole.
pub fn tokenizer(data: &[u8]) {
    let _ = crate::input::fuzz_tokenizer(data);
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(first % 32) + 1;
    let whole = crate::input::fuzz_token_digest(rest, 1 << 20);
    let cut = crate::input::fuzz_token_digest(rest, chunk);
    // An error may be found at another place when read in pieces; what is read must agree.
    if let (Ok(whole), Ok(cut)) = (&whole, &cut) {
        assert_eq!(whole, cut, "chunk {chunk}");
    }
    assert_eq!(whole.is_ok(), cut.is_ok(), "chunk {chunk}: {whole:?} / {cut:?}");
}

/// Writes `data` to a temporary file named `name` and runs `f` on its path.
fn with_file(name: &str, data: &[u8], f: impl FnOnce(&Path)) {
    let Ok(dir) = tempfile::Builder::new().prefix("relsync-fuzz").tempdir() else {
        return;
    };
    let path = dir.path().join(name);
    let written = std::fs::File::create(&path).and_then(|mut file| file.write_all(data));
    if written.is_ok() {
        f(&path);
    }
}

fn spec(path: &Path, format: InputFormat, reader: XlsxReader) -> InputSpec {
    InputSpec {
        path: path.to_owned(),
        format,
        sheet: None,
        delimited: DelimitedOptions::default(),
        xlsx_reader: reader,
        // Small limits keep each run short; the limits themselves are part of what is tested.
        limits: Limits {
            part_size: 64 << 20,
            shared_strings: 16 << 20,
            columns: 1024,
            rows: 100_000,
            cells: 1_000_000,
        },
    }
}

/// Runs the whole pipeline (read, map, check, encode JSON into nothing) on one input.
fn convert(spec: &InputSpec, template: &Template) {
    let mut writer = BodyWriter::new(std::io::sink(), template, BodyFormat::Json, false);
    let job = Job {
        spec,
        template,
        spool_problems: true,
        strict: false,
        collect_ids: true,
        allow_empty: false,
        progress: Progress::off(),
        project: None,
    };
    if let Ok(mut outcome) = pipeline::run(job, Some(&mut writer as &mut dyn crate::body::Encoder)) {
        let _ = outcome.problems.for_each(|_| Ok(()));
    }
}

/// Delimited text, read and mapped against the fuzz template.
pub fn delimited(data: &[u8]) {
    let template = template();
    with_file("in.csv", data, |path| {
        convert(&spec(path, InputFormat::Csv, XlsxReader::Auto), &template)
    });
}

/// An `.xlsx` from arbitrary bytes, read by relsync's reader and by calamine.
pub fn xlsx(data: &[u8]) {
    with_file("in.xlsx", data, |path| {
        for reader in [XlsxReader::Fast, XlsxReader::Calamine] {
            let spec = spec(path, InputFormat::Xlsx, reader);
            let mut sink = crate::input::NullSink;
            let _ = crate::input::read(&spec, &mut sink);
        }
    });
}

/// The whole convert pipeline on an `.xlsx` from arbitrary bytes, with the fuzz template.
pub fn convert_xlsx(data: &[u8]) {
    let template = template();
    with_file("in.xlsx", data, |path| {
        convert(&spec(path, InputFormat::Xlsx, XlsxReader::Auto), &template)
    });
}

/// The check of a body file given to `submit`, JSON when the first byte says so, else XML.
pub fn body_file(data: &[u8]) {
    let format = if data.first() == Some(&b'{') {
        BodyFormat::Json
    } else {
        BodyFormat::Xml
    };
    with_file("body", data, |path| {
        let _ = crate::submit::bodyfile::check(path, format, 0);
    });
}

/// `template init` on delimited text (the first byte picks the extension: `.csv`, `.tsv` or
/// `.txt`), the way the command makes a template, checked to be one relsync reads.
pub fn template_init(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (name, format) = match first % 3 {
        0 => ("in.csv", InputFormat::Csv),
        1 => ("in.tsv", InputFormat::Tsv),
        _ => ("in.txt", InputFormat::Txt),
    };
    with_file(name, rest, |path| {
        let settings = crate::authoring::InitSettings {
            input: spec(path, format, XlsxReader::Auto),
            header_row: None,
            sync: None,
            interface: None,
            command: "relsync template init in.csv".into(),
        };
        if let Ok(authored) = crate::authoring::init(&settings) {
            // `init` checks this itself; a template that does not read back is a bug.
            if let Err(e) = crate::template::parse(&authored.toml, Path::new("t.toml")) {
                panic!("template init wrote a template that does not read back: {e}");
            }
        }
    });
}

/// A lookup file from arbitrary bytes (the first byte picks the extension: JSON, XML, CSV or
/// none), loaded as a template's relation loads it, then asked about a few tokens.
pub fn lookup(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let name = ["l.json", "l.xml", "l.csv", "lookup"][usize::from(first % 4)];
    with_file(name, rest, |path| {
        if let Ok(lookup) = crate::lookup::Lookup::load(path, &crate::lookup::Fields::default()) {
            let mut budget = crate::suggest::Budget::default();
            let names: Vec<String> = lookup.entries().take(3).map(|(n, _)| n.to_owned()).collect();
            for name in names {
                let _ = lookup.resolve(&name);
                let _ = lookup.resolve(&name.to_uppercase());
                let _ = lookup.closest(&format!("{name}x"), &mut budget);
            }
        }
    });
}

/// Two bodies compared as `diff` compares them: the input split in two at its first NUL byte,
/// each side JSON when it starts with `{`, else XML.
pub fn diff_bodies(data: &[u8]) {
    let (old, new) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, data),
    };
    let format = |side: &[u8]| {
        if side.first() == Some(&b'{') {
            BodyFormat::Json
        } else {
            BodyFormat::Xml
        }
    };
    let mut old_side = crate::diff::load_old(old, format(old));
    let mut report = crate::diff::TextReport::new(20, crate::diff::DIFF_WORDS);
    let _ = crate::diff::compare(&mut old_side, new, format(new), &mut report);
}
