//! "Did you mean ...?": the closest of a set of names, for messages.
//!
//! A suggestion is for a typo, so the work is bounded whatever the texts: each text is compared
//! by its first [`MAX_COMPARED`] characters only (both measures used here cost the product of
//! the two lengths), texts of very different lengths are not compared at all, and a question
//! looks at no more than [`MAX_CANDIDATES`] candidates. A suggestion may then be missing; a run
//! is never slow because of one. [`Budget`] bounds the questions of a whole run.

/// Characters of each text that are compared.
pub const MAX_COMPARED: usize = 32;
/// Candidates one question compares at most.
pub const MAX_CANDIDATES: usize = 10_000;
/// The lowest score that still counts as close.
const THRESHOLD: f64 = 0.75;

/// `text` trimmed, lower-cased and cut to [`MAX_COMPARED`] characters, with its length in
/// characters.
pub fn prepare(text: &str) -> (String, usize) {
    let mut out = String::new();
    let mut n = 0;
    for c in text.trim().chars().take(MAX_COMPARED) {
        out.extend(c.to_lowercase());
        n += 1;
    }
    (out, n)
}

/// Whether two texts of these lengths (in characters, as [`prepare`] gives them) are worth
/// comparing: a typo does not double a word's length.
pub fn comparable(a: usize, b: usize) -> bool {
    let (short, long) = (a.min(b), a.max(b));
    short > 0 && long <= 2 * short + 4
}

/// How alike two prepared texts are, from 0 to 1: the better of Jaro-Winkler (which forgives
/// swapped letters) and the normalized Levenshtein distance.
pub fn score(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b).max(strsim::normalized_levenshtein(a, b))
}

/// The candidate most like `wanted` (case and surrounding spaces ignored), if any is close.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    closest_within(wanted, candidates, &mut Budget::new(u64::MAX))
}

/// [`closest`], drawing on `budget`: none once it is spent.
pub fn closest_within<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    budget: &mut Budget,
) -> Option<&'a str> {
    let (wanted, n) = prepare(wanted);
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates.into_iter().take(MAX_CANDIDATES) {
        let (c, m) = prepare(candidate);
        if !comparable(n, m) {
            continue;
        }
        if !budget.take() {
            break;
        }
        let score = score(&wanted, &c);
        if score >= THRESHOLD && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Comparisons a run may still spend on suggestions; once spent, no more are made.
#[derive(Clone, Copy, Debug)]
pub struct Budget(u64);

impl Budget {
    /// Comparisons per run: about a second at the very most (measured: under 2 microseconds
    /// for two texts of 32 characters, both measures), whatever the texts.
    pub const RUN: u64 = 500_000;

    pub fn new(comparisons: u64) -> Budget {
        Budget(comparisons)
    }

    /// Takes one comparison; false when none is left.
    pub fn take(&mut self) -> bool {
        if self.0 == 0 {
            return false;
        }
        self.0 -= 1;
        true
    }
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::new(Budget::RUN)
    }
}

/// A fixed set of candidates asked about many times (the headers of a sheet): prepared once,
/// each question drawing on one [`Budget`].
pub struct Suggester<'a> {
    candidates: Vec<(&'a str, String, usize)>,
    budget: Budget,
}

impl<'a> Suggester<'a> {
    pub fn new(candidates: impl IntoIterator<Item = &'a str>) -> Suggester<'a> {
        Suggester {
            candidates: candidates
                .into_iter()
                .filter(|c| !c.trim().is_empty())
                .map(|c| {
                    let (prepared, n) = prepare(c);
                    (c, prepared, n)
                })
                .collect(),
            budget: Budget::default(),
        }
    }

    /// The candidate most like `wanted`, among those `allowed` says may be suggested.
    pub fn closest_where(&mut self, wanted: &str, allowed: impl Fn(&str) -> bool) -> Option<&'a str> {
        let (wanted, n) = prepare(wanted);
        let mut best: Option<(f64, &'a str)> = None;
        let mut asked = 0;
        for (original, prepared, m) in &self.candidates {
            if !comparable(n, *m) || !allowed(original) {
                continue;
            }
            asked += 1;
            if asked > MAX_CANDIDATES || !self.budget.take() {
                break;
            }
            let score = score(&wanted, prepared);
            if score >= THRESHOLD && best.is_none_or(|(s, _)| score > s) {
                best = Some((score, original));
            }
        }
        best.map(|(_, c)| c)
    }

    pub fn closest(&mut self, wanted: &str) -> Option<&'a str> {
        self.closest_where(wanted, |_| true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let headers = ["ID", "Title", "Due Date", "Status", "Parent"];
        assert_eq!(closest("Due", headers), Some("Due Date"));
        assert_eq!(closest("due date", headers), Some("Due Date"));
        assert_eq!(closest("Titel", headers), Some("Title"));
        assert_eq!(closest("Statsu", headers), Some("Status"));
        assert_eq!(closest("Owner", headers), None);
        assert_eq!(closest("x", []), None);
        let mut s = Suggester::new(headers);
        assert_eq!(s.closest("Statsu"), Some("Status"));
        assert_eq!(s.closest_where("Statsu", |h| h != "Status"), None);
    }

    #[test]
    fn long_texts_cost_what_short_ones_do() {
        // 200,000 characters against 100,000: compared by their first 64 characters only.
        let long = "Omschrijving ".repeat(15_000);
        let other = format!("{}x", "Omschrijving ".repeat(7_700));
        assert_eq!(closest(&long, [other.as_str()]), Some(other.as_str()));
        assert_eq!(prepare(&long).1, MAX_COMPARED);
    }

    #[test]
    fn a_spent_budget_gives_no_more_suggestions() {
        let mut s = Suggester::new(["Status"]);
        s.budget = Budget::new(1);
        assert_eq!(s.closest("Statsu"), Some("Status"));
        assert_eq!(s.closest("Statsu"), None);
    }

    #[test]
    fn lengths_far_apart_are_not_compared() {
        assert!(comparable(3, 8));
        assert!(!comparable(3, 11));
        assert!(!comparable(0, 0));
    }
}
