//! References: document ids, techniques, controls and body links.

use crosswalk_catalog::Requirement;
use rayon::prelude::*;

use super::Context;
use crate::catalog::{CatalogSource, ControlLookup, LoadedFramework, TechniqueLookup, UrnLookup};
use std::ops::Range;

use crate::diagnostic::{Diagnostic, Location};
use crate::document::markdown::LinkTarget;
use crate::document::{Document, RelationKind};

pub fn check(ctx: &Context, diags: &mut Vec<Diagnostic>) {
    // Documents are checked independently, on every core; the report is
    // sorted afterwards, so the order they finish in does not matter.
    let found: Vec<Vec<Diagnostic>> = ctx
        .documents
        .par_iter()
        .map(|doc| {
            let mut diags = Vec::new();
            document(ctx, doc, &mut diags);
            diags
        })
        .collect();
    diags.extend(found.into_iter().flatten());
    mapping_files(ctx, diags);
    duplicate_requirements(ctx, diags);
}

/// Every reference of one document.
fn document(ctx: &Context, doc: &Document, diags: &mut Vec<Diagnostic>) {
    relations(ctx, doc, diags);
    duplicates(ctx, doc, diags);
    for reference in &doc.techniques {
        technique(ctx, doc, &reference.id, reference.span.clone(), diags);
    }
    for reference in &doc.controls {
        control(
            ctx,
            doc,
            &reference.framework,
            &reference.id,
            reference.span.clone(),
            diags,
        );
    }
    body_links(ctx, doc, diags);
}

/// CW038: the same relation, requirement or technique given twice in one
/// document (`800-53:ac-02` and `800-53:AC-2` are one requirement). The
/// page and `refs` would list it twice; only references that resolve are
/// compared, the others are reported on their own.
fn duplicates(ctx: &Context, doc: &Document, diags: &mut Vec<Diagnostic>) {
    // What a reference resolves to, as small values (this runs for every
    // reference of every document): relation kind and target; framework
    // and requirement; domain, technique and relation.
    #[derive(PartialEq)]
    enum Key<'a> {
        Relation(RelationKind, usize),
        Control(&'a str, usize),
        Technique(crosswalk_catalog::AttackDomain, usize, &'static str),
    }
    /// Where `key` was first given, or `None` (and it is remembered).
    fn twice<'a>(
        seen: &mut Vec<(Key<'a>, &'a Range<usize>)>,
        key: Key<'a>,
        span: &'a Range<usize>,
    ) -> Option<Range<usize>> {
        match seen.iter().find(|(k, _)| *k == key) {
            Some((_, first)) => Some((*first).clone()),
            None => {
                seen.push((key, span));
                None
            }
        }
    }
    let mut seen = Vec::new();
    let mut found: Vec<(String, Range<usize>, Range<usize>)> = Vec::new();
    for relation in &doc.relations {
        if let Some(&t) = ctx.by_id.get(relation.target.value.as_str()) {
            if let Some(first) = twice(
                &mut seen,
                Key::Relation(relation.kind, t),
                &relation.target.span,
            ) {
                let what = format!("`{} = {}`", relation.kind.key(), relation.target.value);
                found.push((what, relation.target.span.clone(), first));
            }
        }
    }
    for reference in &doc.controls {
        if let ControlLookup::Found(fw, idx) =
            ctx.registry.control(&reference.framework, &reference.id)
        {
            if let Some(first) = twice(&mut seen, Key::Control(&fw.alias, idx), &reference.span) {
                let label = &fw.catalog.nodes[idx].label;
                let what = format!("requirement {}:{label}", fw.alias);
                found.push((what, reference.span.clone(), first));
            }
        }
    }
    for reference in &doc.techniques {
        if let Some((domain, t)) = ctx.registry.technique_position(&reference.id) {
            let relation = reference.relation.as_str();
            if let Some(first) = twice(
                &mut seen,
                Key::Technique(domain, t, relation),
                &reference.span,
            ) {
                let what = format!(
                    "technique {} ({relation})",
                    reference.id.trim().to_ascii_uppercase()
                );
                found.push((what, reference.span.clone(), first));
            }
        }
    }
    for (what, span, first) in found {
        diags.push(
            Diagnostic::warning("CW038", format!("{what} is given twice"))
                .at(&doc.source, span)
                .label("again here")
                .related(Location::new(&doc.source, first), "first given here")
                .help("remove the second one; a coverage or note belongs on the one that stays"),
        );
    }
}

/// CW043: every requirement a mapping file of the book's own refers to must
/// exist in a loaded framework. Embedded mapping sets are not checked here:
/// their few stale URNs are skipped and counted by `crosswalk catalogs`, since
/// the book's authors cannot fix them.
fn mapping_files(ctx: &Context, diags: &mut Vec<Diagnostic>) {
    let registry = ctx.registry;
    for (source, set) in &registry.mapping_sets {
        let CatalogSource::File(path) = source else {
            continue;
        };
        let file = registry.mapping_texts.get(path);
        let mut seen = std::collections::BTreeSet::new();
        let urns = set
            .mappings
            .iter()
            .flat_map(|m| [m.source_urn.as_str(), m.target_urn.as_str()]);
        for urn in urns {
            if !seen.insert(urn) {
                continue;
            }
            let message = match registry.resolve_urn(urn) {
                UrnLookup::Found(..) => continue,
                UrnLookup::UnknownNamespace(ns) => {
                    format!("mapping refers to `{urn}`, but no loaded framework uses the namespace `{ns}`")
                }
                UrnLookup::NotFound(fw, id) => {
                    format!(
                        "mapping refers to `{urn}`, but {} has no requirement `{id}`",
                        fw.alias
                    )
                }
            };
            diags.push(mapping_error(file, path, urn, message));
        }
    }
    for (source, set) in &registry.technique_mappings {
        let CatalogSource::File(path) = source else {
            continue;
        };
        let file = registry.mapping_texts.get(path);
        let Some(framework) = registry.technique_mapping_framework(set) else {
            let message = format!(
                "mapping file maps `{}`, which is not a loaded framework",
                set.framework
            );
            diags.push(mapping_error(file, path, &set.framework, message));
            continue;
        };
        diags.extend(skipped_technique_rows(registry, framework, set, file, path));
    }
}

/// CW051: the rows of a book's Mappings Explorer file that name a control
/// the loaded framework lacks or a technique the loaded ATT&CK lacks (or
/// has revoked). Such files are published for one release of each
/// (SP 800-53 rev5 with IA-13, ATT&CK 16.1 with techniques revoked since):
/// the rows are skipped and counted, as for the embedded copy of the same
/// file, in one warning per file rather than an error per id that the
/// book's authors cannot fix.
fn skipped_technique_rows(
    registry: &crate::catalog::Registry,
    framework: &LoadedFramework,
    set: &crosswalk_catalog::TechniqueMappingSet,
    file: Option<&std::sync::Arc<crate::diagnostic::SourceFile>>,
    path: &std::path::Path,
) -> Option<Diagnostic> {
    let mut controls = std::collections::BTreeSet::new();
    let mut techniques = std::collections::BTreeSet::new();
    let mut rows = 0;
    for mapping in &set.mappings {
        let unknown_control = framework.find(&mapping.control).is_none();
        let known_technique =
            crate::graph::crosswalk::technique_index(registry, set.domain, &mapping.technique)
                .is_some();
        if unknown_control {
            controls.insert(mapping.control.as_str());
        }
        if !known_technique {
            techniques.insert(mapping.technique.as_str());
        }
        rows += usize::from(unknown_control || !known_technique);
    }
    let first = controls.iter().chain(&techniques).next()?;
    let mut parts = Vec::new();
    if !controls.is_empty() {
        parts.push(format!(
            "controls {} has not: {}",
            framework.alias,
            first_few(&controls)
        ));
    }
    if !techniques.is_empty() {
        parts.push(format!(
            "techniques the loaded ATT&CK lacks or has revoked: {}",
            first_few(&techniques)
        ));
    }
    let message = format!(
        "{rows} of {} rows of this mapping file are skipped; {}",
        set.mappings.len(),
        parts.join("; ")
    );
    let used = if rows == set.mappings.len() {
        "no row of the file is used"
    } else {
        "the other rows are used"
    };
    let diag = Diagnostic::warning("CW051", message).help(format!(
        "expected when the file was made for another release of the framework or of ATT&CK; \
         {used}. To use these too, load the releases the file was made for"
    ));
    Some(match file {
        Some(file) => {
            let span = file.text.find(first).map_or(0..0, |i| i..i + first.len());
            diag.at(file, span)
        }
        None => diag.in_file(path),
    })
}

/// Up to five ids, then how many more.
fn first_few(ids: &std::collections::BTreeSet<&str>) -> String {
    let shown: Vec<String> = ids.iter().take(5).map(|id| format!("`{id}`")).collect();
    match ids.len().saturating_sub(5) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// CW047: two requirements of one of the book's own catalogs with the same
/// id. Ids are looked up canonically and the first wins, so the second can
/// be neither cited nor mapped, and shows as a gap no document can fill.
/// The embedded catalogs have none (a test holds them so).
fn duplicate_requirements(ctx: &Context, diags: &mut Vec<Diagnostic>) {
    let registry = ctx.registry;
    for fw in registry.frameworks.values() {
        let CatalogSource::File(path) = &fw.source else {
            continue;
        };
        let file = registry.mapping_texts.get(path);
        for (first, again) in repeated_ids(fw) {
            let nodes = &fw.catalog.nodes;
            let (first, again) = (&nodes[first], &nodes[again]);
            let id = first.source_id.as_deref().unwrap_or(&first.label);
            let message = format!(
                "{} has two requirements with the id `{id}`: only the first can be cited or mapped, and the other never counts as covered",
                fw.alias
            );
            let diag = Diagnostic::warning("CW047", message).help(
                "give each requirement its own id (`ref_id`) in the catalog file, or remove the repeated one",
            );
            diags.push(match file {
                Some(file) => {
                    let text = &file.text;
                    let at = |needle: &str, from: usize| {
                        text.get(from..)?
                            .find(needle)
                            .map(|i| from + i..from + i + needle.len())
                    };
                    // A node's id: its `ref_id` value, on the line of the
                    // first `ref_id` after its URN; else the URN itself.
                    let id_of = |node: &Requirement, from: usize| {
                        let urn = at(&node.urn, from)?;
                        let written = node.source_id.as_deref()?;
                        let key = at("ref_id", urn.end)?;
                        let line_end = text[key.end..]
                            .find('\n')
                            .map_or(text.len(), |i| key.end + i);
                        at(written, key.end)
                            .filter(|value| value.end <= line_end)
                            .or(Some(urn))
                    };
                    let first_at = id_of(first, 0)
                        .or_else(|| at(&first.urn, 0))
                        .unwrap_or(0..0);
                    let again_at = id_of(again, first_at.end)
                        .or_else(|| at(&again.urn, first_at.end))
                        .unwrap_or(0..0);
                    diag.at(file, again_at)
                        .label("the same id again")
                        .related(Location::new(file, first_at), "first given here")
                }
                None => diag.in_file(path),
            });
        }
    }
}

/// Pairs (first, repeated) of a catalog's requirements whose ids are one
/// canonically, in catalog order.
fn repeated_ids(fw: &LoadedFramework) -> Vec<(usize, usize)> {
    let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (i, node) in fw.catalog.nodes.iter().enumerate() {
        let id = crosswalk_catalog::ids::canonical(&node.label);
        match first.get(&id) {
            Some(&f) => out.push((f, i)),
            None => {
                first.insert(id, i);
            }
        }
    }
    out
}

fn mapping_error(
    file: Option<&std::sync::Arc<crate::diagnostic::SourceFile>>,
    path: &std::path::Path,
    needle: &str,
    message: String,
) -> Diagnostic {
    let diag = Diagnostic::error("CW043", message).help(
        "fix the id in the mapping file, or load the framework it refers to in book.toml [frameworks]",
    );
    match file {
        Some(file) => {
            let span = file.text.find(needle).map_or(0..0, |i| i..i + needle.len());
            diag.at(file, span)
        }
        None => diag.in_file(path),
    }
}

fn relations(ctx: &Context, doc: &Document, diags: &mut Vec<Diagnostic>) {
    for relation in &doc.relations {
        let target = &relation.target;
        if target.value == doc.id.value {
            diags.push(
                Diagnostic::error(
                    "CW013",
                    format!("`{}` refers to the document itself", relation.kind.key()),
                )
                .at(&doc.source, target.span.clone())
                .help("remove the self-reference"),
            );
            continue;
        }
        let Some(&t) = ctx.by_id.get(target.value.as_str()) else {
            if !ctx.exists(&target.value) {
                diags.push(unknown_document(
                    ctx,
                    doc,
                    &target.value,
                    target.span.clone(),
                ));
            }
            continue;
        };
        let target_doc = &ctx.documents[t];
        if relation.kind == RelationKind::Implements
            && target_doc.kind.value != "reference-architecture"
        {
            diags.push(
                Diagnostic::error(
                    "CW023",
                    format!(
                        "`implements` must point at a reference architecture, but {} is a `{}`",
                        target.value, target_doc.kind.value
                    ),
                )
                .at(&doc.source, target.span.clone())
                .help("use `related` or `requires` for documents that are not reference architectures"),
            );
        }
    }
}

fn unknown_document(
    ctx: &Context,
    doc: &Document,
    id: &str,
    span: std::ops::Range<usize>,
) -> Diagnostic {
    // Never the citing document itself: following that help is CW013.
    let ids = ctx
        .by_id
        .keys()
        .copied()
        .filter(|candidate| *candidate != doc.id.value);
    let titled = || {
        ctx.documents
            .iter()
            .find(|d| d.title.value.trim().eq_ignore_ascii_case(id.trim()))
    };
    let help = match (nearest_id(id, ids), titled()) {
        (Some(near), _) => format!("did you mean `{near}`?"),
        // `[[Some page]]`: a title where the id goes.
        (None, Some(titled)) => format!(
            "did you mean `{}`, titled \"{}\"? documents are named by their ids, not their titles",
            titled.id.value, titled.title.value
        ),
        (None, None) => format!(
            "a document's id is the book's prefix, a dash and its number, like this one's, `{}`; \
             the site's documents/index.html lists every document with its id",
            doc.id.value
        ),
    };
    Diagnostic::error("CW012", format!("unknown document `{id}`"))
        .at(&doc.source, span)
        .label("no document has this id")
        .help(help)
}

/// The id among `ids` nearest `wanted`, for "did you mean": the fewest
/// edits (case aside; two characters swapped is one edit, a usual typo),
/// at most a quarter of `wanted` (one for short ids), where an id with the
/// same prefix and number (`hcb-12` for `HCB-0012`) counts as none; ties go
/// to the nearest number, then to the id that sorts first. (Jaro-Winkler,
/// which suits words, scores `HCB-0001` and `HCB-0040` alike for
/// `HCB-0050`: all share `HCB-00`, so the smallest id won whatever the
/// digits.)
fn nearest_id<'a>(wanted: &str, ids: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = wanted.to_ascii_lowercase();
    let parts = id_parts(wanted);
    let limit = (wanted.chars().count() / 4).max(1);
    ids.into_iter()
        .filter_map(|id| {
            let theirs = id_parts(id);
            let same_number = matches!((parts, theirs), (Some((p, n)), Some((q, m)))
                if n == m && p.eq_ignore_ascii_case(q));
            let edits = if same_number {
                0
            } else {
                strsim::osa_distance(&lower, &id.to_ascii_lowercase())
            };
            let gap = match (parts, theirs) {
                (Some((_, n)), Some((_, m))) => n.abs_diff(m),
                _ => u64::MAX,
            };
            (edits <= limit).then_some((edits, gap, id))
        })
        .min()
        .map(|(_, _, id)| id)
}

/// The prefix and number of a document id: `HCB-0012` -> (`HCB`, 12).
fn id_parts(id: &str) -> Option<(&str, u64)> {
    let (prefix, digits) = id.trim().rsplit_once('-')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((prefix, digits.parse().ok()?))
}

fn technique(
    ctx: &Context,
    doc: &Document,
    id: &str,
    span: std::ops::Range<usize>,
    diags: &mut Vec<Diagnostic>,
) {
    match ctx.registry.technique(id) {
        TechniqueLookup::Found(_, technique) => {
            if let Some(revoked) = &technique.revoked {
                let help = match &revoked.replaced_by {
                    Some(new) => format!(
                        "cite `{new}` instead: MITRE revoked {} in favour of it",
                        technique.id
                    ),
                    None => {
                        "remove it: MITRE revoked it without a replacement technique".to_string()
                    }
                };
                let replaced = revoked
                    .replaced_by
                    .as_deref()
                    .map_or(String::new(), |n| format!(" by {n}"));
                diags.push(
                    Diagnostic::error(
                        "CW017",
                        format!(
                            "technique {} ({}) is revoked{replaced}",
                            technique.id, technique.name
                        ),
                    )
                    .at(&doc.source, span)
                    .help(help),
                );
            } else if technique.deprecated {
                diags.push(
                    Diagnostic::warning(
                        "CW018",
                        format!(
                            "technique {} ({}) is deprecated",
                            technique.id, technique.name
                        ),
                    )
                    .at(&doc.source, span)
                    .help("MITRE no longer maintains it; cite a current technique"),
                );
            }
        }
        TechniqueLookup::NotFound(near) => {
            let help = if near.is_empty() {
                "technique ids look like T1486, T1059.001 or (ICS) T0816".to_string()
            } else {
                format!("did you mean {}?", quoted(&near))
            };
            diags.push(
                Diagnostic::error("CW016", format!("unknown ATT&CK technique `{id}`"))
                    .at(&doc.source, span)
                    .label("not in the loaded ATT&CK catalogs")
                    .help(help),
            );
        }
    }
}

fn control(
    ctx: &Context,
    doc: &Document,
    framework: &str,
    id: &str,
    span: std::ops::Range<usize>,
    diags: &mut Vec<Diagnostic>,
) {
    match ctx.registry.control(framework, id) {
        ControlLookup::UnknownFramework => {
            let known = ctx.registry.aliases();
            let help = match crate::diagnostic::did_you_mean(framework, known.iter().copied()) {
                Some(near) => format!(
                    "did you mean `{near}`? known frameworks: {}",
                    known.join(", ")
                ),
                None => format!(
                    "known frameworks: {} (add others in book.toml [frameworks])",
                    known.join(", ")
                ),
            };
            diags.push(
                Diagnostic::error("CW019", format!("unknown framework `{framework}`"))
                    .at(&doc.source, span)
                    .help(help),
            );
        }
        ControlLookup::NotFound(fw) => {
            let near = fw.suggest(id);
            let help = if let Some((head, idx)) = under_unknown_prefix(fw, id) {
                // `FOO_PR.AC-1.3`: a measure behind a prefix that is no level.
                format!(
                    "`{head}_` is not a level prefix: did you mean {}?",
                    notations(fw, idx)
                )
            } else if near.is_empty() {
                let example = fw
                    .catalog
                    .nodes
                    .iter()
                    .find(|n| n.assessable)
                    .or(fw.catalog.nodes.first())
                    .map_or(String::new(), |n| {
                        format!(" its ids look like `{}`, and", n.label)
                    });
                format!(
                    "{} has no id close to it;{example} the site's page {} lists every requirement",
                    fw.alias,
                    crate::site::urls::framework(&fw.alias)
                )
            } else {
                format!(
                    "did you mean {}?",
                    quoted(
                        &near
                            .iter()
                            .map(|n| format!("{}:{n}", fw.alias))
                            .collect::<Vec<_>>()
                    )
                )
            };
            diags.push(
                Diagnostic::error("CW025", format!("unknown control `{id}` in {}", fw.alias))
                    .at(&doc.source, span)
                    .label(format!(
                        "not in {} (version {})",
                        fw.catalog.name, fw.catalog.version
                    ))
                    .help(help),
            );
        }
        ControlLookup::Found(fw, idx) => {
            let node = &fw.catalog.nodes[idx];
            if let Some(diag) = wrong_level(fw, idx, id) {
                diags.push(diag.at(&doc.source, span.clone()));
            }
            if let Some(withdrawn) = &node.withdrawn {
                diags.push(withdrawn_control(doc, fw, node, withdrawn, span));
            } else if is_grouping(fw, idx) {
                diags.push(
                    Diagnostic::warning(
                        "CW027",
                        format!("{}:{} is a grouping of requirements, not a requirement", fw.alias, node.label),
                    )
                    .at(&doc.source, span)
                    .help("cite the requirements (or measures) under it that the document really covers"),
                );
            }
        }
    }
}

/// The level prefixes of CyFun measures (`BASIC_PR.AC-1.1`), which
/// lookups drop ([`crosswalk_catalog::ids::canonical`]) in every framework.
const LEVEL_PREFIXES: [&str; 3] = ["BASIC", "IMPORTANT", "ESSENTIAL"];

/// The level prefix `id` starts with, as written (`basic` of
/// `basic_PR.AC-1.1`), and the id after it.
fn level_prefix(id: &str) -> Option<(&str, &str)> {
    let (head, rest) = id.split_once('_')?;
    LEVEL_PREFIXES
        .iter()
        .any(|p| p.eq_ignore_ascii_case(head))
        .then_some((head, rest))
}

/// CW050: `written` (which found the node `idx`) carries a level prefix
/// that is not the one the catalog writes the node with
/// (`BASIC_PR.AC-1.2` for `IMPORTANT_PR.AC-1.2`), or the catalog writes
/// it with none (`PR.AC-1.3`; CyFun 2025 has none at all). The lookup
/// ignores prefixes, so the citation counts for the measure the rest
/// names, while what it says of the level is wrong, or it meant another
/// measure. Unlocated.
fn wrong_level(fw: &LoadedFramework, idx: usize, written: &str) -> Option<Diagnostic> {
    let (head, _) = level_prefix(written)?;
    let node = &fw.catalog.nodes[idx];
    let own = node
        .source_id
        .as_deref()
        .filter(|s| level_prefix(s).is_some());
    let own_prefix = own.and_then(level_prefix).map(|(p, _)| p);
    if own_prefix.is_some_and(|p| p.eq_ignore_ascii_case(head)) {
        return None;
    }
    let prefix = head.to_ascii_uppercase();
    let message = match own {
        Some(own) => format!(
            "`{prefix}_` is not the level of {}:{}: {} writes it `{own}`",
            fw.alias, node.label, fw.alias
        ),
        None => format!(
            "{} writes {} without a level prefix, not with `{prefix}_`",
            fw.alias, node.label
        ),
    };
    let mut help = format!("write {}", notations(fw, idx));
    // The measures of the same requirement at the level written: what the
    // author may have meant instead.
    if let Some(parent) = node.parent {
        let at_level: Vec<String> = fw.children[parent as usize]
            .iter()
            .map(|&c| &fw.catalog.nodes[c as usize])
            .filter(|n| {
                n.source_id
                    .as_deref()
                    .and_then(level_prefix)
                    .is_some_and(|(p, _)| p.eq_ignore_ascii_case(head))
            })
            .map(|n| {
                format!(
                    "`{}:{}`",
                    fw.alias,
                    n.source_id.as_deref().unwrap_or(&n.label)
                )
            })
            .collect();
        if !at_level.is_empty() {
            let (s, are) = if at_level.len() == 1 {
                ("", "is")
            } else {
                ("s", "are")
            };
            help += &format!(
                "; the {} measure{s} of {} {are} {}",
                head.to_ascii_lowercase(),
                fw.catalog.nodes[parent as usize].label,
                at_level.join(", ")
            );
        }
    }
    Some(Diagnostic::error("CW050", message).help(help))
}

/// The node `id` names after a prefix that is no level (`FOO_PR.AC-1.3`),
/// with that prefix.
fn under_unknown_prefix<'a>(fw: &LoadedFramework, id: &'a str) -> Option<(&'a str, usize)> {
    let (head, rest) = id.split_once('_')?;
    if head.is_empty() || !head.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((head, fw.find(rest)?))
}

/// The ways of citing node `idx` that 0002-format.md allows, quoted: the
/// library's notation, when it has a level prefix, and the plain id
/// (`CYFUN2023:IMPORTANT_PR.AC-1.2` or `CYFUN2023:PR.AC-1.2`).
fn notations(fw: &LoadedFramework, idx: usize) -> String {
    let node = &fw.catalog.nodes[idx];
    let plain = format!("`{}:{}`", fw.alias, node.label);
    match node
        .source_id
        .as_deref()
        .filter(|s| level_prefix(s).is_some())
    {
        Some(own) => format!("`{}:{own}` or {plain}", fw.alias),
        None => plain,
    }
}

fn withdrawn_control(
    doc: &Document,
    fw: &LoadedFramework,
    node: &Requirement,
    withdrawn: &crosswalk_catalog::Withdrawal,
    span: std::ops::Range<usize>,
) -> Diagnostic {
    let targets: Vec<String> = withdrawn
        .moved_to
        .iter()
        .chain(&withdrawn.incorporated_into)
        .map(|t| format!("{}:{t}", fw.alias))
        .collect();
    let (how, replacements) = if !withdrawn.moved_to.is_empty() {
        ("moved to", &withdrawn.moved_to)
    } else {
        ("incorporated into", &withdrawn.incorporated_into)
    };
    let (message, help) = if replacements.is_empty() {
        (
            format!("{}:{} is withdrawn", fw.alias, node.label),
            "remove the citation".to_string(),
        )
    } else {
        (
            format!(
                "{}:{} is withdrawn: {how} {}",
                fw.alias,
                node.label,
                replacements.join(", ")
            ),
            format!("cite {} instead", quoted(&targets)),
        )
    };
    Diagnostic::error("CW026", message)
        .at(&doc.source, span)
        .help(help)
}

/// A node that groups requirements rather than being one: a citation of
/// it covers nothing, so it is warned about (CW027). The rule is
/// [`LoadedFramework::is_grouping`], which `coverage` reads too, so check
/// warns about exactly the citations that count for nothing.
fn is_grouping(fw: &LoadedFramework, idx: usize) -> bool {
    fw.is_grouping(idx)
}

pub(super) fn body_links(ctx: &Context, doc: &Document, diags: &mut Vec<Diagnostic>) {
    for link in &doc.outline.links {
        let span = link.span.clone();
        match &link.target {
            LinkTarget::Wiki(target) => wiki(ctx, doc, target, span, diags),
            LinkTarget::Anchor(anchor) => {
                if !doc.outline.has_anchor(anchor) {
                    diags.push(missing_anchor(doc, anchor, &doc.id.value, span));
                } else if let Some(heading) = doc.outline.heading_behind_page_id(anchor) {
                    diags.push(anchor_taken_by_page(doc, anchor, heading, span));
                }
            }
            LinkTarget::File { path, anchor } => match document_link(&doc.rel_path, path) {
                Some(resolved) => match ctx.by_path.get(resolved.as_str()) {
                    Some(&t) => {
                        let target = &ctx.documents[t];
                        if let Some(anchor) = anchor {
                            if !target.outline.has_anchor(anchor) {
                                diags.push(missing_anchor(doc, anchor, &target.id.value, span));
                            } else if let Some(heading) =
                                target.outline.heading_behind_page_id(anchor)
                            {
                                diags.push(anchor_taken_by_page(doc, anchor, heading, span));
                            }
                        }
                    }
                    // The file is there but did not load: its own error says why.
                    None if ctx.unloaded.contains(resolved.as_str()) => {}
                    None => diags.push(broken_link(doc, path, span)),
                },
                None => diags.push(broken_link(doc, path, span)),
            },
            LinkTarget::Asset(written) => {
                if book_file(&doc.rel_path, written, ctx.assets).is_none() {
                    diags.push(
                        Diagnostic::error(
                            "CW014",
                            format!("broken link: `{written}` is not a file of this book"),
                        )
                        .at(&doc.source, span)
                        .help(
                            "links and images are relative to this file; put the file under \
                             the source directory (the site copies it under `files/`)",
                        ),
                    );
                }
            }
            LinkTarget::RawHtml(written) => {
                let markdown = if written.ends_with(".md") || written.contains(".md#") {
                    format!("[text]({written})")
                } else {
                    format!("![description]({written})` or `[text]({written})")
                };
                diags.push(
                    Diagnostic::warning(
                        "CW046",
                        format!("`{written}` in raw HTML is not checked or rewritten: on the site it leads nowhere"),
                    )
                    .at(&doc.source, span)
                    .help(format!(
                        "write it in Markdown, `{markdown}`, which check verifies and the site points at the page or the copied file"
                    )),
                )
            }
            LinkTarget::ImageWithoutText => diags.push(
                Diagnostic::warning("CW048", "image without a text alternative")
                    .at(&doc.source, span)
                    .label("what does it show?")
                    .help("say what the image shows, for readers who cannot see it (WCAG 1.1.1): `![network zones of the imaging ward](zones.png)`, or `alt=\"…\"` in HTML (`alt=\"\"` for a decorative one)"),
            ),
            LinkTarget::DroppedScheme(url) => {
                let scheme = url.split(':').next().unwrap_or_default();
                diags.push(
                    Diagnostic::warning(
                        "CW052",
                        format!("link with the scheme `{scheme}:` is dropped on the site"),
                    )
                    .at(&doc.source, span)
                    .label("on the page this links nowhere (`#`)")
                    .help("links may use http, https, mailto or tel, or point into the book; a `javascript:` or `data:` link would run or load something in the reader's browser"),
                )
            }
            LinkTarget::ExternalImage(url) => diags.push(
                Diagnostic::warning("CW036", format!("image from another host is not loaded: {url}"))
                    .at(&doc.source, span)
                    .help("the site loads nothing from third-party hosts; put the image in the book and link it relatively"),
            ),
        }
    }
}

/// `[[HCB-0007]]`, `[[T1486]]`, `[[FRAMEWORK:ID]]`.
fn wiki(
    ctx: &Context,
    doc: &Document,
    target: &str,
    span: std::ops::Range<usize>,
    diags: &mut Vec<Diagnostic>,
) {
    if let Some((framework, id)) = target.split_once(':') {
        control(ctx, doc, framework.trim(), id.trim(), span, diags);
    } else if is_technique_id(target) {
        technique(ctx, doc, target, span, diags);
    } else if looks_like_a_technique(target) && !ctx.exists(target) {
        diags.push(
            Diagnostic::error(
                "CW016",
                format!("`[[{target}]]` is not an ATT&CK technique id"),
            )
            .at(&doc.source, span)
            .help("technique ids are T and four digits, with a sub-technique's three after a dot: [[T1486]], [[T1059.001]]"),
        );
    } else if !ctx.exists(target) {
        diags.push(unknown_document(ctx, doc, target, span));
    }
}

/// `T` then digits and dots, not in the shape of a technique id
/// (`T99999`, `T1059.1`): a mistyped technique, not a document id.
fn looks_like_a_technique(s: &str) -> bool {
    s.trim().strip_prefix(['T', 't']).is_some_and(|rest| {
        rest.starts_with(|c: char| c.is_ascii_digit())
            && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
    })
}

pub fn is_technique_id(s: &str) -> bool {
    let s = s.trim();
    let Some(rest) = s.strip_prefix(['T', 't']) else {
        return false;
    };
    let (main, sub) = rest.split_once('.').unwrap_or((rest, ""));
    main.len() == 4
        && main.chars().all(|c| c.is_ascii_digit())
        && (sub.is_empty() || sub.len() == 3 && sub.chars().all(|c| c.is_ascii_digit()))
}

fn broken_link(doc: &Document, path: &str, span: std::ops::Range<usize>) -> Diagnostic {
    Diagnostic::error(
        "CW014",
        format!("broken link: `{path}` is not a document of this book"),
    )
    .at(&doc.source, span)
    .help("links are relative to this file; or write [[HCB-NNNN]] to link by id")
}

fn missing_anchor(
    doc: &Document,
    anchor: &str,
    target: &str,
    span: std::ops::Range<usize>,
) -> Diagnostic {
    Diagnostic::error(
        "CW015",
        format!("broken anchor: {target} has no heading `#{anchor}`"),
    )
    .at(&doc.source, span)
    .help("anchors are heading texts in lower case with spaces as dashes, like GitHub's")
}

/// CW015 (a warning): `#anchor` is an id of the page around the body, and
/// the heading it names has another anchor.
fn anchor_taken_by_page(
    doc: &Document,
    anchor: &str,
    heading: &crate::document::markdown::Heading,
    span: std::ops::Range<usize>,
) -> Diagnostic {
    Diagnostic::warning(
        "CW015",
        format!(
            "`#{anchor}` is a part of the page around the document, not the heading \"{}\", whose anchor is `#{}`",
            heading.text, heading.anchor
        ),
    )
    .at(&doc.source, span)
    .help(format!(
        "link `#{}` to reach the heading, or give the heading another title",
        heading.anchor
    ))
}

/// Resolve `../x/0007-a.md` against `governance/0001-b.md`.
/// The book file (a picture, a download; `assets` sorted) that `written`
/// links from the document at `from`, if the book has it: the path part of
/// the link, percent-decoded, resolved against the document's folder.
pub fn book_file<'a>(from: &str, written: &str, assets: &'a [String]) -> Option<&'a str> {
    let (path, _) = crate::document::markdown::split_fragment(written);
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    let resolved = resolve_relative(from, &path)?;
    let at = assets
        .binary_search_by(|a| a.as_str().cmp(&resolved))
        .ok()?;
    Some(assets[at].as_str())
}

/// The source-relative path of the document a Markdown link `path` in the
/// document at `from` points at: percent-decoded (GitHub and address bars
/// write `é` as `%C3%A9`), resolved, and in normal form C, as the book's
/// paths are looked up ([`crate::document::nfc`]).
pub fn document_link(from: &str, path: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .unwrap_or(std::borrow::Cow::Borrowed(path));
    let resolved = resolve_relative(from, &decoded)?;
    // Composed already (always, for ASCII): no second copy.
    Some(match crate::document::nfc(&resolved) {
        std::borrow::Cow::Borrowed(_) => resolved,
        std::borrow::Cow::Owned(composed) => composed,
    })
}

pub fn resolve_relative(from: &str, path: &str) -> Option<String> {
    if path.starts_with('/') {
        return None;
    }
    // The directory of `from`, then each step of `path`, in one string:
    // every relative link of every body comes through here.
    let mut out = String::with_capacity(from.len() + path.len());
    out.push_str(from.rsplit_once('/').map_or("", |(dir, _)| dir));
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.is_empty() {
                    return None;
                }
                out.truncate(out.rfind('/').unwrap_or(0));
            }
            p => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(p);
            }
        }
    }
    Some(out)
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CW047 looks at the book's own catalogs only: the embedded ones must
    /// have no repeated ids, or every book would carry unfixable gaps.
    #[test]
    fn no_embedded_catalog_repeats_a_requirement_id() {
        let config = crate::book::BookConfig::default();
        let registry =
            crate::catalog::Registry::load(&config, std::path::Path::new("."), None).unwrap();
        assert!(registry.frameworks.len() >= 5);
        for fw in registry.frameworks.values() {
            let repeated: Vec<_> = repeated_ids(fw)
                .into_iter()
                .map(|(_, again)| fw.catalog.nodes[again].label.clone())
                .collect();
            assert!(repeated.is_empty(), "{}: {repeated:?}", fw.alias);
        }
    }

    /// Regression: every unknown id of this book was offered `HCB-0001` or
    /// `HCB-0014` (Jaro-Winkler scores ids sharing `HCB-00` alike), not
    /// the ids one digit away.
    #[test]
    fn unknown_ids_are_offered_the_nearest_ids() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/check/CW012-nearest-id");
        let project = crate::pipeline::Project::load(&root, &Default::default()).unwrap();
        let offered: Vec<(&str, &str)> = project
            .diagnostics
            .iter()
            .filter(|d| d.code == "CW012")
            .map(|d| (d.message.as_str(), d.help.as_deref().unwrap_or("")))
            .collect();
        let want = |id: &str, near: &str| {
            (
                format!("unknown document `{id}`"),
                format!("did you mean `{near}`?"),
            )
        };
        let want = [
            want("HCB-0050", "HCB-0040"),
            want("HCB-0049", "HCB-0044"),
            want("HCB-0019", "HCB-0014"),
            want("HCB-0060", "HCB-0040"),
            want("HCB-0104", "HCB-0014"),
            want("hcb-40", "HCB-0040"),
        ];
        let want: Vec<(&str, &str)> = want.iter().map(|(m, h)| (m.as_str(), h.as_str())).collect();
        assert_eq!(offered, want);
    }

    /// (message, help) of every `code` the fixture book `name` gets.
    fn told(name: &str, code: &str) -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/check")
            .join(name);
        let project = crate::pipeline::Project::load(&root, &Default::default()).unwrap();
        project
            .diagnostics
            .iter()
            .filter(|d| d.code == code)
            .map(|d| (d.message.clone(), d.help.clone().unwrap_or_default()))
            .collect()
    }

    fn pairs(want: &[(&str, &str)]) -> Vec<(String, String)> {
        want.iter()
            .map(|(m, h)| (m.to_string(), h.to_string()))
            .collect()
    }

    /// Regression: a CyFun level prefix was dropped unread, so
    /// `BASIC_PR.AC-1.2` (an important measure) and a prefix on CyFun 2025
    /// (which has none) passed; `FOO_PR.AC-1.3` got no suggestion.
    #[test]
    fn a_level_prefix_must_be_the_measures_own() {
        assert_eq!(
            told("CW050-wrong-level-prefix", "CW050"),
            pairs(&[
                (
                    "`BASIC_` is not the level of CYFUN2023:PR.AC-1.2: CYFUN2023 writes it `IMPORTANT_PR.AC-1.2`",
                    "write `CYFUN2023:IMPORTANT_PR.AC-1.2` or `CYFUN2023:PR.AC-1.2`; the basic measure of PR.AC-1 is `CYFUN2023:BASIC_PR.AC-1.1`",
                ),
                (
                    "`IMPORTANT_` is not the level of CYFUN2023:PR.AC-1.1: CYFUN2023 writes it `BASIC_PR.AC-1.1`",
                    "write `CYFUN2023:BASIC_PR.AC-1.1` or `CYFUN2023:PR.AC-1.1`; the important measure of PR.AC-1 is `CYFUN2023:IMPORTANT_PR.AC-1.2`",
                ),
                (
                    "`ESSENTIAL_` is not the level of CYFUN2023:ID.AM-1.1: CYFUN2023 writes it `BASIC_ID.AM-1.1`",
                    "write `CYFUN2023:BASIC_ID.AM-1.1` or `CYFUN2023:ID.AM-1.1`",
                ),
                (
                    "CYFUN2025 writes GV.OC-01.1 without a level prefix, not with `BASIC_`",
                    "write `CYFUN2025:GV.OC-01.1`",
                ),
            ])
        );
        assert_eq!(
            told("CW050-wrong-level-prefix", "CW025"),
            pairs(&[(
                "unknown control `FOO_PR.AC-1.3` in CYFUN2023",
                "`FOO_` is not a level prefix: did you mean `CYFUN2023:PR.AC-1.3`?",
            )])
        );
    }

    /// Regression: help lines sent authors to `crosswalk catalogs` (names
    /// and sizes only) and `crosswalk refs` (which lists no documents).
    #[test]
    fn unknown_references_are_pointed_at_what_lists_them() {
        assert_eq!(
            told("CW025-nothing-near", "CW025"),
            pairs(&[(
                "unknown control `99.99` in NIS2",
                "NIS2 has no id close to it; its ids look like `21.1`, and the site's page controls/nis2/index.html lists every requirement",
            )])
        );
        assert_eq!(
            told("CW012-title-for-id", "CW012"),
            pairs(&[
                (
                    "unknown document `base`",
                    "did you mean `HCB-0001`, titled \"Base\"? documents are named by their ids, not their titles",
                ),
                (
                    "unknown document `Some page`",
                    "a document's id is the book's prefix, a dash and its number, like this one's, `HCB-0002`; the site's documents/index.html lists every document with its id",
                ),
            ])
        );
    }

    #[test]
    fn nearest_ids_are_few_edits_away() {
        let ids = ["HCB-0001", "HCB-0010", "HCB-0021"];
        assert_eq!(nearest_id("HCB-0012", ids), Some("HCB-0010"));
        assert_eq!(nearest_id("HCB-0201", ids), Some("HCB-0021"));
        assert_eq!(nearest_id("hcb-1", ids), Some("HCB-0001"));
        assert_eq!(nearest_id("HCB-0999", ids), None);
        assert_eq!(nearest_id("Tabletop", ids), None);
        assert_eq!(nearest_id("X", ids), None);
    }

    #[test]
    fn mistyped_technique_ids_are_told_apart_from_document_ids() {
        assert!(looks_like_a_technique("T99999"));
        assert!(looks_like_a_technique("t1059.1"));
        assert!(!looks_like_a_technique("HCB-0001"));
        assert!(!looks_like_a_technique("Tabletop"));
        assert!(!looks_like_a_technique("T"));
    }

    #[test]
    fn document_links_are_decoded_and_composed() {
        let composed = "a/0002-s\u{e9}curit\u{e9}.md";
        for written in [
            "0002-s%C3%A9curit%C3%A9.md",
            "0002-se\u{301}curite\u{301}.md",
            "0002-s\u{e9}curit\u{e9}.md",
        ] {
            assert_eq!(
                document_link("a/0001-x.md", written).as_deref(),
                Some(composed),
                "{written}"
            );
        }
        // A folder written with combining accents, too.
        assert_eq!(
            document_link("re\u{301}seau/0001-x.md", "0003-y.md").as_deref(),
            Some("r\u{e9}seau/0003-y.md")
        );
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            resolve_relative("a/0001-x.md", "../b/0002-y.md").as_deref(),
            Some("b/0002-y.md")
        );
        assert_eq!(
            resolve_relative("a/0001-x.md", "0002-y.md").as_deref(),
            Some("a/0002-y.md")
        );
        assert_eq!(resolve_relative("0001-x.md", "../../y.md"), None);
    }

    #[test]
    fn technique_ids() {
        assert!(is_technique_id("T1486"));
        assert!(is_technique_id("T1059.001"));
        assert!(!is_technique_id("HCB-0001"));
        assert!(!is_technique_id("T14"));
    }
}
