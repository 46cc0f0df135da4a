//! Imports every real catalog file shipped in `shared/data` and checks facts
//! stated in `shared/data/SOURCES.md` or read from the files themselves.
//!
//! The data lives beside the checkout (`../shared/data` from the repository
//! root). A missing file fails the test with its path: these tests never skip.
//! Run with `--nocapture` to see how long each import takes.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use crosswalk_catalog::{
    ciso, ids, mapex, oscal, stix, AttackCatalog, AttackDomain, FrameworkCatalog, MappingSet,
    Relationship, Revocation,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn read(relative: &str) -> String {
    let path = format!("{DATA}/{relative}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "real data file {path} is missing or unreadable ({e}); lay shared/ beside the checkout"
        )
    })
}

/// Runs an import, printing how long it took (visible with `--nocapture`).
fn timed<T>(what: &str, import: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = import();
    eprintln!("import {what}: {:?}", start.elapsed());
    value
}

fn attack(file: &str, domain: AttackDomain) -> AttackCatalog {
    let json = read(&format!("attack/{file}"));
    timed(file, || stix::import(&json, domain, "18.1")).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn framework(file: &str) -> FrameworkCatalog {
    let yaml = read(&format!("ciso-assistant/{file}"));
    timed(file, || ciso::import_framework(&yaml)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn mapping_set(file: &str) -> MappingSet {
    let yaml = read(&format!("ciso-assistant/{file}"));
    timed(file, || ciso::import_mapping_set(&yaml)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn node<'a>(f: &'a FrameworkCatalog, id: &str) -> &'a crosswalk_catalog::Requirement {
    let i = f
        .find(id)
        .unwrap_or_else(|| panic!("{id} not found in {}", f.urn));
    &f.nodes[i]
}

fn labels_of(f: &FrameworkCatalog, indices: impl Iterator<Item = usize>) -> Vec<String> {
    indices.map(|i| f.nodes[i].label.clone()).collect()
}

// ---------------------------------------------------------------- ATT&CK

#[test]
fn enterprise_18_1() {
    let c = attack(
        "enterprise-attack-18.1-trimmed.json",
        AttackDomain::Enterprise,
    );
    assert_eq!(
        c.version, "18.1",
        "trimmed bundle has no collection: fallback used"
    );
    assert!(c
        .licence
        .starts_with("Copyright 2015-2025, The MITRE Corporation."));
    assert!(c
        .licence
        .ends_with("reproduced and distributed with the permission of The MITRE Corporation."));

    let tactics: Vec<_> = c.tactics.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        tactics,
        [
            "TA0043", "TA0042", "TA0001", "TA0002", "TA0003", "TA0004", "TA0005", "TA0006",
            "TA0007", "TA0008", "TA0009", "TA0011", "TA0010", "TA0040"
        ]
    );
    assert_eq!(c.tactics[0].name, "Reconnaissance");
    assert_eq!(c.tactics[1].name, "Resource Development");
    assert_eq!(c.tactics[2].shortname, "initial-access");

    // SOURCES.md: 835 attack-pattern = 216 techniques + 475 sub-techniques
    // active, 132 revoked, 12 deprecated.
    assert_eq!(c.techniques.len(), 835);
    let active = |t: &&crosswalk_catalog::Technique| t.revoked.is_none() && !t.deprecated;
    let active_techniques = c
        .techniques
        .iter()
        .filter(active)
        .filter(|t| t.parent.is_none());
    let active_subs = c
        .techniques
        .iter()
        .filter(active)
        .filter(|t| t.parent.is_some());
    assert_eq!(active_techniques.count(), 216);
    assert_eq!(active_subs.count(), 475);
    assert_eq!(
        c.techniques.iter().filter(|t| t.revoked.is_some()).count(),
        132
    );
    assert_eq!(c.techniques.iter().filter(|t| t.deprecated).count(), 12);
    assert!(
        c.techniques.windows(2).all(|w| w[0].id < w[1].id),
        "sorted, unique"
    );

    // 44 active M-mitigations; the 224 legacy T-id courses of action are not mitigations.
    assert_eq!(c.mitigations.len(), 44);
    assert!(c
        .mitigations
        .iter()
        .all(|m| m.id.starts_with('M') && !m.deprecated));

    let revoked = c.technique("T1574.002").expect("T1574.002");
    assert_eq!(
        revoked.revoked,
        Some(Revocation {
            replaced_by: Some("T1574.001".into())
        })
    );
    assert_eq!(c.technique("T1574.001").unwrap().name, "DLL");

    let impact = c.technique("t1486").expect("T1486 case-insensitive");
    assert_eq!(impact.name, "Data Encrypted for Impact");
    assert_eq!(impact.tactics, ["impact"]);
    assert!(impact.mitigations.contains(&"M1053".to_string()));
    assert!(impact.mitigations.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(impact.url, "https://attack.mitre.org/techniques/T1486");
    assert!(impact
        .description
        .starts_with("Adversaries may encrypt data on target systems"));
    assert!(c
        .techniques
        .iter()
        .all(|t| !t.description.contains("(Citation:")));

    let powershell = c.technique("T1059.001").unwrap();
    assert_eq!(powershell.parent.as_deref(), Some("T1059"));
    assert_eq!(c.tactic("impact").unwrap().id, "TA0040");
    assert_eq!(c.mitigation("m1053").unwrap().name, "Data Backup");
}

#[test]
fn ics_18_1() {
    let c = attack("ics-attack-18.1.json", AttackDomain::Ics);
    assert_eq!(c.version, "18.1", "from the x-mitre-collection");
    assert_eq!(c.tactics.len(), 12);
    assert_eq!(c.tactics[0].id, "TA0108");
    let t = c.technique("T0816").expect("T0816");
    assert_eq!(t.name, "Device Restart/Shutdown");
    assert_eq!(t.tactics, ["inhibit-response-function"]);
    // 83 active techniques, plus 12 deprecated ones that only carry a
    // `mitre-ics-attack` reference (e.g. T0850 Role Identification).
    assert_eq!(c.techniques.iter().filter(|t| !t.deprecated).count(), 83);
    assert!(c.technique("T0850").unwrap().deprecated);
    assert_eq!(c.mitigations.len(), 52);
}

#[test]
fn mobile_18_1() {
    let c = attack("mobile-attack-18.1-trimmed.json", AttackDomain::Mobile);
    // Two matrices; the first (Network-Based Effects) is deprecated, so the
    // Mobile ATT&CK matrix's 12 tactics come first and its 2 tactics last.
    assert_eq!(c.tactics.len(), 14);
    assert_eq!(c.tactics[0].shortname, "initial-access");
    assert_eq!(c.tactics[11].shortname, "impact");
    assert!(c.tactics[12..].iter().all(|t| t.deprecated));
    assert!(c.tactics[..12].iter().all(|t| !t.deprecated));
    // SOURCES.md: 190 attack-pattern (124 active).
    assert_eq!(c.techniques.len(), 190);
    let active = c
        .techniques
        .iter()
        .filter(|t| t.revoked.is_none() && !t.deprecated)
        .count();
    assert_eq!(active, 124);
}

// ---------------------------------------------------------------- OSCAL

#[test]
fn sp800_53_rev5_catalog() {
    let json = read("oscal/NIST_SP-800-53_rev5_catalog.json");
    let c = timed("NIST_SP-800-53_rev5_catalog.json", || {
        oscal::import(&json, "nist-sp-800-53-rev5")
    })
    .unwrap();
    assert_eq!(c.version, "5.0.1");
    assert_eq!(c.urn, "urn:intuitem:risk:framework:nist-sp-800-53-rev5");
    assert_eq!(c.copyright, oscal::NIST_COPYRIGHT);
    assert!(c.has_text);

    let groups: Vec<_> = c.nodes.iter().filter(|n| n.depth == 1).collect();
    assert_eq!(groups.len(), 20);
    assert_eq!(groups[0].label, "AC");
    assert_eq!(groups[0].name.as_deref(), Some("Access Control"));
    assert_eq!(c.nodes.iter().filter(|n| n.depth == 2).count(), 322);
    assert_eq!(c.nodes.iter().filter(|n| n.depth == 3).count(), 867);
    let withdrawn = c.nodes.iter().filter(|n| n.withdrawn.is_some()).count();
    assert_eq!(withdrawn, 182);
    assert_eq!(c.assessable_count(), 322 + 867 - 182);

    let ac2_1 = node(&c, "ac-2.1");
    assert_eq!(ac2_1.label, "AC-2(1)");
    assert_eq!(ac2_1.source_id.as_deref(), Some("ac-2.1"));
    assert_eq!(
        ac2_1.urn,
        "urn:intuitem:risk:req_node:nist-sp-800-53-rev5:ac-2.1"
    );
    assert_eq!(
        ac2_1.name.as_deref(),
        Some("Automated System Account Management")
    );
    assert_eq!(
        ac2_1.description.as_deref(),
        Some(
            "Support the management of system accounts using \
             [Assignment: organization-defined automated mechanisms]."
        )
    );
    assert!(ac2_1
        .guidance
        .as_deref()
        .unwrap()
        .starts_with("Automated system account management includes"));
    assert_eq!(c.find("AC-02(01)"), c.find("AC-2 (1)"));

    let ac2 = node(&c, "AC-2");
    let text = ac2.description.as_deref().unwrap();
    assert!(
        text.starts_with("a. Define and document the types of accounts"),
        "{text}"
    );
    assert!(text.contains(
        "\nc. Require [Assignment: organization-defined prerequisites and criteria] for group"
    ));
    assert!(text.contains("\n  1. Authorized users of the system;"));
    let ac2_2 = node(&c, "AC-2(2)");
    assert_eq!(
        ac2_2.description.as_deref(),
        Some(
            "Automatically [Selection: remove; disable] temporary and emergency accounts after \
             [Assignment: organization-defined time period for each type of account]."
        )
    );

    // The file says AC-2(10) is incorporated into `#ac-2_smt.k` (item k of
    // AC-2, "AC-2k" in NIST's text): the label is the control's.
    let ac2_10 = node(&c, "AC-2(10)");
    assert!(!ac2_10.assessable);
    let w = ac2_10.withdrawn.as_ref().unwrap();
    assert_eq!(w.incorporated_into, ["AC-2"]);
    assert!(w.moved_to.is_empty());
    assert_eq!(c.find_reference("AC-2k"), c.find("AC-2"));
    // AC-13 is incorporated into AC-2 and AU-6.
    let ac13 = node(&c, "AC-13").withdrawn.as_ref().unwrap();
    assert_eq!(ac13.incorporated_into, ["AC-2", "AU-6"]);
    // Every withdrawal target resolves to a control of the catalog.
    for n in c.nodes.iter().filter(|n| n.withdrawn.is_some()) {
        let w = n.withdrawn.as_ref().unwrap();
        for target in w.moved_to.iter().chain(&w.incorporated_into) {
            assert!(c.find(target).is_some(), "{} -> {target}", n.label);
        }
    }
    let moved: usize = c
        .nodes
        .iter()
        .filter_map(|n| n.withdrawn.as_ref())
        .filter(|w| !w.moved_to.is_empty())
        .count();
    assert_eq!(moved, 34);
    // SA-12(1) moved to SR-5 (supply chain controls got their own family).
    let sa12_1 = node(&c, "SA-12(1)").withdrawn.as_ref().unwrap();
    assert_eq!(sa12_1.moved_to, ["SR-5"]);
    assert!(sa12_1.incorporated_into.is_empty());

    // Tree helpers.
    let ac = c.find("AC").unwrap();
    let first = labels_of(&c, c.children(ac).take(3));
    assert_eq!(first, ["AC-1", "AC-2", "AC-3"]);
    let texts = || {
        c.nodes
            .iter()
            .flat_map(|n| [n.description.as_deref(), n.guidance.as_deref()])
            .flatten()
    };
    assert!(texts().all(|t| !t.contains("{{") && !t.contains("](#")));
    // Links to back-matter resources now point at the cited document.
    let pm = node(&c, "PM").description.as_deref().unwrap();
    assert!(pm.starts_with("[FISMA](https://"), "{pm}");
}

#[test]
fn sp800_53_high_baseline_oscal_1_1_2() {
    let json = read("oscal/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json");
    let c = timed("HIGH-baseline-resolved-profile", || {
        oscal::import(&json, "nist-sp-800-53-rev5-high")
    })
    .unwrap();
    // Its metadata states no rights; its creator is NIST's Joint Task Force.
    assert_eq!(c.copyright, oscal::NIST_COPYRIGHT);
    assert_eq!(c.version, "5.1.1+u4");
    // SOURCES.md: 188 controls and 182 enhancements, in 18 families.
    assert_eq!(c.nodes.iter().filter(|n| n.depth == 1).count(), 18);
    assert_eq!(c.nodes.iter().filter(|n| n.depth == 2).count(), 188);
    assert_eq!(c.nodes.iter().filter(|n| n.depth == 3).count(), 182);
    assert_eq!(c.assessable_count(), 370);
    // 1.1 catalogs carry several labels; the unclassed one wins.
    let ac2_1 = node(&c, "AC-2(1)");
    assert_eq!(ac2_1.label, "AC-2(1)");
    assert_eq!(
        ac2_1.description.as_deref(),
        Some("Support the management of system accounts using [Assignment: automated mechanisms].")
    );
}

// ---------------------------------------------------------------- CISO Assistant frameworks

#[test]
fn cyfun_2023() {
    let f = framework("ccb-cff-2023-03-01.yaml");
    assert_eq!(f.urn_namespace, "ccb-cff-2023-03-01");
    assert_eq!(f.version, "6");
    assert_eq!(f.provider.as_deref(), Some("CCB"));
    assert_eq!(f.nodes.len(), 350);
    assert_eq!(f.assessable_count(), 221);
    let levels: Vec<_> = f.levels.iter().map(|l| l.ref_id.as_str()).collect();
    assert_eq!(levels, ["B", "I", "E", "BK", "IK", "EK"]);
    assert_eq!(f.levels[0].name, "basic");

    let parent = f.find("PR.AC-1").unwrap();
    assert!(!f.nodes[parent].assessable);
    assert_eq!(
        labels_of(&f, f.children(parent)),
        [
            "PR.AC-1.1",
            "PR.AC-1.2",
            "PR.AC-1.3",
            "PR.AC-1.4",
            "PR.AC-1.5"
        ]
    );
    let m1 = node(&f, "PR.AC-1.1");
    assert_eq!(m1.source_id.as_deref(), Some("BASIC_PR.AC-1.1"));
    assert_eq!(m1.levels, ["B", "I", "E", "BK", "IK", "EK"]);
    assert_eq!(m1.parent, Some(parent as u32));
    assert!(m1.assessable);
    assert_eq!(node(&f, "IMPORTANT_PR.AC-1.2").levels, ["I", "E"]);
    assert_eq!(node(&f, "pr.ac-1.3").levels, ["E"]);
    assert_eq!(m1.depth, 4);
}

#[test]
fn cyfun_2025() {
    let f = framework("cyfun2025.yaml");
    assert_eq!(f.urn_namespace, "ccb-cyfun2025");
    assert_eq!(f.nodes.len(), 336);
    assert_eq!(f.assessable_count(), 218);
    let levels: Vec<_> = f.levels.iter().map(|l| l.ref_id.as_str()).collect();
    assert_eq!(levels, ["B", "I", "E", "BK", "IK", "EK", "BG", "IG", "EG"]);
    assert_eq!(node(&f, "gv.oc-01.1").label, "GV.OC-01.1");
    let pr_aa_01 = f.find("PR.AA-01").unwrap();
    assert_eq!(f.children(pr_aa_01).count(), 5);
}

#[test]
fn nis2_directive() {
    let f = framework("nis2-directive.yaml");
    assert_eq!(f.nodes.len(), 17);
    assert_eq!(f.assessable_count(), 13);
    let d = node(&f, "21.2.d");
    assert!(d.assessable);
    assert!(d
        .description
        .as_deref()
        .unwrap()
        .starts_with("supply chain security"));
    // The article node has no ref_id: its label is its URN's local id.
    assert_eq!(f.nodes[0].label, "NODE2");
    assert_eq!(f.nodes[0].name.as_deref(), Some("Article 21"));
    assert_eq!(f.find("21.2.D"), f.find("21.2.d"));
    assert!(f
        .nodes
        .iter()
        .all(|n| n.source_id.as_deref().is_none_or(|s| s == n.label)));
}

#[test]
fn nis2_implementing_regulation_annex() {
    let f = framework(
        "annex-nis2-regulation--2024-2690-with-technical-implementation-guidance-by-enisa.yaml",
    );
    assert_eq!(
        f.urn_namespace,
        "annex-technical-and-methodological-requirements-nis2"
    );
    assert_eq!(f.nodes.len(), 439);
    assert_eq!(f.assessable_count(), 351);
    assert!(node(&f, "1.1.1.a").assessable);
    // Two paragraphs have no ref_id and a URN whose local id holds a colon.
    assert!(f.find("4.3.2:1").is_some());
    assert!(f.find("5.2:1").is_some());
}

#[test]
fn nist_csf_2_0() {
    let f = framework("nist-csf-2.0.yaml");
    assert_eq!(f.urn_namespace, "nist-csf-2.0");
    assert_eq!(f.nodes.len(), 134);
    assert_eq!(f.assessable_count(), 106);
    let gv = node(&f, "gv.oc-01");
    assert_eq!(gv.label, "GV.OC-01");
    assert!(gv
        .description
        .as_deref()
        .unwrap()
        .starts_with("The organizational mission"));
    assert!(f.levels.is_empty());
}

#[test]
fn sp800_53_rev5_ciso_library() {
    let f = framework("nist-sp-800-53-rev5.yaml");
    assert_eq!(f.nodes.len(), 1209);
    assert_eq!(f.assessable_count(), 1189);
    assert_eq!(
        node(&f, "ac-2.1").urn,
        "urn:intuitem:risk:req_node:nist-sp-800-53-rev5:ac-2(1)"
    );
}

// ---------------------------------------------------------------- CISO Assistant mapping sets

/// (file, source namespace, target namespace, mappings after de-duplication,
/// relationship counts)
type MappingFile = (
    &'static str,
    &'static str,
    &'static str,
    usize,
    &'static [(Relationship, usize)],
);

const MAPPING_FILES: &[MappingFile] = &[
    (
        "mapping-annex-technical-and-methodological-requirements-nis2-and-ccb-cff-2023-03-01.yaml",
        "annex-technical-and-methodological-requirements-nis2",
        "ccb-cff-2023-03-01",
        3321,
        &[(Relationship::Intersect, 3321)],
    ),
    (
        "mapping-annex-technical-and-methodological-requirements-nis2-and-iso27001-2022.yaml",
        "annex-technical-and-methodological-requirements-nis2",
        "iso27001-2022",
        926, // 954 in the file: 28 exact duplicates
        &[(Relationship::Intersect, 926)],
    ),
    (
        "mapping-annex-technical-and-methodological-requirements-nis2-and-nist-csf-2.0.yaml",
        "annex-technical-and-methodological-requirements-nis2",
        "nist-csf-2.0",
        2243,
        &[(Relationship::Intersect, 2243)],
    ),
    (
        "mapping-ccb-cff-2023-03-01-and-ccb-cyfun2025.yaml",
        "ccb-cff-2023-03-01",
        "ccb-cyfun2025",
        354,
        &[(Relationship::Intersect, 282), (Relationship::Equal, 72)],
    ),
    (
        "mapping-ccb-cff-2023-03-01-to-iso27001-2022.yaml",
        "ccb-cff-2023-03-01",
        "iso27001-2022",
        1854,
        &[(Relationship::Intersect, 1854)],
    ),
    (
        "mapping-cis-controls-v8-and-iso27001-2022.yaml",
        "cis-controls-v8",
        "iso27001-2022",
        199, // 200 in the file: CIS 15.2 -> A.5.10 twice
        &[
            (Relationship::Subset, 190),
            (Relationship::Superset, 5),
            (Relationship::Equal, 4),
        ],
    ),
    (
        "mapping-nist-csf-2.0-to-iso27001-2022.yaml",
        "nist-csf-2.0",
        "iso27001-2022",
        341, // 343 in the file: GV.OC-03 and GV.OC-04 -> 4.2 twice
        &[(Relationship::Intersect, 341)],
    ),
    (
        "mapping-nist-sp-800-53-rev5-to-iso27001-2022.yaml",
        "nist-sp-800-53-rev5",
        "iso27001-2022",
        642,
        &[(Relationship::Intersect, 642)],
    ),
];

#[test]
fn every_mapping_set_loads() {
    for &(file, source_ns, target_ns, count, relationships) in MAPPING_FILES {
        let set = mapping_set(file);
        assert_eq!(
            set.source_framework_urn,
            format!("urn:intuitem:risk:framework:{source_ns}"),
            "{file}"
        );
        assert_eq!(
            set.target_framework_urn,
            format!("urn:intuitem:risk:framework:{target_ns}"),
            "{file}"
        );
        assert_eq!(set.mappings.len(), count, "{file}");
        let mut seen: BTreeMap<Relationship, usize> = BTreeMap::new();
        for m in &set.mappings {
            *seen.entry(m.relationship).or_default() += 1;
            assert_eq!(
                ciso::urn_namespace(&m.source_urn),
                Some(source_ns),
                "{file}"
            );
            assert_eq!(
                ciso::urn_namespace(&m.target_urn),
                Some(target_ns),
                "{file}"
            );
        }
        assert_eq!(seen, relationships.iter().copied().collect(), "{file}");
        assert!(!set.copyright.is_empty(), "{file}");
        // Each library also holds the reverse set.
        let yaml = read(&format!("ciso-assistant/{file}"));
        let all = ciso::import_mapping_sets(&yaml).unwrap();
        assert_eq!(all.len(), 2, "{file}");
        assert!(all[1].urn.ends_with("-revert"), "{file}");
        assert_eq!(
            all[1].source_framework_urn, set.target_framework_urn,
            "{file}"
        );
    }
}

#[test]
fn mapping_urns_resolve_in_their_frameworks() {
    let frameworks = [
        framework("ccb-cff-2023-03-01.yaml"),
        framework("cyfun2025.yaml"),
        framework(
            "annex-nis2-regulation--2024-2690-with-technical-implementation-guidance-by-enisa.yaml",
        ),
        framework("nist-csf-2.0.yaml"),
        framework("nist-sp-800-53-rev5.yaml"),
    ];
    for &(file, ..) in MAPPING_FILES {
        let set = mapping_set(file);
        for (fw_urn, side) in [
            (&set.source_framework_urn, 0),
            (&set.target_framework_urn, 1),
        ] {
            let Some(f) = frameworks.iter().find(|f| &f.urn == fw_urn) else {
                continue; // ISO and CIS: no framework file
            };
            let urns: HashSet<&str> = f.nodes.iter().map(|n| n.urn.as_str()).collect();
            for m in &set.mappings {
                let urn = if side == 0 {
                    &m.source_urn
                } else {
                    &m.target_urn
                };
                assert!(urns.contains(urn.as_str()), "{file}: {urn} not in {fw_urn}");
            }
        }
    }
}

#[test]
fn iso27001_identifiers_only() {
    let sets: Vec<MappingSet> = MAPPING_FILES
        .iter()
        .filter(|(_, _, target, ..)| *target == "iso27001-2022")
        .map(|(file, ..)| mapping_set(file))
        .collect();
    assert_eq!(sets.len(), 5);
    let labels = ciso::labels_in_namespace(&sets, "iso27001-2022");
    let iso = ciso::identifiers_only(
        "ISO/IEC 27001:2022",
        "urn:intuitem:risk:framework:iso27001-2022",
        "iso27001-2022",
        "2022",
        "Identifiers only: ISO/IEC 27001 text is © ISO",
        labels,
    );
    assert!(!iso.has_text);
    // 31 clauses (4.1 .. 10.2) and all 93 Annex A controls.
    assert_eq!(iso.nodes.len(), 124);
    assert_eq!(
        iso.nodes
            .iter()
            .filter(|n| n.label.starts_with("A."))
            .count(),
        93
    );
    assert_eq!(iso.nodes[0].label, "4.1");
    let a51 = iso.find("a.5.1").unwrap();
    assert_eq!(iso.nodes[a51 + 1].label, "A.5.2", "natural order");
    assert!(iso.find("A.8.13").is_some());
    assert_eq!(
        iso.nodes[a51].urn,
        "urn:intuitem:risk:req_node:iso27001-2022:a.5.1"
    );
    assert!(iso
        .nodes
        .iter()
        .all(|n| n.assessable && n.description.is_none()));

    // The three mapping files of frameworks crosswalk ships already cover A.5.1 and A.8.13.
    let three: Vec<MappingSet> = sets
        .into_iter()
        .filter(|s| !s.source_framework_urn.ends_with("cis-controls-v8"))
        .filter(|s| !s.source_framework_urn.ends_with("requirements-nis2"))
        .collect();
    let labels = ciso::labels_in_namespace(&three, "iso27001-2022");
    assert!(labels.contains("A.5.1") && labels.contains("A.8.13"));
}

// ---------------------------------------------------------------- Mappings Explorer

#[test]
fn mapex_sp800_53() {
    let json = read("mappings-explorer/nist_800_53-rev5_attack-16.1-enterprise.json");
    let set = timed("nist_800_53-rev5_attack-16.1-enterprise.json", || {
        mapex::import(&json)
    })
    .unwrap();
    assert_eq!(set.framework, "nist_800_53");
    assert_eq!(set.framework_version, "rev5");
    assert_eq!(set.attack_version, "16.1");
    assert_eq!(set.domain, AttackDomain::Enterprise);
    // 5,410 objects, 96 of them non_mappable.
    assert_eq!(set.mappings.len(), 5314);
    assert!(set.mappings.iter().all(|m| m.mapping_type == "mitigates"));
    let first_ac02 = set.mappings.iter().find(|m| m.control == "AC-02").unwrap();
    assert_eq!(ids::canonical(&first_ac02.control), "AC-2");

    // Every control resolves in the 5.0.1 catalog except IA-13 (added in 5.1).
    let catalog = oscal::import(&read("oscal/NIST_SP-800-53_rev5_catalog.json"), "sp").unwrap();
    let mut missing: Vec<String> = set
        .mappings
        .iter()
        .map(|m| ids::canonical(&m.control))
        .filter(|c| catalog.find(c).is_none())
        .collect();
    missing.sort();
    missing.dedup();
    assert_eq!(missing, ["IA-13"]);

    // Some techniques are revoked in ATT&CK 18.1 (the mapping targets 16.1).
    let enterprise = attack(
        "enterprise-attack-18.1-trimmed.json",
        AttackDomain::Enterprise,
    );
    let revoked: HashSet<&str> = set
        .mappings
        .iter()
        .filter(|m| {
            enterprise
                .technique(&m.technique)
                .is_some_and(|t| t.revoked.is_some())
        })
        .map(|m| m.technique.as_str())
        .collect();
    eprintln!("800-53 mapping: techniques revoked in 18.1: {revoked:?}");
    assert!(revoked.contains("T1574.002"));
    // One id is not an Enterprise technique at all: T1521.003 is Mobile's
    // "SSL Pinning".
    let mut unknown: Vec<&str> = set
        .mappings
        .iter()
        .filter(|m| enterprise.technique(&m.technique).is_none())
        .map(|m| m.technique.as_str())
        .collect();
    unknown.dedup();
    assert_eq!(unknown, ["T1521.003"]);
    let mobile = attack("mobile-attack-18.1-trimmed.json", AttackDomain::Mobile);
    assert!(mobile.technique("T1521.003").is_some());
}

#[test]
fn mapex_cri_profile() {
    let json = read("mappings-explorer/cri_profile-v2.1_attack-16.1-enterprise.json");
    let set = timed("cri_profile-v2.1_attack-16.1-enterprise.json", || {
        mapex::import(&json)
    })
    .unwrap();
    assert_eq!(set.framework, "cri_profile");
    assert_eq!(set.framework_version, "v2.1");
    assert_eq!(set.mappings.len(), 2152);
    let first = &set.mappings[0];
    assert_eq!(first.control, "DE.AE-02.01");
    assert_eq!(
        ids::canonical(&first.control),
        "DE.AE-02.01",
        "CRI keeps its padding"
    );
    assert_eq!(first.technique, "T1102.001");
    assert!(first.comments.is_some());
}
