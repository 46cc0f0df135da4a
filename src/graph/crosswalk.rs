//! Mapping sets resolved against the loaded frameworks: which requirement
//! maps to which, in both directions, and which controls map to ATT&CK
//! techniques.
//!
//! CISO Assistant mapping files hold a set and its reverse (`-revert`); the
//! registry keeps every set of a file but those reversing an earlier one,
//! so every mapping is indexed here from both ends.
//!
//! URNs are resolved with [`Registry::resolve_urn`]: by the node's own URN,
//! then by namespace and canonical id.
//! Walking a mapping target -> source inverts `subset` and `superset` (if A is
//! a subset of B, B is a superset of A); `equal` and `intersect` are
//! symmetric.
//!
//! URNs that do not resolve are skipped and kept per set in
//! [`SetSummary::unresolved`]: `crosswalk catalogs` counts them for embedded
//! sets, and `check` reports them (CW043) for the book's own mapping files.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use crosswalk_catalog::{AttackDomain, MappingSet, Relationship, TechniqueMappingSet};

use crate::catalog::{Registry, UrnLookup};
use crate::document::TechniqueRelation;

/// A requirement: framework alias and node index in its catalog (the same
/// pair as [`super::Node::Control`]).
pub type ControlKey = (String, usize);

/// One resolved mapping, seen from the requirement it is listed under.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub to: ControlKey,
    /// How the requirement this link is listed under relates to `to`
    /// (already inverted for links walked against the set's direction).
    pub relationship: Relationship,
    /// Index into [`Registry::mapping_sets`].
    pub set: usize,
    /// True when walked target -> source.
    pub reversed: bool,
}

/// A control mapped to an ATT&CK technique (Mappings Explorer).
#[derive(Debug, Clone, PartialEq)]
pub struct TechniqueLink {
    pub domain: AttackDomain,
    /// Index into the domain's techniques.
    pub technique: usize,
    pub relation: TechniqueRelation,
    /// Index into [`Registry::technique_mappings`].
    pub set: usize,
}

/// One resolved requirement-to-requirement row of a mapping set.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub source: ControlKey,
    pub target: ControlKey,
    pub relationship: Relationship,
    /// Index into the set's `mappings`.
    pub mapping: usize,
}

/// What resolving one requirement mapping set gave.
#[derive(Debug, Clone, Default)]
pub struct SetSummary {
    /// Aliases of the frameworks on each side, when loaded.
    pub source_alias: Option<String>,
    pub target_alias: Option<String>,
    /// Rows whose both ends resolved, `not_related` ones included.
    pub pairs: Vec<Pair>,
    /// Distinct URNs that resolve in no loaded framework.
    pub unresolved: BTreeSet<String>,
}

/// What resolving one Mappings Explorer file gave.
#[derive(Debug, Clone, Default)]
pub struct TechniqueSetSummary {
    pub alias: Option<String>,
    pub resolved: usize,
    /// Control ids (as written) not in the mapped framework.
    pub unresolved_controls: BTreeSet<String>,
    /// Technique ids not in the loaded ATT&CK release, or revoked there.
    pub unknown_techniques: BTreeSet<String>,
}

/// Every mapping set, indexed for traversal from any requirement.
#[derive(Debug, Default)]
pub struct Crosswalk {
    links: FxHashMap<String, FxHashMap<usize, Vec<Link>>>,
    techniques: FxHashMap<String, FxHashMap<usize, Vec<TechniqueLink>>>,
    /// Parallel to [`Registry::mapping_sets`].
    pub sets: Vec<SetSummary>,
    /// Parallel to [`Registry::technique_mappings`].
    pub technique_sets: Vec<TechniqueSetSummary>,
}

impl Crosswalk {
    /// Resolve every mapping set of the registry.
    pub fn build(registry: &Registry) -> Crosswalk {
        let mut crosswalk = Crosswalk::default();
        for (s, (_, set)) in registry.mapping_sets.iter().enumerate() {
            let summary = resolve_set(registry, set);
            for pair in &summary.pairs {
                crosswalk.add_pair(pair, s);
            }
            crosswalk.sets.push(summary);
        }
        for (s, (_, set)) in registry.technique_mappings.iter().enumerate() {
            let summary = crosswalk.add_technique_set(registry, set, s);
            crosswalk.technique_sets.push(summary);
        }
        crosswalk
    }

    fn add_pair(&mut self, pair: &Pair, set: usize) {
        if pair.relationship == Relationship::NotRelated || pair.source == pair.target {
            return;
        }
        let forward = Link {
            to: pair.target.clone(),
            relationship: pair.relationship,
            set,
            reversed: false,
        };
        let backward = Link {
            to: pair.source.clone(),
            relationship: inverse(pair.relationship),
            set,
            reversed: true,
        };
        self.push_link(&pair.source, forward);
        self.push_link(&pair.target, backward);
    }

    fn push_link(&mut self, from: &ControlKey, link: Link) {
        let list = self
            .links
            .entry(from.0.clone())
            .or_default()
            .entry(from.1)
            .or_default();
        // The same pair often appears in several sets (or twice in one);
        // keep the first of each (target, relationship).
        if !list
            .iter()
            .any(|l| l.to == link.to && l.relationship == link.relationship)
        {
            list.push(link);
        }
    }

    fn add_technique_set(
        &mut self,
        registry: &Registry,
        set: &TechniqueMappingSet,
        s: usize,
    ) -> TechniqueSetSummary {
        let mut summary = TechniqueSetSummary::default();
        let Some(framework) = registry.technique_mapping_framework(set) else {
            summary.unresolved_controls = set.mappings.iter().map(|m| m.control.clone()).collect();
            return summary;
        };
        summary.alias = Some(framework.alias.clone());
        for mapping in &set.mappings {
            let Some(idx) = framework.find(&mapping.control) else {
                summary.unresolved_controls.insert(mapping.control.clone());
                continue;
            };
            let domain = set.domain;
            let Some(technique) = technique_index(registry, domain, &mapping.technique) else {
                summary.unknown_techniques.insert(mapping.technique.clone());
                continue;
            };
            let link = TechniqueLink {
                domain,
                technique,
                relation: technique_relation(&mapping.mapping_type),
                set: s,
            };
            let list = self
                .techniques
                .entry(framework.alias.clone())
                .or_default()
                .entry(idx)
                .or_default();
            if !list.iter().any(|l| {
                l.technique == technique && l.domain == domain && l.relation == link.relation
            }) {
                list.push(link);
            }
            summary.resolved += 1;
        }
        summary
    }

    /// Mappings from a requirement to requirements of other frameworks.
    pub fn links(&self, alias: &str, idx: usize) -> &[Link] {
        self.links
            .get(alias)
            .and_then(|m| m.get(&idx))
            .map_or(&[], Vec::as_slice)
    }

    /// Every requirement with mappings and its links, in no particular
    /// order (callers that need one sort).
    pub fn all_links(&self) -> impl Iterator<Item = (&str, usize, &[Link])> {
        self.links.iter().flat_map(|(alias, by_node)| {
            by_node
                .iter()
                .map(move |(&idx, links)| (alias.as_str(), idx, links.as_slice()))
        })
    }

    /// Frameworks with requirements mapped to ATT&CK techniques, sorted.
    pub fn technique_frameworks(&self) -> Vec<&str> {
        let mut aliases: Vec<&str> = self.techniques.keys().map(String::as_str).collect();
        aliases.sort_unstable();
        aliases
    }

    /// ATT&CK techniques a control is mapped to.
    pub fn techniques(&self, alias: &str, idx: usize) -> &[TechniqueLink] {
        self.techniques
            .get(alias)
            .and_then(|m| m.get(&idx))
            .map_or(&[], Vec::as_slice)
    }

    /// Controls mapped to a technique, as (alias, node, link).
    pub fn controls_for_technique(
        &self,
        domain: AttackDomain,
        technique: usize,
    ) -> Vec<(&str, usize, &TechniqueLink)> {
        let mut out: Vec<(&str, usize, &TechniqueLink)> = Vec::new();
        for (alias, by_node) in &self.techniques {
            for (&idx, links) in by_node {
                out.extend(
                    links
                        .iter()
                        .filter(|l| l.domain == domain && l.technique == technique)
                        .map(|l| (alias.as_str(), idx, l)),
                );
            }
        }
        out.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        out
    }

    /// The strongest mapping from `from` to `to`, to explain one hop of a chain.
    pub fn link_between(&self, from: &ControlKey, to: &ControlKey) -> Option<&Link> {
        self.mapping_between((&from.0, from.1), (&to.0, to.1))
    }

    /// [`Crosswalk::link_between`] for borrowed keys (alias, position).
    /// A hub such as ISO 27001 A.5.15 has dozens of links, and pages ask
    /// for one hop of hundreds of chains each: positions are compared
    /// before aliases.
    pub fn mapping_between(&self, from: (&str, usize), to: (&str, usize)) -> Option<&Link> {
        self.links(from.0, from.1)
            .iter()
            .filter(|l| l.to.1 == to.1 && l.to.0 == to.0)
            .min_by_key(|l| strength_rank(l.relationship))
    }
}

/// Resolve the two ends of every mapping of a set.
fn resolve_set(registry: &Registry, set: &MappingSet) -> SetSummary {
    let mut summary = SetSummary {
        source_alias: framework_alias(registry, &set.source_framework_urn),
        target_alias: framework_alias(registry, &set.target_framework_urn),
        ..SetSummary::default()
    };
    for (i, mapping) in set.mappings.iter().enumerate() {
        let source = resolve(registry, &mapping.source_urn, &mut summary.unresolved);
        let target = resolve(registry, &mapping.target_urn, &mut summary.unresolved);
        if let (Some(source), Some(target)) = (source, target) {
            summary.pairs.push(Pair {
                source,
                target,
                relationship: mapping.relationship,
                mapping: i,
            });
        }
    }
    summary
}

fn resolve(
    registry: &Registry,
    urn: &str,
    unresolved: &mut BTreeSet<String>,
) -> Option<ControlKey> {
    match registry.resolve_urn(urn) {
        UrnLookup::Found(fw, idx) => Some((fw.alias.clone(), idx)),
        UrnLookup::UnknownNamespace(_) | UrnLookup::NotFound(..) => {
            unresolved.insert(urn.to_string());
            None
        }
    }
}

/// The alias of the framework a set names by URN
/// (`urn:intuitem:risk:framework:nist-csf-2.0`): by catalog URN, else by the
/// URN's last segment read as a requirement namespace (OSCAL catalogs get a
/// synthesised URN but keep the namespace).
fn framework_alias(registry: &Registry, urn: &str) -> Option<String> {
    registry
        .frameworks
        .values()
        .find(|f| f.catalog.urn == urn)
        .or_else(|| registry.framework_by_namespace(urn.rsplit(':').next().unwrap_or(urn)))
        .map(|f| f.alias.clone())
}

/// The relationship read the other way round.
pub fn inverse(relationship: Relationship) -> Relationship {
    match relationship {
        Relationship::Subset => Relationship::Superset,
        Relationship::Superset => Relationship::Subset,
        other => other,
    }
}

/// Lower is stronger: equal and superset cover the other side fully.
fn strength_rank(relationship: Relationship) -> u8 {
    match relationship {
        Relationship::Equal => 0,
        Relationship::Superset => 1,
        Relationship::Subset => 2,
        Relationship::Intersect => 3,
        Relationship::NotRelated => 4,
    }
}

/// How a Mappings Explorer `mapping_type` reads as a document's relation to
/// a technique: `detects` detects, `responds` responds, anything else
/// (`mitigates`, `protects`, ...) mitigates.
pub fn technique_relation(mapping_type: &str) -> TechniqueRelation {
    let t = mapping_type.trim().to_ascii_lowercase();
    if t.starts_with("detect") {
        TechniqueRelation::Detects
    } else if t.starts_with("respond") {
        TechniqueRelation::Responds
    } else {
        TechniqueRelation::Mitigates
    }
}

/// Index of an active technique of `domain`; `None` for unknown or revoked ids
/// (a mapping file may follow an older ATT&CK release than the one loaded;
/// `check` reports the rows of a book's file this skips, CW051).
pub fn technique_index(registry: &Registry, domain: AttackDomain, id: &str) -> Option<usize> {
    let catalog = registry.attack_domain(domain)?;
    let wanted = id.trim().to_ascii_uppercase();
    let i = catalog
        .techniques
        .binary_search_by(|t| t.id.as_str().cmp(&wanted))
        .ok()?;
    catalog.techniques[i].revoked.is_none().then_some(i)
}

/// Human word for a relationship (`equal`, `subset of`, ...), for pages and CLI.
pub fn relationship_label(relationship: Relationship) -> &'static str {
    match relationship {
        Relationship::Equal => "equal",
        Relationship::Subset => "subset of",
        Relationship::Superset => "superset of",
        Relationship::Intersect => "intersects",
        Relationship::NotRelated => "not related",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_swaps_only_containment() {
        assert_eq!(inverse(Relationship::Subset), Relationship::Superset);
        assert_eq!(inverse(Relationship::Superset), Relationship::Subset);
        assert_eq!(inverse(Relationship::Equal), Relationship::Equal);
        assert_eq!(inverse(Relationship::Intersect), Relationship::Intersect);
    }

    fn pair(from: &str, to: &str, relationship: Relationship) -> Pair {
        Pair {
            source: (from.to_string(), 1),
            target: (to.to_string(), 2),
            relationship,
            mapping: 0,
        }
    }

    #[test]
    fn pairs_are_walkable_both_ways() {
        let mut crosswalk = Crosswalk::default();
        crosswalk.add_pair(&pair("A", "B", Relationship::Subset), 0);
        crosswalk.add_pair(&pair("A", "B", Relationship::Subset), 1);
        crosswalk.add_pair(&pair("A", "C", Relationship::NotRelated), 0);
        let forward = crosswalk.links("A", 1);
        assert_eq!(
            forward.len(),
            1,
            "duplicates kept once, not_related dropped"
        );
        assert_eq!(forward[0].relationship, Relationship::Subset);
        assert!(!forward[0].reversed);
        let backward = crosswalk.links("B", 2);
        assert_eq!(backward[0].to, ("A".to_string(), 1));
        assert_eq!(backward[0].relationship, Relationship::Superset);
        assert!(backward[0].reversed);
        assert!(crosswalk.links("C", 2).is_empty());
        let a = ("A".to_string(), 1);
        let b = ("B".to_string(), 2);
        assert!(crosswalk.link_between(&a, &b).is_some());
    }

    #[test]
    fn mapping_types() {
        assert_eq!(
            technique_relation("mitigates"),
            TechniqueRelation::Mitigates
        );
        assert_eq!(technique_relation("protects"), TechniqueRelation::Mitigates);
        assert_eq!(technique_relation("detects"), TechniqueRelation::Detects);
        assert_eq!(technique_relation("Responds"), TechniqueRelation::Responds);
    }
}
