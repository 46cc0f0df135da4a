//! Frameworks, the crosswalk and coverage, over the fixture books under
//! `tests/fixtures/frameworks/`:
//!
//! * `embedded`: no configuration at all, documents citing CyFun 2023 and
//!   SP 800-53 against the embedded catalogs and mapping sets;
//! * `handmade`: two tiny frameworks of the book's own and one mapping file,
//!   embedded mappings off, so every coverage number can be worked out by hand;
//! * `bad-mapping`: a mapping file of the book's own with unknown requirements.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crosswalk::document::Coverage;
use crosswalk::graph::coverage::{self, Status, Tally};
use crosswalk::graph::explain::{chain_text, inferred_controls_of};
use crosswalk::graph::infer::{infer_controls, Seed};
use crosswalk::graph::{Edge, Node};
use crosswalk::pipeline::{CheckOptions, Project};

mod common;
use common::copy_tree;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/frameworks")
        .join(name)
}

fn load(name: &str) -> Project {
    Project::load(&fixture(name), &CheckOptions::default()).expect("fixture loads")
}

fn crosswalk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crosswalk"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run crosswalk")
}

/// `crosswalk` with `args`, which must exit 0.
fn crosswalk_ok(args: &[&str]) -> Output {
    let out = crosswalk(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "crosswalk {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `crosswalk build --no-search` of a book into a temporary directory,
/// which must succeed.
fn build_without_search(book: &Path) -> tempfile::TempDir {
    let dest = tempfile::tempdir().unwrap();
    crosswalk_ok(&[
        "build",
        book.to_str().unwrap(),
        "--dest",
        dest.path().to_str().unwrap(),
        "--no-search",
    ]);
    dest
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn doc_index(project: &Project, id: &str) -> usize {
    project.document_by_id(id).expect("document exists")
}

/// (alias, label) of every requirement a document declares.
fn declared(project: &Project, doc: usize) -> Vec<(String, String)> {
    let node = project.index.document_node(doc).unwrap();
    project
        .index
        .outgoing(node)
        .into_iter()
        .filter_map(|(t, e)| match (e, &project.index.graph[t]) {
            (Edge::CitesControl { .. }, Node::Control(a, i)) => Some((
                a.clone(),
                project.registry.frameworks[a].catalog.nodes[*i]
                    .label
                    .clone(),
            )),
            _ => None,
        })
        .collect()
}

fn tally(total: usize, declared: usize, full: usize, partial: usize, none: usize) -> Tally {
    Tally {
        total,
        declared,
        inferred_full: full,
        inferred_partial: partial,
        none,
    }
}

#[test]
fn cyfun_citation_checks_and_infers_nis2ir_and_csf2_with_chains() {
    let project = load("embedded");
    assert_eq!(project.error_count(), 0, "{:?}", project.diagnostics);
    let doc = doc_index(&project, "HCB-0001");
    let inferred = inferred_controls_of(&project.index, &project.registry, doc);
    for alias in ["NIS2IR", "CSF2", "ISO27001"] {
        assert!(
            inferred.iter().any(|(a, ..)| a == alias),
            "no inferred {alias} requirement"
        );
    }
    for (alias, _, coverage, chain) in &inferred {
        let first = &chain[0];
        assert_eq!(
            (first.alias.as_str(), first.label.as_str()),
            ("CYFUN2023", "PR.AC-1"),
            "chains start at the declared citation"
        );
        assert_eq!(
            &chain.last().unwrap().alias,
            alias,
            "chains end at the target"
        );
        assert_ne!(
            alias, "CYFUN2023",
            "no inference back into the cited framework"
        );
        // PR.AC-1 is cited without coverage: partial, and so is everything inferred.
        assert_eq!(*coverage, Coverage::Partial);
        let hops = chain.iter().filter(|s| s.set.is_some()).count();
        assert!((1..=2).contains(&hops), "{}", chain_text(chain));
    }
    let nis2ir: Vec<_> = inferred
        .iter()
        .filter(|(a, ..)| a == "NIS2IR")
        .map(|(_, _, _, chain)| chain_text(chain))
        .collect();
    assert!(
        nis2ir.iter().any(|c| c.starts_with(
            "CYFUN2023:PR.AC-1 -(measure)-> CYFUN2023:PR.AC-1.1 -(intersects)-> NIS2IR:"
        )),
        "{nis2ir:?}"
    );
}

#[test]
fn inferred_is_never_declared() {
    let project = load("embedded");
    for doc in 0..project.documents.len() {
        let declared = declared(&project, doc);
        for (alias, idx, ..) in inferred_controls_of(&project.index, &project.registry, doc) {
            let label = &project.registry.frameworks[&alias].catalog.nodes[idx].label;
            assert!(
                !declared.contains(&(alias.clone(), label.clone())),
                "{alias}:{label} is both declared and inferred"
            );
        }
    }
}

/// The place of an Enterprise ATT&CK technique in its catalog.
fn enterprise_technique(project: &Project, id: &str) -> usize {
    project
        .registry
        .attack_domain(crosswalk_catalog::AttackDomain::Enterprise)
        .unwrap()
        .techniques
        .iter()
        .position(|t| t.id == id)
        .unwrap()
}

#[test]
fn sp800_53_citation_infers_attack_techniques() {
    let project = load("embedded");
    let doc = project
        .index
        .document_node(doc_index(&project, "HCB-0002"))
        .unwrap();
    let valid_accounts = enterprise_technique(&project, "T1078");
    let edges = project.index.outgoing(doc);
    let via = edges
        .iter()
        .find_map(|(t, e)| match (e, &project.index.graph[*t]) {
            (Edge::InferredTechnique { via, .. }, Node::Technique(_, i))
                if *i == valid_accounts =>
            {
                Some(*via)
            }
            _ => None,
        });
    let via = via.expect("T1078 inferred through Mappings Explorer");
    assert_eq!(
        project.index.graph[via],
        Node::Control(
            "800-53".into(),
            project.registry.frameworks["800-53"].find("AC-2").unwrap()
        )
    );
    // T1486 is declared and stays declared only.
    assert!(edges
        .iter()
        .any(|(_, e)| matches!(e, Edge::AddressesTechnique { .. })));
}

#[test]
fn max_hops_bounds_every_chain() {
    let project = load("embedded");
    let fw = &project.registry.frameworks["CYFUN2023"];
    let cited = fw.find("PR.AC-1").unwrap();
    let seeds: Vec<Seed> = std::iter::once(cited)
        .chain(fw.assessable_under(cited))
        .map(|start| Seed {
            declared: ("CYFUN2023".into(), cited),
            start: ("CYFUN2023".into(), start),
            coverage: Coverage::Full,
        })
        .collect();
    let one = infer_controls(&seeds, &project.index.crosswalk, 1);
    let two = infer_controls(&seeds, &project.index.crosswalk, 2);
    assert!(!one.is_empty() && one.len() < two.len());
    assert!(one.iter().all(|i| i.hops == 1));
    assert!(infer_controls(&seeds, &project.index.crosswalk, 0).is_empty());
    // Two hops or more are at most partial, whatever the relationships.
    assert!(two
        .iter()
        .filter(|i| i.hops >= 2)
        .all(|i| i.coverage == Coverage::Partial));
}

#[test]
fn handmade_coverage_counts_per_level() {
    // MINI: A-1.1 [B I] and A-1.2 [I] are declared through HCB-0001 citing
    // the requirement A-1; B-1 [B I] is equal to OTHER:X-1, which HCB-0002
    // covers fully: inferred full; B-2 [I] intersects X-1: inferred partial;
    // A-2.1 [B I] is a superset of X-2 (HCB-0003), so X-2 is a subset of it:
    // inferred partial; A-2.2 [I] and C-1 [B I] (not_related to X-3) are gaps.
    let project = load("handmade");
    assert_eq!(project.error_count(), 0, "{:?}", project.diagnostics);
    let cov = coverage::framework(&project.index, &project.registry, "MINI").unwrap();
    assert_eq!(cov.overall, tally(7, 2, 1, 2, 2));
    assert_eq!(cov.level("B").unwrap().tally, tally(4, 1, 1, 1, 1));
    assert_eq!(cov.level("I").unwrap().tally, tally(7, 2, 1, 2, 2));
    let fw = &project.registry.frameworks["MINI"];
    let labels = |v: Vec<usize>| -> Vec<String> {
        v.into_iter()
            .map(|i| fw.catalog.nodes[i].label.clone())
            .collect()
    };
    assert_eq!(labels(cov.gaps(fw, None)), ["A-2.2", "C-1"]);
    assert_eq!(labels(cov.gaps(fw, Some("B"))), ["C-1"]);
    let status = |label: &str| cov.status[fw.find(label).unwrap()];
    assert_eq!(status("B-1"), Some(Status::InferredFull));
    assert_eq!(status("A"), None, "grouping nodes do not count");
    // Per-node bars of the tree: A holds.
    assert_eq!(
        cov.tally_under(fw, fw.find("A").unwrap(), None),
        tally(4, 2, 0, 1, 1)
    );
    let other = coverage::framework(&project.index, &project.registry, "OTHER").unwrap();
    assert_eq!(other.overall, tally(3, 2, 0, 0, 1));
}

#[test]
fn reverse_mapping_walk_and_equal_is_full() {
    let project = load("handmade");
    let doc = doc_index(&project, "HCB-0002");
    let inferred = inferred_controls_of(&project.index, &project.registry, doc);
    let found: Vec<_> = inferred
        .iter()
        .map(|(a, i, c, chain)| {
            let label = &project.registry.frameworks[a].catalog.nodes[*i].label;
            (format!("{a}:{label}"), *c, chain_text(chain))
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "MINI:B-1".to_string(),
                Coverage::Full,
                "OTHER:X-1 -(equal)-> MINI:B-1".to_string()
            ),
            (
                "MINI:B-2".to_string(),
                Coverage::Partial,
                "OTHER:X-1 -(intersects)-> MINI:B-2".to_string()
            ),
        ]
    );
}

#[test]
fn book_mapping_file_with_unknown_requirements_is_cw043() {
    let project = load("bad-mapping");
    let cw043: Vec<_> = project
        .diagnostics
        .iter()
        .filter(|d| d.code == "CW043")
        .collect();
    assert_eq!(cw043.len(), 2, "{cw043:?}");
    assert!(cw043[0].message.contains("GV.ZZ-99"));
    assert!(cw043[1].message.contains("no-such-framework"));
    let location = cw043[0].location.as_ref().expect("located");
    assert_eq!(location.file.name, "catalogs/mapping-csf-typos.yaml");
    assert_eq!(location.line_col(), (13, 31));
    // The mappings that do resolve still work: GV.OC-01 equal ID.GV-1.1, cited fully.
    let inferred = inferred_controls_of(&project.index, &project.registry, 0);
    assert!(inferred.iter().any(|(a, i, c, _)| a == "CYFUN2023"
        && project.registry.frameworks[a].catalog.nodes[*i].label == "ID.GV-1.1"
        && *c == Coverage::Full));
}

#[test]
fn cli_coverage_basic_lists_uncovered_basic_requirements() {
    let book = fixture("embedded");
    let out = crosswalk(&[
        "coverage",
        "--framework",
        "CYFUN2023",
        "--level",
        "basic",
        book.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let project = load("embedded");
    let fw = &project.registry.frameworks["CYFUN2023"];
    let cov = coverage::framework(&project.index, &project.registry, "CYFUN2023").unwrap();
    let gaps = cov.gaps(fw, Some("B"));
    assert!(!gaps.is_empty());
    assert!(
        text.contains(&format!("Gaps: {} requirements at level basic", gaps.len())),
        "{text}"
    );
    for i in &gaps {
        let node = &fw.catalog.nodes[*i];
        assert!(node.levels.iter().any(|l| l == "B"));
        assert!(
            text.contains(&format!("  {:<16} ", node.label)),
            "{} missing",
            node.label
        );
    }
    // PR.AC-1.1 (basic) is declared through PR.AC-1; PR.AC-1.2 is not basic.
    assert!(!text.contains("  PR.AC-1.1 "));
    assert!(!text.contains("  PR.AC-1.2 "));
    assert!(text.contains(&fw.catalog.copyright), "CCB copyright line");
    // The same level by ref id, any case; JSON agrees.
    let json = crosswalk(&[
        "coverage",
        "--framework",
        "cyfun2023",
        "--level",
        "b",
        "--format",
        "json",
        book.to_str().unwrap(),
    ]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["gaps"].as_array().unwrap().len(), gaps.len());
    assert_eq!(value["level"]["name"], "basic");
}

#[test]
fn cli_coverage_unknown_input_exits_2_with_the_choices() {
    let book = fixture("embedded");
    let book = book.to_str().unwrap();
    let out = crosswalk(&["coverage", "--framework", "CYFUN", book]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("CYFUN2023") && err.contains("NIS2IR") && err.contains("attack-enterprise"),
        "{err}"
    );
    let out = crosswalk(&[
        "coverage",
        "--framework",
        "CYFUN2023",
        "--level",
        "expert",
        book,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("basic (B)") && err.contains("essential (E)"),
        "{err}"
    );
    // ATT&CK has no levels: `--level` is refused, not ignored.
    let out = crosswalk(&[
        "coverage",
        "--framework",
        "attack",
        "--level",
        "basic",
        book,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ATT&CK has no levels"), "{err}");
}

#[test]
fn cli_coverage_of_attack_per_tactic() {
    let out = crosswalk(&[
        "coverage",
        "--framework",
        "attack",
        "--format",
        "json",
        fixture("embedded").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tactics = value["tactics"].as_array().unwrap();
    let impact = tactics.iter().find(|t| t["id"] == "TA0040").unwrap();
    // T1486 Data Encrypted for Impact is declared by HCB-0002.
    assert!(impact["declared"].as_u64().unwrap() >= 1);
    let inferred: u64 = tactics
        .iter()
        .map(|t| t["inferred"].as_u64().unwrap())
        .sum();
    assert!(inferred > 0, "SP 800-53 AC-2 infers techniques");
    for t in tactics {
        let sum = ["declared", "inferred", "none"].map(|k| t[k].as_u64().unwrap());
        assert_eq!(sum.iter().sum::<u64>(), t["total"].as_u64().unwrap());
    }
}

fn refs_json(id: &str) -> serde_json::Value {
    let out = crosswalk_ok(&[
        "refs",
        id,
        fixture("embedded").to_str().unwrap(),
        "--format",
        "json",
    ]);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn relations(refs: &serde_json::Value) -> Vec<String> {
    refs["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["relation"].as_str().unwrap_or("").to_string())
        .collect()
}

fn group<'a>(refs: &'a serde_json::Value, relation: &str) -> &'a Vec<serde_json::Value> {
    refs["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["relation"] == relation)
        .unwrap_or_else(|| panic!("no group {relation} among {:?}", relations(refs)))["items"]
        .as_array()
        .unwrap()
}

#[test]
fn cli_refs_for_a_document_a_control_and_a_technique() {
    let doc = refs_json("HCB-0002");
    assert_eq!(doc["kind"], "document");
    assert_eq!(group(&doc, "cites")[0]["id"], "800-53:AC-2");
    assert_eq!(group(&doc, "Related")[0]["id"], "HCB-0001");
    let also = group(&doc, "also satisfies (inferred)");
    assert!(also
        .iter()
        .all(|i| i["chain"].as_str().unwrap().starts_with("800-53:AC-2 -(")));
    assert!(!group(&doc, "mitigates (inferred)").is_empty());
    assert_eq!(group(&doc, "mitigates")[0]["id"], "T1486");

    let control = refs_json("cyfun2023:pr.ac-1");
    assert_eq!(control["id"], "CYFUN2023:PR.AC-1");
    assert_eq!(group(&control, "cited by")[0]["id"], "HCB-0001");

    let measure = refs_json("CYFUN2023:PR.AC-1.1");
    assert!(!group(&measure, "maps to (mapping sets)").is_empty());

    let technique = refs_json("T1078");
    assert_eq!(technique["kind"], "technique");
    let inferred = group(&technique, "mitigates by (inferred)");
    assert_eq!(inferred[0]["id"], "HCB-0002");
    assert!(
        group(&technique, "mitigates by controls (Mappings Explorer)")
            .iter()
            .any(|c| c["id"] == "800-53:AC-2")
    );

    let out = crosswalk(&["refs", "HCB-9999", fixture("embedded").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_catalogs_lists_every_embedded_alias_with_counts() {
    let out = crosswalk(&["catalogs", fixture("embedded").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let project = load("embedded");
    for (alias, fw) in &project.registry.frameworks {
        let assessable = (0..fw.catalog.nodes.len())
            .filter(|&i| fw.counts(i))
            .count();
        let line = format!(
            "  {alias:<10} {} (version {}), {} controls ({assessable} assessable)",
            fw.catalog.name,
            fw.catalog.version,
            fw.catalog.nodes.len()
        );
        assert!(text.contains(&line), "missing `{line}` in\n{text}");
    }
    for alias in [
        "CYFUN2023",
        "CYFUN2025",
        "NIS2",
        "NIS2IR",
        "CSF2",
        "800-53",
        "ISO27001",
    ] {
        assert!(
            project.registry.frameworks.contains_key(alias),
            "{alias} not embedded"
        );
    }
    for domain in ["enterprise", "ics", "mobile"] {
        assert!(
            text.contains(&format!("  {domain:<10} ATT&CK 18.1")),
            "{domain}"
        );
    }
    assert_eq!(text.matches("\n  CYFUN2023 -> ISO27001: ").count(), 1);
    assert!(text.contains("800-53 -> ATT&CK 16.1"));
}

#[test]
fn site_has_coverage_crosswalk_and_control_pages_with_licences() {
    let dest = build_without_search(&fixture("embedded"));
    let read = |p: &str| {
        std::fs::read_to_string(dest.path().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
    };
    let ccb = "All texts, layouts, designs and other elements of any nature in this document";
    for page in [
        "controls/cyfun2023/index.html",
        "controls/cyfun2023/level-b.html",
        "coverage/cyfun2023/index.html",
        "coverage/cyfun2023/level-i.html",
        "controls/cyfun2023/pr-ac-1-1.html",
        "crosswalks/mapping-ccb-cff-2023-03-01-to-iso27001-2022.html",
    ] {
        assert!(
            read(page).contains(ccb),
            "{page} lacks the CCB copyright line"
        );
    }
    let iso = read("controls/iso27001/a-5-16.html");
    assert!(iso.contains("identifiers only") && iso.contains("https://www.iso.org/standard/27001"));
    // One mapping away: the chain and the documents behind it.
    let cyfun2025 = read("controls/cyfun2025/pr-aa-01-1.html");
    assert!(cyfun2025.contains("Inferred from mapping sets") && cyfun2025.contains("HCB-0001"));
    assert!(cyfun2025.contains("CYFUN2023 PR.AC-1.1</a> <span class=\"chain-rel\""));
    // The citing document: counts per framework (CSF 2.0 is two mappings
    // from CyFun 2023), and chains of one mapping with the labels they reach.
    let citing = read("documents/hcb-0001.html");
    assert!(citing.contains("Also satisfies (inferred)") && citing.contains("One mapping away"));
    assert!(citing.contains(">NIST CSF v2.0</a></th><td>36</td><td>0</td><td>36</td><td>36</td>"));
    assert!(citing.contains(">CYFUN2023 PR.AC-1.2</a> <span class=\"chain-rel\""));
    assert!(citing.contains(">NIS2IR 11.6.1</a>"));
    // CSF 2.0 is two mappings away: the first few are named, chain and all.
    assert!(citing.contains("Two mappings away (partial)"));
    assert!(citing.contains(">ISO27001 6.1.1</a> <span class=\"chain-rel\""));
    assert!(citing.contains(">CSF2 GV.OC-01</a>"));
    // Two mappings away: summarised by hub, naming the cited requirements.
    let csf = read("controls/csf2/pr-aa-01.html");
    assert!(csf.contains("Through two mappings (partial)"));
    assert!(csf.contains(">ISO27001 A.5.18</a>") && csf.contains(">CYFUN2023 PR.AC-1</a>"));
    assert!(
        csf.contains("No document cites this requirement"),
        "inferred is not declared"
    );
    // Uncited requirements get no page; the tree lists them without a link.
    assert!(!dest
        .path()
        .join("controls/cyfun2023/id-am-1-1.html")
        .exists());
    assert!(read("controls/cyfun2023/index.html").contains("id=\"req-id-am-1-1\""));
    let gaps = read("coverage/cyfun2023/level-b.html");
    assert!(gaps.contains("../../controls/cyfun2023/level-b.html#req-id-am-1-1"));
}

/// The site of the `embedded` fixture with the theme's `name` template
/// overridden by `text`.
fn build_with_template(name: &str, text: &str) -> tempfile::TempDir {
    let book = tempfile::tempdir().unwrap();
    copy_tree(&fixture("embedded"), book.path());
    let templates = book.path().join("theme/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join(name), text).unwrap();
    build_without_search(book.path())
}

/// Chains are rendered by the theme's `chain.html` partial, once per
/// distinct chain and reused: a book's override of that partial shows on
/// document pages (one and two mappings away) and on control pages.
#[test]
fn chain_partial_from_the_theme_renders_every_chain() {
    let dest = build_with_template(
        "chain.html",
        "{% for s in chain %}[{{ s.alias }}:{{ s.label }}@{{ root }}]{% endfor %}",
    );
    let read = |p: &str| std::fs::read_to_string(dest.path().join(p)).unwrap();
    let citing = read("documents/hcb-0001.html");
    // One mapping away: the chain up to the requirement that maps on.
    assert!(citing.contains("[CYFUN2023:PR.AC-1@../][CYFUN2023:PR.AC-1.1@../] <span"));
    // Two mappings away: the chain up to the requirement the last mapping
    // leaves from, then that mapping and the requirements it reaches.
    assert!(
        citing.contains("[CYFUN2023:PR.AC-1.1@../][ISO27001:6.1.1@../] <span class=\"chain-rel\""),
        "{citing}"
    );
    assert!(citing.contains(">CSF2 GV.OC-01</a>"));
    assert!(
        !citing.contains(">CYFUN2023 PR.AC-1.1</a> <span class=\"chain-rel\""),
        "the default partial leaked"
    );
    let control = read("controls/cyfun2025/pr-aa-01-1.html");
    assert!(
        control.contains("[CYFUN2023:PR.AC-1.1@../../]"),
        "control page"
    );
}

/// Groups of requirements one mapping away are rendered by the theme's
/// `mapping_group.html` partial, once per distinct group and page depth: a
/// book's override shows on every document with that group.
#[test]
fn mapping_group_partial_from_the_theme_renders_every_group() {
    let dest = build_with_template(
        "mapping_group.html",
        "<li>[{{ group.count }} {{ group.alias }} {{ group.coverage }}:\
         {% for t in group.targets %}{{ t.label }},{% endfor %}@{{ root }}]</li>",
    );
    let citing = std::fs::read_to_string(dest.path().join("documents/hcb-0001.html")).unwrap();
    assert!(
        citing.contains("<li>[2 CYFUN2025 partial:PR.AA-01.1,PR.AA-01.2,@../]</li>"),
        "the override renders the group"
    );
    assert!(
        !citing.contains("requirements <span class=\"chip\">inferred"),
        "the default partial leaked"
    );
}

/// The search page counts facets from records built without any text
/// (documents, techniques, requirements); the counts must be those of the
/// real index.
#[test]
fn facet_counts_need_no_document_text() {
    use crosswalk::site::search;
    let project = load("embedded");
    let light = serde_json::to_value(search::facet_counts(&project)).unwrap();
    let full = serde_json::to_value(search::facets(&search::records(&project))).unwrap();
    assert_eq!(light, full);
    assert!(light.as_array().is_some_and(|f| !f.is_empty()));
    // CyFun citations fold to its three levels.
    let cyfun = light
        .as_array()
        .and_then(|facets| facets.iter().find(|f| f["key"] == "cyfun"))
        .expect("a CyFun facet");
    let values: Vec<&str> = cyfun["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v[0].as_str())
        .collect();
    assert!(!values.is_empty(), "{cyfun}");
    assert!(
        values
            .iter()
            .all(|v| ["basic", "important", "essential"].contains(v)),
        "{values:?}"
    );
}

/// `check` loads without the graph: no rule may depend on it, so the
/// findings must be the same as with it.
#[test]
fn check_without_the_index_finds_the_same() {
    // A book full of mistakes, so there are findings to compare.
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/twenty-mistakes");
    let with = Project::load(&root, &CheckOptions::default()).unwrap();
    let without = Project::load(
        &root,
        &CheckOptions {
            without_index: true,
            ..CheckOptions::default()
        },
    )
    .unwrap();
    assert_eq!(without.index.graph.node_count(), 0, "no graph was built");
    assert!(with.index.graph.node_count() > 0);
    let codes = |p: &Project| -> Vec<(String, String)> {
        p.diagnostics
            .iter()
            .map(|d| (d.code.to_string(), d.message.clone()))
            .collect()
    };
    assert!(codes(&with).len() >= 20);
    assert_eq!(codes(&with), codes(&without));
}

/// A document that declares a technique with one relation and reaches it
/// through a cited requirement with another has two edges to it; the
/// tactic pages, the matrix and the search record count it once. Before,
/// two such documents counted four on the tactic page and in the search
/// record's summary.
#[test]
fn a_technique_counts_each_addressing_document_once() {
    let book = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(book.path().join("docs")).unwrap();
    std::fs::write(
        book.path().join("book.toml"),
        "[book]\ntitle = \"Counts\"\n",
    )
    .unwrap();
    for n in 1..=2 {
        std::fs::write(
            book.path().join(format!("docs/000{n}-accounts.md")),
            format!(
                "+++\nid = \"HCB-000{n}\"\ntitle = \"Accounts {n}\"\nkind = \"guidance\"\n\
                 status = \"active\"\nversion = \"1.0\"\ncreated = 2026-01-01\n\
                 controls = [\"800-53:AC-2\"]\n\
                 techniques = [{{ id = \"T1078\", relation = \"detects\" }}]\n+++\n\nAccounts.\n"
            ),
        )
        .unwrap();
    }
    let project = Project::load(book.path(), &CheckOptions::default()).expect("book loads");
    let t1078 = enterprise_technique(&project, "T1078");
    let node = project
        .index
        .find(&Node::Technique(
            crosswalk_catalog::AttackDomain::Enterprise,
            t1078,
        ))
        .unwrap();
    let edges = project.index.documents_addressing(node);
    assert_eq!(
        edges.len(),
        4,
        "declared and inferred, per document: {edges:?}"
    );

    let record = crosswalk::site::search::catalog_records(&project)
        .into_iter()
        .find(|r| r.url.ends_with("/t1078.html"))
        .expect("T1078 has a record");
    assert_eq!(
        record.meta["summary"],
        "ATT&CK Enterprise technique, addressed by 2 document(s)."
    );

    let site = build_without_search(book.path());
    // T1078 is an Initial Access technique (TA0001).
    let tactic =
        std::fs::read_to_string(site.path().join("attack/enterprise/ta0001.html")).unwrap();
    let row = tactic
        .split("T1078 Valid Accounts</a>")
        .nth(1)
        .expect("T1078 listed on its tactic page");
    let count = row
        .split("<td>")
        .nth(1)
        .and_then(|cell| cell.split("</td>").next())
        .expect("a count cell after the name");
    assert_eq!(count, "2", "{row:.200}");

    // The technique's page groups them under a heading that reads as
    // English ("Documents that detects it" before).
    let technique =
        std::fs::read_to_string(site.path().join("attack/enterprise/t1078.html")).unwrap();
    assert!(technique.contains("<h3>Documents that detect it</h3>"));
}

/// A technique's page lists the documents that reach it only through a
/// requirement mapped to it (Mappings Explorer), grouped by that
/// requirement and apart from those that name it. Before, the matrix said
/// "T1078 · 1 doc · inferred" and the page it links to said no document
/// addresses the technique.
#[test]
fn a_technique_page_shows_the_documents_the_matrix_counts_as_inferred() {
    let book = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(book.path().join("docs")).unwrap();
    std::fs::write(
        book.path().join("book.toml"),
        "[book]\ntitle = \"Inferred\"\n",
    )
    .unwrap();
    for n in 1..=6 {
        let techniques = if n == 1 {
            "techniques = [{ id = \"T1078\", relation = \"detects\" }]\n"
        } else {
            ""
        };
        std::fs::write(
            book.path().join(format!("docs/000{n}-accounts.md")),
            format!(
                "+++\nid = \"HCB-000{n}\"\ntitle = \"Accounts {n}\"\nkind = \"guidance\"\n\
                 status = \"active\"\nversion = \"1.0\"\ncreated = 2026-01-01\n\
                 controls = [\"800-53:AC-2\"]\n{techniques}+++\n\nAccounts.\n"
            ),
        )
        .unwrap();
    }
    let site = build_without_search(book.path());
    let read = |p: &str| std::fs::read_to_string(site.path().join(p)).unwrap();
    let tactic = read("attack/enterprise/ta0001.html");
    let row = tactic.split("T1078 Valid Accounts</a>").nth(1).unwrap();
    assert!(row.starts_with("</td><td>6</td>"), "{row:.100}");

    let page = read("attack/enterprise/t1078.html");
    let section = page
        .split("id=\"sec-docs\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap();
    assert!(!section.contains("No document addresses"), "{section}");
    let (declared, inferred) = section
        .split_once("<h3>Inferred from the requirements they cite</h3>")
        .expect("an inferred part");
    assert!(declared.contains("<h3>Documents that detect it</h3>"));
    assert!(declared.contains("HCB-0001"));
    assert!(
        inferred.contains("<p>5 other documents reach this technique only through requirements"),
        "{inferred}"
    );
    assert!(
        !inferred.contains("HCB-0001"),
        "a declaring document is not inferred"
    );
    assert!(
        inferred.contains(
            "<a href=\"../../controls/800-53/ac-2.html\">800-53 AC-2</a> \
             <span class=\"chain-rel\">(mitigates)</span>: "
        ),
        "{inferred}"
    );
    for shown in ["HCB-0002", "HCB-0003", "HCB-0004"] {
        assert!(inferred.contains(shown), "{shown}: {inferred}");
    }
    assert!(!inferred.contains("HCB-0005"), "{inferred}");
    assert!(
        inferred.contains(" and <a href=\"../../controls/800-53/ac-2.html\">2 more</a>"),
        "{inferred}"
    );

    // A technique nothing reaches still says it is a gap.
    let gap = read("attack/enterprise/t1486.html");
    assert!(gap.contains("No document addresses this technique yet"));
    assert!(!gap.contains("Inferred from the requirements"));
}

/// MITRE writes technique descriptions in Markdown: the page shows them
/// rendered, its links to techniques of the loaded catalogs pointing at
/// their pages here, and the rest of MITRE's links left external.
#[test]
fn attack_descriptions_are_rendered_with_links_to_local_technique_pages() {
    let site = build_without_search(&fixture("embedded"));
    let read = |p: &str| std::fs::read_to_string(site.path().join(p)).unwrap();
    let description = |page: &str| {
        page.split("<h2 id=\"sec-desc\">")
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .expect("a description section")
            .to_string()
    };

    let t1486 = description(&read("attack/enterprise/t1486.html"));
    assert!(
        t1486.contains(
            "<a href=\"../../attack/enterprise/t1222.html\">File and Directory Permissions Modification</a>"
        ),
        "{t1486}"
    );
    assert!(
        t1486.contains("<a href=\"../../attack/enterprise/t1529.html\">System Shutdown/Reboot</a>"),
        "{t1486}"
    );
    // A sub-technique's link (`/techniques/T1608/004`) finds its page too.
    let t1189 = description(&read("attack/enterprise/t1189.html"));
    assert!(
        t1189.contains("<a href=\"../../attack/enterprise/t1608-004.html\">Drive-by Target</a>"),
        "{t1189}"
    );
    assert!(t1189.contains("<ul>\n<li>"), "{t1189}");
    assert!(!t1189.contains("\n* "), "{t1189}");
    // Citations were never shown; they still are not.
    assert!(!t1486.contains("(Citation:"), "{t1486}");

    // No description under attack/ is left as Markdown source.
    for domain in std::fs::read_dir(site.path().join("attack")).unwrap() {
        for page in std::fs::read_dir(domain.unwrap().path()).unwrap() {
            let path = page.unwrap().path();
            let html = std::fs::read_to_string(&path).unwrap();
            assert!(
                !html.contains("](https://attack.mitre.org"),
                "{} shows Markdown",
                path.display()
            );
        }
    }
}

/// A CyFun measure's page lists the documents citing its requirement, as
/// the framework page and `coverage` count them ("declared"): it said no
/// document cited it. An assessed control's enhancements are not covered
/// by citing it, and do not list it.
#[test]
fn a_measure_page_lists_the_documents_citing_its_requirement() {
    let dest = build_without_search(&fixture("embedded"));
    let read = |p: &str| std::fs::read_to_string(dest.path().join(p)).unwrap();
    let measure = read("controls/cyfun2023/pr-ac-1-1.html");
    let cited = measure
        .split("<h2>Documents that cite it</h2>")
        .nth(1)
        .and_then(|s| s.split("</ul>").next())
        .unwrap();
    assert!(cited.contains("HCB-0001"), "{cited}");
    assert!(
        cited.contains("<span class=\"chip\">through PR.AC-1</span>"),
        "{cited}"
    );
    assert!(!measure.contains("No document cites this requirement"));
}

/// `refs` on a CyFun measure names the documents citing its requirement
/// as citing it, like the measure's page and `coverage`: it showed them
/// as inferred only, or not at all.
#[test]
fn refs_on_a_measure_names_the_documents_citing_its_requirement() {
    let book = fixture("embedded");
    let out = crosswalk_ok(&["refs", "CYFUN2023:PR.AC-1.1", book.to_str().unwrap()]);
    let text = stdout(&out);
    let cited = text
        .split("cited by [")
        .nth(1)
        .and_then(|s| s.split("\n\n").next())
        .unwrap_or_else(|| panic!("{text}"));
    assert!(cited.contains("HCB-0001"), "{text}");
    assert!(cited.contains("[partial, through PR.AC-1]"), "{text}");
    // An assessed control does not cover its enhancements.
    let out = crosswalk_ok(&["refs", "800-53:AC-2(1)", book.to_str().unwrap()]);
    assert!(!stdout(&out).contains("through AC-2"));
}

/// No empty shells: a level no requirement belongs to (CyFun 2025's BG)
/// has no page and no link, and a deprecated tactic without current
/// techniques has no matrix column, while its page says why it is empty.
#[test]
fn empty_levels_and_tactics_are_left_out_or_explained() {
    let dest = build_without_search(&fixture("embedded"));
    let path = |p: &str| dest.path().join(p);
    assert!(!path("controls/cyfun2025/level-bg.html").exists());
    assert!(!path("coverage/cyfun2025/level-bg.html").exists());
    assert!(path("controls/cyfun2025/level-b.html").exists());
    let framework = std::fs::read_to_string(path("controls/cyfun2025/index.html")).unwrap();
    assert!(!framework.contains("level-bg.html"));
    let matrix = std::fs::read_to_string(path("attack/mobile/index.html")).unwrap();
    assert!(!matrix.contains("Network Effects"), "deprecated and empty");
    let tactic = std::fs::read_to_string(path("attack/mobile/ta0038.html")).unwrap();
    assert!(
        tactic.contains("No current technique belongs to this tactic: MITRE has deprecated it.")
    );
}

/// `coverage`'s table keeps its columns under their headers whatever the
/// length of a level's name (CyFun's "important - key measures (IK)" ran
/// past the scope column and pushed its row to the right).
#[test]
fn coverage_table_columns_line_up_under_long_level_names() {
    let book = fixture("embedded");
    let out = crosswalk_ok(&[
        "coverage",
        "--framework",
        "CYFUN2023",
        book.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    let mut lines = text.lines().skip_while(|l| !l.starts_with("scope"));
    let header = lines.next().unwrap();
    let end_of_total = header.find("total").unwrap() + "total".len();
    let rows: Vec<&str> = lines.take_while(|l| !l.is_empty()).collect();
    assert!(
        rows.iter()
            .any(|r| r.starts_with("important - key measures (IK)")),
        "{text}"
    );
    for row in rows {
        let (scope, counts) = row.split_at(end_of_total);
        assert!(scope.ends_with(|c: char| c.is_ascii_digit()), "{row}");
        assert!(counts.starts_with(' '), "{row}");
    }
}

/// A matrix cell's colour counts the distinct documents addressing the
/// technique or one of its sub-techniques, as its legend says. Regression:
/// it added the technique's documents to the number of sub-techniques
/// addressed, so a technique reached only through sub-techniques by ten
/// documents was coloured "1 document".
#[test]
fn a_matrix_cell_is_coloured_by_documents_not_sub_techniques() {
    let dest = build_without_search(&fixture("embedded"));
    let matrix = std::fs::read_to_string(dest.path().join("attack/enterprise/index.html")).unwrap();
    let mut via_subs = 0;
    for cell in matrix.split("<li class=\"cell heat-").skip(1) {
        let heat: usize = cell[..1].parse().unwrap();
        let label = cell
            .split("<span class=\"tid\">")
            .nth(1)
            .and_then(|rest| rest.split("</span>").next())
            .unwrap();
        let documents = label
            .split(" · ")
            .nth(1)
            .and_then(|part| part.split(' ').next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        if label.contains("via sub-techniques") {
            via_subs += 1;
        }
        if documents == 0 {
            assert_eq!(heat, 0, "{label}");
        } else if !label.contains("via sub-techniques") {
            // Sub-techniques may add documents the technique lacks.
            assert!(heat >= documents.min(3), "{label}: heat-{heat}");
        } else {
            assert_eq!(heat, documents.min(3), "{label}");
        }
    }
    assert!(via_subs > 0, "no cell reached only through sub-techniques");
}

/// Regression: citing a grouping that `check` warns about (CW027: CyFun
/// `PR`, CSF `PR`, an SP 800-53 family, NIS2IR section 6) counted in
/// `coverage` as declaring every assessable requirement under it (CyFun
/// 2023: 107 of 221 from `PR` alone). A grouping covers nothing; a
/// requirement whose measures sit directly under it (CyFun `PR.AC-1`, a
/// CSF 2.0 category, a NIS2IR point) still covers them.
#[test]
fn a_grouping_citation_declares_nothing_while_a_requirement_covers_its_measures() {
    let project = load("groupings");
    let warned: Vec<String> = project
        .diagnostics
        .iter()
        .filter(|d| d.code == "CW027")
        .map(|d| d.message.clone())
        .collect();
    for id in ["CYFUN2023:PR ", "CSF2:PR ", "800-53:AC ", "NIS2IR:6 "] {
        assert!(warned.iter().any(|m| m.starts_with(id)), "{id}: {warned:?}");
    }
    assert!(!warned
        .iter()
        .any(|m| m.contains("PR.AC-1") || m.contains("PR.AA")));
    let groupings = doc_index(&project, "G-0001");
    let declared_by = |alias: &str, doc: usize| -> Vec<String> {
        let fw = project.registry.framework(alias).unwrap();
        let cov = coverage::framework(&project.index, &project.registry, alias).unwrap();
        cov.counted(fw, None)
            .filter(|&(_, s)| s == Status::Declared)
            .map(|(i, _)| fw.catalog.nodes[i].label.clone())
            .filter(|label| {
                // Who declares it: the documents citing it or its requirement.
                let node = project
                    .index
                    .find(&Node::Control(fw.alias.clone(), fw.find(label).unwrap()));
                let direct = node.is_some_and(|n| {
                    project
                        .index
                        .documents_citing(n)
                        .iter()
                        .any(|(d, _)| *d == doc)
                });
                direct
                    || project
                        .index
                        .documents_citing_above(fw, fw.find(label).unwrap())
                        .iter()
                        .any(|(d, _, _)| *d == doc)
            })
            .collect()
    };
    for alias in ["CYFUN2023", "CSF2", "800-53", "NIS2IR"] {
        assert_eq!(
            declared_by(alias, groupings),
            Vec::<String>::new(),
            "{alias}"
        );
    }
    let sp = coverage::framework(&project.index, &project.registry, "800-53").unwrap();
    assert_eq!(
        sp.overall.declared, 0,
        "the AC and CM families cover nothing"
    );
    let requirements = doc_index(&project, "G-0002");
    let cyfun = declared_by("CYFUN2023", requirements);
    assert_eq!(cyfun.len(), 5, "{cyfun:?}");
    assert!(cyfun.iter().all(|m| m.starts_with("PR.AC-1.")), "{cyfun:?}");
    let csf = declared_by("CSF2", requirements);
    assert_eq!(
        csf,
        ["PR.AA-01", "PR.AA-02", "PR.AA-03", "PR.AA-04", "PR.AA-05", "PR.AA-06"]
    );
    let points = declared_by("NIS2IR", doc_index(&project, "G-0004"));
    assert_eq!(points.len(), 8, "6.8.2.a-h: {points:?}");
}

/// The rule `coverage` uses for groupings is the one CW027 warns by, on
/// every node of every embedded framework that is not assessed: a
/// citation of it is warned about exactly when it covers nothing.
#[test]
fn check_warns_about_exactly_the_citations_that_cover_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let project = load("groupings");
    let mut cited = Vec::new();
    for fw in project.registry.frameworks.values() {
        if !fw.source.to_string().starts_with("embedded:") {
            continue;
        }
        for (i, node) in fw.catalog.nodes.iter().enumerate() {
            if !node.assessable && node.withdrawn.is_none() {
                cited.push((
                    format!("{}:{}", fw.alias, node.label),
                    fw.covered_by_citation(i).is_empty(),
                ));
            }
        }
    }
    std::fs::create_dir_all(tmp.path().join("docs")).unwrap();
    std::fs::write(
        tmp.path().join("book.toml"),
        "[mappings]\nembedded = false\n",
    )
    .unwrap();
    let list: Vec<String> = cited.iter().map(|(id, _)| format!("{id:?}")).collect();
    std::fs::write(
        tmp.path().join("docs/0001-all.md"),
        format!(
            "+++\nid = \"HCB-0001\"\ntitle = \"All\"\nkind = \"guidance\"\nstatus = \"active\"\nversion = \"1.0\"\ncreated = 2025-01-01\ncontrols = [{}]\n+++\n",
            list.join(", ")
        ),
    )
    .unwrap();
    let all = Project::load(tmp.path(), &CheckOptions::default()).unwrap();
    for (id, covers_nothing) in cited {
        let warned = all
            .diagnostics
            .iter()
            .any(|d| d.code == "CW027" && d.message.starts_with(&format!("{id} ")));
        assert_eq!(warned, covers_nothing, "{id}");
    }
}

/// Regression: measures a document covers through its citation of their
/// requirement (NIS2IR 6.8.2 -> 6.8.2.a-h) were listed both as declared
/// ("cited by ..., through 6.8.2") and as inferred for the same document,
/// and `refs` of the document listed them under "also satisfies".
#[test]
fn a_measure_covered_through_its_requirement_is_never_inferred_for_that_document() {
    let book = fixture("groupings");
    let book = book.to_str().unwrap();
    let refs = |id: &str| -> serde_json::Value {
        let out = crosswalk_ok(&["refs", id, book, "--format", "json"]);
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let by_key = |refs: &serde_json::Value, key: &str| -> Vec<String> {
        refs["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["key"] == key)
            .flat_map(|g| g["items"].as_array().unwrap())
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    let point = refs("NIS2IR:6.8.2.a");
    assert_eq!(by_key(&point, "cited_by"), ["G-0004"]);
    assert!(!by_key(&point, "inferred_for").contains(&"G-0004".to_string()));
    let doc = refs("G-0004");
    let inferred = by_key(&doc, "inferred_controls");
    assert!(!inferred.is_empty(), "PR.AC-5 maps on");
    assert!(
        !inferred.iter().any(|id| id.starts_with("NIS2IR:6.8.2.")),
        "{inferred:?}"
    );
    // The document page's summary reads the same merge.
    let project = load("groupings");
    let d = doc_index(&project, "G-0004");
    let fw = project.registry.framework("NIS2IR").unwrap();
    let a = project
        .index
        .find(&Node::Control("NIS2IR".into(), fw.find("6.8.2.a").unwrap()))
        .unwrap();
    assert!(project.index.inference.link(d, a).is_none());
    assert!(project.index.inference.declares(d, a));
}

/// Regression: `refs CYFUN2023:PR.AC-1` said "nothing points at it" while
/// documents cite its measure PR.AC-1.1; they are listed, apart.
#[test]
fn refs_of_a_requirement_lists_the_documents_citing_its_measures() {
    let book = fixture("groupings");
    let out = crosswalk_ok(&[
        "refs",
        "CYFUN2023:PR.AC-3",
        book.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let refs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let group = refs["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "measures_cited_by")
        .unwrap_or_else(|| panic!("{refs}"));
    assert_eq!(group["direction"], "incoming");
    assert_eq!(group["items"][0]["id"], "G-0003");
    assert_eq!(group["items"][0]["detail"], "PR.AC-3.1 (partial)");
    let out = crosswalk_ok(&["refs", "CYFUN2023:PR.AC-3", book.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(!text.contains("nothing points at it"), "{text}");
    assert!(text.contains("its measures cited by [1]"), "{text}");
}

/// Regression: `refs` did not say that a control is withdrawn or a
/// technique revoked, nor what replaces it.
#[test]
fn refs_says_withdrawn_and_revoked_with_the_replacement() {
    let book = fixture("groupings");
    let book = book.to_str().unwrap();
    let json = |id: &str| -> serde_json::Value {
        let out = crosswalk_ok(&["refs", id, book, "--format", "json"]);
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let control = json("800-53:AC-2(10)");
    assert_eq!(control["status"], "withdrawn");
    assert_eq!(control["replaced_by"], serde_json::json!(["800-53:AC-2"]));
    let technique = json("T1574.002");
    assert_eq!(technique["status"], "revoked");
    assert_eq!(technique["replaced_by"], serde_json::json!(["T1574.001"]));
    let current = json("800-53:AC-2");
    assert_eq!(current["status"], serde_json::Value::Null);
    assert_eq!(current["replaced_by"], serde_json::json!([]));
    let text = stdout(&crosswalk_ok(&["refs", "800-53:AC-2(10)", book]));
    assert!(
        text.contains("Withdrawn: incorporated into 800-53:AC-2"),
        "{text}"
    );
    let text = stdout(&crosswalk_ok(&["refs", "T1574.002", book]));
    assert!(text.contains("Revoked: replaced by T1574.001"), "{text}");
}

/// Regression: a document's own `related` list and the documents listing
/// it as related were two json groups both named "Related".
#[test]
fn refs_json_groups_say_their_direction_and_a_stable_key() {
    let book = fixture("groupings");
    let book = book.to_str().unwrap();
    let groups = |id: &str| -> Vec<(String, String, String)> {
        let out = crosswalk_ok(&["refs", id, book, "--format", "json"]);
        let refs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        refs["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                let s = |k: &str| g[k].as_str().unwrap().to_string();
                (s("key"), s("direction"), s("relation"))
            })
            .collect()
    };
    let own = groups("G-0002");
    assert!(
        own.contains(&("related".into(), "outgoing".into(), "Related".into())),
        "{own:?}"
    );
    assert!(
        own.contains(&("cites".into(), "outgoing".into(), "cites".into())),
        "{own:?}"
    );
    let listed = groups("G-0001");
    assert!(
        listed.contains(&("related_by".into(), "incoming".into(), "Related".into())),
        "{listed:?}"
    );
    for list in [own, listed] {
        let mut keys: Vec<&String> = list.iter().map(|g| &g.0).collect();
        keys.dedup();
        assert_eq!(keys.len(), list.len(), "keys are unique: {list:?}");
    }
}

/// Regression: every OSCAL catalog a book declared was shown under NIST's
/// public-domain line, an "ACME Corp proprietary" one stating no rights
/// included; the embedded SP 800-53 keeps it.
#[test]
fn an_oscal_catalog_of_the_books_own_gets_its_own_rights_line_or_none() {
    let book = fixture("groupings");
    let book = book.to_str().unwrap();
    let out = crosswalk_ok(&["catalogs", book, "--format", "json"]);
    let catalogs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let licence = |alias: &str| {
        catalogs["frameworks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["alias"] == alias)
            .unwrap()["licence"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(licence("ACME"), "");
    assert!(licence("800-53").starts_with("Public domain in the United States (NIST)"));
    let text = stdout(&crosswalk_ok(&["catalogs", book]));
    assert!(text.contains("licence: none stated in the file"), "{text}");
    let out = crosswalk_ok(&["coverage", "--framework", "ACME", "--format", "json", book]);
    let cov: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cov["copyright"], "");
    let text = stdout(&crosswalk_ok(&["coverage", "--framework", "ACME", book]));
    assert!(!text.contains("Public domain"), "{text}");
}

/// Regression: `crosswalk refs X | head -1` exited 2 without a word when
/// `head` closed the pipe (and `coverage` 0, as its answer happened to fit
/// in the pipe). A reader that has had enough ends the command quietly,
/// with success.
#[test]
fn a_closed_stdout_ends_a_printing_command_quietly_with_success() {
    let book = fixture("groupings");
    let book = book.to_str().unwrap();
    for args in [
        vec!["refs", "G-0004", book],
        vec!["coverage", "--framework", "800-53", "--format", "csv", book],
        vec!["catalogs", book],
    ] {
        // Closed before the book is even loaded: the first write fails.
        let out = common::with_closed_stdout(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }
}

/// `catalogs` names the rows of a Mappings Explorer file it skipped: its
/// count of resolved rows (5287 of 5314) did not say that IA-13 is not in
/// the loaded SP 800-53 release, nor which techniques ATT&CK lacks.
#[test]
fn catalogs_names_the_ids_a_technique_mapping_skipped() {
    let book = fixture("groupings");
    let out = crosswalk_ok(&["catalogs", book.to_str().unwrap(), "--format", "json"]);
    let catalogs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let set = &catalogs["technique_mappings"][0];
    assert_eq!(set["unknown_controls"], serde_json::json!(["IA-13"]));
    let techniques = set["unknown_techniques"].as_array().unwrap();
    assert!(
        techniques.contains(&serde_json::json!("T1521.003")),
        "{set}"
    );
    let text = stdout(&crosswalk_ok(&["catalogs", book.to_str().unwrap()]));
    assert!(
        text.contains("skipped, controls not in the framework: IA-13"),
        "{text}"
    );
}

/// A catalog whose file states no rights shows no licence line on its
/// pages: not "ACME 1.0: " with nothing after the colon, nor an empty
/// note where identifiers-only frameworks say where to read the text.
#[test]
fn pages_of_a_catalog_without_a_licence_line_show_none() {
    let site = build_without_search(&fixture("groupings"));
    let mut pages = 0;
    for entry in walkdir::WalkDir::new(site.path().join("controls/acme")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(entry.path()).unwrap();
            assert!(!html.contains(": </p>"), "{}", entry.path().display());
            assert!(
                !html.contains("<p class=\"note\"></p>"),
                "{}",
                entry.path().display()
            );
            pages += 1;
        }
    }
    let coverage = std::fs::read_to_string(site.path().join("coverage/acme/index.html")).unwrap();
    assert!(!coverage.contains(": </p>"));
    assert!(pages >= 1, "{pages} pages of ACME read");
}

/// MITRE's official Mappings Explorer file for SP 800-53 rev5 (ATT&CK 16.1)
/// works as a book's own mapping file, as its embedded copy does: the rows
/// naming IA-13 (not in the loaded 800-53 release) or techniques ATT&CK has
/// revoked since are skipped with one warning (CW051), not an error per id
/// that stopped build, coverage and refs.
#[test]
fn the_official_mappings_explorer_file_works_as_a_book_file() {
    let official = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/mappings-explorer/nist_800_53-rev5_attack-16.1-enterprise.json");
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path();
    std::fs::create_dir_all(book.join("catalogs")).unwrap();
    std::fs::create_dir_all(book.join("docs")).unwrap();
    std::fs::copy(&official, book.join("catalogs/mapex.json")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"Official file\"\n[mappings]\nembedded = false\nfiles = [\"catalogs/mapex.json\"]\n",
    )
    .unwrap();
    std::fs::write(
        book.join("docs/0001-accounts.md"),
        "+++\nid = \"HCB-0001\"\ntitle = \"Accounts\"\nkind = \"guidance\"\nstatus = \"draft\"\nversion = \"0.1\"\ncreated = 2026-01-05\ncontrols = [\"800-53:AC-2\"]\n+++\nReview accounts.\n",
    )
    .unwrap();
    let out = crosswalk(&["check", book.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["CW051"], "{report}");
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("IA-13") && message.contains("T1574.002"),
        "{message}"
    );
    let cov = crosswalk_ok(&["coverage", "--framework", "attack", book.to_str().unwrap()]);
    assert!(stdout(&cov).contains("TA0001"), "{}", stdout(&cov));
}
