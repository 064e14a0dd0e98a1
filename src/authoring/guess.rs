//! From a sheet's profile to a template's choices: the external id column, each column's type,
//! whether it is required, which columns are relations, and the source settings (decimal comma,
//! date formats) that make every value read.

use super::header::looks_like_id_header;
use super::profile::{Column, Profile, TEXT_DATE_FORMATS, TEXT_DATE_NAMES, TIME_NAMES};

const LIST_VALUES: usize = 12;

/// A property type, as the template names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    SingleLineText,
    Text,
    Number,
    Date,
    Url,
    List(Vec<String>),
}

impl Type {
    pub fn name(&self) -> &'static str {
        match self {
            Type::SingleLineText => "single-line-text",
            Type::Text => "text",
            Type::Number => "number",
            Type::Date => "date",
            Type::Url => "url",
            Type::List(_) => "list",
        }
    }
}

/// What one column becomes.
#[derive(Clone, Debug)]
pub enum Kind {
    Property(Type),
    /// A relation whose cells hold element IDs.
    Relation,
    /// A relation to other rows of the same sheet, by the names in the column headed
    /// `header`: "Onderdeel van" holding values of "Omschrijving".
    RowNames {
        header: String,
        /// Distinct values that name no row (typos `check` reports).
        strays: usize,
    },
}

impl Kind {
    pub fn is_relation(&self) -> bool {
        !matches!(self, Kind::Property(_))
    }
}

/// Headers that usually name what other sheets call an element by, tried first.
const NAME_HEADERS: [&str; 8] = [
    "name",
    "naam",
    "title",
    "titel",
    "omschrijving",
    "description",
    "benaming",
    "objectnaam",
];

/// The column whose values are the names of other rows that column `col` holds, if there is
/// one, and how many distinct values of `col` name no row: every value of `col` is a value of
/// it (case and runs of spaces aside; of five or more distinct values, one in ten may name no
/// row: a typo that `check` then reports), its values are (nearly) all different, and `col` is
/// no copy of it (some rows have no value in `col`, or values repeat there, as a tree's parents
/// do).
fn names_of_rows(profile: &Profile, col: usize, id_col: Option<usize>) -> Option<(usize, usize)> {
    let column = &profile.columns[col];
    let names = column.names.as_ref()?;
    if names.is_empty() || column.number_cells + column.date_cells > 0 {
        return None;
    }
    if column.empty == 0 && names.len() as u64 >= column.values {
        return None;
    }
    // The distinct values that are no value of `all`, and ten times how many may be.
    let strays = |all: &std::collections::HashSet<u64>| names.difference(all).count();
    let allowed = if names.len() >= 5 { names.len() } else { 0 };
    let candidates = (0..profile.columns.len()).filter(|&n| {
        let other = &profile.columns[n];
        n != col
            && Some(n) != id_col
            && !profile.headers[n].trim().is_empty()
            && other.values >= 2
            && !other.line_breaks
            && other
                .names
                .as_ref()
                .is_some_and(|all| all.len() as u64 * 10 >= other.values * 9 && strays(all) * 10 <= allowed)
    });
    let candidates: Vec<usize> = candidates.collect();
    let found = candidates
        .iter()
        .copied()
        .find(|&n| NAME_HEADERS.contains(&profile.headers[n].trim().to_lowercase().as_str()))
        .or_else(|| candidates.first().copied())?;
    Some((found, profile.columns[found].names.as_ref().map_or(0, strays)))
}

/// The guess for one column.
#[derive(Clone, Debug)]
pub struct Guess {
    pub col: usize,
    pub header: String,
    pub kind: Kind,
    pub required: bool,
    /// What was seen: `120 values, 3 empty, 5 distinct, e.g. 'Draft'`.
    pub seen: String,
    /// Other spellings of list values, left out of `values` (see [`Variant`]).
    pub variants: Vec<Variant>,
}

/// The guesses for a whole sheet.
#[derive(Debug)]
pub struct Guesses {
    /// The external id column, and a note when it is a weak guess.
    pub external_id: Option<usize>,
    pub id_note: String,
    /// Every named column, the external id's included.
    pub columns: Vec<Guess>,
    pub decimal_comma: bool,
    /// The decimal comma was taken from the file's `;` separator alone: its numbers (`1.500`)
    /// read either way.
    pub decimal_comma_guessed: bool,
    /// As a template writes them (`dd-mm-yyyy`, `dd-mm-yyyy hh:mm`).
    pub date_formats: Vec<String>,
    /// Columns without a header that hold values: no template can map them.
    pub headerless_values: Vec<usize>,
}

fn clip(s: &str) -> String {
    crate::problem::clip(&s.replace(['\n', '\r'], " "), 40)
}

/// `120 values, 3 empty, 5 distinct, e.g. 'Draft'`.
pub fn seen(column: &Column) -> String {
    let distinct = if column.overflow {
        format!("more than {} distinct", super::profile::DISTINCT)
    } else {
        format!("{} distinct", column.distinct.len())
    };
    let example = column
        .example
        .as_deref()
        .map(|e| format!(", e.g. '{}'", clip(e)))
        .unwrap_or_default();
    let values = if column.values == 1 { "value" } else { "values" };
    format!(
        "{} {values}, {} empty, {distinct}{example}",
        column.values, column.empty
    )
}

/// Whether `typed` of a column's `n` values make it that type: all of them, or all but a few
/// stray ones (at least 9 in 10, of 5 or more) that `relsync check` then reports as problems.
fn mostly(typed: u64, n: u64) -> bool {
    typed > 0 && (typed == n || n >= 5 && typed * 10 >= n * 9)
}

/// The property type a column's values all fit, given the sheet's conventions.
/// The type, and how many values do not fit it (`relsync check` reports those).
fn property_type(column: &Column, decimal_comma: bool, date_format: Option<usize>) -> (Type, u64) {
    let n = column.values;
    if n == 0 {
        return (Type::SingleLineText, 0);
    }
    let texts = if decimal_comma { &column.comma } else { &column.point };
    let numbers = column.number_cells + texts.kept(column.number_cells);
    // A value a number would change (`08123` sent as 8123) makes the column text.
    if texts.lost(column.number_cells) == 0 && mostly(numbers, n) {
        return (Type::Number, n - numbers);
    }
    let dates = column.date_cells + column.text_iso_dates + date_format.map_or(0, |i| column.text_dates[i]);
    if mostly(dates, n) {
        return (Type::Date, n.saturating_sub(dates));
    }
    if mostly(column.urls, n) {
        return (Type::Url, n - column.urls);
    }
    if column.max_chars > 100 || column.line_breaks {
        return (Type::Text, 0);
    }
    let short = column.distinct.keys().all(|v| v.chars().count() <= 40);
    if !column.overflow && short {
        let (values, variants) = list_values(column);
        let distinct = values.len();
        // One value with other spellings is a list too: the other spellings are typos.
        let several = distinct >= 2 || !variants.is_empty();
        if several && distinct <= LIST_VALUES && n >= 10 && n >= 3 * distinct as u64 {
            return (Type::List(values), 0);
        }
    }
    (Type::SingleLineText, 0)
}

/// A spelling of a list value that differs from the one chosen only in case, spacing or
/// accents (`in gebruik` beside `In gebruik`): a typo `check` reports, not a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    pub spelling: String,
    pub count: u64,
    /// Row of its first cell.
    pub first_row: u32,
    /// The value it is a variant of.
    pub of: String,
}

/// `In  Gebruik`, `in gebruik`, `Ìn gebruik` -> `in gebruik`: lower case, runs of whitespace
/// as one space, accents left off.
pub fn fold_value(value: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    crate::lookup::fold(value)
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect()
}

/// A column's distinct values as list values, most frequent first (then by name): values
/// equal but for case, spacing and accents are one, spelled as most often, and the other
/// spellings are returned as variants.
pub fn list_values(column: &Column) -> (Vec<String>, Vec<Variant>) {
    let mut spellings: Vec<(&String, u64, u32)> = column.distinct.iter().map(|(v, &(n, row))| (v, n, row)).collect();
    // Most frequent first, then the first seen: the spelling kept for each value.
    spellings.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)).then(a.0.cmp(b.0)));
    let mut groups: Vec<(String, String, u64)> = Vec::new(); // (folded, kept, total)
    let mut variants = Vec::new();
    for (spelling, count, row) in spellings {
        let folded = fold_value(spelling);
        match groups.iter_mut().find(|(f, _, _)| *f == folded) {
            Some((_, kept, total)) => {
                *total += count;
                variants.push(Variant {
                    spelling: spelling.clone(),
                    count,
                    first_row: row,
                    of: kept.clone(),
                });
            }
            None => groups.push((folded, spelling.clone(), count)),
        }
    }
    groups.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
    (groups.into_iter().map(|(_, kept, _)| kept).collect(), variants)
}

/// The text date format (index into [`TEXT_DATE_FORMATS`]) that, with date cells and ISO text,
/// reads every value of the column; `None` if none is needed or none does.
fn date_format_of(column: &Column) -> Option<usize> {
    let dated = column.date_cells + column.text_iso_dates;
    if dated >= column.values {
        return None;
    }
    // The format that reads the most of the rest, if it makes the column (mostly) dates.
    (0..TEXT_DATE_FORMATS.len())
        .filter(|&i| column.text_dates[i] > 0)
        .max_by_key(|&i| (column.text_dates[i], std::cmp::Reverse(i)))
        .filter(|&i| mostly(dated + column.text_dates[i], column.values))
}

fn is_relation(column: &Column) -> bool {
    // Prose (long values) is text even when some of its values are lists of IDs.
    column.values > 0
        && column.number_cells == 0
        && column.date_cells == 0
        && (column.id_like == column.values
            || column.multi_token > 0 && column.id_like * 2 >= column.values && column.max_chars <= 100)
}

/// Makes the guesses for a profiled sheet.
pub fn guess(profile: &Profile) -> Guesses {
    let columns = &profile.columns;
    let named = |i: usize| profile.headers.get(i).is_some_and(|h| !h.trim().is_empty());
    // The decimal convention that reads more all-number text columns: columns that read whole
    // with one convention (`this`) and not with the other.
    let only = |this: &dyn Fn(&Column) -> u64, other: &dyn Fn(&Column) -> u64| {
        columns
            .iter()
            .filter(|c| c.values > 0 && this(c) + c.number_cells == c.values && other(c) + c.number_cells < c.values)
            .count()
    };
    // Read as numbers that keep the text as written (a column of codes tells nothing, nor one
    // whose every comma could be a thousands separator, `1,250`, but in a `;`-separated file,
    // as Dutch and other European exports are, where the comma is the decimal separator).
    let semicolon = profile.info.delimiter.is_some_and(|(d, _)| d == b';');
    let comma = |c: &Column| {
        let kept = c.comma.kept(c.number_cells);
        if semicolon || kept > c.text_comma_thousands {
            kept
        } else {
            0
        }
    };
    let point = |c: &Column| c.point.kept(c.number_cells);
    let (by_comma, by_point) = (only(&comma, &point), only(&point, &comma));
    // No column tells them apart (`1.500` reads either way): a `;`-separated file, as Dutch and
    // other European exports are, whose numbers all look like thousands with dots, uses the
    // decimal comma; taking `1.500` for 1.5 there would send every value 1000 times too small.
    let thousands = semicolon
        && columns
            .iter()
            .any(|c| c.values > 0 && c.text_dot_thousands + c.number_cells == c.values && c.text_dot_thousands > 0);
    let decimal_comma = by_comma > by_point || by_comma == by_point && thousands;

    let candidate = |i: usize| named(i) && columns[i].id_shaped();
    // A header that says id, with unique values; of several, one whose values look like
    // identifiers (`FO-5000`) before one of row numbers (`Nr`: 1, 2, 3).
    let id_header = |i: usize| candidate(i) && looks_like_id_header(&profile.headers[i]) && columns[i].unique();
    let by_header = (0..columns.len())
        .find(|&i| id_header(i) && columns[i].id_like == columns[i].values)
        .or_else(|| (0..columns.len()).find(|&i| id_header(i)));
    let by_values = (0..columns.len()).find(|&i| candidate(i) && columns[i].unique());
    let nearly = (0..columns.len())
        .find(|&i| candidate(i) && looks_like_id_header(&profile.headers[i]) && columns[i].nearly_unique());
    let (external_id, id_note) = match (by_header, by_values, nearly) {
        (Some(i), _, _) => (
            Some(i),
            if columns[i].values == 1 {
                "its header names an id and its one value is present".to_owned()
            } else {
                format!("its header names an id and its {} values are unique", columns[i].values)
            },
        ),
        (None, _, Some(i)) => (
            Some(i),
            format!(
                "its header names an id; {} {} and {} {} missing, which relsync check reports",
                columns[i].repeats,
                if columns[i].repeats == 1 {
                    "value repeats"
                } else {
                    "values repeat"
                },
                columns[i].empty,
                if columns[i].empty == 1 { "is" } else { "are" },
            ),
        ),
        (None, Some(i), None) => (
            Some(i),
            format!(
                "the first column whose {} are all present and unique; check it",
                if columns[i].values == 1 {
                    "1 value".to_owned()
                } else {
                    format!("{} values", columns[i].values)
                }
            ),
        ),
        (None, None, None) => (
            (0..columns.len()).find(|&i| named(i)),
            "check: no column has a unique value in every row".to_owned(),
        ),
    };

    let mut date_formats: Vec<String> = Vec::new();
    let mut guesses = Vec::new();
    for (col, column) in columns.iter().enumerate() {
        if !named(col) {
            continue;
        }
        let mut stray_note = None;
        let mut variants = Vec::new();
        let kind = if is_relation(column) {
            Kind::Relation
        } else if Some(col) != external_id
            && let Some((names, strays)) = names_of_rows(profile, col, external_id)
        {
            Kind::RowNames {
                header: profile.headers[names].trim().to_owned(),
                strays,
            }
        } else {
            let format = date_format_of(column);
            let (ty, strays) = property_type(column, decimal_comma, format);
            if let Type::List(_) = ty {
                variants = list_values(column).1;
            }
            let texts = if decimal_comma { &column.comma } else { &column.point };
            let lossy = texts.lost(column.number_cells);
            if lossy > 0
                && mostly(column.number_cells + texts.read(), column.values)
                && let Some((example, sent, row)) = texts.example()
            {
                stray_note = Some(format!(
                    "; text, not a number: a number column would change {lossy} {} such as '{}' (row {row}), \
                     sent as {sent}",
                    if lossy == 1 { "value" } else { "values" },
                    crate::problem::quoted(example)
                ));
            }
            if !decimal_comma
                && ty != Type::Number
                && column.text_comma_thousands > 0
                && mostly(
                    column.number_cells + column.point.read() + column.text_comma_thousands,
                    column.values,
                )
                && let Some((example, row)) = &column.first_comma_thousands
            {
                let decimal = example.replace(',', ".");
                let decimal = decimal.trim_end_matches('0').trim_end_matches('.');
                stray_note = Some(format!(
                    "; text, not a number: a value such as '{}' (row {row}) is {decimal} with a decimal comma and \
                     {} in an English export, and relsync does not guess. Amounts? Export them without thousands \
                     separators and make this type = \"number\" (or set decimal_comma = true if the comma is \
                     the decimal separator)",
                    crate::problem::quoted(example),
                    example.replace(',', "")
                ));
            }
            if strays > 0 {
                stray_note = Some(format!(
                    "; {strays} {} not {}, which relsync check reports",
                    if strays == 1 { "is" } else { "are" },
                    match ty {
                        Type::Number => "a number",
                        Type::Date => "a date",
                        _ => "a URL",
                    }
                ));
            }
            if ty == Type::Date
                && let Some(i) = format
            {
                // The date alone where some values have no time, and with each time seen.
                let timed: u64 = column.text_timed[i].iter().sum();
                let mut seen = Vec::new();
                if timed < column.text_dates[i] {
                    seen.push(TEXT_DATE_NAMES[i].to_owned());
                }
                for (k, name) in TIME_NAMES.iter().enumerate() {
                    if column.text_timed[i][k] > 0 {
                        seen.push(format!("{} {name}", TEXT_DATE_NAMES[i]));
                    }
                }
                for f in seen {
                    if !date_formats.contains(&f) {
                        date_formats.push(f);
                    }
                }
            }
            Kind::Property(ty)
        };
        guesses.push(Guess {
            col,
            header: profile.headers[col].trim().to_owned(),
            kind,
            required: column.values > 0 && column.empty == 0,
            seen: seen(column) + stray_note.as_deref().unwrap_or(""),
            variants,
        });
    }
    let long = |i: usize| profile.long_headers.iter().any(|(c, _)| *c == i);
    let headerless_values = (0..columns.len())
        .filter(|&i| !named(i) && !long(i) && columns[i].values > 0)
        .collect();
    Guesses {
        external_id,
        id_note,
        columns: guesses,
        decimal_comma,
        decimal_comma_guessed: decimal_comma && by_comma == by_point,
        date_formats,
        headerless_values,
    }
}
