//! The document page: its template data, the "also satisfies" summary of
//! inferred requirements, and the relation diagram.
//!
//! The data is built as typed views borrowing from the project and handed
//! to Tera in one serialisation (`Context::from_serialize`): document pages
//! are most of a site, and building `json!` values that Tera then copies
//! again cost as much as rendering the template.

use std::collections::BTreeMap;

use serde::Serialize;
use tera::Context;

use std::sync::Arc;

use super::context::{ControlRef, DocCard, SiteContext};
use super::fragments::{Fragments, GroupKey, NodeFragment};
use super::pages::{control_ref, node_url, technique, PageMeta};
use super::theme::push_xml_escaped;
use super::urls;
use crate::catalog::{ControlLookup, TechniqueLookup};
use crate::check::is_technique_id;
use crate::document::markdown::{self, LinkResolver};
use crate::document::{Document, RelationKind, TechniqueRelation};
use crate::graph::{Edge, Node};
use crate::pipeline::Project;

/// Resolves body links for a page at `root`.
struct Links<'a> {
    project: &'a Project,
    root: &'a str,
    from: &'a Document,
}

impl LinkResolver for Links<'_> {
    fn wiki(&self, target: &str) -> Option<(String, String)> {
        let target = target.trim();
        if let Some((alias, id)) = target.split_once(':') {
            if let ControlLookup::Found(fw, i) =
                self.project.registry.control(alias.trim(), id.trim())
            {
                let node = &fw.catalog.nodes[i];
                // Only requirements in the index (cited or inferred) have a
                // page; any other is shown in its framework's tree.
                let has_page = self
                    .project
                    .index
                    .find(&Node::Control(fw.alias.clone(), i))
                    .is_some();
                let url = if has_page {
                    urls::control(&fw.alias, &node.label)
                } else {
                    format!(
                        "{}#req-{}",
                        urls::framework(&fw.alias),
                        urls::slug(&node.label)
                    )
                };
                let mut text = format!("{} {}", fw.alias, node.label);
                if let Some(name) = node.name.as_deref().filter(|n| !n.trim().is_empty()) {
                    text.push(' ');
                    text.push_str(&short_name(name));
                }
                return Some((format!("{}{url}", self.root), text));
            }
            return None;
        }
        if is_technique_id(target) {
            if let TechniqueLookup::Found(domain, t) = self.project.registry.technique(target) {
                return Some((
                    format!("{}{}", self.root, urls::technique(domain, &t.id)),
                    format!("{} {}", t.id, t.name),
                ));
            }
            return None;
        }
        let doc = &self.project.documents[self.project.document_by_id(target)?];
        Some((
            format!("{}{}", self.root, urls::document(&doc.id.value)),
            format!("{} {}", doc.id.value, doc.title.value),
        ))
    }

    fn asset(&self, path: &str) -> Option<String> {
        let rel = crate::check::book_file(&self.from.rel_path, path, &self.project.book.assets)?;
        Some(format!("{}{}", self.root, crate::site::asset_path(rel)))
    }

    fn file(&self, path: &str, anchor: Option<&str>) -> Option<String> {
        let resolved = crate::check::document_link(&self.from.rel_path, path)?;
        let doc = &self.project.documents[self.project.document_by_path(&resolved)?];
        // In one allocation: a body links a handful of documents, and a
        // book of 10,000 bodies tens of thousands.
        let mut url = String::with_capacity(self.root.len() + 64);
        url.push_str(self.root);
        let _ = std::fmt::Write::write_fmt(
            &mut url,
            format_args!("{}", urls::DocumentUrl(&doc.id.value)),
        );
        if let Some(anchor) = anchor {
            url.push('#');
            url.push_str(anchor);
        }
        Some(url)
    }
}

#[derive(Serialize)]
pub(super) struct RelationGroup<'a> {
    label: &'static str,
    documents: Vec<DocCard<'a>>,
}

#[derive(Serialize)]
struct ControlItem<'a> {
    label: &'a str,
    name: Option<&'a str>,
    url: String,
    coverage: &'static str,
    note: Option<&'a str>,
    inferred: bool,
    /// Its link and short name, written once per requirement, for the
    /// compiled page (which then needs no `url`).
    #[serde(skip)]
    head: Option<std::borrow::Cow<'a, str>>,
}

/// Cited requirements of one framework.
#[derive(Serialize)]
struct ControlGroup<'a> {
    alias: &'a str,
    name: &'a str,
    url: String,
    items: Vec<ControlItem<'a>>,
}

#[derive(Serialize)]
struct TechniqueItem<'a> {
    id: &'a str,
    name: &'a str,
    url: String,
    coverage: &'static str,
    relation: &'static str,
}

/// Techniques addressed one way (mitigates, detects, ...).
#[derive(Serialize)]
struct TechniqueGroup<'a> {
    relation: &'static str,
    items: Vec<TechniqueItem<'a>>,
}

/// Front-matter the page shows beyond the card.
#[derive(Serialize)]
struct DocumentMeta<'a> {
    authors: &'a [String],
    audience: Vec<String>,
    budget: Option<&'a str>,
    effort: Option<&'a str>,
    org_size: &'a [String],
    tags: Vec<TagLink<'a>>,
    review_by: Option<String>,
    kind_url: String,
    status_url: String,
    area_url: Option<String>,
    source: String,
}

#[derive(Serialize)]
struct TagLink<'a> {
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
struct TocEntry<'a> {
    level: u8,
    text: &'a str,
    anchor: &'a str,
}

/// Everything `document.html` reads besides `site` and `page`.
#[derive(Serialize)]
pub(super) struct DocumentPage<'a> {
    doc: DocCard<'a>,
    meta: DocumentMeta<'a>,
    body: String,
    toc: Vec<TocEntry<'a>>,
    outgoing: Vec<RelationGroup<'a>>,
    incoming: Vec<RelationGroup<'a>>,
    superseded_by: Vec<&'a str>,
    controls: Vec<ControlGroup<'a>>,
    also_satisfies: Option<AlsoSatisfies<'a>>,
    techniques: Vec<TechniqueGroup<'a>>,
    relation_svg: Option<String>,
}

/// The document page's template data, for Tera.
pub(super) fn fill(
    project: &Project,
    i: usize,
    fragments: &Fragments,
) -> Result<Context, tera::Error> {
    Context::from_serialize(&view(project, i, fragments)?)
}

/// The document page's data, as typed views borrowing from the project.
pub(super) fn view<'a>(
    project: &'a Project,
    i: usize,
    fragments: &Fragments<'a>,
) -> Result<DocumentPage<'a>, tera::Error> {
    let root = fragments.root;
    let doc = &project.documents[i];
    let vocab = &project.vocabulary;
    let links = Links {
        project,
        root,
        from: doc,
    };
    let mut body = String::new();
    let h1s = match &doc.body_html {
        Some(html) => {
            html.write_into(&mut body, &links);
            html.h1s()
        }
        // Loaded without bodies (`check`'s options): render this one now.
        None => {
            let html = markdown::prepare(doc.body_text(), doc.body.start).1;
            html.write_into(&mut body, &links);
            html.h1s()
        }
    };
    let node = project
        .index
        .document_node(i)
        .expect("every document has a node");
    let mut outgoing: BTreeMap<RelationKind, Vec<DocCard>> = BTreeMap::new();
    let mut incoming: BTreeMap<RelationKind, Vec<DocCard>> = BTreeMap::new();
    let mut controls: BTreeMap<&str, Vec<ControlItem>> = BTreeMap::new();
    let mut techniques: BTreeMap<TechniqueRelation, Vec<TechniqueItem>> = BTreeMap::new();
    for (target, edge) in project.index.outgoing(node) {
        match (edge, &project.index.graph[target]) {
            (Edge::Relation(kind), Node::Document(t)) => outgoing
                .entry(*kind)
                .or_default()
                .push(DocCard::new(&project.documents[*t], vocab)),
            (Edge::CitesControl { coverage, note }, Node::Control(alias, c)) => {
                let node = &project.registry.frameworks[alias].catalog.nodes[*c];
                let name = node.name.as_deref().or(node.description.as_deref());
                let head = fragments.twins.document_page.then(|| {
                    fragments.node(project, NodeFragment::CitedControl, target, || {
                        cited_control_head(root, alias, &node.label, name)
                    })
                });
                controls.entry(alias).or_default().push(ControlItem {
                    label: &node.label,
                    name,
                    url: match head {
                        Some(_) => String::new(),
                        None => urls::control(alias, &node.label),
                    },
                    coverage: coverage.as_str(),
                    note: note.as_deref(),
                    inferred: false,
                    head,
                });
            }
            (Edge::AddressesTechnique { relation, coverage }, Node::Technique(d, t)) => {
                let t = technique(project, *d, *t);
                techniques
                    .entry(*relation)
                    .or_default()
                    .push(TechniqueItem {
                        id: &t.id,
                        name: &t.name,
                        url: urls::technique(*d, &t.id),
                        coverage: coverage.as_str(),
                        relation: relation.as_str(),
                    });
            }
            _ => {}
        }
    }
    for (source, edge) in project.index.incoming(node) {
        if let (Edge::Relation(kind), Node::Document(s)) = (edge, &project.index.graph[source]) {
            incoming
                .entry(*kind)
                .or_default()
                .push(DocCard::new(&project.documents[*s], vocab));
        }
    }
    let superseded_by: Vec<&str> = incoming
        .get(&RelationKind::Supersedes)
        .map(|v| v.iter().map(|c| c.id).collect())
        .unwrap_or_default();
    // "Related" reads the same both ways: show one group, not two.
    if let Some(back) = incoming.remove(&RelationKind::Related) {
        let forward = outgoing.entry(RelationKind::Related).or_default();
        for card in back {
            if !forward.iter().any(|c| c.id == card.id) {
                forward.push(card);
            }
        }
    }
    let outgoing = outgoing
        .into_iter()
        .map(|(k, documents)| {
            Ok(RelationGroup {
                label: k.label(),
                documents: fragments.cards(documents)?,
            })
        })
        .collect::<Result<Vec<_>, tera::Error>>()?;
    let incoming = incoming
        .into_iter()
        .map(|(k, documents)| {
            Ok(RelationGroup {
                label: k.inverse_label(),
                documents: fragments.cards(documents)?,
            })
        })
        .collect::<Result<Vec<_>, tera::Error>>()?;
    let controls: Vec<_> = controls
        .into_iter()
        .map(|(alias, items)| ControlGroup {
            alias,
            name: &project.registry.frameworks[alias].catalog.name,
            url: urls::framework(alias),
            items,
        })
        .collect();
    let techniques: Vec<_> = techniques
        .into_iter()
        .map(|(r, items)| TechniqueGroup {
            relation: r.as_str(),
            items,
        })
        .collect();
    let card = DocCard::new(doc, vocab);
    Ok(DocumentPage {
        relation_svg: relation_svg(&card, &outgoing, &incoming, &|card: &DocCard| {
            box_title(project, fragments, card)
        }),
        doc: card,
        meta: DocumentMeta {
            authors: &doc.authors,
            audience: doc.audience.iter().map(|a| vocab.title(a)).collect(),
            budget: doc.budget.as_deref(),
            effort: doc.effort.as_deref(),
            org_size: &doc.org_size,
            tags: doc
                .tags
                .iter()
                .map(|t| TagLink {
                    name: &t.value,
                    url: urls::listing("tags", &t.value),
                })
                .collect(),
            review_by: doc.review_by.as_ref().map(|r| r.value.to_string()),
            kind_url: urls::listing("kinds", &doc.kind.value),
            status_url: urls::listing("statuses", &doc.status.value),
            area_url: doc.area.as_ref().map(|a| urls::listing("areas", &a.value)),
            source: format!(
                "{}/{}",
                project.book.config.book.src.display(),
                doc.rel_path
            ),
        },
        body: body_headings_below_title(body, repeats_title(doc), h1s),
        toc: doc
            .outline
            .headings
            .iter()
            .filter(|h| (2..=3).contains(&h.level))
            .map(|h| TocEntry {
                level: h.level,
                text: &h.text,
                anchor: &h.anchor,
            })
            .collect(),
        outgoing,
        incoming,
        superseded_by,
        controls,
        also_satisfies: inferred_controls(project, i, fragments)?,
        techniques,
    })
}

/// The document page through its compiled template (see `site::compiled`),
/// for themes that leave the mirrored templates as shipped.
#[derive(askama::Template)]
#[template(
    path = "document.html",
    config = "src/site/compiled/askama.toml",
    escape = "crosswalk"
)]
struct CompiledDocument<'a> {
    site: &'a SiteContext<'a>,
    page: &'a PageMeta,
    d: &'a DocumentPage<'a>,
}

/// The twin of `mapping_group.html`.
#[derive(askama::Template)]
#[template(
    path = "mapping_group.html",
    config = "src/site/compiled/askama.toml",
    escape = "crosswalk"
)]
struct GroupHtml<'a> {
    group: &'a OneMappingChain<'a>,
    root: &'a str,
}

/// Render a document page's view without Tera; the same bytes as
/// `document.html` through Tera.
pub(super) fn render_compiled(
    site: &SiteContext,
    page: &PageMeta,
    view: &DocumentPage,
) -> Result<String, askama::Error> {
    // A document page is its body plus some 30 KB around it (the cited
    // requirements, "also satisfies", the diagram, the cards). Askama's own
    // estimate is the template's text, a few KB, and growing to the size
    // of the page copied it three times over.
    let mut html = String::with_capacity(view.body.len() + PAGE_AROUND_BODY);
    askama::Template::render_into(
        &CompiledDocument {
            site,
            page,
            d: view,
        },
        &mut html,
    )?;
    Ok(html)
}

/// Bytes a document page holds besides its body, to size its buffer.
const PAGE_AROUND_BODY: usize = 40 * 1024;

/// Labels shown per chain on a document page; the rest are counted.
pub(super) const LABELS_PER_CHAIN: usize = 4;

/// The "also satisfies" section (`also_satisfies.html`).
#[derive(Serialize)]
pub struct AlsoSatisfies<'a> {
    count: usize,
    frameworks: Vec<InferredFramework<'a>>,
    one_mapping: Vec<OneMappingChain<'a>>,
    hubs: usize,
}

/// Inferred requirements of one framework.
#[derive(Serialize)]
struct InferredFramework<'a> {
    alias: &'a str,
    name: &'a str,
    url: String,
    copyright: &'a str,
    count: usize,
    full: usize,
    partial: usize,
    two_mappings: usize,
    further: Vec<FurtherGroup<'a>>,
    further_more: usize,
}

/// Requirements two mappings away, among the first few of a framework,
/// reached through the same chain: shown once, with its targets after it,
/// where each used to repeat the chain.
#[derive(Serialize)]
struct FurtherGroup<'a> {
    /// The chain up to the requirement the last mapping leaves from,
    /// rendered by `chain.html`.
    chain_html: Arc<str>,
    /// The last mapping's relationship and set.
    relationship: &'static str,
    set: Option<&'a str>,
    /// The requirements, for a theme's template...
    targets: Vec<ControlRef<'a>>,
    /// ...or their links, for the compiled page (`Fragments::control_link`).
    #[serde(skip)]
    links: Vec<std::borrow::Cow<'a, str>>,
    coverage: &'static str,
}

/// Requirements of one framework reached through the same chain of one
/// mapping.
///
/// A Tera document page gets every field. The compiled one reads only
/// `html`, so a group already rendered comes with its markup alone
/// ([`OneMappingChain::markup_only`]).
#[derive(Serialize)]
struct OneMappingChain<'a> {
    /// The chain before the targets, rendered by `chain.html`.
    chain_html: Arc<str>,
    relationship: &'static str,
    coverage: &'static str,
    alias: &'a str,
    framework: &'a str,
    count: usize,
    targets: Vec<ControlRef<'a>>,
    more: usize,
    more_url: Option<String>,
    /// This group's markup from `mapping_group.html`.
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<Arc<str>>,
}

/// The requirements a document is inferred to satisfy ("also satisfies"),
/// kept apart from the declared `controls` so the two are never presented
/// as one.
///
/// Mapping sets fan out widely (one CSF 2.0 subcategory maps to hundreds of
/// NIS2 items, and two hops through ISO 27001 reach most of a catalog), so
/// listing every inferred requirement on every citing document would make
/// the site grow with documents x mappings. The page gives counts per
/// framework, then the chains of one mapping grouped by where they start
/// and the framework they reach, each with a few labels: the page of the
/// chain's last requirement before the target lists every requirement it
/// maps to, and each inferred requirement's page lists how it is reached.
/// Requirements two mappings away (always partial) are counted per
/// framework, the first few named with their whole chain.
/// `None` when nothing is inferred.
fn inferred_controls<'a>(
    project: &'a Project,
    doc: usize,
    fragments: &Fragments<'a>,
) -> Result<Option<AlsoSatisfies<'a>>, tera::Error> {
    let table = project.index.control_table();
    let Some(summary) = project
        .index
        .inference
        .summary(doc, table, LABELS_PER_CHAIN)
    else {
        return Ok(None);
    };
    let frameworks: Vec<_> = summary
        .frameworks
        .iter()
        .map(|f| {
            let alias = table.aliases[usize::from(f.framework)].as_str();
            let fw = &project.registry.frameworks[alias];
            // The first few requirements two mappings away, with their
            // chains: what they are and why, without listing hundreds.
            let further = further_groups(project, fragments, alias, &f.further)?;
            Ok(InferredFramework {
                alias,
                name: &fw.catalog.name,
                url: urls::framework(alias),
                copyright: &fw.catalog.copyright,
                count: f.full + f.partial,
                full: f.full,
                partial: f.partial,
                two_mappings: f.two_mappings,
                further,
                further_more: f.two_mappings.saturating_sub(LABELS_PER_CHAIN),
            })
        })
        .collect::<Result<_, tera::Error>>()?;
    let one_mapping = summary
        .groups
        .iter()
        .map(|group| one_mapping_group(project, fragments, group))
        .collect::<Result<Vec<_>, tera::Error>>()?
        .into_iter()
        .flatten()
        .collect();
    Ok(Some(AlsoSatisfies {
        count: summary.total,
        frameworks,
        one_mapping,
        hubs: summary.hubs,
    }))
}

impl<'a> OneMappingChain<'a> {
    /// A group shown by its cached markup: the links it is made of are
    /// left empty.
    fn markup_only(html: Arc<str>, alias: &'a str, count: usize) -> Self {
        OneMappingChain {
            chain_html: Arc::from(""),
            relationship: "",
            coverage: "",
            alias,
            framework: "",
            count,
            targets: Vec::new(),
            more: 0,
            more_url: None,
            html: Some(html),
        }
    }
}

/// A cited requirement's link and short name on a document page, as
/// `document.html` writes them: `<a href="…">ALIAS LABEL</a>: NAME…`.
fn cited_control_head(root: &str, alias: &str, label: &str, name: Option<&str>) -> String {
    let target = ControlRef {
        alias,
        label,
        url: urls::control(alias, label),
    };
    let mut html = String::with_capacity(192);
    super::fragments::push_control_link(&mut html, root, &target);
    if let Some(name) = crate::site::compiled::truthy(&name) {
        html.push_str(": ");
        // Writing to a String cannot fail.
        let _ = super::theme::write_escaped(&mut html, &crate::site::compiled::truncate(name, 140));
    }
    html
}

/// Framework `alias`'s first requirements two mappings away (`links`, in
/// catalog order), grouped by the chain and last mapping reaching them, in
/// the order they come.
fn further_groups<'a>(
    project: &'a Project,
    fragments: &Fragments<'a>,
    alias: &'a str,
    links: &[crate::graph::infer::InferredLink<'a>],
) -> Result<Vec<FurtherGroup<'a>>, tera::Error> {
    let table = project.index.control_table();
    let framework = &project.registry.frameworks[alias];
    let mut groups: Vec<FurtherGroup> = Vec::new();
    let mut keys = Vec::new();
    for link in links {
        let Some((&hub, before)) = link.chain.split_last() else {
            continue;
        };
        let (relationship, set) = last_mapping(project, hub, link);
        let label = &framework.catalog.nodes[table.of_node[link.target.index()].1 as usize].label;
        let target = || ControlRef {
            alias,
            label,
            url: urls::control(alias, label),
        };
        let key = (link.chain, relationship, set, link.coverage);
        let at = match keys.iter().position(|k| *k == key) {
            Some(at) => at,
            None => {
                keys.push(key);
                groups.push(FurtherGroup {
                    chain_html: fragments.chain(project, before, hub)?,
                    relationship,
                    set,
                    targets: Vec::new(),
                    links: Vec::new(),
                    coverage: link.coverage.as_str(),
                });
                groups.len() - 1
            }
        };
        if fragments.twins.document_page {
            let html = fragments.control_link(project, link.target, target);
            groups[at].links.push(html);
        } else {
            groups[at].targets.push(target());
        }
    }
    Ok(groups)
}

/// The relationship and mapping set of a link's last hop, from `hub`, as
/// a chain names them ([`crate::graph::explain::explain_chain`]).
fn last_mapping<'a>(
    project: &'a Project,
    hub: petgraph::graph::NodeIndex,
    link: &crate::graph::infer::InferredLink,
) -> (&'static str, Option<&'a str>) {
    let graph = &project.index.graph;
    let found = match (&graph[hub], &graph[link.target]) {
        (Node::Control(from, i), Node::Control(to, j)) => project
            .index
            .crosswalk
            .mapping_between((from, *i), (to, *j)),
        _ => None,
    };
    match found {
        Some(mapping) => (
            crate::graph::crosswalk::relationship_label(mapping.relationship),
            project
                .registry
                .mapping_sets
                .get(mapping.set)
                .map(|(_, set)| set.name.as_str()),
        ),
        None => (
            crate::graph::crosswalk::relationship_label(link.relationship),
            None,
        ),
    }
}

/// One group of requirements one mapping away: those of framework `alias`
/// reached through `chain` (target last) with the last hop's relationship
/// and coverage, the first few named, its markup from `mapping_group.html`.
/// `None` for an empty chain.
fn one_mapping_group<'a>(
    project: &'a Project,
    fragments: &Fragments,
    group: &crate::graph::summary::OneMappingGroup,
) -> Result<Option<OneMappingChain<'a>>, tera::Error> {
    let table = project.index.control_table();
    let alias = table.aliases[usize::from(group.framework)].as_str();
    let relationship = crate::graph::crosswalk::relationship_label(group.relationship);
    let coverage = group.coverage.as_str();
    let (chain, count, shown) = (group.chain, group.count, &group.shown);
    let Some((&last, before)) = chain.split_last() else {
        return Ok(None);
    };
    let key = GroupKey {
        chain: chain.to_vec(),
        alias: alias.to_string(),
        relationship,
        coverage,
        shown: shown.to_vec(),
        count,
    };
    // The compiled document page shows a group by its markup alone, and a
    // group recurs on every document citing where it starts: once cached,
    // its links need not be built again.
    if fragments.twins.document_page {
        if let Some(html) = fragments.cached_group(&key) {
            return Ok(Some(OneMappingChain::markup_only(html, alias, count)));
        }
    }
    let mut group = OneMappingChain {
        chain_html: fragments.chain(project, before, last)?,
        relationship,
        coverage,
        alias,
        framework: &project.registry.frameworks[alias].catalog.name,
        count,
        targets: shown
            .iter()
            .map(|&c| control_ref(project, alias, c))
            .collect(),
        more: count.saturating_sub(LABELS_PER_CHAIN),
        more_url: node_url(project, last),
        html: None,
    };
    group.html = Some(fragments.group(key, &group, |root| {
        askama::Template::render(&GroupHtml {
            group: &group,
            root,
        })
    })?);
    Ok(Some(group))
}

/// Whether the body's first heading is a `# heading` standing for the
/// document's title, as many Markdown files open: the only `#` heading of
/// the body (the sections being `##`), or one repeating the title (in any
/// case and spacing). A body whose sections are `#` headings keeps them
/// all.
fn repeats_title(doc: &Document) -> bool {
    let words = |text: &str| {
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let headings = &doc.outline.headings;
    let top_level = headings.iter().filter(|h| h.level == 1).count();
    headings.first().is_some_and(|h| {
        h.level == 1 && (top_level == 1 || words(&h.text) == words(&doc.title.value))
    })
}

/// Drop the body's leading `<h1>` when it repeats the title the page header
/// already shows (`drop_title`) and, if the body still uses `<h1>`, demote
/// every heading one level, so each document page has exactly one h1 and
/// no skipped level. Any other leading `# heading` is kept: it was dropped
/// too, losing its text and the anchor links point at. `h1s` is how many
/// `<h1` the body holds ([`markdown::BodyHtml::h1s`]).
fn body_headings_below_title(mut body: String, drop_title: bool, mut h1s: usize) -> String {
    debug_assert_eq!(h1s, body.matches("<h1").count(), "h1s counted at parse");
    let trimmed = body.trim_start();
    if drop_title && trimmed.starts_with("<h1") {
        let skipped = body.len() - trimmed.len();
        let cut = trimmed
            .find("</h1>")
            .map_or(skipped, |end| skipped + end + "</h1>".len());
        h1s = h1s.saturating_sub(body[..cut].matches("<h1").count());
        body.drain(..cut);
    }
    if h1s > 0 {
        for level in (1..=5).rev() {
            body = body
                .replace(&format!("<h{level}"), &format!("<h{}", level + 1))
                .replace(&format!("</h{level}>"), &format!("</h{}>", level + 1));
        }
    }
    body
}

/// A requirement's name as a wiki link shows it: CyFun and NIS2 names are
/// whole sentences, cut after a few words.
fn short_name(name: &str) -> String {
    const MAX: usize = 60;
    match clip_end(name.trim(), MAX) {
        None => name.trim().to_string(),
        Some(end) => format!("{}…", name.trim()[..end].trim_end()),
    }
}

/// Where a box's text is cut to `max` characters before an ellipsis (and
/// trailing spaces), or `None` when it fits.
fn clip_end(text: &str, max: usize) -> Option<usize> {
    // A character is at least a byte: short texts need no counting, and
    // long ones are read no further than the cut. Titles are mostly
    // ASCII, where characters are bytes.
    if text.len() <= max {
        return None;
    }
    if text.is_ascii() {
        return Some(max.saturating_sub(1));
    }
    text.char_indices().nth(max)?;
    Some(
        text.char_indices()
            .nth(max.saturating_sub(1))
            .map_or(text.len(), |(at, _)| at),
    )
}

/// Append `text` cut to `max` characters with an ellipsis (see
/// [`clip_end`]), escaped for SVG: boxes have a fixed width.
fn push_clipped(out: &mut String, text: &str, max: usize) {
    match clip_end(text, max) {
        None => push_xml_escaped(out, text),
        Some(end) => {
            push_xml_escaped(out, text[..end].trim_end());
            out.push('…');
        }
    }
}

/// Append a coordinate: a diagram holds a dozen per neighbour, and
/// `write!` cost more than the rest of the box.
fn push_number(out: &mut String, n: u32) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// One neighbour box of the relation diagram.
struct DiagramNode<'a> {
    relation: &'static str,
    /// The relation's slug, for the edge's class.
    kind: &'a str,
    card: &'a DocCard<'a>,
}

const SVG_WIDTH: u32 = 760;
const BOX_W: u32 = 230;
const BOX_H: u32 = 46;
const ROW: u32 = 56;

/// Server-rendered SVG of a document's neighbours: documents pointing at it
/// on the left, documents it points at on the right. Colours come from the
/// stylesheet (both colour schemes); the lists beside it carry the same
/// relations as links for screen readers and keyboard users, so the picture
/// is one image (`role="img"` with a title and a description).
fn relation_svg<'t>(
    doc: &DocCard,
    outgoing: &[RelationGroup],
    incoming: &[RelationGroup],
    title: &dyn Fn(&DocCard) -> std::borrow::Cow<'t, str>,
) -> Option<String> {
    let slugs = |groups: &[RelationGroup]| -> Vec<String> {
        groups.iter().map(|group| urls::slug(group.label)).collect()
    };
    let (incoming_slugs, outgoing_slugs) = (slugs(incoming), slugs(outgoing));
    let left = diagram_nodes(incoming, &incoming_slugs);
    let right = diagram_nodes(outgoing, &outgoing_slugs);
    if left.is_empty() && right.is_empty() {
        return None;
    }
    let rows = left.len().max(right.len()).max(1) as u32;
    let height = rows * ROW + 16;
    let centre_x = (SVG_WIDTH - BOX_W) / 2;
    let centre_y = height / 2 - BOX_H / 2;
    let mut svg = String::with_capacity(1024 + 640 * (left.len() + right.len()));
    svg.push_str("<svg class=\"relation-diagram\" role=\"img\" aria-labelledby=\"rel-svg-title rel-svg-desc\" viewBox=\"0 0 ");
    push_number(&mut svg, SVG_WIDTH);
    svg.push(' ');
    push_number(&mut svg, height);
    svg.push_str("\" width=\"");
    push_number(&mut svg, SVG_WIDTH);
    svg.push_str("\" height=\"");
    push_number(&mut svg, height);
    svg.push_str(
        "\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"rel-svg-title\">Relations of ",
    );
    push_xml_escaped(&mut svg, doc.id);
    svg.push_str("</title><desc id=\"rel-svg-desc\">");
    push_diagram_description(&mut svg, doc, &left, &right);
    svg.push_str("</desc><defs><marker id=\"rel-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" class=\"rel-arrowhead\"/></marker></defs>");
    for (side, nodes) in [(0u32, &left), (1u32, &right)] {
        let x = if side == 0 { 8 } else { SVG_WIDTH - BOX_W - 8 };
        let offset = (height - nodes.len() as u32 * ROW) / 2;
        for (n, node) in nodes.iter().enumerate() {
            let y = offset + n as u32 * ROW + (ROW - BOX_H) / 2;
            let (x1, x2) = if side == 0 {
                (x + BOX_W, centre_x)
            } else {
                (centre_x + BOX_W, x)
            };
            let (y1, y2) = if side == 0 {
                (y + BOX_H / 2, centre_y + BOX_H / 2)
            } else {
                (centre_y + BOX_H / 2, y + BOX_H / 2)
            };
            svg.push_str("<line class=\"rel-edge rel-");
            svg.push_str(node.kind);
            for (name, value) in [("x1", x1), ("y1", y1), ("x2", x2), ("y2", y2)] {
                svg.push_str("\" ");
                svg.push_str(name);
                svg.push_str("=\"");
                push_number(&mut svg, value);
            }
            svg.push_str("\" marker-end=\"url(#rel-arrow)\"/>");
            diagram_box(
                &mut svg,
                x,
                y,
                node.relation,
                node.card,
                &title(node.card),
                false,
            );
        }
    }
    diagram_box(
        &mut svg,
        centre_x,
        centre_y,
        "This document",
        doc,
        &title(doc),
        true,
    );
    svg.push_str("</svg>");
    Some(svg)
}

/// A document's title as its box in a relation diagram shows it: cut to
/// fit and escaped for SVG ([`push_clipped`]), made once per document (a
/// document is a neighbour in a dozen diagrams).
fn box_title<'a>(
    project: &Project,
    fragments: &Fragments<'a>,
    card: &DocCard,
) -> std::borrow::Cow<'a, str> {
    let clipped = || {
        let mut text = String::new();
        push_clipped(&mut text, card.title, BOX_TITLE_CHARS);
        text
    };
    let node = super::fragments::document_number(&project.documents, card.doc)
        .and_then(|i| project.index.document_node(i));
    match node {
        Some(node) => fragments.node(project, NodeFragment::DiagramTitle, node, clipped),
        None => std::borrow::Cow::Owned(clipped()),
    }
}

/// Characters of a title a diagram box has room for.
const BOX_TITLE_CHARS: usize = 27;

/// The boxes of one side: every document of `groups`, with its group's
/// relation and slug.
fn diagram_nodes<'b>(groups: &'b [RelationGroup<'b>], slugs: &'b [String]) -> Vec<DiagramNode<'b>> {
    groups
        .iter()
        .zip(slugs)
        .flat_map(|(group, kind)| {
            group.documents.iter().map(|card| DiagramNode {
                relation: group.label,
                kind,
                card,
            })
        })
        .collect()
}

/// A two-line box, appended to `svg`: relation label, then id and title.
fn diagram_box(
    svg: &mut String,
    x: u32,
    y: u32,
    label: &str,
    card: &DocCard,
    title: &str,
    own: bool,
) {
    let class = match (own, card.retired) {
        (true, _) => "rel-node rel-self",
        (false, true) => "rel-node rel-retired",
        (false, false) => "rel-node",
    };
    let (tx, y1, y2) = (x + 10, y + 17, y + 36);
    svg.push_str("<g class=\"");
    svg.push_str(class);
    svg.push_str("\"><rect x=\"");
    push_number(svg, x);
    svg.push_str("\" y=\"");
    push_number(svg, y);
    svg.push_str("\" width=\"");
    push_number(svg, BOX_W);
    svg.push_str("\" height=\"");
    push_number(svg, BOX_H);
    svg.push_str("\" rx=\"6\"/><text x=\"");
    push_number(svg, tx);
    svg.push_str("\" y=\"");
    push_number(svg, y1);
    svg.push_str("\" class=\"rel-label\">");
    push_clipped(svg, label, 18);
    svg.push_str(" · ");
    push_xml_escaped(svg, card.id);
    svg.push_str("</text><text x=\"");
    push_number(svg, tx);
    svg.push_str("\" y=\"");
    push_number(svg, y2);
    svg.push_str("\" class=\"rel-title\">");
    svg.push_str(title);
    svg.push_str("</text></g>");
}

/// The diagram in words, for its `<desc>`, appended escaped: one clause
/// per neighbour, "HCB-0001 supersedes HCB-0002 (Title)", joined by
/// semicolons.
fn push_diagram_description(
    out: &mut String,
    doc: &DocCard,
    left: &[DiagramNode],
    right: &[DiagramNode],
) {
    let clauses = right
        .iter()
        .map(|node| (node, false))
        .chain(left.iter().map(|node| (node, true)));
    for (n, (node, passive)) in clauses.enumerate() {
        if n > 0 {
            out.push_str("; ");
        }
        push_xml_escaped(out, doc.id);
        out.push(' ');
        match (node.relation, passive) {
            ("Related", _) => out.push_str("is related to"),
            (relation, passive) => {
                if passive {
                    out.push_str("is ");
                }
                // Relation labels are ours, plain words: nothing to escape.
                out.extend(relation.chars().flat_map(char::to_lowercase));
            }
        }
        out.push(' ');
        push_xml_escaped(out, node.card.id);
        out.push_str(" (");
        push_xml_escaped(out, node.card.title);
        out.push(')');
    }
    out.push('.');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(text: &str, max: usize) -> String {
        let mut out = String::new();
        push_clipped(&mut out, text, max);
        out
    }

    fn xml_escape(text: &str) -> String {
        let mut out = String::new();
        push_xml_escaped(&mut out, text);
        out
    }

    #[test]
    fn clip_counts_characters_and_trims_before_the_ellipsis() {
        assert_eq!(clip("short", 27), "short");
        assert_eq!(clip("éééé", 4), "éééé");
        assert_eq!(clip("ééééé", 4), "ééé…");
        assert_eq!(clip("ab cd", 4), "ab…");
        assert_eq!(clip("abcd", 0), "…");
        assert_eq!(clip("a & b & c", 6), "a &amp; b…", "escaped after the cut");
        for text in [
            "a longer title than fits",
            "ééé ééé ééé",
            "x",
            "ascii then é",
        ] {
            for max in 0..text.chars().count() + 2 {
                let slow = if text.chars().count() <= max {
                    text.to_string()
                } else {
                    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
                    format!("{}…", cut.trim_end())
                };
                assert_eq!(clip(text, max), slow, "{text:?} at {max}");
            }
        }
    }

    #[test]
    fn svg_text_escapes_markup_and_quotes() {
        assert_eq!(
            xml_escape("a & <b> \"c\" 'd'"),
            "a &amp; &lt;b&gt; &quot;c&quot; 'd'"
        );
        let mut svg = String::from("<text>");
        push_xml_escaped(&mut svg, "R&D <lab>");
        assert_eq!(svg, "<text>R&amp;D &lt;lab&gt;");
    }
}
