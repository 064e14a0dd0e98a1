//! Finding the header row: exports often put a title, a date or blank rows above the headers.
//! The header row is the first row of distinct texts, mostly short, across (most of) the
//! sheet's width with data below it. A long header is still a header: only most of a row's
//! texts need be short.
//!
//! The first rows are kept as [`HeadCell`]s, a few bytes each whatever the cell holds: a hash
//! of the text (to tell texts apart), its length and its kind.

use std::hash::BuildHasher;

/// Longest text that looks like a header.
const SHORT: usize = 60;

/// A cell of the first rows: what finding the header row needs, without the text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeadCell {
    /// A hash of the trimmed text.
    pub hash: u64,
    /// Characters in the trimmed text, counted up to 256.
    pub chars: usize,
    /// A text cell (not a number, date or boolean).
    pub is_text: bool,
    /// A hash of the letters that start it, when it is shaped like an ID (`REQ-1`).
    pub id_prefix: Option<u64>,
}

/// Characters at each end of a text that tell it apart from others in a row (a longer text is
/// told by these and its length).
const HASHED: usize = 256;

impl HeadCell {
    pub fn new(text: &str, is_text: bool) -> HeadCell {
        let text = text.trim();
        let start = text.char_indices().nth(HASHED).map_or(text, |(at, _)| &text[..at]);
        // Long texts that start alike (a numbered series) differ at their end.
        let end = text
            .char_indices()
            .rev()
            .nth(HASHED)
            .map_or(text, |(at, _)| &text[at..]);
        HeadCell {
            hash: rustc_hash::FxBuildHasher.hash_one((start, end, text.len())),
            // Counted as far as telling short from long needs.
            chars: start.chars().count(),
            is_text,
            id_prefix: crate::value::id_prefix(text).map(|p| rustc_hash::FxBuildHasher.hash_one(p)),
        }
    }
}

/// The header row among the first rows, and why it was chosen (for people).
pub fn detect(head: &[(u32, Vec<Option<HeadCell>>)]) -> (u32, String) {
    let width = head
        .iter()
        .map(|(_, cells)| cells.iter().filter(|c| c.is_some()).count())
        .max()
        .unwrap_or(0);
    for (i, (number, cells)) in head.iter().enumerate() {
        let filled: Vec<&HeadCell> = cells.iter().flatten().collect();
        if filled.is_empty() {
            continue;
        }
        let enough = filled.len() * 10 >= width * 6 && (filled.len() >= 2 || width == 1);
        let texts = filled.iter().all(|c| c.is_text && c.chars > 0);
        // A long header is still a header; a row of nothing but long texts is prose.
        let some_short = filled.iter().any(|c| c.chars <= SHORT);
        let mut distinct: Vec<u64> = filled.iter().map(|c| c.hash).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let varied = distinct.len() * 10 >= filled.len() * 8;
        let data_below = head[i + 1..].iter().any(|(_, c)| c.iter().any(Option::is_some));
        if enough && texts && some_short && varied && (data_below || head.len() == i + 1) {
            // A row shaped like the data below it (an ID where the next row has an ID of the same
            // kind) under a row that could be the headers is the first element: the row above
            // is the header row.
            if let Some(above) = headers_above(head, i) {
                let (number, _) = &head[above];
                return (
                    *number,
                    format!(
                        "row {number}: the row below it is shaped like the data under it (an ID like theirs), so that row is \
                         the first element and row {number} holds the headers"
                    ),
                );
            }
            let above: Vec<u32> = head[..i]
                .iter()
                .filter(|(_, c)| c.iter().any(Option::is_some))
                .map(|(n, _)| *n)
                .collect();
            // A title is a cell or two, or one text over a merged range; rows above that fill
            // more are not called one.
            let titles = head[..i].iter().all(|(_, c)| {
                let mut texts: Vec<u64> = c.iter().flatten().map(|h| h.hash).collect();
                texts.sort_unstable();
                texts.dedup();
                texts.len() <= 1 || c.iter().flatten().count() <= 2
            });
            let below = if data_below {
                "with data below it"
            } else {
                "but no data below it yet"
            };
            let why = match above.as_slice() {
                [] if !data_below => format!("row {number}: a row of short distinct texts, but no data below it"),
                [] => format!("row {number}: the first row, of short distinct texts, {below}"),
                [one] if titles => format!(
                    "row {number}: the first row of short distinct texts across the sheet {below} (row {one} above it \
                     looks like a title)"
                ),
                [first, .., last] if titles => format!(
                    "row {number}: the first row of short distinct texts across the sheet {below} (rows \
                     {first}-{last} above it look like a title)"
                ),
                [one] => format!(
                    "row {number}: the first row of short distinct texts across the sheet {below}; check it: row {one} \
                     above it holds values in several columns"
                ),
                [first, .., last] => format!(
                    "row {number}: the first row of short distinct texts across the sheet {below}; check it: rows \
                     {first}-{last} above it hold values in several columns"
                ),
            };
            return (*number, why);
        }
    }
    let first = head
        .iter()
        .find(|(_, c)| c.iter().any(Option::is_some))
        .map_or(1, |(n, _)| *n);
    (
        first,
        format!("row {first}: no row looked like column headers, so the first row with values is used; check it"),
    )
}

/// When row `i` looks like data (it has an ID-shaped cell over an ID of the same kind in the
/// next row with values) and the row before it with values could be the headers (two or more
/// distinct cells, none ID-shaped, texts among them): that row's index.
fn headers_above(head: &[(u32, Vec<Option<HeadCell>>)], i: usize) -> Option<usize> {
    let cells = &head[i].1;
    let next = head[i + 1..].iter().find(|(_, c)| c.iter().any(Option::is_some))?;
    let like_below = cells.iter().enumerate().any(|(col, c)| {
        let below = next.1.get(col).and_then(Option::as_ref);
        matches!((c, below), (Some(a), Some(b)) if a.id_prefix.is_some() && a.id_prefix == b.id_prefix)
    });
    if !like_below {
        return None;
    }
    let above = head[..i].iter().rposition(|(_, c)| c.iter().any(Option::is_some))?;
    let filled: Vec<&HeadCell> = head[above].1.iter().flatten().collect();
    let mut distinct: Vec<u64> = filled.iter().map(|c| c.hash).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let header_like = filled.len() >= 2
        && distinct.len() == filled.len()
        && filled.iter().any(|c| c.is_text)
        && filled.iter().all(|c| c.id_prefix.is_none() && c.chars > 0);
    header_like.then_some(above)
}

/// Words a header that names an identifier ends with (`Eis-ID`, `Object code`, `Artikelnr`).
const ID_WORDS: [&str; 11] = [
    "id",
    "code",
    "nummer",
    "nr",
    "number",
    "no",
    "key",
    "identifier",
    "identificatie",
    "externalid",
    "guid",
];

/// Whole words that end in an id word but are none (`Postcode` is an address, `Barcode` may
/// repeat).
const NOT_ID_WORDS: [&str; 4] = ["postcode", "zipcode", "barcode", "telefoonnummer"];

/// Whether a header usually names the external id: `ID`, `Code`, `Nummer`, `Objectcode`,
/// `Eis-ID`, `Object ID`, `Artikelnr.`, `ExternalId`: its last word is an id word, or ends in
/// `code`, `nummer` or `nr` (Dutch compounds), or is `<word>id` in camel case.
pub fn looks_like_id_header(header: &str) -> bool {
    let h = header.trim();
    if h.chars().count() > 40 {
        return false;
    }
    // Words split at anything that is no letter or digit, and at camel case (`ObjectId`).
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in h.chars() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    let Some(last) = words.last() else {
        return false;
    };
    let first = &words[0];
    if NOT_ID_WORDS.contains(&last.as_str()) {
        return false;
    }
    ID_WORDS.contains(&last.as_str())
        || words.len() <= 2 && first == "id"
        || ["code", "nummer", "nr"]
            .iter()
            .any(|end| last.len() > end.len() + 2 && last.ends_with(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Option<HeadCell> {
        Some(HeadCell::new(s, true))
    }

    fn number(s: &str) -> Option<HeadCell> {
        Some(HeadCell::new(s, false))
    }

    #[test]
    fn id_headers() {
        for h in [
            "ID",
            "Code",
            "Nummer",
            "Objectcode",
            "Eis-ID",
            "Object ID",
            "ObjectId",
            "ExternalId",
            "Artikelnr.",
            "Eisnummer",
            "Nr",
            "ID-nummer",
            "Requirement number",
        ] {
            assert!(looks_like_id_header(h), "{h}");
        }
        for h in [
            "Postcode",
            "Paid",
            "Valid",
            "Naam",
            "Omschrijving",
            "Idee",
            "Status",
            "Telefoonnummer",
            "",
        ] {
            assert!(!looks_like_id_header(h), "{h}");
        }
    }

    #[test]
    fn titles_and_blank_rows_above_the_headers() {
        let title = "Requirements export 2026";
        let head = vec![
            (1, vec![text(title), text(title), text(title), text(title)]),
            (2, vec![]),
            (3, vec![text("ID"), text("Title"), text("Due"), text("Weight")]),
            (4, vec![text("REQ-1"), text("Pump"), number("46447"), number("2.5")]),
        ];
        let (row, why) = detect(&head);
        assert_eq!(row, 3);
        assert!(why.contains("row 1 above it looks like a title"), "{why}");
        let plain = vec![(1, vec![text("ID"), text("Name")]), (2, vec![text("A"), text("x")])];
        assert_eq!(detect(&plain).0, 1);
        let numbers = vec![(1, vec![number("1"), number("2")]), (2, vec![number("3"), number("4")])];
        let (row, why) = detect(&numbers);
        assert_eq!(row, 1);
        assert!(why.contains("no row looked like column headers"));
    }

    #[test]
    fn a_long_header_is_still_a_header() {
        // Issue 17: one header of 67 characters made row 2 (the first element) the header.
        let long = "Omschrijving van de eis zoals vastgelegd in het programma van eisen";
        assert!(long.chars().count() > SHORT);
        let head = vec![
            (1, vec![text("ID"), text("Title"), text("Status"), text(long)]),
            (2, vec![text("REQ-1"), text("Pump"), text("Draft"), text("x")]),
            (3, vec![text("REQ-2"), text("Weir"), text("Draft"), text("y")]),
        ];
        assert_eq!(detect(&head).0, 1);
        // Most of them long: still the headers.
        let long2 = "Datum waarop de eis voor het laatst is beoordeeld door de eisenbeheerder";
        let long3 = "Naam van de eigenaar die verantwoordelijk is voor het verifieren van de eis";
        let head = vec![
            (1, vec![text("ID"), text(long), text(long2), text(long3)]),
            (2, vec![text("REQ-1"), text("Pump"), text("Draft"), text("x")]),
        ];
        assert_eq!(detect(&head).0, 1);
    }

    #[test]
    fn a_row_of_data_under_narrow_headers_is_data() {
        // ID;Title over eight columns of data: the headers fill two columns of eight.
        let row = |id: &str, rest: &[&str]| {
            let mut cells = vec![text(id)];
            cells.extend(rest.iter().map(|t| text(t)));
            cells
        };
        let head = vec![
            (1, vec![text("ID"), text("Title")]),
            (2, row("REQ-1", &["Pump", "a1", "b1", "c1", "d1", "e1", "f1"])),
            (3, row("REQ-2", &["Sluice", "a2", "b2", "c2", "d2", "e2", "f2"])),
            (4, row("REQ-3", &["Gate", "a3", "b3", "c3", "d3", "e3", "f3"])),
        ];
        assert_eq!(detect(&head).0, 1);
        // Years as numbers among the headers.
        let head = vec![
            (1, vec![text("ID"), text("Title"), number("2024"), number("2025")]),
            (2, vec![text("REQ-1"), text("Pump"), number("1"), number("2")]),
            (3, vec![text("REQ-2"), text("Weir"), number("3"), number("4")]),
        ];
        assert_eq!(detect(&head).0, 1);
    }
}
