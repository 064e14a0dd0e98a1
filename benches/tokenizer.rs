//! relsync's `.xlsx` sheet tokenizer against quick-xml's reader on the same sheet XML, each doing
//! the same work: every start tag's attributes and every text decoded and unescaped.
//!
//!     cargo bench --bench tokenizer                # 100,000 rows
//!     cargo bench --bench tokenizer -- 300000      # another size
//!
//! The sheet is made here with rust_xlsxwriter (15 columns of the benchmark's kind: shared
//! strings, numbers, dates) and its `sheet1.xml` taken out, so both read the same bytes from
//! memory. Prints the median of 7 runs of each, in MB/s, and the ratio. Not run by `cargo test`.

use std::io::Read;
use std::time::Instant;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn sheet_xml(rows: u32) -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("dd-mm-yyyy");
    let ws = wb.add_worksheet();
    for r in 0..rows {
        ws.write_string(r, 0, format!("REQ-{r:07}")).unwrap();
        ws.write_string(r, 1, format!("Pompcapaciteit gemaal – ontwerp {}", r % 997))
            .unwrap();
        ws.write_string(r, 2, "De pompcapaciteit voldoet aan de eis & de norm <NEN 1010>.")
            .unwrap();
        ws.write_string(r, 3, ["Draft", "Approved", "Rejected"][r as usize % 3])
            .unwrap();
        let d = ExcelDateTime::from_ymd(2026 + (r % 4) as u16, (r % 12 + 1) as u8, (r % 28 + 1) as u8).unwrap();
        ws.write_datetime_with_format(r, 4, d, &date).unwrap();
        ws.write_number(r, 5, f64::from(r % 40) * 0.25).unwrap();
        ws.write_number(r, 6, f64::from(r) * 12.5 + 0.75).unwrap();
        for c in 7..15u16 {
            ws.write_string(r, c, format!("waarde {} {}", c, r % 101)).unwrap();
        }
    }
    let bytes = wb.save_to_buffer().unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = Vec::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_end(&mut xml)
        .unwrap();
    xml
}

/// quick-xml doing the tokenizer's work: attributes and texts decoded and unescaped.
fn quick_xml_tokens(xml: &[u8]) -> u64 {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).expect("well-formed") {
            Event::Eof => return n,
            Event::Start(e) | Event::Empty(e) => {
                for a in e.attributes().flatten() {
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("attribute");
                    std::hint::black_box(&v);
                }
            }
            Event::Text(t) => {
                let text = t.xml10_content();
                std::hint::black_box(&text);
            }
            Event::GeneralRef(r) => {
                std::hint::black_box(r.resolve_char_ref().ok());
            }
            _ => {}
        }
        n += 1;
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut() -> u64) -> (f64, u64) {
    let mut secs = Vec::new();
    let mut tokens = 0;
    for _ in 0..runs {
        let t = Instant::now();
        tokens = std::hint::black_box(f());
        secs.push(t.elapsed().as_secs_f64());
    }
    (median(secs), tokens)
}

fn main() {
    let rows: u32 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let xml = sheet_xml(rows);
    let mb = xml.len() as f64 / 1e6;
    let (ours, our_tokens) = time(7, || relsync::input::fuzz_tokenizer(&xml));
    let (theirs, their_tokens) = time(7, || quick_xml_tokens(&xml));
    assert!(our_tokens > 0 && their_tokens > 0);
    println!("sheet1.xml of {rows} rows x 15 columns: {mb:.1} MB");
    println!("| reader | time | MB/s | tokens |");
    println!("|---|---:|---:|---:|");
    println!(
        "| relsync tokenizer | {:.3} s | {:.0} | {our_tokens} |",
        ours,
        mb / ours
    );
    println!(
        "| quick-xml Reader | {:.3} s | {:.0} | {their_tokens} |",
        theirs,
        mb / theirs
    );
    println!(
        "relsync's tokenizer takes {:.2}x the time of quick-xml's reader",
        ours / theirs
    );
}
