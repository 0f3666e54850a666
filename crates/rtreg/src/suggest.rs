//! "Did you mean ...?": the known word nearest to a misspelt one, by edit distance (insertions,
//! deletions, substitutions and swaps of adjacent letters, ignoring case).

/// Words longer than this are not compared (no keyword is anywhere near that long).
const LONGEST: usize = 40;

/// The candidate nearest to `word`, if it is near enough to be a likely misspelling: at most one
/// edit for short words, and at most a third of the word's length otherwise.
pub(crate) fn nearest<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let len = word.chars().count();
    if len == 0 || len > LONGEST {
        return None;
    }
    let limit = (len / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| !c.eq_ignore_ascii_case(word))
        .map(|c| (distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// The optimal-string-alignment distance between `a` and `b`, ignoring ASCII case.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    // rows[i][j] = distance between a[..i] and b[..j]; three rows are enough.
    let width = b.len() + 1;
    let mut before: Vec<usize> = vec![0; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("DEFALT", "DEFAULT"), 1);
        assert_eq!(distance("default", "DEFAULT"), 0);
        assert_eq!(distance("MAXLENGHT", "MAXLENGTH"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_only_near_words() {
        let known = ["DEFAULT", "DESCRIPTION", "TUNABLE"];
        assert_eq!(nearest("DEFALT", known), Some("DEFAULT"));
        assert_eq!(nearest("tuneable", known), Some("TUNABLE"));
        assert_eq!(nearest("XYZ", known), None);
        assert_eq!(nearest("DEFAULT", known), None);
        assert_eq!(nearest(&"A".repeat(1000), known), None);
    }
}
