//! Explaining inferred links: the chain of an [`super::infer::InferredLink`]
//! spelled out hop by hop, for pages and `crosswalk refs`. An inferred link
//! is only trustworthy if readers can see where it came from.

use petgraph::graph::NodeIndex;
use serde::Serialize;

use super::Index;
use crate::catalog::Registry;
use crate::document::Coverage;

/// One requirement of a chain and how it leads to the next.
#[derive(Debug, Clone, Serialize)]
pub struct ChainStep {
    pub alias: String,
    pub label: String,
    /// How this requirement relates to the next one (`measure`, `equal`,
    /// `intersects`, ...); `None` for the last step.
    pub relationship: Option<&'static str>,
    /// Name of the mapping set that gives that hop.
    pub set: Option<String>,
}

/// The chain of an inferred link, target included.
pub fn explain_chain(
    index: &Index,
    registry: &Registry,
    chain: &[NodeIndex],
    target: NodeIndex,
) -> Vec<ChainStep> {
    let keys: Vec<_> = chain
        .iter()
        .chain(std::iter::once(&target))
        .filter_map(|&n| index.control_key(n))
        .collect();
    let mut steps: Vec<ChainStep> = keys
        .iter()
        .map(|(alias, idx)| ChainStep {
            alias: alias.clone(),
            label: label(registry, alias, *idx),
            relationship: None,
            set: None,
        })
        .collect();
    for (i, pair) in keys.windows(2).enumerate() {
        let (from, to) = (&pair[0], &pair[1]);
        if from.0 == to.0 {
            steps[i].relationship = Some("measure");
            continue;
        }
        if let Some(link) = index.crosswalk.link_between(from, to) {
            steps[i].relationship = Some(super::crosswalk::relationship_label(link.relationship));
            steps[i].set = registry
                .mapping_sets
                .get(link.set)
                .map(|(_, s)| s.name.clone());
        }
    }
    steps
}

/// `CYFUN2023:PR.AC-1 -(measure)-> CYFUN2023:PR.AC-1.1 -(intersects)-> NIS2IR:11.2.1`
pub fn chain_text(steps: &[ChainStep]) -> String {
    let mut out = String::new();
    for step in steps {
        out += &format!("{}:{}", step.alias, step.label);
        if let Some(r) = step.relationship {
            out += &format!(" -({r})-> ");
        }
    }
    out
}

/// The label of a requirement (`PR.AC-1`), or `?` if the alias is unknown.
pub fn label(registry: &Registry, alias: &str, idx: usize) -> String {
    registry
        .frameworks
        .get(alias)
        .and_then(|f| f.catalog.nodes.get(idx))
        .map_or_else(|| "?".to_string(), |n| n.label.clone())
}

/// A document's inferred requirements: (alias, node, coverage, chain).
pub fn inferred_controls_of(
    index: &Index,
    registry: &Registry,
    doc: usize,
) -> Vec<(String, usize, Coverage, Vec<ChainStep>)> {
    index
        .inferred_controls(doc)
        .into_iter()
        .filter_map(|link| {
            let (alias, idx) = index.control_key(link.target)?;
            Some((
                alias,
                idx,
                link.coverage,
                explain_chain(index, registry, link.chain, link.target),
            ))
        })
        .collect()
}
