use thiserror::Error;

/// Why a catalog file could not be imported. Messages name the object at fault
/// so that a book author pointing `book.toml` at their own file can fix it.
#[derive(Debug, Error)]
pub enum ImportError {
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not valid YAML: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    #[error("{0}")]
    Format(String),
}
