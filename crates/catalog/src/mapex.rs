//! CTID Mappings Explorer files (the "unified data schema" JSON): security
//! controls mapped to ATT&CK techniques.

use serde::Deserialize;

use crate::error::ImportError;
use crate::model::{AttackDomain, TechniqueMapping, TechniqueMappingSet};

/// Every Mappings Explorer project is published under this licence.
pub const LICENCE: &str = "Center for Threat-Informed Defense, Apache-2.0";

#[derive(Deserialize)]
struct File {
    metadata: Metadata,
    #[serde(default)]
    mapping_objects: Vec<MappingObject>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metadata {
    technology_domain: String,
    attack_version: String,
    mapping_framework: String,
    mapping_framework_version: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MappingObject {
    capability_id: Option<String>,
    mapping_type: Option<String>,
    attack_object_id: Option<String>,
    score_category: Option<String>,
    /// A string in the schema; some projects write numbers.
    score_value: Option<serde_json::Value>,
    comments: Option<String>,
    status: Option<String>,
}

/// Imports a Mappings Explorer file, keeping only mappable entries: those
/// with both a capability id and an ATT&CK id, whose status is not
/// `non_mappable` (the 800-53 file lists 96 such techniques, "no mitigations
/// in ATT&CK").
pub fn import(json: &str) -> Result<TechniqueMappingSet, ImportError> {
    let file: File = serde_json::from_str(json)?;
    let metadata = file.metadata;
    let domain = domain(&metadata.technology_domain)?;
    if metadata.mapping_framework.trim().is_empty() {
        return Err(ImportError::format(
            "Mappings Explorer file has no metadata.mapping_framework",
        ));
    }
    let mappings = file
        .mapping_objects
        .into_iter()
        .filter_map(mapping)
        .collect();
    Ok(TechniqueMappingSet {
        framework: metadata.mapping_framework,
        framework_version: metadata.mapping_framework_version,
        attack_version: metadata.attack_version,
        domain,
        licence: LICENCE.to_string(),
        mappings,
    })
}

fn domain(value: &str) -> Result<AttackDomain, ImportError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "enterprise" => Ok(AttackDomain::Enterprise),
        "ics" => Ok(AttackDomain::Ics),
        "mobile" => Ok(AttackDomain::Mobile),
        other => Err(ImportError::format(format!(
            "Mappings Explorer metadata.technology_domain {other:?} is not enterprise, ics or mobile"
        ))),
    }
}

fn non_blank(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn mapping(object: MappingObject) -> Option<TechniqueMapping> {
    if object.status.as_deref() == Some("non_mappable") {
        return None;
    }
    let score_value = match object.score_value {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    Some(TechniqueMapping {
        control: non_blank(object.capability_id)?,
        technique: non_blank(object.attack_object_id)?,
        mapping_type: non_blank(object.mapping_type).unwrap_or_else(|| "mitigates".to_string()),
        score_category: non_blank(object.score_category),
        score_value: non_blank(score_value),
        comments: non_blank(object.comments),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_mappable_entries_only() {
        let json = r#"{"metadata": {"technology_domain": "enterprise", "attack_version": "16.1",
            "mapping_framework": "nist_800_53", "mapping_framework_version": "rev5"},
          "mapping_objects": [
            {"capability_id": "AC-02", "mapping_type": "mitigates", "attack_object_id": "T1078", "status": "complete", "score_value": 3},
            {"capability_id": null, "attack_object_id": "T1496.002", "status": "non_mappable"},
            {"capability_id": "AC-03", "attack_object_id": "T1078", "status": "non_mappable"},
            {"capability_id": "AC-04", "attack_object_id": null, "status": "complete"}]}"#;
        let set = import(json).unwrap();
        assert_eq!(set.domain, AttackDomain::Enterprise);
        assert_eq!(set.mappings.len(), 1);
        assert_eq!(set.mappings[0].control, "AC-02");
        assert_eq!(set.mappings[0].score_value.as_deref(), Some("3"));
        assert_eq!(set.licence, LICENCE);
    }

    #[test]
    fn bad_domain_is_named() {
        let json = r#"{"metadata": {"technology_domain": "cloud", "mapping_framework": "x"}}"#;
        let err = import(json).unwrap_err().to_string();
        assert!(err.contains("\"cloud\""), "{err}");
    }
}
