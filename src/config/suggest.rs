//! "Did you mean" for unknown keys: the closest known key by edit distance (`strsim`).

pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.len() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggests_near_misses_only() {
        assert_eq!(
            super::closest("kelly_fracton", ["kelly_fraction", "seed"]),
            Some("kelly_fraction")
        );
        assert_eq!(super::closest("zzz", ["kelly_fraction"]), None);
    }
}
