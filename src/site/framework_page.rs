//! A framework's requirement tree (`framework.html`), whole or limited to
//! one implementation group, and the facts and coverage bars it shares with
//! the coverage dashboards.
//!
//! The tree lists every requirement of the catalog (over a thousand for
//! NIST SP 800-53) with its bar and citing documents, so these pages are
//! few but large: typed views serialised once for Tera, and a compiled
//! twin (`site::compiled`) for the default theme.

use serde::Serialize;
use tera::Context;

use super::pages::{coverage_path, crosswalk_path, framework_level_path, level_title, PageMeta};
use super::urls;
use crate::graph::coverage::{FrameworkCoverage, Tally};
use crate::graph::Node;
use crate::pipeline::Project;

/// A coverage bar: the counts of a tally and its segments' widths, as
/// classes in steps of 5 % (the site's content security policy forbids
/// inline styles).
#[derive(Serialize, Clone, Copy)]
pub(super) struct Bar {
    total: usize,
    declared: usize,
    inferred_full: usize,
    inferred_partial: usize,
    none: usize,
    covered: usize,
    percent: usize,
    w_declared: usize,
    w_full: usize,
    w_partial: usize,
}

impl Bar {
    pub(super) fn of(t: &Tally) -> Bar {
        let w = |n: usize| ((t.percent(n) + 2) / 5) * 5;
        Bar {
            total: t.total,
            declared: t.declared,
            inferred_full: t.inferred_full,
            inferred_partial: t.inferred_partial,
            none: t.none,
            covered: t.covered(),
            percent: t.percent(t.covered()),
            w_declared: w(t.declared),
            w_full: w(t.inferred_full),
            w_partial: w(t.inferred_partial),
        }
    }
}

/// The framework's facts every framework and coverage page shows.
#[derive(Serialize)]
pub(super) struct FrameworkFacts<'a> {
    alias: &'a str,
    name: &'a str,
    version: &'a str,
    copyright: &'a str,
    has_text: bool,
    source: String,
    url: String,
    coverage_url: String,
    levels: Vec<LevelLink<'a>>,
    /// The implementation group shown (ref id), if one is.
    level: Option<&'a str>,
    pub(super) level_name: Option<String>,
    crosswalks: Vec<CrosswalkLink<'a>>,
}

/// One implementation group, with its tree and dashboard.
#[derive(Serialize)]
struct LevelLink<'a> {
    ref_id: &'a str,
    name: String,
    tree_url: String,
    coverage_url: String,
    current: bool,
}

/// A mapping set from or to the framework.
#[derive(Serialize)]
struct CrosswalkLink<'a> {
    name: &'a str,
    from: Option<&'a str>,
    to: Option<&'a str>,
    url: String,
}

/// The facts of framework `alias`, showing `level` if given.
pub(super) fn facts<'a>(
    project: &'a Project,
    alias: &'a str,
    level: Option<&'a str>,
) -> FrameworkFacts<'a> {
    let fw = &project.registry.frameworks[alias];
    let levels = fw
        .levels_in_use()
        .map(|l| LevelLink {
            ref_id: &l.ref_id,
            name: level_title(&l.name),
            tree_url: framework_level_path(alias, &l.ref_id),
            coverage_url: coverage_path(alias, Some(&l.ref_id)),
            current: level == Some(l.ref_id.as_str()),
        })
        .collect();
    let crosswalks = project
        .index
        .crosswalk
        .sets
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.source_alias.as_deref() == Some(alias) || s.target_alias.as_deref() == Some(alias)
        })
        .map(|(i, s)| CrosswalkLink {
            name: &project.registry.mapping_sets[i].1.name,
            from: s.source_alias.as_deref(),
            to: s.target_alias.as_deref(),
            url: crosswalk_path(project, i),
        })
        .collect();
    FrameworkFacts {
        alias,
        name: &fw.catalog.name,
        version: &fw.catalog.version,
        copyright: &fw.catalog.copyright,
        has_text: fw.catalog.has_text,
        source: fw.source.to_string(),
        url: urls::framework(alias),
        coverage_url: coverage_path(alias, None),
        levels,
        level,
        level_name: level
            .and_then(|r| fw.level(r))
            .map(|l| level_title(&l.name)),
        crosswalks,
    }
}

/// The requirement tree of a framework, or of one of its levels.
pub(super) struct FrameworkPage<'a> {
    pub(super) title: String,
    framework: FrameworkFacts<'a>,
    tree: Vec<TreeNode<'a>>,
    summary: Bar,
}

/// One row of the requirement tree: the node, its bar (or status, for a
/// measure), and the documents that cite it.
#[derive(Serialize)]
struct TreeNode<'a> {
    label: &'a str,
    anchor: String,
    name: Option<String>,
    depth: u8,
    assessable: bool,
    levels: &'a [String],
    /// Its page, when it has one (cited or inferred).
    url: Option<String>,
    status: Option<&'static str>,
    bar: Option<Bar>,
    declared: Vec<DocLink<'a>>,
}

/// A document citing a requirement.
#[derive(Serialize)]
struct DocLink<'a> {
    id: &'a str,
    url: String,
}

/// The page of framework `alias`, limited to `level` if given; `None` when
/// the framework is not loaded.
pub(super) fn view<'a>(
    project: &'a Project,
    alias: &'a str,
    level: Option<&'a str>,
) -> Option<FrameworkPage<'a>> {
    let fw = &project.registry.frameworks[alias];
    let cov = crate::graph::coverage::framework(&project.index, &project.registry, alias)?;
    let mut tree = Vec::new();
    for (i, node) in fw.catalog.nodes.iter().enumerate() {
        if node.withdrawn.is_some() {
            continue;
        }
        let tally = cov.tally_under(fw, i, level);
        if level.is_some() && tally.total == 0 {
            continue;
        }
        tree.push(tree_node(project, alias, i, &cov, &tally));
    }
    let framework = facts(project, alias, level);
    let title = match &framework.level_name {
        Some(l) => format!("{} ({alias}): {l}", fw.catalog.name),
        None => format!("{} ({alias})", fw.catalog.name),
    };
    let summary = Bar::of(
        &level
            .and_then(|r| cov.level(r))
            .map_or(cov.overall, |l| l.tally),
    );
    Some(FrameworkPage {
        title,
        framework,
        tree,
        summary,
    })
}

fn tree_node<'a>(
    project: &'a Project,
    alias: &str,
    i: usize,
    cov: &FrameworkCoverage,
    tally: &Tally,
) -> TreeNode<'a> {
    let node = &project.registry.frameworks[alias].catalog.nodes[i];
    let graph_node = project.index.find(&Node::Control(alias.to_string(), i));
    let declared = graph_node
        .map(|n| {
            project
                .index
                .documents_citing(n)
                .into_iter()
                .map(|(d, _)| {
                    let id = &project.documents[d].id.value;
                    DocLink {
                        id,
                        url: urls::document(id),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let status = cov.status.get(i).copied().flatten().map(|s| s.as_str());
    TreeNode {
        label: &node.label,
        anchor: format!("req-{}", urls::slug(&node.label)),
        name: node
            .name
            .as_deref()
            .or(node.description.as_deref())
            .map(first_line),
        depth: node.depth.min(6),
        assessable: node.assessable,
        levels: &node.levels,
        url: graph_node.map(|_| urls::control(alias, &node.label)),
        status,
        bar: (tally.total > 0 && status.is_none()).then(|| Bar::of(tally)),
        declared,
    }
}

/// The first line of a requirement's text, at most 160 characters.
pub(super) fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() > 160 {
        format!("{}…", line.chars().take(159).collect::<String>())
    } else {
        line.to_string()
    }
}

impl FrameworkPage<'_> {
    /// The page as `framework.html` reads it through Tera; returns the
    /// title.
    pub(super) fn fill(self, ctx: &mut Context) -> String {
        ctx.insert("framework", &self.framework);
        ctx.insert("tree", &self.tree);
        ctx.insert("summary", &self.summary);
        self.title
    }
}

/// The twin of `framework.html`.
#[derive(askama::Template)]
#[template(
    path = "framework.html",
    config = "src/site/compiled/askama.toml",
    escape = "crosswalk"
)]
struct CompiledFramework<'a> {
    site: &'a super::context::SiteContext<'a>,
    page: &'a PageMeta,
    framework: &'a FrameworkFacts<'a>,
    tree: &'a [TreeNode<'a>],
    summary: &'a Bar,
}

/// A framework page without Tera; the same bytes as `framework.html`.
pub(super) fn render_compiled(
    site: &super::context::SiteContext,
    meta: &PageMeta,
    view: &FrameworkPage,
) -> Result<String, askama::Error> {
    askama::Template::render(&CompiledFramework {
        site,
        page: meta,
        framework: &view.framework,
        tree: &view.tree,
        summary: &view.summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{CheckOptions, Project};
    use crate::site::context::SiteContext;
    use crate::site::theme::Theme;

    /// A mapping set whose other framework is not loaded has no alias on
    /// that side: both renderings show a question mark (no fixture book
    /// has one, so the page-by-page comparison never meets it).
    #[test]
    fn a_crosswalk_to_an_unloaded_framework_reads_the_same_both_ways() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good");
        let project = Project::load(&root, &CheckOptions::default()).expect("good");
        let alias = project
            .registry
            .frameworks
            .keys()
            .next()
            .expect("a framework");
        let mut view = view(&project, alias, None).expect("loaded");
        view.framework.crosswalks = vec![CrosswalkLink {
            name: "Unloaded <set>",
            from: None,
            to: Some(alias),
            url: "crosswalks/unloaded.html".into(),
        }];
        let site = SiteContext::new(&project);
        let path = format!("controls/{}/index.html", urls::slug(alias));
        let meta = PageMeta {
            title: view.title.clone(),
            root: urls::root_of(&path),
            path,
            canonical: None,
            description: None,
        };
        let compiled = render_compiled(&site, &meta, &view).expect("compiled");
        let theme = Theme::load(&root).expect("theme");
        let mut ctx = Context::new();
        ctx.insert("site", &site);
        ctx.insert("page", &meta);
        view.fill(&mut ctx);
        let tera = theme.tera.render("framework.html", &ctx).expect("tera");
        assert_eq!(compiled, tera);
        assert!(
            compiled.contains(&format!(">? ↔ {alias}</a>")),
            "{compiled}"
        );
    }
}
