//! Builds the project benchmark of `scripts/bench-project` (never committed, never part of
//! `cargo test`): three interfaces of N rows each (default 100,000), whose relations point at
//! each other's elements by name, as a project; and the same sheets with templates whose
//! relations use lookup files instead, to check each sheet on its own.
//!
//!     cargo run --release --example project_inputs -- bench-data/project 100000
//!
//! - objects: a tree, each row naming its parent (`interface:objects`);
//! - requirements: each naming two objects (`interface:objects`);
//! - documents: each naming an object and a requirement (`interface:objects`,
//!   `interface:requirements`).

use std::fmt::Write as _;
use std::path::Path;

use rust_xlsxwriter::{Workbook, XlsxError};

fn sheet(path: &Path, name: &str, headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(name)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for (r, row) in rows.enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, v)?;
            }
        }
    }
    wb.save(path)
}

fn object_name(i: usize) -> String {
    format!("Object {i} van het beheergebied")
}

fn requirement_name(i: usize) -> String {
    format!("Eis {i} over capaciteit en beschikbaarheid")
}

/// A template; `lookups` gives, per relation, `interface:NAME` or a lookup file.
fn template(plural: &str, id: &str, name: &str, relations: &[(&str, &str)]) -> String {
    let mut t = format!(
        "[target]\ntype = \"{plural}\"\nplural = \"{plural}\"\n[external_id]\ncolumn = \"{id}\"\n\
         [[property]]\nname = \"Naam\"\ncolumn = \"{name}\"\ntype = \"single-line-text\"\nrequired = true\n\
         [[property]]\nname = \"Omschrijving\"\ncolumn = \"Omschrijving\"\ntype = \"text\"\n"
    );
    for (role, lookup) in relations {
        let _ = write!(
            t,
            "[[relation]]\nrole = \"{role}\"\ncolumn = \"{role}\"\ntarget = \"Element\"\nlookup = \"{lookup}\"\n"
        );
    }
    t
}

/// A lookup file of `n` names made by `name`, with IDs `PREFIX-i`.
fn lookup(path: &Path, n: usize, prefix: &str, name: fn(usize) -> String) -> std::io::Result<()> {
    let mut json = String::from("[");
    for i in 0..n {
        let sep = if i > 0 { "," } else { "" };
        let _ = write!(json, r#"{sep}{{"@id": "{prefix}-{i}", "@name": "{}"}}"#, name(i));
    }
    json.push(']');
    std::fs::write(path, json)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "bench-data/project".to_owned());
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    let text = "Een omschrijving van dit element zoals die in het bronsysteem staat";
    sheet(
        &dir.join("objects.xlsx"),
        "Objecten",
        &["Objectcode", "Naam", "Omschrijving", "Onderdeel van"],
        (0..n).map(|i| {
            let parent = if i < 10 { String::new() } else { object_name(i / 10) };
            vec![format!("OC-{i}"), object_name(i), text.to_owned(), parent]
        }),
    )?;
    sheet(
        &dir.join("requirements.xlsx"),
        "Eisen",
        &["Eis-ID", "Titel", "Omschrijving", "Geldt voor"],
        (0..n).map(|i| {
            vec![
                format!("EIS-{i}"),
                requirement_name(i),
                text.to_owned(),
                format!("{}\n{}", object_name(i), object_name((i * 7) % n)),
            ]
        }),
    )?;
    sheet(
        &dir.join("documents.xlsx"),
        "Documenten",
        &["Documentnummer", "Titel", "Omschrijving", "Beschrijft", "Onderbouwt"],
        (0..n).map(|i| {
            vec![
                format!("DOC-{i}"),
                format!("Document {i}"),
                text.to_owned(),
                object_name((i * 3) % n),
                requirement_name((i * 11) % n),
            ]
        }),
    )?;
    // The project.
    std::fs::write(
        dir.join("objects.toml"),
        template(
            "Objecten",
            "Objectcode",
            "Naam",
            &[("Onderdeel van", "interface:objects")],
        ),
    )?;
    std::fs::write(
        dir.join("requirements.toml"),
        template("Eisen", "Eis-ID", "Titel", &[("Geldt voor", "interface:objects")]),
    )?;
    std::fs::write(
        dir.join("documents.toml"),
        template(
            "Documenten",
            "Documentnummer",
            "Titel",
            &[
                ("Beschrijft", "interface:objects"),
                ("Onderbouwt", "interface:requirements"),
            ],
        ),
    )?;
    std::fs::write(
        dir.join("relsync.toml"),
        "[workspace]\nurl = \"https://acme.relatics.com/api/v1/workspaces/bench\"\n\
         [[interface]]\nname = \"documents\"\ninput = \"documents.xlsx\"\ntemplate = \"documents.toml\"\n\
         endpoint = \"synchronizing/documents\"\n\
         [[interface]]\nname = \"requirements\"\ninput = \"requirements.xlsx\"\ntemplate = \"requirements.toml\"\n\
         endpoint = \"synchronizing/requirements\"\nids = \"providing/requirements\"\nname_property = \"Naam\"\n\
         [[interface]]\nname = \"objects\"\ninput = \"objects.xlsx\"\ntemplate = \"objects.toml\"\n\
         endpoint = \"synchronizing/objects\"\nids = \"providing/objects\"\n",
    )?;
    // The single sheets, with lookup files of the same names.
    lookup(&dir.join("objects-lookup.json"), n, "OBJ", object_name)?;
    lookup(&dir.join("requirements-lookup.json"), n, "EIS", requirement_name)?;
    std::fs::write(
        dir.join("objects-single.toml"),
        template(
            "Objecten",
            "Objectcode",
            "Naam",
            &[("Onderdeel van", "objects-lookup.json")],
        ),
    )?;
    std::fs::write(
        dir.join("requirements-single.toml"),
        template("Eisen", "Eis-ID", "Titel", &[("Geldt voor", "objects-lookup.json")]),
    )?;
    std::fs::write(
        dir.join("documents-single.toml"),
        template(
            "Documenten",
            "Documentnummer",
            "Titel",
            &[
                ("Beschrijft", "objects-lookup.json"),
                ("Onderbouwt", "requirements-lookup.json"),
            ],
        ),
    )?;
    eprintln!(
        "wrote the project benchmark ({n} rows per interface) to {}",
        dir.display()
    );
    Ok(())
}
