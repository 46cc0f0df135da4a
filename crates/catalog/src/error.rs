use thiserror::Error;

/// Why a catalog file could not be imported. Messages name the object at fault
/// so that a book author pointing `book.toml` at their own file can fix it.
#[derive(Debug, Error)]
pub enum ImportError {
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not valid YAML: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    /// The document parsed but lacks something the importer needs, or holds a
    /// value it cannot interpret; the message names the object and key.
    #[error("{0}")]
    Format(String),
    /// A CISO Assistant requirement mapping uses a relationship outside
    /// `equal`, `subset`, `superset`, `intersect`, `not_related`.
    #[error(
        "unknown relationship {value:?} in requirement mapping {source_urn} -> {target_urn} \
         (expected equal, subset, superset, intersect or not_related)"
    )]
    UnknownRelationship {
        value: String,
        source_urn: String,
        target_urn: String,
    },
}

impl ImportError {
    /// The byte offset in the imported text where the parser stopped, when
    /// it says (JSON and YAML syntax and type errors), so that the error
    /// can be shown at its line and column.
    pub fn offset_in(&self, text: &str) -> Option<usize> {
        match self {
            ImportError::Yaml(err) => err.location().map(|l| l.index()),
            ImportError::Json(err) if err.line() > 0 => {
                let start: usize = text
                    .split_inclusive('\n')
                    .take(err.line() - 1)
                    .map(str::len)
                    .sum();
                Some((start + err.column().saturating_sub(1)).min(text.len()))
            }
            _ => None,
        }
    }

    /// Shorthand for [`ImportError::Format`].
    pub(crate) fn format(message: impl Into<String>) -> Self {
        ImportError::Format(message.into())
    }
}
