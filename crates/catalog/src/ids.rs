//! Identifier normalisation, natural ordering and "did you mean" suggestions.
//!
//! Authors write the same control in many ways (`AC-02`, `ac-2`, `AC-2 (1)`,
//! `BASIC_PR.AC-1.1`), and each source file has its own habit too (OSCAL
//! `ac-2.1`, Mappings Explorer `AC-02`, CISO Assistant URNs in lower case).
//! [`canonical`] maps all of them onto the one form the site shows, so that
//! lookups compare canonical strings only.

use std::cmp::Ordering;

/// CyFun assurance-level prefixes that CISO Assistant glues onto measure ids
/// (`BASIC_PR.AC-1.1`). The measure is the same whatever level it belongs to.
const LEVEL_PREFIXES: [&str; 3] = ["BASIC_", "IMPORTANT_", "ESSENTIAL_"];

/// Normalises a control or requirement identifier.
///
/// Rules, applied in order (see the table in the tests):
///
/// 1. Whitespace is removed anywhere (`AC-2 (1)` -> `AC-2(1)`), and the
///    typographic dashes `‐ ‑ ‒ – —` become `-`.
/// 2. A CyFun level prefix `BASIC_`, `IMPORTANT_` or `ESSENTIAL_` is dropped,
///    whatever its case (`basic_pr.ac-1.1` -> `PR.AC-1.1`).
/// 3. SP 800-53 style ids, i.e. exactly two letters, a dash and a number,
///    optionally followed by an enhancement written `(n)` or `.n`
///    (`ac-02`, `AC-2(1)`, `ac-2.1`, `ac-02(01)`), become `AC-2` / `AC-2(1)`:
///    upper case, zero padding removed, enhancement in parentheses. This is
///    the only family whose zero padding is dropped; CSF 2.0 (`GV.OC-01`),
///    CyFun 2025 (`GV.OC-01.1`) and the CRI Profile (`DE.AE-02.01`) keep theirs
///    because their family part contains a dot and they write the padding.
/// 4. Any other id that starts with a letter is upper-cased (`gv.oc-01` ->
///    `GV.OC-01`, ISO `a.5.1` -> `A.5.1`, `t1486` -> `T1486`).
/// 5. Ids that start with a digit keep their case: NIS2 writes lower-case
///    point letters after article numbers (`21.2.d`, `1.1.1.a`, `21.1.sp2`),
///    and ISO clause numbers (`6.1.2`) have no letters at all.
pub fn canonical(id: &str) -> String {
    // Ids as written are almost always ASCII without spaces: nothing to
    // clean then (every reference of every document is looked up here).
    let plain = id.is_ascii() && !id.bytes().any(|b| char::from(b).is_whitespace());
    let cleaned: std::borrow::Cow<str> = if plain {
        std::borrow::Cow::Borrowed(id)
    } else {
        id.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '\u{2010}'..='\u{2014}' => '-',
                c => c,
            })
            .collect::<String>()
            .into()
    };
    let unprefixed = strip_level_prefix(&cleaned);
    if let Some(sp) = sp800_53(unprefixed) {
        return sp;
    }
    match unprefixed.chars().next() {
        Some(c) if c.is_ascii_digit() => unprefixed.to_string(),
        _ if unprefixed.is_ascii() => unprefixed.to_ascii_uppercase(),
        _ => unprefixed.to_uppercase(),
    }
}

/// Drops a CyFun level prefix (case-insensitive); returns the input otherwise.
fn strip_level_prefix(id: &str) -> &str {
    for prefix in LEVEL_PREFIXES {
        if id.len() > prefix.len()
            && id.is_char_boundary(prefix.len())
            && id[..prefix.len()].eq_ignore_ascii_case(prefix)
        {
            return &id[prefix.len()..];
        }
    }
    id
}

/// Recognises `XX-N`, `XX-N(M)` and `XX-N.M` (any case, any zero padding) and
/// renders them as `XX-N` / `XX-N(M)`; `None` for anything else.
fn sp800_53(id: &str) -> Option<String> {
    let bytes = id.as_bytes();
    if bytes.len() < 4
        || !bytes[0].is_ascii_alphabetic()
        || !bytes[1].is_ascii_alphabetic()
        || bytes[2] != b'-'
    {
        return None;
    }
    let rest = &id[3..];
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    if digits_end == 0 {
        return None;
    }
    let base = trim_zeros(&rest[..digits_end]);
    let tail = &rest[digits_end..];
    let enhancement = if tail.is_empty() {
        None
    } else if let Some(inner) = tail.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        Some(all_digits(inner)?)
    } else if let Some(num) = tail.strip_prefix('.') {
        Some(all_digits(num)?)
    } else {
        return None;
    };
    let family = id[..2].to_ascii_uppercase();
    Some(match enhancement {
        Some(e) => format!("{family}-{base}({})", trim_zeros(e)),
        None => format!("{family}-{base}"),
    })
}

fn all_digits(s: &str) -> Option<&str> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then_some(s)
}

/// `007` -> `7`, `0` -> `0`.
fn trim_zeros(digits: &str) -> &str {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        &digits[digits.len() - 1..]
    } else {
        trimmed
    }
}

/// Natural ("human") order: runs of digits compare by value, so `A.5.2` sorts
/// before `A.5.10` and `AC-2(1)` before `AC-20`. Digit runs sort before text
/// (ISO clauses `10.1` before Annex A `A.5.1`), text compares case-insensitively
/// with case as the final tie-break, so the order is total and stable.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let mut left = Chunks(a);
    let mut right = Chunks(b);
    loop {
        match (left.next(), right.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = compare_chunks(x, y);
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

fn compare_chunks(x: &str, y: &str) -> Ordering {
    let x_num = x.as_bytes()[0].is_ascii_digit();
    let y_num = y.as_bytes()[0].is_ascii_digit();
    match (x_num, y_num) {
        (true, true) => {
            let (xt, yt) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
            // Longer (without padding) means larger; equal lengths compare as text.
            xt.len()
                .cmp(&yt.len())
                .then_with(|| xt.cmp(yt))
                .then_with(|| x.len().cmp(&y.len()))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => x
            .chars()
            .flat_map(char::to_lowercase)
            .cmp(y.chars().flat_map(char::to_lowercase)),
    }
}

/// Splits a string into alternating runs of ASCII digits and non-digits.
struct Chunks<'a>(&'a str);

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let first = self.0.chars().next()?;
        let digit = first.is_ascii_digit();
        let end = self
            .0
            .find(|c: char| c.is_ascii_digit() != digit)
            .unwrap_or(self.0.len());
        let (chunk, rest) = self.0.split_at(end);
        self.0 = rest;
        Some(chunk)
    }
}

/// Up to `max` candidates that look like `wanted`, best first, for "did you
/// mean" hints on unknown ids.
///
/// Both sides are compared in [`canonical`] form, case-insensitively. A
/// candidate qualifies when its edit distance is small for the id's length
/// (a third of its length, between 1 and 3) or when it extends `wanted` (typing `AC-2` suggests
/// `AC-2(1)`). Ranking: distance, then natural order. Duplicates are dropped.
pub fn suggest<'a>(
    wanted: &str,
    candidates: impl Iterator<Item = &'a str>,
    max: usize,
) -> Vec<&'a str> {
    let target = canonical(wanted).to_uppercase();
    if target.is_empty() || max == 0 {
        return Vec::new();
    }
    let threshold = (target.chars().count() / 3).clamp(1, 3);
    let mut scored: Vec<(usize, &'a str)> = candidates
        .filter_map(|candidate| {
            let form = canonical(candidate).to_uppercase();
            let distance = levenshtein(&target, &form);
            let extends = form.len() > target.len() && form.starts_with(&target);
            (distance <= threshold || extends).then_some((distance, candidate))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| natural_cmp(a.1, b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(max).map(|(_, c)| c).collect()
}

/// Classic two-row Levenshtein distance over chars (ids are short).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule without the ASCII shortcut, as it was written first.
    fn canonical_reference(id: &str) -> String {
        let cleaned: String = id
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '\u{2010}'..='\u{2014}' => '-',
                c => c,
            })
            .collect();
        let unprefixed = strip_level_prefix(&cleaned);
        if let Some(sp) = sp800_53(unprefixed) {
            return sp;
        }
        match unprefixed.chars().next() {
            Some(c) if c.is_ascii_digit() => unprefixed.to_string(),
            _ => unprefixed.to_uppercase(),
        }
    }

    #[test]
    fn the_ascii_shortcut_gives_what_the_full_rule_gives() {
        let samples = [
            "ac-02(01)",
            "pr.ac-1.1",
            "basic_pr.ac-1.1",
            "21.2.d",
            "gv.oc-01",
            "a.5.1",
            "t1486",
            " ac-2 ",
            "ac\t-2",
            "ac\u{b}-2",
            "ac\u{c}2",
            "ac\r\n-2",
            "ac–2",
            "ßx-1",
            "é.1",
            "",
            " ",
            "IMPORTANT_",
            "x",
        ];
        for id in samples {
            assert_eq!(canonical(id), canonical_reference(id), "{id:?}");
        }
        for a in ' '..='~' {
            for b in ' '..='~' {
                let id = format!("{a}c-{b}1");
                assert_eq!(canonical(&id), canonical_reference(&id), "{id:?}");
            }
        }
    }

    #[test]
    fn canonical_table() {
        let table = [
            // SP 800-53: padding dropped, enhancements in parentheses.
            ("AC-02", "AC-2"),
            ("ac-2", "AC-2"),
            ("AC-2", "AC-2"),
            ("ac-2.1", "AC-2(1)"),
            ("AC-2(1)", "AC-2(1)"),
            ("ac-02(01)", "AC-2(1)"),
            ("AC-2 (1)", "AC-2(1)"),
            ("AC-02(10)", "AC-2(10)"),
            ("sc-7.10", "SC-7(10)"),
            ("AC-0", "AC-0"),
            ("ac", "AC"),
            // Not 800-53 shaped: only upper-cased.
            ("ac-2_smt.k", "AC-2_SMT.K"),
            ("AC-2k", "AC-2K"),
            // CyFun 2023: level prefixes dropped.
            ("BASIC_PR.AC-1.1", "PR.AC-1.1"),
            ("basic_pr.ac-1.1", "PR.AC-1.1"),
            ("IMPORTANT_PR.AC-1.2", "PR.AC-1.2"),
            ("Essential_PR.AC-1.3", "PR.AC-1.3"),
            ("PR.AC-1.1", "PR.AC-1.1"),
            ("PR.AC-1", "PR.AC-1"),
            // CSF 2.0, CyFun 2025 and CRI keep their padding.
            ("gv.oc-01", "GV.OC-01"),
            ("GV.OC-01", "GV.OC-01"),
            ("gv.oc-01.1", "GV.OC-01.1"),
            ("DE.AE-02.01", "DE.AE-02.01"),
            // NIS2: starts with a digit, case kept.
            ("21.2.d", "21.2.d"),
            ("1.1.1.a", "1.1.1.a"),
            ("21.1.sp2", "21.1.sp2"),
            ("4.3.2:1", "4.3.2:1"),
            // ISO/IEC 27001.
            ("a.5.1", "A.5.1"),
            ("A.8.13", "A.8.13"),
            ("6.1.2", "6.1.2"),
            // ATT&CK.
            ("t1486", "T1486"),
            ("t1059.001", "T1059.001"),
            // Typography and spacing.
            ("AC\u{2013}2", "AC-2"),
            ("  ac-2  ", "AC-2"),
            ("", ""),
        ];
        for (input, expected) in table {
            assert_eq!(canonical(input), expected, "canonical({input:?})");
        }
    }

    #[test]
    fn canonical_is_idempotent() {
        for id in [
            "ac-02(01)",
            "basic_pr.ac-1.1",
            "gv.oc-01",
            "21.2.d",
            "a.5.10",
        ] {
            let once = canonical(id);
            assert_eq!(canonical(&once), once);
        }
    }

    #[test]
    fn natural_sort_table() {
        let mut ids = vec![
            "A.5.10",
            "A.5.2",
            "10.1",
            "4.1",
            "A.5.1",
            "9.3.3",
            "A.8.1",
            "AC-20",
            "AC-2(1)",
            "AC-2",
            "AC-2(10)",
            "AC-2(2)",
            "ac-3",
            "T1059.001",
            "T1059",
            "T1059.010",
        ];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            ids,
            vec![
                "4.1",
                "9.3.3",
                "10.1",
                "A.5.1",
                "A.5.2",
                "A.5.10",
                "A.8.1",
                "AC-2",
                "AC-2(1)",
                "AC-2(2)",
                "AC-2(10)",
                "ac-3",
                "AC-20",
                "T1059",
                "T1059.001",
                "T1059.010",
            ]
        );
    }

    #[test]
    fn natural_cmp_is_total() {
        assert_eq!(natural_cmp("A01", "A1"), Ordering::Greater);
        assert_eq!(natural_cmp("a", "A"), Ordering::Greater);
        assert_eq!(natural_cmp("AC-2", "AC-2"), Ordering::Equal);
        assert_eq!(natural_cmp("", "A"), Ordering::Less);
    }

    #[test]
    fn suggestions() {
        let ids = [
            "AC-2", "AC-2(1)", "AC-2(2)", "AC-3", "AC-20", "AU-2", "SC-7", "T1486", "T1485",
        ];
        assert_eq!(
            suggest("AC-22", ids.iter().copied(), 3),
            vec!["AC-2", "AC-20"]
        );
        assert_eq!(
            suggest("ac-02", ids.iter().copied(), 10),
            vec!["AC-2", "AC-3", "AC-20", "AU-2", "AC-2(1)", "AC-2(2)"]
        );
        assert_eq!(
            suggest("t1484", ids.iter().copied(), 2),
            vec!["T1485", "T1486"]
        );
        assert!(suggest("ZZ-99", ids.iter().copied(), 5).is_empty());
        assert!(suggest("", ids.iter().copied(), 5).is_empty());
    }

    #[test]
    fn levenshtein_table() {
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("AC-2", "AC-2"), 0);
        assert_eq!(levenshtein("AC-2", "AC-20"), 1);
    }
}
