//! Build script: embeds the default theme and pre-compiles the embedded
//! catalogs.
//!
//! Catalogs are imported here with the very importers a book's own files go
//! through (`crosswalk-catalog`), then stored as postcard blobs. Parsing 20 MB
//! of YAML and JSON at every start would cost hundreds of milliseconds;
//! decoding postcard costs a few.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use crosswalk_catalog::{ciso, mapex, oscal, stix, AttackDomain, MappingSet};

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let root =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=theme");
    println!("cargo:rerun-if-changed=catalogs");
    embed_theme(&root.join("theme"), &out);
    embed_catalogs(&root.join("catalogs"), &out);
}

/// `theme_files.rs`: every file under `theme/` as (relative path, bytes).
fn embed_theme(theme: &Path, out: &Path) {
    let mut files = Vec::new();
    collect(theme, theme, &mut files);
    files.sort();
    let mut code = String::from("pub static THEME_FILES: &[(&str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        println!("cargo:rerun-if-changed={}", abs.display());
        writeln!(
            code,
            "    ({rel:?}, include_bytes!({:?})),",
            abs.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    fs::write(out.join("theme_files.rs"), code).expect("write theme_files.rs");
}

fn collect(base: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(base, &path, files);
        } else {
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.push((rel, path));
        }
    }
}

struct Entry {
    name: String,
    alias: Option<&'static str>,
    kind: &'static str,
    file: String,
}

/// Frameworks embedded by default: (embedded name, default alias, file).
const FRAMEWORKS: &[(&str, &str, &str)] = &[
    ("cyfun2023", "CYFUN2023", "ciso-assistant/ccb-cff-2023-03-01.yaml"),
    ("cyfun2025", "CYFUN2025", "ciso-assistant/cyfun2025.yaml"),
    ("nis2", "NIS2", "ciso-assistant/nis2-directive.yaml"),
    (
        "nis2-ir-2024-2690",
        "NIS2IR",
        "ciso-assistant/annex-nis2-regulation--2024-2690-with-technical-implementation-guidance-by-enisa.yaml",
    ),
    ("nist-csf-2.0", "CSF2", "ciso-assistant/nist-csf-2.0.yaml"),
];

fn embed_catalogs(dir: &Path, out: &Path) {
    let mut entries = Vec::new();
    let read = |rel: &str| {
        fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("catalogs/{rel}: {e}"))
    };
    let mut write =
        |name: String, alias: Option<&'static str>, kind: &'static str, bytes: Vec<u8>| {
            let file = format!("catalog-{name}.bin");
            fs::write(out.join(&file), bytes).expect("write catalog blob");
            entries.push(Entry {
                name,
                alias,
                kind,
                file,
            });
        };
    for (domain, file) in [
        (
            AttackDomain::Enterprise,
            "attack/enterprise-attack-18.1-trimmed.json",
        ),
        (AttackDomain::Ics, "attack/ics-attack-18.1.json"),
        (
            AttackDomain::Mobile,
            "attack/mobile-attack-18.1-trimmed.json",
        ),
    ] {
        let catalog = stix::import(&read(file), domain, "18.1")
            .unwrap_or_else(|e| panic!("catalogs/{file}: {e}"));
        write(
            format!("attack-{}", domain.slug()),
            None,
            "Attack",
            postcard::to_stdvec(&catalog).unwrap(),
        );
    }
    for (name, alias, file) in FRAMEWORKS {
        let catalog =
            ciso::import_framework(&read(file)).unwrap_or_else(|e| panic!("catalogs/{file}: {e}"));
        write(
            name.to_string(),
            Some(alias),
            "Framework",
            postcard::to_stdvec(&catalog).unwrap(),
        );
    }
    let sp80053 = oscal::import(
        &read("oscal/NIST_SP-800-53_rev5_catalog.json"),
        "nist-sp-800-53-rev5",
    )
    .unwrap_or_else(|e| panic!("catalogs/oscal: {e}"));
    write(
        "sp800-53r5".into(),
        Some("800-53"),
        "Framework",
        postcard::to_stdvec(&sp80053).unwrap(),
    );

    let mut sets: Vec<(String, MappingSet)> = Vec::new();
    let mut mapping_files: Vec<_> = fs::read_dir(dir.join("ciso-assistant"))
        .expect("catalogs/ciso-assistant")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("mapping-"))
        .collect();
    mapping_files.sort();
    for file in mapping_files {
        let rel = format!("ciso-assistant/{file}");
        let set =
            ciso::import_mapping_set(&read(&rel)).unwrap_or_else(|e| panic!("catalogs/{rel}: {e}"));
        sets.push((file.trim_end_matches(".yaml").to_string(), set));
    }
    let only_sets: Vec<MappingSet> = sets.iter().map(|(_, s)| s.clone()).collect();
    let iso_labels = ciso::labels_in_namespace(&only_sets, "iso27001-2022");
    let iso = ciso::identifiers_only(
        "ISO/IEC 27001:2022 (identifiers only)",
        "urn:intuitem:risk:framework:iso27001-2022",
        "iso27001-2022",
        "2022",
        "ISO/IEC 27001:2022 is copyrighted by ISO and IEC: crosswalk knows its identifiers only. Read the text in the standard, available from ISO (https://www.iso.org/standard/27001) or your national standards body.",
        iso_labels,
    );
    write(
        "iso27001-2022".into(),
        Some("ISO27001"),
        "Framework",
        postcard::to_stdvec(&iso).unwrap(),
    );
    for (name, set) in sets {
        write(name, None, "Mapping", postcard::to_stdvec(&set).unwrap());
    }
    let file = "mappings-explorer/nist_800_53-rev5_attack-16.1-enterprise.json";
    let mapex_set = mapex::import(&read(file)).unwrap_or_else(|e| panic!("catalogs/{file}: {e}"));
    write(
        "mapex-800-53-attack".into(),
        None,
        "TechniqueMapping",
        postcard::to_stdvec(&mapex_set).unwrap(),
    );

    let mut code = String::from("static EMBEDDED: &[Embedded] = &[\n");
    for e in &entries {
        writeln!(
            code,
            "    Embedded {{ name: {:?}, default_alias: {:?}, kind: EmbeddedKind::{}, bytes: include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{}\")) }},",
            e.name, e.alias, e.kind, e.file
        )
        .unwrap();
    }
    code.push_str("];\n");
    fs::write(out.join("embedded_catalogs.rs"), code).expect("write embedded_catalogs.rs");
}
