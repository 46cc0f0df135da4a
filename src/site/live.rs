//! In-memory rendering for `serve`, and the incremental rule: which pages
//! a change to some documents can affect.
//!
//! The rule is deliberately generous (a page is re-rendered if anything it
//! shows *might* have changed) and is proven by the test that a sequence of
//! incremental updates ends byte-identical to a fresh full render.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::context::SiteContext;
use super::pages::{self, Page};
use super::theme::Theme;
use super::{feeds, BuildError};
use crate::graph::{Edge, Node};
use crate::pipeline::Project;

/// Every output file of a site, by path relative to the site root.
pub type Files = BTreeMap<String, Vec<u8>>;

/// Render the whole site into memory (pages, assets, sitemap and feed; the
/// search index is separate, see [`super::search`]).
pub fn render_all(project: &Project) -> Result<Files, BuildError> {
    render_all_with(project, &Theme::load(&project.book.root)?)
}

/// [`render_all`] with a theme already loaded (serve keeps it between
/// rebuilds: compiling the templates is a cost no edit to a document
/// should pay).
pub fn render_all_with(project: &Project, theme: &Theme) -> Result<Files, BuildError> {
    let pages = pages::all_pages(project);
    let mut files = render_pages(project, theme, &pages)?;
    files.extend(
        super::published_assets(theme, project.book.config.build.search)
            .map(|(path, bytes)| (path.clone(), bytes.clone())),
    );
    for (path, text) in feeds::all(project, &pages) {
        files.insert(path, text.into_bytes());
    }
    Ok(files)
}

/// Render some pages.
pub fn render_pages(project: &Project, theme: &Theme, pages: &[Page]) -> Result<Files, BuildError> {
    let site = SiteContext::new(project);
    let tally = crate::timing::Tally::default();
    let files = pages
        .par_iter()
        .map(|page| {
            let html = tally.time(page.kind(), || pages::render(project, &site, theme, page))?;
            Ok((page.path(project), html.into_bytes()))
        })
        .collect();
    tally.print("  render");
    files
}

/// What a set of documents touches, captured before and after a change.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Footprint {
    /// The documents' own pages (the union of before and after is always
    /// re-rendered).
    pages: BTreeSet<String>,
    /// Pages that depend on the documents' front-matter only (citations
    /// and what they infer, counts): re-rendered only when a front-matter
    /// differs between before and after. A citation made by no other
    /// document feeds hundreds of inferred requirements, and can make
    /// requirement pages appear or vanish (so the pages linking to them
    /// change); an edit to the prose does none of that.
    if_front_matter_changed: BTreeSet<String>,
    /// What the summary pages (home, indexes, listings, matrices, framework,
    /// coverage and search pages) show of the documents, by path: their
    /// card, tags, citations and techniques. When it is the same before and
    /// after, those pages are not re-rendered.
    summary: BTreeMap<String, String>,
}

impl Footprint {
    /// Add another footprint's pages.
    pub fn extend(&mut self, other: Footprint) {
        self.pages.extend(other.pages);
        self.if_front_matter_changed
            .extend(other.if_front_matter_changed);
        for (path, summary) in other.summary {
            self.summary.entry(path).or_insert(summary);
        }
    }

    /// Whether the summary pages may show something different.
    fn summaries_changed(before: &Footprint, after: &Footprint) -> bool {
        before.summary != after.summary
    }

    /// The pages to re-render given the footprints before and after.
    fn pages_to_render<'a>(before: &'a Footprint, after: &'a Footprint) -> BTreeSet<&'a str> {
        let mut out: BTreeSet<&str> = before
            .pages
            .iter()
            .chain(&after.pages)
            .map(String::as_str)
            .collect();
        if Footprint::summaries_changed(before, after) {
            out.extend(
                before
                    .if_front_matter_changed
                    .iter()
                    .chain(&after.if_front_matter_changed)
                    .map(String::as_str),
            );
        }
        out
    }

    /// The pages that show something of the documents at `rel_paths`.
    pub fn of(project: &Project, rel_paths: &[String]) -> Footprint {
        let mut pages = BTreeSet::new();
        let mut if_front_matter_changed = BTreeSet::new();
        let mut summary = BTreeMap::new();
        let wanted: BTreeSet<&str> = rel_paths.iter().map(String::as_str).collect();
        let changed: Vec<usize> = project
            .documents
            .iter()
            .enumerate()
            .filter(|(_, d)| wanted.contains(d.rel_path.as_str()))
            .map(|(i, _)| i)
            .collect();
        for &d in &changed {
            // The document's own page is the only one that shows its body.
            pages.insert(Page::Document(d).path(project));
            // Every other page shows what its front-matter says (its card,
            // citations and what they infer), so is re-rendered only when
            // that changed.
            let mut add = |page: Page| {
                if_front_matter_changed.insert(page.path(project));
            };
            let doc = &project.documents[d];
            add(Page::Listing {
                group: "kinds",
                value: doc.kind.value.clone(),
            });
            add(Page::Listing {
                group: "statuses",
                value: doc.status.value.clone(),
            });
            if let Some(area) = &doc.area {
                add(Page::Listing {
                    group: "areas",
                    value: area.value.clone(),
                });
            }
            for tag in &doc.tags {
                add(Page::Listing {
                    group: "tags",
                    value: tag.value.clone(),
                });
            }
            if let Some(node) = project.index.document_node(d) {
                let inference = &project.index.inference;
                // Its neighbours, the requirements one mapping from what it
                // cites (their pages name or count it), and those reached
                // only through its citations (they may lose their page).
                let neighbours = project
                    .index
                    .outgoing(node)
                    .into_iter()
                    .chain(project.index.incoming(node))
                    .map(|(n, _)| n)
                    .chain(inference.one_mapping_from(d))
                    .chain(inference.only_through(d));
                for n in neighbours {
                    for page in pages_of_node(project, &project.index.graph[n]) {
                        add(page);
                    }
                }
                // Pages linking to requirements that may gain or lose their
                // page with its citations.
                let touched = project
                    .index
                    .outgoing(node)
                    .into_iter()
                    .filter(|(_, e)| matches!(e, Edge::CitesControl { .. }))
                    .map(|(n, _)| n)
                    .chain(inference.only_through(d));
                for n in touched {
                    if let Node::Control(alias, i) = &project.index.graph[n] {
                        if_front_matter_changed.extend(linking_to(project, alias, *i));
                    }
                }
            }
            summary.insert(doc.rel_path.clone(), summary_of(project, d));
        }
        // Documents whose bodies link to a changed document show its title.
        for i in project.documents_linking_to(&wanted, true) {
            if_front_matter_changed.insert(Page::Document(i).path(project));
        }
        Footprint {
            pages,
            if_front_matter_changed,
            summary,
        }
    }
}

/// Everything of document `d` that a summary page can show, as one string
/// to compare: its front-matter without the body. Generous on purpose (a
/// field no summary page shows only costs a re-render when it changes).
fn summary_of(project: &Project, d: usize) -> String {
    let doc = &project.documents[d];
    let front = doc.front_matter_text();
    format!("{}\u{0}{}", doc.number, front)
}

/// Pages that link to requirement `(alias, i)` when it has a page: its
/// parent's and children's pages, the requirements it maps to, and the
/// crosswalk tables.
fn linking_to(project: &Project, alias: &str, i: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut add =
        |alias: &str, i: usize| out.push(Page::Control(alias.to_string(), i).path(project));
    if let Some(fw) = project.registry.frameworks.get(alias) {
        if let Some(parent) = fw.catalog.nodes.get(i).and_then(|n| n.parent) {
            add(alias, parent as usize);
        }
        for &child in fw.children.get(i).into_iter().flatten() {
            add(alias, child as usize);
        }
    }
    for link in project.index.crosswalk.links(alias, i) {
        add(&link.to.0, link.to.1);
    }
    out.extend((0..project.registry.mapping_sets.len()).map(|s| Page::Crosswalk(s).path(project)));
    out
}

/// The entity pages that show a graph node.
fn pages_of_node(project: &Project, node: &Node) -> Vec<Page> {
    match node {
        Node::Document(d) => vec![Page::Document(*d)],
        Node::Control(alias, i) => vec![Page::Control(alias.clone(), *i)],
        Node::Technique(domain, i) => {
            let mut out = vec![Page::Technique(*domain, *i)];
            if let Some(catalog) = project.registry.attack_domain(*domain) {
                let technique = &catalog.techniques[*i];
                for shortname in &technique.tactics {
                    if let Some(t) = catalog
                        .tactics
                        .iter()
                        .position(|x| &x.shortname == shortname)
                    {
                        out.push(Page::Tactic(*domain, t));
                    }
                }
                if let Some(parent) = technique
                    .parent
                    .as_deref()
                    .and_then(|p| catalog.techniques.iter().position(|x| x.id == p))
                {
                    out.push(Page::Technique(*domain, parent));
                    out.extend(catalog.techniques[parent].tactics.iter().filter_map(|s| {
                        catalog
                            .tactics
                            .iter()
                            .position(|x| &x.shortname == s)
                            .map(|t| Page::Tactic(*domain, t))
                    }));
                }
            }
            out
        }
        Node::Framework(_) | Node::Tactic(..) | Node::Mitigation(..) => Vec::new(),
    }
}

/// Pages that summarise the whole book (home, indexes, matrices, framework
/// and coverage pages): always re-rendered after a change.
fn is_summary(page: &Page) -> bool {
    matches!(
        page,
        Page::Home
            | Page::DocumentIndex
            | Page::TagIndex
            | Page::Matrix(_)
            | Page::Framework(_)
            | Page::FrameworkLevel(..)
            | Page::Coverage(..)
            | Page::Search
    )
}

/// After [`Project::update_prose`]: only the changed documents' own pages
/// can differ (every other page shows front-matter, which did not change).
pub fn apply_prose(
    project: &Project,
    theme: &Theme,
    files: &mut Files,
    rel_paths: &[String],
) -> Result<Vec<String>, BuildError> {
    let pages: Vec<Page> = rel_paths
        .iter()
        .filter_map(|rel| project.document_by_path(rel))
        .map(Page::Document)
        .collect();
    let mut changed = Vec::new();
    for (path, bytes) in render_pages(project, theme, &pages)? {
        if files.get(&path) != Some(&bytes) {
            changed.push(path.clone());
            files.insert(path, bytes);
        }
    }
    changed.sort();
    Ok(changed)
}

/// Bring `files` from the state rendered for the old project to the state
/// for `project`, given the footprints of the changed documents before and
/// after the change. Returns the paths that changed.
pub fn apply(
    project: &Project,
    theme: &Theme,
    files: &mut Files,
    before: &Footprint,
    after: &Footprint,
) -> Result<Vec<String>, BuildError> {
    let all = crate::timing::phase("  list pages", || pages::all_pages(project));
    let by_path: BTreeMap<String, &Page> = all.iter().map(|p| (p.path(project), p)).collect();
    // Pages that no longer exist go; pages that are new are rendered.
    let stale: Vec<String> = files
        .keys()
        .filter(|p| p.ends_with(".html") && !by_path.contains_key(*p))
        .cloned()
        .collect();
    for path in &stale {
        files.remove(path);
    }
    let affected = Footprint::pages_to_render(before, after);
    let summaries = Footprint::summaries_changed(before, after) || !stale.is_empty();
    let wanted: Vec<Page> = by_path
        .iter()
        .filter(|(path, page)| {
            (summaries && is_summary(page))
                || affected.contains(path.as_str())
                || !files.contains_key(*path)
        })
        .map(|(_, page)| (*page).clone())
        .collect();
    let fresh = wanted.iter().any(|p| !files.contains_key(&p.path(project)));
    let rendered = crate::timing::phase(&format!("  render {} pages", wanted.len()), || {
        render_pages(project, theme, &wanted)
    })?;
    let mut changed: Vec<String> = stale;
    for (path, bytes) in rendered {
        if files.get(&path) != Some(&bytes) {
            changed.push(path.clone());
            files.insert(path, bytes);
        }
    }
    // The sitemap lists pages, the feed front-matter: unchanged otherwise.
    if !(summaries || fresh) {
        changed.sort();
        return Ok(changed);
    }
    for (path, text) in feeds::all(project, &all) {
        let bytes = text.into_bytes();
        if files.get(&path) != Some(&bytes) {
            changed.push(path.clone());
            files.insert(path, bytes);
        }
    }
    changed.sort();
    Ok(changed)
}
