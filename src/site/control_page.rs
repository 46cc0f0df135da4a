//! The control (requirement) page: its text and place in the catalog, the
//! documents citing it, how it is reached through mapping sets, and what
//! it maps to.
//!
//! The data is built as typed views borrowing from the project and the
//! catalogs, serialised into Tera's context once (a control page is a
//! third of the pages of a book that cites many requirements).

use std::collections::BTreeMap;

use serde::Serialize;
use tera::Context;

use super::context::{ControlRef, DocCard, SiteContext};
use super::fragments::Fragments;
use super::pages::{
    control_ref, control_url, coverage_path, level_title, node_url, technique, PageMeta,
};
use super::urls;
use crate::graph::{Edge, Node};
use crate::pipeline::Project;

/// Documents listed per source on a control page; the rest are counted
/// (every one of them is listed on the source requirement's page).
const DOCUMENTS_PER_SOURCE: usize = 5;
/// Cited requirements named per hub on a control page; the rest are
/// counted.
const LABELS_PER_HUB: usize = 6;

/// Everything `control.html` reads besides `site` and `page`.
#[derive(Serialize)]
pub(super) struct ControlPage<'a> {
    control: ControlView<'a>,
    parent: Option<NodeLink<'a>>,
    measures: Vec<Measure<'a>>,
    documents: Vec<CitingDocument<'a>>,
    inferred: Vec<OneMappingSource<'a>>,
    inferred_via: Vec<ViaHub<'a>>,
    mapped: Vec<MappedFramework<'a>>,
    mapped_techniques: Vec<MappedTechnique<'a>>,
}

/// The requirement itself.
#[derive(Serialize)]
struct ControlView<'a> {
    alias: &'a str,
    label: &'a str,
    name: Option<&'a str>,
    description: Option<&'a str>,
    guidance: Option<&'a str>,
    assessable: bool,
    levels: Vec<String>,
    framework: &'a str,
    version: &'a str,
    framework_url: String,
    coverage_url: String,
    has_text: bool,
    copyright: &'a str,
}

/// The parent requirement, for the breadcrumb.
#[derive(Serialize)]
struct NodeLink<'a> {
    label: &'a str,
    name: Option<&'a str>,
    url: Option<String>,
}

/// A measure or sub-requirement.
#[derive(Serialize)]
struct Measure<'a> {
    label: &'a str,
    description: Option<&'a str>,
    levels: &'a [String],
    assessable: bool,
    url: Option<String>,
}

/// A document citing the requirement, with how.
#[derive(Serialize)]
struct CitingDocument<'a> {
    doc: DocCard<'a>,
    coverage: &'static str,
    note: Option<&'a str>,
    /// The requirement the document cites, when it cites this measure's
    /// requirement rather than the measure (citing a requirement covers
    /// its measures).
    through: Option<&'a str>,
}

/// A chain of one mapping from a cited requirement, with the first few
/// documents citing it.
#[derive(Serialize)]
struct OneMappingSource<'a> {
    coverage: &'static str,
    chain_html: std::sync::Arc<str>,
    documents: Vec<DocCard<'a>>,
    more: usize,
    source_url: Option<String>,
}

/// Longer chains, summarised by the requirement they pass through last.
#[derive(Serialize)]
struct ViaHub<'a> {
    hub: ControlRef<'a>,
    relationship: Option<&'static str>,
    sources: Vec<ControlRef<'a>>,
    count: usize,
    more: usize,
}

/// Requirements of one other framework this one maps to.
#[derive(Serialize)]
struct MappedFramework<'a> {
    alias: &'a str,
    name: &'a str,
    items: Vec<MappedRequirement<'a>>,
}

#[derive(Serialize)]
struct MappedRequirement<'a> {
    label: &'a str,
    name: Option<&'a str>,
    relationship: &'static str,
    set: Option<&'a str>,
    url: Option<String>,
}

#[derive(Serialize)]
struct MappedTechnique<'a> {
    id: &'a str,
    name: &'a str,
    relation: &'static str,
    url: String,
}

/// Fill `ctx` for requirement `i` of framework `alias`; returns the page
/// title.
pub(super) fn fill(
    project: &Project,
    alias: &str,
    i: usize,
    fragments: &Fragments,
    ctx: &mut Context,
) -> Result<String, tera::Error> {
    let page = view(project, alias, i, fragments)?;
    ctx.extend(Context::from_serialize(&page)?);
    Ok(title(project, alias, i))
}

/// The page title: "CSF2 GV.OC-01: Name".
pub(super) fn title(project: &Project, alias: &str, i: usize) -> String {
    let node = &project.registry.frameworks[alias].catalog.nodes[i];
    format!(
        "{alias} {}{}",
        node.label,
        node.name
            .as_ref()
            .map_or(String::new(), |n| format!(": {n}"))
    )
}

/// The control page through its compiled template (see `site::compiled`).
#[derive(askama::Template)]
#[template(
    path = "control.html",
    config = "src/site/compiled/askama.toml",
    escape = "crosswalk"
)]
struct CompiledControl<'a> {
    site: &'a SiteContext<'a>,
    page: &'a PageMeta,
    d: &'a ControlPage<'a>,
}

/// Render a control page's view without Tera; the same bytes as
/// `control.html` through Tera.
pub(super) fn render_compiled(
    site: &SiteContext,
    page: &PageMeta,
    view: &ControlPage,
) -> Result<String, askama::Error> {
    askama::Template::render(&CompiledControl {
        site,
        page,
        d: view,
    })
}

/// The page's data for requirement `i` of framework `alias`.
pub(super) fn view<'a>(
    project: &'a Project,
    alias: &'a str,
    i: usize,
    fragments: &Fragments,
) -> Result<ControlPage<'a>, tera::Error> {
    let fw = &project.registry.frameworks[alias];
    let node = &fw.catalog.nodes[i];
    let vocab = &project.vocabulary;
    let mut documents = Vec::new();
    let mut inferred = InferredSources::default();
    if let Some(n) = project.index.find(&Node::Control(alias.to_string(), i)) {
        for (d, edge) in project.index.documents_citing(n) {
            if let Edge::CitesControl { coverage, note } = edge {
                documents.push(CitingDocument {
                    doc: DocCard::new(&project.documents[d], vocab),
                    coverage: coverage.as_str(),
                    note: note.as_deref(),
                    through: None,
                });
            }
        }
        inferred = inferred_sources(project, n, fragments)?;
    }
    // A measure is covered by a citation of its requirement, as the
    // framework page and `coverage` count it: this page said no document
    // cited it.
    for (d, edge, above) in project.index.documents_citing_above(fw, i) {
        if let Edge::CitesControl { coverage, note } = edge {
            documents.push(CitingDocument {
                doc: DocCard::new(&project.documents[d], vocab),
                coverage: coverage.as_str(),
                note: note.as_deref(),
                through: Some(&fw.catalog.nodes[above].label),
            });
        }
    }
    let levels: Vec<_> = node
        .levels
        .iter()
        .map(|l| {
            fw.catalog
                .levels
                .iter()
                .find(|x| &x.ref_id == l)
                .map_or(l.clone(), |x| level_title(&x.name))
        })
        .collect();
    let measures: Vec<_> = fw.children[i]
        .iter()
        .map(|&c| &fw.catalog.nodes[c as usize])
        .map(|m| Measure {
            label: &m.label,
            description: m.description.as_deref(),
            levels: &m.levels,
            assessable: m.assessable,
            url: control_url(project, alias, &m.label),
        })
        .collect();
    let parent = node
        .parent
        .map(|p| &fw.catalog.nodes[p as usize])
        .map(|p| NodeLink {
            label: &p.label,
            name: p.name.as_deref(),
            url: control_url(project, alias, &p.label),
        });
    Ok(ControlPage {
        control: ControlView {
            alias,
            label: &node.label,
            name: node.name.as_deref(),
            description: node.description.as_deref(),
            guidance: node.guidance.as_deref(),
            assessable: node.assessable,
            levels,
            framework: &fw.catalog.name,
            version: &fw.catalog.version,
            framework_url: urls::framework(alias),
            coverage_url: coverage_path(alias, None),
            has_text: fw.catalog.has_text,
            copyright: &fw.catalog.copyright,
        },
        parent,
        measures,
        documents,
        inferred: inferred.one_mapping,
        inferred_via: inferred.via_hub,
        mapped: mapped_requirements(project, alias, i),
        mapped_techniques: mapped_techniques(project, alias, i),
    })
}

/// How a control page shows inferred coverage: chains of one mapping with
/// the documents behind them, longer chains summarised by hub.
#[derive(Default)]
struct InferredSources<'a> {
    one_mapping: Vec<OneMappingSource<'a>>,
    via_hub: Vec<ViaHub<'a>>,
}

/// The ways requirement `n` is reached from requirements documents cite.
/// Sized by the mappings, not by the documents: a control reached by
/// thousands of documents lists each citing requirement once.
fn inferred_sources<'a>(
    project: &'a Project,
    n: petgraph::graph::NodeIndex,
    fragments: &Fragments,
) -> Result<InferredSources<'a>, tera::Error> {
    let vocab = &project.vocabulary;
    let inference = &project.index.inference;
    let mut out = InferredSources::default();
    let mut hubs: BTreeMap<&Node, (petgraph::graph::NodeIndex, Vec<&Node>)> = BTreeMap::new();
    for source in inference.sources_of(n) {
        if source.link.hops <= 1 {
            let docs = inference.source_documents(&source, n);
            if docs.is_empty() {
                continue;
            }
            let shown: Vec<_> = docs
                .iter()
                .take(DOCUMENTS_PER_SOURCE)
                .map(|&d| DocCard::new(&project.documents[d], vocab))
                .collect();
            out.one_mapping.push(OneMappingSource {
                coverage: source.link.coverage.as_str(),
                chain_html: fragments.chain(project, source.link.chain, n)?,
                documents: shown,
                more: docs.len().saturating_sub(DOCUMENTS_PER_SOURCE),
                source_url: node_url(project, source.declared),
            });
        } else if let Some(&hub) = source.link.chain.last() {
            let entry = hubs
                .entry(&project.index.graph[hub])
                .or_insert_with(|| (hub, Vec::new()));
            let declared = &project.index.graph[source.declared];
            if !entry.1.contains(&declared) {
                entry.1.push(declared);
            }
        }
    }
    for (hub_node, (hub, mut sources)) in hubs {
        sources.sort();
        let Node::Control(alias, idx) = hub_node else {
            continue;
        };
        let shown: Vec<_> = sources
            .iter()
            .take(LABELS_PER_HUB)
            .filter_map(|s| match s {
                Node::Control(a, i) => Some(control_ref(project, a, *i)),
                _ => None,
            })
            .collect();
        let relationship = project
            .index
            .control_key(hub)
            .zip(project.index.control_key(n))
            .and_then(|(from, to)| project.index.crosswalk.link_between(&from, &to))
            .map(|l| crate::graph::crosswalk::relationship_label(l.relationship));
        out.via_hub.push(ViaHub {
            hub: control_ref(project, alias, *idx),
            relationship,
            sources: shown,
            count: sources.len(),
            more: sources.len().saturating_sub(LABELS_PER_HUB),
        });
    }
    Ok(out)
}

/// Requirements of other frameworks a requirement maps to, by framework.
fn mapped_requirements<'a>(
    project: &'a Project,
    alias: &str,
    i: usize,
) -> Vec<MappedFramework<'a>> {
    let mut by_framework: BTreeMap<&str, Vec<MappedRequirement>> = BTreeMap::new();
    for link in project.index.crosswalk.links(alias, i) {
        let Some(fw) = project.registry.frameworks.get(&link.to.0) else {
            continue;
        };
        let node = &fw.catalog.nodes[link.to.1];
        let set = project
            .registry
            .mapping_sets
            .get(link.set)
            .map(|(_, s)| s.name.as_str());
        by_framework
            .entry(fw.alias.as_str())
            .or_default()
            .push(MappedRequirement {
                label: &node.label,
                name: node.name.as_deref().or(node.description.as_deref()),
                relationship: crate::graph::crosswalk::relationship_label(link.relationship),
                set,
                url: control_url(project, &fw.alias, &node.label),
            });
    }
    by_framework
        .into_iter()
        .map(|(a, items)| MappedFramework {
            alias: a,
            name: &project.registry.frameworks[a].catalog.name,
            items,
        })
        .collect()
}

/// ATT&CK techniques a control is mapped to (Mappings Explorer).
fn mapped_techniques<'a>(project: &'a Project, alias: &str, i: usize) -> Vec<MappedTechnique<'a>> {
    project
        .index
        .crosswalk
        .techniques(alias, i)
        .iter()
        .map(|l| {
            let t = technique(project, l.domain, l.technique);
            MappedTechnique {
                id: &t.id,
                name: &t.name,
                relation: l.relation.as_str(),
                url: urls::technique(l.domain, &t.id),
            }
        })
        .collect()
}
