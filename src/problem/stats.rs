//! The counts a run reports beside its problems.

/// Rows, empty rows and elements of one run, for the summary line and the reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Data rows read (below the header row), empty ones included.
    pub rows: u64,
    /// Data rows skipped because every cell was empty.
    pub empty_rows: u64,
    /// Elements the body holds (one per non-empty data row).
    pub elements: u64,
}
