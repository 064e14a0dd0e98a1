//! relsync's own `.xlsx` reader against calamine's: on every workbook here, both must give the
//! same report (every cell seen as text, as a number and as a date) and the same body, and the
//! fast reader must not have given up (`RELSYNC_XLSX_READER=fast` makes that an error).

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

use crate::support::*;

/// A template that maps every header three times: as text, as a number and as a date, so any
/// difference in how a cell was read shows up as a value or a problem.
fn every_way(headers: &[&str], header_row: u32) -> String {
    let mut t = format!(
        "[target]\ntype = \"Thing\"\nplural = \"Things\"\n[source]\nheader_row = {header_row}\n\
         date_formats = [\"%d-%m-%Y\"]\n[external_id]\ncolumn = \"{}\"\n",
        headers[0]
    );
    for (i, h) in headers.iter().enumerate() {
        for (kind, ty) in [("t", "text"), ("n", "number"), ("d", "date")] {
            t.push_str(&format!(
                "[[property]]\nname = \"{kind}{i}\"\ncolumn = \"{h}\"\ntype = \"{ty}\"\n"
            ));
        }
    }
    t.push_str("[ignore]\nothers = true\n");
    t
}

/// A template with every header as text only, so the body is written.
fn as_text(headers: &[&str], header_row: u32) -> String {
    let mut t = format!(
        "[target]\ntype = \"Thing\"\nplural = \"Things\"\n[source]\nheader_row = {header_row}\n\
         [external_id]\ncolumn = \"{}\"\n",
        headers[0]
    );
    for (i, h) in headers.iter().enumerate() {
        t.push_str(&format!(
            "[[property]]\nname = \"t{i}\"\ncolumn = \"{h}\"\ntype = \"text\"\n"
        ));
    }
    t.push_str("[ignore]\nothers = true\n");
    t
}

fn with_reader(dir: &Dir, reader: &str, args: &[&str]) -> Run {
    dir.run_with(args, &[("RELSYNC_XLSX_READER", reader)], None)
}

/// Both readers agree on `input` with these templates.
/// Both readers agree; `codes` are the exit codes expected of the check and of the convert.
fn agree(dir: &Dir, input: &str, headers: &[&str], header_row: u32, codes: (i32, i32)) {
    dir.write("every.toml", every_way(headers, header_row));
    dir.write("text.toml", as_text(headers, header_row));
    for args in [
        vec!["check", input, "-t", "every.toml", "--report", "json"],
        vec!["convert", input, "-t", "text.toml", "--compact"],
    ] {
        let fast = with_reader(dir, "fast", &args);
        let calamine = with_reader(dir, "calamine", &args);
        let expected = if args[0] == "check" { codes.0 } else { codes.1 };
        assert_eq!(fast.code, expected, "{input} {args:?}: {fast:?}");
        assert_eq!(
            fast.code, calamine.code,
            "{input} {args:?}\nfast: {fast:?}\ncalamine: {calamine:?}"
        );
        assert_eq!(fast.stdout, calamine.stdout, "{input} {args:?}");
        // The problem lines on stderr must agree too (the summary line has the time).
        let problems = |r: &Run| {
            r.stderr
                .lines()
                .filter(|l| l.contains("  error  ") || l.contains("  warning  "))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(problems(&fast), problems(&calamine), "{input} {args:?}");
    }
}

const SAMPLE_HEADERS: [&str; 13] = [
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

#[test]
fn samples_and_libreoffice_files() {
    let dir = Dir::new();
    // Every cell is read as a number and a date too, so the check finds problems; the clean
    // samples convert as text, the one with problems does not (an error cell, a missing id).
    for (input, convert) in [
        ("samples/requirements.xlsx", 0),
        ("samples/requirements-with-problems.xlsx", 1),
        ("tests/data/requirements-lo.xlsx", 0),
    ] {
        agree(&dir, &repo(input), &SAMPLE_HEADERS, 3, (1, convert));
    }
}

const HEADERS: [&str; 8] = ["ID", "Plain", "Number", "Date", "Bool", "Formula", "Rich", "Extra"];

/// Every kind of cell a writer can produce, in `mode`: shared strings, inline strings
/// (constant memory), or the 1904 date system.
fn kitchen_sink(path: &Path, inline: bool) {
    let mut wb = Workbook::new();
    let ws = if inline {
        wb.add_worksheet_with_constant_memory().unwrap()
    } else {
        wb.add_worksheet()
    };
    ws.set_name("Data").unwrap();
    let date = Format::new().set_num_format("dd-mm-yyyy");
    let iso = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let time = Format::new().set_num_format("hh:mm");
    let duration = Format::new().set_num_format("[h]:mm:ss");
    let builtin = Format::new().set_num_format_index(14);
    let percent = Format::new().set_num_format("0.00%");
    let money = Format::new().set_num_format("€ #,##0.00;[Red]-€ #,##0.00");
    let quoted = Format::new().set_num_format("\"day \"0");
    let bold = Format::new().set_bold();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let texts = [
        "plain",
        "  spaces around  ",
        "line one\nline two",
        "tab\there",
        "Ærø – café 😀",
        "a & b < c > d \"q\" 'a'",
        "control \u{1} char",
        "typed _x0041_ escape",
        "",
        "12.5",
        "31-02-2026",
        "2027-03-01",
        "#N/A as text",
    ];
    let numbers = [
        0.0,
        1.0,
        -2.5,
        0.1 + 0.2,
        1e20,
        1.5e-9,
        43530759.0,
        123456789012345678.0,
        46082.0,
    ];
    for r in 1..=40u32 {
        let i = r as usize;
        ws.write_string(r, 0, format!("ID-{r}")).unwrap();
        ws.write_string(r, 1, texts[i % texts.len()]).unwrap();
        match i % 5 {
            0 => ws
                .write_number_with_format(r, 2, numbers[i % numbers.len()], &percent)
                .unwrap(),
            1 => ws
                .write_number_with_format(r, 2, numbers[i % numbers.len()], &money)
                .unwrap(),
            2 => ws
                .write_number_with_format(r, 2, numbers[i % numbers.len()], &quoted)
                .unwrap(),
            _ => ws.write_number(r, 2, numbers[i % numbers.len()]).unwrap(),
        };
        let day = ExcelDateTime::from_ymd(2020 + (i % 9) as u16, (i % 12 + 1) as u8, (i % 28 + 1) as u8).unwrap();
        match i % 6 {
            0 => ws.write_datetime_with_format(r, 3, day, &date).unwrap(),
            1 => ws
                .write_datetime_with_format(r, 3, day.and_hms(14, 30, 15).unwrap(), &iso)
                .unwrap(),
            2 => ws
                .write_number_with_format(r, 3, 0.25 + i as f64 / 100.0, &time)
                .unwrap(),
            3 => ws.write_number_with_format(r, 3, 1.75 + i as f64, &duration).unwrap(),
            4 => ws.write_datetime_with_format(r, 3, day, &builtin).unwrap(),
            _ => ws.write_string(r, 3, "01-03-2027").unwrap(),
        };
        ws.write_boolean(r, 4, i.is_multiple_of(2)).unwrap();
        match i % 5 {
            0 => ws
                .write_formula(r, 5, Formula::new("=1/0").set_result("#DIV/0!"))
                .unwrap(),
            1 => ws
                .write_formula(r, 5, Formula::new("=\"a\"&\"b\"").set_result("a & b"))
                .unwrap(),
            2 => ws
                .write_formula(r, 5, Formula::new("=0.1+0.2").set_result("0.30000000000000004"))
                .unwrap(),
            3 => ws
                .write_formula(r, 5, Formula::new("=TRUE()").set_result("TRUE"))
                .unwrap(),
            _ => ws
                .write_formula(r, 5, Formula::new("=NA()").set_result("#N/A"))
                .unwrap(),
        };
        if i.is_multiple_of(3) {
            let parts = [
                (&bold, "Rich "),
                (&Format::default(), "text"),
                (&bold, &*format!(" {i}")),
            ];
            ws.write_rich_string(r, 6, &parts).unwrap();
        } else if i % 3 == 1 {
            ws.write_blank(r, 6, &bold).unwrap();
        }
        if i.is_multiple_of(7) {
            ws.write_string(r, 7 + (i % 3) as u16, "far out").unwrap();
        }
    }
    if !inline {
        ws.merge_range(41, 1, 43, 2, "merged", &Format::new()).unwrap();
        ws.write_string(41, 0, "ID-41").unwrap();
        ws.write_string(42, 0, "ID-42").unwrap();
        ws.write_string(43, 0, "ID-43").unwrap();
    }
    wb.save(path).unwrap();
}

#[test]
fn every_kind_of_cell_with_shared_strings() {
    let dir = Dir::new();
    kitchen_sink(&dir.path("sink.xlsx"), false);
    // Error cells and a control character: problems either way.
    agree(&dir, "sink.xlsx", &HEADERS, 1, (1, 1));
}

#[test]
fn every_kind_of_cell_with_inline_strings() {
    let dir = Dir::new();
    kitchen_sink(&dir.path("inline.xlsx"), true);
    // Error cells and a control character: problems either way.
    agree(&dir, "inline.xlsx", &HEADERS, 1, (1, 1));
}

#[test]
fn every_kind_of_cell_in_the_1904_system() {
    let dir = Dir::new();
    kitchen_sink(&dir.path("sink1904.xlsx"), false);
    make_1904(&dir.path("sink1904.xlsx"));
    // Error cells and a control character: problems either way.
    agree(&dir, "sink1904.xlsx", &HEADERS, 1, (1, 1));
}

#[test]
fn named_sheets_and_odd_layouts() {
    let dir = Dir::new();
    let other = vec![vec![C::S("ID"), C::S("X")], vec![C::S("O-1"), C::N(1.0)]];
    let sparse = vec![
        vec![],
        vec![C::Blank, C::S("ID"), C::Blank, C::S("Far")],
        vec![],
        vec![C::Blank, C::S("A-1"), C::Blank, C::S("x")],
        vec![],
        vec![],
        vec![C::Blank, C::S("A-2")],
    ];
    xlsx_sheets(&dir.path("two.xlsx"), &[("Other", &other), ("Sparse & <Odd>", &sparse)]);
    let template = as_text(&["ID", "Far"], 2).replace("header_row = 2", "sheet = \"Sparse & <Odd>\"\nheader_row = 2");
    dir.write("t.toml", template);
    let fast = with_reader(&dir, "fast", &["convert", "two.xlsx", "-t", "t.toml", "--compact"]);
    let calamine = with_reader(&dir, "calamine", &["convert", "two.xlsx", "-t", "t.toml", "--compact"]);
    assert_eq!(fast.code, 0, "{fast:?}");
    assert_eq!(fast.stdout, calamine.stdout);
    assert_eq!(
        fast.json(),
        serde_json::json!({"Things": [{"@externalid": "A-1", "t0": "A-1", "t1": "x"}, {"@externalid": "A-2", "t0": "A-2", "t1": ""}]})
    );
}

#[test]
fn markup_only_calamine_reads_falls_back_before_the_first_row() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-001", "A"), req_row("REQ-002", "B")]);
    rewrite_part(&dir.path("req.xlsx"), "xl/worksheets/sheet1.xml", |xml| {
        xml.replacen("?>", "?><!DOCTYPE worksheet>", 1)
    });
    let auto = dir.run(&["convert", "req.xlsx", "-t", "req.toml"]);
    let calamine = with_reader(&dir, "calamine", &["convert", "req.xlsx", "-t", "req.toml"]);
    assert_eq!(auto.code, 0, "{auto:?}");
    assert_eq!(auto.stdout, calamine.stdout);
    let forced = with_reader(&dir, "fast", &["convert", "req.xlsx", "-t", "req.toml"]);
    assert_eq!(forced.code, 2, "{forced:?}");
    assert!(forced.stderr.contains("RELSYNC_XLSX_READER"), "{}", forced.stderr);
}

#[test]
fn markup_only_calamine_reads_late_in_the_sheet_starts_over_with_calamine() {
    // More cells than one batch, and in the last row a value calamine reads as empty but the
    // fast reader does not handle: rows have gone through by then, so the run starts over.
    let dir = Dir::new();
    let rows: Vec<Vec<C>> = (0..3000)
        .map(|i| {
            let mut r = req_row("X", "T");
            r[0] = C::Str(format!("REQ-{i}"));
            r
        })
        .collect();
    req_workbook(&dir, &rows);
    rewrite_part(&dir.path("req.xlsx"), "xl/worksheets/sheet1.xml", |xml| {
        let last = xml.rfind("<v>2.5</v>").expect("a weight");
        format!("{}<v><x/>2.5</v>{}", &xml[..last], &xml[last + "<v>2.5</v>".len()..])
    });
    dir.write(
        "empty.toml",
        REQ_TEMPLATE.replace("type = \"number\"", "type = \"text\""),
    );
    let auto = dir.run(&["convert", "req.xlsx", "-t", "empty.toml", "--compact"]);
    let calamine = with_reader(
        &dir,
        "calamine",
        &["convert", "req.xlsx", "-t", "empty.toml", "--compact"],
    );
    assert_eq!(auto.code, 0, "{auto:?}");
    assert_eq!(auto.stdout, calamine.stdout, "the body is the one calamine reads");
    let body = auto.json();
    let items = elements(&body, "Requirements");
    assert_eq!(items.len(), 3000);
    assert_eq!(items[2999]["Weight"], "", "calamine reads the odd value as empty");
    let forced = with_reader(&dir, "fast", &["convert", "req.xlsx", "-t", "empty.toml", "--compact"]);
    assert_ne!(forced.code, 0, "{forced:?}");
}
