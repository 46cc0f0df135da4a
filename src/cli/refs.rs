//! `crosswalk refs <ID>`: everything that points at a document, control or
//! technique and everything it points at, declared and inferred, grouped by
//! relation. Inferred groups are named as such and carry their chain.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use crosswalk_catalog::AttackDomain;
use petgraph::graph::NodeIndex;
use serde::Serialize;
use thiserror::Error;

use super::{book_root, refuse_on_errors, report_fatal, FAILURE, OK};
use crate::catalog::{ControlLookup, TechniqueLookup};
use crate::check::is_technique_id;
use crate::check::report::Format;
use crate::graph::explain::{chain_text, explain_chain, label};
use crate::graph::{Edge, Node};
use crate::pipeline::{CheckOptions, Project};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RefsFormat {
    Table,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// A document id (`HCB-0007`), a control (`CYFUN2023:PR.AC-1`) or an
    /// ATT&CK technique (`T1486`).
    id: String,
    /// Book directory (holding book.toml); defaults to the current directory.
    book: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    format: RefsFormat,
}

#[derive(Debug, Error)]
pub enum RefsError {
    #[error("no document, control or technique `{0}`{1}")]
    Unknown(String, String),
}

/// What an id names, and everything around it.
#[derive(Debug, Serialize)]
pub struct Refs {
    pub kind: &'static str,
    pub id: String,
    pub title: String,
    pub groups: Vec<Group>,
}

/// Items sharing one relation and direction.
#[derive(Debug, Serialize)]
pub struct Group {
    /// `cites`, `cited by`, `inferred: also satisfies`, ...
    pub relation: String,
    pub inferred: bool,
    pub items: Vec<Item>,
}

#[derive(Debug, Serialize)]
pub struct Item {
    pub id: String,
    pub title: String,
    /// Coverage, mapping relationship or note.
    pub detail: Option<String>,
    /// For inferred items: how the link was produced.
    pub chain: Option<String>,
}

pub fn run(args: Args) -> u8 {
    let root = book_root(args.book.clone());
    let project = match Project::load(&root, &CheckOptions::default()) {
        Ok(p) => p,
        Err(err) => return report_fatal(&err, Format::Human),
    };
    if let Some(code) = refuse_on_errors(&project, "refs") {
        return code;
    }
    let refs = match refs(&project, &args.id) {
        Ok(r) => r,
        Err(err) => {
            eprintln!("error: {err}");
            return FAILURE;
        }
    };
    let text = match args.format {
        RefsFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&refs).unwrap_or_default()
        ),
        RefsFormat::Table => table(&refs),
    };
    if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
        return FAILURE;
    }
    OK
}

/// Resolve `id` and gather its references.
pub fn refs(project: &Project, id: &str) -> Result<Refs, RefsError> {
    let id = id.trim();
    if let Some(d) = project
        .document_by_id(id)
        .or_else(|| project.document_by_id(&id.to_ascii_uppercase()))
    {
        return Ok(document_refs(project, d));
    }
    if let Some((alias, control)) = id.split_once(':') {
        return match project.registry.control(alias.trim(), control.trim()) {
            ControlLookup::Found(fw, idx) => Ok(control_refs(project, &fw.alias, idx)),
            ControlLookup::NotFound(fw) => Err(RefsError::Unknown(
                id.to_string(),
                hint(
                    &fw.suggest(control)
                        .iter()
                        .map(|s| format!("{}:{s}", fw.alias))
                        .collect::<Vec<_>>(),
                ),
            )),
            ControlLookup::UnknownFramework => Err(RefsError::Unknown(
                id.to_string(),
                format!("; frameworks: {}", project.registry.aliases().join(", ")),
            )),
        };
    }
    if is_technique_id(id) {
        return match project.registry.technique(id) {
            TechniqueLookup::Found(domain, t) => {
                let catalog = project.registry.attack_domain(domain);
                let idx = catalog.and_then(|c| c.techniques.iter().position(|x| x.id == t.id));
                idx.map(|i| technique_refs(project, domain, i))
                    .ok_or_else(|| RefsError::Unknown(id.to_string(), String::new()))
            }
            TechniqueLookup::NotFound(near) => Err(RefsError::Unknown(id.to_string(), hint(&near))),
        };
    }
    let ids = project.documents.iter().map(|d| d.id.value.as_str());
    let near = crate::diagnostic::did_you_mean(id, ids)
        .map(|n| vec![n.to_string()])
        .unwrap_or_default();
    Err(RefsError::Unknown(id.to_string(), hint(&near)))
}

fn hint(near: &[String]) -> String {
    if near.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", near.join(", "))
    }
}

/// Groups keyed by (order, relation, inferred), kept in a stable order.
#[derive(Default)]
struct Groups(BTreeMap<(u8, String, bool), Vec<Item>>);

impl Groups {
    fn push(&mut self, order: u8, relation: &str, inferred: bool, item: Item) {
        self.0
            .entry((order, relation.to_string(), inferred))
            .or_default()
            .push(item);
    }

    fn into_vec(self) -> Vec<Group> {
        self.0
            .into_iter()
            .map(|((_, relation, inferred), items)| Group {
                relation,
                inferred,
                items,
            })
            .collect()
    }
}

fn item(id: String, title: String, detail: Option<String>, chain: Option<String>) -> Item {
    Item {
        id,
        title,
        detail,
        chain,
    }
}

fn control_item(
    project: &Project,
    alias: &str,
    idx: usize,
    detail: Option<String>,
    chain: Option<String>,
) -> Item {
    let node = project
        .registry
        .frameworks
        .get(alias)
        .and_then(|f| f.catalog.nodes.get(idx));
    let title = node
        .and_then(|n| n.name.clone().or_else(|| n.description.clone()))
        .map(|t| t.lines().next().unwrap_or("").to_string())
        .unwrap_or_default();
    item(
        format!("{alias}:{}", label(&project.registry, alias, idx)),
        title,
        detail,
        chain,
    )
}

fn technique_item(
    project: &Project,
    domain: AttackDomain,
    idx: usize,
    detail: Option<String>,
    chain: Option<String>,
) -> Item {
    let t = project
        .registry
        .attack_domain(domain)
        .and_then(|c| c.techniques.get(idx));
    item(
        t.map_or_else(String::new, |t| t.id.clone()),
        t.map_or_else(String::new, |t| t.name.clone()),
        detail,
        chain,
    )
}

fn doc_item(project: &Project, d: usize, detail: Option<String>, chain: Option<String>) -> Item {
    let doc = &project.documents[d];
    item(doc.id.value.clone(), doc.title.value.clone(), detail, chain)
}

fn chain_of(project: &Project, chain: &[NodeIndex], target: NodeIndex) -> String {
    chain_text(&explain_chain(
        &project.index,
        &project.registry,
        chain,
        target,
    ))
}

fn document_refs(project: &Project, d: usize) -> Refs {
    let doc = &project.documents[d];
    let mut groups = Groups::default();
    if let Some(node) = project.index.document_node(d) {
        for (t, edge) in project.index.outgoing(node) {
            document_out(project, &mut groups, t, edge);
        }
        for link in project.index.inferred_controls(d) {
            let Some((a, i)) = project.index.control_key(link.target) else {
                continue;
            };
            let chain = Some(chain_of(project, link.chain, link.target));
            let detail = Some(link.coverage.as_str().to_string());
            groups.push(
                3,
                "also satisfies (inferred)",
                true,
                control_item(project, &a, i, detail, chain),
            );
        }
        for (s, edge) in project.index.incoming(node) {
            if let (Edge::Relation(kind), Node::Document(o)) = (edge, &project.index.graph[s]) {
                groups.push(
                    1,
                    kind.inverse_label(),
                    false,
                    doc_item(project, *o, None, None),
                );
            }
        }
    }
    Refs {
        kind: "document",
        id: doc.id.value.clone(),
        title: doc.title.value.clone(),
        groups: groups.into_vec(),
    }
}

fn document_out(project: &Project, groups: &mut Groups, t: NodeIndex, edge: &Edge) {
    let index = &project.index;
    match (edge, &index.graph[t]) {
        (Edge::Relation(kind), Node::Document(o)) => {
            groups.push(0, kind.label(), false, doc_item(project, *o, None, None));
        }
        (Edge::CitesControl { coverage, note }, Node::Control(a, i)) => {
            let detail = Some(match note {
                Some(n) => format!("{}: {n}", coverage.as_str()),
                None => coverage.as_str().to_string(),
            });
            groups.push(
                2,
                "cites",
                false,
                control_item(project, a, *i, detail, None),
            );
        }
        (Edge::AddressesTechnique { relation, coverage }, Node::Technique(dom, i)) => {
            let detail = Some(coverage.as_str().to_string());
            groups.push(
                4,
                relation.as_str(),
                false,
                technique_item(project, *dom, *i, detail, None),
            );
        }
        (Edge::InferredTechnique { relation, via }, Node::Technique(dom, i)) => {
            let chain = index.control_key(*via).map(|(a, c)| {
                format!(
                    "{a}:{} (Mappings Explorer)",
                    label(&project.registry, &a, c)
                )
            });
            let relation = format!("{} (inferred)", relation.as_str());
            groups.push(
                5,
                &relation,
                true,
                technique_item(project, *dom, *i, None, chain),
            );
        }
        _ => {}
    }
}

fn control_refs(project: &Project, alias: &str, idx: usize) -> Refs {
    let fw = &project.registry.frameworks[alias];
    let node = &fw.catalog.nodes[idx];
    let mut groups = Groups::default();
    if let Some(n) = project.index.find(&Node::Control(alias.to_string(), idx)) {
        for (d, edge) in project.index.documents_citing(n) {
            if let Edge::CitesControl { coverage, .. } = edge {
                groups.push(
                    0,
                    "cited by",
                    false,
                    doc_item(project, d, Some(coverage.as_str().into()), None),
                );
            }
        }
        for (d, link) in project.index.inference.documents_reaching(n) {
            let chain = Some(chain_of(project, link.chain, n));
            groups.push(
                1,
                "inferred for",
                true,
                doc_item(project, d, Some(link.coverage.as_str().into()), chain),
            );
        }
    }
    // Citing a requirement that is not itself assessed (CyFun PR.AC-5)
    // covers its measures, as `coverage` and the measure's page count it.
    for (d, edge, above) in project.index.documents_citing_above(fw, idx) {
        if let Edge::CitesControl { coverage, .. } = edge {
            let detail = format!(
                "{}, through {}",
                coverage.as_str(),
                fw.catalog.nodes[above].label
            );
            groups.push(
                0,
                "cited by",
                false,
                doc_item(project, d, Some(detail), None),
            );
        }
    }
    for link in project.index.crosswalk.links(alias, idx) {
        let set = project
            .registry
            .mapping_sets
            .get(link.set)
            .map(|(_, s)| s.name.clone());
        let detail =
            Some(crate::graph::crosswalk::relationship_label(link.relationship).to_string());
        groups.push(
            2,
            "maps to (mapping sets)",
            false,
            control_item(project, &link.to.0, link.to.1, detail, set),
        );
    }
    for link in project.index.crosswalk.techniques(alias, idx) {
        let relation = format!("{} (Mappings Explorer)", link.relation.as_str());
        groups.push(
            3,
            &relation,
            false,
            technique_item(project, link.domain, link.technique, None, None),
        );
    }
    Refs {
        kind: "control",
        id: format!("{alias}:{}", node.label),
        title: node
            .name
            .clone()
            .or_else(|| node.description.clone())
            .unwrap_or_default(),
        groups: groups.into_vec(),
    }
}

fn technique_refs(project: &Project, domain: AttackDomain, idx: usize) -> Refs {
    let catalog = project.registry.attack_domain(domain);
    let t = catalog.map(|c| &c.techniques[idx]);
    let mut groups = Groups::default();
    if let Some(n) = project.index.find(&Node::Technique(domain, idx)) {
        for (d, edge) in project.index.documents_addressing(n) {
            match edge {
                Edge::AddressesTechnique { relation, coverage } => {
                    let relation = format!("{} by", relation.as_str());
                    groups.push(
                        0,
                        &relation,
                        false,
                        doc_item(project, d, Some(coverage.as_str().into()), None),
                    );
                }
                Edge::InferredTechnique { relation, via } => {
                    let chain = project.index.control_key(*via).map(|(a, c)| {
                        format!(
                            "{a}:{} (Mappings Explorer)",
                            label(&project.registry, &a, c)
                        )
                    });
                    let relation = format!("{} by (inferred)", relation.as_str());
                    groups.push(1, &relation, true, doc_item(project, d, None, chain));
                }
                _ => {}
            }
        }
    }
    for (alias, c, link) in project.index.crosswalk.controls_for_technique(domain, idx) {
        let relation = format!("{} by controls (Mappings Explorer)", link.relation.as_str());
        groups.push(
            2,
            &relation,
            false,
            control_item(project, alias, c, None, None),
        );
    }
    if let (Some(catalog), Some(t)) = (catalog, t) {
        for shortname in &t.tactics {
            if let Some(tactic) = catalog.tactic(shortname) {
                groups.push(
                    3,
                    "tactic",
                    false,
                    item(tactic.id.clone(), tactic.name.clone(), None, None),
                );
            }
        }
    }
    Refs {
        kind: "technique",
        id: t.map_or_else(String::new, |t| t.id.clone()),
        title: t.map_or_else(String::new, |t| t.name.clone()),
        groups: groups.into_vec(),
    }
}

/// Plain text for people.
pub fn table(refs: &Refs) -> String {
    let mut out = format!("{} {} ({})\n", refs.id, refs.title, refs.kind);
    if refs.groups.is_empty() {
        out += "\nnothing points at it and it points at nothing\n";
    }
    for group in &refs.groups {
        out += &format!("\n{} [{}]\n", group.relation, group.items.len());
        for item in &group.items {
            out += &format!("  {:<22} {}", item.id, first_chars(&item.title, 70));
            if let Some(detail) = &item.detail {
                out += &format!("  [{detail}]");
            }
            out += "\n";
            if let Some(chain) = &item.chain {
                out += &format!("      via {chain}\n");
            }
        }
    }
    out
}

fn first_chars(text: &str, n: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > n {
        format!("{}…", line.chars().take(n - 1).collect::<String>())
    } else {
        line.to_string()
    }
}
