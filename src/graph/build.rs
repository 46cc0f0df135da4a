//! Building the index from resolved documents and the catalogs.

use std::sync::Arc;

use crosswalk_catalog::AttackDomain;
use rayon::prelude::*;

use crate::catalog::{ControlLookup, Registry};
use crate::document::{Coverage, Document, RelationKind, TechniqueRelation};
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
        // Resolving references (catalog lookups by canonical id) is most of
        // the work and independent per document: done on every core, then
        // the edges are added in document order, as before.
        let resolved: Vec<Declared> = documents
            .par_iter()
            .enumerate()
            .map(|(i, doc)| declared(i, doc, &by_id, registry))
            .collect();
        // Reserved at once: grown edge by edge, the edge list of a 10k book
        // was copied a dozen times over (a tenth of building the index).
        let edges: usize = resolved
            .iter()
            .map(|d| d.relations.len() + 2 * d.controls.len() + d.techniques.len())
            .sum();
        index.graph.reserve_edges(edges);
        for (i, declared) in resolved.into_iter().enumerate() {
            let from = index.node(Node::Document(i));
            for (target, kind) in declared.relations {
                let to = index.node(Node::Document(target));
                index.edge(from, to, Edge::Relation(kind));
            }
            for (alias, idx, coverage, note) in declared.controls {
                let fw = index.node(Node::Framework(alias.to_string()));
                let to = index.node(Node::Control(alias.to_string(), idx));
                if !index.graph.contains_edge(to, fw) {
                    index.edge(to, fw, Edge::InFramework);
                }
                index.edge(from, to, Edge::CitesControl { coverage, note });
            }
            for (domain, t, relation, coverage) in declared.techniques {
                let to = index.node(Node::Technique(domain, t));
                index.edge(from, to, Edge::AddressesTechnique { relation, coverage });
            }
        }
    });
    timing::phase("  inference", || {
        infer::add_inferred(&mut index, registry, documents.len())
    });
    index
}

/// A document's references that resolve, in the order it gives them.
struct Declared<'a> {
    /// Target document and relation.
    relations: Vec<(usize, RelationKind)>,
    /// Framework alias, requirement, coverage and note.
    controls: Vec<(&'a str, usize, Coverage, Option<String>)>,
    techniques: Vec<(AttackDomain, usize, TechniqueRelation, Coverage)>,
}

/// Resolve document `i`'s relations, cited requirements and techniques.
fn declared<'a>(
    i: usize,
    doc: &Document,
    by_id: &std::collections::HashMap<&str, usize>,
    registry: &'a Registry,
) -> Declared<'a> {
    let relations = doc
        .relations
        .iter()
        .filter_map(|relation| {
            let &target = by_id.get(relation.target.value.as_str())?;
            (target != i).then_some((target, relation.kind))
        })
        .collect();
    let controls = doc
        .controls
        .iter()
        .filter_map(
            |reference| match registry.control(&reference.framework, &reference.id) {
                ControlLookup::Found(framework, idx) => Some((
                    framework.alias.as_str(),
                    idx,
                    reference.coverage.unwrap_or(Coverage::Partial),
                    reference.note.clone(),
                )),
                _ => None,
            },
        )
        .collect();
    let techniques = doc
        .techniques
        .iter()
        .filter_map(|reference| {
            let (domain, t) = registry.technique_position(&reference.id)?;
            Some((
                domain,
                t,
                reference.relation,
                reference.coverage.unwrap_or(Coverage::Full),
            ))
        })
        .collect();
    Declared {
        relations,
        controls,
        techniques,
    }
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
