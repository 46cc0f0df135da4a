//! `crosswalk coverage`: how much of a framework (or of ATT&CK) the book
//! covers, with the gaps. The numbers come from [`crate::graph::coverage`],
//! the same the site shows.

use std::path::PathBuf;

use crosswalk_catalog::AttackDomain;
use thiserror::Error;

use super::{book_root, refuse_on_errors, report_fatal, FAILURE};
use crate::catalog::LoadedFramework;
use crate::check::report::Format;
use crate::graph::coverage::{self, FrameworkCoverage, Tally};
use crate::pipeline::{CheckOptions, Project};

/// Output formats of the reporting commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    Table,
    Json,
    Csv,
}

#[derive(clap::Args)]
pub struct Args {
    /// Framework alias (`crosswalk catalogs` lists them), or `attack`,
    /// `attack-ics`, `attack-mobile` for ATT&CK per tactic.
    #[arg(long)]
    framework: String,
    /// Only one implementation group, by name or ref id (`basic`, `B`).
    #[arg(long)]
    level: Option<String>,
    /// `table` for people, `json` for tools, `csv`: one row per requirement
    /// (per tactic for ATT&CK) with its status.
    #[arg(long, value_enum, default_value = "table")]
    format: TableFormat,
    /// Book directory (holding book.toml); defaults to the current directory.
    book: Option<PathBuf>,
}

/// Usage errors: exit 2 with what would have been accepted.
#[derive(Debug, Error)]
pub enum CoverageError {
    #[error("unknown framework `{given}`; known: {}", known.join(", "))]
    UnknownFramework { given: String, known: Vec<String> },
    #[error("{alias} has no level `{given}`; levels: {}", if levels.is_empty() { "none".to_string() } else { levels.join(", ") })]
    UnknownLevel {
        given: String,
        alias: String,
        levels: Vec<String>,
    },
    #[error("ATT&CK has no levels: `--level {given}` applies to a framework's implementation groups (CyFun's basic, important, essential); leave it out for ATT&CK")]
    AttackLevel { given: String },
}

/// What `--framework` named.
enum Target<'a> {
    Framework(&'a LoadedFramework),
    Attack(AttackDomain),
}

pub fn run(args: Args) -> u8 {
    let root = book_root(args.book.clone());
    let project = match Project::load(&root, &CheckOptions::default()) {
        Ok(p) => p,
        Err(err) => return report_fatal(&err, Format::Human),
    };
    if let Some(code) = refuse_on_errors(&project, "coverage") {
        return code;
    }
    let result = match target(&project, &args.framework) {
        Ok(Target::Framework(fw)) => level_ref(fw, args.level.as_deref())
            .map(|level| framework_report(&project, fw, level.as_deref(), args.format)),
        Ok(Target::Attack(domain)) => match args.level.as_deref() {
            Some(given) => Err(CoverageError::AttackLevel {
                given: given.to_string(),
            }),
            None => Ok(attack_report(&project, domain, args.format)),
        },
        Err(err) => Err(err),
    };
    match result {
        Ok(text) => super::print_stdout(&text),
        Err(err) => {
            eprintln!("error: {err}");
            FAILURE
        }
    }
}

fn target<'a>(project: &'a Project, given: &str) -> Result<Target<'a>, CoverageError> {
    if let Some(fw) = project.registry.framework(given) {
        return Ok(Target::Framework(fw));
    }
    let lower = given.to_ascii_lowercase();
    let domain = match lower.as_str() {
        "attack" | "attack-enterprise" => Some(AttackDomain::Enterprise),
        "attack-ics" => Some(AttackDomain::Ics),
        "attack-mobile" => Some(AttackDomain::Mobile),
        _ => None,
    };
    match domain.filter(|d| project.registry.attack_domain(*d).is_some()) {
        Some(d) => Ok(Target::Attack(d)),
        None => Err(CoverageError::UnknownFramework {
            given: given.to_string(),
            known: known_targets(project),
        }),
    }
}

fn known_targets(project: &Project) -> Vec<String> {
    let mut known: Vec<String> = project
        .registry
        .aliases()
        .into_iter()
        .map(str::to_string)
        .collect();
    known.extend(
        project
            .registry
            .attack
            .iter()
            .map(|c| format!("attack-{}", c.domain.slug())),
    );
    // `attack` is documented (Enterprise); name it too.
    if project
        .registry
        .attack_domain(AttackDomain::Enterprise)
        .is_some()
    {
        known.push("attack".to_string());
    }
    known
}

/// The ref id of the level `--level` names.
fn level_ref(fw: &LoadedFramework, given: Option<&str>) -> Result<Option<String>, CoverageError> {
    let Some(given) = given else {
        return Ok(None);
    };
    fw.level(given)
        .map(|l| Some(l.ref_id.clone()))
        .ok_or_else(|| CoverageError::UnknownLevel {
            given: given.to_string(),
            alias: fw.alias.clone(),
            levels: fw
                .catalog
                .levels
                .iter()
                .map(|l| format!("{} ({})", l.name, l.ref_id))
                .collect(),
        })
}

fn framework_report(
    project: &Project,
    fw: &LoadedFramework,
    level: Option<&str>,
    format: TableFormat,
) -> String {
    let Some(cov) = coverage::framework(&project.index, &project.registry, &fw.alias) else {
        return String::new();
    };
    match format {
        TableFormat::Table => framework_table(fw, &cov, level),
        TableFormat::Json => cov.to_json(fw, level),
        TableFormat::Csv => cov.to_csv(fw, level),
    }
}

/// The columns after the scope's.
const HEADER: &str = "  total  declared  inferred-full  inferred-partial   none  covered";

/// The scope column holds at least this many characters, more for long
/// level names (CyFun's "important - key measures (IK)").
const SCOPE_WIDTH: usize = 20;

fn tally_row(scope: &str, width: usize, t: &Tally) -> String {
    format!(
        "{scope:<width$} {:>6} {:>9} {:>14} {:>17} {:>6} {:>7}%\n",
        t.total,
        t.declared,
        t.inferred_full,
        t.inferred_partial,
        t.none,
        t.percent(t.covered())
    )
}

fn framework_table(fw: &LoadedFramework, cov: &FrameworkCoverage, level: Option<&str>) -> String {
    let c = &fw.catalog;
    let mut rows = vec![("all".to_string(), &cov.overall)];
    for l in &cov.levels {
        if level.is_none_or(|r| r == l.ref_id) {
            rows.push((format!("{} ({})", l.name, l.ref_id), &l.tally));
        }
    }
    let width = rows
        .iter()
        .map(|(scope, _)| scope.chars().count())
        .max()
        .unwrap_or(0)
        .max(SCOPE_WIDTH);
    let mut out = format!(
        "{} ({}) version {}\n\n{:<width$}{HEADER}\n",
        c.name, fw.alias, c.version, "scope"
    );
    for (scope, tally) in &rows {
        out += &tally_row(scope, width, tally);
    }
    let gaps = cov.gaps(fw, level);
    let scope = level
        .and_then(|r| cov.level(r))
        .map_or(String::new(), |l| format!(" at level {}", l.name));
    out += &format!(
        "\nGaps: {} requirement{}{scope} no document covers\n",
        gaps.len(),
        if gaps.len() == 1 { "" } else { "s" }
    );
    for i in gaps {
        let node = &c.nodes[i];
        out += &format!(
            "  {:<16} {}\n",
            node.label,
            short_text(node.name.as_deref().or(node.description.as_deref()))
        );
    }
    if !c.copyright.is_empty() {
        out += &format!("\n{}\n", c.copyright);
    }
    out
}

/// First line of a requirement's text, cut to 90 characters.
fn short_text(text: Option<&str>) -> String {
    let line = text.unwrap_or("").lines().next().unwrap_or("").trim();
    if line.chars().count() > 90 {
        format!("{}…", line.chars().take(89).collect::<String>())
    } else {
        line.to_string()
    }
}

fn attack_report(project: &Project, domain: AttackDomain, format: TableFormat) -> String {
    let Some(cov) = coverage::attack(&project.index, &project.registry, domain) else {
        return String::new();
    };
    match format {
        TableFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&cov).unwrap_or_default()
        ),
        TableFormat::Csv => {
            let mut out = String::from("tactic,name,total,declared,inferred,none\n");
            for t in &cov.tactics {
                out += &format!(
                    "{},{},{},{},{},{}\n",
                    t.id,
                    coverage::csv_field(&t.name),
                    t.total,
                    t.declared,
                    t.inferred,
                    t.none
                );
            }
            out
        }
        TableFormat::Table => {
            let mut out = format!(
                "ATT&CK {} techniques per tactic\n\ntactic                              total  declared  inferred   none\n",
                domain.title()
            );
            for t in &cov.tactics {
                out += &format!(
                    "{:<35} {:>6} {:>9} {:>9} {:>6}\n",
                    format!("{} {}", t.id, t.name),
                    t.total,
                    t.declared,
                    t.inferred,
                    t.none
                );
            }
            out
        }
    }
}
