//! Builds the bundled samples from fixed data, so they can be rebuilt and reviewed:
//!
//!     cargo run --example make_samples
//!
//! - `samples/requirements.xlsx`: a realistic requirements export (50 rows) that converts
//!   cleanly with `templates/requirements.toml`;
//! - `samples/requirements-with-problems.xlsx`: the same export with the mistakes real exports
//!   have, to show off `relsync check`;
//! - `samples/objects-nl.csv`: a Dutch asset-register export (Windows-1252, `;`, decimal comma,
//!   dd-mm-yyyy) for `templates/objects.toml`;
//! - `samples/requirements-sync.xlsx`: Relatics' Excel sync template for a requirements
//!   interface (a header row only), for `relsync template init --sync-template`;
//! - `samples/objects-by-name.csv`: objects whose area relation holds area names rather than
//!   element IDs, for `templates/objects-by-name.toml` and its lookup `templates/lookups/gebieden.json`.

use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Formula, Workbook, Worksheet, XlsxError};

const HEADERS: [&str; 13] = [
    "ID",
    "Title",
    "Description",
    "Status",
    "Due",
    "Weight",
    "Cost",
    "Owner",
    "Link",
    "Remark",
    "Parent",
    "Verified by",
    "Comments",
];

const SUBJECTS: [&str; 10] = [
    "Pompcapaciteit gemaal",
    "Doorvaarthoogte brug",
    "Levensduur kunstwerk",
    "Geluidsbelasting woningen",
    "Beschikbaarheid tunnel",
    "Waterkering hoogte",
    "Verlichting fietspad",
    "Brandwerendheid constructie",
    "Overstromingskans polder",
    "Asverkeer rijbaan",
];

const ASPECTS: [&str; 5] = ["ontwerp", "uitvoering", "beheer", "onderhoud", "oplevering"];

const OWNERS: [&str; 6] = [
    "José Müller",
    "Åsa Øberg",
    "Piet de Vries",
    "Anouk van 't Hek",
    "François Dubois",
    "Zoë Jansen",
];

const STATUSES: [&str; 3] = ["Draft", "Approved", "Rejected"];

/// One requirement row as the export has it.
struct Requirement {
    id: String,
    title: String,
    description: String,
    status: &'static str,
    due: (u16, u8, u8),
    weight: Weight,
    cost: f64,
    owner: &'static str,
    link: String,
    parent: String,
    verified_by: String,
    comment: &'static str,
}

/// Weight: a plain number, or a formula with its cached result.
enum Weight {
    Number(f64),
    Formula(&'static str, &'static str),
}

fn requirements() -> Vec<Requirement> {
    (1..=50)
        .map(|i: usize| {
            let subject = SUBJECTS[(i - 1) % SUBJECTS.len()];
            let aspect = ASPECTS[(i - 1) / SUBJECTS.len()];
            let description = if i.is_multiple_of(3) {
                format!(
                    "De {} voldoet tijdens {aspect} aan de eisen uit het PvE.\nZie ook §{}.{} van de vraagspecificatie.",
                    subject.to_lowercase(),
                    i % 7 + 1,
                    i % 4 + 1
                )
            } else {
                format!("De {} voldoet tijdens {aspect} aan de eisen uit het PvE.", subject.to_lowercase())
            };
            let weight = match i {
                7 => Weight::Formula("=0.1+0.2", "0.30000000000000004"),
                14 => Weight::Formula("=1/3", "0.333333333333333"),
                _ => Weight::Number((i % 5) as f64 * 0.5 + 1.0),
            };
            let verified_by = match i % 4 {
                0 => String::new(),
                1 => format!("VER-{}", 100 + i),
                2 => format!("VER-{}\nVER-{}", 100 + i, 101 + i),
                _ => format!("VER-{}; VER-{}", 100 + i, 102 + i),
            };
            Requirement {
                id: format!("REQ-{i:03}"),
                title: format!("{subject} – {aspect}"),
                description,
                status: STATUSES[i % 3],
                due: (2027, (i % 12 + 1) as u8, (i % 28 + 1) as u8),
                weight,
                cost: 1250.0 * i as f64 + if i.is_multiple_of(2) { 0.5 } else { 0.0 },
                owner: OWNERS[i % OWNERS.len()],
                link: format!("https://docs.example.nl/pve/hoofdstuk-{}", i % 9 + 1),
                parent: if i <= 5 { String::new() } else { format!("EIS-{}", (i - 1) % 5 + 1) },
                verified_by,
                comment: if i.is_multiple_of(10) { "Nog afstemmen met beheerder" } else { "" },
            }
        })
        .collect()
}

fn properties() -> DocProperties {
    let created = ExcelDateTime::from_ymd(2026, 11, 28).expect("fixed date");
    DocProperties::new()
        .set_title("Requirements export")
        .set_author("relsync sample generator")
        .set_creation_datetime(&created)
}

fn write_requirements(
    sheet: &mut Worksheet,
    rows: &[Requirement],
    extra_column: Option<(&str, &[(usize, &str)])>,
) -> Result<(), XlsxError> {
    let title = Format::new().set_bold().set_font_size(14).set_align(FormatAlign::Left);
    let header = Format::new().set_bold().set_background_color("#DDEBF7");
    let date = Format::new().set_num_format("dd-mm-yyyy");
    let money = Format::new().set_num_format("€ #,##0.00");
    let wrap = Format::new().set_text_wrap();

    sheet.set_name("Requirements")?;
    sheet.merge_range(0, 0, 0, 6, "Requirements export – project N-123 Waterdriehoek", &title)?;
    sheet.write_string(1, 0, "Exported 28-11-2026 by RequirementsDB 7.2")?;
    for (col, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(2, col as u16, *h, &header)?;
    }
    if let Some((name, _)) = extra_column {
        sheet.write_string_with_format(2, HEADERS.len() as u16, name, &header)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write_string(row, 0, &r.id)?;
        sheet.write_string(row, 1, &r.title)?;
        sheet.write_string_with_format(row, 2, &r.description, &wrap)?;
        sheet.write_string(row, 3, r.status)?;
        let (y, m, d) = r.due;
        sheet.write_datetime_with_format(row, 4, ExcelDateTime::from_ymd(y, m, d)?, &date)?;
        match &r.weight {
            Weight::Number(x) => sheet.write_number(row, 5, *x)?,
            Weight::Formula(f, result) => sheet.write_formula(row, 5, Formula::new(*f).set_result(*result))?,
        };
        sheet.write_number_with_format(row, 6, r.cost, &money)?;
        sheet.write_string(row, 7, r.owner)?;
        sheet.write_string(row, 8, &r.link)?;
        if !r.parent.is_empty() {
            sheet.write_string(row, 10, &r.parent)?;
        }
        if !r.verified_by.is_empty() {
            sheet.write_string_with_format(row, 11, &r.verified_by, &wrap)?;
        }
        if !r.comment.is_empty() {
            sheet.write_string(row, 12, r.comment)?;
        }
    }
    if let Some((_, values)) = extra_column {
        for (row, value) in values {
            sheet.write_string(*row as u32, HEADERS.len() as u16, *value)?;
        }
    }
    sheet.set_column_width(1, 40)?;
    sheet.set_column_width(2, 60)?;
    sheet.set_column_width(4, 12)?;
    sheet.set_freeze_panes(3, 1)?;
    Ok(())
}

fn clean_workbook(path: &Path) -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(&properties());
    let sheet = wb.add_worksheet();
    write_requirements(sheet, &requirements(), None)?;
    let notes = wb.add_worksheet();
    notes.set_name("Notes")?;
    notes.write_string(0, 0, "Exported from RequirementsDB; see the Requirements sheet.")?;
    wb.save(path)
}

/// The same export with the mistakes that real exports have, one of each kind.
fn workbook_with_problems(path: &Path) -> Result<(), XlsxError> {
    let mut rows = requirements();
    rows.truncate(30);
    rows[3].id = String::new(); // row 7: missing external id
    rows[8].id = "REQ-005".into(); // row 12: duplicate of row 8
    rows[10].title = "Doorvaarthoogte brug\nboven NAP".into(); // line break in single-line text
    rows[11].title = "Beschikbaarheid tunnel: ".repeat(6); // longer than 100 characters
    rows[12].status = "Aproved"; // not in the list
    rows[15].link = "www.example.nl/pve".into(); // not an absolute URL
    rows[16].parent = "EIS-1; EIS-2".into(); // two targets in a single relation
    rows[17].verified_by = "VER-120\nVER-120".into(); // duplicate target (warning)
    rows[19].title = String::new(); // required but empty

    let mut wb = Workbook::new();
    wb.set_properties(&properties());
    let sheet = wb.add_worksheet();
    let reviewers: [(usize, &str); 3] = [(5, "Karin"), (9, "Joost"), (20, "Karin")];
    write_requirements(sheet, &rows, Some(("Reviewer", &reviewers)))?;

    // Cells that only some exports get wrong.
    let date = Format::new().set_num_format("dd-mm-yyyy");
    sheet.write_string(3 + 4, 4, "31-02-2027")?; // an impossible date, typed as text
    sheet.write_string(3 + 5, 5, "twee")?; // not a number
    sheet.write_formula(
        3 + 6,
        5,
        Formula::new("=VLOOKUP(A10,Weights!A:B,2,FALSE)").set_result("#N/A"),
    )?;
    let with_time = ExcelDateTime::from_ymd(2027, 5, 12)?.and_hms(14, 30, 0)?;
    sheet.write_datetime_with_format(3 + 7, 4, with_time, &date)?; // time of day is dropped
    sheet.write_string(3 + 13, 9, "Akkoord, zie verificatierapport")?; // internal column filled
    wb.save(path)
}

/// A Dutch asset-register export: Windows-1252, `;`, decimal comma, dd-mm-yyyy.
fn objects_csv(path: &Path) -> std::io::Result<()> {
    const NAMES: [&str; 6] = ["Gemaal", "Brug", "Sluis", "Stuw", "Duiker", "Kademuur"];
    const PLACES: [&str; 5] = ["Zuidwijk", "Oosterhout", "Delft", "Hoogeveen", "Ëde-Noord"];
    const STATUS: [&str; 4] = ["Ontwerp", "In uitvoering", "In gebruik", "Gesloopt"];
    let mut text = String::from(
        "Code;Naam;Omschrijving;Lengte (m);Gewicht (kg);Datum ingebruikname;Status;Ligt in;Opmerkingen\r\n",
    );
    for i in 1..=30usize {
        let name = format!("{} {}", NAMES[i % NAMES.len()], PLACES[i % PLACES.len()]);
        let description = if i.is_multiple_of(5) {
            format!(
                "\"Kunstwerk in beheer bij waterschap;\r\nonderhoud elke {} jaar\"",
                i % 4 + 2
            )
        } else {
            format!("Kunstwerk nr. {i} – café-route, budget € {}", 1000 * i)
        };
        let length = format!("{},{}", 10 + i * 3, i % 10);
        let weight = format!("{}.{:03},{}", 1 + i / 3, (i * 137) % 1000, i % 10);
        let date = format!("{:02}-{:02}-{}", i % 28 + 1, i % 12 + 1, 1960 + i);
        let area = if i.is_multiple_of(4) {
            format!("GEB-{}\r\nGEB-{}", i % 3 + 1, i % 3 + 2)
        } else {
            format!("GEB-{}", i % 3 + 1)
        };
        let area = if area.contains('\n') {
            format!("\"{area}\"")
        } else {
            area
        };
        let note = if i.is_multiple_of(7) { "Inspectie gepland" } else { "" };
        text.push_str(&format!(
            "OBJ-{i:04};{name};{description};{length};{weight};{date};{};{area};{note}\r\n",
            STATUS[i % STATUS.len()]
        ));
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable, "the sample must be representable in Windows-1252");
    std::fs::write(path, bytes)
}

/// Relatics' Excel sync template as an interface's page offers it: `ExternalId`, then the names
/// as Relatics spells them. Most match the export's headers; `Verified By` only ignoring case;
/// `Due date` and `Is part of` match no header.
fn sync_template(path: &Path) -> Result<(), XlsxError> {
    const NAMES: [&str; 11] = [
        "ExternalId",
        "Title",
        "Description",
        "Status",
        "Due date",
        "Weight",
        "Cost",
        "Owner",
        "Link",
        "Is part of",
        "Verified By",
    ];
    let mut wb = Workbook::new();
    wb.set_properties(&properties());
    let sheet = wb.add_worksheet();
    sheet.set_name("Requirements")?;
    let bold = Format::new().set_bold();
    for (col, name) in NAMES.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, &bold)?;
    }
    wb.save(path)
}

/// Objects whose `Ligt in` column names areas the way people write them: in another case, with
/// extra spaces, several in one cell, or already as an element ID.
fn objects_by_name_csv(path: &Path) -> std::io::Result<()> {
    const AREAS: [&str; 8] = [
        "Gebied Noord",
        "gebied zuid",
        "Gebied  Oost",
        "Haven; Gebied Noord",
        "GEB-3",
        "Binnenstad",
        "HAVEN",
        "Gebied Zuid\nBinnenstad",
    ];
    let mut text = String::from("Code;Naam;Ligt in\n");
    for (i, area) in AREAS.iter().enumerate() {
        let area = if area.contains(['\n', ';']) {
            format!("\"{area}\"")
        } else {
            (*area).to_owned()
        };
        text.push_str(&format!("OBJ-{:04};Object {};{area}\n", i + 1, i + 1));
    }
    std::fs::write(path, text)
}

/// The sample workspace of the README's "Projects": an object tree whose rows name their parent,
/// and requirements that name the objects they apply to (`samples/project/exports/`).
fn project(dir: &Path) -> Result<(), XlsxError> {
    let header = Format::new().set_bold().set_background_color("#DDEBF7");
    let wrap = Format::new().set_text_wrap();
    let objects: [(&str, &str, &str, &str); 9] = [
        ("OBJ-001", "Gemaal De Hoop", "Gemaal", ""),
        ("OBJ-002", "Pompkelder", "Bouwdeel", "Gemaal De Hoop"),
        ("OBJ-003", "Pomp 1", "Pomp", "Pompkelder"),
        ("OBJ-004", "Pomp 2", "Pomp", "Pompkelder"),
        ("OBJ-005", "Schakelkast", "Installatie", "Gemaal De Hoop"),
        ("OBJ-006", "Sluis Noord", "Sluis", ""),
        ("OBJ-007", "Sluisdeur Noord", "Deur", "Sluis Noord"),
        ("OBJ-008", "Sluisdeur Zuid", "Deur", "Sluis Noord"),
        ("OBJ-009", "Bedieningsgebouw", "Gebouw", "Sluis Noord"),
    ];
    let mut wb = Workbook::new();
    wb.set_properties(&properties());
    let sheet = wb.add_worksheet();
    sheet.set_name("Objecten")?;
    for (col, h) in ["Objectcode", "Naam", "Objecttype", "Onderdeel van"].iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *h, &header)?;
    }
    for (i, (code, name, kind, parent)) in objects.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string(row, 0, *code)?;
        sheet.write_string(row, 1, *name)?;
        sheet.write_string(row, 2, *kind)?;
        if !parent.is_empty() {
            sheet.write_string(row, 3, *parent)?;
        }
    }
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(3, 24)?;
    wb.save(dir.join("objecten.xlsx"))?;

    let requirements: [(&str, &str, &str, &str); 6] = [
        (
            "EIS-101",
            "Pompcapaciteit",
            "Het gemaal voert ten minste 12 m3/s af.",
            "Gemaal De Hoop",
        ),
        (
            "EIS-102",
            "Redundantie pompen",
            "Bij uitval van een pomp blijft 50% capaciteit beschikbaar.",
            "Pomp 1\nPomp 2",
        ),
        (
            "EIS-103",
            "Toegang pompkelder",
            "De pompkelder is met een trap bereikbaar.",
            "Pompkelder",
        ),
        (
            "EIS-104",
            "Schutduur",
            "Een schutting duurt ten hoogste 20 minuten.",
            "Sluis Noord",
        ),
        (
            "EIS-105",
            "Deurbediening",
            "De sluisdeuren zijn op afstand te bedienen.",
            "Sluisdeur Noord\nSluisdeur Zuid",
        ),
        (
            "EIS-106",
            "Noodstroom",
            "Bij netuitval schakelt de noodstroom binnen 10 s in.",
            "Schakelkast; Bedieningsgebouw",
        ),
    ];
    let mut wb = Workbook::new();
    wb.set_properties(&properties());
    let sheet = wb.add_worksheet();
    sheet.set_name("Eisen")?;
    for (col, h) in ["Eis-ID", "Titel", "Eistekst", "Geldt voor"].iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *h, &header)?;
    }
    for (i, (id, title, text, applies)) in requirements.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string(row, 0, *id)?;
        sheet.write_string(row, 1, *title)?;
        sheet.write_string_with_format(row, 2, *text, &wrap)?;
        sheet.write_string_with_format(row, 3, *applies, &wrap)?;
    }
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(2, 50)?;
    sheet.set_column_width(3, 28)?;
    wb.save(dir.join("eisen.xlsx"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    std::fs::create_dir_all(&dir)?;
    clean_workbook(&dir.join("requirements.xlsx"))?;
    workbook_with_problems(&dir.join("requirements-with-problems.xlsx"))?;
    objects_csv(&dir.join("objects-nl.csv"))?;
    sync_template(&dir.join("requirements-sync.xlsx"))?;
    objects_by_name_csv(&dir.join("objects-by-name.csv"))?;
    let exports = dir.join("project").join("exports");
    std::fs::create_dir_all(&exports)?;
    project(&exports)?;
    println!("wrote samples in {}", dir.display());
    Ok(())
}
