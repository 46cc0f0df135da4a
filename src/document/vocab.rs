//! Controlled vocabularies for front-matter values, built in and extensible
//! from `book.toml` `[vocabulary]`.

use std::collections::BTreeMap;

use crate::book::config::VocabularySection;

pub const KINDS: &[&str] = &[
    "process",
    "reference-architecture",
    "implementation-example",
    "guidance",
    "procurement",
    "informational",
];
pub const STATUSES: &[&str] = &[
    "draft",
    "review",
    "accepted",
    "active",
    "final",
    "deprecated",
    "superseded",
    "withdrawn",
    "rejected",
];
pub const AREAS: &[&str] = &["architecture-operations", "governance", "supply-chain"];
pub const AUDIENCES: &[&str] = &[
    "management",
    "it",
    "clinical-engineering",
    "procurement",
    "vendor",
];
pub const BANDS: &[&str] = &["low", "medium", "high"];
pub const ORG_SIZES: &[&str] = &["small", "medium", "large"];

/// The allowed values of every vocabulary-bound key, for one book.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub kinds: Vec<String>,
    pub statuses: Vec<String>,
    pub areas: Vec<String>,
    pub audiences: Vec<String>,
    pub bands: Vec<String>,
    pub org_sizes: Vec<String>,
    titles: BTreeMap<String, String>,
}

fn extend(builtin: &[&str], extra: &[String]) -> Vec<String> {
    let mut all: Vec<String> = builtin.iter().map(|s| s.to_string()).collect();
    for value in extra {
        if !all.contains(value) {
            all.push(value.clone());
        }
    }
    all
}

impl Vocabulary {
    pub fn new(config: &VocabularySection) -> Self {
        Vocabulary {
            kinds: extend(KINDS, &config.kinds),
            statuses: extend(STATUSES, &config.statuses),
            areas: extend(AREAS, &config.areas),
            audiences: extend(AUDIENCES, &config.audiences),
            bands: extend(BANDS, &[]),
            org_sizes: extend(ORG_SIZES, &[]),
            titles: config.titles.clone(),
        }
    }

    /// Human title for a vocabulary value: configured, built in, or the value
    /// with its first letter capitalised and dashes as spaces.
    pub fn title(&self, value: &str) -> String {
        if let Some(title) = self.titles.get(value) {
            return title.clone();
        }
        let builtin = match value {
            "architecture-operations" => Some("Architecture & operations"),
            "it" => Some("IT"),
            "clinical-engineering" => Some("Clinical engineering"),
            _ => None,
        };
        if let Some(title) = builtin {
            return title.to_string();
        }
        let spaced = value.replace('-', " ");
        let mut chars = spaced.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }

    /// Statuses that mean "no longer current advice".
    pub fn is_retired(status: &str) -> bool {
        matches!(
            status,
            "deprecated" | "superseded" | "withdrawn" | "rejected"
        )
    }
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary::new(&VocabularySection::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        let v = Vocabulary::default();
        assert_eq!(v.title("supply-chain"), "Supply chain");
        assert_eq!(
            v.title("architecture-operations"),
            "Architecture & operations"
        );
        assert_eq!(v.title("reference-architecture"), "Reference architecture");
    }

    #[test]
    fn extensible() {
        let v = Vocabulary::new(&VocabularySection {
            kinds: vec!["playbook".into()],
            ..Default::default()
        });
        assert!(v.kinds.iter().any(|k| k == "playbook"));
        assert!(v.kinds.iter().any(|k| k == "process"));
    }
}
