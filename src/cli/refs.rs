//! `crosswalk refs <ID>`: everything that points at a document, control or
//! technique and everything it points at, declared and inferred, grouped by
//! relation. Inferred groups are named as such and carry their chain.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crosswalk_catalog::AttackDomain;
use petgraph::graph::NodeIndex;
use serde::Serialize;
use thiserror::Error;

use super::{book_root, refuse_on_errors, report_fatal, FAILURE};
use crate::catalog::{ControlLookup, TechniqueLookup};
use crate::check::is_technique_id;
use crate::check::report::Format;
use crate::document::RelationKind;
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
    /// `withdrawn` (a control), `revoked` or `deprecated` (a technique);
    /// `null` for one in force.
    pub status: Option<&'static str>,
    /// What replaces a withdrawn control or a revoked technique, as ids
    /// `refs` takes (`800-53:AC-6`, `T1574.001`); empty when there is none.
    pub replaced_by: Vec<String>,
    /// The status in words (`withdrawn: incorporated into 800-53:AC-6`).
    pub status_note: Option<String>,
    pub groups: Vec<Group>,
}

/// Items sharing one relation and direction.
#[derive(Debug, Serialize)]
pub struct Group {
    /// The label people read: `cites`, `cited by`, `Related`, ...
    pub relation: String,
    /// A stable machine name of the group, unique within one answer
    /// (`related` for the document's own list, `related_by` for the
    /// documents listing it, `cited_by`, `measures_cited_by`, ...).
    pub key: String,
    /// `outgoing`: what the id points at (a document's citations and its
    /// own relations); `incoming`: what points at it.
    pub direction: Direction,
    pub inferred: bool,
    pub items: Vec<Item>,
}

/// Which way a group's links run, seen from the id asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Outgoing,
    Incoming,
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
    super::print_stdout(&text)
}

/// `hcb-10` or `HCB-10`: the book's prefix and a document's number without
/// its padding, as the search page also reads it.
fn document_by_number(project: &Project, id: &str) -> Option<usize> {
    let prefix = &project.book.config.book.id_prefix;
    let (written, number) = id.rsplit_once('-')?;
    if !written.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let number: u32 = number.parse().ok()?;
    project.document_by_id(&format!("{prefix}-{number:04}"))
}

/// Resolve `id` and gather its references.
pub fn refs(project: &Project, id: &str) -> Result<Refs, RefsError> {
    let id = id.trim();
    if let Some(d) = project
        .document_by_id(id)
        .or_else(|| project.document_by_id(&id.to_ascii_uppercase()))
        .or_else(|| document_by_number(project, id))
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

/// What a group is: its place in the answer, its machine key, its label
/// and its direction.
struct Kind<'a> {
    order: u8,
    key: &'a str,
    relation: &'a str,
    direction: Direction,
    inferred: bool,
}

impl<'a> Kind<'a> {
    fn outgoing(order: u8, key: &'a str, relation: &'a str) -> Self {
        Kind {
            order,
            key,
            relation,
            direction: Direction::Outgoing,
            inferred: false,
        }
    }

    fn incoming(order: u8, key: &'a str, relation: &'a str) -> Self {
        Kind {
            direction: Direction::Incoming,
            ..Kind::outgoing(order, key, relation)
        }
    }

    fn inferred(self) -> Self {
        Kind {
            inferred: true,
            ..self
        }
    }
}

/// Groups keyed by (order, key), kept in a stable order.
#[derive(Default)]
struct Groups(BTreeMap<(u8, String), Group>);

impl Groups {
    fn push(&mut self, kind: Kind<'_>, item: Item) {
        self.0
            .entry((kind.order, kind.key.to_string()))
            .or_insert_with(|| Group {
                relation: kind.relation.to_string(),
                key: kind.key.to_string(),
                direction: kind.direction,
                inferred: kind.inferred,
                items: Vec::new(),
            })
            .items
            .push(item);
    }

    fn into_vec(self) -> Vec<Group> {
        self.0.into_values().collect()
    }
}

/// The machine key of a relation read from its target's side
/// (`superseded_by`; `related_by` for the documents listing this one as
/// related, apart from the document's own `related`).
fn inverse_key(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::Supersedes => "superseded_by",
        RelationKind::Updates => "updated_by",
        RelationKind::Requires => "required_by",
        RelationKind::Implements => "implemented_by",
        RelationKind::Related => "related_by",
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
                Kind::outgoing(3, "inferred_controls", "also satisfies (inferred)").inferred(),
                control_item(project, &a, i, detail, chain),
            );
        }
        for (s, edge) in project.index.incoming(node) {
            if let (Edge::Relation(kind), Node::Document(o)) = (edge, &project.index.graph[s]) {
                groups.push(
                    Kind::incoming(1, inverse_key(*kind), kind.inverse_label()),
                    doc_item(project, *o, None, None),
                );
            }
        }
    }
    Refs {
        kind: "document",
        id: doc.id.value.clone(),
        title: doc.title.value.clone(),
        status: None,
        replaced_by: Vec::new(),
        status_note: None,
        groups: groups.into_vec(),
    }
}

fn document_out(project: &Project, groups: &mut Groups, t: NodeIndex, edge: &Edge) {
    let index = &project.index;
    match (edge, &index.graph[t]) {
        (Edge::Relation(kind), Node::Document(o)) => {
            groups.push(
                Kind::outgoing(0, kind.key(), kind.label()),
                doc_item(project, *o, None, None),
            );
        }
        (Edge::CitesControl { coverage, note }, Node::Control(a, i)) => {
            let detail = Some(match note {
                Some(n) => format!("{}: {n}", coverage.as_str()),
                None => coverage.as_str().to_string(),
            });
            groups.push(
                Kind::outgoing(2, "cites", "cites"),
                control_item(project, a, *i, detail, None),
            );
        }
        (Edge::AddressesTechnique { relation, coverage }, Node::Technique(dom, i)) => {
            let detail = Some(coverage.as_str().to_string());
            groups.push(
                Kind::outgoing(4, relation.as_str(), relation.as_str()),
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
            let label = format!("{} (inferred)", relation.as_str());
            let key = format!("{}_inferred", relation.as_str());
            groups.push(
                Kind::outgoing(5, &key, &label).inferred(),
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
    let cited_by = || Kind::incoming(0, "cited_by", "cited by");
    if let Some(n) = project.index.find(&Node::Control(alias.to_string(), idx)) {
        for (d, edge) in project.index.documents_citing(n) {
            if let Edge::CitesControl { coverage, .. } = edge {
                groups.push(
                    cited_by(),
                    doc_item(project, d, Some(coverage.as_str().into()), None),
                );
            }
        }
        for (d, link) in project.index.inference.documents_reaching(n) {
            let chain = Some(chain_of(project, link.chain, n));
            groups.push(
                Kind::incoming(2, "inferred_for", "inferred for").inferred(),
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
            groups.push(cited_by(), doc_item(project, d, Some(detail), None));
        }
    }
    // And the other way: the documents citing its measures (CyFun
    // PR.AC-1.1 for PR.AC-1), each once, with the measures it cites.
    for (d, measures) in documents_citing_measures(project, fw, idx) {
        groups.push(
            Kind::incoming(1, "measures_cited_by", "its measures cited by"),
            doc_item(project, d, Some(measures.join(", ")), None),
        );
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
            Kind::outgoing(3, "maps_to", "maps to (mapping sets)"),
            control_item(project, &link.to.0, link.to.1, detail, set),
        );
    }
    for link in project.index.crosswalk.techniques(alias, idx) {
        let label = format!("{} (Mappings Explorer)", link.relation.as_str());
        let key = format!("{}_techniques", link.relation.as_str());
        groups.push(
            Kind::outgoing(4, &key, &label),
            technique_item(project, link.domain, link.technique, None, None),
        );
    }
    let (status, replaced_by, status_note) = match &node.withdrawn {
        Some(withdrawn) => {
            let (how, targets) = if withdrawn.moved_to.is_empty() {
                ("incorporated into", &withdrawn.incorporated_into)
            } else {
                ("moved to", &withdrawn.moved_to)
            };
            let ids: Vec<String> = targets.iter().map(|t| format!("{alias}:{t}")).collect();
            let note = if ids.is_empty() {
                "withdrawn".to_string()
            } else {
                format!("withdrawn: {how} {}", ids.join(", "))
            };
            (Some("withdrawn"), ids, Some(note))
        }
        None => (None, Vec::new(), None),
    };
    Refs {
        kind: "control",
        id: format!("{alias}:{}", node.label),
        title: node
            .name
            .clone()
            .or_else(|| node.description.clone())
            .unwrap_or_default(),
        status,
        replaced_by,
        status_note,
        groups: groups.into_vec(),
    }
}

/// The documents citing the measures a citation of requirement `idx`
/// covers ([`crate::catalog::LoadedFramework::covered_by_citation`]), in
/// document order, each with the measures it cites (`PR.AC-1.1
/// (partial)`). Nothing for an assessed control or a grouping.
fn documents_citing_measures(
    project: &Project,
    fw: &crate::catalog::LoadedFramework,
    idx: usize,
) -> BTreeMap<usize, Vec<String>> {
    let mut out: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for measure in fw.covered_by_citation(idx) {
        if measure == idx {
            continue;
        }
        let Some(n) = project
            .index
            .find(&Node::Control(fw.alias.clone(), measure))
        else {
            continue;
        };
        for (d, edge) in project.index.documents_citing(n) {
            if let Edge::CitesControl { coverage, .. } = edge {
                out.entry(d).or_default().push(format!(
                    "{} ({})",
                    fw.catalog.nodes[measure].label,
                    coverage.as_str()
                ));
            }
        }
    }
    out
}

fn technique_refs(project: &Project, domain: AttackDomain, idx: usize) -> Refs {
    let catalog = project.registry.attack_domain(domain);
    let t = catalog.map(|c| &c.techniques[idx]);
    let mut groups = Groups::default();
    if let Some(n) = project.index.find(&Node::Technique(domain, idx)) {
        for (d, edge) in project.index.documents_addressing(n) {
            match edge {
                Edge::AddressesTechnique { relation, coverage } => {
                    let label = format!("{} by", relation.as_str());
                    let key = format!("{}_by", relation.as_str());
                    groups.push(
                        Kind::incoming(0, &key, &label),
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
                    let label = format!("{} by (inferred)", relation.as_str());
                    let key = format!("{}_by_inferred", relation.as_str());
                    groups.push(
                        Kind::incoming(1, &key, &label).inferred(),
                        doc_item(project, d, None, chain),
                    );
                }
                _ => {}
            }
        }
    }
    for (alias, c, link) in project.index.crosswalk.controls_for_technique(domain, idx) {
        let label = format!("{} by controls (Mappings Explorer)", link.relation.as_str());
        let key = format!("{}_by_controls", link.relation.as_str());
        groups.push(
            Kind::incoming(2, &key, &label),
            control_item(project, alias, c, None, None),
        );
    }
    if let (Some(catalog), Some(t)) = (catalog, t) {
        for shortname in &t.tactics {
            if let Some(tactic) = catalog.tactic(shortname) {
                groups.push(
                    Kind::outgoing(3, "tactic", "tactic"),
                    item(tactic.id.clone(), tactic.name.clone(), None, None),
                );
            }
        }
    }
    let (status, replaced_by, status_note) = match t {
        Some(t) if t.revoked.is_some() => {
            let by: Vec<String> = t
                .revoked
                .as_ref()
                .and_then(|r| r.replaced_by.clone())
                .into_iter()
                .collect();
            let note = match by.first() {
                Some(id) => format!("revoked: replaced by {id}"),
                None => "revoked".to_string(),
            };
            (Some("revoked"), by, Some(note))
        }
        Some(t) if t.deprecated => (Some("deprecated"), Vec::new(), Some("deprecated".into())),
        _ => (None, Vec::new(), None),
    };
    Refs {
        kind: "technique",
        id: t.map_or_else(String::new, |t| t.id.clone()),
        title: t.map_or_else(String::new, |t| t.name.clone()),
        status,
        replaced_by,
        status_note,
        groups: groups.into_vec(),
    }
}

/// Plain text for people.
pub fn table(refs: &Refs) -> String {
    let mut out = format!("{} {} ({})\n", refs.id, refs.title, refs.kind);
    if let Some(note) = &refs.status_note {
        let mut chars = note.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out += chars.as_str();
            out += "\n";
        }
    }
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
