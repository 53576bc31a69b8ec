//! "Did you mean …?" suggestions by edit distance.

/// The candidate closest to `name`, if it is close enough to be a plausible typo: at most a third
/// of the name's length in edits (at least one), compared case-sensitively, ties to the first.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|&(d, c)| d <= limit || c.eq_ignore_ascii_case(name))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_near_names_only() {
        let names = ["Ac", "Ag", "CL", "V"];
        assert_eq!(closest("Acc", names), Some("Ac"));
        assert_eq!(closest("cl", names), Some("CL"));
        assert_eq!(closest("volume", names), None);
    }
}
