//! One problem in the user's data, with everything a report needs.

use super::code::{Code, Severity};

/// Longest offending value kept in a problem; longer ones are cut, saying their length.
pub const MAX_VALUE_CHARS: usize = 1000;
/// Longest column header kept in a problem.
pub const MAX_HEADER_CHARS: usize = 200;
/// Longest text from the sheet quoted in a message.
pub const MAX_QUOTED_CHARS: usize = 100;
/// Longest message kept: messages quote texts from the sheet clipped, so only a message built
/// around a text nobody clipped reaches this, and is cut rather than copied into every report.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// One problem in the user's data, with everything a report needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub code: Code,
    /// 1-based row as Excel shows it; `None` for problems of the whole sheet.
    pub row: Option<u32>,
    /// 0-based column index; `None` for problems of a whole row or sheet.
    pub col: Option<u32>,
    /// Physical line in a CSV file where the record starts, when it differs from the row.
    pub line: Option<u64>,
    /// Where in a body file (`Requirements[3].@externalid`, `line 12`), for body checks.
    pub path: Option<String>,
    /// Header text of the column.
    pub column: Option<String>,
    /// Template name of the property or relation.
    pub property: Option<String>,
    /// The offending text.
    pub value: Option<String>,
    /// What is wrong and how to fix it, without the location (reports add that).
    pub message: String,
}

impl Problem {
    pub fn new(code: Code, message: impl Into<String>) -> Problem {
        Problem {
            code,
            row: None,
            col: None,
            line: None,
            path: None,
            column: None,
            property: None,
            value: None,
            message: message.into(),
        }
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn at(mut self, row: u32, col: Option<u32>) -> Problem {
        self.row = Some(row);
        self.col = col;
        self
    }

    pub fn line(mut self, line: Option<u64>) -> Problem {
        self.line = line;
        self
    }

    pub fn path(mut self, path: impl Into<String>) -> Problem {
        self.path = Some(path.into());
        self
    }

    pub fn column(mut self, header: &str) -> Problem {
        self.column = Some(bound(header, MAX_HEADER_CHARS));
        self
    }

    pub fn property(mut self, name: &str) -> Problem {
        self.property = Some(name.to_owned());
        self
    }

    pub fn value(mut self, value: &str) -> Problem {
        self.value = Some(bound(value, MAX_VALUE_CHARS));
        self
    }

    /// Every text at most as long as a report keeps it: the value, the header and the message
    /// (a guard for texts that reached a problem unclipped; each is cut saying its length).
    pub fn bounded(mut self) -> Problem {
        let bounded = |text: &mut Option<String>, max: usize| {
            if let Some(t) = text
                && over(t, max)
            {
                *t = clip_said(t, max);
            }
        };
        bounded(&mut self.value, MAX_VALUE_CHARS);
        bounded(&mut self.column, MAX_HEADER_CHARS);
        bounded(&mut self.property, MAX_HEADER_CHARS);
        bounded(&mut self.path, MAX_HEADER_CHARS);
        if over(&self.message, MAX_MESSAGE_CHARS) {
            // The start says what is wrong and the end how to fix it: the middle goes.
            self.message = clip_middle(&self.message, MAX_MESSAGE_CHARS);
        }
        self
    }

    /// `C17`-style cell reference, if the problem has a row and a column.
    pub fn cell(&self) -> Option<String> {
        Some(crate::cellref::cell_name(self.row?, self.col?))
    }

    /// Sort key: by row, then column; problems without a place come last.
    pub(super) fn order(&self) -> (u32, u32) {
        (self.row.unwrap_or(u32::MAX), self.col.unwrap_or(u32::MAX))
    }
}

/// Cuts `s` to at most `max` characters, marking the cut with an ellipsis.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

/// Cuts `s` to at most `max` characters, marking the cut with an ellipsis and saying how long
/// the whole text is: `Omschrijving van het…(100,000 characters)`.
pub fn clip_said(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((at, _)) => format!("{}… ({} characters)", &s[..at], thousands(s.chars().count() as u64)),
    }
}

/// Whether `t` is longer than `max` characters by more than a clipped text's note of its
/// length: a text clipped already is left alone.
fn over(t: &str, max: usize) -> bool {
    t.len() > max + 40 && t.chars().count() > max + 40
}

/// `t` as a report keeps it: whole, or clipped to `max` characters saying its length.
fn bound(t: &str, max: usize) -> String {
    if over(t, max) { clip_said(t, max) } else { t.to_owned() }
}

/// `s` with its middle left out when it is longer than `max` characters, saying how much:
/// `start … [12,345 characters left out] … end`.
pub fn clip_middle(s: &str, max: usize) -> String {
    let total = s.chars().count();
    if total <= max {
        return s.to_owned();
    }
    let head = max * 2 / 3;
    let tail = max - head;
    let head_end = s.char_indices().nth(head).map_or(s.len(), |(at, _)| at);
    let tail_start = s.char_indices().nth(total - tail).map_or(s.len(), |(at, _)| at);
    format!(
        "{} … [{} characters left out] … {}",
        &s[..head_end],
        thousands((total - head - tail) as u64),
        &s[tail_start..]
    )
}

/// A text from the sheet as a message quotes it (without the quotes): whole when short, else
/// its start and its length.
pub fn quoted(s: &str) -> String {
    clip_said(s, MAX_QUOTED_CHARS)
}

/// `100000` as `100,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_marks_the_cut() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("ééé", 2), "éé…");
        assert_eq!(clip_said("abc", 3), "abc");
        assert_eq!(clip_said(&"x".repeat(100_000), 3), "xxx… (100,000 characters)");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn problems_keep_bounded_texts() {
        let long = "h".repeat(100_000);
        let p = Problem::new(Code::NotADate, long.clone())
            .column(&long)
            .value(&long)
            .bounded();
        assert!(p.column.as_deref().unwrap().ends_with("(100,000 characters)"));
        assert!(p.value.as_deref().unwrap().chars().count() < MAX_VALUE_CHARS + 30);
        assert!(p.message.chars().count() < MAX_MESSAGE_CHARS + 60);
        assert_eq!(clip_middle("abcdefghij", 6), "abcd … [4 characters left out] … ij");
    }

    #[test]
    fn cells_need_a_row_and_a_column() {
        assert_eq!(
            Problem::new(Code::NotADate, "m").at(17, Some(2)).cell().as_deref(),
            Some("C17")
        );
        assert_eq!(Problem::new(Code::MissingColumn, "m").at(1, None).cell(), None);
    }
}
