//! The pages of a site and how each is rendered.

use std::collections::{BTreeMap, BTreeSet};

use crosswalk_catalog::AttackDomain;
use serde::Serialize;
use tera::Context;

use super::context::{reading_order, DocCard, SiteContext};
use super::theme::{error_chain, Theme};
use super::{urls, BuildError};
use crate::catalog::{ControlLookup, TechniqueLookup};
use crate::check::is_technique_id;
use crate::document::markdown::{self, LinkResolver};
use crate::document::{Document, RelationKind, TechniqueRelation, Vocabulary};
use crate::graph::{Edge, Node};
use crate::pipeline::Project;

/// One output page.
#[derive(Debug, Clone, PartialEq)]
pub enum Page {
    Home,
    DocumentIndex,
    Document(usize),
    /// Documents sharing a kind, status, area or tag.
    Listing {
        group: &'static str,
        value: String,
    },
    TagIndex,
    Technique(AttackDomain, usize),
    Tactic(AttackDomain, usize),
    Matrix(AttackDomain),
    Control(String, usize),
    Framework(String),
    Search,
    NotFound,
}

impl Page {
    /// Path of the page in the output, relative to the site root.
    pub fn path(&self, project: &Project) -> String {
        match self {
            Page::Home => "index.html".into(),
            Page::DocumentIndex => "documents/index.html".into(),
            Page::Document(i) => urls::document(&project.documents[*i].id.value),
            Page::Listing { group, value } => urls::listing(group, value),
            Page::TagIndex => "tags/index.html".into(),
            Page::Technique(d, i) => urls::technique(*d, &technique(project, *d, *i).id),
            Page::Tactic(d, i) => urls::tactic(
                *d,
                &project
                    .registry
                    .attack_domain(*d)
                    .map_or("", |c| c.tactics[*i].id.as_str()),
            ),
            Page::Matrix(d) => urls::matrix(*d),
            Page::Control(alias, i) => {
                let fw = &project.registry.frameworks[alias];
                urls::control(alias, &fw.catalog.nodes[*i].label)
            }
            Page::Framework(alias) => urls::framework(alias),
            Page::Search => "search.html".into(),
            Page::NotFound => "404.html".into(),
        }
    }
}

fn technique(project: &Project, domain: AttackDomain, i: usize) -> &crosswalk_catalog::Technique {
    &project
        .registry
        .attack_domain(domain)
        .expect("domain of a listed page is loaded")
        .techniques[i]
}

/// Every page of the site, in a deterministic order.
pub fn all_pages(project: &Project) -> Vec<Page> {
    let mut pages = vec![
        Page::Home,
        Page::DocumentIndex,
        Page::TagIndex,
        Page::Search,
        Page::NotFound,
    ];
    pages.extend((0..project.documents.len()).map(Page::Document));
    let mut listings: BTreeSet<(&'static str, String)> = BTreeSet::new();
    for doc in &project.documents {
        listings.insert(("kinds", doc.kind.value.clone()));
        listings.insert(("statuses", doc.status.value.clone()));
        if let Some(area) = &doc.area {
            listings.insert(("areas", area.value.clone()));
        }
        for tag in &doc.tags {
            listings.insert(("tags", tag.clone()));
        }
    }
    for area in &project.vocabulary.areas {
        listings.insert(("areas", area.clone()));
    }
    pages.extend(
        listings
            .into_iter()
            .map(|(group, value)| Page::Listing { group, value }),
    );
    for catalog in &project.registry.attack {
        pages.push(Page::Matrix(catalog.domain));
        pages.extend((0..catalog.tactics.len()).map(|i| Page::Tactic(catalog.domain, i)));
        pages.extend(
            catalog
                .techniques
                .iter()
                .enumerate()
                .filter(|(_, t)| t.revoked.is_none())
                .map(|(i, _)| Page::Technique(catalog.domain, i)),
        );
    }
    let mut controls: BTreeSet<(String, usize)> = BTreeSet::new();
    for node in project.index.graph.node_weights() {
        if let Node::Control(alias, i) = node {
            controls.insert((alias.clone(), *i));
        }
    }
    let frameworks: BTreeSet<String> = controls.iter().map(|(a, _)| a.clone()).collect();
    pages.extend(frameworks.into_iter().map(Page::Framework));
    pages.extend(controls.into_iter().map(|(a, i)| Page::Control(a, i)));
    pages
}

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
                return Some((
                    format!("{}{}", self.root, urls::control(&fw.alias, &node.label)),
                    format!("{} {}", fw.alias, node.label),
                ));
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

    fn file(&self, path: &str, anchor: Option<&str>) -> Option<String> {
        let resolved = crate::check::resolve_relative(&self.from.rel_path, path)?;
        let doc = self
            .project
            .documents
            .iter()
            .find(|d| d.rel_path == resolved)?;
        let url = format!("{}{}", self.root, urls::document(&doc.id.value));
        Some(match anchor {
            Some(a) => format!("{url}#{a}"),
            None => url,
        })
    }
}

#[derive(Serialize)]
struct PageMeta {
    title: String,
    path: String,
    root: String,
    canonical: Option<String>,
    description: Option<String>,
}

/// Render one page to HTML.
pub fn render(
    project: &Project,
    site: &SiteContext,
    theme: &Theme,
    page: &Page,
) -> Result<String, BuildError> {
    let path = page.path(project);
    let root = urls::root_of(&path);
    let mut ctx = Context::new();
    ctx.insert("site", site);
    let (template, title, description) = fill(project, page, &root, &mut ctx);
    ctx.insert(
        "page",
        &PageMeta {
            title,
            canonical: site.url.as_ref().map(|u| format!("{u}{path}")),
            path: path.clone(),
            root,
            description,
        },
    );
    theme
        .tera
        .render(template, &ctx)
        .map_err(|e| BuildError::Render {
            page: path,
            message: error_chain(&e),
        })
}

/// Insert the page's own data; returns (template, title, description).
fn fill(
    project: &Project,
    page: &Page,
    root: &str,
    ctx: &mut Context,
) -> (&'static str, String, Option<String>) {
    let vocab = &project.vocabulary;
    match page {
        Page::Home => {
            home(project, ctx);
            (
                "home.html",
                project.book.config.book.title.clone(),
                Some(project.book.config.book.description.clone()),
            )
        }
        Page::DocumentIndex => {
            let docs: Vec<_> = project
                .documents
                .iter()
                .map(|d| DocCard::new(d, vocab))
                .collect();
            ctx.insert("documents", &docs);
            ("documents.html", "All documents".into(), None)
        }
        Page::Document(i) => {
            let doc = &project.documents[*i];
            document(project, *i, root, ctx);
            (
                "document.html",
                format!("{}: {}", doc.id.value, doc.title.value),
                doc.summary.clone(),
            )
        }
        Page::Listing { group, value } => {
            let mut docs: Vec<&Document> = project
                .documents
                .iter()
                .filter(|d| match *group {
                    "kinds" => d.kind.value == *value,
                    "statuses" => d.status.value == *value,
                    "areas" => d.area.as_ref().is_some_and(|a| a.value == *value),
                    _ => d.tags.contains(value),
                })
                .collect();
            docs.sort_by(|a, b| reading_order(a, b));
            let cards: Vec<_> = docs.iter().map(|d| DocCard::new(d, vocab)).collect();
            let group_title = match *group {
                "kinds" => "Kind",
                "statuses" => "Status",
                "areas" => "Area",
                _ => "Tag",
            };
            let title = format!(
                "{group_title}: {}",
                if *group == "tags" {
                    value.clone()
                } else {
                    vocab.title(value)
                }
            );
            ctx.insert("documents", &cards);
            ctx.insert("group", group);
            ("listing.html", title, None)
        }
        Page::TagIndex => {
            let mut tags: BTreeMap<&str, usize> = BTreeMap::new();
            for doc in &project.documents {
                for tag in &doc.tags {
                    *tags.entry(tag).or_default() += 1;
                }
            }
            let tags: Vec<_> = tags
                .into_iter()
                .map(|(t, n)| serde_json::json!({ "name": t, "count": n, "url": urls::listing("tags", t) }))
                .collect();
            ctx.insert("tags", &tags);
            ("tags.html", "Tags".into(), None)
        }
        Page::Technique(domain, i) => {
            let t = technique(project, *domain, *i);
            technique_page(project, *domain, *i, ctx);
            ("technique.html", format!("{} {}", t.id, t.name), None)
        }
        Page::Tactic(domain, i) => {
            let title = tactic_page(project, *domain, *i, ctx);
            ("tactic.html", title, None)
        }
        Page::Matrix(domain) => {
            matrix_page(project, *domain, ctx);
            (
                "matrix.html",
                format!("ATT&CK {} matrix", domain.title()),
                None,
            )
        }
        Page::Control(alias, i) => {
            let title = control_page(project, alias, *i, ctx);
            ("control.html", title, None)
        }
        Page::Framework(alias) => {
            let title = framework_page(project, alias, ctx);
            ("framework.html", title, None)
        }
        Page::Search => ("search.html", "Search".into(), None),
        Page::NotFound => ("404.html", "Page not found".into(), None),
    }
}

fn home(project: &Project, ctx: &mut Context) {
    let vocab = &project.vocabulary;
    let mut sorted: Vec<&Document> = project.documents.iter().collect();
    sorted.sort_by(|a, b| reading_order(a, b));
    let areas: Vec<_> = vocab
        .areas
        .iter()
        .map(|area| {
            let docs: Vec<_> = sorted
                .iter()
                .filter(|d| d.area.as_ref().is_some_and(|a| &a.value == area) && !Vocabulary::is_retired(&d.status.value))
                .map(|d| DocCard::new(d, vocab))
                .collect();
            serde_json::json!({ "value": area, "title": vocab.title(area), "url": urls::listing("areas", area), "documents": docs })
        })
        .collect();
    let start_here: Vec<_> = sorted
        .iter()
        .filter(|d| d.priority == Some(1) && !Vocabulary::is_retired(&d.status.value))
        .take(8)
        .map(|d| DocCard::new(d, vocab))
        .collect();
    let mut recent: Vec<&Document> = project.documents.iter().collect();
    recent.sort_by(|a, b| {
        b.last_changed()
            .cmp(&a.last_changed())
            .then(a.number.cmp(&b.number))
    });
    let recent: Vec<_> = recent
        .iter()
        .take(6)
        .map(|d| DocCard::new(d, vocab))
        .collect();
    ctx.insert("areas", &areas);
    ctx.insert("start_here", &start_here);
    ctx.insert("recent", &recent);
    ctx.insert("document_count", &project.documents.len());
}

#[derive(Serialize)]
struct RelationGroup<'a> {
    label: &'static str,
    documents: Vec<DocCard<'a>>,
}

#[derive(Serialize)]
struct ControlItem {
    label: String,
    name: Option<String>,
    url: String,
    coverage: &'static str,
    note: Option<String>,
    inferred: bool,
}

#[derive(Serialize)]
struct TechniqueItem {
    id: String,
    name: String,
    url: String,
    coverage: &'static str,
    relation: &'static str,
}

fn document(project: &Project, i: usize, root: &str, ctx: &mut Context) {
    let doc = &project.documents[i];
    let vocab = &project.vocabulary;
    let rendered = markdown::render(
        doc.body_text(),
        &Links {
            project,
            root,
            from: doc,
        },
    );
    let toc: Vec<_> = rendered
        .headings
        .iter()
        .filter(|h| (2..=3).contains(&h.level))
        .collect();
    let node = project
        .index
        .document_node(i)
        .expect("every document has a node");
    let mut outgoing: BTreeMap<RelationKind, Vec<DocCard>> = BTreeMap::new();
    let mut incoming: BTreeMap<RelationKind, Vec<DocCard>> = BTreeMap::new();
    let mut controls: BTreeMap<String, Vec<ControlItem>> = BTreeMap::new();
    let mut techniques: BTreeMap<TechniqueRelation, Vec<TechniqueItem>> = BTreeMap::new();
    for (target, edge) in project.index.outgoing(node) {
        match (edge, &project.index.graph[target]) {
            (Edge::Relation(kind), Node::Document(t)) => outgoing
                .entry(*kind)
                .or_default()
                .push(DocCard::new(&project.documents[*t], vocab)),
            (Edge::CitesControl { coverage, note }, Node::Control(alias, c)) => {
                let node = &project.registry.frameworks[alias].catalog.nodes[*c];
                controls
                    .entry(alias.clone())
                    .or_default()
                    .push(ControlItem {
                        label: node.label.clone(),
                        name: node.name.clone().or_else(|| node.description.clone()),
                        url: urls::control(alias, &node.label),
                        coverage: coverage.as_str(),
                        note: note.clone(),
                        inferred: false,
                    });
            }
            (Edge::AddressesTechnique { relation, coverage }, Node::Technique(d, t)) => {
                let t = technique(project, *d, *t);
                techniques
                    .entry(*relation)
                    .or_default()
                    .push(TechniqueItem {
                        id: t.id.clone(),
                        name: t.name.clone(),
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
    let superseded_by: Vec<_> = incoming
        .get(&RelationKind::Supersedes)
        .map(|v| v.iter().map(|c| c.id).collect())
        .unwrap_or_default();
    let outgoing: Vec<_> = outgoing
        .into_iter()
        .map(|(k, documents)| RelationGroup {
            label: k.label(),
            documents,
        })
        .collect();
    let incoming: Vec<_> = incoming
        .into_iter()
        .map(|(k, documents)| RelationGroup {
            label: k.inverse_label(),
            documents,
        })
        .collect();
    let controls: Vec<_> = controls
        .into_iter()
        .map(|(alias, items)| {
            let fw = &project.registry.frameworks[&alias];
            serde_json::json!({ "alias": alias, "name": fw.catalog.name, "url": urls::framework(&alias), "items": items })
        })
        .collect();
    let techniques: Vec<_> = techniques
        .into_iter()
        .map(|(r, items)| serde_json::json!({ "relation": r.as_str(), "items": items }))
        .collect();
    let card = DocCard::new(doc, vocab);
    ctx.insert("doc", &card);
    ctx.insert(
        "meta",
        &serde_json::json!({
            "authors": doc.authors,
            "audience": doc.audience.iter().map(|a| vocab.title(a)).collect::<Vec<_>>(),
            "budget": doc.budget,
            "effort": doc.effort,
            "org_size": doc.org_size,
            "tags": doc.tags.iter().map(|t| serde_json::json!({"name": t, "url": urls::listing("tags", t)})).collect::<Vec<_>>(),
            "review_by": doc.review_by.as_ref().map(|r| r.value.to_string()),
            "kind_url": urls::listing("kinds", &doc.kind.value),
            "status_url": urls::listing("statuses", &doc.status.value),
            "area_url": doc.area.as_ref().map(|a| urls::listing("areas", &a.value)),
            "source": format!("{}/{}", project.book.config.book.src.display(), doc.rel_path),
        }),
    );
    ctx.insert("body", &rendered.html);
    ctx.insert(
        "toc",
        &toc.iter()
            .map(|h| serde_json::json!({"level": h.level, "text": h.text, "anchor": h.anchor}))
            .collect::<Vec<_>>(),
    );
    ctx.insert("outgoing", &outgoing);
    ctx.insert("incoming", &incoming);
    ctx.insert("superseded_by", &superseded_by);
    ctx.insert("controls", &controls);
    ctx.insert("techniques", &techniques);
}

fn technique_page(project: &Project, domain: AttackDomain, i: usize, ctx: &mut Context) {
    let catalog = project.registry.attack_domain(domain).expect("loaded");
    let t = &catalog.techniques[i];
    let vocab = &project.vocabulary;
    let tactics: Vec<_> = t
        .tactics
        .iter()
        .filter_map(|s| catalog.tactics.iter().find(|x| &x.shortname == s))
        .map(|x| serde_json::json!({ "id": x.id, "name": x.name, "url": urls::tactic(domain, &x.id) }))
        .collect();
    let subtechniques: Vec<_> = catalog
        .techniques
        .iter()
        .filter(|s| s.parent.as_deref() == Some(&t.id) && s.revoked.is_none())
        .map(|s| serde_json::json!({ "id": s.id, "name": s.name, "url": urls::technique(domain, &s.id), "deprecated": s.deprecated }))
        .collect();
    let parent = t.parent.as_deref().and_then(|p| catalog.techniques.iter().find(|x| x.id == p)).map(|p| {
        serde_json::json!({ "id": p.id, "name": p.name, "url": urls::technique(domain, &p.id) })
    });
    let mitigations: Vec<_> = t
        .mitigations
        .iter()
        .filter_map(|m| catalog.mitigations.iter().find(|x| &x.id == m))
        .map(|m| serde_json::json!({ "id": m.id, "name": m.name, "url": m.url }))
        .collect();
    let mut by_relation: BTreeMap<TechniqueRelation, Vec<serde_json::Value>> = BTreeMap::new();
    if let Some(node) = project.index.find(&Node::Technique(domain, i)) {
        for (d, edge) in project.index.documents_addressing(node) {
            if let Edge::AddressesTechnique { relation, coverage } = edge {
                by_relation.entry(*relation).or_default().push(serde_json::json!({ "doc": DocCard::new(&project.documents[d], vocab), "coverage": coverage.as_str() }));
            }
        }
    }
    let documents: Vec<_> = by_relation
        .into_iter()
        .map(|(r, docs)| serde_json::json!({ "relation": r.as_str(), "documents": docs }))
        .collect();
    ctx.insert(
        "technique",
        &serde_json::json!({
            "id": t.id, "name": t.name, "description": t.description, "url": t.url,
            "deprecated": t.deprecated, "platforms": t.platforms, "domain": domain.title(),
            "matrix_url": urls::matrix(domain),
        }),
    );
    ctx.insert("tactics", &tactics);
    ctx.insert("subtechniques", &subtechniques);
    ctx.insert("parent", &parent);
    ctx.insert("mitigations", &mitigations);
    ctx.insert("documents", &documents);
    ctx.insert("licence", &catalog.licence);
}

/// Number of documents addressing a technique node.
fn addressing_count(project: &Project, domain: AttackDomain, i: usize) -> usize {
    project
        .index
        .find(&Node::Technique(domain, i))
        .map_or(0, |n| {
            let mut docs: Vec<usize> = project
                .index
                .documents_addressing(n)
                .into_iter()
                .map(|(d, _)| d)
                .collect();
            docs.dedup();
            docs.len()
        })
}

fn tactic_techniques(
    project: &Project,
    domain: AttackDomain,
    shortname: &str,
) -> Vec<serde_json::Value> {
    let catalog = project.registry.attack_domain(domain).expect("loaded");
    catalog
        .techniques
        .iter()
        .enumerate()
        .filter(|(_, t)| t.parent.is_none() && t.revoked.is_none() && !t.deprecated && t.tactics.iter().any(|s| s == shortname))
        .map(|(i, t)| {
            let subs: Vec<_> = catalog
                .techniques
                .iter()
                .enumerate()
                .filter(|(_, s)| s.parent.as_deref() == Some(&t.id) && s.revoked.is_none() && !s.deprecated)
                .map(|(j, s)| serde_json::json!({ "id": s.id, "name": s.name, "url": urls::technique(domain, &s.id), "count": addressing_count(project, domain, j) }))
                .collect();
            let count = addressing_count(project, domain, i);
            let sub_count = subs.iter().filter(|s| s["count"].as_u64().unwrap_or(0) > 0).count();
            serde_json::json!({ "id": t.id, "name": t.name, "url": urls::technique(domain, &t.id), "count": count, "subtechniques": subs, "covered_subtechniques": sub_count })
        })
        .collect()
}

fn tactic_page(project: &Project, domain: AttackDomain, i: usize, ctx: &mut Context) -> String {
    let catalog = project.registry.attack_domain(domain).expect("loaded");
    let tactic = &catalog.tactics[i];
    ctx.insert(
        "tactic",
        &serde_json::json!({ "id": tactic.id, "name": tactic.name, "description": tactic.description, "url": tactic.url, "domain": domain.title(), "matrix_url": urls::matrix(domain) }),
    );
    ctx.insert(
        "techniques",
        &tactic_techniques(project, domain, &tactic.shortname),
    );
    ctx.insert("licence", &catalog.licence);
    format!("{} ({}): {}", tactic.name, tactic.id, domain.title())
}

fn matrix_page(project: &Project, domain: AttackDomain, ctx: &mut Context) {
    let catalog = project.registry.attack_domain(domain).expect("loaded");
    let columns: Vec<_> = catalog
        .tactics
        .iter()
        .map(|t| {
            let techniques = tactic_techniques(project, domain, &t.shortname);
            let covered = techniques.iter().filter(|x| x["count"].as_u64().unwrap_or(0) > 0 || x["covered_subtechniques"].as_u64().unwrap_or(0) > 0).count();
            serde_json::json!({ "id": t.id, "name": t.name, "url": urls::tactic(domain, &t.id), "techniques": techniques, "covered": covered })
        })
        .collect();
    ctx.insert("domain", &serde_json::json!({ "slug": domain.slug(), "title": domain.title(), "version": catalog.version }));
    ctx.insert("columns", &columns);
    ctx.insert("licence", &catalog.licence);
}

fn control_page(project: &Project, alias: &str, i: usize, ctx: &mut Context) -> String {
    let fw = &project.registry.frameworks[alias];
    let node = &fw.catalog.nodes[i];
    let vocab = &project.vocabulary;
    let mut documents = Vec::new();
    if let Some(n) = project.index.find(&Node::Control(alias.to_string(), i)) {
        for (d, edge) in project.index.documents_citing(n) {
            if let Edge::CitesControl { coverage, note } = edge {
                documents.push(serde_json::json!({ "doc": DocCard::new(&project.documents[d], vocab), "coverage": coverage.as_str(), "note": note }));
            }
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
                .map_or(l.clone(), |x| vocab.title(&x.name))
        })
        .collect();
    let measures: Vec<_> = fw.children[i]
        .iter()
        .map(|&c| &fw.catalog.nodes[c as usize])
        .map(|m| serde_json::json!({ "label": m.label, "description": m.description, "levels": m.levels, "assessable": m.assessable }))
        .collect();
    let parent = node
        .parent
        .map(|p| &fw.catalog.nodes[p as usize])
        .map(|p| serde_json::json!({ "label": p.label, "name": p.name }));
    ctx.insert(
        "control",
        &serde_json::json!({
            "alias": alias, "label": node.label, "name": node.name, "description": node.description,
            "guidance": node.guidance, "assessable": node.assessable, "levels": levels,
            "framework": fw.catalog.name, "version": fw.catalog.version, "framework_url": urls::framework(alias),
            "has_text": fw.catalog.has_text, "copyright": fw.catalog.copyright,
        }),
    );
    ctx.insert("parent", &parent);
    ctx.insert("measures", &measures);
    ctx.insert("documents", &documents);
    format!(
        "{alias} {}{}",
        node.label,
        node.name
            .as_ref()
            .map_or(String::new(), |n| format!(": {n}"))
    )
}

fn framework_page(project: &Project, alias: &str, ctx: &mut Context) -> String {
    let fw = &project.registry.frameworks[alias];
    let mut cited: Vec<_> = project
        .index
        .graph
        .node_indices()
        .filter_map(|n| match &project.index.graph[n] {
            Node::Control(a, i) if a == alias => {
                Some((*i, project.index.documents_citing(n).len()))
            }
            _ => None,
        })
        .collect();
    cited.sort_unstable();
    let items: Vec<_> = cited
        .into_iter()
        .map(|(i, count)| {
            let node = &fw.catalog.nodes[i];
            serde_json::json!({ "label": node.label, "name": node.name.clone().or_else(|| node.description.clone()), "url": urls::control(alias, &node.label), "count": count })
        })
        .collect();
    ctx.insert(
        "framework",
        &serde_json::json!({ "alias": alias, "name": fw.catalog.name, "version": fw.catalog.version, "copyright": fw.catalog.copyright, "has_text": fw.catalog.has_text, "source": fw.source.to_string() }),
    );
    ctx.insert("controls", &items);
    format!("{} ({alias})", fw.catalog.name)
}
