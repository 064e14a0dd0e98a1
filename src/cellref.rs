//! Cell references as Excel writes them: `C17`, `'Eisen 2026'!C17`, `B2:D7`.
//!
//! The one place that turns rows and columns into A1 names and back. Readers parse the
//! references a workbook holds (`<c r="C17">`, `<mergeCell ref="B2:D7">`, `<dimension>`);
//! problems and reports name the cell a user should open. Rows here are 1-based as Excel shows
//! them when formatting, and 0-based `(row, col)` pairs when parsing (as the readers count).

/// The last column Excel has (`XFD`), 0-based.
pub const MAX_COL: u32 = 16_383;
/// The last row Excel has, 1-based.
pub const MAX_ROW: u32 = 1_048_576;

/// Appends the column letters of 0-based `col`: 0 -> `A`, 25 -> `Z`, 26 -> `AA`.
pub fn push_column_letters(out: &mut String, col: u32) {
    let mut n = u64::from(col) + 1;
    let mut letters = [0u8; 8];
    let mut len = 0;
    while n > 0 {
        letters[len] = b'A' + ((n - 1) % 26) as u8;
        len += 1;
        n = (n - 1) / 26;
    }
    for &b in letters[..len].iter().rev() {
        out.push(char::from(b));
    }
}

/// Column letters of 0-based `col`.
pub fn column_letters(col: u32) -> String {
    let mut s = String::with_capacity(3);
    push_column_letters(&mut s, col);
    s
}

/// `C17` for 1-based `row` and 0-based `col`.
pub fn cell_name(row: u32, col: u32) -> String {
    let mut s = column_letters(col);
    s.push_str(&row.to_string());
    s
}

/// Quotes a sheet name for a cell reference when Excel would (`'My sheet'!C17`).
pub fn quote_sheet(sheet: &str) -> String {
    if !sheet.is_empty() && sheet.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.') {
        sheet.to_owned()
    } else {
        format!("'{}'", sheet.replace('\'', "''"))
    }
}

/// A sheet name Excel accepts for `name`: at most 31 characters as Excel counts them (UTF-16
/// code units: an emoji counts twice, and is never cut in half), none of `[]:*?/\`, not
/// starting or ending with a quote; `Sheet1` when nothing is left.
pub fn excel_sheet_name(name: &str) -> String {
    let mut units = 0;
    let name: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\u{FFFE}' | '\u{FFFF}') && !c.is_control())
        .take_while(|c| {
            units += c.len_utf16();
            units <= 31
        })
        .collect();
    let name = name.trim_matches('\'').trim().to_owned();
    // Excel keeps "History" for the change-tracking sheet, and refuses it as a name.
    if name.eq_ignore_ascii_case("History") {
        return format!("{name} (1)");
    }
    if name.is_empty() { "Sheet1".to_owned() } else { name }
}

/// `Sheet!C17`, or `C17` without a sheet (delimited text).
pub fn sheet_cell(sheet: Option<&str>, row: u32, col: u32) -> String {
    match sheet {
        Some(s) => format!("{}!{}", quote_sheet(s), cell_name(row, col)),
        None => cell_name(row, col),
    }
}

/// `C17` (or `$C$17`) -> 0-based `(16, 2)`. `None` for anything else, and for cells outside
/// Excel's grid (beyond column XFD or row 1,048,576).
pub fn parse(reference: &[u8]) -> Option<(u32, u32)> {
    let r = reference.trim_ascii();
    let r = r.strip_prefix(b"$").unwrap_or(r);
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = r[..letters]
        .iter()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1)
        - 1;
    let digits = &r[letters..];
    let digits = digits.strip_prefix(b"$").unwrap_or(digits);
    if digits.is_empty() || digits.len() > 7 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let row = digits.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    if col > MAX_COL || !(1..=MAX_ROW).contains(&row) {
        return None;
    }
    Some((row - 1, col))
}

/// A rectangle of cells, 0-based and inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub first_row: u32,
    pub first_col: u32,
    pub last_row: u32,
    pub last_col: u32,
}

/// `B2:D7` (corners in any order) or a single cell `B2`.
pub fn parse_range(reference: &[u8]) -> Option<Range> {
    let (a, b) = match memchr::memchr(b':', reference) {
        Some(i) => (&reference[..i], &reference[i + 1..]),
        None => (reference, reference),
    };
    let (r0, c0) = parse(a)?;
    let (r1, c1) = parse(b)?;
    Some(Range {
        first_row: r0.min(r1),
        first_col: c0.min(c1),
        last_row: r0.max(r1),
        last_col: c0.max(c1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_excel_accepts() {
        assert_eq!(excel_sheet_name("Requirements"), "Requirements");
        assert_eq!(excel_sheet_name("A/B [x]"), "AB x");
        assert_eq!(excel_sheet_name("[]"), "Sheet1");
        assert_eq!(excel_sheet_name(&"x".repeat(40)).len(), 31);
        // Emoji take two of Excel's 31 places each, and are never split.
        let emoji = excel_sheet_name(&"\u{1F680}".repeat(20));
        assert_eq!(emoji.chars().count(), 15);
        assert_eq!(emoji.encode_utf16().count(), 30);
    }

    #[test]
    fn column_letters_follow_excel() {
        for (col, letters) in [
            (0, "A"),
            (2, "C"),
            (25, "Z"),
            (26, "AA"),
            (51, "AZ"),
            (52, "BA"),
            (701, "ZZ"),
            (702, "AAA"),
            (16383, "XFD"),
        ] {
            assert_eq!(column_letters(col), letters, "column {col}");
            assert_eq!(parse(format!("{letters}1").as_bytes()), Some((0, col)));
        }
        assert_eq!(column_letters(u32::MAX), "MWLQKWV");
        assert_eq!(cell_name(17, 2), "C17");
    }

    #[test]
    fn references_parse_within_the_grid() {
        assert_eq!(parse(b"A1"), Some((0, 0)));
        assert_eq!(parse(b"c17"), Some((16, 2)));
        assert_eq!(parse(b"$AA$3"), Some((2, 26)));
        assert_eq!(parse(b"XFD1048576"), Some((1_048_575, 16_383)));
        for bad in [
            &b"1A"[..],
            b"A0",
            b"A",
            b"17",
            b"XFE1",
            b"A1048577",
            b"AAAA1",
            b"A1x",
            b"",
            b"A-1",
        ] {
            assert_eq!(parse(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(
            parse_range(b"D7:B2"),
            Some(Range {
                first_row: 1,
                first_col: 1,
                last_row: 6,
                last_col: 3
            })
        );
        assert_eq!(parse_range(b"B2").map(|r| r.last_col), Some(1));
        assert_eq!(parse_range(b"B2:"), None);
    }

    #[test]
    fn sheet_names_are_quoted_like_excel() {
        assert_eq!(quote_sheet("Requirements"), "Requirements");
        assert_eq!(quote_sheet("Eisen 2026"), "'Eisen 2026'");
        assert_eq!(quote_sheet("Piet's"), "'Piet''s'");
        assert_eq!(sheet_cell(Some("Eisen 2026"), 17, 2), "'Eisen 2026'!C17");
        assert_eq!(sheet_cell(None, 3, 0), "A3");
    }
}
