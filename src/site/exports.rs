//! Data to take away, published beside the pages under `exports/`: what a
//! vendor or an integrator loads into their own tools instead of reading
//! pages. Every file is made from the index the pages show, in a stable
//! order, so two builds of one book give the same bytes.
//!
//! - `documents.json`: every document with its front-matter facts and
//!   citations (requirements, techniques, relations);
//! - `coverage/ALIAS.json` and `.csv`: a framework's coverage, the same
//!   files `crosswalk coverage --framework ALIAS --format json|csv` print;
//! - `attack/DOMAIN.json`: an ATT&CK Navigator layer, one score per
//!   technique (the documents addressing it, declared or inferred).

use serde::Serialize;

use super::urls;
use crate::catalog::{ControlLookup, TechniqueLookup};
use crate::document::Document;
use crate::graph::{Edge, Node};
use crate::pipeline::Project;
use crosswalk_catalog::{AttackCatalog, AttackDomain};

/// Where the exports live in the site.
pub const DIR: &str = "exports";

/// The version of the files' layout: fields are only added within one.
const SCHEMA_VERSION: u32 = 1;

/// Hand each export to `emit` as (path, content), one at a time: `build`
/// writes each one at once, so the largest (`documents.json`, 11 MB at
/// 10,000 documents) is not held beside the pages being rendered.
pub fn each<E>(
    project: &Project,
    mut emit: impl FnMut(String, String) -> Result<(), E>,
) -> Result<(), E> {
    emit(format!("{DIR}/documents.json"), documents(project))?;
    for fw in project.registry.frameworks.values() {
        let Some(cov) =
            crate::graph::coverage::framework(&project.index, &project.registry, &fw.alias)
        else {
            continue;
        };
        emit(coverage_path(&fw.alias, "json"), cov.to_json(fw, None))?;
        emit(coverage_path(&fw.alias, "csv"), cov.to_csv(fw, None))?;
    }
    for catalog in &project.registry.attack {
        emit(
            navigator_path(catalog.domain),
            navigator_layer(project, catalog),
        )?;
    }
    Ok(())
}

/// The Navigator layer of a domain, as linked from its matrix page.
pub fn navigator_path(domain: AttackDomain) -> String {
    format!("{DIR}/attack/{}.json", domain.slug())
}

/// A framework's coverage export, as linked from its pages.
pub fn coverage_path(alias: &str, extension: &str) -> String {
    format!("{DIR}/coverage/{}.{extension}", urls::slug(alias))
}

#[derive(Serialize)]
struct Documents<'a> {
    version: u32,
    book: &'a str,
    documents: Vec<DocumentExport<'a>>,
}

#[derive(Serialize)]
struct DocumentExport<'a> {
    id: &'a str,
    title: &'a str,
    kind: &'a str,
    status: &'a str,
    version: &'a str,
    area: Option<&'a str>,
    priority: Option<u8>,
    summary: Option<&'a str>,
    created: String,
    updated: Option<String>,
    /// The page, relative to the site's root.
    url: String,
    /// The file, relative to the book's source directory.
    path: &'a str,
    controls: Vec<ControlExport<'a>>,
    techniques: Vec<TechniqueExport<'a>>,
    relations: Vec<RelationExport<'a>>,
}

/// A cited requirement. What the document does not say is left out
/// rather than written as null: at ten thousand documents of a dozen
/// citations each, the file is mostly these.
#[derive(Serialize)]
struct ControlExport<'a> {
    /// `CYFUN2023:PR.AC-1`: the alias and the requirement's id as the
    /// catalog writes them (what the coverage files and `refs` name), however
    /// the document spelt it (`cyfun2023:BASIC_PR.AC-1.1`, `800-53:ac-02`).
    id: String,
    /// `full` or `partial`, when the document says.
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct TechniqueExport<'a> {
    /// As ATT&CK writes it (`T1486`), however the document spelt it.
    id: &'a str,
    relation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<&'static str>,
}

#[derive(Serialize)]
struct RelationExport<'a> {
    relation: &'static str,
    target: &'a str,
}

fn documents(project: &Project) -> String {
    let mut documents: Vec<&Document> = project.documents.iter().collect();
    documents.sort_by(|a, b| a.id.value.cmp(&b.id.value));
    let export = Documents {
        version: SCHEMA_VERSION,
        book: &project.book.config.book.title,
        documents: documents
            .into_iter()
            .map(|doc| document(project, doc))
            .collect(),
    };
    to_json(&export)
}

fn document<'a>(project: &'a Project, doc: &'a Document) -> DocumentExport<'a> {
    let registry = &project.registry;
    DocumentExport {
        id: &doc.id.value,
        title: &doc.title.value,
        kind: &doc.kind.value,
        status: &doc.status.value,
        version: &doc.version,
        area: doc.area.as_ref().map(|a| a.value.as_str()),
        priority: doc.priority,
        summary: doc.summary.as_deref(),
        created: doc.created.to_string(),
        updated: doc.updated.map(|d| d.to_string()),
        url: urls::document(&doc.id.value),
        path: &doc.rel_path,
        controls: doc
            .controls
            .iter()
            .map(|c| ControlExport {
                id: match registry.control(&c.framework, &c.id) {
                    ControlLookup::Found(fw, i) => {
                        format!("{}:{}", fw.alias, fw.catalog.nodes[i].label)
                    }
                    _ => format!("{}:{}", c.framework, c.id),
                },
                coverage: c.coverage.map(|c| c.as_str()),
                note: c.note.as_deref(),
            })
            .collect(),
        techniques: doc
            .techniques
            .iter()
            .map(|t| TechniqueExport {
                id: match registry.technique(&t.id) {
                    TechniqueLookup::Found(_, technique) => &technique.id,
                    TechniqueLookup::NotFound(_) => &t.id,
                },
                relation: t.relation.as_str(),
                coverage: t.coverage.map(|c| c.as_str()),
            })
            .collect(),
        relations: doc
            .relations
            .iter()
            .map(|r| RelationExport {
                relation: r.kind.key(),
                target: &r.target.value,
            })
            .collect(),
    }
}

/// A layer in the ATT&CK Navigator's format (4.5): each technique the
/// book addresses, scored by how many documents address it, with the
/// declaring documents' ids in its comment.
fn navigator_layer(project: &Project, catalog: &AttackCatalog) -> String {
    let mut techniques = Vec::new();
    let mut highest = 0;
    for (i, t) in catalog.techniques.iter().enumerate() {
        if t.revoked.is_some() || t.deprecated {
            continue;
        }
        let Some(node) = project.index.find(&Node::Technique(catalog.domain, i)) else {
            continue;
        };
        let mut declared = Vec::new();
        let mut all = Vec::new();
        for (d, edge) in project.index.documents_addressing(node) {
            all.push(d);
            if !matches!(edge, Edge::InferredTechnique { .. }) {
                declared.push(project.documents[d].id.value.as_str());
            }
        }
        all.sort_unstable();
        all.dedup();
        if all.is_empty() {
            continue;
        }
        declared.sort_unstable();
        declared.dedup();
        highest = highest.max(all.len());
        let inferred = all.len() - declared.len();
        let mut comment = if declared.is_empty() {
            String::new()
        } else {
            format!("Declared by {}", declared.join(", "))
        };
        if inferred > 0 {
            if !comment.is_empty() {
                comment.push_str("; ");
            }
            comment.push_str(&format!(
                "{inferred} more through the requirements they cite"
            ));
        }
        techniques.push(serde_json::json!({
            "techniqueID": t.id,
            "score": all.len(),
            "comment": comment,
            "enabled": true,
            "showSubtechniques": false,
        }));
    }
    let layer = serde_json::json!({
        "name": format!("{}: ATT&CK {}", project.book.config.book.title, catalog.domain.title()),
        "versions": { "attack": catalog.version, "navigator": "5.1.0", "layer": "4.5" },
        "domain": format!("{}-attack", catalog.domain.slug()),
        "description": "Techniques the book's documents address; the score is how many documents address each (declared in front matter or inferred from the requirements they cite).",
        "sorting": 3,
        "hideDisabled": false,
        "techniques": techniques,
        "gradient": { "colors": ["#cfe3f7", "#0b5cad"], "minValue": 0, "maxValue": highest.max(1) },
        "metadata": [ { "name": "licence", "value": catalog.licence } ],
    });
    to_json(&layer)
}

/// Compact JSON, one line: these files are for programs, and a book of
/// ten thousand documents would carry ten megabytes of indentation.
fn to_json(value: &impl Serialize) -> String {
    // Serialising plain data to a String cannot fail.
    let mut text = serde_json::to_string(value).unwrap_or_default();
    text.push('\n');
    text
}
