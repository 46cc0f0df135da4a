//! `book.toml`: the book's configuration, with defaults that make an empty
//! file (or no file at all) a working book.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, SourceFile};

/// The whole `book.toml`. Every table rejects unknown keys, so a typo is a
/// located error instead of a silently ignored setting.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct BookConfig {
    pub book: BookSection,
    pub build: BuildSection,
    pub vocabulary: VocabularySection,
    pub attack: AttackSection,
    /// Control frameworks by alias (the `FRAMEWORK` in `FRAMEWORK:ID`).
    /// Empty means "the embedded defaults".
    pub frameworks: BTreeMap<String, FrameworkSection>,
    pub mappings: MappingsSection,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct BookSection {
    pub title: String,
    pub description: String,
    pub language: String,
    /// Directory holding the documents, relative to the book root.
    pub src: PathBuf,
    /// Prefix of document ids: `HCB` gives `HCB-0007`.
    pub id_prefix: String,
    /// Link to the book's repository, shown in the footer ("edit this page").
    pub repository: Option<String>,
}

impl Default for BookSection {
    fn default() -> Self {
        BookSection {
            title: "Untitled book".into(),
            description: String::new(),
            language: "en".into(),
            src: PathBuf::from("docs"),
            id_prefix: "HCB".into(),
            repository: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct BuildSection {
    /// Output directory, relative to the book root.
    pub output: PathBuf,
    /// Where the site is published: a path (`/hcb/`) or a full URL
    /// (`https://example.org/hcb/`). Internal links are relative, so the site
    /// also works from the file system; canonical URLs, the sitemap and the
    /// feed use this.
    pub base_url: String,
    /// Build the search index (on by default; `build --no-search` overrides).
    pub search: bool,
    /// Parts the search index is split into, built in parallel and merged
    /// in the browser; unset: one part per 1,000 searchable pages, at most 12.
    pub search_shards: Option<usize>,
}

impl Default for BuildSection {
    fn default() -> Self {
        BuildSection {
            output: PathBuf::from("site"),
            base_url: "/".into(),
            search: true,
            search_shards: None,
        }
    }
}

/// Extra values accepted on top of the built-in vocabularies.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct VocabularySection {
    pub kinds: Vec<String>,
    pub statuses: Vec<String>,
    pub areas: Vec<String>,
    pub audiences: Vec<String>,
    /// Display names for areas and other values (`supply-chain = "Supply chain"`).
    pub titles: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct AttackSection {
    /// Pinned ATT&CK release. The embedded bundles are 18.1; pinning another
    /// version requires pointing the domains at bundle files.
    pub version: String,
    /// Domains to load (`enterprise`, `ics`, `mobile`).
    pub domains: Vec<String>,
    /// Replace a domain's embedded bundle with a STIX 2.1 file, relative to
    /// the book root.
    pub files: BTreeMap<String, PathBuf>,
}

impl Default for AttackSection {
    fn default() -> Self {
        AttackSection {
            version: crate::catalog::EMBEDDED_ATTACK_VERSION.into(),
            domains: vec!["enterprise".into(), "ics".into(), "mobile".into()],
            files: BTreeMap::new(),
        }
    }
}

/// One framework alias in `[frameworks.ALIAS]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct FrameworkSection {
    /// Name of an embedded catalog (`crosswalk catalogs` lists them).
    pub catalog: Option<String>,
    /// A catalog file of the book's own, relative to the book root.
    pub file: Option<PathBuf>,
    /// Format of `file`: `oscal` or `ciso` (guessed from the extension when absent).
    pub format: Option<String>,
    /// Pinned version: loading fails if the catalog's version differs.
    pub version: Option<String>,
    /// Display name override.
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct MappingsSection {
    /// Use the embedded mapping sets.
    pub embedded: bool,
    /// Extra mapping files of the book's own (CISO Assistant mapping YAML or
    /// Mappings Explorer JSON).
    pub files: Vec<PathBuf>,
    /// How many mapping hops an inferred link may take.
    pub max_hops: u8,
}

impl Default for MappingsSection {
    fn default() -> Self {
        MappingsSection {
            embedded: true,
            files: Vec::new(),
            max_hops: 2,
        }
    }
}

impl BookConfig {
    /// Parse `book.toml` text. The error is located in the file.
    pub fn parse(file: &Arc<SourceFile>) -> Result<BookConfig, Box<Diagnostic>> {
        let config: BookConfig = toml::from_str(&file.text).map_err(|err| {
            let span = err.span().unwrap_or(0..0);
            let help = match suggest_key(err.message()) {
                Some(key) => format!("did you mean `{key}`?"),
                None => "see the `book.toml` reference in the book's format document \
                         for the tables and keys crosswalk accepts"
                    .to_string(),
            };
            Box::new(
                Diagnostic::error("CW040", format!("invalid book.toml: {}", err.message()))
                    .at(file, span)
                    .help(help),
            )
        })?;
        config.validate(file)?;
        Ok(config)
    }

    fn validate(&self, file: &Arc<SourceFile>) -> Result<(), Box<Diagnostic>> {
        let prefix = &self.book.id_prefix;
        if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(Box::new(
                Diagnostic::error(
                    "CW040",
                    format!("invalid book.toml: id-prefix `{prefix}` must be upper-case letters"),
                )
                .at(file, find_key(&file.text, "id-prefix"))
                .help("use a short upper-case prefix such as `HCB`"),
            ));
        }
        if let Some(problem) = base_url_problem(&self.build.base_url) {
            return Err(Box::new(
                Diagnostic::error(
                    "CW040",
                    format!(
                        "invalid book.toml: base-url `{}` {problem}",
                        self.build.base_url
                    ),
                )
                .at(file, find_key(&file.text, "base-url"))
                .help(
                    "write the path the site is served under (\"/\" or \"/hcb/\") or its full \
                     address (\"https://example.org/hcb/\"); with a full address the sitemap \
                     and feed carry absolute URLs, as crawlers and feed readers expect",
                ),
            ));
        }
        // In the order the file writes them, so of two aliases that differ
        // only by case the second is the one reported.
        let written = alias_spans(&file.text);
        let mut aliases: Vec<&String> = self.frameworks.keys().collect();
        aliases.sort_by_key(|alias| written.get(*alias).map_or(0, |span| span.start));
        for (n, alias) in aliases.iter().enumerate() {
            if let Some(problem) = alias_problem(alias, &aliases[..n]) {
                let span = written
                    .get(*alias)
                    .cloned()
                    .unwrap_or_else(|| find_key(&file.text, &format!("frameworks.{alias}")));
                return Err(Box::new(
                    Diagnostic::error(
                        "CW040",
                        format!("invalid book.toml: framework alias `{alias}` {problem}"),
                    )
                    .at(file, span)
                    .help(
                        "an alias is what documents write before the colon in `ALIAS:ID` and \
                         names the framework's pages: letters, digits, `.`, `_` and `-`, \
                         starting with a letter or digit, unique whatever the case",
                    ),
                ));
            }
        }
        if let Some(n) = self.build.search_shards {
            if !(1..=crate::site::search::MAX_SHARDS).contains(&n) {
                return Err(Box::new(
                    Diagnostic::error(
                        "CW040",
                        format!(
                            "invalid book.toml: search-shards = {n} is out of range (1 to {})",
                            crate::site::search::MAX_SHARDS
                        ),
                    )
                    .at(file, find_key(&file.text, "search-shards"))
                    .help(
                        "remove the key to let crosswalk choose, or set it to the number of \
                         cores that build the site",
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The catalog and mapping files `book.toml` points at (ATT&CK bundles,
    /// frameworks of the book's own, mapping files), relative to the book
    /// root.
    pub fn catalog_files(&self) -> impl Iterator<Item = &PathBuf> {
        self.attack
            .files
            .values()
            .chain(self.frameworks.values().filter_map(|f| f.file.as_ref()))
            .chain(&self.mappings.files)
    }

    /// The site's path prefix (`/hcb/`) from `base-url`, always with slashes
    /// at both ends.
    pub fn base_path(&self) -> String {
        let url = self.build.base_url.trim();
        let path = match url.find("://") {
            Some(i) => url[i + 3..].find('/').map_or("/", |j| &url[i + 3 + j..]),
            None => url,
        };
        let trimmed = path.trim_matches('/');
        if trimmed.is_empty() {
            "/".into()
        } else {
            format!("/{trimmed}/")
        }
    }

    /// The absolute site URL, when `base-url` is a full URL.
    pub fn site_url(&self) -> Option<String> {
        let url = self.build.base_url.trim();
        url.contains("://")
            .then(|| format!("{}/", url.trim_end_matches('/')))
    }
}

/// Byte span of a `key =` line in TOML text, or an empty span at the start.
/// For serde's "unknown field `base_url`, expected one of `output`,
/// `base-url`, ...", the expected key closest to the one written, when it
/// is close (a `_` for a `-`, a typo).
fn suggest_key(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (written, expected) = rest.split_once('`')?;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|key| (strsim::jaro_winkler(written, key), key))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, key)| key.to_string())
}

/// What is wrong with `base-url`, if anything: it must be a path from the
/// server's root or an http(s) address, with nothing a URL cannot hold
/// unescaped (`not a url` became the path `/not a url/`).
/// What is wrong with a `base-url` (from book.toml or `build --base-url`),
/// if anything.
pub fn base_url_problem(url: &str) -> Option<&'static str> {
    let url = url.trim();
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
    {
        return Some("holds spaces or characters a URL cannot hold");
    }
    if url.contains(['?', '#']) {
        return Some("holds a query or a fragment (`?`, `#`), which page addresses cannot follow");
    }
    if url.starts_with("//") {
        return Some("starts with `//`, an address without its scheme; write `https://`");
    }
    if url.starts_with('/') {
        return None;
    }
    let lower = url.to_ascii_lowercase();
    let host = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match host {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => None,
        Some(_) => Some("has no host"),
        None => Some("is neither a path starting with `/` nor an http(s) address"),
    }
}

/// What is wrong with a framework alias of the book, if anything. Aliases
/// are matched without regard to case (`cyfun2023:pr.ac-1` cites
/// `CYFUN2023`) and name pages, so two that differ only by case would share
/// one set of pages; `attack` names ATT&CK in `coverage --framework`.
fn alias_problem(alias: &str, earlier: &[&String]) -> Option<String> {
    let valid = alias
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !valid {
        return Some("is not a valid alias".into());
    }
    let lower = alias.to_ascii_lowercase();
    if lower == "attack" || lower.starts_with("attack-") {
        return Some("is reserved for MITRE ATT&CK".into());
    }
    if let Some(other) = earlier
        .iter()
        .find(|other| other.as_str() != alias && other.eq_ignore_ascii_case(alias))
    {
        return Some(format!("differs from `{other}` only by case"));
    }
    let embedded = crate::catalog::default_aliases()
        .into_iter()
        .find(|built_in| *built_in != alias && built_in.eq_ignore_ascii_case(alias));
    embedded.map(|built_in| {
        format!("differs from the built-in `{built_in}` only by case: write `[frameworks.{built_in}]` to replace it")
    })
}

/// Where each key of `[frameworks]` is written in book.toml, as the TOML
/// parser saw it: `[frameworks."my fw"]`, a dotted key or an inline table
/// alike. Empty if the text does not parse (serde reported that already).
fn alias_spans(text: &str) -> std::collections::HashMap<String, std::ops::Range<usize>> {
    let Ok(table) = toml::de::DeTable::parse(text) else {
        return Default::default();
    };
    let Some(toml::de::DeValue::Table(frameworks)) =
        table.get_ref().get("frameworks").map(|v| v.get_ref())
    else {
        return Default::default();
    };
    frameworks
        .keys()
        .map(|key| (key.get_ref().to_string(), key.span()))
        .collect()
}

fn find_key(text: &str, key: &str) -> std::ops::Range<usize> {
    text.find(key).map_or(0..0, |i| i..i + key.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<BookConfig, Box<Diagnostic>> {
        BookConfig::parse(&SourceFile::new("book.toml", text.to_string()))
    }

    #[test]
    fn a_misspelt_key_gets_a_suggestion() {
        let err = parse("[build]\nbase_url = \"/\"\n").unwrap_err();
        assert_eq!(err.help.as_deref(), Some("did you mean `base-url`?"));
        let err = parse("[build]\nsearch_shard = 2\n").unwrap_err();
        assert_eq!(err.help.as_deref(), Some("did you mean `search-shards`?"));
        let err = parse("[build]\ncolour = \"red\"\n").unwrap_err();
        assert!(err.help.as_deref().is_some_and(|h| h.contains("reference")));
    }

    #[test]
    fn base_url_is_a_path_or_an_address() {
        for fine in [
            "/",
            "/hcb/",
            "/hcb",
            "https://example.org/hcb/",
            "http://localhost:3000/",
        ] {
            assert!(
                parse(&format!("[build]\nbase-url = \"{fine}\"\n")).is_ok(),
                "{fine}"
            );
        }
        for (bad, says) in [
            ("not a url", "characters a URL cannot hold"),
            ("hcb/", "neither a path"),
            ("ftp://example.org/", "neither a path"),
            ("https://", "has no host"),
            ("https://example.org/x?y=1", "query or a fragment"),
            ("/kb/#top", "query or a fragment"),
            ("//evil.example/", "without its scheme"),
        ] {
            let err = parse(&format!("[build]\nbase-url = \"{bad}\"\n")).expect_err(bad);
            assert_eq!(err.code, "CW040");
            assert!(err.message.contains(says), "{bad}: {}", err.message);
        }
    }

    #[test]
    fn framework_aliases_are_validated() {
        for (text, says) in [
            ("[frameworks.\"\"]\ncatalog = \"cyfun2025\"\n", "is not a valid alias"),
            ("[frameworks.\"A:B\"]\ncatalog = \"cyfun2025\"\n", "is not a valid alias"),
            ("[frameworks.\"a b\"]\ncatalog = \"cyfun2025\"\n", "is not a valid alias"),
            ("[frameworks.attack]\ncatalog = \"cyfun2025\"\n", "reserved for MITRE ATT&CK"),
            (
                "[frameworks.Cyfun2023]\ncatalog = \"cyfun2025\"\n",
                "differs from the built-in `CYFUN2023` only by case",
            ),
            (
                "[frameworks.Mine]\ncatalog = \"cyfun2025\"\n[frameworks.MINE]\ncatalog = \"cyfun2025\"\n",
                "only by case",
            ),
        ] {
            let err = parse(text).expect_err(text);
            assert_eq!(err.code, "CW040");
            assert!(err.message.contains(says), "{text}: {}", err.message);
        }
        // Located at the alias as written, and at the second of two that
        // differ only by case.
        for (text, at) in [
            ("[book]\ntitle = \"x\"\n[frameworks.\"my fw\"]\ncatalog = \"cyfun2025\"\n", "\"my fw\""),
            ("[frameworks.\"-x\"]\ncatalog = \"cyfun2025\"\n", "\"-x\""),
            ("[frameworks.b]\ncatalog = \"cyfun2025\"\n[frameworks.B]\ncatalog = \"cyfun2025\"\n", "B]"),
            ("frameworks = { A = { catalog = \"cyfun2025\" }, a = { catalog = \"cyfun2025\" } }\n", "a = {"),
        ] {
            let err = parse(text).expect_err(text);
            let span = err.location.as_ref().expect("located").span.clone();
            assert_eq!(span.start, text.find(at).unwrap(), "{text}");
        }
        for fine in [
            "[frameworks.CYFUN2023]\ncatalog = \"cyfun2025\"\n",
            "[frameworks.\"my-fw_2.0\"]\ncatalog = \"cyfun2025\"\n",
        ] {
            assert!(parse(fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn empty_file_gives_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config.book.src, PathBuf::from("docs"));
        assert_eq!(config.book.id_prefix, "HCB");
        assert_eq!(config.build.output, PathBuf::from("site"));
        assert_eq!(config.base_path(), "/");
        assert_eq!(config.mappings.max_hops, 2);
    }

    #[test]
    fn unknown_key_is_located() {
        let err = parse("[book]\ntitle = \"x\"\ntitel = \"y\"\n").unwrap_err();
        assert_eq!(err.code, "CW040");
        assert!(err.message.contains("titel"), "{}", err.message);
        assert_eq!(err.location.unwrap().line_col(), (3, 1));
    }

    #[test]
    fn base_url_forms() {
        let config = parse("[build]\nbase-url = \"https://example.org/hcb\"\n").unwrap();
        assert_eq!(config.base_path(), "/hcb/");
        assert_eq!(
            config.site_url().as_deref(),
            Some("https://example.org/hcb/")
        );
        let config = parse("[build]\nbase-url = \"/a/b\"\n").unwrap();
        assert_eq!(config.base_path(), "/a/b/");
        assert_eq!(config.site_url(), None);
    }

    #[test]
    fn search_shards_out_of_range_is_located() {
        assert_eq!(
            parse("[build]\nsearch-shards = 3\n")
                .unwrap()
                .build
                .search_shards,
            Some(3)
        );
        let err = parse("[build]\nsearch = true\nsearch-shards = 0\n").unwrap_err();
        assert_eq!(err.code, "CW040");
        assert!(err.message.contains("search-shards = 0"), "{}", err.message);
        assert_eq!(err.location.unwrap().line_col(), (3, 1));
    }
}
