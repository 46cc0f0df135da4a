//! The catalog model every importer produces and every consumer reads.
//!
//! Importers (one file per source format) turn STIX, OSCAL, CISO Assistant YAML
//! and Mappings Explorer JSON into these plain structures. They are plain data on
//! purpose: the main crate serialises them with postcard at compile time (see its
//! `build.rs`) so that the embedded catalogs load in milliseconds instead of the
//! hundreds of milliseconds that YAML parsing costs.

use serde::{Deserialize, Serialize};

/// One ATT&CK domain, loaded from a STIX 2.1 bundle.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AttackCatalog {
    pub domain: AttackDomain,
    /// ATT&CK release, e.g. "18.1" (from the x-mitre-collection when present,
    /// otherwise supplied by the caller).
    pub version: String,
    /// Tactics in matrix order (the order of the matrix's `tactic_refs`).
    pub tactics: Vec<Tactic>,
    /// Every technique and sub-technique, including revoked and deprecated
    /// ones (so references to them can be explained), sorted by id.
    pub techniques: Vec<Technique>,
    /// Mitigations (course-of-action with an `M` id), sorted by id.
    pub mitigations: Vec<Mitigation>,
    /// Copyright and licence line that must travel with the data.
    pub licence: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttackDomain {
    Enterprise,
    Ics,
    Mobile,
}

impl AttackDomain {
    pub fn slug(self) -> &'static str {
        match self {
            AttackDomain::Enterprise => "enterprise",
            AttackDomain::Ics => "ics",
            AttackDomain::Mobile => "mobile",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            AttackDomain::Enterprise => "Enterprise",
            AttackDomain::Ics => "ICS",
            AttackDomain::Mobile => "Mobile",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tactic {
    /// `TA0001`
    pub id: String,
    /// `initial-access`: what techniques' kill-chain phases refer to.
    pub shortname: String,
    pub name: String,
    /// Plain text (citations stripped), may contain Markdown.
    pub description: String,
    pub url: String,
    /// Deprecated tactics (Mobile's `network-effects`) are listed after the
    /// active ones so that old techniques still find their column.
    #[serde(default)]
    pub deprecated: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Technique {
    /// `T1059` or `T1059.001`
    pub id: String,
    pub name: String,
    /// Markdown with `(Citation: ...)` markers removed.
    pub description: String,
    /// Tactic shortnames (`initial-access`), in the order STIX lists them.
    pub tactics: Vec<String>,
    /// Parent technique id for sub-techniques.
    pub parent: Option<String>,
    pub platforms: Vec<String>,
    pub url: String,
    /// Set when the object is revoked: the ATT&CK id of its replacement, when
    /// the `revoked-by` relationship resolves to a technique.
    pub revoked: Option<Revocation>,
    pub deprecated: bool,
    /// Mitigation ids (`M1032`) from `mitigates` relationships, sorted.
    pub mitigations: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Revocation {
    /// Replacement ATT&CK id, if the revoked-by target is a technique in the bundle.
    pub replaced_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mitigation {
    /// `M1032`
    pub id: String,
    pub name: String,
    pub description: String,
    pub deprecated: bool,
    pub url: String,
}

/// A control framework: NIST CSF, CyFun, NIS2, SP 800-53, or an
/// identifiers-only framework such as ISO/IEC 27001 whose text cannot be shipped.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FrameworkCatalog {
    /// CISO Assistant framework URN (`urn:intuitem:risk:framework:nist-csf-2.0`),
    /// or a synthesised one for OSCAL catalogs.
    pub urn: String,
    /// Namespace used inside requirement URNs (`nist-csf-2.0` in
    /// `urn:intuitem:risk:req_node:nist-csf-2.0:gv.oc-01`). Mapping sets refer to
    /// requirements through it.
    pub urn_namespace: String,
    pub name: String,
    /// Catalog version as published (`5.0.1`, `2023-03-01`, `6`).
    pub version: String,
    pub provider: Option<String>,
    pub description: Option<String>,
    /// Copyright or licence line that must be shown wherever the text is shown.
    pub copyright: String,
    /// Implementation groups / assurance levels, in the order the source lists them.
    pub levels: Vec<Level>,
    /// Requirement tree in document order; `parent` indexes into this vector.
    pub nodes: Vec<Requirement>,
    /// False for identifiers-only frameworks: ids check and count, no text is shipped.
    pub has_text: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Level {
    /// `B`, `I`, `E`, `BK`, ...
    pub ref_id: String,
    /// `basic`, `important`, ...
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Requirement {
    /// Full requirement URN when the source has one; synthesised otherwise.
    pub urn: String,
    /// Index of the parent node in `FrameworkCatalog::nodes`.
    pub parent: Option<u32>,
    pub depth: u8,
    /// The id as written in the source (`BASIC_PR.AC-1.1`, `ac-2.1`), if any.
    pub source_id: Option<String>,
    /// The id people write and the site shows (`PR.AC-1.1`, `AC-2(1)`,
    /// `GV.OC-01`), already normalised with [`crate::ids::canonical`]. Nodes
    /// without any id (some grouping nodes) use their URN's last segment.
    pub label: String,
    pub name: Option<String>,
    /// Statement / requirement text.
    pub description: Option<String>,
    /// Guidance / annotation text.
    pub guidance: Option<String>,
    /// True for nodes that an assessment scores (CISO `assessable`; OSCAL
    /// controls and enhancements).
    pub assessable: bool,
    /// Implementation groups this node belongs to (`B`, `I`, `BK`, ...).
    pub levels: Vec<String>,
    pub withdrawn: Option<Withdrawal>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Withdrawal {
    /// Labels of the controls this one moved to.
    pub moved_to: Vec<String>,
    /// Labels of the controls it was incorporated into. When the source points
    /// at a statement item (OSCAL `#ac-2_smt.k`, which NIST prints "AC-2k"),
    /// the label is that of the control holding the item (`AC-2`), so every
    /// label here resolves with [`FrameworkCatalog::find`].
    pub incorporated_into: Vec<String>,
}

/// A CISO Assistant requirement mapping set between two frameworks.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MappingSet {
    pub urn: String,
    pub name: String,
    pub source_framework_urn: String,
    pub target_framework_urn: String,
    pub copyright: String,
    pub mappings: Vec<RequirementMapping>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RequirementMapping {
    pub source_urn: String,
    pub target_urn: String,
    pub relationship: Relationship,
    /// 1..=10 when the source gives it.
    pub strength: Option<u8>,
    pub rationale: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Relationship {
    Equal,
    Subset,
    Superset,
    Intersect,
    NotRelated,
}

/// A CTID Mappings Explorer file: security controls mapped to ATT&CK techniques.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TechniqueMappingSet {
    /// `nist_800_53`, `cri_profile`
    pub framework: String,
    pub framework_version: String,
    pub attack_version: String,
    pub domain: AttackDomain,
    pub licence: String,
    /// Only mappable entries (status other than `non_mappable`, with a capability id).
    pub mappings: Vec<TechniqueMapping>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TechniqueMapping {
    /// Control id as written in the file (`AC-02`); use `ids::canonical` to match.
    pub control: String,
    /// ATT&CK id (`T1078`).
    pub technique: String,
    /// `mitigates`, `protects`, `detects`, ...
    pub mapping_type: String,
    pub score_category: Option<String>,
    pub score_value: Option<String>,
    pub comments: Option<String>,
}

impl AttackCatalog {
    /// The technique or sub-technique with this id (`T1486`, `t1059.001`),
    /// revoked and deprecated ones included. Binary search: `techniques` is
    /// sorted by id.
    pub fn technique(&self, id: &str) -> Option<&Technique> {
        let wanted = id.trim().to_ascii_uppercase();
        self.techniques
            .binary_search_by(|t| t.id.as_str().cmp(&wanted))
            .ok()
            .map(|i| &self.techniques[i])
    }

    /// The mitigation with this id (`M1053`, case-insensitive).
    pub fn mitigation(&self, id: &str) -> Option<&Mitigation> {
        let wanted = id.trim().to_ascii_uppercase();
        self.mitigations
            .binary_search_by(|m| m.id.as_str().cmp(&wanted))
            .ok()
            .map(|i| &self.mitigations[i])
    }

    /// The tactic with this id (`TA0040`) or shortname (`impact`), ignoring case.
    pub fn tactic(&self, id_or_shortname: &str) -> Option<&Tactic> {
        let wanted = id_or_shortname.trim();
        self.tactics
            .iter()
            .find(|t| t.id.eq_ignore_ascii_case(wanted) || t.shortname.eq_ignore_ascii_case(wanted))
    }
}

impl FrameworkCatalog {
    /// Index of the node an author means by `id`.
    ///
    /// Tries, in order: the label exactly; the label against
    /// [`crate::ids::canonical`]`(id)` (so `ac-02`, `AC-2 (1)`, `BASIC_PR.AC-1.1`
    /// work); the canonical form of each node's `source_id`; and finally a
    /// case-insensitive label match (`21.2.D`). The first node in document order
    /// wins when several share a label. Linear in the number of nodes: callers
    /// doing many look-ups should build their own map from labels.
    pub fn find(&self, id: &str) -> Option<usize> {
        if let Some(i) = self.nodes.iter().position(|n| n.label == id) {
            return Some(i);
        }
        let wanted = crate::ids::canonical(id);
        if wanted.is_empty() {
            return None;
        }
        self.nodes
            .iter()
            .position(|n| n.label == wanted)
            .or_else(|| {
                self.nodes.iter().position(|n| {
                    n.source_id
                        .as_deref()
                        .is_some_and(|s| crate::ids::canonical(s) == wanted)
                })
            })
            .or_else(|| {
                self.nodes
                    .iter()
                    .position(|n| n.label.eq_ignore_ascii_case(&wanted))
            })
    }

    /// Like [`find`](Self::find), but also resolves a reference to a statement
    /// item written the NIST way (`AC-2k`, `AC-2d.1`) to the control that
    /// holds the item.
    pub fn find_reference(&self, label: &str) -> Option<usize> {
        self.find(label).or_else(|| {
            let item_start = label.find(|c: char| c.is_ascii_lowercase())?;
            let control = &label[..item_start];
            let is_item = label[item_start..]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.');
            (is_item && !control.is_empty())
                .then(|| self.find(control))
                .flatten()
        })
    }

    /// Indices of the direct children of node `idx`, in document order.
    /// A linear scan: cheap for catalogs of a few thousand nodes.
    pub fn children(&self, idx: usize) -> impl Iterator<Item = usize> + '_ {
        let parent = u32::try_from(idx).ok();
        self.nodes
            .iter()
            .enumerate()
            .filter(move |(_, n)| parent.is_some() && n.parent == parent)
            .map(|(i, _)| i)
    }

    /// Number of assessable nodes (controls, measures, requirements).
    pub fn assessable_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.assessable).count()
    }
}
