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
    licence: &'a str,
}

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
    if let Some(node) = project.index.find(&Node::Technique(domain, i)) {
        for (d, edge) in project.index.documents_addressing(node) {
            if let Edge::AddressesTechnique { relation, coverage } = edge {
                by_relation
                    .entry(*relation)
                    .or_default()
                    .push(AddressingDocument {
                        doc: DocCard::new(&project.documents[d], vocab),
                        coverage: coverage.as_str(),
                    });
            }
        }
    }
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
        licence: &catalog.licence,
    }
}
