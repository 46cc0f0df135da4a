//! Building the index from resolved documents and the catalogs.

use std::sync::Arc;

use crate::catalog::{ControlLookup, Registry};
use crate::document::{Coverage, Document};
use crate::timing;

use super::crosswalk::Crosswalk;
use super::{infer, Edge, Index, Node};

/// Build the graph. References that do not resolve are skipped here; `check`
/// reports them. Inferred links are added last, from the declared ones.
///
/// `crosswalk` is [`Crosswalk::build`] of the same registry: it depends on the
/// catalogs only, so callers that rebuild the index after an edit keep it.
pub fn build_index(
    documents: &[Document],
    registry: &Registry,
    crosswalk: Arc<Crosswalk>,
) -> Index {
    let mut index = Index {
        crosswalk,
        ..Index::default()
    };
    timing::phase("  attack", || add_attack(&mut index, registry));
    let by_id: std::collections::HashMap<&str, usize> = documents
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.value.as_str(), i))
        .collect();
    for (i, _) in documents.iter().enumerate() {
        index.node(Node::Document(i));
    }
    timing::phase("  declared edges", || {
        for (i, doc) in documents.iter().enumerate() {
            let from = index.node(Node::Document(i));
            for relation in &doc.relations {
                if let Some(&target) = by_id.get(relation.target.value.as_str()) {
                    if target != i {
                        let to = index.node(Node::Document(target));
                        index.edge(from, to, Edge::Relation(relation.kind));
                    }
                }
            }
            for reference in &doc.controls {
                if let ControlLookup::Found(framework, idx) =
                    registry.control(&reference.framework, &reference.id)
                {
                    let fw = index.node(Node::Framework(framework.alias.clone()));
                    let to = index.node(Node::Control(framework.alias.clone(), idx));
                    if !index.graph.contains_edge(to, fw) {
                        index.edge(to, fw, Edge::InFramework);
                    }
                    let coverage = reference.coverage.unwrap_or(Coverage::Partial);
                    index.edge(
                        from,
                        to,
                        Edge::CitesControl {
                            coverage,
                            note: reference.note.clone(),
                        },
                    );
                }
            }
            for reference in &doc.techniques {
                {
                    if let Some((domain, t)) = registry.technique_position(&reference.id) {
                        let to = index.node(Node::Technique(domain, t));
                        index.edge(
                            from,
                            to,
                            Edge::AddressesTechnique {
                                relation: reference.relation,
                                coverage: reference.coverage.unwrap_or(Coverage::Full),
                            },
                        );
                    }
                }
            }
        }
    });
    timing::phase("  inference", || {
        infer::add_inferred(&mut index, registry, documents.len())
    });
    index
}

/// Techniques, tactics and mitigations of every loaded domain.
fn add_attack(index: &mut Index, registry: &Registry) {
    for catalog in &registry.attack {
        let domain = catalog.domain;
        let tactic_nodes: std::collections::HashMap<&str, _> = catalog
            .tactics
            .iter()
            .enumerate()
            .map(|(i, t)| (t.shortname.as_str(), index.node(Node::Tactic(domain, i))))
            .collect();
        let mitigation_nodes: std::collections::HashMap<&str, _> = catalog
            .mitigations
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.as_str(), index.node(Node::Mitigation(domain, i))))
            .collect();
        let technique_nodes: std::collections::HashMap<&str, _> = catalog
            .techniques
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), index.node(Node::Technique(domain, i))))
            .collect();
        for technique in &catalog.techniques {
            let node = technique_nodes[technique.id.as_str()];
            for tactic in &technique.tactics {
                if let Some(&t) = tactic_nodes.get(tactic.as_str()) {
                    index.edge(node, t, Edge::InTactic);
                }
            }
            if let Some(parent) = technique
                .parent
                .as_deref()
                .and_then(|p| technique_nodes.get(p))
            {
                index.edge(node, *parent, Edge::SubtechniqueOf);
            }
            for mitigation in &technique.mitigations {
                if let Some(&m) = mitigation_nodes.get(mitigation.as_str()) {
                    index.edge(node, m, Edge::MitigatedBy);
                }
            }
        }
    }
}
