//! The pages of a site and how each is rendered.

use std::collections::BTreeSet;

use crosswalk_catalog::{AttackCatalog, AttackDomain};
use rustc_hash::FxHashMap;
use serde::Serialize;
use tera::Context;

use super::context::{reading_order, ControlRef, DocCard, SiteContext};
use super::fragments::Fragments;
use super::framework_page::{self, first_line, Bar};
use super::listing_page;
use super::theme::Theme;
use super::{urls, BuildError};
use crate::document::{Document, Vocabulary};
use crate::graph::{Edge, Node};
use crate::pipeline::Project;

/// The title of the index of every document.
const DOCUMENT_INDEX_TITLE: &str = "All documents";

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
    /// A framework's requirement tree limited to one implementation group
    /// (alias, level ref id): the level filter, without JavaScript.
    FrameworkLevel(String, String),
    /// Coverage dashboard of a framework, or of one of its levels.
    Coverage(String, Option<String>),
    /// Requirement-to-requirement table of a mapping set (index into
    /// `Registry::mapping_sets`).
    Crosswalk(usize),
    Search,
    NotFound,
}

impl Page {
    /// The kind of page, for timings.
    pub fn kind(&self) -> &'static str {
        match self {
            Page::Home => "home",
            Page::DocumentIndex | Page::Listing { .. } | Page::TagIndex => "listing",
            Page::Document(_) => "document",
            Page::Technique(..) => "technique",
            Page::Tactic(..) => "tactic",
            Page::Matrix(_) => "matrix",
            Page::Control(..) => "control",
            Page::Framework(_) | Page::FrameworkLevel(..) => "framework",
            Page::Coverage(..) => "coverage",
            Page::Crosswalk(_) => "crosswalk",
            Page::Search | Page::NotFound => "other",
        }
    }

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
                project
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
            Page::FrameworkLevel(alias, level) => framework_level_path(alias, level),
            Page::Coverage(alias, level) => coverage_path(alias, level.as_deref()),
            Page::Crosswalk(set) => crosswalk_path(project, *set),
            Page::Search => "search.html".into(),
            Page::NotFound => NOT_FOUND_PATH.into(),
        }
    }
}

pub(super) fn technique(
    project: &Project,
    domain: AttackDomain,
    i: usize,
) -> &crosswalk_catalog::Technique {
    &project
        .registry
        .attack_domain(domain)
        .expect("domain of a listed page is loaded")
        .techniques[i]
}

/// Every page of the site, in a deterministic order. The search page only
/// when the book has a search index (`[build] search`; `build
/// --no-search` leaves it out too).
pub fn all_pages(project: &Project) -> Vec<Page> {
    let mut pages = vec![Page::Home, Page::DocumentIndex, Page::TagIndex];
    if project.book.config.build.search {
        pages.push(Page::Search);
    }
    pages.push(Page::NotFound);
    pages.extend((0..project.documents.len()).map(Page::Document));
    pages.extend(listing_page::listings(project));
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
    framework_pages(project, &mut pages);
    pages.extend(controls.into_iter().map(|(a, i)| Page::Control(a, i)));
    pages
}

#[derive(Serialize)]
pub(super) struct PageMeta {
    pub(super) title: String,
    pub(super) path: String,
    pub(super) root: String,
    pub(super) canonical: Option<String>,
    pub(super) description: Option<String>,
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
    let tally = crate::timing::global();
    let fragments = Fragments {
        tera: &theme.tera,
        twins: theme.twins,
        cache: &site.fragments,
        root: &root,
        documents: &project.documents,
    };
    let render_error = |e: tera::Error| BuildError::Render {
        page: path.clone(),
        message: theme.error_message(&e),
    };
    if let Some(html) = render_twin(project, site, theme, page, &fragments, &path)? {
        return Ok(html);
    }
    let mut ctx = Context::new();
    ctx.insert("site", site);
    let (template, title, description) = tally
        .time(page.kind(), || {
            fill(project, site, page, &fragments, &mut ctx)
        })
        .map_err(render_error)?;
    ctx.insert("page", &page_meta(site, &path, title, description));
    tally
        .time("(tera)", || theme.tera.render(template, &ctx))
        .map_err(render_error)
}

/// A technique page's title: "T1486 Data Encrypted for Impact".
fn technique_title(project: &Project, domain: AttackDomain, i: usize) -> String {
    let t = technique(project, domain, i);
    format!("{} {}", t.id, t.name)
}

/// A document page's title: "HCB-0007: Title".
fn document_title(doc: &Document) -> String {
    format!("{}: {}", doc.id.value, doc.title.value)
}

/// `page` for a page at `path` (relative to the site root).
fn page_meta(
    site: &SiteContext,
    path: &str,
    title: String,
    description: Option<String>,
) -> PageMeta {
    PageMeta {
        title,
        canonical: site.url.as_ref().map(|u| format!("{u}{path}")),
        path: path.to_string(),
        // A server shows the 404 page at any missing address, however
        // deep: its links start from the site's base path, not from where
        // the file lies.
        root: if path == NOT_FOUND_PATH {
            site.base_path.clone()
        } else {
            urls::root_of(path)
        },
        description,
    }
}

const NOT_FOUND_PATH: &str = "404.html";

/// `page` through its compiled twin (`site::compiled`), when it has one
/// and the theme leaves the templates it mirrors as shipped; `None`
/// otherwise. The same bytes as through Tera.
fn render_twin(
    project: &Project,
    site: &SiteContext,
    theme: &Theme,
    page: &Page,
    fragments: &Fragments,
    path: &str,
) -> Result<Option<String>, BuildError> {
    let tally = crate::timing::global();
    let data_error = |e: tera::Error| BuildError::Render {
        page: path.to_string(),
        message: theme.error_message(&e),
    };
    let html = match page {
        Page::Document(i) if theme.twins.document_page => {
            let doc = &project.documents[*i];
            let view = tally
                .time(page.kind(), || {
                    super::document_page::view(project, *i, fragments)
                })
                .map_err(data_error)?;
            let meta = page_meta(site, path, document_title(doc), doc.summary.clone());
            tally.time("(compiled)", || {
                super::document_page::render_compiled(site, &meta, &view)
            })
        }
        Page::Control(alias, i) if theme.twins.control_page => {
            let view = tally
                .time(page.kind(), || {
                    super::control_page::view(project, alias, *i, fragments)
                })
                .map_err(data_error)?;
            let title = super::control_page::title(project, alias, *i);
            let meta = page_meta(site, path, title, None);
            tally.time("(compiled)", || {
                super::control_page::render_compiled(site, &meta, &view)
            })
        }
        Page::Technique(domain, i) if theme.twins.technique_page => {
            let view = tally.time(page.kind(), || {
                super::technique_page::view(project, *domain, *i)
            });
            let title = technique_title(project, *domain, *i);
            let meta = page_meta(site, path, title, None);
            tally.time("(compiled)", || {
                super::technique_page::render_compiled(site, &meta, &view)
            })
        }
        Page::Listing { group, value } if theme.twins.listing_page => {
            let listing = tally
                .time(page.kind(), || {
                    listing_page::listing(project, site, group, value, fragments)
                })
                .map_err(data_error)?;
            let meta = page_meta(site, path, listing.title, None);
            tally.time("(compiled)", || {
                listing_page::render_listing(site, &meta, &listing.documents)
            })
        }
        Page::DocumentIndex if theme.twins.document_index => {
            let documents = tally.time(page.kind(), || listing_page::all_documents(project));
            let meta = page_meta(site, path, DOCUMENT_INDEX_TITLE.into(), None);
            tally.time("(compiled)", || {
                listing_page::render_index(site, &meta, &documents)
            })
        }
        Page::Framework(alias) | Page::FrameworkLevel(alias, _) if theme.twins.framework_page => {
            let level = match page {
                Page::FrameworkLevel(_, level) => Some(level.as_str()),
                _ => None,
            };
            let Some(view) =
                tally.time(page.kind(), || framework_page::view(project, alias, level))
            else {
                return Ok(None);
            };
            let meta = page_meta(site, path, view.title.clone(), None);
            tally.time("(compiled)", || {
                framework_page::render_compiled(site, &meta, &view)
            })
        }
        _ => return Ok(None),
    };
    html.map(Some).map_err(|e| BuildError::Render {
        page: path.to_string(),
        message: e.to_string(),
    })
}

/// Insert the page's own data; returns (template, title, description).
fn fill(
    project: &Project,
    site: &SiteContext,
    page: &Page,
    fragments: &Fragments,
    ctx: &mut Context,
) -> Result<(&'static str, String, Option<String>), tera::Error> {
    Ok(match page {
        Page::Home => {
            home(project, fragments, ctx)?;
            (
                "home.html",
                project.book.config.book.title.clone(),
                Some(project.book.config.book.description.clone()),
            )
        }
        Page::DocumentIndex => {
            ctx.insert("documents", &listing_page::all_documents(project));
            ("documents.html", DOCUMENT_INDEX_TITLE.into(), None)
        }
        Page::Document(i) => {
            let doc = &project.documents[*i];
            let mut own = super::document_page::fill(project, *i, fragments)?;
            own.extend(std::mem::replace(ctx, Context::new()));
            *ctx = own;
            ("document.html", document_title(doc), doc.summary.clone())
        }
        Page::Listing { group, value } => {
            let title = listing_page::listing(project, site, group, value, fragments)?.fill(ctx);
            ("listing.html", title, None)
        }
        Page::TagIndex => {
            let tags: Vec<_> = listing_page::tags(project)
                .into_iter()
                .map(|(t, n)| serde_json::json!({ "name": t, "count": n, "url": urls::listing("tags", t) }))
                .collect();
            ctx.insert("tags", &tags);
            ("tags.html", "Tags".into(), None)
        }
        Page::Technique(domain, i) => {
            super::technique_page::fill(project, *domain, *i, ctx)?;
            (
                "technique.html",
                technique_title(project, *domain, *i),
                None,
            )
        }
        Page::Tactic(domain, i) => {
            let title = tactic_page(project, site, *domain, *i, ctx);
            ("tactic.html", title, None)
        }
        Page::Matrix(domain) => {
            matrix_page(project, site, *domain, ctx);
            (
                "matrix.html",
                format!("ATT&CK {} matrix", domain.title()),
                None,
            )
        }
        Page::Control(alias, i) => {
            let title = super::control_page::fill(project, alias, *i, fragments, ctx)?;
            ("control.html", title, None)
        }
        Page::Framework(alias) => {
            let title = framework_page::view(project, alias, None)
                .map_or_else(|| alias.clone(), |view| view.fill(ctx));
            ("framework.html", title, None)
        }
        Page::FrameworkLevel(alias, level) => {
            let title = framework_page::view(project, alias, Some(level))
                .map_or_else(|| alias.clone(), |view| view.fill(ctx));
            ("framework.html", title, None)
        }
        Page::Coverage(alias, level) => {
            let title = coverage_page(project, alias, level.as_deref(), ctx);
            ("coverage.html", title, None)
        }
        Page::Crosswalk(set) => {
            let title = crosswalk_page(project, *set, ctx);
            ("crosswalk.html", title, None)
        }
        Page::Search => {
            // The facet checkboxes are server-rendered from the same filter
            // values the index's records are made of, so both always agree.
            ctx.insert("facets", &super::search::facet_counts(project));
            ctx.insert("cited_frameworks", &cited_frameworks(project));
            ("search.html", "Search".into(), None)
        }
        Page::NotFound => ("404.html", "Page not found".into(), None),
    })
}

/// Current documents listed per area on the home page, in reading order;
/// the area's own page lists them all. A home page listing every document
/// grew to megabytes in a large book, to be read on a hospital's network
/// before the search box was usable.
const HOME_PER_AREA: usize = 20;

fn home(project: &Project, fragments: &Fragments, ctx: &mut Context) -> Result<(), tera::Error> {
    let vocab = &project.vocabulary;
    let mut sorted: Vec<&Document> = project.documents.iter().collect();
    sorted.sort_by(|a, b| reading_order(a, b));
    let areas: Vec<_> = vocab
        .areas
        .iter()
        .map(|area| {
            let current: Vec<&&Document> = sorted
                .iter()
                .filter(|d| d.area.as_ref().is_some_and(|a| &a.value == area) && !Vocabulary::is_retired(&d.status.value))
                .collect();
            let docs: Vec<_> = current
                .iter()
                .take(HOME_PER_AREA)
                .map(|d| DocCard::new(d, vocab))
                .collect();
            serde_json::json!({ "value": area, "title": vocab.title(area), "url": urls::listing("areas", area), "documents": docs, "count": current.len() })
        })
        .collect();
    let start_here = fragments.cards(
        sorted
            .iter()
            .filter(|d| d.priority == Some(1) && !Vocabulary::is_retired(&d.status.value))
            .take(8)
            .map(|d| DocCard::new(d, vocab))
            .collect(),
    )?;
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
    ctx.insert("cited_frameworks", &cited_frameworks(project));
    ctx.insert("start_here", &start_here);
    ctx.insert("recent", &recent);
    ctx.insert("document_count", &project.documents.len());
    Ok(())
}

/// How the book addresses each ATT&CK technique, for the matrices and
/// tactic pages: each of them reads every technique of its tactics, and
/// walking a popular technique's thousands of incoming edges per cell cost
/// more than the rest of those pages. Made once per build by the first
/// page that needs it ([`SiteContext::techniques`]).
pub struct TechniqueUse {
    domains: Vec<(AttackDomain, DomainUse)>,
}

struct DomainUse {
    /// Per technique index.
    counts: Vec<UseCounts>,
    /// Per technique index: distinct documents addressing it or one of its
    /// sub-techniques, in any way (what a matrix cell's colour says).
    family: Vec<usize>,
    /// Per technique index, its active sub-techniques in catalog order.
    subtechniques: Vec<Vec<usize>>,
    /// The first technique of each ATT&CK id.
    by_id: FxHashMap<String, usize>,
}

/// Documents addressing one technique.
#[derive(Default, Clone, Copy)]
struct UseCounts {
    /// In any way (each document once).
    documents: usize,
    /// Declared in front-matter.
    declared: usize,
    /// Reached only through a cited requirement's ATT&CK mapping.
    inferred_only: usize,
}

impl TechniqueUse {
    pub fn new(project: &Project) -> Self {
        let domains = project
            .registry
            .attack
            .iter()
            .map(|catalog| (catalog.domain, DomainUse::new(project, catalog)))
            .collect();
        TechniqueUse { domains }
    }

    fn domain(&self, domain: AttackDomain) -> Option<&DomainUse> {
        self.domains
            .iter()
            .find(|(d, _)| *d == domain)
            .map(|(_, u)| u)
    }

    fn counts(&self, domain: AttackDomain, i: usize) -> UseCounts {
        self.domain(domain)
            .and_then(|u| u.counts.get(i))
            .copied()
            .unwrap_or_default()
    }
}

impl DomainUse {
    fn new(project: &Project, catalog: &AttackCatalog) -> Self {
        let mut documents: Vec<Vec<usize>> = vec![Vec::new(); catalog.techniques.len()];
        let counts = (0..catalog.techniques.len())
            .map(|i| {
                let Some(node) = project.index.find(&Node::Technique(catalog.domain, i)) else {
                    return UseCounts::default();
                };
                let mut declared = Vec::new();
                let mut inferred = Vec::new();
                for (d, edge) in project.index.documents_addressing(node) {
                    match edge {
                        Edge::InferredTechnique { .. } => inferred.push(d),
                        _ => declared.push(d),
                    }
                }
                declared.sort_unstable();
                declared.dedup();
                inferred.sort_unstable();
                inferred.dedup();
                inferred.retain(|d| declared.binary_search(d).is_err());
                documents[i] = declared.iter().chain(&inferred).copied().collect();
                UseCounts {
                    documents: declared.len() + inferred.len(),
                    declared: declared.len(),
                    inferred_only: inferred.len(),
                }
            })
            .collect();
        // Every technique of each id (ids are unique in a release; a scan
        // by id, as the pages did, would take each one).
        let mut all_of_id: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (i, t) in catalog.techniques.iter().enumerate() {
            all_of_id.entry(t.id.as_str()).or_default().push(i);
        }
        let by_id = all_of_id
            .iter()
            .map(|(id, at)| (id.to_string(), at[0]))
            .collect();
        let mut subtechniques = vec![Vec::new(); catalog.techniques.len()];
        for (j, s) in catalog.techniques.iter().enumerate() {
            if s.revoked.is_some() || s.deprecated {
                continue;
            }
            let parents = s.parent.as_deref().and_then(|p| all_of_id.get(p));
            for &i in parents.into_iter().flatten() {
                subtechniques[i].push(j);
            }
        }
        let family = (0..catalog.techniques.len())
            .map(|i| {
                let mut all: Vec<usize> = subtechniques[i]
                    .iter()
                    .flat_map(|&j| documents[j].iter().copied())
                    .chain(documents[i].iter().copied())
                    .collect();
                all.sort_unstable();
                all.dedup();
                all.len()
            })
            .collect();
        DomainUse {
            counts,
            family,
            subtechniques,
            by_id,
        }
    }
}

fn tactic_techniques(
    project: &Project,
    site: &SiteContext,
    domain: AttackDomain,
    shortname: &str,
) -> Vec<serde_json::Value> {
    let catalog = project.registry.attack_domain(domain).expect("loaded");
    let table = site.techniques.get_or_init(|| TechniqueUse::new(project));
    let no_subs = Vec::new();
    catalog
        .techniques
        .iter()
        .enumerate()
        .filter(|(_, t)| t.parent.is_none() && t.revoked.is_none() && !t.deprecated && t.tactics.iter().any(|s| s == shortname))
        .map(|(i, t)| {
            let sub_indices = table.domain(domain).and_then(|u| u.subtechniques.get(i)).unwrap_or(&no_subs);
            let subs: Vec<_> = sub_indices
                .iter()
                .map(|&j| {
                    let s = &catalog.techniques[j];
                    serde_json::json!({ "id": s.id, "name": s.name, "url": urls::technique(domain, &s.id), "count": table.counts(domain, j).documents })
                })
                .collect();
            let count = table.counts(domain, i).documents;
            let sub_count = subs.iter().filter(|s| s["count"].as_u64().unwrap_or(0) > 0).count();
            let family = table.domain(domain).and_then(|u| u.family.get(i).copied()).unwrap_or(count);
            serde_json::json!({ "id": t.id, "name": t.name, "url": urls::technique(domain, &t.id), "count": count, "family_count": family, "subtechniques": subs, "covered_subtechniques": sub_count })
        })
        .collect()
}

fn tactic_page(
    project: &Project,
    site: &SiteContext,
    domain: AttackDomain,
    i: usize,
    ctx: &mut Context,
) -> String {
    let catalog = project.registry.attack_domain(domain).expect("loaded");
    let tactic = &catalog.tactics[i];
    let root = urls::root_of(&urls::tactic(domain, &tactic.id));
    let description_html =
        super::technique_page::attack_html(project, domain, &tactic.description, &root);
    ctx.insert(
        "tactic",
        &serde_json::json!({ "id": tactic.id, "name": tactic.name, "description": tactic.description, "description_html": description_html, "url": tactic.url, "domain": domain.title(), "matrix_url": urls::matrix(domain), "deprecated": tactic.deprecated }),
    );
    ctx.insert(
        "techniques",
        &tactic_techniques(project, site, domain, &tactic.shortname),
    );
    ctx.insert("licence", &catalog.licence);
    format!("{} ({}): {}", tactic.name, tactic.id, domain.title())
}

fn matrix_page(project: &Project, site: &SiteContext, domain: AttackDomain, ctx: &mut Context) {
    let catalog = project.registry.attack_domain(domain).expect("loaded");
    let columns: Vec<_> = catalog
        .tactics
        .iter()
        .filter_map(|t| {
            let mut techniques = tactic_techniques(project, site, domain, &t.shortname);
            // A deprecated tactic (Mobile's Network Effects) keeps its page
            // for the old techniques that name it, but no current technique
            // fills its column.
            if t.deprecated && techniques.is_empty() {
                return None;
            }
            let table = site.techniques.get_or_init(|| TechniqueUse::new(project));
            techniques.iter_mut().for_each(|x| mark_inferred(table, domain, x));
            let covered = techniques.iter().filter(|x| x["count"].as_u64().unwrap_or(0) > 0 || x["covered_subtechniques"].as_u64().unwrap_or(0) > 0).count();
            Some(serde_json::json!({ "id": t.id, "name": t.name, "url": urls::tactic(domain, &t.id), "techniques": techniques, "covered": covered }))
        })
        .collect();
    ctx.insert("domain", &serde_json::json!({ "slug": domain.slug(), "title": domain.title(), "version": catalog.version, "navigator_url": super::exports::navigator_path(domain) }));
    ctx.insert("columns", &columns);
    ctx.insert("licence", &catalog.licence);
}

/// `{alias, label, url}` of a requirement, for links.
///
/// Only for requirements that are graph nodes (cited, inferred or on a
/// chain), which always have a page: no lookup needed for the URL.
pub(super) fn control_ref<'a>(project: &'a Project, alias: &'a str, idx: usize) -> ControlRef<'a> {
    let label = &project.registry.frameworks[alias].catalog.nodes[idx].label;
    ControlRef {
        alias,
        label,
        url: urls::control(alias, label),
    }
}

/// Page URL of a control node.
pub(super) fn node_url(project: &Project, node: petgraph::graph::NodeIndex) -> Option<String> {
    match &project.index.graph[node] {
        Node::Control(alias, idx) => {
            let label = &project.registry.frameworks[alias].catalog.nodes[*idx].label;
            Some(urls::control(alias, label))
        }
        _ => None,
    }
}

/// URL of a requirement's page, if it has one (only cited or inferred
/// requirements get pages).
pub(super) fn control_url(project: &Project, alias: &str, label: &str) -> Option<String> {
    let fw = project.registry.frameworks.get(alias)?;
    let idx = fw.find(label)?;
    project
        .index
        .find(&Node::Control(alias.to_string(), idx))
        .map(|_| urls::control(alias, label))
}

/// The frameworks' tree, coverage and crosswalk pages: one tree and one
/// dashboard per framework and per implementation group, one table per
/// mapping set.
fn framework_pages(project: &Project, pages: &mut Vec<Page>) {
    for (alias, fw) in &project.registry.frameworks {
        pages.push(Page::Framework(alias.clone()));
        pages.push(Page::Coverage(alias.clone(), None));
        for level in fw.levels_in_use() {
            pages.push(Page::FrameworkLevel(alias.clone(), level.ref_id.clone()));
            pages.push(Page::Coverage(alias.clone(), Some(level.ref_id.clone())));
        }
    }
    pages.extend((0..project.registry.mapping_sets.len()).map(Page::Crosswalk));
}

/// `controls/cyfun2023/level-b.html`
pub(super) fn framework_level_path(alias: &str, ref_id: &str) -> String {
    format!(
        "controls/{}/level-{}.html",
        urls::slug(alias),
        urls::slug(ref_id)
    )
}

/// `coverage/cyfun2023/index.html`, `coverage/cyfun2023/level-b.html`
pub(super) fn coverage_path(alias: &str, level: Option<&str>) -> String {
    match level {
        Some(l) => format!(
            "coverage/{}/level-{}.html",
            urls::slug(alias),
            urls::slug(l)
        ),
        None => format!("coverage/{}/index.html", urls::slug(alias)),
    }
}

/// `crosswalks/mapping-ccb-cff-2023-03-01-to-iso27001-2022.html`
pub(super) fn crosswalk_path(project: &Project, set: usize) -> String {
    let name = match project.registry.mapping_sets.get(set).map(|(s, _)| s) {
        Some(crate::catalog::CatalogSource::Embedded(name)) => urls::slug(name),
        Some(crate::catalog::CatalogSource::File(path)) => {
            urls::slug(&path.with_extension("").to_string_lossy())
        }
        None => set.to_string(),
    };
    format!("crosswalks/{name}.html")
}

/// A level's display name: its catalog name with a capital
/// (`basic - key measures` -> `Basic - key measures`).
pub(super) fn level_title(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// The coverage dashboard of a framework, or of one of its levels: bars for
/// declared / inferred / none and the gap list, each gap linking to its
/// place in the requirement tree.
fn coverage_page(project: &Project, alias: &str, level: Option<&str>, ctx: &mut Context) -> String {
    let fw = &project.registry.frameworks[alias];
    let Some(cov) = crate::graph::coverage::framework(&project.index, &project.registry, alias)
    else {
        return alias.to_string();
    };
    let tree_url = level.map_or_else(
        || urls::framework(alias),
        |l| framework_level_path(alias, l),
    );
    let gaps: Vec<_> = cov
        .gaps(fw, level)
        .into_iter()
        .map(|i| {
            let n = &fw.catalog.nodes[i];
            serde_json::json!({ "label": n.label, "name": n.name.clone().or_else(|| n.description.clone()).map(|t| first_line(&t)), "levels": n.levels, "url": format!("{tree_url}#req-{}", urls::slug(&n.label)) })
        })
        .collect();
    let levels: Vec<_> = cov
        .levels
        .iter()
        // Levels no requirement belongs to have no page (`levels_in_use`).
        .filter(|l| l.tally.total > 0)
        .map(|l| serde_json::json!({ "ref_id": l.ref_id, "name": level_title(&l.name), "url": coverage_path(alias, Some(&l.ref_id)), "bar": Bar::of(&l.tally) }))
        .collect();
    let framework = framework_page::facts(project, alias, level);
    ctx.insert("framework", &framework);
    ctx.insert(
        "exports",
        &serde_json::json!({
            "csv": super::exports::coverage_path(alias, "csv"),
            "json": super::exports::coverage_path(alias, "json"),
        }),
    );
    ctx.insert("overall", &Bar::of(&cov.overall));
    ctx.insert(
        "summary",
        &Bar::of(
            &level
                .and_then(|r| cov.level(r))
                .map_or(cov.overall, |l| l.tally),
        ),
    );
    ctx.insert("level_bars", &levels);
    ctx.insert("gaps", &gaps);
    match framework.level_name {
        Some(l) => format!("Coverage of {alias}: {l}"),
        None => format!("Coverage of {alias}"),
    }
}

/// A mapping set as requirement-to-requirement tables, with the licence of
/// the set and of both frameworks (CyFun's copyright travels with its ids).
fn crosswalk_page(project: &Project, set: usize, ctx: &mut Context) -> String {
    let (source, mapping_set) = &project.registry.mapping_sets[set];
    let summary = &project.index.crosswalk.sets[set];
    let side = |key: &crate::graph::ControlKey| {
        let label = crate::graph::explain::label(&project.registry, &key.0, key.1);
        serde_json::json!({ "alias": key.0, "label": label, "url": control_url(project, &key.0, &label) })
    };
    let rows: Vec<_> = summary
        .pairs
        .iter()
        .map(|p| {
            let m = &mapping_set.mappings[p.mapping];
            serde_json::json!({ "source": side(&p.source), "target": side(&p.target), "relationship": crate::graph::crosswalk::relationship_label(p.relationship), "strength": m.strength })
        })
        .collect();
    let copyrights: Vec<_> = [&summary.source_alias, &summary.target_alias]
        .into_iter()
        .flatten()
        .filter_map(|a| project.registry.frameworks.get(a))
        .map(|f| serde_json::json!({ "alias": f.alias, "name": f.catalog.name, "copyright": f.catalog.copyright }))
        .collect();
    ctx.insert(
        "set",
        &serde_json::json!({
            "name": mapping_set.name, "source": source.to_string(), "copyright": mapping_set.copyright,
            "from": summary.source_alias, "to": summary.target_alias,
            "from_url": summary.source_alias.as_deref().map(urls::framework),
            "to_url": summary.target_alias.as_deref().map(urls::framework),
            "mappings": mapping_set.mappings.len(), "unresolved": summary.unresolved.len(),
        }),
    );
    // CISO Assistant's sets rarely grade their mappings: a column empty in
    // every row is left out.
    let with_strength = summary
        .pairs
        .iter()
        .any(|p| mapping_set.mappings[p.mapping].strength.is_some());
    ctx.insert("rows", &rows);
    ctx.insert("with_strength", &with_strength);
    ctx.insert("copyrights", &copyrights);
    format!("Crosswalk: {}", mapping_set.name)
}

/// Documents addressing a technique, split into declared and only-inferred
/// (through a cited control's ATT&CK mapping), by technique id.
fn declared_and_inferred(table: &TechniqueUse, domain: AttackDomain, id: &str) -> (usize, usize) {
    table
        .domain(domain)
        .and_then(|u| u.by_id.get(id))
        .map_or((0, 0), |&i| {
            let counts = table.counts(domain, i);
            (counts.declared, counts.inferred_only)
        })
}

/// Add `declared`, `inferred` and `inferred_only` to a matrix cell and its
/// sub-techniques, so the matrix can tell an author's claim from a mapping.
fn mark_inferred(table: &TechniqueUse, domain: AttackDomain, cell: &mut serde_json::Value) {
    let mark = |value: &mut serde_json::Value| {
        let id = value["id"].as_str().unwrap_or_default().to_string();
        let (declared, inferred) = declared_and_inferred(table, domain, &id);
        value["declared"] = declared.into();
        value["inferred"] = inferred.into();
        value["inferred_only"] = (declared == 0 && inferred > 0).into();
    };
    mark(cell);
    if let Some(subs) = cell["subtechniques"].as_array_mut() {
        subs.iter_mut().for_each(mark);
    }
    let declared_subs = cell["subtechniques"].as_array().map_or(0, |subs| {
        subs.iter()
            .filter(|s| s["declared"].as_u64().unwrap_or(0) > 0)
            .count()
    });
    if declared_subs > 0 {
        cell["inferred_only"] = false.into();
    } else if cell["subtechniques"]
        .as_array()
        .is_some_and(|subs| subs.iter().any(|s| s["inferred"].as_u64().unwrap_or(0) > 0))
        && cell["declared"].as_u64().unwrap_or(0) == 0
    {
        cell["inferred_only"] = true.into();
    }
}

/// Frameworks with at least one cited requirement: only those have a page.
fn cited_frameworks(project: &Project) -> Vec<serde_json::Value> {
    let aliases: BTreeSet<&str> = project
        .index
        .graph
        .node_weights()
        .filter_map(|n| match n {
            Node::Control(alias, _) => Some(alias.as_str()),
            _ => None,
        })
        .collect();
    aliases
        .into_iter()
        .filter_map(|alias| project.registry.frameworks.get(alias))
        .map(|fw| serde_json::json!({ "alias": fw.alias, "title": fw.catalog.name, "url": urls::framework(&fw.alias) }))
        .collect()
}
