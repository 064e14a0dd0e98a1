//! "Did you mean ...?": the closest of a set of names, for messages.

/// The candidate most like `wanted` (case and surrounding spaces ignored), if any is close.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = wanted.trim().to_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let c = candidate.trim().to_lowercase();
        if c.is_empty() {
            continue;
        }
        let score = strsim::jaro_winkler(&wanted, &c).max(strsim::normalized_damerau_levenshtein(&wanted, &c));
        if score >= 0.75 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggestions() {
        let headers = ["ID", "Title", "Due Date", "Status", "Parent"];
        assert_eq!(closest("Due", headers), Some("Due Date"));
        assert_eq!(closest("due date", headers), Some("Due Date"));
        assert_eq!(closest("Titel", headers), Some("Title"));
        assert_eq!(closest("Statsu", headers), Some("Status"));
        assert_eq!(closest("Owner", headers), None);
        assert_eq!(closest("x", []), None);
    }
}
