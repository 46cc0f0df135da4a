//! What a change does to the index: documents added, removed and changed,
//! references added and removed per document, and the coverage delta per
//! framework and per ATT&CK tactic.
//!
//! The model ([`IndexDiff`]) is the stable JSON schema (version 1, documented
//! in HCB-0003); [`markdown`] renders it for a pull-request comment.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crosswalk_catalog::AttackDomain;
use serde::Serialize;

use crate::document::Document;
use crate::graph::coverage;
use crate::pipeline::Project;

/// Version of the JSON schema; fields are only ever added within a version.
pub const SCHEMA_VERSION: u32 = 1;

/// Rows above which a Markdown list is folded into `<details>`.
const FOLD_AFTER: usize = 10;

#[derive(Debug, Serialize)]
pub struct IndexDiff {
    pub version: u32,
    /// The git revision compared against, as given.
    pub base: String,
    pub documents: DocumentChanges,
    /// One entry per document whose references changed, by id.
    pub references: Vec<ReferenceChanges>,
    pub coverage: CoverageDelta,
    /// What a reader must know to read the rest: the base could not be
    /// loaded, so everything shows as new. Empty as a rule.
    pub notes: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct DocumentChanges {
    pub added: Vec<DocumentSummary>,
    pub removed: Vec<DocumentSummary>,
    pub changed: Vec<DocumentChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentSummary {
    pub id: String,
    pub title: String,
    pub status: String,
    pub version: String,
    /// Path relative to the book root.
    pub path: String,
}

/// A document present on both sides whose metadata changed; unchanged
/// fields are `null`.
#[derive(Debug, Serialize)]
pub struct DocumentChange {
    pub id: String,
    pub title: String,
    pub path: String,
    pub status: Option<Change<String>>,
    pub version: Option<Change<String>>,
    pub retitled: Option<Change<String>>,
    pub moved: Option<Change<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change<T> {
    pub before: T,
    pub after: T,
}

impl<T: PartialEq + Clone> Change<T> {
    fn of(before: &T, after: &T) -> Option<Change<T>> {
        (before != after).then(|| Change {
            before: before.clone(),
            after: after.clone(),
        })
    }
}

/// What a document points at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RefType {
    Document,
    Control,
    Technique,
}

/// One reference from a document: `type` and `target` say what, `relation`
/// how (`requires`, `mitigates`...), `coverage` how much when stated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Reference {
    #[serde(rename = "type")]
    pub kind: RefType,
    pub target: String,
    pub relation: Option<String>,
    pub coverage: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ReferenceChanges {
    pub document: String,
    pub title: String,
    pub added: Vec<Reference>,
    pub removed: Vec<Reference>,
}

#[derive(Debug, Default, Serialize)]
pub struct CoverageDelta {
    pub frameworks: Vec<FrameworkDelta>,
    pub tactics: Vec<TacticDelta>,
}

/// Requirements of a framework: `declared` cited by a document (or under a
/// cited requirement), `covered` reached in any way (declared or inferred
/// through mappings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FrameworkCounts {
    pub total: usize,
    pub declared: usize,
    pub covered: usize,
}

#[derive(Debug, Serialize)]
pub struct FrameworkDelta {
    pub framework: String,
    /// `null` when the framework is not loaded on that side.
    pub before: Option<FrameworkCounts>,
    pub after: Option<FrameworkCounts>,
}

/// Active techniques of a tactic: `declared` cited by a document,
/// `addressed` declared or inferred from a cited control.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TacticCounts {
    pub total: usize,
    pub declared: usize,
    pub addressed: usize,
}

#[derive(Debug, Serialize)]
pub struct TacticDelta {
    pub domain: String,
    /// `TA0040`
    pub tactic: String,
    pub name: String,
    pub before: Option<TacticCounts>,
    pub after: Option<TacticCounts>,
}

impl IndexDiff {
    /// Compare the book at the base (`None`: it had no book) with now.
    pub fn compute(base_rev: &str, base: Option<&Project>, now: &Project) -> IndexDiff {
        let empty = Vec::new();
        let before = base.map_or(&empty, |p| &p.documents);
        IndexDiff {
            version: SCHEMA_VERSION,
            base: base_rev.to_string(),
            documents: document_changes(before, &now.documents),
            references: reference_changes(before, &now.documents),
            coverage: CoverageDelta {
                frameworks: framework_deltas(base, now),
                tactics: tactic_deltas(base, now),
            },
            notes: Vec::new(),
        }
    }

    /// Whether the change touches the index at all.
    pub fn is_empty(&self) -> bool {
        self.documents.added.is_empty()
            && self.documents.removed.is_empty()
            && self.documents.changed.is_empty()
            && self.references.is_empty()
            && self.coverage_changes().0.is_empty()
            && self.coverage_changes().1.is_empty()
    }

    /// Framework and tactic rows whose numbers differ.
    fn coverage_changes(&self) -> (Vec<&FrameworkDelta>, Vec<&TacticDelta>) {
        (
            self.coverage
                .frameworks
                .iter()
                .filter(|f| f.before != f.after)
                .collect(),
            self.coverage
                .tactics
                .iter()
                .filter(|t| t.before != t.after)
                .collect(),
        )
    }
}

fn by_id(documents: &[Document]) -> BTreeMap<&str, &Document> {
    documents.iter().map(|d| (d.id.value.as_str(), d)).collect()
}

fn summary(d: &Document) -> DocumentSummary {
    DocumentSummary {
        id: d.id.value.clone(),
        title: d.title.value.clone(),
        status: d.status.value.clone(),
        version: d.version.clone(),
        path: d.source.name.clone(),
    }
}

fn document_changes(before: &[Document], after: &[Document]) -> DocumentChanges {
    let old = by_id(before);
    let new = by_id(after);
    let mut changes = DocumentChanges::default();
    for (id, doc) in &new {
        match old.get(id) {
            None => changes.added.push(summary(doc)),
            Some(prev) => changes.changed.extend(document_change(prev, doc)),
        }
    }
    changes.removed = old
        .iter()
        .filter(|(id, _)| !new.contains_key(*id))
        .map(|(_, d)| summary(d))
        .collect();
    changes
}

/// `None` when nothing shown in the index's listings changed.
fn document_change(before: &Document, after: &Document) -> Option<DocumentChange> {
    let change = DocumentChange {
        id: after.id.value.clone(),
        title: after.title.value.clone(),
        path: after.source.name.clone(),
        status: Change::of(&before.status.value, &after.status.value),
        version: Change::of(&before.version, &after.version),
        retitled: Change::of(&before.title.value, &after.title.value),
        moved: Change::of(&before.source.name, &after.source.name),
    };
    let changed = change.status.is_some()
        || change.version.is_some()
        || change.retitled.is_some()
        || change.moved.is_some();
    changed.then_some(change)
}

/// Every reference a document makes, as a set.
fn references(d: &Document) -> BTreeSet<Reference> {
    let relations = d.relations.iter().map(|r| Reference {
        kind: RefType::Document,
        target: r.target.value.clone(),
        relation: Some(r.kind.key().to_string()),
        coverage: None,
    });
    let controls = d.controls.iter().map(|c| Reference {
        kind: RefType::Control,
        target: format!("{}:{}", c.framework.to_ascii_uppercase(), c.id),
        relation: None,
        coverage: c.coverage.map(|c| c.as_str().to_string()),
    });
    let techniques = d.techniques.iter().map(|t| Reference {
        kind: RefType::Technique,
        target: t.id.to_ascii_uppercase(),
        relation: Some(t.relation.as_str().to_string()),
        coverage: t.coverage.map(|c| c.as_str().to_string()),
    });
    relations.chain(controls).chain(techniques).collect()
}

fn reference_changes(before: &[Document], after: &[Document]) -> Vec<ReferenceChanges> {
    let old = by_id(before);
    let new = by_id(after);
    let ids: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    ids.into_iter()
        .filter_map(|id| {
            let was = old.get(id).map(|d| references(d)).unwrap_or_default();
            let is = new.get(id).map(|d| references(d)).unwrap_or_default();
            let added: Vec<_> = is.difference(&was).cloned().collect();
            let removed: Vec<_> = was.difference(&is).cloned().collect();
            let title = new.get(id).or_else(|| old.get(id))?.title.value.clone();
            (!added.is_empty() || !removed.is_empty()).then(|| ReferenceChanges {
                document: id.to_string(),
                title,
                added,
                removed,
            })
        })
        .collect()
}

fn framework_counts(project: &Project, alias: &str) -> Option<FrameworkCounts> {
    let fw = coverage::framework(&project.index, &project.registry, alias)?;
    Some(FrameworkCounts {
        total: fw.overall.total,
        declared: fw.overall.declared,
        covered: fw.overall.covered(),
    })
}

fn framework_deltas(base: Option<&Project>, now: &Project) -> Vec<FrameworkDelta> {
    let mut aliases: BTreeSet<String> = now
        .registry
        .aliases()
        .into_iter()
        .map(str::to_string)
        .collect();
    if let Some(base) = base {
        aliases.extend(base.registry.aliases().into_iter().map(str::to_string));
    }
    aliases
        .into_iter()
        .map(|alias| FrameworkDelta {
            before: base.and_then(|b| framework_counts(b, &alias)),
            after: framework_counts(now, &alias),
            framework: alias,
        })
        .collect()
}

const DOMAINS: [AttackDomain; 3] = [
    AttackDomain::Enterprise,
    AttackDomain::Ics,
    AttackDomain::Mobile,
];

/// Tactic counts of one side by (domain, tactic id), with the tactic's name.
fn tactic_counts(project: &Project) -> BTreeMap<(usize, String), (String, TacticCounts)> {
    let mut out = BTreeMap::new();
    for (rank, domain) in DOMAINS.iter().enumerate() {
        let Some(cov) = coverage::attack(&project.index, &project.registry, *domain) else {
            continue;
        };
        for t in cov.tactics {
            let counts = TacticCounts {
                total: t.total,
                declared: t.declared,
                addressed: t.declared + t.inferred,
            };
            out.insert((rank, t.id), (t.name, counts));
        }
    }
    out
}

fn tactic_deltas(base: Option<&Project>, now: &Project) -> Vec<TacticDelta> {
    let mut before = base.map(tactic_counts).unwrap_or_default();
    let after = tactic_counts(now);
    let mut keys: BTreeSet<(usize, String)> = after.keys().cloned().collect();
    keys.extend(before.keys().cloned());
    keys.into_iter()
        .map(|key| {
            let was = before.remove(&key);
            let is = after.get(&key);
            let name = is
                .map(|(n, _)| n.clone())
                .or_else(|| was.as_ref().map(|(n, _)| n.clone()))
                .unwrap_or_default();
            TacticDelta {
                domain: DOMAINS[key.0].slug().to_string(),
                tactic: key.1,
                name,
                before: was.map(|(_, c)| c),
                after: is.map(|(_, c)| *c),
            }
        })
        .collect()
}

// ---------------------------------------------------------------- Markdown

/// Escape text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// `a → b`, or just `a` when equal.
fn arrow(before: &str, after: &str) -> String {
    if before == after {
        cell(after)
    } else {
        format!("{} → {}", cell(before), cell(after))
    }
}

/// `12 → 15 (+3)` for counts that may be missing on one side.
fn count_change(before: Option<usize>, after: Option<usize>) -> String {
    match (before, after) {
        (Some(b), Some(a)) if a == b => a.to_string(),
        (Some(b), Some(a)) => {
            let delta = a as i64 - b as i64;
            format!("{b} → {a} ({delta:+})")
        }
        (None, Some(a)) => format!("new: {a}"),
        (Some(b), None) => format!("{b} → not loaded"),
        (None, None) => "-".to_string(),
    }
}

/// A table, folded into `<details>` when it is long.
fn table(out: &mut String, summary: &str, header: &str, rows: &[String]) {
    let fold = rows.len() > FOLD_AFTER;
    if fold {
        let _ = writeln!(out, "<details><summary>{summary}</summary>\n");
    }
    let columns = header.matches('|').count().saturating_sub(1);
    let _ = writeln!(out, "{header}");
    let _ = writeln!(out, "|{}", "---|".repeat(columns));
    for row in rows {
        let _ = writeln!(out, "{row}");
    }
    if fold {
        let _ = writeln!(out, "\n</details>");
    }
    out.push('\n');
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The diff as Markdown for a pull-request comment.
pub fn markdown(diff: &IndexDiff) -> String {
    let mut out = format!(
        "## crosswalk: changes to the index since `{}`\n\n",
        diff.base
    );
    for note in &diff.notes {
        let _ = writeln!(out, "> **Note:** {}\n", cell(note));
    }
    if diff.is_empty() {
        out.push_str("No change to documents, references or coverage.\n");
        return out;
    }
    let docs = &diff.documents;
    let (added, removed) = diff
        .references
        .iter()
        .fold((0, 0), |(a, r), c| (a + c.added.len(), r + c.removed.len()));
    let _ = writeln!(
        out,
        "**Documents:** {} added, {} removed, {} changed. **References:** {} added, {} removed.\n",
        docs.added.len(),
        docs.removed.len(),
        docs.changed.len(),
        added,
        removed
    );
    documents_section(&mut out, docs);
    references_section(&mut out, &diff.references);
    coverage_section(&mut out, diff);
    out
}

fn documents_section(out: &mut String, docs: &DocumentChanges) {
    let mut rows = Vec::new();
    for d in &docs.added {
        rows.push(format!(
            "| added | {} | {} | {} | {} |",
            d.id,
            cell(&d.title),
            cell(&d.status),
            cell(&d.version)
        ));
    }
    for d in &docs.removed {
        rows.push(format!(
            "| removed | {} | {} | {} | {} |",
            d.id,
            cell(&d.title),
            cell(&d.status),
            cell(&d.version)
        ));
    }
    for d in &docs.changed {
        let title = match &d.retitled {
            Some(c) => arrow(&c.before, &c.after),
            None => cell(&d.title),
        };
        let status = d
            .status
            .as_ref()
            .map_or("".into(), |c| arrow(&c.before, &c.after));
        let version = d
            .version
            .as_ref()
            .map_or("".into(), |c| arrow(&c.before, &c.after));
        let change = if d.moved.is_some() {
            "moved"
        } else {
            "changed"
        };
        rows.push(format!(
            "| {change} | {} | {title} | {status} | {version} |",
            d.id
        ));
    }
    if rows.is_empty() {
        return;
    }
    out.push_str("### Documents\n\n");
    table(
        out,
        &plural(rows.len(), "document"),
        "| change | id | title | status | version |",
        &rows,
    );
}

fn reference_row(sign: &str, r: &Reference) -> String {
    let kind = match r.kind {
        RefType::Document => "document",
        RefType::Control => "control",
        RefType::Technique => "technique",
    };
    format!(
        "| {sign} | {kind} | `{}` | {} | {} |",
        cell(&r.target),
        r.relation.as_deref().unwrap_or(""),
        r.coverage.as_deref().unwrap_or("")
    )
}

fn references_section(out: &mut String, changes: &[ReferenceChanges]) {
    if changes.is_empty() {
        return;
    }
    out.push_str("### References\n\n");
    for c in changes {
        let _ = writeln!(out, "#### {} {}\n", c.document, cell(&c.title));
        let rows: Vec<String> = c
            .added
            .iter()
            .map(|r| reference_row("+", r))
            .chain(c.removed.iter().map(|r| reference_row("−", r)))
            .collect();
        let summary = format!("{} added, {} removed", c.added.len(), c.removed.len());
        table(
            out,
            &summary,
            "| | type | reference | relation | coverage |",
            &rows,
        );
    }
}

fn coverage_section(out: &mut String, diff: &IndexDiff) {
    let (frameworks, tactics) = diff.coverage_changes();
    out.push_str("### Coverage\n\n");
    if frameworks.is_empty() && tactics.is_empty() {
        out.push_str("No change in coverage.\n");
        return;
    }
    let rows: Vec<String> = frameworks
        .iter()
        .map(|f| {
            let get = |c: Option<FrameworkCounts>, pick: fn(FrameworkCounts) -> usize| c.map(pick);
            format!(
                "| {} | {} | {} | {} |",
                cell(&f.framework),
                count_change(get(f.before, |c| c.total), get(f.after, |c| c.total)),
                count_change(get(f.before, |c| c.declared), get(f.after, |c| c.declared)),
                count_change(get(f.before, |c| c.covered), get(f.after, |c| c.covered)),
            )
        })
        .collect();
    if !rows.is_empty() {
        table(
            out,
            &plural(rows.len(), "framework"),
            "| framework | requirements | declared | covered |",
            &rows,
        );
    }
    let rows: Vec<String> = tactics
        .iter()
        .map(|t| {
            let get = |c: Option<TacticCounts>, pick: fn(TacticCounts) -> usize| c.map(pick);
            format!(
                "| {} | {} {} | {} | {} | {} |",
                t.domain,
                t.tactic,
                cell(&t.name),
                count_change(get(t.before, |c| c.total), get(t.after, |c| c.total)),
                count_change(get(t.before, |c| c.declared), get(t.after, |c| c.declared)),
                count_change(
                    get(t.before, |c| c.addressed),
                    get(t.after, |c| c.addressed)
                ),
            )
        })
        .collect();
    if !rows.is_empty() {
        table(
            out,
            &plural(rows.len(), "ATT&CK tactic"),
            "| domain | tactic | techniques | declared | addressed |",
            &rows,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_show_their_change() {
        assert_eq!(count_change(Some(3), Some(5)), "3 → 5 (+2)");
        assert_eq!(count_change(Some(5), Some(3)), "5 → 3 (-2)");
        assert_eq!(count_change(Some(4), Some(4)), "4");
        assert_eq!(count_change(None, Some(4)), "new: 4");
    }

    #[test]
    fn cells_escape_pipes_and_newlines() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }

    #[test]
    fn long_tables_fold() {
        let rows: Vec<String> = (0..11).map(|i| format!("| {i} |")).collect();
        let mut out = String::new();
        table(&mut out, "11 rows", "| n |", &rows);
        assert!(out.starts_with("<details><summary>11 rows</summary>"));
        let mut short = String::new();
        table(&mut short, "1 row", "| n |", &rows[..1]);
        assert!(short.starts_with("| n |\n|---|\n"));
    }
}
