//! Front-matter: splitting the `+++` block from the body and turning its TOML
//! into a [`Document`], collecting every problem instead of stopping at the
//! first (which is what serde's derive would do).

use std::ops::Range;
use std::sync::Arc;

use toml::de::{DeTable, DeValue};
use toml::Spanned as TomlSpanned;

use super::markdown;
use super::vocab::Vocabulary;
use super::{
    ControlRef, Coverage, Date, Document, Relation, RelationKind, Spanned, TechniqueRef,
    TechniqueRelation,
};
use crate::book::RawFile;
use crate::diagnostic::{did_you_mean, Diagnostic, SourceFile};

/// Every key a document's front-matter may have.
pub const KEYS: &[&str] = &[
    "id",
    "title",
    "kind",
    "status",
    "version",
    "created",
    "updated",
    "review-by",
    "authors",
    "area",
    "priority",
    "summary",
    "tags",
    "audience",
    "budget",
    "effort",
    "org-size",
    "supersedes",
    "updates",
    "requires",
    "implements",
    "related",
    "controls",
    "techniques",
];

const REQUIRED: &[&str] = &["id", "title", "kind", "status", "version", "created"];

/// What parsing a file gave: a document (possibly with placeholder values
/// where the front-matter was wrong) and the problems found.
pub struct Parsed {
    pub document: Option<Document>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Settings parsing needs from the book.
pub struct ParseContext<'a> {
    pub id_prefix: &'a str,
    pub vocabulary: &'a Vocabulary,
    /// Render each body to HTML in the same pass as its scan
    /// ([`markdown::prepare`]); only what writes pages needs it.
    pub render_bodies: bool,
}

/// A file a repository keeps for people browsing it (`README.md`,
/// `CONTRIBUTING.md`, ...), named in capitals as is the custom: never a
/// document, and no mistake to warn about, even in the source directory
/// (`docs/README.md` for GitHub's folder view, or a book whose source is
/// its repository's root).
fn is_repository_file(rel_path: &str) -> bool {
    const NAMES: &[&str] = &[
        "README",
        "CONTRIBUTING",
        "CHANGELOG",
        "LICENSE",
        "SECURITY",
        "CODE_OF_CONDUCT",
        "AUTHORS",
        "NOTICE",
    ];
    let name = rel_path.rsplit('/').next().unwrap_or(rel_path);
    name.strip_suffix(".md")
        .is_some_and(|stem| NAMES.contains(&stem))
}

/// Parse one document file.
pub fn parse_document(file: &RawFile, ctx: &ParseContext) -> Parsed {
    let mut diags = Vec::new();
    let source = &file.source;
    let Some(name) = file_name(&file.rel_path) else {
        if is_repository_file(&file.rel_path) {
            return Parsed {
                document: None,
                diagnostics: diags,
            };
        }
        diags.push(
            Diagnostic::warning(
                "CW030",
                "file name is not `NNNN-slug.md`; it is not a document and is ignored",
            )
            .at(source, 0..0)
            .help("rename it like `0012-network-segmentation.md`, or move it out of the source directory"),
        );
        return Parsed {
            document: None,
            diagnostics: diags,
        };
    };
    match &name.number {
        FileNumber::TooLarge(digits) => diags.push(
            Diagnostic::error(
                "CW030",
                format!(
                    "the number in the file name, {digits}, is too large: document numbers go up to {}",
                    u32::MAX
                ),
            )
            .at(source, 0..0)
            .help("rename the file with the document's number, e.g. `0012-network-segmentation.md`"),
        ),
        FileNumber::Valid(_) if name.slug_ok => {}
        _ => diags.push(
            Diagnostic::error(
                "CW030",
                "file name must be `NNNN-slug.md`: four or more digits, a dash, then a lower-case slug",
            )
            .at(source, 0..0)
            .help("rename the file, e.g. `0012-network-segmentation.md`"),
        ),
    }
    // A name without a usable number gives none: the id alone says which
    // document this is, so it is not held to a number read off a typo.
    let number = match name.number {
        FileNumber::Valid(n) => Some(n),
        _ => None,
    };
    let Some(split) = split_front_matter(source, &mut diags) else {
        return Parsed {
            document: None,
            diagnostics: diags,
        };
    };
    let toml_text = &source.text[split.toml.clone()];
    let table = match DeTable::parse(toml_text) {
        Ok(table) => table.into_inner(),
        Err(err) => {
            let span = err.span().map_or(split.toml.start..split.toml.start, |s| {
                shift(&s, split.toml.start)
            });
            // toml validates dates itself; keep the date code for those.
            let code = if err.message().contains("date") {
                "CW009"
            } else {
                "CW004"
            };
            // The toml parser rejects impossible dates (2026-02-30) itself:
            // the date is written right, its day is wrong.
            let help = if code == "CW009" {
                "write dates as YYYY-MM-DD without quotes (2026-01-31), with a day that exists in that month"
            } else {
                "front-matter is TOML: strings are quoted, lists use [ ], dates are written 2026-01-31 without quotes"
            };
            diags.push(
                Diagnostic::error(
                    code,
                    format!("invalid TOML in front-matter: {}", err.message().trim()),
                )
                .at(source, span)
                .help(help),
            );
            return Parsed {
                document: None,
                diagnostics: diags,
            };
        }
    };
    let mut reader = Reader {
        source,
        offset: split.toml.start,
        diags: &mut diags,
        vocabulary: ctx.vocabulary,
        id_prefix: ctx.id_prefix,
        expected_id: number.map(|n| format!("{}-{n:04}", ctx.id_prefix)),
    };
    let document = reader.document(&table, file, number, ctx, split.open.clone(), split.body);
    Parsed {
        document,
        diagnostics: diags,
    }
}

/// What a document's file name says.
#[derive(Debug, PartialEq)]
struct FileName {
    number: FileNumber,
    /// A dash and a valid slug follow the digits.
    slug_ok: bool,
}

/// The digits a document's file name starts with.
#[derive(Debug, PartialEq)]
enum FileNumber {
    /// Four or more digits: the document's number.
    Valid(u32),
    /// Fewer than four digits (`2-gamma.md`): no number to hold the id to.
    Short,
    /// More than a number can hold (the digits, for the message).
    TooLarge(String),
}

/// `0012-network-segmentation.md` -> number 12, slug valid. `None` when the
/// name does not start with a digit (not meant as a document).
fn file_name(rel_path: &str) -> Option<FileName> {
    // A name written with combining accents is checked as its composed
    // form: `e` + U+0301 is the `é` the rule allows.
    let rel_path = super::nfc(rel_path);
    let rel_path = rel_path.as_ref();
    let name = rel_path.rsplit('/').next().unwrap_or(rel_path);
    let stem = name.strip_suffix(".md").unwrap_or(name);
    if !stem.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let digits: String = stem.chars().take_while(|c| c.is_ascii_digit()).collect();
    let rest = &stem[digits.len()..];
    let number = match digits.parse::<u32>() {
        Err(_) => FileNumber::TooLarge(digits),
        Ok(_) if digits.len() < 4 => FileNumber::Short,
        Ok(n) => FileNumber::Valid(n),
    };
    let slug_ok = rest
        .strip_prefix('-')
        .is_some_and(|slug| !slug.is_empty() && slug.chars().all(is_file_slug_char));
    Some(FileName { number, slug_ok })
}

/// The id the name of a document file gives (`governance/0012-x.md`:
/// `HCB-0012`, as the help of a missing id writes it), when it is a
/// Markdown file with a number: what a file that failed to load is known
/// by.
pub fn id_from_file_name(rel_path: &str, prefix: &str) -> Option<String> {
    if !rel_path.ends_with(".md") {
        return None;
    }
    match file_name(rel_path)?.number {
        FileNumber::Valid(n) => Some(format!("{prefix}-{n:04}")),
        _ => None,
    }
}

/// A character allowed in the slug of a document's file name: a dash, or a
/// letter or digit of any script that is its own lower case (`a`, `7`, `é`,
/// `日`; not `A` or `É`). Every character of a slug `crosswalk new` makes is
/// one.
pub(crate) fn is_file_slug_char(c: char) -> bool {
    c == '-'
        || c.is_ascii_lowercase()
        || c.is_ascii_digit()
        || (!c.is_ascii() && c.is_alphanumeric() && c.to_lowercase().eq([c]))
}

struct Split {
    /// The opening `+++` line.
    open: Range<usize>,
    /// The TOML between the fences.
    toml: Range<usize>,
    /// Everything after the closing fence.
    body: Range<usize>,
}

/// Find the `+++` fences. Handles CRLF line endings and trailing spaces.
fn split_front_matter(source: &Arc<SourceFile>, diags: &mut Vec<Diagnostic>) -> Option<Split> {
    let text = &source.text;
    let first_line_end = text.find('\n').unwrap_or(text.len());
    if text[..first_line_end].trim_end() != "+++" {
        diags.push(
            Diagnostic::error("CW002", "missing front-matter: the file must start with a `+++` line")
                .at(source, 0..first_line_end.min(text.len()))
                .label("expected `+++` here")
                .help("start the file with `+++`, the TOML front-matter (id, title, kind, status, version, created), then `+++`"),
        );
        return None;
    }
    let toml_start = (first_line_end + 1).min(text.len());
    let mut pos = toml_start;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        if text[pos..end].trim_end() == "+++" {
            let body_start = (end + 1).min(text.len());
            return Some(Split {
                open: 0..first_line_end.min(3),
                toml: toml_start..pos,
                body: body_start..text.len(),
            });
        }
        pos = end + 1;
    }
    diags.push(
        Diagnostic::error(
            "CW003",
            "front-matter is never closed: no second `+++` line",
        )
        .at(source, 0..3)
        .label("front-matter opened here")
        .help("add a line with only `+++` after the last front-matter key"),
    );
    None
}

fn shift(span: &Range<usize>, by: usize) -> Range<usize> {
    span.start + by..span.end + by
}

/// Reads a parsed TOML table into a document, pushing diagnostics as it goes.
struct Reader<'a> {
    source: &'a Arc<SourceFile>,
    offset: usize,
    diags: &'a mut Vec<Diagnostic>,
    vocabulary: &'a Vocabulary,
    /// The book's id prefix, for the examples help lines give.
    id_prefix: &'a str,
    /// The id the file's name gives (`HCB-0012`), if it has a number.
    expected_id: Option<String>,
}

type Value<'i> = TomlSpanned<DeValue<'i>>;

impl Reader<'_> {
    fn span(&self, value: &Value) -> Range<usize> {
        shift(&value.span(), self.offset)
    }

    fn error(&mut self, code: &'static str, span: Range<usize>, message: String, help: String) {
        self.diags.push(
            Diagnostic::error(code, message)
                .at(self.source, span)
                .help(help),
        );
    }

    fn document(
        &mut self,
        table: &DeTable,
        file: &RawFile,
        number: Option<u32>,
        ctx: &ParseContext,
        open: Range<usize>,
        body: Range<usize>,
    ) -> Option<Document> {
        self.unknown_keys(table);
        let expected_id = self.expected_id.clone();
        for key in REQUIRED {
            if !table.contains_key(*key) {
                // The id follows from the file name: suggest that one, not
                // an example that would then fail CW010.
                let value = match (*key, &expected_id) {
                    ("id", Some(expected)) => format!("\"{expected}\""),
                    ("id", None) => format!("\"{}-NNNN\" (the document's number)", ctx.id_prefix),
                    _ => self.example(key),
                };
                self.error(
                    "CW005",
                    open.clone(),
                    format!("missing required front-matter key `{key}`"),
                    format!("add `{key} = {value}` to the front-matter"),
                );
            }
        }
        // Without an id (one the file name gives, or a valid one written)
        // the document cannot be placed; everything else is still read,
        // for its problems.
        let (id, number) = match self.id(table, expected_id.as_deref(), number, ctx.id_prefix) {
            Some((id, number)) => (Some(id), number),
            None => (None, 0),
        };
        let title = self
            .string(table, "title")
            .unwrap_or_else(|| Spanned::new(file.rel_path.clone(), open.clone()));
        let kinds = self.vocabulary.kinds.clone();
        let statuses = self.vocabulary.statuses.clone();
        let areas = self.vocabulary.areas.clone();
        let audiences = self.vocabulary.audiences.clone();
        let bands = self.vocabulary.bands.clone();
        let org_sizes = self.vocabulary.org_sizes.clone();
        let kind = self
            .vocab(table, "kind", &kinds)
            .unwrap_or_else(|| Spanned::new(String::new(), open.clone()));
        let status = self
            .vocab(table, "status", &statuses)
            .unwrap_or_else(|| Spanned::new(String::new(), open.clone()));
        let area = self
            .vocab(table, "area", &areas)
            .or_else(|| area_from_path(&file.rel_path, &areas, &open));
        if area.is_none() && !table.contains_key("area") {
            self.warn_folder_is_no_area(&file.rel_path, &areas);
        }
        let text = &self.source.text[body.clone()];
        let (outline, body_html) = if ctx.render_bodies {
            let (outline, html) = markdown::prepare(text, body.start);
            (outline, Some(html))
        } else {
            (markdown::scan(text, body.start), None)
        };
        let document = Document {
            source: Arc::clone(self.source),
            rel_path: file.rel_path.clone(),
            id: Spanned::new(String::new(), 0..0),
            number,
            title,
            kind,
            status,
            version: self.version(table).unwrap_or_default(),
            created: self
                .date(table, "created")
                .map_or(Date::constant(1970, 1, 1), |d| d.value),
            updated: self.date(table, "updated").map(|d| d.value),
            review_by: self.date(table, "review-by"),
            authors: self.string_list(table, "authors", None),
            area,
            priority: self.priority(table),
            summary: self.string(table, "summary").map(|s| s.value),
            tags: self.spanned_list(table, "tags"),
            audience: self.string_list(table, "audience", Some(&audiences)),
            budget: self.vocab(table, "budget", &bands).map(|s| s.value),
            effort: self.vocab(table, "effort", &bands).map(|s| s.value),
            org_size: self.string_list(table, "org-size", Some(&org_sizes)),
            relations: self.relations(table),
            controls: self.controls(table),
            techniques: self.techniques(table),
            body,
            outline,
            body_html,
        };
        id.map(|id| Document { id, ..document })
    }

    fn unknown_keys(&mut self, table: &DeTable) {
        for key in table.keys() {
            let name: &str = key.get_ref();
            if KEYS.contains(&name) {
                continue;
            }
            let span = shift(&key.span(), self.offset);
            let help = match did_you_mean(name, KEYS.iter().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("known keys are: {}", KEYS.join(", ")),
            };
            self.diags.push(
                Diagnostic::error("CW006", format!("unknown front-matter key `{name}`"))
                    .at(self.source, span)
                    .label("unknown key")
                    .help(help),
            );
        }
    }

    /// An example value for a top-level key, for help lines: the book's
    /// own prefix in document ids, the file's id for `id`.
    fn example(&self, key: &str) -> String {
        match key {
            "id" => match &self.expected_id {
                Some(id) => format!("\"{id}\""),
                None => format!("\"{}-0012\"", self.id_prefix),
            },
            _ if RelationKind::ALL.iter().any(|k| k.key() == key) => {
                format!("[\"{}-0001\"]", self.id_prefix)
            }
            _ => example_value(key).to_string(),
        }
    }

    fn get<'t, 'i>(&self, table: &'t DeTable<'i>, key: &str) -> Option<&'t Value<'i>> {
        table.get(key)
    }

    fn wrong_type(&mut self, key: &str, value: &Value, expected: &str) {
        let span = self.span(value);
        self.error(
            "CW007",
            span,
            format!(
                "`{key}` must be {expected}, found {}",
                type_name(value.get_ref())
            ),
            format!("write it as `{key} = {}`", self.example(key)),
        );
    }

    fn string(&mut self, table: &DeTable, key: &str) -> Option<Spanned<String>> {
        let value = self.get(table, key)?;
        match value.get_ref() {
            DeValue::String(s) if s.trim().is_empty() => {
                let span = self.span(value);
                self.error(
                    "CW007",
                    span,
                    format!("`{key}` must not be empty"),
                    format!("write it as `{key} = {}`", self.example(key)),
                );
                None
            }
            DeValue::String(s) => Some(Spanned::new(s.to_string(), self.span(value))),
            _ => {
                self.wrong_type(key, value, "a string");
                None
            }
        }
    }

    fn vocab(&mut self, table: &DeTable, key: &str, allowed: &[String]) -> Option<Spanned<String>> {
        let value = self.string(table, key)?;
        if !allowed.iter().any(|a| a == &value.value) {
            self.not_in_vocabulary(key, &value, allowed);
        }
        Some(value)
    }

    /// CW045: a document in a folder that is not an area gets no area
    /// unless its front-matter names one, so no area page or home-page
    /// section lists it; the author most likely meant a new area. A document
    /// at the top of the source directory is left alone (a book without
    /// areas is fine).
    fn warn_folder_is_no_area(&mut self, rel_path: &str, areas: &[String]) {
        let Some((folder, _)) = rel_path.split_once('/') else {
            return;
        };
        let help = match did_you_mean(folder, areas.iter().map(String::as_str)) {
            Some(near) => format!(
                "did you mean the area `{near}`? Otherwise add `areas = [\"{folder}\"]` under \
                 [vocabulary] in book.toml, or set `area` in the front-matter"
            ),
            None => format!(
                "add `areas = [\"{folder}\"]` under [vocabulary] in book.toml (areas: {}), \
                 or set `area` in the front-matter",
                areas.join(", ")
            ),
        };
        self.diags.push(
            Diagnostic::warning(
                "CW045",
                format!(
                    "folder `{folder}/` is not an area, so this document has none: \
                     no area page lists it"
                ),
            )
            .at(self.source, 0..0)
            .help(help),
        );
    }

    fn not_in_vocabulary(&mut self, key: &str, value: &Spanned<String>, allowed: &[String]) {
        let near = did_you_mean(&value.value, allowed.iter().map(String::as_str));
        let help = match near {
            Some(near) => format!(
                "did you mean `{near}`? allowed values: {}",
                allowed.join(", ")
            ),
            None => format!(
                "allowed values: {} (extend them in book.toml [vocabulary])",
                allowed.join(", ")
            ),
        };
        self.diags.push(
            Diagnostic::error("CW008", format!("`{}` is not a valid `{key}`", value.value))
                .at(self.source, value.span.clone())
                .label("not in the vocabulary")
                .help(help),
        );
    }

    /// The document's id and number. With a number from the file name
    /// the id must agree with it, and a wrong or missing one stands in as
    /// `expected` (its problem reported); without one, a valid id gives
    /// the number, and there is no document without it.
    fn id(
        &mut self,
        table: &DeTable,
        expected: Option<&str>,
        number: Option<u32>,
        prefix: &str,
    ) -> Option<(Spanned<String>, u32)> {
        let placeholder = |span| Some((Spanned::new(expected?.to_string(), span), number?));
        let Some(id) = self.string(table, "id") else {
            return placeholder(0..0);
        };
        let parsed = id
            .value
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .filter(|digits| !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
            .and_then(|digits| digits.parse::<u32>().ok());
        match (parsed, number, expected) {
            (None, _, _) => {
                let help = match expected {
                    Some(expected) => format!(
                        "ids are the book prefix, a dash and the file's number: `{expected}`"
                    ),
                    None => format!(
                        "ids are the book prefix, a dash and the document's number: `{prefix}-0012`"
                    ),
                };
                self.error(
                    "CW028",
                    id.span.clone(),
                    format!("`{}` is not a document id of this book", id.value),
                    help,
                );
                placeholder(id.span)
            }
            (Some(n), Some(number), Some(expected)) if n != number => {
                self.error(
                    "CW010",
                    id.span.clone(),
                    format!(
                        "id `{}` does not agree with the file's number {number:04}",
                        id.value
                    ),
                    format!("write `id = \"{expected}\"`, or rename the file to match the id"),
                );
                placeholder(id.span)
            }
            (Some(n), _, _) => Some((id, n)),
        }
    }

    fn version(&mut self, table: &DeTable) -> Option<String> {
        let value = self.get(table, "version")?;
        match value.get_ref() {
            DeValue::String(s) => {
                let ok = s.split('.').count() <= 3
                    && s.split('.')
                        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
                if !ok {
                    let span = self.span(value);
                    self.error(
                        "CW029",
                        span,
                        format!(
                            "version `{s}` is not one to three numbers separated by dots \
                             (MAJOR.MINOR, such as 1.2)"
                        ),
                        "write the version as a quoted string such as `version = \"1.2\"` \
                         (no `v` or other letters)"
                            .into(),
                    );
                }
                Some(s.to_string())
            }
            DeValue::Float(f) => {
                let span = self.span(value);
                self.error(
                    "CW007",
                    span,
                    "`version` must be a string".into(),
                    format!("quote it: `version = \"{f}\"` (as a number, 1.10 would read as 1.1)"),
                );
                Some(f.to_string())
            }
            _ => {
                self.wrong_type("version", value, "a string");
                None
            }
        }
    }

    fn date(&mut self, table: &DeTable, key: &str) -> Option<Spanned<Date>> {
        let value = self.get(table, key)?;
        let span = self.span(value);
        match value.get_ref() {
            DeValue::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => match Date::new(d.year as i16, d.month as i8, d.day as i8)
                {
                    Ok(date) => Some(Spanned::new(date, span)),
                    Err(_) => {
                        self.error(
                            "CW009",
                            span,
                            format!("`{key}` is not a real calendar date: {dt}"),
                            "check the day and month".into(),
                        );
                        None
                    }
                },
                _ => {
                    self.error(
                        "CW009",
                        span,
                        format!("`{key}` must be a date without a time: found {dt}"),
                        format!("write `{key} = {}`", self.example(key)),
                    );
                    None
                }
            },
            DeValue::String(s) => {
                let help = if Date::strptime("%Y-%m-%d", s.as_ref()).is_ok() {
                    format!("remove the quotes: `{key} = {s}` (TOML dates are not strings)")
                } else {
                    format!("write a TOML date such as `{key} = {}`", self.example(key))
                };
                self.error(
                    "CW009",
                    span,
                    format!("`{key}` must be a TOML date, found the string \"{s}\""),
                    help,
                );
                None
            }
            _ => {
                self.wrong_type(key, value, "a date");
                None
            }
        }
    }

    fn priority(&mut self, table: &DeTable) -> Option<u8> {
        let value = self.get(table, "priority")?;
        match value.get_ref() {
            DeValue::Integer(i) => {
                let n = i64::from_str_radix(i.as_str(), i.radix()).unwrap_or(0);
                if (1..=3).contains(&n) {
                    Some(n as u8)
                } else {
                    let span = self.span(value);
                    self.error(
                        "CW008",
                        span,
                        format!("priority {n} is out of range"),
                        "priority is 1 (do first), 2 or 3".into(),
                    );
                    None
                }
            }
            _ => {
                self.wrong_type("priority", value, "an integer from 1 to 3");
                None
            }
        }
    }

    /// A list of strings; with `allowed`, each must be in that vocabulary.
    fn string_list(
        &mut self,
        table: &DeTable,
        key: &str,
        allowed: Option<&[String]>,
    ) -> Vec<String> {
        self.spanned_list(table, key)
            .into_iter()
            .filter(|item| match allowed {
                Some(allowed) if !allowed.iter().any(|a| a == &item.value) => {
                    self.not_in_vocabulary(key, item, allowed);
                    false
                }
                _ => true,
            })
            .map(|item| item.value)
            .collect()
    }

    fn spanned_list(&mut self, table: &DeTable, key: &str) -> Vec<Spanned<String>> {
        let Some(value) = self.get(table, key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(key, value, "a list of strings");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                // A blank tag made a page titled "Tag: "; a blank author or
                // relation means nothing either.
                DeValue::String(s) if s.trim().is_empty() => {
                    let span = self.span(item);
                    self.error(
                        "CW007",
                        span,
                        format!("`{key}` holds an empty value"),
                        format!(
                            "remove it, or write the value: `{key} = {}`",
                            self.example(key)
                        ),
                    );
                }
                DeValue::String(s) => out.push(Spanned::new(s.to_string(), self.span(item))),
                _ => self.wrong_type(key, item, "a list of strings"),
            }
        }
        out
    }

    fn relations(&mut self, table: &DeTable) -> Vec<Relation> {
        let mut out = Vec::new();
        for kind in RelationKind::ALL {
            for target in self.spanned_list(table, kind.key()) {
                out.push(Relation { kind, target });
            }
        }
        out
    }

    /// Items of a list that are strings or inline tables, with their spans.
    fn ref_items<'t, 'i>(&mut self, table: &'t DeTable<'i>, key: &str) -> Vec<&'t Value<'i>> {
        let Some(value) = self.get(table, key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(key, value, "a list");
            return Vec::new();
        };
        items
            .iter()
            .filter(|item| match item.get_ref() {
                DeValue::String(_) | DeValue::Table(_) => true,
                _ => {
                    self.wrong_type(key, item, "a list of strings or inline tables");
                    false
                }
            })
            .collect()
    }

    /// Fields of an inline table in `controls`/`techniques`; unknown fields
    /// are reported.
    fn inline_fields<'t, 'i>(
        &mut self,
        key: &str,
        item: &'t DeTable<'i>,
        allowed: &[&str],
    ) -> Vec<(&'t str, &'t Value<'i>)> {
        let mut out = Vec::new();
        for (k, v) in item.iter() {
            let name: &str = k.get_ref();
            if allowed.contains(&name) {
                out.push((name, v));
            } else {
                let span = shift(&k.span(), self.offset);
                let help = match did_you_mean(name, allowed.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!("fields of a `{key}` entry are: {}", allowed.join(", ")),
                };
                self.diags.push(
                    Diagnostic::error(
                        "CW006",
                        format!("unknown field `{name}` in a `{key}` entry"),
                    )
                    .at(self.source, span)
                    .help(help),
                );
            }
        }
        out
    }

    fn coverage(&mut self, list: &str, value: &Value) -> Option<Coverage> {
        let text = self.field_string(list, "coverage", value)?;
        match text.as_str() {
            "full" => Some(Coverage::Full),
            "partial" => Some(Coverage::Partial),
            _ => {
                let span = self.span(value);
                self.error(
                    "CW008",
                    span,
                    format!("`{text}` is not a valid `coverage`: it is \"full\" or \"partial\""),
                    field_help(list, "coverage", value.get_ref()),
                );
                None
            }
        }
    }

    /// A field of an inline table in `list` that must be a string; a CW007
    /// otherwise, whose help fits the field and the list.
    fn field_string(&mut self, list: &str, field: &str, value: &Value) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                let span = self.span(value);
                self.error(
                    "CW007",
                    span,
                    format!(
                        "`{field}` in a `{list}` entry must be a string, found {}",
                        type_name(other)
                    ),
                    field_help(list, field, other),
                );
                None
            }
        }
    }

    fn controls(&mut self, table: &DeTable) -> Vec<ControlRef> {
        let mut out = Vec::new();
        for item in self.ref_items(table, "controls") {
            let (mut id, mut coverage, mut note) = (None, None, None);
            match item.get_ref() {
                DeValue::String(s) => id = Some((s.to_string(), self.span(item))),
                DeValue::Table(t) => {
                    for (name, v) in self.inline_fields("controls", t, &["id", "coverage", "note"])
                    {
                        match name {
                            "id" => {
                                id = self
                                    .field_string("controls", "id", v)
                                    .map(|s| (s, self.span(v)))
                            }
                            "coverage" => coverage = self.coverage("controls", v),
                            _ => note = self.field_string("controls", "note", v),
                        }
                    }
                    // An id of the wrong type has its CW007 already.
                    if !t.contains_key("id") {
                        let span = self.span(item);
                        self.error(
                            "CW005",
                            span,
                            "a `controls` entry needs an `id`".into(),
                            "write `{ id = \"CYFUN2023:PR.AC-1\", coverage = \"partial\" }`".into(),
                        );
                    }
                }
                _ => {}
            }
            let Some((text, span)) = id else { continue };
            match text.split_once(':') {
                Some((fw, cid)) if !fw.trim().is_empty() && !cid.trim().is_empty() => out.push(ControlRef {
                    framework: fw.trim().to_string(),
                    id: cid.trim().to_string(),
                    span,
                    coverage,
                    note,
                }),
                Some((fw, _)) if !fw.trim().is_empty() => self.error(
                    "CW019",
                    span,
                    format!("control reference `{text}` has no requirement id after `{}:`", fw.trim()),
                    "write controls as \"FRAMEWORK:ID\", e.g. \"CYFUN2023:PR.AC-1\" or \"800-53:AC-2(1)\"".into(),
                ),
                _ => self.error(
                    "CW019",
                    span,
                    format!("control reference `{text}` has no framework prefix"),
                    "write controls as \"FRAMEWORK:ID\", e.g. \"CYFUN2023:PR.AC-1\" or \"800-53:AC-2(1)\"".into(),
                ),
            }
        }
        out
    }

    fn techniques(&mut self, table: &DeTable) -> Vec<TechniqueRef> {
        let mut out = Vec::new();
        for item in self.ref_items(table, "techniques") {
            let (mut id, mut relation, mut coverage) = (None, TechniqueRelation::Mitigates, None);
            match item.get_ref() {
                DeValue::String(s) => id = Some((s.to_string(), self.span(item))),
                DeValue::Table(t) => {
                    for (name, v) in
                        self.inline_fields("techniques", t, &["id", "relation", "coverage"])
                    {
                        match name {
                            "id" => {
                                id = self
                                    .field_string("techniques", "id", v)
                                    .map(|s| (s, self.span(v)))
                            }
                            "coverage" => coverage = self.coverage("techniques", v),
                            _ => {
                                if let Some(r) = self.technique_relation(v) {
                                    relation = r;
                                }
                            }
                        }
                    }
                    // An id of the wrong type has its CW007 already.
                    if !t.contains_key("id") {
                        let span = self.span(item);
                        self.error(
                            "CW005",
                            span,
                            "a `techniques` entry needs an `id`".into(),
                            "write `{ id = \"T1486\", relation = \"mitigates\" }`".into(),
                        );
                    }
                }
                _ => {}
            }
            if let Some((id, span)) = id {
                out.push(TechniqueRef {
                    id: id.trim().to_string(),
                    span,
                    relation,
                    coverage,
                });
            }
        }
        out
    }

    fn technique_relation(&mut self, value: &Value) -> Option<TechniqueRelation> {
        let text = self.field_string("techniques", "relation", value)?;
        let found = TechniqueRelation::ALL
            .into_iter()
            .find(|r| r.as_str() == text);
        if found.is_none() {
            let span = self.span(value);
            let names: Vec<&str> = TechniqueRelation::ALL.iter().map(|r| r.as_str()).collect();
            let help = match did_you_mean(&text, names.iter().copied()) {
                Some(near) => format!(
                    "did you mean `{near}`? allowed values: {}",
                    names.join(", ")
                ),
                None => format!("allowed values: {}", names.join(", ")),
            };
            self.diags.push(
                Diagnostic::error(
                    "CW008",
                    format!("`{text}` is not a valid technique `relation`"),
                )
                .at(self.source, span)
                .help(help),
            );
        }
        found
    }
}

/// The area given by the document's first folder, when that folder is an area.
fn area_from_path(
    rel_path: &str,
    areas: &[String],
    open: &Range<usize>,
) -> Option<Spanned<String>> {
    let (folder, _) = rel_path.split_once('/')?;
    areas
        .iter()
        .any(|a| a == folder)
        .then(|| Spanned::new(folder.to_string(), open.clone()))
}

fn type_name(value: &DeValue) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// The help of a field of an inline table in `list` (`controls`,
/// `techniques`) written wrong (`written`): what that field takes there.
fn field_help(list: &str, field: &str, written: &DeValue) -> String {
    match (list, field) {
        ("techniques", "id") => {
            // `id = 1486`: the number of T1486, unquoted and without its T.
            let example = match written {
                DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                    .ok()
                    .filter(|n| (0..10_000).contains(n))
                    .map_or("T1486".to_string(), |n| format!("T{n:04}")),
                _ => "T1486".to_string(),
            };
            format!("write it as `id = \"{example}\"`: a quoted ATT&CK technique id")
        }
        (_, "id") => "write it as `id = \"CYFUN2023:PR.AC-1\"`: the framework's alias, a colon \
                      and the requirement's id, quoted"
            .to_string(),
        (_, "note") => {
            "write it as `note = \"testing only\"`: a note is text in quotes".to_string()
        }
        (_, "relation") => {
            let names: Vec<&str> = TechniqueRelation::ALL.iter().map(|r| r.as_str()).collect();
            format!(
                "write it as `relation = \"detects\"`: one of {} (`{}` when left out)",
                names.join(", "),
                TechniqueRelation::Mitigates.as_str()
            )
        }
        _ => "write `coverage = \"full\"` or `coverage = \"partial\"`".to_string(),
    }
}

/// An example value for a key, used in help lines.
fn example_value(key: &str) -> &'static str {
    match key {
        "id" => "\"HCB-0007\"",
        "title" => "\"Network segmentation for medical devices\"",
        "kind" => "\"guidance\"",
        "status" => "\"draft\"",
        "version" => "\"1.0\"",
        "created" | "updated" | "review-by" => "2026-01-31",
        "priority" => "1",
        "summary" => "\"One sentence that says what the document is for.\"",
        "area" => "\"governance\"",
        "budget" | "effort" => "\"low\"",
        "authors" | "tags" | "audience" | "org-size" => "[\"...\"]",
        "controls" => "[\"CYFUN2023:PR.AC-1\"]",
        "techniques" => "[\"T1486\"]",
        // The relations: `supersedes`, `requires`, `related`, ...
        _ => "[\"HCB-0001\"]",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_fit_their_key() {
        assert_eq!(example_value("controls"), "[\"CYFUN2023:PR.AC-1\"]");
        assert_eq!(example_value("techniques"), "[\"T1486\"]");
        assert_eq!(example_value("supersedes"), "[\"HCB-0001\"]");
    }

    fn parse(name: &str, text: &str) -> Parsed {
        parse_in("HCB", name, text)
    }

    fn parse_in(id_prefix: &str, name: &str, text: &str) -> Parsed {
        let file = RawFile {
            rel_path: name.to_string(),
            source: SourceFile::new(format!("docs/{name}"), text.to_string()),
        };
        let vocabulary = Vocabulary::default();
        parse_document(
            &file,
            &ParseContext {
                id_prefix,
                vocabulary: &vocabulary,
                render_bodies: false,
            },
        )
    }

    const GOOD: &str = "+++\nid = \"HCB-0007\"\ntitle = \"T\"\nkind = \"guidance\"\nstatus = \"draft\"\nversion = \"1.0\"\ncreated = 2026-01-02\ntechniques = [\"T1486\", { id = \"T1490\", relation = \"detects\" }]\ncontrols = [\"CSF2:PR.AA-01\"]\n+++\n# Hello\n";

    #[test]
    fn parses_a_good_document() {
        let parsed = parse("governance/0007-x.md", GOOD);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let doc = parsed.document.unwrap();
        assert_eq!(doc.id.value, "HCB-0007");
        assert_eq!(doc.area.as_ref().unwrap().value, "governance");
        assert_eq!(doc.techniques[1].relation, TechniqueRelation::Detects);
        assert_eq!(doc.controls[0].framework, "CSF2");
        assert_eq!(doc.body_text(), "# Hello\n");
    }

    #[test]
    fn a_control_without_an_id_or_a_framework_says_which() {
        let text = GOOD.replace(
            "controls = [\"CSF2:PR.AA-01\"]",
            "controls = [\"NIS2:\", \":PR.AA-01\"]",
        );
        let parsed = parse("0007-x.md", &text);
        let messages: Vec<&str> = parsed
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "control reference `NIS2:` has no requirement id after `NIS2:`",
                "control reference `:PR.AA-01` has no framework prefix",
            ]
        );
    }

    /// (code, message, help) of every finding.
    fn findings(parsed: &Parsed) -> Vec<(&str, &str, &str)> {
        parsed
            .diagnostics
            .iter()
            .map(|d| (d.code, d.message.as_str(), d.help.as_deref().unwrap_or("")))
            .collect()
    }

    /// Regression: a field of an inline table written with the wrong type
    /// got the help of a relation (`note = ["HCB-0001"]`,
    /// `relation = ["HCB-0001"]`) or of a document id (`id = "HCB-0007"`
    /// for a technique), and a wrong-typed id was also "missing" (CW005).
    #[test]
    fn inline_fields_of_the_wrong_type_get_help_that_fits_them() {
        let text = GOOD.replace(
            "techniques = [\"T1486\", { id = \"T1490\", relation = \"detects\" }]\ncontrols = [\"CSF2:PR.AA-01\"]",
            "controls = [{ id = \"CSF2:PR.AA-02\", note = 5 }, { id = 7 }, { id = \"CSF2:PR.AA-03\", coverage = \"complete\" }, { id = \"CSF2:PR.AA-04\", coverage = 1 }]\n\
             techniques = [{ id = \"T1059.001\", relation = 3 }, { id = 1486 }, { id = 816 }, { id = \"T1490\", coverage = true }]",
        );
        let parsed = parse("0007-x.md", &text);
        let coverage = "write `coverage = \"full\"` or `coverage = \"partial\"`";
        assert_eq!(
            findings(&parsed),
            [
                (
                    "CW007",
                    "`note` in a `controls` entry must be a string, found an integer",
                    "write it as `note = \"testing only\"`: a note is text in quotes"
                ),
                (
                    "CW007",
                    "`id` in a `controls` entry must be a string, found an integer",
                    "write it as `id = \"CYFUN2023:PR.AC-1\"`: the framework's alias, a colon and the requirement's id, quoted"
                ),
                (
                    "CW008",
                    "`complete` is not a valid `coverage`: it is \"full\" or \"partial\"",
                    coverage
                ),
                (
                    "CW007",
                    "`coverage` in a `controls` entry must be a string, found an integer",
                    coverage
                ),
                (
                    "CW007",
                    "`relation` in a `techniques` entry must be a string, found an integer",
                    "write it as `relation = \"detects\"`: one of mitigates, detects, responds (`mitigates` when left out)"
                ),
                (
                    "CW007",
                    "`id` in a `techniques` entry must be a string, found an integer",
                    "write it as `id = \"T1486\"`: a quoted ATT&CK technique id"
                ),
                (
                    "CW007",
                    "`id` in a `techniques` entry must be a string, found an integer",
                    "write it as `id = \"T0816\"`: a quoted ATT&CK technique id"
                ),
                (
                    "CW007",
                    "`coverage` in a `techniques` entry must be a string, found a boolean",
                    coverage
                ),
            ]
        );
        // An entry without any id still needs one.
        let text = GOOD.replace("\"CSF2:PR.AA-01\"", "{ note = \"n\" }");
        let codes: Vec<_> = parse("0007-x.md", &text)
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect();
        assert_eq!(codes, ["CW005"]);
    }

    /// Regression: help lines wrote document ids with `HCB` whatever the
    /// book's prefix, and `id = "HCB-0007"` whatever the file's number.
    #[test]
    fn examples_use_the_books_prefix_and_the_files_number() {
        let text = "+++\nid = 12\ntitle = \"T\"\nkind = \"guidance\"\nstatus = \"draft\"\nversion = \"1.0\"\ncreated = 2026-01-02\nrelated = [3]\n+++\n";
        let parsed = parse_in("ABC", "0012-x.md", text);
        let helps: Vec<_> = findings(&parsed).into_iter().map(|(_, _, h)| h).collect();
        assert_eq!(
            helps,
            [
                "write it as `id = \"ABC-0012\"`",
                "write it as `related = [\"ABC-0001\"]`"
            ]
        );
    }

    #[test]
    fn crlf_is_handled() {
        let parsed = parse("0007-x.md", &GOOD.replace('\n', "\r\n"));
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        assert!(parsed.document.is_some());
    }

    /// Regression: `tags = ["", "  "]` passed and made pages titled "Tag: ".
    #[test]
    fn a_blank_list_value_is_refused() {
        let parsed = parse(
            "0007-x.md",
            "+++\nid = \"HCB-0007\"\ntitle = \"T\"\nkind = \"guidance\"\nstatus = \"draft\"\nversion = \"1.0\"\ncreated = 2026-01-02\ntags = [\"ok\", \"\", \"  \"]\n+++\n",
        );
        let blanks: Vec<_> = parsed
            .diagnostics
            .iter()
            .filter(|d| d.code == "CW007" && d.message.contains("`tags` holds an empty value"))
            .collect();
        assert_eq!(blanks.len(), 2, "{:?}", parsed.diagnostics);
        let doc = parsed.document.expect("the document still loads");
        let tags: Vec<&str> = doc.tags.iter().map(|t| t.value.as_str()).collect();
        assert_eq!(tags, ["ok"]);
    }

    /// The help of the CW005 a file named `name` without an id gets.
    fn missing_id_help(name: &str) -> Option<String> {
        parse(name, "+++\n+++\n")
            .diagnostics
            .into_iter()
            .find(|d| d.code == "CW005" && d.message.contains("`id`"))
            .expect("CW005 for id")
            .help
    }

    /// Regression: the help for a missing id suggested `HCB-0007` whatever
    /// the file, which then failed CW010.
    #[test]
    fn a_missing_id_is_suggested_from_the_file_name() {
        assert_eq!(
            missing_id_help("0005-x.md").as_deref(),
            Some("add `id = \"HCB-0005\"` to the front-matter")
        );
    }

    #[test]
    fn toml_error_is_located_in_the_file() {
        let parsed = parse("0007-x.md", "+++\nid = \"HCB-0007\"\ntitle = \n+++\n");
        let d = &parsed.diagnostics[0];
        assert_eq!(d.code, "CW004");
        assert_eq!(d.location.as_ref().unwrap().line_col().0, 3);
    }

    #[test]
    fn collects_many_problems() {
        let parsed = parse(
            "0007-x.md",
            "+++\nid = \"HCB-0008\"\ntitel = \"T\"\nkind = \"guide\"\nstatus = \"draft\"\nversion = 1.2\ncreated = \"2026-01-02\"\n+++\n",
        );
        let codes: Vec<_> = parsed.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            ["CW006", "CW005", "CW010", "CW008", "CW007", "CW009"]
        );
    }

    fn named(number: u32, slug_ok: bool) -> Option<FileName> {
        Some(FileName {
            number: FileNumber::Valid(number),
            slug_ok,
        })
    }

    #[test]
    fn file_numbers() {
        assert_eq!(file_name("a/0012-seg.md"), named(12, true));
        assert_eq!(
            file_name("12-seg.md"),
            Some(FileName {
                number: FileNumber::Short,
                slug_ok: true
            })
        );
        assert_eq!(file_name("0012_Seg.md"), named(12, false));
        assert_eq!(file_name("README.md"), None);
        // Letters of other scripts, lower-case where the script has case.
        assert_eq!(file_name("0012-日本語のタイトル.md"), named(12, true));
        assert_eq!(file_name("0012-ελληνικά.md"), named(12, true));
        assert_eq!(file_name("0012-sécurité-2.md"), named(12, true));
        assert_eq!(file_name("0012-Ελληνικά.md"), named(12, false));
        assert_eq!(file_name("0012-sÉcurité.md"), named(12, false));
        assert_eq!(file_name("0012-a_b.md"), named(12, false));
        // Decomposed accents (an older Mac's file names) are composed first.
        assert_eq!(file_name("0012-se\u{301}curite\u{301}.md"), named(12, true));
        assert_eq!(
            file_name("99999999999-big.md"),
            Some(FileName {
                number: FileNumber::TooLarge("99999999999".into()),
                slug_ok: true
            })
        );
    }

    #[test]
    fn ids_from_file_names() {
        assert_eq!(
            id_from_file_name("a/0012-x.md", "HCB").as_deref(),
            Some("HCB-0012")
        );
        assert_eq!(id_from_file_name("0012-x.MD", "HCB"), None);
        assert_eq!(id_from_file_name("12-x.md", "HCB"), None);
        assert_eq!(id_from_file_name("README.md", "HCB"), None);
    }

    /// Regression: `2-gamma.md` was given the number 2 from its name, so
    /// its id HCB-0009 got a CW010 telling to write HCB-0002 (another
    /// document's) and was then replaced by it.
    #[test]
    fn a_name_without_a_number_leaves_the_id_alone() {
        let text = GOOD.replace("HCB-0007", "HCB-0009");
        let parsed = parse("governance/2-gamma.md", &text);
        let codes: Vec<_> = parsed.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["CW030"]);
        let doc = parsed.document.expect("the id places the document");
        assert_eq!((doc.id.value.as_str(), doc.number), ("HCB-0009", 9));
        // Neither number nor id: nothing to place the document by.
        let parsed = parse("2-gamma.md", &GOOD.replace("HCB-0007", "HCB-x"));
        let codes: Vec<_> = parsed.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["CW030", "CW028"]);
        assert!(parsed.document.is_none());
        assert_eq!(
            missing_id_help("2-gamma.md").as_deref(),
            Some("add `id = \"HCB-NNNN\" (the document's number)` to the front-matter")
        );
    }

    /// `README.md` and its kin are the repository's, not documents: no
    /// CW030 (it failed `--deny-warnings` for `docs/README.md` or a book
    /// whose source is the repository root). A lower-case `notes.md` is
    /// still warned about.
    #[test]
    fn repository_files_are_neither_documents_nor_warned_about() {
        for name in ["README.md", "governance/README.md", "CONTRIBUTING.md"] {
            let parsed = parse(name, "# About this folder\n");
            assert!(
                parsed.document.is_none() && parsed.diagnostics.is_empty(),
                "{name}"
            );
        }
        let parsed = parse("notes.md", "# Notes\n");
        let codes: Vec<_> = parsed.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["CW030"]);
    }

    /// Regression: a number too large for one was "not four or more
    /// digits" and read as 0000.
    #[test]
    fn a_number_too_large_says_so() {
        let parsed = parse("99999999999999999999999-big.md", GOOD);
        let messages: Vec<_> = parsed
            .diagnostics
            .iter()
            .map(|d| (d.code, d.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [(
                "CW030",
                "the number in the file name, 99999999999999999999999, is too large: document numbers go up to 4294967295"
            )]
        );
        assert_eq!(parsed.document.unwrap().number, 7);
    }
}
