//! MITRE ATT&CK STIX bundles (2.1, and the per-object 2.0 style of mitre/cti)
//! into an [`AttackCatalog`].
//!
//! Only the object types ATT&CK's matrix view needs are read: tactics,
//! matrices, techniques, mitigations and the `subtechnique-of`, `mitigates`
//! and `revoked-by` relationships. Every other object (groups, software, data
//! components, analytics...) is skipped by type, and unknown fields are ignored
//! by serde, so the full bundles and the trimmed ones load the same way.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Deserialize;

use crate::error::ImportError;
use crate::model::{AttackCatalog, AttackDomain, Mitigation, Revocation, Tactic, Technique};

/// Used when a bundle carries no marking-definition statement.
pub const DEFAULT_LICENCE: &str = "© The MITRE Corporation. This work is reproduced and \
     distributed with the permission of The MITRE Corporation.";

/// Appended to the bundle's own copyright statement: the ATT&CK licence asks
/// every copy to carry this sentence.
const PERMISSION: &str =
    "This work is reproduced and distributed with the permission of The MITRE Corporation.";

#[derive(Deserialize)]
struct Bundle {
    #[serde(default)]
    objects: Vec<StixObject>,
}

/// The union of the fields read from any object type; absent ones default.
#[derive(Deserialize, Default)]
#[serde(default)]
struct StixObject {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    name: Option<String>,
    description: Option<String>,
    external_references: Vec<ExternalReference>,
    kill_chain_phases: Vec<KillChainPhase>,
    x_mitre_platforms: Vec<String>,
    /// `enterprise-attack`, `ics-attack`, `mobile-attack`.
    x_mitre_domains: Vec<String>,
    revoked: Option<bool>,
    x_mitre_deprecated: Option<bool>,
    x_mitre_is_subtechnique: Option<bool>,
    x_mitre_shortname: Option<String>,
    x_mitre_version: Option<String>,
    tactic_refs: Vec<String>,
    relationship_type: Option<String>,
    source_ref: Option<String>,
    target_ref: Option<String>,
    definition: Option<MarkingDefinition>,
}

impl StixObject {
    /// The ATT&CK id (`T1059.001`, `TA0001`, `M1032`) from the `mitre-attack`
    /// external reference, with its URL. Legacy objects that only carry a
    /// `mitre-mobile-attack` or `mitre-ics-attack` reference (14 revoked Mobile
    /// and 12 deprecated ICS techniques in 18.1) are read from that one, so
    /// that references to them can still be explained.
    fn attack_ref(&self) -> Option<&ExternalReference> {
        let with_id = |name: &str| {
            self.external_references
                .iter()
                .find(|r| r.source_name == name && r.external_id.is_some())
        };
        with_id("mitre-attack")
            .or_else(|| with_id("mitre-mobile-attack"))
            .or_else(|| with_id("mitre-ics-attack"))
    }

    fn attack_id(&self) -> Option<&str> {
        self.attack_ref().and_then(|r| r.external_id.as_deref())
    }

    fn url(&self) -> String {
        self.attack_ref()
            .and_then(|r| r.url.clone())
            .unwrap_or_default()
    }

    fn is_revoked(&self) -> bool {
        self.revoked.unwrap_or(false)
    }

    fn is_deprecated(&self) -> bool {
        self.x_mitre_deprecated.unwrap_or(false)
    }

    fn clean_description(&self) -> String {
        self.description
            .as_deref()
            .map(strip_citations)
            .unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExternalReference {
    source_name: String,
    external_id: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KillChainPhase {
    kill_chain_name: String,
    phase_name: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MarkingDefinition {
    statement: Option<String>,
}

/// Imports one ATT&CK domain from a STIX bundle.
///
/// `fallback_version` is used when the bundle has no `x-mitre-collection`
/// (the trimmed Enterprise and Mobile files in `shared/data` have none).
/// Parse time (debug, opt-level 1): see the crate's tests/real_data.rs.
/// A bundle declared for one domain must be that domain's: one domain's
/// bundle loaded as another (`[attack.files] mobile = "ics-attack.json"`)
/// put ICS techniques in the Mobile matrix and failed every Mobile
/// citation as unknown. Objects name their domains (`x_mitre_domains`);
/// a bundle whose techniques name none is taken as declared.
fn check_domain(objects: &[StixObject], domain: AttackDomain) -> Result<(), ImportError> {
    let wanted = format!("{}-attack", domain.slug());
    let mut named = objects
        .iter()
        .filter(|o| o.kind == "attack-pattern")
        .flat_map(|o| o.x_mitre_domains.iter())
        .peekable();
    if named.peek().is_none() {
        return Ok(());
    }
    let mut found: Vec<&str> = named.map(String::as_str).collect();
    if found.contains(&wanted.as_str()) {
        return Ok(());
    }
    found.sort_unstable();
    found.dedup();
    Err(ImportError::format(format!(
        "this STIX bundle is not ATT&CK {}: its techniques belong to {}",
        domain.title(),
        found.join(", ")
    )))
}

pub fn import(
    json: &str,
    domain: AttackDomain,
    fallback_version: &str,
) -> Result<AttackCatalog, ImportError> {
    let bundle: Bundle = serde_json::from_str(json)?;
    let objects = bundle.objects;
    if !objects.iter().any(|o| o.kind == "attack-pattern") {
        return Err(ImportError::format(format!(
            "STIX bundle for ATT&CK {} has no attack-pattern objects",
            domain.title()
        )));
    }
    check_domain(&objects, domain)?;
    let by_stix_id: HashMap<&str, &StixObject> =
        objects.iter().map(|o| (o.id.as_str(), o)).collect();
    let relations = Relations::collect(&objects, &by_stix_id);

    let version = objects
        .iter()
        .find(|o| o.kind == "x-mitre-collection")
        .and_then(|o| o.x_mitre_version.clone())
        .unwrap_or_else(|| fallback_version.to_string());

    Ok(AttackCatalog {
        domain,
        version,
        tactics: tactics(&objects, &by_stix_id),
        techniques: techniques(&objects, &relations),
        mitigations: mitigations(&objects),
        licence: licence(&objects),
    })
}

/// The three relationship types the catalog uses, resolved to ATT&CK ids.
#[derive(Default)]
struct Relations {
    /// Sub-technique STIX id -> parent ATT&CK id.
    parent: HashMap<String, String>,
    /// Revoked STIX id -> replacement ATT&CK id, when the target is a technique.
    replaced_by: HashMap<String, Option<String>>,
    /// Technique STIX id -> mitigation ids.
    mitigations: HashMap<String, BTreeSet<String>>,
}

impl Relations {
    fn collect(objects: &[StixObject], by_stix_id: &HashMap<&str, &StixObject>) -> Self {
        let mut relations = Relations::default();
        for rel in objects.iter().filter(|o| o.kind == "relationship") {
            // Revoked or deprecated relationships no longer hold.
            if rel.is_revoked() || rel.is_deprecated() {
                continue;
            }
            let (Some(source), Some(target)) =
                (rel.source_ref.as_deref(), rel.target_ref.as_deref())
            else {
                continue;
            };
            let target_obj = by_stix_id.get(target).copied();
            match rel.relationship_type.as_deref() {
                Some("subtechnique-of") => {
                    if let Some(id) = target_obj.and_then(StixObject::attack_id) {
                        relations.parent.insert(source.to_string(), id.to_string());
                    }
                }
                Some("revoked-by") => {
                    let replacement = target_obj
                        .filter(|t| t.kind == "attack-pattern")
                        .and_then(StixObject::attack_id)
                        .map(str::to_string);
                    relations
                        .replaced_by
                        .insert(source.to_string(), replacement);
                }
                Some("mitigates") => {
                    let mitigation = by_stix_id
                        .get(source)
                        .filter(|s| s.kind == "course-of-action")
                        .and_then(|s| s.attack_id())
                        .filter(|id| is_mitigation_id(id));
                    if let Some(id) = mitigation {
                        relations
                            .mitigations
                            .entry(target.to_string())
                            .or_default()
                            .insert(id.to_string());
                    }
                }
                _ => {}
            }
        }
        relations
    }
}

/// `M1032`: ATT&CK's real mitigations. Enterprise still ships 224 deprecated
/// course-of-action objects with technique ids (`T1066`), which are not.
fn is_mitigation_id(id: &str) -> bool {
    id.len() > 1 && id.starts_with('M') && id[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Tactics in matrix order: active matrices first (in bundle order), then
/// deprecated ones (Mobile's first matrix, "Network-Based Effects", is
/// deprecated), then tactics no matrix lists, by id. De-duplicated.
fn tactics(objects: &[StixObject], by_stix_id: &HashMap<&str, &StixObject>) -> Vec<Tactic> {
    let mut matrices: Vec<&StixObject> = objects
        .iter()
        .filter(|o| o.kind == "x-mitre-matrix" && !o.is_revoked())
        .collect();
    matrices.sort_by_key(|m| m.is_deprecated());
    let mut seen = HashSet::new();
    let mut ordered: Vec<&StixObject> = Vec::new();
    for stix_id in matrices.iter().flat_map(|m| &m.tactic_refs) {
        if let Some(tactic) = by_stix_id.get(stix_id.as_str()) {
            if tactic.kind == "x-mitre-tactic" && seen.insert(stix_id.as_str()) {
                ordered.push(tactic);
            }
        }
    }
    let mut unlisted: Vec<&StixObject> = objects
        .iter()
        .filter(|o| o.kind == "x-mitre-tactic" && !o.is_revoked() && !seen.contains(o.id.as_str()))
        .collect();
    unlisted.sort_by(|a, b| a.attack_id().cmp(&b.attack_id()));
    ordered
        .into_iter()
        .chain(unlisted)
        .filter_map(tactic)
        .collect()
}

fn tactic(o: &StixObject) -> Option<Tactic> {
    Some(Tactic {
        id: o.attack_id()?.to_string(),
        shortname: o.x_mitre_shortname.clone()?,
        name: o.name.clone().unwrap_or_default(),
        description: o.clean_description(),
        url: o.url(),
        deprecated: o.is_deprecated(),
    })
}

fn techniques(objects: &[StixObject], relations: &Relations) -> Vec<Technique> {
    let mut techniques: Vec<Technique> = objects
        .iter()
        .filter(|o| o.kind == "attack-pattern")
        .filter_map(|o| technique(o, relations))
        .collect();
    sort_and_dedup(&mut techniques);
    techniques
}

fn technique(o: &StixObject, relations: &Relations) -> Option<Technique> {
    let id = o.attack_id()?.to_string();
    let parent = relations.parent.get(&o.id).cloned().or_else(|| {
        let is_sub = o.x_mitre_is_subtechnique.unwrap_or(false) || id.contains('.');
        id.split_once('.')
            .filter(|_| is_sub)
            .map(|(p, _)| p.to_string())
    });
    let revoked = o.is_revoked().then(|| Revocation {
        replaced_by: relations.replaced_by.get(&o.id).cloned().flatten(),
    });
    Some(Technique {
        name: o.name.clone().unwrap_or_default(),
        description: o.clean_description(),
        tactics: o
            .kill_chain_phases
            .iter()
            .filter(|k| k.kill_chain_name.starts_with("mitre-"))
            .map(|k| k.phase_name.clone())
            .collect(),
        parent,
        platforms: o.x_mitre_platforms.clone(),
        url: o.url(),
        revoked,
        deprecated: o.is_deprecated(),
        mitigations: relations
            .mitigations
            .get(&o.id)
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default(),
        id,
    })
}

/// Sorts by id and keeps one technique per id, preferring an active one over
/// a revoked or deprecated object that carries the same ATT&CK id.
fn sort_and_dedup(techniques: &mut Vec<Technique>) {
    let inactive = |t: &Technique| t.revoked.is_some() || t.deprecated;
    techniques.sort_by(|a, b| a.id.cmp(&b.id).then(inactive(a).cmp(&inactive(b))));
    techniques.dedup_by(|later, kept| later.id == kept.id);
}

fn mitigations(objects: &[StixObject]) -> Vec<Mitigation> {
    let mut mitigations: Vec<Mitigation> = objects
        .iter()
        .filter(|o| o.kind == "course-of-action" && !o.is_revoked())
        .filter_map(|o| {
            let id = o.attack_id().filter(|id| is_mitigation_id(id))?;
            Some(Mitigation {
                id: id.to_string(),
                name: o.name.clone().unwrap_or_default(),
                description: o.clean_description(),
                deprecated: o.is_deprecated(),
                url: o.url(),
            })
        })
        .collect();
    mitigations.sort_by(|a, b| a.id.cmp(&b.id).then(a.deprecated.cmp(&b.deprecated)));
    mitigations.dedup_by(|later, kept| later.id == kept.id);
    mitigations
}

/// The bundle's copyright statement followed by MITRE's permission sentence,
/// or [`DEFAULT_LICENCE`].
fn licence(objects: &[StixObject]) -> String {
    objects
        .iter()
        .filter(|o| o.kind == "marking-definition")
        .filter_map(|o| o.definition.as_ref()?.statement.as_deref())
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(|statement| format!("{statement} {PERMISSION}"))
        .unwrap_or_else(|| DEFAULT_LICENCE.to_string())
}

/// Removes `(Citation: ...)` markers (nested parentheses allowed) and the
/// space they leave before punctuation or another space. Newlines are kept so
/// Markdown paragraphs and lists survive.
pub fn strip_citations(text: &str) -> String {
    const MARKER: &str = "(Citation:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(MARKER) {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = closing_paren(after).unwrap_or(after.len());
        rest = &after[end..];
        let next = rest.chars().next();
        if next.is_none_or(|c| c == ' ' || c == '\t' || ".,;:!?)".contains(c)) {
            let trimmed = out.trim_end_matches([' ', '\t']).len();
            out.truncate(trimmed);
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

/// Byte index just past the `)` matching the `(` at index 0.
fn closing_paren(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_are_stripped() {
        let table = [
            (
                "Adversaries may encrypt.(Citation: A)(Citation: B) Next.",
                "Adversaries may encrypt. Next.",
            ),
            ("word (Citation: A) more", "word more"),
            ("end (Citation: A).", "end."),
            (
                "nested (Citation: Microsoft (2019) Foo) done",
                "nested done",
            ),
            (
                "list:\n\n* one(Citation: X)\n* two",
                "list:\n\n* one\n* two",
            ),
            ("no markers", "no markers"),
            ("unterminated (Citation: A", "unterminated"),
        ];
        for (input, expected) in table {
            assert_eq!(strip_citations(input), expected, "{input:?}");
        }
    }

    const MINI: &str = r#"{"type":"bundle","id":"bundle--1","spec_version":"2.0","objects":[
      {"type":"marking-definition","id":"marking-definition--1","definition_type":"statement",
       "definition":{"statement":"Copyright 2015-2025, The MITRE Corporation."}},
      {"type":"x-mitre-matrix","id":"x-mitre-matrix--1","tactic_refs":["x-mitre-tactic--2","x-mitre-tactic--1"]},
      {"type":"x-mitre-tactic","id":"x-mitre-tactic--1","name":"Impact","x_mitre_shortname":"impact",
       "external_references":[{"source_name":"mitre-attack","external_id":"TA0040","url":"u"}]},
      {"type":"x-mitre-tactic","id":"x-mitre-tactic--2","name":"Execution","x_mitre_shortname":"execution",
       "external_references":[{"source_name":"mitre-attack","external_id":"TA0002"}]},
      {"type":"attack-pattern","id":"attack-pattern--1","name":"Cmd","description":"Run (Citation: X).",
       "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"execution"}],
       "external_references":[{"source_name":"mitre-attack","external_id":"T1059"}]},
      {"type":"attack-pattern","id":"attack-pattern--2","name":"PowerShell","x_mitre_is_subtechnique":true,
       "external_references":[{"source_name":"capec","external_id":"CAPEC-1"},{"source_name":"mitre-attack","external_id":"T1059.001"}]},
      {"type":"attack-pattern","id":"attack-pattern--3","name":"Old","revoked":true,
       "external_references":[{"source_name":"mitre-attack","external_id":"T1086"}]},
      {"type":"attack-pattern","id":"attack-pattern--4","name":"No id"},
      {"type":"course-of-action","id":"course-of-action--1","name":"Restrict",
       "external_references":[{"source_name":"mitre-attack","external_id":"M1042"}]},
      {"type":"course-of-action","id":"course-of-action--2","name":"Legacy","x_mitre_deprecated":true,
       "external_references":[{"source_name":"mitre-attack","external_id":"T1086"}]},
      {"type":"relationship","id":"relationship--1","relationship_type":"revoked-by",
       "source_ref":"attack-pattern--3","target_ref":"attack-pattern--2"},
      {"type":"relationship","id":"relationship--2","relationship_type":"mitigates",
       "source_ref":"course-of-action--1","target_ref":"attack-pattern--1"},
      {"type":"relationship","id":"relationship--3","relationship_type":"mitigates",
       "source_ref":"course-of-action--2","target_ref":"attack-pattern--1"}
    ]}"#;

    #[test]
    fn mini_bundle_in_stix_2_0_style() {
        let c = import(MINI, AttackDomain::Enterprise, "9.9").unwrap();
        assert_eq!(c.version, "9.9");
        assert_eq!(
            c.licence,
            "Copyright 2015-2025, The MITRE Corporation. This work is reproduced and distributed \
             with the permission of The MITRE Corporation."
        );
        let tactic_ids: Vec<_> = c.tactics.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(tactic_ids, ["TA0002", "TA0040"]);
        let ids: Vec<_> = c.techniques.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["T1059", "T1059.001", "T1086"]);
        let cmd = c.technique("t1059").unwrap();
        assert_eq!(cmd.description, "Run.");
        assert_eq!(cmd.tactics, ["execution"]);
        assert_eq!(cmd.mitigations, ["M1042"]);
        assert_eq!(
            c.technique("T1059.001").unwrap().parent.as_deref(),
            Some("T1059")
        );
        let old = c.technique("T1086").unwrap();
        assert_eq!(
            old.revoked,
            Some(Revocation {
                replaced_by: Some("T1059.001".into())
            })
        );
        assert_eq!(c.mitigations.len(), 1);
        assert!(c.mitigation("m1042").is_some());
    }

    /// Regression: the ICS bundle declared as Mobile loaded, put ICS
    /// techniques in the Mobile matrix and failed every Mobile citation.
    #[test]
    fn a_bundle_of_another_domain_is_refused() {
        let ics = r#"{"type":"bundle","objects":[
          {"type":"attack-pattern","id":"attack-pattern--1","name":"Loss of View","x_mitre_domains":["ics-attack"],
           "external_references":[{"source_name":"mitre-attack","external_id":"T0829"}]}]}"#;
        let err = import(ics, AttackDomain::Mobile, "1").unwrap_err();
        assert!(err.to_string().contains("not ATT&CK Mobile"), "{err}");
        assert!(err.to_string().contains("ics-attack"), "{err}");
        assert!(import(ics, AttackDomain::Ics, "1").is_ok());
        // Objects that name no domain (older or trimmed bundles) are
        // taken as declared.
        assert!(import(MINI, AttackDomain::Mobile, "1").is_ok());
    }

    #[test]
    fn bundle_without_techniques_is_an_error() {
        let err = import(r#"{"type":"bundle","objects":[]}"#, AttackDomain::Ics, "1").unwrap_err();
        assert!(err.to_string().contains("no attack-pattern"), "{err}");
        assert!(import("{", AttackDomain::Ics, "1").is_err());
    }
}
