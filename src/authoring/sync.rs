//! Relatics' own Excel sync template for an interface (downloaded from the interface's page, or
//! written by `convert -o FILE.xlsx`): a header row with `ExternalId` and then one column per
//! property and relation, named exactly as Relatics names them. Its names are matched to the
//! export's headers: exactly, then ignoring case, spaces, `-` and `_`, then by a close spelling.

use crate::input::{Cell, InputError, InputSpec, Row, RowSink, SheetInfo, Stopped};

/// The names in a sync template, and its sheet's name.
#[derive(Debug, Default)]
pub struct SyncTemplate {
    pub sheet: Option<String>,
    pub names: Vec<String>,
    /// Names the template has more than once (each kept once in `names`).
    pub repeated: Vec<String>,
    /// The type element's (singular) name, where a row above the header gives it
    /// (`Type element` | `Fysiek object`).
    pub singular: Option<String>,
}

#[derive(Default)]
struct HeaderRow {
    sheet: Option<String>,
    names: Option<Vec<String>>,
    singular: Option<String>,
}

/// Labels of a cell whose right neighbour names the type element, above the header row.
const TYPE_LABELS: [&str; 6] = [
    "type",
    "type element",
    "typeelement",
    "element type",
    "elementtype",
    "objecttype",
];

impl RowSink for HeaderRow {
    fn start(&mut self, info: SheetInfo) -> Result<(), Stopped> {
        self.sheet = info.sheet;
        Ok(())
    }

    fn row(&mut self, row: &mut Row) -> Result<(), Stopped> {
        let texts: Vec<String> = row
            .cells()
            .map(|(_, c)| match c {
                Cell::Text(t) => t.trim().to_owned(),
                _ => String::new(),
            })
            .collect();
        if texts.iter().any(|t| t.eq_ignore_ascii_case("ExternalId")) {
            self.names = Some(texts);
            return Err(Stopped);
        }
        if self.singular.is_none() {
            self.singular = texts.windows(2).find_map(|pair| {
                let label = pair[0].trim_end_matches(':').trim().to_lowercase();
                (TYPE_LABELS.contains(&label.as_str()) && !pair[1].is_empty() && pair[1].chars().count() <= 255)
                    .then(|| pair[1].clone())
            });
        }
        Ok(())
    }

    fn restart(&mut self) -> Result<(), Stopped> {
        *self = HeaderRow::default();
        Ok(())
    }
}

/// Reads the names of a sync template: the row that holds `ExternalId`, and every non-empty
/// header after it. A workbook's sheet named `prefer` (the export's sheet, which is usually
/// named after the type) is read when it has one; else its first sheet.
pub fn read(spec: &InputSpec, prefer: Option<&str>) -> Result<Result<SyncTemplate, String>, InputError> {
    if spec.sheet.is_none()
        && let Some(name) = prefer
    {
        let mut named = spec.clone();
        named.sheet = Some(name.to_owned());
        match read_sheet(&named) {
            Err(InputError::SheetNotFound { .. }) => {}
            Ok(Err(_)) => {}
            found => return found,
        }
    }
    read_sheet(spec)
}

fn read_sheet(spec: &InputSpec) -> Result<Result<SyncTemplate, String>, InputError> {
    let mut header = HeaderRow::default();
    match crate::input::read(spec, &mut header) {
        Ok(()) | Err(InputError::Stopped) => {}
        Err(e) => return Err(e),
    }
    let Some(texts) = header.names else {
        return Ok(Err(format!(
            "{}{} has no header row with 'ExternalId'; is it the Excel sync template of the interface?",
            spec.path.display(),
            header.sheet.map(|s| format!(" (sheet '{s}')")).unwrap_or_default()
        )));
    };
    let start = texts
        .iter()
        .position(|t| t.eq_ignore_ascii_case("ExternalId"))
        .unwrap_or(0);
    let mut seen = std::collections::HashSet::new();
    let (mut names, mut repeated) = (Vec::new(), Vec::new());
    for name in texts[start + 1..].iter().filter(|t| !t.is_empty()) {
        if seen.insert(name.as_str()) {
            names.push(name.clone());
        } else if !repeated.contains(name) {
            repeated.push(name.clone());
        }
    }
    Ok(Ok(SyncTemplate {
        sheet: header.sheet,
        names,
        repeated,
        singular: header.singular,
    }))
}

/// How a name found its column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    Exact,
    Loose,
    Close,
}

impl Match {
    pub fn describe(self) -> &'static str {
        match self {
            Match::Exact => "matched exactly",
            Match::Loose => "matched ignoring case, spaces, '-' and '_'",
            Match::Close => "matched by a close spelling",
        }
    }
}

/// `Due date`, `due-date`, `DueDate` -> `duedate`.
pub(super) fn loose(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Matches every name to at most one header and every header to at most one name: exact
/// matches first, then loose ones, then close spellings (bounded like every suggestion: see
/// `crate::suggest`). Returns, per name, the header index and how it matched. The exact and
/// loose passes look names up in tables, so a sheet of 16,384 columns costs what its headers
/// cost.
pub fn match_names(names: &[String], headers: &[String]) -> Vec<Option<(usize, Match)>> {
    use std::collections::{HashMap, VecDeque};
    let mut result: Vec<Option<(usize, Match)>> = vec![None; names.len()];
    let mut taken = vec![false; headers.len()];
    type Key = fn(&str) -> String;
    let passes: [(Match, Key); 2] = [(Match::Exact, |h| h.trim().to_owned()), (Match::Loose, loose)];
    for (kind, key) in passes {
        // The free headers by key, in sheet order.
        let mut by_key: HashMap<String, VecDeque<usize>> = HashMap::new();
        for (h, header) in headers.iter().enumerate() {
            if !taken[h] && !header.trim().is_empty() {
                by_key.entry(key(header)).or_default().push_back(h);
            }
        }
        for (i, name) in names.iter().enumerate() {
            if result[i].is_some() {
                continue;
            }
            let wanted = if kind == Match::Exact { name.clone() } else { key(name) };
            if let Some(h) = by_key.get_mut(&wanted).and_then(VecDeque::pop_front) {
                taken[h] = true;
                result[i] = Some((h, kind));
            }
        }
    }
    let prepared: Vec<(usize, String, usize)> = (0..headers.len())
        .filter(|&h| !taken[h] && !headers[h].trim().is_empty())
        .map(|h| {
            let (text, n) = crate::suggest::prepare(&loose(&headers[h]));
            (h, text, n)
        })
        .collect();
    let mut budget = crate::suggest::Budget::default();
    for (i, name) in names.iter().enumerate() {
        if result[i].is_some() {
            continue;
        }
        let (wanted, n) = crate::suggest::prepare(&loose(name));
        let mut best: Option<(usize, f64)> = None;
        for (h, text, m) in &prepared {
            if taken[*h] || !crate::suggest::comparable(n, *m) {
                continue;
            }
            if !budget.take() {
                break;
            }
            let score = strsim::normalized_levenshtein(&wanted, text);
            if score >= 0.75 && best.is_none_or(|(_, s)| score > s) {
                best = Some((*h, score));
            }
        }
        if let Some((h, _)) = best {
            taken[h] = true;
            result[i] = Some((h, Match::Close));
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_exactly_then_loosely_then_closely() {
        let names: Vec<String> = ["Name", "Due date", "Kosten (€)", "Geverifieerd door", "Nowhere"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let headers: Vec<String> = ["ID", "Name", "DUE-DATE", "Kosten (e)", "Geverifieerd_door", "Other"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let found = match_names(&names, &headers);
        assert_eq!(found[0], Some((1, Match::Exact)));
        assert_eq!(found[1], Some((2, Match::Loose)));
        assert_eq!(found[2], Some((3, Match::Close)));
        assert_eq!(found[3], Some((4, Match::Loose)));
        assert_eq!(found[4], None);
    }
}
