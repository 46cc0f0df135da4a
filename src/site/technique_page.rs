//! The ATT&CK technique page: where it sits in the matrix, what the book
//! says to do about it, and MITRE's own text.
//!
//! Typed views borrowing from the project and the ATT&CK catalog, handed
//! to Tera in one serialisation or written by the page's compiled twin.

use std::collections::BTreeMap;

use serde::Serialize;
use tera::Context;

use super::context::{DocCard, SiteContext};
use super::pages::PageMeta;
use super::urls;
use crate::document::TechniqueRelation;
use crate::graph::{Edge, Node};
use crate::pipeline::Project;
use crosswalk_catalog::AttackDomain;

/// Everything `technique.html` reads besides `site` and `page`.
#[derive(Serialize)]
pub(super) struct TechniquePage<'a> {
    technique: TechniqueView<'a>,
    tactics: Vec<Link<'a>>,
    subtechniques: Vec<SubTechnique<'a>>,
    parent: Option<Link<'a>>,
    mitigations: Vec<Mitigation<'a>>,
    documents: Vec<RelationDocuments<'a>>,
    /// Documents that do not name the technique but cite a requirement
    /// mapped to it, by that requirement: the matrix and tactic pages
    /// count them, so this page must show them (kept apart from
    /// `documents`, never presented as declared).
    inferred: Vec<InferredVia<'a>>,
    /// How many distinct documents `inferred` holds.
    inferred_count: usize,
    licence: &'a str,
}

/// The documents inferred to address a technique through one requirement
/// (Mappings Explorer maps it to the technique).
#[derive(Serialize)]
struct InferredVia<'a> {
    alias: String,
    label: String,
    /// The requirement's page, which lists every document citing it.
    url: String,
    /// Mappings Explorer's relation: `mitigates`, `detects`, `responds`.
    relation: &'static str,
    documents: Vec<DocLink<'a>>,
    /// Documents left out of `documents`.
    more: usize,
}

#[derive(Serialize)]
struct DocLink<'a> {
    id: &'a str,
    title: &'a str,
    url: String,
}

/// Documents named per requirement in `inferred`; the requirement's page
/// lists them all.
const DOCUMENTS_PER_REQUIREMENT: usize = 3;

#[derive(Serialize)]
struct TechniqueView<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
    url: &'a str,
    deprecated: bool,
    platforms: &'a [String],
    domain: &'static str,
    matrix_url: String,
}

/// A tactic or technique, linked.
#[derive(Serialize)]
struct Link<'a> {
    id: &'a str,
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
struct SubTechnique<'a> {
    id: &'a str,
    name: &'a str,
    url: String,
    deprecated: bool,
}

#[derive(Serialize)]
struct Mitigation<'a> {
    id: &'a str,
    name: &'a str,
    url: &'a str,
}

/// Documents addressing the technique one way (mitigates, detects, ...).
#[derive(Serialize)]
struct RelationDocuments<'a> {
    /// As written in front-matter: `mitigates`, `detects`, `responds`.
    relation: &'static str,
    /// The group's heading: "Documents that mitigate it".
    heading: &'static str,
    documents: Vec<AddressingDocument<'a>>,
}

/// The heading over the documents addressing a technique one way.
fn relation_heading(relation: TechniqueRelation) -> &'static str {
    match relation {
        TechniqueRelation::Mitigates => "Documents that mitigate it",
        TechniqueRelation::Detects => "Documents that detect it",
        TechniqueRelation::Responds => "Documents that respond to it",
    }
}

#[derive(Serialize)]
struct AddressingDocument<'a> {
    doc: DocCard<'a>,
    coverage: &'static str,
}

/// Fill `ctx` for technique `i` of `domain`.
pub(super) fn fill(
    project: &Project,
    domain: AttackDomain,
    i: usize,
    ctx: &mut Context,
) -> Result<(), tera::Error> {
    ctx.extend(Context::from_serialize(view(project, domain, i))?);
    Ok(())
}

/// The technique page through its compiled template (see
/// `site::compiled`).
#[derive(askama::Template)]
#[template(
    path = "technique.html",
    config = "src/site/compiled/askama.toml",
    escape = "crosswalk"
)]
struct CompiledTechnique<'a> {
    site: &'a SiteContext<'a>,
    page: &'a PageMeta,
    d: &'a TechniquePage<'a>,
}

/// Render a technique page's view without Tera; the same bytes as
/// `technique.html` through Tera.
pub(super) fn render_compiled(
    site: &SiteContext,
    page: &PageMeta,
    view: &TechniquePage,
) -> Result<String, askama::Error> {
    askama::Template::render(&CompiledTechnique {
        site,
        page,
        d: view,
    })
}

/// The page's data for technique `i` of `domain`.
pub(super) fn view(project: &Project, domain: AttackDomain, i: usize) -> TechniquePage<'_> {
    let catalog = project.registry.attack_domain(domain).expect("loaded");
    let t = &catalog.techniques[i];
    let vocab = &project.vocabulary;
    let tactics = t
        .tactics
        .iter()
        .filter_map(|s| catalog.tactics.iter().find(|x| &x.shortname == s))
        .map(|x| Link {
            id: &x.id,
            name: &x.name,
            url: urls::tactic(domain, &x.id),
        })
        .collect();
    let subtechniques = catalog
        .techniques
        .iter()
        .filter(|s| s.parent.as_deref() == Some(&t.id) && s.revoked.is_none())
        .map(|s| SubTechnique {
            id: &s.id,
            name: &s.name,
            url: urls::technique(domain, &s.id),
            deprecated: s.deprecated,
        })
        .collect();
    let parent = t
        .parent
        .as_deref()
        .and_then(|p| catalog.techniques.iter().find(|x| x.id == p))
        .map(|p| Link {
            id: &p.id,
            name: &p.name,
            url: urls::technique(domain, &p.id),
        });
    let mitigations = t
        .mitigations
        .iter()
        .filter_map(|m| catalog.mitigations.iter().find(|x| &x.id == m))
        .map(|m| Mitigation {
            id: &m.id,
            name: &m.name,
            url: &m.url,
        })
        .collect();
    let mut by_relation: BTreeMap<TechniqueRelation, Vec<AddressingDocument>> = BTreeMap::new();
    let mut declaring = Vec::new();
    let mut inferred_edges = Vec::new();
    if let Some(node) = project.index.find(&Node::Technique(domain, i)) {
        for (d, edge) in project.index.documents_addressing(node) {
            match edge {
                Edge::AddressesTechnique { relation, coverage } => {
                    declaring.push(d);
                    by_relation
                        .entry(*relation)
                        .or_default()
                        .push(AddressingDocument {
                            doc: DocCard::new(&project.documents[d], vocab),
                            coverage: coverage.as_str(),
                        });
                }
                Edge::InferredTechnique { relation, via } => {
                    inferred_edges.push((d, *relation, *via));
                }
                _ => {}
            }
        }
    }
    declaring.sort_unstable();
    let (inferred, inferred_count) = inferred_vias(project, &declaring, inferred_edges);
    TechniquePage {
        technique: TechniqueView {
            id: &t.id,
            name: &t.name,
            description: &t.description,
            url: &t.url,
            deprecated: t.deprecated,
            platforms: &t.platforms,
            domain: domain.title(),
            matrix_url: urls::matrix(domain),
        },
        tactics,
        subtechniques,
        parent,
        mitigations,
        documents: by_relation
            .into_iter()
            .map(|(r, documents)| RelationDocuments {
                relation: r.as_str(),
                heading: relation_heading(r),
                documents,
            })
            .collect(),
        inferred,
        inferred_count,
        licence: &catalog.licence,
    }
}

/// The documents inferred to address a technique that do not declare it,
/// grouped by the requirement they reach it through (in the requirements'
/// order, then by relation), each group naming its first few documents in
/// book order. Also how many distinct documents that is, which is what
/// the matrix and tactic pages count.
fn inferred_vias<'a>(
    project: &'a Project,
    declaring: &[usize],
    edges: Vec<(usize, TechniqueRelation, petgraph::graph::NodeIndex)>,
) -> (Vec<InferredVia<'a>>, usize) {
    // Keyed by node while grouping: a popular technique has thousands of
    // inferred edges at 10,000 documents, and a control key owns a string.
    let mut groups: rustc_hash::FxHashMap<
        (petgraph::graph::NodeIndex, TechniqueRelation),
        Vec<usize>,
    > = rustc_hash::FxHashMap::default();
    let mut documents = Vec::new();
    for (d, relation, via) in edges {
        if declaring.binary_search(&d).is_ok() {
            continue;
        }
        groups.entry((via, relation)).or_default().push(d);
        documents.push(d);
    }
    documents.sort_unstable();
    documents.dedup();
    let mut groups: Vec<_> = groups
        .into_iter()
        .filter_map(|((via, relation), docs)| {
            Some((project.index.control_key(via)?, relation, docs))
        })
        .collect();
    groups.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let vias = groups
        .into_iter()
        .map(|((alias, c), relation, mut docs)| {
            docs.sort_unstable();
            docs.dedup();
            let label = crate::graph::explain::label(&project.registry, &alias, c);
            InferredVia {
                url: urls::control(&alias, &label),
                alias,
                label,
                relation: relation.as_str(),
                more: docs.len().saturating_sub(DOCUMENTS_PER_REQUIREMENT),
                documents: docs
                    .iter()
                    .take(DOCUMENTS_PER_REQUIREMENT)
                    .map(|&d| {
                        let doc = &project.documents[d];
                        DocLink {
                            id: &doc.id.value,
                            title: &doc.title.value,
                            url: urls::document(&doc.id.value),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    (vias, documents.len())
}
