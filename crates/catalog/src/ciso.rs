//! CISO Assistant libraries (YAML): frameworks and requirement mapping sets.
//!
//! Only the keys crosswalk shows are declared; serde skips everything else
//! (`translations`, `scores_definition`, `reference_controls`, ...). Parse
//! time is dominated by the YAML scanner itself, which serde cannot skip: in a
//! debug build (this crate at opt-level 1, serde_yaml_ng at 0), the 3.4 MB
//! CyFun 2025 library takes about 0.5-0.75 s, the 2.9 MB NIS2 annex about
//! 0.4-0.55 s and the 1.4 MB SP 800-53 library about 0.25 s, on a 2-core
//! machine (timings printed by `tests/real_data.rs` with `--nocapture`). That is
//! why the main crate pre-compiles the embedded catalogs at build time.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Deserialize;

use crate::error::ImportError;
use crate::ids;
use crate::model::{
    FrameworkCatalog, Level, MappingSet, Relationship, Requirement, RequirementMapping,
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Library {
    urn: String,
    name: Option<String>,
    description: Option<String>,
    copyright: Option<String>,
    /// An integer in every library seen; read as text so `6` and `"6"` both work.
    version: Option<String>,
    provider: Option<String>,
    objects: Objects,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Objects {
    framework: Option<Framework>,
    requirement_mapping_sets: Vec<MappingSetYaml>,
    /// Older libraries hold a single set under this key.
    requirement_mapping_set: Option<MappingSetYaml>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Framework {
    urn: String,
    ref_id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    implementation_groups_definition: Vec<LevelYaml>,
    requirement_nodes: Vec<NodeYaml>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LevelYaml {
    ref_id: String,
    name: String,
    description: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NodeYaml {
    urn: String,
    parent_urn: Option<String>,
    depth: Option<u8>,
    ref_id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    annotation: Option<String>,
    assessable: bool,
    implementation_groups: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MappingSetYaml {
    urn: String,
    name: Option<String>,
    source_framework_urn: String,
    target_framework_urn: String,
    requirement_mappings: Vec<MappingYaml>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MappingYaml {
    source_requirement_urn: String,
    target_requirement_urn: String,
    relationship: String,
    strength_of_relationship: Option<i64>,
    rationale: Option<String>,
}

fn parse_library(yaml: &str) -> Result<Library, ImportError> {
    Ok(serde_yaml_ng::from_str(yaml)?)
}

/// Trimmed, `None` when blank: CISO libraries often carry empty strings.
fn text(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Imports the framework of a CISO Assistant library.
pub fn import_framework(yaml: &str) -> Result<FrameworkCatalog, ImportError> {
    let library = parse_library(yaml)?;
    let library_urn = library.urn.clone();
    let framework = library.objects.framework.ok_or_else(|| {
        ImportError::format(format!(
            "CISO Assistant library {library_urn:?} has no objects.framework"
        ))
    })?;
    if framework.urn.is_empty() {
        return Err(ImportError::format(format!(
            "framework in CISO Assistant library {library_urn:?} has no urn"
        )));
    }
    let urn_namespace = last_segment(&framework.urn).to_string();
    let nodes = requirement_nodes(&framework)?;
    // Unknown keys are ignored (libraries carry many this importer does not
    // read), so a misspelt `requirement_nodes` gave an empty framework, and
    // every reference to it failed elsewhere.
    if nodes.is_empty() {
        return Err(ImportError::format(format!(
            "framework {} has no requirement_nodes (is the key spelt so, under objects.framework?)",
            framework.urn
        )));
    }
    let provider = text(library.provider);
    let copyright = text(library.copyright)
        .or_else(|| provider.as_ref().map(|p| format!("© {p}")))
        .unwrap_or_else(|| "Licence not stated in the library".to_string());
    Ok(FrameworkCatalog {
        name: text(framework.name)
            .or(text(library.name))
            .or(text(framework.ref_id))
            .unwrap_or_else(|| urn_namespace.clone()),
        urn: framework.urn,
        urn_namespace,
        version: text(library.version).unwrap_or_default(),
        provider,
        description: text(library.description).or(text(framework.description)),
        copyright,
        levels: framework
            .implementation_groups_definition
            .into_iter()
            .map(|l| Level {
                ref_id: l.ref_id,
                name: l.name,
                description: text(l.description),
            })
            .collect(),
        nodes,
        has_text: true,
    })
}

fn requirement_nodes(framework: &Framework) -> Result<Vec<Requirement>, ImportError> {
    let mut index_of: HashMap<&str, u32> =
        HashMap::with_capacity(framework.requirement_nodes.len());
    for (i, node) in framework.requirement_nodes.iter().enumerate() {
        if node.urn.is_empty() {
            return Err(ImportError::format(format!(
                "requirement node #{} of {} has no urn",
                i + 1,
                framework.urn
            )));
        }
        let i = u32::try_from(i)
            .map_err(|_| ImportError::format(format!("{} has too many nodes", framework.urn)))?;
        if index_of.insert(&node.urn, i).is_some() {
            return Err(ImportError::format(format!(
                "requirement node {} appears twice in {}",
                node.urn, framework.urn
            )));
        }
    }
    let mut nodes: Vec<Requirement> = Vec::with_capacity(framework.requirement_nodes.len());
    for node in &framework.requirement_nodes {
        let parent = match node.parent_urn.as_deref().filter(|p| !p.is_empty()) {
            None => None,
            Some(parent_urn) => Some(*index_of.get(parent_urn).ok_or_else(|| {
                ImportError::format(format!(
                    "requirement node {} has parent_urn {parent_urn}, which is not a node of {}",
                    node.urn, framework.urn
                ))
            })?),
        };
        // Parents normally precede their children; when not, fall back to 1.
        let parent_depth = parent
            .and_then(|p| nodes.get(p as usize))
            .map(|p: &Requirement| p.depth);
        let depth = node
            .depth
            .unwrap_or_else(|| parent_depth.map_or(1, |d| d.saturating_add(1)));
        let source_id = text(node.ref_id.clone());
        let label = match &source_id {
            Some(ref_id) => ids::canonical(ref_id),
            None => ids::canonical(urn_local_id(&node.urn)),
        };
        nodes.push(Requirement {
            urn: node.urn.clone(),
            parent,
            depth,
            source_id,
            label,
            name: text(node.name.clone()),
            description: text(node.description.clone()),
            guidance: text(node.annotation.clone()),
            assessable: node.assessable,
            levels: node.implementation_groups.clone(),
            withdrawn: None,
        });
    }
    Ok(nodes)
}

fn last_segment(urn: &str) -> &str {
    urn.rsplit(':').next().unwrap_or(urn)
}

/// The requirement's own id inside its URN: everything after
/// `urn:intuitem:risk:req_node:{namespace}:` (`gv.oc-01`, `a.5.1`, and for the
/// NIS2 annex's unnumbered paragraphs `4.3.2:1`, which contains a colon).
/// URNs of another shape yield their last `:` segment.
pub fn urn_local_id(urn: &str) -> &str {
    let mut offset = 0;
    for _ in 0..5 {
        match urn[offset..].find(':') {
            Some(i) => offset += i + 1,
            None => return last_segment(urn),
        }
    }
    &urn[offset..]
}

/// The namespace of a requirement URN (`iso27001-2022` in
/// `urn:intuitem:risk:req_node:iso27001-2022:a.5.1`), if it has one.
pub fn urn_namespace(urn: &str) -> Option<&str> {
    let mut parts = urn.splitn(6, ':');
    let namespace = parts.nth(4)?;
    parts.next().map(|_| namespace)
}

/// Imports the first requirement mapping set of a CISO Assistant mapping
/// library (libraries usually hold the mapping and its reverse, `-revert`).
pub fn import_mapping_set(yaml: &str) -> Result<MappingSet, ImportError> {
    let library_urn;
    let mut sets = {
        let library = parse_library(yaml)?;
        library_urn = library.urn.clone();
        mapping_sets(library)?
    };
    if sets.is_empty() {
        return Err(ImportError::format(format!(
            "CISO Assistant library {library_urn:?} has no objects.requirement_mapping_sets"
        )));
    }
    Ok(sets.swap_remove(0))
}

/// Imports every requirement mapping set of a library, in file order.
pub fn import_mapping_sets(yaml: &str) -> Result<Vec<MappingSet>, ImportError> {
    mapping_sets(parse_library(yaml)?)
}

fn mapping_sets(library: Library) -> Result<Vec<MappingSet>, ImportError> {
    let copyright = text(library.copyright)
        .or_else(|| text(library.provider).map(|p| format!("© {p}")))
        .unwrap_or_default();
    let Objects {
        requirement_mapping_sets,
        requirement_mapping_set,
        ..
    } = library.objects;
    requirement_mapping_sets
        .into_iter()
        .chain(requirement_mapping_set)
        .map(|set| mapping_set(set, &copyright))
        .collect()
}

/// Converts one set. Exact duplicate entries (the same pair, relationship,
/// strength and rationale, which several published libraries contain) are
/// kept once.
fn mapping_set(set: MappingSetYaml, copyright: &str) -> Result<MappingSet, ImportError> {
    let mut seen = HashSet::new();
    let mut mappings = Vec::with_capacity(set.requirement_mappings.len());
    for m in set.requirement_mappings {
        if m.source_requirement_urn.is_empty() || m.target_requirement_urn.is_empty() {
            return Err(ImportError::format(format!(
                "a requirement mapping in {} lacks source_requirement_urn or target_requirement_urn",
                set.urn
            )));
        }
        let mapping = RequirementMapping {
            relationship: relationship(&m)?,
            strength: strength(&m)?,
            rationale: text(m.rationale),
            source_urn: m.source_requirement_urn,
            target_urn: m.target_requirement_urn,
        };
        let key = (
            mapping.source_urn.clone(),
            mapping.target_urn.clone(),
            mapping.relationship,
            mapping.strength,
            mapping.rationale.clone(),
        );
        if seen.insert(key) {
            mappings.push(mapping);
        }
    }
    Ok(MappingSet {
        name: text(set.name).unwrap_or_else(|| last_segment(&set.urn).to_string()),
        urn: set.urn,
        source_framework_urn: set.source_framework_urn,
        target_framework_urn: set.target_framework_urn,
        copyright: copyright.to_string(),
        mappings,
    })
}

fn relationship(m: &MappingYaml) -> Result<Relationship, ImportError> {
    let normalised = m
        .relationship
        .trim()
        .to_ascii_lowercase()
        .replace(['-', ' '], "_");
    match normalised.as_str() {
        "equal" => Ok(Relationship::Equal),
        "subset" => Ok(Relationship::Subset),
        "superset" => Ok(Relationship::Superset),
        "intersect" => Ok(Relationship::Intersect),
        "not_related" => Ok(Relationship::NotRelated),
        _ => Err(ImportError::UnknownRelationship {
            value: m.relationship.clone(),
            source_urn: m.source_requirement_urn.clone(),
            target_urn: m.target_requirement_urn.clone(),
        }),
    }
}

fn strength(m: &MappingYaml) -> Result<Option<u8>, ImportError> {
    m.strength_of_relationship
        .map(|s| {
            u8::try_from(s).ok().filter(|s| (1..=10).contains(s)).ok_or_else(|| {
                ImportError::format(format!(
                    "strength_of_relationship {s} of requirement mapping {} -> {} is outside 1..=10",
                    m.source_requirement_urn, m.target_requirement_urn
                ))
            })
        })
        .transpose()
}

/// A framework known only by its identifiers (ISO/IEC 27001:2022, whose text
/// cannot be shipped): one assessable, text-less node per distinct label, in
/// natural order (`A.5.2` before `A.5.10`). Node URNs are rebuilt as
/// `urn:intuitem:risk:req_node:{urn_namespace}:{label in lower case}`, the
/// CISO Assistant convention.
pub fn identifiers_only(
    name: &str,
    urn: &str,
    urn_namespace: &str,
    version: &str,
    copyright: &str,
    labels: impl IntoIterator<Item = String>,
) -> FrameworkCatalog {
    let mut labels: Vec<String> = labels.into_iter().map(|l| ids::canonical(&l)).collect();
    labels.sort_by(|a, b| ids::natural_cmp(a, b));
    labels.dedup();
    let nodes = labels
        .into_iter()
        .filter(|l| !l.is_empty())
        .map(|label| Requirement {
            urn: format!(
                "urn:intuitem:risk:req_node:{urn_namespace}:{}",
                label.to_lowercase()
            ),
            parent: None,
            depth: 1,
            source_id: None,
            label,
            name: None,
            description: None,
            guidance: None,
            assessable: true,
            levels: Vec::new(),
            withdrawn: None,
        })
        .collect();
    FrameworkCatalog {
        urn: urn.to_string(),
        urn_namespace: urn_namespace.to_string(),
        name: name.to_string(),
        version: version.to_string(),
        provider: None,
        description: None,
        copyright: copyright.to_string(),
        levels: Vec::new(),
        nodes,
        has_text: false,
    }
}

/// Canonical labels of every requirement URN in `namespace`, from both sides
/// of every mapping of `sets`. (A `BTreeSet` orders them as plain strings; sort
/// with [`ids::natural_cmp`] for display.)
pub fn labels_in_namespace(sets: &[MappingSet], namespace: &str) -> BTreeSet<String> {
    sets.iter()
        .flat_map(|s| &s.mappings)
        .flat_map(|m| [m.source_urn.as_str(), m.target_urn.as_str()])
        .filter(|urn| urn_namespace(urn) == Some(namespace))
        .map(|urn| ids::canonical(urn_local_id(urn)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAMEWORK: &str = r#"
urn: urn:intuitem:risk:library:mini
name: Mini library
description: A tiny library
copyright: Mine
version: 6
provider: ME
objects:
  framework:
    urn: urn:intuitem:risk:framework:mini
    name: Mini
    implementation_groups_definition:
    - ref_id: B
      name: basic
      description: Basic level
    requirement_nodes:
    - urn: urn:intuitem:risk:req_node:mini:node1
      assessable: false
      depth: 1
      name: Article 21
      translations:
        fr:
          name: Article 21
    - urn: urn:intuitem:risk:req_node:mini:basic_pr.ac-1.1
      assessable: true
      depth: 2
      parent_urn: urn:intuitem:risk:req_node:mini:node1
      ref_id: BASIC_PR.AC-1.1
      description: Do it.
      annotation: Why.
      implementation_groups: [B, BK]
    - urn: urn:intuitem:risk:req_node:mini:1.10
      assessable: true
      parent_urn: urn:intuitem:risk:req_node:mini:node1
      ref_id: 1.10
"#;

    #[test]
    fn mini_framework() {
        let f = import_framework(FRAMEWORK).unwrap();
        assert_eq!(f.urn_namespace, "mini");
        assert_eq!(f.version, "6");
        assert_eq!(f.description.as_deref(), Some("A tiny library"));
        assert_eq!(f.levels[0].ref_id, "B");
        let labels: Vec<_> = f.nodes.iter().map(|n| n.label.as_str()).collect();
        // An unquoted `1.10` stays text: serde_yaml_ng hands the raw scalar to a String.
        assert_eq!(labels, ["NODE1", "PR.AC-1.1", "1.10"]);
        let measure = &f.nodes[1];
        assert_eq!(measure.parent, Some(0));
        assert_eq!(measure.source_id.as_deref(), Some("BASIC_PR.AC-1.1"));
        assert_eq!(measure.guidance.as_deref(), Some("Why."));
        assert_eq!(measure.levels, ["B", "BK"]);
        assert_eq!(f.nodes[2].depth, 2, "depth derived from the parent");
        assert_eq!(f.find("basic_pr.ac-1.1"), Some(1));
        assert_eq!(f.find("node1"), Some(0));
    }

    #[test]
    fn dangling_parent_is_named() {
        let yaml = FRAMEWORK.replace(
            "parent_urn: urn:intuitem:risk:req_node:mini:node1\n      ref_id: BASIC",
            "parent_urn: urn:x:missing\n      ref_id: BASIC",
        );
        let err = import_framework(&yaml).unwrap_err().to_string();
        assert!(
            err.contains("urn:x:missing") && err.contains("basic_pr.ac-1.1"),
            "{err}"
        );
    }

    #[test]
    fn a_misspelt_requirement_nodes_key_is_an_error_not_an_empty_framework() {
        let yaml = FRAMEWORK.replace("requirement_nodes:", "requirement_node:");
        assert_ne!(yaml, FRAMEWORK);
        let err = import_framework(&yaml).unwrap_err().to_string();
        assert!(err.contains("has no requirement_nodes"), "{err}");
    }

    const MAPPING: &str = r#"
urn: urn:intuitem:risk:library:map
copyright: intuitem
objects:
  requirement_mapping_set:
    urn: urn:intuitem:risk:req_mapping_set:map
    source_framework_urn: urn:intuitem:risk:framework:a
    target_framework_urn: urn:intuitem:risk:framework:iso27001-2022
    requirement_mappings:
    - source_requirement_urn: urn:intuitem:risk:req_node:a:x.1
      target_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:a.5.10
      relationship: subset
      strength_of_relationship: 7
      rationale: semantic
    - source_requirement_urn: urn:intuitem:risk:req_node:a:x.1
      target_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:a.5.10
      relationship: subset
      strength_of_relationship: 7
      rationale: semantic
    - source_requirement_urn: urn:intuitem:risk:req_node:a:x.2
      target_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:a.5.2
      relationship: not_related
"#;

    #[test]
    fn mini_mapping_set_single_key() {
        let set = import_mapping_set(MAPPING).unwrap();
        assert_eq!(set.copyright, "intuitem");
        assert_eq!(set.mappings.len(), 2, "exact duplicate dropped");
        assert_eq!(set.mappings[0].strength, Some(7));
        assert_eq!(set.mappings[0].rationale.as_deref(), Some("semantic"));
        assert_eq!(set.mappings[1].relationship, Relationship::NotRelated);
        let labels = labels_in_namespace(std::slice::from_ref(&set), "iso27001-2022");
        assert_eq!(labels.into_iter().collect::<Vec<_>>(), ["A.5.10", "A.5.2"]);
    }

    #[test]
    fn unknown_relationship_is_named() {
        let yaml = MAPPING.replace("relationship: not_related", "relationship: overlaps");
        let err = import_mapping_set(&yaml).unwrap_err().to_string();
        assert!(
            err.contains("\"overlaps\"") && err.contains("iso27001-2022:a.5.2"),
            "{err}"
        );
        let yaml = MAPPING.replace("strength_of_relationship: 7\n      rationale: semantic\n    - source_requirement_urn: urn:intuitem:risk:req_node:a:x.2", "strength_of_relationship: 7\n      rationale: semantic\n    - strength_of_relationship: 11\n      source_requirement_urn: urn:intuitem:risk:req_node:a:x.2");
        let err = import_mapping_set(&yaml).unwrap_err().to_string();
        assert!(err.contains("11") && err.contains("a:x.2"), "{err}");
    }

    #[test]
    fn urn_helpers() {
        assert_eq!(
            urn_local_id("urn:intuitem:risk:req_node:iso27001-2022:a.5.1"),
            "a.5.1"
        );
        assert_eq!(
            urn_local_id("urn:intuitem:risk:req_node:annex-nis2:4.3.2:1"),
            "4.3.2:1"
        );
        assert_eq!(urn_local_id("odd:urn"), "urn");
        assert_eq!(
            urn_namespace("urn:intuitem:risk:req_node:nist-csf-2.0:gv.oc-01"),
            Some("nist-csf-2.0")
        );
        assert_eq!(urn_namespace("urn:intuitem:risk:framework:x"), None);
    }

    #[test]
    fn identifiers_only_sorts_naturally() {
        let f = identifiers_only(
            "ISO/IEC 27001:2022",
            "urn:intuitem:risk:framework:iso27001-2022",
            "iso27001-2022",
            "2022",
            "ISO",
            ["a.5.10", "A.5.2", "a.5.2", "10.1", "4.1"].map(String::from),
        );
        let labels: Vec<_> = f.nodes.iter().map(|n| n.label.as_str()).collect();
        assert_eq!(labels, ["4.1", "10.1", "A.5.2", "A.5.10"]);
        assert_eq!(
            f.nodes[2].urn,
            "urn:intuitem:risk:req_node:iso27001-2022:a.5.2"
        );
        assert!(!f.has_text && f.nodes.iter().all(|n| n.assessable));
    }
}
