//! The catalogue of problem codes: every code users can see, its kebab-case name and its one
//! severity. Users filter reports on these strings; never rename one.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad a problem is. Errors stop the body; warnings stop it only with `--strict`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The stable rule codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    MissingColumn,
    DuplicateColumn,
    UnmappedColumn,
    EmptyHeaderRow,
    DataAboveHeader,
    MissingExternalId,
    DuplicateExternalId,
    ExternalIdTooLong,
    RequiredEmpty,
    InternalOwnedFilled,
    NotANumber,
    NotADate,
    NotInList,
    TextTooLong,
    LineBreakInSingleLineText,
    LineBreakInExternalId,
    ControlCharacter,
    ReplacementCharacter,
    NotAUrl,
    ErrorCell,
    TooManyTargets,
    UnknownTargetType,
    DuplicateTarget,
    TimeDropped,
    EmptyBody,
    InvalidBody,
    ExtraCell,
    MissingCell,
    UnclosedQuote,
    UnknownTarget,
    AmbiguousTarget,
}

impl Code {
    /// Every code, in the order the README documents them.
    pub const ALL: [Code; 31] = [
        Code::MissingColumn,
        Code::DuplicateColumn,
        Code::UnmappedColumn,
        Code::EmptyHeaderRow,
        Code::DataAboveHeader,
        Code::MissingExternalId,
        Code::DuplicateExternalId,
        Code::ExternalIdTooLong,
        Code::RequiredEmpty,
        Code::InternalOwnedFilled,
        Code::NotANumber,
        Code::NotADate,
        Code::NotInList,
        Code::TextTooLong,
        Code::LineBreakInSingleLineText,
        Code::LineBreakInExternalId,
        Code::ControlCharacter,
        Code::ReplacementCharacter,
        Code::NotAUrl,
        Code::ErrorCell,
        Code::TooManyTargets,
        Code::UnknownTargetType,
        Code::DuplicateTarget,
        Code::TimeDropped,
        Code::EmptyBody,
        Code::InvalidBody,
        Code::ExtraCell,
        Code::MissingCell,
        Code::UnclosedQuote,
        Code::UnknownTarget,
        Code::AmbiguousTarget,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::MissingColumn => "missing-column",
            Code::DuplicateColumn => "duplicate-column",
            Code::UnmappedColumn => "unmapped-column",
            Code::EmptyHeaderRow => "empty-header-row",
            Code::DataAboveHeader => "data-above-header",
            Code::MissingExternalId => "missing-external-id",
            Code::DuplicateExternalId => "duplicate-external-id",
            Code::ExternalIdTooLong => "external-id-too-long",
            Code::RequiredEmpty => "required-empty",
            Code::InternalOwnedFilled => "internal-owned-filled",
            Code::NotANumber => "not-a-number",
            Code::NotADate => "not-a-date",
            Code::NotInList => "not-in-list",
            Code::TextTooLong => "text-too-long",
            Code::LineBreakInSingleLineText => "line-break-in-single-line-text",
            Code::LineBreakInExternalId => "line-break-in-external-id",
            Code::ControlCharacter => "control-character",
            Code::ReplacementCharacter => "replacement-character",
            Code::NotAUrl => "not-a-url",
            Code::ErrorCell => "error-cell",
            Code::TooManyTargets => "too-many-targets",
            Code::UnknownTargetType => "unknown-target-type",
            Code::DuplicateTarget => "duplicate-target",
            Code::TimeDropped => "time-dropped",
            Code::EmptyBody => "empty-body",
            Code::InvalidBody => "invalid-body",
            Code::ExtraCell => "extra-cell",
            Code::MissingCell => "missing-cell",
            Code::UnclosedQuote => "unclosed-quote",
            Code::UnknownTarget => "unknown-target",
            Code::AmbiguousTarget => "ambiguous-target",
        }
    }

    /// Each code has one severity, so a report reader can rely on it.
    pub fn severity(self) -> Severity {
        match self {
            Code::UnmappedColumn
            | Code::DataAboveHeader
            | Code::DuplicateTarget
            | Code::TimeDropped
            | Code::ReplacementCharacter => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = ();

    fn from_str(s: &str) -> Result<Code, ()> {
        Code::ALL.into_iter().find(|c| c.as_str() == s).ok_or(())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Code, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse()
            .map_err(|()| serde::de::Error::custom(format!("unknown problem code '{s}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_kebab_case_unique_and_reads_back() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{s}");
            assert!(seen.insert(s), "{s} twice");
            assert_eq!(s.parse::<Code>(), Ok(code));
        }
    }
}
