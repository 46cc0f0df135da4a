//! `crosswalk catalogs`: what the book has loaded (frameworks, ATT&CK
//! domains, mapping sets), where each comes from and under which licence.

use std::path::PathBuf;

use serde::Serialize;

use super::refs::RefsFormat;
use super::{book_root, report_fatal};
use crate::check::report::Format;
use crate::pipeline::{CheckOptions, Project};

#[derive(clap::Args)]
pub struct Args {
    /// Book directory (holding book.toml); defaults to the current directory.
    book: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    format: RefsFormat,
}

#[derive(Debug, Serialize)]
pub struct Catalogs {
    pub frameworks: Vec<FrameworkRow>,
    pub attack: Vec<AttackRow>,
    pub mapping_sets: Vec<MappingRow>,
    pub technique_mappings: Vec<TechniqueMappingRow>,
}

#[derive(Debug, Serialize)]
pub struct FrameworkRow {
    pub alias: String,
    pub name: String,
    pub version: String,
    pub source: String,
    pub nodes: usize,
    pub assessable: usize,
    pub levels: Vec<String>,
    pub has_text: bool,
    pub licence: String,
}

#[derive(Debug, Serialize)]
pub struct AttackRow {
    pub domain: &'static str,
    pub version: String,
    pub tactics: usize,
    /// Active techniques and sub-techniques.
    pub techniques: usize,
    pub licence: String,
}

#[derive(Debug, Serialize)]
pub struct MappingRow {
    pub name: String,
    pub source: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub mappings: usize,
    pub resolved: usize,
    /// Distinct URNs that resolve in no loaded framework (skipped).
    pub unresolved: usize,
    pub licence: String,
}

#[derive(Debug, Serialize)]
pub struct TechniqueMappingRow {
    pub framework: Option<String>,
    pub source: String,
    pub attack_version: String,
    pub mappings: usize,
    pub resolved: usize,
    /// Control ids of the file its framework does not have (skipped).
    pub unknown_controls: Vec<String>,
    /// Technique ids of the file the loaded ATT&CK does not have, or has
    /// revoked (skipped).
    pub unknown_techniques: Vec<String>,
    pub licence: String,
}

pub fn run(args: Args) -> u8 {
    let root = book_root(args.book.clone());
    let project = match Project::load(&root, &CheckOptions::default()) {
        Ok(p) => p,
        Err(err) => return report_fatal(&err, Format::Human),
    };
    let catalogs = catalogs(&project);
    let text = match args.format {
        RefsFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&catalogs).unwrap_or_default()
        ),
        RefsFormat::Table => table(&catalogs),
    };
    super::print_stdout(&text)
}

/// Everything loaded for the book.
pub fn catalogs(project: &Project) -> Catalogs {
    let registry = &project.registry;
    let frameworks = registry
        .frameworks
        .values()
        .map(|f| FrameworkRow {
            alias: f.alias.clone(),
            name: f.catalog.name.clone(),
            version: f.catalog.version.clone(),
            source: f.source.to_string(),
            nodes: f.catalog.nodes.len(),
            assessable: (0..f.catalog.nodes.len()).filter(|&i| f.counts(i)).count(),
            levels: f
                .catalog
                .levels
                .iter()
                .map(|l| format!("{} ({})", l.name, l.ref_id))
                .collect(),
            has_text: f.catalog.has_text,
            licence: f.catalog.copyright.clone(),
        })
        .collect();
    let attack = registry
        .attack
        .iter()
        .map(|c| AttackRow {
            domain: c.domain.slug(),
            version: c.version.clone(),
            tactics: c.tactics.iter().filter(|t| !t.deprecated).count(),
            techniques: c
                .techniques
                .iter()
                .filter(|t| t.revoked.is_none() && !t.deprecated)
                .count(),
            licence: c.licence.clone(),
        })
        .collect();
    let sets = &project.index.crosswalk.sets;
    let mapping_sets = registry
        .mapping_sets
        .iter()
        .enumerate()
        .map(|(i, (source, set))| {
            let summary = sets.get(i);
            MappingRow {
                name: set.name.clone(),
                source: source.to_string(),
                from: summary.and_then(|s| s.source_alias.clone()),
                to: summary.and_then(|s| s.target_alias.clone()),
                mappings: set.mappings.len(),
                resolved: summary.map_or(0, |s| s.pairs.len()),
                unresolved: summary.map_or(0, |s| s.unresolved.len()),
                licence: set.copyright.clone(),
            }
        })
        .collect();
    let technique_sets = &project.index.crosswalk.technique_sets;
    let technique_mappings = registry
        .technique_mappings
        .iter()
        .enumerate()
        .map(|(i, (source, set))| TechniqueMappingRow {
            framework: technique_sets.get(i).and_then(|s| s.alias.clone()),
            source: source.to_string(),
            attack_version: set.attack_version.clone(),
            mappings: set.mappings.len(),
            resolved: technique_sets.get(i).map_or(0, |s| s.resolved),
            unknown_controls: technique_sets
                .get(i)
                .map(|s| s.unresolved_controls.iter().cloned().collect())
                .unwrap_or_default(),
            unknown_techniques: technique_sets
                .get(i)
                .map(|s| s.unknown_techniques.iter().cloned().collect())
                .unwrap_or_default(),
            licence: set.licence.clone(),
        })
        .collect();
    Catalogs {
        frameworks,
        attack,
        mapping_sets,
        technique_mappings,
    }
}

/// Plain text for people: one block per kind of catalog.
pub fn table(c: &Catalogs) -> String {
    let mut out = String::from("Frameworks\n");
    for f in &c.frameworks {
        out += &format!(
            "  {:<10} {}{}, {} controls ({} assessable){}\n             source: {}\n             licence: {}\n",
            f.alias,
            f.name,
            if f.version.is_empty() {
                String::new()
            } else {
                format!(" (version {})", f.version)
            },
            f.nodes,
            f.assessable,
            if f.has_text { "" } else { ", identifiers only" },
            f.source,
            first_line(&f.licence)
        );
    }
    if !c.attack.is_empty() {
        out += "\nATT&CK domains\n";
    }
    for a in &c.attack {
        out += &format!(
            "  {:<10} ATT&CK {}: {} tactics, {} techniques\n             licence: {}\n",
            a.domain,
            a.version,
            a.tactics,
            a.techniques,
            first_line(&a.licence)
        );
    }
    if !c.mapping_sets.is_empty() {
        out += "\nMapping sets\n";
    }
    for m in &c.mapping_sets {
        out += &format!(
            "  {} -> {}: {} ({} mappings, {} resolved, {} unresolved URNs skipped)\n             source: {}\n             licence: {}\n",
            m.from.as_deref().unwrap_or("?"),
            m.to.as_deref().unwrap_or("?"),
            m.name,
            m.mappings,
            m.resolved,
            m.unresolved,
            m.source,
            first_line(&m.licence)
        );
    }
    // A heading over nothing (`embedded = false` and no files) is left out.
    if !c.technique_mappings.is_empty() {
        out += "\nControl to ATT&CK mappings\n";
    }
    for t in &c.technique_mappings {
        out += &format!(
            "  {} -> ATT&CK {}: {} mappings, {} resolved\n",
            t.framework.as_deref().unwrap_or("?"),
            t.attack_version,
            t.mappings,
            t.resolved,
        );
        // Why the others were skipped: the ids the loaded catalogs lack.
        for (what, ids) in [
            ("controls not in the framework", &t.unknown_controls),
            ("techniques unknown or revoked", &t.unknown_techniques),
        ] {
            if !ids.is_empty() {
                out += &format!("             skipped, {what}: {}\n", first_ids(ids));
            }
        }
        out += &format!(
            "             source: {}\n             licence: {}\n",
            t.source,
            first_line(&t.licence)
        );
    }
    out
}

/// The first few of `ids` and how many there are.
fn first_ids(ids: &[String]) -> String {
    const SHOWN: usize = 5;
    let shown = ids[..ids.len().min(SHOWN)].join(", ");
    if ids.len() > SHOWN {
        format!("{} ids ({shown}, ...)", ids.len())
    } else {
        shown
    }
}

/// The first line of a licence, or what to say when the file states none
/// (a catalog of the book's own with no rights statement: crosswalk never
/// makes one up).
fn first_line(text: &str) -> &str {
    match text.lines().map(str::trim).find(|l| !l.is_empty()) {
        Some(line) => line,
        None => "none stated in the file",
    }
}
