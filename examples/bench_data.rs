//! Deterministic benchmark data: a realistic 15-column requirements export as `.xlsx` (shared
//! strings, as Excel writes them) and as `.csv`, for `benches/bench.toml`.
//!
//!     cargo run --release --example bench_data -- 100000 bench-data
//!
//! writes `bench-data/requirements-100000.xlsx` and `bench-data/requirements-100000.csv`, plus
//! for the lookup case `bench-data/requirements-100000-names.xlsx` (the same sheet with the
//! `Verified by` targets written as names) and `bench-data/verifications.json` (a providing
//! interface's answer with 100,000 name/ID pairs, among them every name the sheet uses), and
//! `bench-data/requirements-100000-later.csv` (the export a week later, for `relsync diff`).
//! Nothing here is random: the same row count gives the same files.

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

const HEADERS: [&str; 15] = [
    "ID",
    "Title",
    "Description",
    "Status",
    "Priority",
    "Due",
    "Weight",
    "Cost",
    "Owner",
    "Link",
    "Phase",
    "Method",
    "Parent",
    "Verified by",
    "Comments",
];

const SUBJECTS: [&str; 12] = [
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
    "Rijstrookbreedte",
    "Detectielussen",
];
const ASPECTS: [&str; 6] = ["ontwerp", "uitvoering", "beheer", "onderhoud", "oplevering", "sloop"];
const STATUS: [&str; 5] = ["Draft", "In review", "Approved", "Rejected", "Withdrawn"];
const PRIORITY: [&str; 4] = ["Must", "Should", "Could", "Won't"];
const OWNERS: [&str; 8] = [
    "José Müller",
    "Åsa Øberg",
    "Piet de Vries",
    "Anouk van 't Hek",
    "François Dubois",
    "Zoë Jansen",
    "Mohamed El Amrani",
    "Lotte Bakker",
];
const PHASES: [&str; 4] = ["VO", "DO", "UO", "Realisatie"];
const METHODS: [&str; 4] = ["Inspectie", "Analyse", "Test", "Demonstratie"];

/// The cells of row `i` (1-based), as text, plus the due date and the numbers.
struct Row {
    id: String,
    title: String,
    description: String,
    status: &'static str,
    priority: &'static str,
    due: (u16, u8, u8),
    weight: f64,
    cost: f64,
    owner: &'static str,
    link: String,
    phase: &'static str,
    method: &'static str,
    parent: String,
    verified_by: String,
    comment: String,
}

fn row(i: usize) -> Row {
    // A cheap deterministic mix so neighbouring rows differ.
    let h = i.wrapping_mul(2_654_435_761) % 1_000_003;
    let subject = SUBJECTS[h % SUBJECTS.len()];
    let aspect = ASPECTS[(h / 7) % ASPECTS.len()];
    Row {
        id: format!("REQ-{i:07}"),
        title: format!("{subject} – {aspect} {}", i % 997),
        description: format!(
            "De {} voldoet tijdens {aspect} aan eis {} uit het PvE, getoetst volgens methode {}.",
            subject.to_lowercase(),
            h % 4001,
            (h / 3) % 53
        ),
        status: STATUS[h % STATUS.len()],
        priority: PRIORITY[(h / 5) % PRIORITY.len()],
        due: (2026 + (h % 4) as u16, (h % 12 + 1) as u8, (h % 28 + 1) as u8),
        weight: (h % 40) as f64 * 0.25,
        cost: (h % 100_000) as f64 * 12.5 + 0.75,
        owner: OWNERS[(h / 11) % OWNERS.len()],
        link: format!("https://docs.example.nl/pve/hoofdstuk-{}/eis-{}", h % 40, i),
        phase: PHASES[(h / 13) % PHASES.len()],
        method: METHODS[(h / 17) % METHODS.len()],
        parent: if i % 10 == 1 {
            String::new()
        } else {
            format!("EIS-{}", i / 10 + 1)
        },
        verified_by: match h % 3 {
            0 => format!("VER-{}", h % 5000),
            1 => format!("VER-{}\nVER-{}", h % 5000, h % 5000 + 1),
            _ => String::new(),
        },
        comment: if h.is_multiple_of(9) {
            format!("Afstemmen met beheerder ({})", h % 31)
        } else {
            String::new()
        },
    }
}

/// Number of verifications in the lookup.
const LOOKUP_SIZE: usize = 100_000;

/// The display name of verification `k` (unique per `k`).
fn verification_name(k: usize) -> String {
    format!(
        "{} {} nr. {k}",
        METHODS[k % METHODS.len()],
        SUBJECTS[(k / 4) % SUBJECTS.len()].to_lowercase()
    )
}

/// `VER-12\nVER-13` -> `Inspectie ... nr. 12\nAnalyse ... nr. 13`.
fn as_names(ids: &str) -> String {
    ids.split('\n')
        .map(|id| verification_name(id.trim_start_matches("VER-").parse().expect("VER-n")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A providing interface's answer naming `LOOKUP_SIZE` verifications.
fn lookup(path: &Path) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "{{\"Verifications\": [")?;
    for k in 0..LOOKUP_SIZE {
        let comma = if k + 1 < LOOKUP_SIZE { "," } else { "" };
        writeln!(
            out,
            "  {{\"@id\": \"VER-{k}\", \"@name\": \"{}\"}}{comma}",
            verification_name(k)
        )?;
    }
    writeln!(out, "]}}")?;
    out.flush()
}

fn xlsx(path: &Path, rows: usize, names: bool) -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("dd-mm-yyyy");
    let ws = wb.add_worksheet_with_low_memory()?;
    ws.set_name("Requirements")?;
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for i in 1..=rows {
        let r = row(i);
        let n = i as u32;
        ws.write_string(n, 0, &r.id)?;
        ws.write_string(n, 1, &r.title)?;
        ws.write_string(n, 2, &r.description)?;
        ws.write_string(n, 3, r.status)?;
        ws.write_string(n, 4, r.priority)?;
        let (y, m, d) = r.due;
        ws.write_datetime_with_format(n, 5, ExcelDateTime::from_ymd(y, m, d)?, &date)?;
        ws.write_number(n, 6, r.weight)?;
        ws.write_number(n, 7, r.cost)?;
        ws.write_string(n, 8, r.owner)?;
        ws.write_string(n, 9, &r.link)?;
        ws.write_string(n, 10, r.phase)?;
        ws.write_string(n, 11, r.method)?;
        if !r.parent.is_empty() {
            ws.write_string(n, 12, &r.parent)?;
        }
        if !r.verified_by.is_empty() {
            if names {
                ws.write_string(n, 13, as_names(&r.verified_by))?;
            } else {
                ws.write_string(n, 13, &r.verified_by)?;
            }
        }
        if !r.comment.is_empty() {
            ws.write_string(n, 14, &r.comment)?;
        }
    }
    wb.save(path)
}

/// The same export a week later, for `relsync diff`: every 50th row has another title, every
/// 100th is gone, and one new row per 100 comes at the end.
fn changed(mut r: Row, i: usize) -> Option<Row> {
    if i % 100 == 7 {
        return None;
    }
    if i % 50 == 3 {
        r.title.push_str(" (herzien)");
    }
    Some(r)
}

/// CSV as a typical export writes it: `,`, quotes where needed, dates as dd-mm-yyyy; `later`
/// writes the changed export.
fn csv(path: &Path, rows: usize, later: bool) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let quote = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    writeln!(out, "{}", HEADERS.join(","))?;
    let extra = if later { rows / 100 } else { 0 };
    for i in 1..=rows + extra {
        let r = row(i);
        let r = match later {
            true if i <= rows => match changed(r, i) {
                Some(r) => r,
                None => continue,
            },
            _ => r,
        };
        let (y, m, d) = r.due;
        writeln!(
            out,
            "{},{},{},{},{},{:02}-{:02}-{},{},{},{},{},{},{},{},{},{}",
            r.id,
            quote(&r.title),
            quote(&r.description),
            r.status,
            r.priority,
            d,
            m,
            y,
            r.weight,
            r.cost,
            quote(r.owner),
            r.link,
            r.phase,
            r.method,
            r.parent,
            quote(&r.verified_by),
            quote(&r.comment)
        )?;
    }
    out.flush()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().unwrap_or_else(|| "100000".into()).parse()?;
    let dir = args.next().unwrap_or_else(|| "bench-data".into());
    std::fs::create_dir_all(&dir)?;
    let dir = Path::new(&dir);
    let xlsx_path = dir.join(format!("requirements-{rows}.xlsx"));
    let csv_path = dir.join(format!("requirements-{rows}.csv"));
    let names_path = dir.join(format!("requirements-{rows}-names.xlsx"));
    let lookup_path = dir.join("verifications.json");
    xlsx(&xlsx_path, rows, false)?;
    xlsx(&names_path, rows, true)?;
    let later_path = dir.join(format!("requirements-{rows}-later.csv"));
    csv(&csv_path, rows, false)?;
    csv(&later_path, rows, true)?;
    lookup(&lookup_path)?;
    for p in [&xlsx_path, &names_path, &csv_path, &later_path, &lookup_path] {
        println!("{} ({} bytes)", p.display(), std::fs::metadata(p)?.len());
    }
    Ok(())
}
