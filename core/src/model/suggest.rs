//! "Did you mean" hints: the nearest known spelling to a typo.

/// Levenshtein distance, for "did you mean" hints on typos.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate at the smallest `distance`, if that is at most `max`; between
/// candidates at the same distance, the first in sort order (so the hint never
/// depends on the order candidates come in).
pub(crate) fn nearest<'a>(
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
    distance: impl Fn(&str) -> usize,
) -> Option<&'a str> {
    candidates.into_iter().map(|c| (distance(c), c)).filter(|(d, _)| *d <= max).min().map(|(_, c)| c)
}

/// ` (did you mean "x"?)` for a suggestion, nothing without one: the tail of
/// an "unknown ..." message.
pub(crate) fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map(|s| format!(" (did you mean \"{s}\"?)")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{did_you_mean, edit_distance, nearest};

    #[test]
    fn the_nearest_spelling_is_suggested() {
        assert_eq!(edit_distance("secretsRef", "secretRef"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        let keys = ["name", "owner", "labels"];
        assert_eq!(nearest(keys, 2, |k| edit_distance("ownr", k)), Some("owner"));
        assert_eq!(nearest(keys, 2, |k| edit_distance("purpose", k)), None);
        // A tie goes to the first in sort order.
        assert_eq!(nearest(["bb", "ab"], 1, |k| edit_distance("b", k)), Some("ab"));
        assert_eq!(did_you_mean(Some("owner")), " (did you mean \"owner\"?)");
        assert_eq!(did_you_mean(None), "");
    }
}
