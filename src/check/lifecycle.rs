//! Lifecycle rules: supersession, cycles, review dates.

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;

use super::Context;
use crate::diagnostic::Diagnostic;
use crate::document::{Document, RelationKind};

pub fn check(ctx: &Context, diags: &mut Vec<Diagnostic>) {
    supersession(ctx, diags);
    cycles(ctx, RelationKind::Supersedes, diags);
    cycles(ctx, RelationKind::Requires, diags);
    dates(ctx, diags);
}

fn supersession(ctx: &Context, diags: &mut Vec<Diagnostic>) {
    let mut superseded_by = vec![false; ctx.documents.len()];
    for doc in ctx.documents {
        for relation in doc
            .relations
            .iter()
            .filter(|r| r.kind == RelationKind::Supersedes)
        {
            let Some(&t) = ctx.by_id.get(relation.target.value.as_str()) else {
                continue;
            };
            if t == ctx.by_id[doc.id.value.as_str()] {
                continue;
            }
            superseded_by[t] = true;
            let target = &ctx.documents[t];
            if target.status.value != "superseded" {
                diags.push(
                    Diagnostic::error(
                        "CW020",
                        format!(
                            "{} supersedes {}, but {} has status `{}`",
                            doc.id.value, target.id.value, target.id.value, target.status.value
                        ),
                    )
                    .at(&target.source, target.status.span.clone())
                    .label("should be `superseded`")
                    .related(
                        crate::diagnostic::Location::new(&doc.source, relation.target.span.clone()),
                        "superseded here",
                    )
                    .help(format!(
                        "set `status = \"superseded\"` in {}",
                        target.id.value
                    )),
                );
            }
        }
    }
    for (i, doc) in ctx.documents.iter().enumerate() {
        // A document that did not load may be the one superseding it.
        if doc.status.value == "superseded" && !superseded_by[i] && ctx.unloaded.is_empty() {
            diags.push(
                Diagnostic::error(
                    "CW021",
                    format!(
                        "{} is superseded, but no document supersedes it",
                        doc.id.value
                    ),
                )
                .at(&doc.source, doc.status.span.clone())
                .help(
                    "add `supersedes = [\"".to_string()
                        + &doc.id.value
                        + "\"]` to the newer document, or change the status",
                ),
            );
        }
    }
}

/// Report each cycle of `kind` edges once, at its first document.
fn cycles(ctx: &Context, kind: RelationKind, diags: &mut Vec<Diagnostic>) {
    let mut graph = DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..ctx.documents.len())
        .map(|i| graph.add_node(i))
        .collect();
    for (i, doc) in ctx.documents.iter().enumerate() {
        for relation in doc.relations.iter().filter(|r| r.kind == kind) {
            if let Some(&t) = ctx.by_id.get(relation.target.value.as_str()) {
                if t != i {
                    graph.add_edge(nodes[i], nodes[t], ());
                }
            }
        }
    }
    for component in tarjan_scc(&graph) {
        if component.len() < 2 {
            continue;
        }
        let mut members: Vec<usize> = component.iter().map(|n| graph[*n]).collect();
        members.sort_unstable();
        let first = &ctx.documents[members[0]];
        let ids: Vec<&str> = members
            .iter()
            .map(|&m| ctx.documents[m].id.value.as_str())
            .collect();
        let span = first
            .relations
            .iter()
            .find(|r| r.kind == kind)
            .map_or(first.id.span.clone(), |r| r.target.span.clone());
        diags.push(
            Diagnostic::error(
                "CW022",
                format!("`{}` cycle between {}", kind.key(), ids.join(", ")),
            )
            .at(&first.source, span)
            .help(format!(
                "documents cannot `{}` each other in a circle; remove one link",
                kind.key()
            )),
        );
    }
}

fn dates(ctx: &Context, diags: &mut Vec<Diagnostic>) {
    for doc in ctx.documents {
        if let Some(review) = &doc.review_by {
            if review.value < ctx.today
                && !crate::document::Vocabulary::is_retired(&doc.status.value)
            {
                diags.push(
                    Diagnostic::warning("CW024", format!("review date {} has passed", review.value))
                        .at(&doc.source, review.span.clone())
                        .help("review the document, then move `review-by` forward (and bump `version` if it changed)"),
                );
            }
        }
        if let Some(updated) = doc.updated {
            if updated < doc.created {
                diags.push(
                    Diagnostic::warning(
                        "CW033",
                        format!(
                            "`updated` ({updated}) is before `created` ({})",
                            doc.created
                        ),
                    )
                    .at(
                        &doc.source,
                        front_matter_key(doc, "updated").unwrap_or(doc.id.span.clone()),
                    )
                    .help(
                        "fix the dates: `updated` is the last change, `created` the first version",
                    ),
                );
            }
        }
    }
}

/// The span of `key` where the front-matter sets it (`key = ...` at the
/// start of a line, before the body), for values read without their place.
fn front_matter_key(doc: &Document, key: &str) -> Option<std::ops::Range<usize>> {
    let front = doc.source.text.get(..doc.body.start)?;
    let mut at = 0;
    for line in front.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(rest) = trimmed.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                return Some(at + indent..at + indent + key.len());
            }
        }
        at += line.len();
    }
    None
}
