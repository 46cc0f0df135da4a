//! Coverage: how much of a framework (or of ATT&CK) the book addresses.
//! Computed here once and read by the site, the CLI and exports, so every
//! surface shows the same numbers.
//!
//! A framework's denominator is its assessable, non-withdrawn requirements
//! (CyFun measures, CSF subcategories, SP 800-53 controls and enhancements).
//! Each gets the best status any document gives it:
//!
//! 1. `declared`: a document cites it, or cites the requirement it is a
//!    measure of (citing CyFun `PR.AC-1` covers `PR.AC-1.1` ... `PR.AC-1.5`);
//!    citing a grouping (CyFun `PR`, an SP 800-53 family) covers nothing
//!    (`LoadedFramework::covered_by_citation`, the rule CW027 warns by);
//! 2. `inferred_full` / `inferred_partial`: an inferred link reaches it (or
//!    the requirement it is a measure of), with that link's coverage;
//! 3. `none`.
//!
//! Per implementation group (CyFun `B`/`I`/`E`), the denominator is the
//! requirements listing that group in `Requirement::levels`.

use std::collections::BTreeMap;

use crosswalk_catalog::AttackDomain;
use serde::Serialize;

use super::{Edge, Index, Node};
use crate::catalog::{LoadedFramework, Registry};
use crate::document::Coverage;

/// What covers a requirement, best first (the derived order ranks them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Declared,
    InferredFull,
    InferredPartial,
    None,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Declared => "declared",
            Status::InferredFull => "inferred_full",
            Status::InferredPartial => "inferred_partial",
            Status::None => "none",
        }
    }

    fn inferred(coverage: Coverage) -> Status {
        match coverage {
            Coverage::Full => Status::InferredFull,
            Coverage::Partial => Status::InferredPartial,
        }
    }
}

/// Counts of requirements by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub total: usize,
    pub declared: usize,
    pub inferred_full: usize,
    pub inferred_partial: usize,
    pub none: usize,
}

impl Tally {
    pub fn add(&mut self, status: Status) {
        self.total += 1;
        match status {
            Status::Declared => self.declared += 1,
            Status::InferredFull => self.inferred_full += 1,
            Status::InferredPartial => self.inferred_partial += 1,
            Status::None => self.none += 1,
        }
    }

    /// Requirements with any coverage.
    pub fn covered(&self) -> usize {
        self.total - self.none
    }

    /// Whole percent of `count` in the total (0 for an empty tally), for bars.
    pub fn percent(&self, count: usize) -> usize {
        (count * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// A tally for one implementation group.
#[derive(Debug, Clone, Serialize)]
pub struct LevelTally {
    pub ref_id: String,
    pub name: String,
    pub tally: Tally,
}

/// Coverage of one framework.
#[derive(Debug, Clone, Serialize)]
pub struct FrameworkCoverage {
    pub alias: String,
    pub overall: Tally,
    pub levels: Vec<LevelTally>,
    /// Status per node index; `None` for nodes that do not count
    /// (grouping nodes, withdrawn controls).
    #[serde(skip)]
    pub status: Vec<Option<Status>>,
}

impl FrameworkCoverage {
    /// Counted requirements with no coverage, in catalog order, optionally
    /// only those of one level (by ref id).
    pub fn gaps(&self, fw: &LoadedFramework, level: Option<&str>) -> Vec<usize> {
        self.counted(fw, level)
            .filter(|&(_, s)| s == Status::None)
            .map(|(i, _)| i)
            .collect()
    }

    /// Counted requirements with their status, in catalog order.
    pub fn counted<'a>(
        &'a self,
        fw: &'a LoadedFramework,
        level: Option<&'a str>,
    ) -> impl Iterator<Item = (usize, Status)> + 'a {
        self.status
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|s| (i, s)))
            .filter(move |&(i, _)| level.is_none_or(|l| in_level(fw, i, l)))
    }

    /// Tally of the counted requirements at and below node `idx` (for the
    /// per-node bars of the requirement tree).
    pub fn tally_under(&self, fw: &LoadedFramework, idx: usize, level: Option<&str>) -> Tally {
        let mut tally = Tally::default();
        for i in fw.assessable_under(idx) {
            if let Some(status) = self.status.get(i).copied().flatten() {
                if level.is_none_or(|l| in_level(fw, i, l)) {
                    tally.add(status);
                }
            }
        }
        tally
    }

    /// The tally of one level by ref id.
    pub fn level(&self, ref_id: &str) -> Option<&LevelTally> {
        self.levels.iter().find(|l| l.ref_id == ref_id)
    }
}

fn in_level(fw: &LoadedFramework, idx: usize, ref_id: &str) -> bool {
    fw.catalog.nodes[idx].levels.iter().any(|l| l == ref_id)
}

/// The coverage as files: one layout for `crosswalk coverage --format
/// json|csv` and the site's exports (`site::exports`).
impl FrameworkCoverage {
    /// The tallies, overall and per level, and the gaps (`level` narrows
    /// the gaps and adds that level's tally).
    pub fn to_json(&self, fw: &LoadedFramework, level: Option<&str>) -> String {
        let gaps: Vec<_> = self
            .gaps(fw, level)
            .into_iter()
            .map(|i| {
                let n = &fw.catalog.nodes[i];
                serde_json::json!({ "id": n.label, "name": n.name, "description": n.description, "levels": n.levels })
            })
            .collect();
        let value = serde_json::json!({
            "framework": { "alias": fw.alias, "name": fw.catalog.name, "version": fw.catalog.version },
            "level": level.and_then(|r| self.level(r)).map(|l| serde_json::json!({ "ref_id": l.ref_id, "name": l.name, "tally": l.tally })),
            "overall": self.overall,
            "levels": self.levels,
            "gaps": gaps,
            "copyright": fw.catalog.copyright,
        });
        format!(
            "{}\n",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        )
    }

    /// One row per assessable requirement counted: id, levels, status.
    pub fn to_csv(&self, fw: &LoadedFramework, level: Option<&str>) -> String {
        let mut out = String::from("id,levels,status\n");
        for (i, status) in self.counted(fw, level) {
            let node = &fw.catalog.nodes[i];
            out += &format!(
                "{},{},{}\n",
                csv_field(&node.label),
                csv_field(&node.levels.join(" ")),
                status.as_str()
            );
        }
        out
    }
}

/// `value` as one CSV field (RFC 4180 quoting).
pub fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// Coverage of framework `alias`; `None` if it is not loaded.
pub fn framework(index: &Index, registry: &Registry, alias: &str) -> Option<FrameworkCoverage> {
    let fw = registry.framework(alias)?;
    let mut status: Vec<Option<Status>> = (0..fw.catalog.nodes.len())
        .map(|i| fw.counts(i).then_some(Status::None))
        .collect();
    for node in index.graph.node_indices() {
        let Node::Control(a, idx) = &index.graph[node] else {
            continue;
        };
        if a != &fw.alias {
            continue;
        }
        let given = if index.documents_citing(node).is_empty() {
            match index.inference.strongest(node) {
                Some(coverage) => Status::inferred(coverage),
                None => continue,
            }
        } else {
            Status::Declared
        };
        for i in fw.covered_by_citation(*idx) {
            if let Some(Some(current)) = status.get_mut(i) {
                *current = (*current).min(given);
            }
        }
    }
    Some(tally(fw, status))
}

fn tally(fw: &LoadedFramework, status: Vec<Option<Status>>) -> FrameworkCoverage {
    let mut overall = Tally::default();
    let mut levels: Vec<LevelTally> = fw
        .catalog
        .levels
        .iter()
        .map(|l| LevelTally {
            ref_id: l.ref_id.clone(),
            name: l.name.clone(),
            tally: Tally::default(),
        })
        .collect();
    for (i, s) in status.iter().enumerate() {
        let Some(s) = *s else { continue };
        overall.add(s);
        for level in &mut levels {
            if in_level(fw, i, &level.ref_id) {
                level.tally.add(s);
            }
        }
    }
    FrameworkCoverage {
        alias: fw.alias.clone(),
        overall,
        levels,
        status,
    }
}

/// Techniques of one tactic by how they are addressed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TacticTally {
    pub id: String,
    pub name: String,
    pub total: usize,
    pub declared: usize,
    pub inferred: usize,
    pub none: usize,
}

/// ATT&CK coverage of one domain, per tactic in matrix order.
#[derive(Debug, Clone, Serialize)]
pub struct AttackCoverage {
    pub domain: AttackDomain,
    pub tactics: Vec<TacticTally>,
}

/// How a technique is addressed by the book: declared beats inferred.
pub fn technique_status(index: &Index, domain: AttackDomain, idx: usize) -> Status {
    let Some(node) = index.find(&Node::Technique(domain, idx)) else {
        return Status::None;
    };
    index
        .documents_addressing(node)
        .into_iter()
        .map(|(_, e)| match e {
            Edge::AddressesTechnique { .. } => Status::Declared,
            _ => Status::InferredPartial,
        })
        .min()
        .unwrap_or(Status::None)
}

/// Coverage of an ATT&CK domain: active (not revoked, not deprecated)
/// techniques and sub-techniques per tactic; `None` if not loaded.
pub fn attack(index: &Index, registry: &Registry, domain: AttackDomain) -> Option<AttackCoverage> {
    let catalog = registry.attack_domain(domain)?;
    let mut by_tactic: BTreeMap<&str, TacticTally> = BTreeMap::new();
    for (i, technique) in catalog.techniques.iter().enumerate() {
        if technique.revoked.is_some() || technique.deprecated {
            continue;
        }
        let status = technique_status(index, domain, i);
        for tactic in &technique.tactics {
            let entry = by_tactic.entry(tactic.as_str()).or_default();
            entry.total += 1;
            match status {
                Status::Declared => entry.declared += 1,
                Status::None => entry.none += 1,
                _ => entry.inferred += 1,
            }
        }
    }
    let tactics = catalog
        .tactics
        .iter()
        .filter(|t| !t.deprecated)
        .map(|t| TacticTally {
            id: t.id.clone(),
            name: t.name.clone(),
            ..by_tactic.remove(t.shortname.as_str()).unwrap_or_default()
        })
        .collect();
    Some(AttackCoverage { domain, tactics })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_order_is_best_first() {
        assert!(Status::Declared < Status::InferredFull);
        assert!(Status::InferredFull < Status::InferredPartial);
        assert!(Status::InferredPartial < Status::None);
    }

    #[test]
    fn tally_percent() {
        let mut t = Tally::default();
        t.add(Status::Declared);
        t.add(Status::None);
        t.add(Status::None);
        assert_eq!(t.covered(), 1);
        assert_eq!(t.percent(t.declared), 33);
        assert_eq!(Tally::default().percent(0), 0);
    }
}
