//! Every diagnostic code crosswalk emits. Codes are stable: tools and
//! reviewers key on them, so a code is never reused for another meaning.

/// (code, short title) for every diagnostic.
pub const CODES: &[(&str, &str)] = &[
    ("CW001", "file is not readable UTF-8"),
    ("CW002", "missing front-matter"),
    ("CW003", "unterminated front-matter"),
    ("CW004", "front-matter TOML syntax error"),
    ("CW005", "missing required key"),
    ("CW006", "unknown key"),
    ("CW007", "wrong value type"),
    ("CW008", "value outside the vocabulary"),
    ("CW009", "invalid date"),
    ("CW010", "id does not match the file number"),
    ("CW011", "duplicate document id or number"),
    ("CW012", "unknown document id"),
    ("CW013", "document refers to itself"),
    ("CW014", "broken relative link"),
    ("CW015", "broken anchor"),
    ("CW016", "unknown ATT&CK technique"),
    ("CW017", "revoked ATT&CK technique"),
    ("CW018", "deprecated ATT&CK technique"),
    ("CW019", "unknown framework"),
    ("CW020", "supersession not reciprocal"),
    ("CW021", "superseded by no document"),
    ("CW022", "cycle in supersedes or requires"),
    (
        "CW023",
        "implements a document that is not a reference architecture",
    ),
    ("CW024", "review date has passed"),
    ("CW025", "unknown control"),
    ("CW026", "withdrawn control"),
    ("CW027", "grouping node cited instead of a requirement"),
    ("CW028", "malformed document id"),
    ("CW029", "malformed version"),
    ("CW030", "file name is not NNNN-slug.md"),
    ("CW031", "tag shares its page with another tag"),
    ("CW033", "updated before created"),
    ("CW036", "image from another host"),
    ("CW037", "theme template error"),
    ("CW038", "reference given twice"),
    ("CW039", "the book cannot be loaded"),
    ("CW040", "invalid book.toml"),
    ("CW041", "catalog configuration error"),
    ("CW042", "catalog file cannot be imported"),
    ("CW043", "mapping refers to an unknown requirement"),
    ("CW044", "theme template fails to render"),
    ("CW045", "document folder is not an area"),
    ("CW046", "relative link in raw HTML"),
    ("CW047", "two requirements of a catalog share an id"),
    ("CW048", "image without a text alternative"),
    ("CW049", "two aliases load the same framework"),
    ("CW050", "level prefix that is not the measure's"),
    (
        "CW051",
        "mapping file rows skipped: control or technique not loaded",
    ),
    ("CW052", "link with a scheme the site drops"),
];

pub fn title(code: &str) -> &'static str {
    CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, t)| t)
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_unique_and_sorted() {
        let codes: Vec<_> = super::CODES.iter().map(|(c, _)| *c).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
    }
}
