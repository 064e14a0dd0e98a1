//! The floors relsync is measured against (see `scripts/bench`): the least work any tool must
//! do to read the same data, and the naive converters an engineer would write first.
//!
//!     bench_floor xlsx-cells FILE      calamine's streaming cell reader, touching every cell
//!     bench_floor xlsx-range FILE      calamine's whole-sheet Range, touching every cell
//!     bench_floor xlsx-naive FILE      cells reader -> row -> serde_json, streamed to $BENCH_OUT
//!     bench_floor csv-bytes FILE       csv crate ByteRecord loop, touching every field
//!     bench_floor csv-naive FILE       csv -> typed values -> serde_json, streamed to $BENCH_OUT
//!
//! $BENCH_OUT defaults to /dev/null; the harness points it at a real file, as relsync writes one.
//!
//! Each prints a checksum so the work cannot be optimised away.

use std::io::{BufWriter, Write};

use calamine::{Data, DataRef, Reader, Xlsx, open_workbook};

fn touch(d: &DataRef<'_>) -> u64 {
    match d {
        DataRef::String(s) => s.len() as u64,
        DataRef::SharedString(s) => s.len() as u64,
        DataRef::Float(f) => *f as u64 & 7,
        DataRef::Int(i) => *i as u64 & 7,
        DataRef::DateTime(d) => d.as_f64() as u64 & 7,
        DataRef::Bool(b) => *b as u64,
        _ => 1,
    }
}

fn first_sheet(wb: &Xlsx<std::io::BufReader<std::fs::File>>) -> String {
    wb.sheet_names().first().cloned().expect("a sheet")
}

fn xlsx_cells(path: &str) -> u64 {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let sheet = first_sheet(&wb);
    let mut cells = wb.worksheet_cells_reader(&sheet).expect("sheet");
    let mut sum = 0;
    while let Some(cell) = cells.next_cell().expect("cell") {
        sum += touch(cell.get_value());
    }
    sum
}

fn xlsx_range(path: &str) -> u64 {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let sheet = first_sheet(&wb);
    let range = wb.worksheet_range(&sheet).expect("sheet");
    range
        .used_cells()
        .map(|(_, _, d)| match d {
            Data::String(s) => s.len() as u64,
            Data::Float(f) => *f as u64 & 7,
            _ => 1,
        })
        .sum()
}

fn json_value(d: &DataRef<'_>) -> serde_json::Value {
    match d {
        DataRef::String(s) => serde_json::Value::from(s.as_str()),
        DataRef::SharedString(s) => serde_json::Value::from(*s),
        DataRef::Float(f) => serde_json::Value::from(*f),
        DataRef::Int(i) => serde_json::Value::from(*i),
        DataRef::Bool(b) => serde_json::Value::from(*b),
        DataRef::DateTime(d) => serde_json::Value::from(d.as_f64()),
        _ => serde_json::Value::Null,
    }
}

fn xlsx_naive(path: &str) -> u64 {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let sheet = first_sheet(&wb);
    let mut cells = wb.worksheet_cells_reader(&sheet).expect("sheet");
    let mut out = BufWriter::new(std::fs::File::create(output()).expect("output"));
    let mut headers: Vec<String> = Vec::new();
    let mut row: serde_json::Map<String, serde_json::Value> = serde_json::Map::new();
    let mut current = 0;
    let mut n = 0;
    while let Some(cell) = cells.next_cell().expect("cell") {
        let (r, c) = cell.get_position();
        if r == 0 {
            headers.push(format!("{}", json_value(cell.get_value())));
            continue;
        }
        if r != current && !row.is_empty() {
            serde_json::to_writer(&mut out, &row).expect("write");
            n += 1;
            row.clear();
        }
        current = r;
        let key = headers.get(c as usize).cloned().unwrap_or_default();
        row.insert(key, json_value(cell.get_value()));
    }
    serde_json::to_writer(&mut out, &row).expect("write");
    out.flush().expect("flush");
    n + 1
}

fn csv_bytes(path: &str) -> u64 {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("open");
    let mut record = csv::ByteRecord::new();
    let mut sum = 0;
    while reader.read_byte_record(&mut record).expect("record") {
        for field in record.iter() {
            sum += field.len() as u64;
        }
    }
    sum
}

fn csv_naive(path: &str) -> u64 {
    let mut reader = csv::ReaderBuilder::new().from_path(path).expect("open");
    let headers = reader.headers().expect("headers").clone();
    let mut out = BufWriter::new(std::fs::File::create(output()).expect("output"));
    let mut record = csv::StringRecord::new();
    let mut n = 0;
    while reader.read_record(&mut record).expect("record") {
        let mut row = serde_json::Map::new();
        for (h, v) in headers.iter().zip(record.iter()) {
            let value = match v.parse::<f64>() {
                Ok(x) => serde_json::Value::from(x),
                Err(_) => serde_json::Value::from(v),
            };
            row.insert(h.to_owned(), value);
        }
        serde_json::to_writer(&mut out, &row).expect("write");
        n += 1;
    }
    out.flush().expect("flush");
    n
}

/// Where the naive converters write: `BENCH_OUT`, else /dev/null.
fn output() -> String {
    std::env::var("BENCH_OUT").unwrap_or_else(|_| "/dev/null".into())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, path) = match args.as_slice() {
        [_, mode, path] => (mode.as_str(), path.as_str()),
        _ => {
            eprintln!("usage: bench_floor xlsx-cells|xlsx-range|xlsx-naive|csv-bytes|csv-naive FILE");
            std::process::exit(2);
        }
    };
    let sum = match mode {
        "xlsx-cells" => xlsx_cells(path),
        "xlsx-range" => xlsx_range(path),
        "xlsx-naive" => xlsx_naive(path),
        "csv-bytes" => csv_bytes(path),
        "csv-naive" => csv_naive(path),
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    };
    println!("{sum}");
}
