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
    /// Distinct documents addressing one of its sub-techniques: the
    /// matrix counts them in the technique's cell, so a page with none of
    /// its own must not call the technique a gap.
    subtechnique_documents: usize,
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
    /// MITRE's Markdown, as in the catalog (for themes that show it as
    /// text).
    description: &'a str,
    /// The same as safe HTML, its links to techniques and tactics of the
    /// loaded catalogs pointing at their pages here ([`attack_html`]).
    description_html: String,
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
    /// Distinct documents addressing it, declared or inferred (what its
    /// matrix cell and its own page count).
    documents: usize,
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
    let mut reached_through_subs = Vec::new();
    let subtechniques: Vec<SubTechnique> = catalog
        .techniques
        .iter()
        .enumerate()
        .filter(|(_, s)| s.parent.as_deref() == Some(&t.id) && s.revoked.is_none())
        .map(|(j, s)| {
            let docs = project.index.documents_addressing_technique(domain, j);
            if !s.deprecated {
                reached_through_subs.extend_from_slice(&docs);
            }
            SubTechnique {
                id: &s.id,
                name: &s.name,
                url: urls::technique(domain, &s.id),
                deprecated: s.deprecated,
                documents: docs.len(),
            }
        })
        .collect();
    reached_through_subs.sort_unstable();
    reached_through_subs.dedup();
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
    // Rendered here, once per technique: its description shows only on
    // its own page.
    let root = urls::root_of(&urls::technique(domain, &t.id));
    TechniquePage {
        technique: TechniqueView {
            id: &t.id,
            name: &t.name,
            description: &t.description,
            description_html: attack_html(project, domain, &t.description, &root),
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
        subtechnique_documents: reached_through_subs.len(),
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

/// MITRE's Markdown (a technique's or tactic's description: links, lists,
/// `<code>`; the importer has already removed its `(Citation: ...)`
/// markers) as safe HTML for a page `root` away from the site's root.
///
/// Rendered and sanitised as a document's body is
/// (`document::markdown::prepare`: raw HTML through the same sanitiser,
/// unsafe link schemes dropped, images from other hosts turned into
/// links). Links to ATT&CK techniques and tactics
/// (`https://attack.mitre.org/techniques/T1055/012`) point at their pages
/// here when the loaded catalogs have them, `domain`'s first; every other
/// link stays as written.
pub(super) fn attack_html(
    project: &Project,
    domain: AttackDomain,
    markdown: &str,
    root: &str,
) -> String {
    render_attack(markdown, root, |link| local_page(project, domain, link))
}

/// [`attack_html`] with the pages of the site found by `local`.
fn render_attack(
    markdown: &str,
    root: &str,
    local: impl Fn(&AttackLink) -> Option<String>,
) -> String {
    let (_, body) = crate::document::markdown::prepare(markdown, 0);
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 4 + 16);
    body.write_into(&mut html, &NoBook);
    local_attack_links(&html, local, root)
}

/// Resolves nothing: catalog text is not part of the book, so its wiki and
/// relative links are left as the renderer leaves unresolved ones.
struct NoBook;

impl crate::document::markdown::LinkResolver for NoBook {
    fn wiki(&self, _target: &str) -> Option<(String, String)> {
        None
    }
    fn file(&self, _path: &str, _anchor: Option<&str>) -> Option<String> {
        None
    }
}

/// An ATT&CK object a MITRE link points at.
#[derive(Debug, PartialEq, Eq)]
enum AttackLink {
    /// `T1055` or `T1055.012`
    Technique(String),
    /// `TA0001`
    Tactic(String),
}

/// The technique or tactic `href` (as written in the HTML) names on
/// MITRE's site: `https://attack.mitre.org/techniques/T1055/012`, with or
/// without a final `/`, `http`, any case of scheme and host. Anything else
/// (a fragment, a query, another section of the site) is `None`.
fn attack_link(href: &str) -> Option<AttackLink> {
    let lower = href.get(..8).map(str::to_ascii_lowercase)?;
    let rest = if lower == "https://" {
        &href[8..]
    } else if lower.starts_with("http://") {
        &href[7..]
    } else {
        return None;
    };
    const HOST: &str = "attack.mitre.org/";
    let path = rest
        .get(..HOST.len())
        .filter(|h| h.eq_ignore_ascii_case(HOST))
        .map(|_| &rest[HOST.len()..])?;
    let path = path.strip_suffix('/').unwrap_or(path);
    let (section, id) = path.split_once('/')?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match section {
        "techniques" => {
            let (id, sub) = match id.split_once('/') {
                Some((id, sub)) => (id, Some(sub)),
                None => (id, None),
            };
            let number = id.strip_prefix(['T', 't'])?;
            if !digits(number, 4) || sub.is_some_and(|s| !digits(s, 3)) {
                return None;
            }
            let mut id = format!("T{number}");
            if let Some(sub) = sub {
                id.push('.');
                id.push_str(sub);
            }
            Some(AttackLink::Technique(id))
        }
        "tactics" => {
            let number = id.strip_prefix("TA").or_else(|| id.strip_prefix("ta"))?;
            digits(number, 4).then(|| AttackLink::Tactic(format!("TA{number}")))
        }
        _ => None,
    }
}

/// The page of the site (from its root) showing `link`: `domain`'s
/// catalog first, then the others loaded. A revoked technique has no page.
fn local_page(project: &Project, domain: AttackDomain, link: &AttackLink) -> Option<String> {
    let own = project.registry.attack_domain(domain);
    let others = project
        .registry
        .attack
        .iter()
        .filter(|c| c.domain != domain);
    own.into_iter()
        .chain(others)
        .find_map(|catalog| match link {
            AttackLink::Technique(id) => catalog
                .techniques
                .binary_search_by(|t| t.id.as_str().cmp(id))
                .ok()
                .filter(|&i| catalog.techniques[i].revoked.is_none())
                .map(|_| urls::technique(catalog.domain, id)),
            AttackLink::Tactic(id) => catalog
                .tactics
                .iter()
                .any(|t| &t.id == id)
                .then(|| urls::tactic(catalog.domain, id)),
        })
}

/// `html` with the target of every link to an ATT&CK technique or tactic
/// that `local` finds a page for replaced by `root` and that page.
///
/// Only attribute values are looked at: text and other attributes are
/// escaped (`"` is `&quot;`), so `href="` always starts a link's target.
fn local_attack_links(
    html: &str,
    local: impl Fn(&AttackLink) -> Option<String>,
    root: &str,
) -> String {
    const HREF: &str = "href=\"";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(HREF) {
        let (head, tail) = rest.split_at(at + HREF.len());
        out.push_str(head);
        let end = tail.find('"').unwrap_or(tail.len());
        let (href, after) = tail.split_at(end);
        match attack_link(href).and_then(|link| local(&link)) {
            Some(page) => {
                out.push_str(root);
                out.push_str(&page);
            }
            None => out.push_str(href),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mitre_links_are_read_as_techniques_and_tactics() {
        let technique = |id: &str| Some(AttackLink::Technique(id.into()));
        for (href, expected) in [
            (
                "https://attack.mitre.org/techniques/T1222",
                technique("T1222"),
            ),
            (
                "https://attack.mitre.org/techniques/T1055/012",
                technique("T1055.012"),
            ),
            (
                "http://ATTACK.mitre.org/techniques/T1055/012/",
                technique("T1055.012"),
            ),
            (
                "HTTPS://attack.mitre.org/techniques/t0866",
                technique("T0866"),
            ),
            (
                "https://attack.mitre.org/tactics/TA0001",
                Some(AttackLink::Tactic("TA0001".into())),
            ),
            ("https://attack.mitre.org/software/S0154", None),
            ("https://attack.mitre.org/techniques/T1222#x", None),
            ("https://attack.mitre.org/techniques/T12", None),
            ("https://attack.mitre.org/techniques/T1055/12", None),
            ("https://attack.mitre.org.example/techniques/T1222", None),
            ("https://example.org/techniques/T1222", None),
            ("javascript:alert(1)", None),
            ("", None),
        ] {
            assert_eq!(attack_link(href), expected, "{href}");
        }
    }

    #[test]
    fn markdown_renders_safely_with_known_techniques_linked_here() {
        let markdown = "Adversaries use [File and Directory Permissions Modification](https://attack.mitre.org/techniques/T1222) \
            or [Process Hollowing](https://attack.mitre.org/techniques/T1055/012) or \
            [Unknown](https://attack.mitre.org/techniques/T9999) or \
            [Cobalt Strike](https://attack.mitre.org/software/S0154).\n\n\
            * run <code>vssadmin.exe delete shadows</code> in `C:\\Users\\<username>`, <code>chage -l <username></code>\n\
            * [bad](javascript:alert(1))\n\n\
            <script>alert(1)</script>\n";
        let known = |link: &AttackLink| match link {
            AttackLink::Technique(id) if id != "T9999" => {
                Some(urls::technique(AttackDomain::Enterprise, id))
            }
            _ => None,
        };
        let html = render_attack(markdown, "../../", known);
        for expected in [
            "<a href=\"../../attack/enterprise/t1222.html\">File and Directory Permissions Modification</a>",
            "<a href=\"../../attack/enterprise/t1055-012.html\">Process Hollowing</a>",
            "<a href=\"https://attack.mitre.org/techniques/T9999\">Unknown</a>",
            "<a href=\"https://attack.mitre.org/software/S0154\">Cobalt Strike</a>",
            "<ul>\n<li>run <code>vssadmin.exe delete shadows</code>",
            "<code>C:\\Users\\&lt;username&gt;</code>",
            "<code>chage -l &lt;username&gt;</code>",
        ] {
            assert!(html.contains(expected), "{expected}\n{html}");
        }
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("]("), "{html}");
    }

    #[test]
    fn only_link_targets_are_rewritten() {
        let known = |_: &AttackLink| Some("attack/enterprise/t1222.html".to_string());
        let html = "<p>href=&quot;https://attack.mitre.org/techniques/T1222&quot; \
            <a href=\"https://attack.mitre.org/techniques/T1222\" title=\"x\">y</a></p>";
        assert_eq!(
            local_attack_links(html, known, "../../"),
            "<p>href=&quot;https://attack.mitre.org/techniques/T1222&quot; \
             <a href=\"../../attack/enterprise/t1222.html\" title=\"x\">y</a></p>"
        );
    }
}
