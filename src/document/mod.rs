//! The document model: what a `NNNN-slug.md` file means once its TOML
//! front-matter has been validated and its Markdown scanned.
//!
//! This is the contract the rest of crosswalk (and the book's authors) rely
//! on; `docs/governance/0002-format.md` documents it for users.

pub mod frontmatter;
pub mod markdown;
pub mod vocab;

use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use crate::diagnostic::SourceFile;
pub use frontmatter::parse_document;
pub use vocab::Vocabulary;

/// A calendar date from the front-matter.
pub type Date = jiff::civil::Date;

/// A value with the byte span it came from, for diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Range<usize>,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Range<usize>) -> Self {
        Spanned { value, span }
    }
}

/// One governance document.
#[derive(Debug, Clone)]
pub struct Document {
    pub source: Arc<SourceFile>,
    /// Path relative to the book's source directory (`governance/0001-process.md`).
    pub rel_path: String,
    /// `HCB-0007`
    pub id: Spanned<String>,
    /// The number in the id and file name.
    pub number: u32,
    pub title: Spanned<String>,
    pub kind: Spanned<String>,
    pub status: Spanned<String>,
    pub version: String,
    pub created: Date,
    pub updated: Option<Date>,
    pub review_by: Option<Spanned<Date>>,
    pub authors: Vec<String>,
    pub area: Option<Spanned<String>>,
    /// 1 = do first .. 3.
    pub priority: Option<u8>,
    pub summary: Option<String>,
    /// Each with its span, for the warning about tags sharing a page.
    pub tags: Vec<Spanned<String>>,
    pub audience: Vec<String>,
    pub budget: Option<String>,
    pub effort: Option<String>,
    pub org_size: Vec<String>,
    pub relations: Vec<Relation>,
    pub controls: Vec<ControlRef>,
    pub techniques: Vec<TechniqueRef>,
    /// Markdown body and its byte offset in the file.
    pub body: Range<usize>,
    /// Headings and links found in the body.
    pub outline: markdown::Outline,
    /// The body as HTML, rendered with the scan when the project is loaded
    /// to write pages ([`crate::pipeline::CheckOptions::render_bodies`]).
    pub body_html: Option<markdown::BodyHtml>,
}

impl Document {
    pub fn body_text(&self) -> &str {
        &self.source.text[self.body.clone()]
    }
    /// The file's text before the body: the front-matter block.
    pub fn front_matter_text(&self) -> &str {
        &self.source.text[..self.body.start]
    }
    /// Date of the last change: `updated`, else `created`.
    pub fn last_changed(&self) -> Date {
        self.updated.unwrap_or(self.created)
    }
    /// Output page name (`hcb-0007.html`).
    pub fn page_name(&self) -> String {
        format!("{}.html", self.id.value.to_ascii_lowercase())
    }
}

/// Relations between documents, as written in front-matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RelationKind {
    Supersedes,
    Updates,
    Requires,
    Implements,
    Related,
}

impl RelationKind {
    pub const ALL: [RelationKind; 5] = [
        RelationKind::Supersedes,
        RelationKind::Updates,
        RelationKind::Requires,
        RelationKind::Implements,
        RelationKind::Related,
    ];
    pub fn key(self) -> &'static str {
        match self {
            RelationKind::Supersedes => "supersedes",
            RelationKind::Updates => "updates",
            RelationKind::Requires => "requires",
            RelationKind::Implements => "implements",
            RelationKind::Related => "related",
        }
    }
    /// How the relation reads from the target's side ("superseded by").
    pub fn inverse_label(self) -> &'static str {
        match self {
            RelationKind::Supersedes => "Superseded by",
            RelationKind::Updates => "Updated by",
            RelationKind::Requires => "Required by",
            RelationKind::Implements => "Implemented by",
            RelationKind::Related => "Related",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            RelationKind::Supersedes => "Supersedes",
            RelationKind::Updates => "Updates",
            RelationKind::Requires => "Requires",
            RelationKind::Implements => "Implements",
            RelationKind::Related => "Related",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Relation {
    pub kind: RelationKind,
    pub target: Spanned<String>,
}

/// How much of a control or technique a document claims to cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Coverage {
    Full,
    Partial,
}

impl Coverage {
    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::Full => "full",
            Coverage::Partial => "partial",
        }
    }
}

/// A `FRAMEWORK:ID` citation.
#[derive(Debug, Clone)]
pub struct ControlRef {
    /// Framework alias as written (`CYFUN2023`).
    pub framework: String,
    /// Control id as written (`PR.AC-1`).
    pub id: String,
    /// Span of the whole `"FRAMEWORK:ID"` string.
    pub span: Range<usize>,
    /// Stated coverage; `None` means "not stated" (full for a measure,
    /// partial when a requirement stands for its measures).
    pub coverage: Option<Coverage>,
    pub note: Option<String>,
}

/// How a document addresses a technique.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TechniqueRelation {
    Mitigates,
    Detects,
    Responds,
}

impl TechniqueRelation {
    pub const ALL: [TechniqueRelation; 3] = [
        TechniqueRelation::Mitigates,
        TechniqueRelation::Detects,
        TechniqueRelation::Responds,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TechniqueRelation::Mitigates => "mitigates",
            TechniqueRelation::Detects => "detects",
            TechniqueRelation::Responds => "responds",
        }
    }
}

#[derive(Debug, Clone)]
pub struct TechniqueRef {
    pub id: String,
    pub span: Range<usize>,
    pub relation: TechniqueRelation,
    pub coverage: Option<Coverage>,
}

/// `text` in Unicode normalisation form C: `é` typed as `e` and a combining
/// accent (pasted from a PDF, or a file name from an older Mac) becomes the
/// one character most keyboards type, so both give one slug. Borrowed when
/// it already is (ASCII always is).
pub fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    if text.is_ascii() {
        return std::borrow::Cow::Borrowed(text);
    }
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => std::borrow::Cow::Borrowed(text),
        _ => std::borrow::Cow::Owned(text.nfc().collect()),
    }
}
