//! Inferred links: what a document covers beyond what its author declared,
//! through mapping sets (requirement -> requirement) and Mappings Explorer
//! (control -> ATT&CK technique).
//!
//! Inferred links get edges of their own kind ([`Edge::InferredControl`],
//! [`Edge::InferredTechnique`]) carrying how they were produced; they are
//! never merged into declared ones.
//!
//! ## Seeds
//!
//! Every declared citation is a seed. Citing a non-assessable requirement
//! (CyFun `PR.AC-1`) also seeds each assessable measure under it
//! (`PR.AC-1.1`, ...), because mapping sets often reference the measures;
//! that step keeps the citation's coverage (partial unless stated) and is not
//! a mapping hop.
//!
//! ## Degradation rule
//!
//! * One hop passes on `full` for `equal` and `superset` (the source contains
//!   everything the target asks) and `partial` for `subset` and `intersect`;
//!   `not_related` passes nothing.
//! * A chain's coverage is the minimum of the citation's coverage and every
//!   hop's ([`chain_coverage`]).
//! * A chain of two hops or more is at most `partial`: equality through a hub
//!   (CyFun -> ISO 27001 -> CSF 2.0) is not transitive in practice, because
//!   each published mapping is an expert judgement at its own granularity.
//! * Chains are at most `[mappings] max-hops` hops long, never revisit a
//!   requirement, and never end in the framework the chain started from (a
//!   framework's own coverage comes from what the authors cite in it).
//! * When several chains reach a requirement, the strongest wins, then the
//!   shortest, then the first found (documents, citations and mappings are
//!   walked in a fixed order, so the result is deterministic).
//! * Requirements a document cites itself are never inferred for it.
//!
//! Techniques are inferred from the controls a document cites (and their
//! measures) and from inferred controls whose chain leaves room for one more
//! hop: the control -> technique mapping counts as a hop.

use std::collections::{HashMap, HashSet};

use petgraph::graph::NodeIndex;

use super::crosswalk::{ControlKey, Crosswalk};
use super::{Edge, Index, Node};
use crate::catalog::Registry;
use crate::document::{Coverage, TechniqueRelation};
use crosswalk_catalog::{AttackDomain, Relationship};

/// Coverage one mapping hop passes on, seen from the side walked from.
pub fn hop_coverage(relationship: Relationship) -> Option<Coverage> {
    match relationship {
        Relationship::Equal | Relationship::Superset => Some(Coverage::Full),
        Relationship::Subset | Relationship::Intersect => Some(Coverage::Partial),
        Relationship::NotRelated => None,
    }
}

/// Coverage of a chain: the minimum over the declared coverage and each hop;
/// two hops or more are at most partial.
pub fn chain_coverage(declared: Coverage, hops: &[Coverage]) -> Coverage {
    let all_full = declared == Coverage::Full && hops.iter().all(|&h| h == Coverage::Full);
    if all_full && hops.len() < 2 {
        Coverage::Full
    } else {
        Coverage::Partial
    }
}

/// Where inference starts: a declared control, or a measure under it.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The control the author cited.
    pub declared: ControlKey,
    /// The control walked from (the cited one or one of its measures).
    pub start: ControlKey,
    pub coverage: Coverage,
}

/// One inferred requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct Inferred {
    pub target: ControlKey,
    pub coverage: Coverage,
    /// Controls passed through, starting with the declared one (then the
    /// measure walked from, when different, then any hub); `target` excluded.
    pub chain: Vec<ControlKey>,
    /// Mapping hops taken.
    pub hops: usize,
}

/// A path being extended.
struct Walk {
    at: ControlKey,
    chain: Vec<ControlKey>,
    hop_coverages: Vec<Coverage>,
}

/// Every requirement reachable from `seeds` within `max_hops`, strongest
/// chain per requirement, sorted by (alias, node).
pub fn infer_controls(seeds: &[Seed], crosswalk: &Crosswalk, max_hops: u8) -> Vec<Inferred> {
    let declared: HashSet<&ControlKey> = seeds.iter().map(|s| &s.declared).collect();
    let mut best: HashMap<ControlKey, Inferred> = HashMap::new();
    for seed in seeds {
        let mut chain = vec![seed.declared.clone()];
        if seed.start != seed.declared {
            chain.push(seed.start.clone());
        }
        let mut frontier = vec![Walk {
            at: seed.start.clone(),
            chain,
            hop_coverages: Vec::new(),
        }];
        for _ in 0..max_hops {
            frontier = step(seed, frontier, crosswalk, &declared, &mut best);
        }
    }
    let mut out: Vec<Inferred> = best.into_values().collect();
    out.sort_by(|a, b| a.target.cmp(&b.target));
    out
}

/// Extend every walk of `frontier` by one hop; returns the walks worth
/// extending further (those that improved a requirement's best chain).
fn step(
    seed: &Seed,
    frontier: Vec<Walk>,
    crosswalk: &Crosswalk,
    declared: &HashSet<&ControlKey>,
    best: &mut HashMap<ControlKey, Inferred>,
) -> Vec<Walk> {
    let mut next = Vec::new();
    for walk in frontier {
        for link in crosswalk.links(&walk.at.0, walk.at.1) {
            let Some(hop) = hop_coverage(link.relationship) else {
                continue;
            };
            if link.to.0 == seed.declared.0 || link.to == walk.at || walk.chain.contains(&link.to) {
                continue;
            }
            let mut hop_coverages = walk.hop_coverages.clone();
            hop_coverages.push(hop);
            let candidate = Inferred {
                target: link.to.clone(),
                coverage: chain_coverage(seed.coverage, &hop_coverages),
                chain: walk.chain.clone(),
                hops: hop_coverages.len(),
            };
            if !improves(best.get(&link.to), &candidate) {
                continue;
            }
            let mut chain = walk.chain.clone();
            chain.push(link.to.clone());
            if !declared.contains(&link.to) {
                best.insert(link.to.clone(), candidate);
            }
            next.push(Walk {
                at: link.to.clone(),
                chain,
                hop_coverages,
            });
        }
    }
    next
}

/// Whether `candidate` beats the best chain found so far: stronger, or as
/// strong and shorter.
fn improves(current: Option<&Inferred>, candidate: &Inferred) -> bool {
    match current {
        None => true,
        Some(c) => {
            let rank = |x: &Inferred| (x.coverage == Coverage::Partial, x.hops);
            rank(candidate) < rank(c)
        }
    }
}

/// Add inferred control and technique edges for every document.
pub fn add_inferred(index: &mut Index, registry: &Registry, document_count: usize) {
    for doc in 0..document_count {
        let Some(doc_node) = index.document_node(doc) else {
            continue;
        };
        let seeds = seeds_of(index, registry, doc_node);
        let inferred = infer_controls(&seeds, &index.crosswalk, registry.max_hops);
        for item in &inferred {
            let to = control_node(index, &item.target);
            let chain = item.chain.iter().map(|k| control_node(index, k)).collect();
            index.edge(
                doc_node,
                to,
                Edge::InferredControl {
                    coverage: item.coverage,
                    chain,
                },
            );
        }
        add_techniques(index, registry, doc_node, &seeds, &inferred);
    }
}

/// The document's declared citations and the measures under non-assessable ones.
fn seeds_of(index: &Index, registry: &Registry, doc_node: NodeIndex) -> Vec<Seed> {
    let mut seeds = Vec::new();
    for (target, edge) in index.outgoing(doc_node) {
        let (Edge::CitesControl { coverage, .. }, Node::Control(alias, idx)) =
            (edge, &index.graph[target])
        else {
            continue;
        };
        let declared = (alias.clone(), *idx);
        seeds.push(Seed {
            declared: declared.clone(),
            start: declared.clone(),
            coverage: *coverage,
        });
        let Some(fw) = registry.frameworks.get(alias) else {
            continue;
        };
        if fw.catalog.nodes[*idx].assessable {
            continue;
        }
        for measure in fw.assessable_under(*idx) {
            seeds.push(Seed {
                declared: declared.clone(),
                start: (alias.clone(), measure),
                coverage: *coverage,
            });
        }
    }
    seeds
}

/// The node of a control, adding it (and its framework link) if new.
pub(super) fn control_node(index: &mut Index, key: &ControlKey) -> NodeIndex {
    let node = Node::Control(key.0.clone(), key.1);
    if let Some(n) = index.find(&node) {
        return n;
    }
    let n = index.node(node);
    let fw = index.node(Node::Framework(key.0.clone()));
    index.edge(n, fw, Edge::InFramework);
    n
}

/// Inferred technique edges from the document's controls (declared, their
/// measures, and inferred ones with a hop to spare). A technique the document
/// already addresses with the same relation is not inferred again.
fn add_techniques(
    index: &mut Index,
    registry: &Registry,
    doc_node: NodeIndex,
    seeds: &[Seed],
    inferred: &[Inferred],
) {
    let mut seen: HashSet<(AttackDomain, usize, TechniqueRelation)> = index
        .outgoing(doc_node)
        .into_iter()
        .filter_map(|(t, e)| match (e, &index.graph[t]) {
            (Edge::AddressesTechnique { relation, .. }, Node::Technique(d, i)) => {
                Some((*d, *i, *relation))
            }
            _ => None,
        })
        .collect();
    let max_hops = usize::from(registry.max_hops);
    let mut controls: Vec<&ControlKey> = Vec::new();
    if max_hops >= 1 {
        controls.extend(seeds.iter().map(|s| &s.start));
    }
    controls.extend(
        inferred
            .iter()
            .filter(|i| i.hops < max_hops)
            .map(|i| &i.target),
    );
    let mut found = Vec::new();
    for key in controls {
        for link in index.crosswalk.techniques(&key.0, key.1) {
            if seen.insert((link.domain, link.technique, link.relation)) {
                found.push((key.clone(), link.domain, link.technique, link.relation));
            }
        }
    }
    for (key, domain, technique, relation) in found {
        let via = control_node(index, &key);
        let to = index.node(Node::Technique(domain, technique));
        index.edge(doc_node, to, Edge::InferredTechnique { relation, via });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Coverage::{Full, Partial};

    #[test]
    fn one_hop_keeps_the_weakest() {
        assert_eq!(chain_coverage(Full, &[Full]), Full);
        assert_eq!(chain_coverage(Full, &[Partial]), Partial);
        assert_eq!(chain_coverage(Partial, &[Full]), Partial);
    }

    #[test]
    fn two_hops_are_at_most_partial() {
        assert_eq!(chain_coverage(Full, &[Full, Full]), Partial);
        assert_eq!(chain_coverage(Full, &[Full, Full, Full]), Partial);
        // No hop at all (a measure under a cited requirement) keeps the citation's.
        assert_eq!(chain_coverage(Full, &[]), Full);
    }

    #[test]
    fn hops_by_relationship() {
        assert_eq!(hop_coverage(Relationship::Equal), Some(Full));
        assert_eq!(hop_coverage(Relationship::Superset), Some(Full));
        assert_eq!(hop_coverage(Relationship::Subset), Some(Partial));
        assert_eq!(hop_coverage(Relationship::Intersect), Some(Partial));
        assert_eq!(hop_coverage(Relationship::NotRelated), None);
    }

    fn key(alias: &str, idx: usize) -> ControlKey {
        (alias.to_string(), idx)
    }

    #[test]
    fn improvement_prefers_strength_then_length() {
        let partial_short = Inferred {
            target: key("B", 0),
            coverage: Partial,
            chain: vec![key("A", 0)],
            hops: 1,
        };
        let full_long = Inferred {
            coverage: Full,
            hops: 2,
            ..partial_short.clone()
        };
        assert!(improves(None, &partial_short));
        assert!(improves(Some(&partial_short), &full_long));
        assert!(!improves(Some(&full_long), &partial_short));
        assert!(!improves(Some(&partial_short), &partial_short));
    }
}
