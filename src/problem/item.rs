//! One problem in the user's data, with everything a report needs.

use super::code::{Code, Severity};

/// Longest offending value kept in a problem; longer ones are cut with an ellipsis.
const MAX_VALUE_CHARS: usize = 1000;

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
        self.column = Some(header.to_owned());
        self
    }

    pub fn property(mut self, name: &str) -> Problem {
        self.property = Some(name.to_owned());
        self
    }

    pub fn value(mut self, value: &str) -> Problem {
        self.value = Some(clip(value, MAX_VALUE_CHARS));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_marks_the_cut() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("ééé", 2), "éé…");
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
