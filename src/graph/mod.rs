//! The two-way index: documents, controls, frameworks, techniques, tactics
//! and mitigations as typed nodes of one petgraph graph, with typed edges.
//!
//! Every relation is stored once, directed the way the author wrote it
//! (document -> control, document -> technique, document -> document), and
//! read both ways: `incoming` edges of a technique are the documents that
//! address it. Inferred links (through mapping sets) are edges of their own
//! kind and never mixed with declared ones.

mod build;
pub mod coverage;
pub mod crosswalk;
pub mod explain;
pub mod infer;
pub mod summary;

use crosswalk_catalog::AttackDomain;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

pub use build::build_index;
pub use crosswalk::{ControlKey, Crosswalk};

use crate::document::{Coverage, RelationKind, TechniqueRelation};

/// A node of the index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    /// Index into the book's documents.
    Document(usize),
    Framework(String),
    /// A requirement: framework alias and node index in its catalog.
    Control(String, usize),
    /// Technique: domain and index in that domain's techniques.
    Technique(AttackDomain, usize),
    Tactic(AttackDomain, usize),
    Mitigation(AttackDomain, usize),
}

/// A typed edge.
#[derive(Debug, Clone, PartialEq)]
pub enum Edge {
    /// Document -> document, as declared in front-matter.
    Relation(RelationKind),
    /// Document -> control, declared by the author.
    CitesControl {
        coverage: Coverage,
        note: Option<String>,
    },
    /// Document -> technique, declared.
    AddressesTechnique {
        relation: TechniqueRelation,
        coverage: Coverage,
    },
    /// Document -> technique, inferred from a cited (or inferred) control's
    /// ATT&CK mapping (Mappings Explorer); `via` is that control's node.
    InferredTechnique {
        relation: TechniqueRelation,
        via: NodeIndex,
    },
    /// Technique -> tactic.
    InTactic,
    /// Sub-technique -> technique.
    SubtechniqueOf,
    /// Technique -> mitigation.
    MitigatedBy,
    /// Control -> framework.
    InFramework,
}

/// The built index plus lookups from domain objects to nodes.
#[derive(Debug, Default)]
pub struct Index {
    pub graph: DiGraph<Node, Edge>,
    /// Fx rather than SipHash: keys are ours, and pages look nodes up
    /// thousands of times per page set.
    nodes: rustc_hash::FxHashMap<Node, NodeIndex>,
    /// The mapping sets resolved against the loaded frameworks; inferred
    /// links were produced from it, and pages read it for crosswalk tables.
    pub crosswalk: std::sync::Arc<Crosswalk>,
    /// Inferred document -> control links. They are not graph edges: a
    /// citation reaches hundreds of requirements through two mappings, so
    /// they are stored once per distinct citation (see [`infer`]) and
    /// merged per document when asked for. Inferred technique links, far
    /// fewer, are edges ([`Edge::InferredTechnique`]).
    pub inference: infer::Inference,
    /// Made on first use, dropped when a node is added.
    controls: std::sync::OnceLock<ControlTable>,
}

/// Each node's framework and catalog position, for pages that classify
/// hundreds of inferred requirements each: integers, where reading the
/// graph gives an alias string to compare.
#[derive(Debug, Default)]
pub struct ControlTable {
    /// The frameworks of the index's controls, sorted by alias.
    pub aliases: Vec<String>,
    /// Per node index: (place in `aliases`, position in its catalog);
    /// [`ControlTable::NOT_A_CONTROL`] for other nodes.
    pub of_node: Vec<(u16, u32)>,
    /// The controls numbered densely in (framework, catalog position)
    /// order, so a set of them is a bit set and each framework a range of
    /// it ([`summary`]): per node, its number or [`ControlTable::NO_NUMBER`].
    pub number: Vec<u32>,
    /// The node of each number.
    pub numbered: Vec<NodeIndex>,
    /// Where each framework's numbers start (by place in `aliases`), then
    /// the count of numbers.
    pub framework_start: Vec<u32>,
}

impl ControlTable {
    pub const NOT_A_CONTROL: (u16, u32) = (u16::MAX, 0);

    fn new(graph: &DiGraph<Node, Edge>) -> Self {
        let aliases: std::collections::BTreeSet<&str> = graph
            .node_weights()
            .filter_map(|n| match n {
                Node::Control(alias, _) => Some(alias.as_str()),
                _ => None,
            })
            .collect();
        let aliases: Vec<String> = aliases.into_iter().map(String::from).collect();
        let of_node = graph
            .node_weights()
            .map(|n| match n {
                Node::Control(alias, c) => {
                    let rank = aliases.binary_search(alias).unwrap_or(0);
                    match (u16::try_from(rank), u32::try_from(*c)) {
                        (Ok(rank), Ok(c)) => (rank, c),
                        _ => Self::NOT_A_CONTROL,
                    }
                }
                _ => Self::NOT_A_CONTROL,
            })
            .collect::<Vec<_>>();
        let mut numbered: Vec<NodeIndex> = (0..of_node.len())
            .filter(|&n| of_node[n] != Self::NOT_A_CONTROL)
            .map(NodeIndex::new)
            .collect();
        numbered.sort_unstable_by_key(|n| of_node[n.index()]);
        let mut number = vec![Self::NO_NUMBER; of_node.len()];
        let mut framework_start = vec![0u32; aliases.len() + 1];
        for (i, n) in numbered.iter().enumerate() {
            // Fewer controls than nodes, and node indices are u32.
            number[n.index()] = i as u32;
            framework_start[usize::from(of_node[n.index()].0) + 1] += 1;
        }
        for fw in 0..aliases.len() {
            framework_start[fw + 1] += framework_start[fw];
        }
        ControlTable {
            aliases,
            of_node,
            number,
            numbered,
            framework_start,
        }
    }

    /// What [`ControlTable::number`] holds for a node that is no control.
    pub const NO_NUMBER: u32 = u32::MAX;

    /// The dense number of `node`, if it is a control.
    pub fn number_of(&self, node: NodeIndex) -> Option<u32> {
        self.number
            .get(node.index())
            .copied()
            .filter(|&n| n != Self::NO_NUMBER)
    }
}

impl Index {
    /// The node for `node`, adding it if new.
    pub fn node(&mut self, node: Node) -> NodeIndex {
        if let Some(&idx) = self.nodes.get(&node) {
            return idx;
        }
        let idx = self.graph.add_node(node.clone());
        self.nodes.insert(node, idx);
        self.controls.take();
        idx
    }

    /// The framework and catalog position of every node ([`ControlTable`]).
    pub fn control_table(&self) -> &ControlTable {
        self.controls.get_or_init(|| ControlTable::new(&self.graph))
    }

    pub fn find(&self, node: &Node) -> Option<NodeIndex> {
        self.nodes.get(node).copied()
    }

    pub fn edge(&mut self, from: NodeIndex, to: NodeIndex, edge: Edge) -> EdgeIndex {
        self.graph.add_edge(from, to, edge)
    }

    /// Edges leaving `node`, as (target, edge), in insertion order.
    pub fn outgoing(&self, node: NodeIndex) -> Vec<(NodeIndex, &Edge)> {
        self.edges(node, Direction::Outgoing)
    }

    /// Edges arriving at `node`, as (source, edge), in insertion order.
    pub fn incoming(&self, node: NodeIndex) -> Vec<(NodeIndex, &Edge)> {
        self.edges(node, Direction::Incoming)
    }

    fn edges(&self, node: NodeIndex, dir: Direction) -> Vec<(NodeIndex, &Edge)> {
        let mut out: Vec<(EdgeIndex, NodeIndex, &Edge)> = self
            .graph
            .edges_directed(node, dir)
            .map(|e| {
                let other = if dir == Direction::Outgoing {
                    e.target()
                } else {
                    e.source()
                };
                (e.id(), other, e.weight())
            })
            .collect();
        // petgraph lists edges newest first; insertion order is deterministic
        // and follows the sorted input, so restore it.
        out.sort_by_key(|(id, _, _)| *id);
        out.into_iter().map(|(_, n, e)| (n, e)).collect()
    }

    pub fn document_node(&self, doc: usize) -> Option<NodeIndex> {
        self.find(&Node::Document(doc))
    }

    /// Every document addressing technique `i` of `domain` in any way,
    /// each once and in order: one may both declare a technique and reach
    /// it through a requirement. What a technique's page and its search
    /// record count.
    pub fn documents_addressing_technique(
        &self,
        domain: crosswalk_catalog::AttackDomain,
        i: usize,
    ) -> Vec<usize> {
        let Some(node) = self.find(&Node::Technique(domain, i)) else {
            return Vec::new();
        };
        let mut docs: Vec<usize> = self
            .documents_addressing(node)
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        docs.sort_unstable();
        docs.dedup();
        docs
    }

    /// Documents that address a technique node, with how.
    pub fn documents_addressing(&self, technique: NodeIndex) -> Vec<(usize, &Edge)> {
        self.incoming(technique)
            .into_iter()
            .filter_map(|(n, e)| match (&self.graph[n], e) {
                (
                    Node::Document(d),
                    Edge::AddressesTechnique { .. } | Edge::InferredTechnique { .. },
                ) => Some((*d, e)),
                _ => None,
            })
            .collect()
    }

    /// The control key of a node, if it is a control.
    pub fn control_key(&self, node: NodeIndex) -> Option<ControlKey> {
        match &self.graph[node] {
            Node::Control(alias, idx) => Some((alias.clone(), *idx)),
            _ => None,
        }
    }

    /// Documents citing a control node (declared only; inferred ones are
    /// in [`Index::inference`]).
    pub fn documents_citing(&self, control: NodeIndex) -> Vec<(usize, &Edge)> {
        self.incoming(control)
            .into_iter()
            .filter_map(|(n, e)| match (&self.graph[n], e) {
                (Node::Document(d), Edge::CitesControl { .. }) => Some((*d, e)),
                _ => None,
            })
            .collect()
    }

    /// Documents citing a requirement above control `idx` of `fw` that
    /// covers it ([`LoadedFramework::covering_ancestors`]), each once, by
    /// the nearest such requirement: (document, citation, that
    /// requirement's position). Those citing the control itself are left
    /// out. `coverage` counts all of them as declaring it.
    pub fn documents_citing_above(
        &self,
        fw: &crate::catalog::LoadedFramework,
        idx: usize,
    ) -> Vec<(usize, &Edge, usize)> {
        let cites = |i: usize| {
            self.find(&Node::Control(fw.alias.clone(), i))
                .map(|n| self.documents_citing(n))
                .unwrap_or_default()
        };
        let mut seen: Vec<usize> = cites(idx).into_iter().map(|(d, _)| d).collect();
        let mut out = Vec::new();
        for ancestor in fw.covering_ancestors(idx) {
            for (d, edge) in cites(ancestor) {
                if !seen.contains(&d) {
                    seen.push(d);
                    out.push((d, edge, ancestor));
                }
            }
        }
        out
    }

    /// A document's inferred requirements, sorted by (alias, node).
    pub fn inferred_controls(&self, doc: usize) -> Vec<infer::InferredLink<'_>> {
        let mut links = self.inference.of_document(doc);
        links.sort_by(|a, b| self.graph[a.target].cmp(&self.graph[b.target]));
        links
    }
}
