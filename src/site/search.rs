//! The search index: Pagefind, run in process from the records the build
//! already holds (documents, technique pages, cited control pages), so no
//! HTML is parsed a second time.
//!
//! Pagefind's browser code fetches its index, which Chromium refuses for
//! pages opened from `file://`. Classic `<script>` elements are not
//! origin-gated, so next to the normal bundle we write a classic-script
//! build of `pagefind.js` and every file it fetches wrapped in a script
//! (`pagefind/offline/…`); `assets/search.js` uses those only on `file://`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

use crosswalk_catalog::AttackDomain;
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use pulldown_cmark::{Event, Parser, TagEnd};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::urls;
use crate::document::{markdown, Document};
use crate::graph::{Edge, Node};
use crate::pipeline::Project;

/// Directory of the index in the site.
pub const DIR: &str = "pagefind";

/// The filters (facets) records carry, as (key, label), in display order.
pub const FILTERS: &[(&str, &str)] = &[
    ("type", "Type"),
    ("kind", "Kind"),
    ("status", "Status"),
    ("area", "Area"),
    ("audience", "Audience"),
    ("budget", "Budget"),
    ("framework", "Framework"),
    ("cyfun", "CyFun level"),
    ("tactic", "ATT&CK tactic"),
    ("tag", "Tag"),
];

/// CyFun levels in order; other level names (key measures) fold into these.
const CYFUN_LEVELS: [&str; 3] = ["basic", "important", "essential"];

/// Technique descriptions are long; the first characters carry the gist and
/// keep the index small.
const DESCRIPTION_CHARS: usize = 600;

#[derive(Debug, thiserror::Error)]
#[error("cannot build the search index: {0}")]
pub struct SearchError(String);

/// One searchable page.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Page path relative to the site root.
    pub url: String,
    pub content: String,
    pub meta: BTreeMap<String, String>,
    pub filters: BTreeMap<String, Vec<String>>,
    pub sort: BTreeMap<String, String>,
}

/// A facet with its values and how many records have each.
#[derive(Debug, Clone, Serialize)]
pub struct Facet {
    pub key: &'static str,
    pub label: &'static str,
    pub values: Vec<(String, usize)>,
}

/// Every record of the site: documents first, then techniques, then
/// controls.
pub fn records(project: &Project) -> Vec<Record> {
    // Records are independent: built on every core, collected in order.
    let mut out: Vec<Record> = (0..project.documents.len())
        .into_par_iter()
        .map(|i| document_record(project, i))
        .collect();
    out.extend(catalog_records(project));
    out
}

/// The search page's facet counts: [`facets`] of [`records`], without
/// building the records' text, metadata or sort keys. Documents, most of
/// the records, give only their filters (`document_filters`, which their
/// records are made from too) and are counted on every core.
pub fn facet_counts(project: &Project) -> Vec<Facet> {
    let mut counts = (0..project.documents.len())
        .into_par_iter()
        .map(|i| document_filters(project, i))
        .fold(FacetCounts::default, |mut counts, filters| {
            counts.add(filters);
            counts
        })
        .reduce(FacetCounts::default, FacetCounts::merge);
    // Techniques and requirements add only their filters: building their
    // records would walk every technique's and requirement's citing
    // documents for a count the facets do not show.
    for catalog in &project.registry.attack {
        for (i, _) in catalog
            .techniques
            .iter()
            .enumerate()
            .filter(|(_, t)| t.revoked.is_none())
        {
            counts.add_filters(technique_filters(project, catalog.domain, i));
        }
    }
    for node in project.index.graph.node_weights() {
        if let Node::Control(alias, i) = node {
            counts.add_filters(control_filters(project, alias, *i));
        }
    }
    counts.into_facets()
}

/// The records of techniques and requirements (after the documents' in
/// [`records`]): small, but they count citing documents, so they change
/// with any front-matter.
pub fn catalog_records(project: &Project) -> Vec<Record> {
    let mut out: Vec<Record> = Vec::new();
    for catalog in &project.registry.attack {
        let techniques: Vec<usize> = catalog
            .techniques
            .iter()
            .enumerate()
            .filter(|(_, t)| t.revoked.is_none())
            .map(|(i, _)| i)
            .collect();
        out.par_extend(
            techniques
                .into_par_iter()
                .map(|i| technique_record(project, catalog.domain, i)),
        );
    }
    let controls: Vec<(String, usize)> = project
        .index
        .graph
        .node_weights()
        .filter_map(|n| match n {
            Node::Control(alias, i) => Some((alias.clone(), *i)),
            _ => None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    out.par_extend(
        controls
            .par_iter()
            .map(|(alias, i)| control_record(project, alias, *i)),
    );
    out
}

/// Facet values over `records`, as the index holds them; the search page
/// gets the same from [`facet_counts`] without building the records.
pub fn facets(records: &[Record]) -> Vec<Facet> {
    let mut counts = FacetCounts::default();
    for record in records {
        counts.add_record(record);
    }
    counts.into_facets()
}

/// How many records hold each value, per filter of [`FILTERS`]. Values
/// are borrowed from the project where they can be: at 10,000 documents
/// the search page counts some 200,000 of them.
#[derive(Default)]
struct FacetCounts<'a>(FxHashMap<&'static str, FxHashMap<Cow<'a, str>, usize>>);

impl<'a> FacetCounts<'a> {
    /// Count one record's filter values (each value once).
    fn add(&mut self, filters: Vec<(&'static str, Vec<Cow<'a, str>>)>) {
        for (key, values) in filters {
            let counted = self.0.entry(key).or_default();
            for value in distinct(values) {
                *counted.entry(value).or_default() += 1;
            }
        }
    }

    /// Count a record's filters that are facets.
    fn add_record(&mut self, record: &'a Record) {
        self.add_filters(
            record
                .filters
                .iter()
                .map(|(key, values)| (key.as_str(), values.iter().map(String::as_str).collect()))
                .collect(),
        );
    }

    /// Count filters as a record would hold them (see [`filters`]): only
    /// those that are facets, and none without a value.
    fn add_filters(&mut self, filters: Vec<(&str, Vec<&'a str>)>) {
        let facets = filters.into_iter().filter_map(|(key, values)| {
            let &(key, _) = FILTERS.iter().find(|(k, _)| *k == key)?;
            (!values.is_empty()).then(|| (key, values.into_iter().map(Cow::Borrowed).collect()))
        });
        self.add(facets.collect());
    }

    fn merge(mut self, other: FacetCounts<'a>) -> FacetCounts<'a> {
        for (key, values) in other.0 {
            let counted = self.0.entry(key).or_default();
            for (value, n) in values {
                *counted.entry(value).or_default() += n;
            }
        }
        self
    }

    /// The facets in [`FILTERS`] order, values in string order (CyFun's in
    /// level order), leaving out filters no record has.
    fn into_facets(mut self) -> Vec<Facet> {
        FILTERS
            .iter()
            .filter_map(|&(key, label)| {
                let mut values: Vec<(String, usize)> = self
                    .0
                    .remove(key)?
                    .into_iter()
                    .map(|(value, n)| (value.into_owned(), n))
                    .collect();
                if values.is_empty() {
                    return None;
                }
                values.sort_unstable();
                if key == "cyfun" {
                    values.sort_by_key(|(v, _)| CYFUN_LEVELS.iter().position(|l| l == v));
                }
                Some(Facet { key, label, values })
            })
            .collect()
    }
}

/// Records per part of the index when `[build] search-shards` is unset.
/// Pagefind scans the pages of its index on every record it adds, so a
/// part's cost grows with the square of its size: at 13,000 records, 12
/// parts built about 1 s faster than 6 on two cores and peaked at 1.0
/// instead of 1.4 GB.
const RECORDS_PER_SHARD: usize = 1000;

/// Upper bound on the automatic number of parts: every part costs the
/// browser one more small request per search.
const MAX_AUTO_SHARDS: usize = 12;

/// Upper bound on a configured number of parts.
pub const MAX_SHARDS: usize = 64;

/// Script listing the index's other parts, read by `assets/search.js`.
const SHARDS_SCRIPT: &str = "shards.js";

/// How the index is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSettings {
    /// The book's language (Pagefind's stemmer).
    pub language: String,
    /// Parts of the index (`[build] search-shards`); `None` picks one part
    /// per [`RECORDS_PER_SHARD`] records.
    pub shards: Option<usize>,
}

impl IndexSettings {
    pub fn of(project: &Project) -> IndexSettings {
        IndexSettings {
            language: project.book.config.book.language.clone(),
            shards: project.book.config.build.search_shards,
        }
    }
}

/// Build the index; returns the files to write, paths relative to the site
/// root.
pub fn index(
    project: &Project,
    records: Vec<Record>,
    stop: &AtomicBool,
) -> Result<Vec<(String, Vec<u8>)>, SearchError> {
    index_records(records, &IndexSettings::of(project), stop)
}

/// How many parts the index of `records` records is split into.
fn shard_count(records: usize, configured: Option<usize>) -> usize {
    match configured {
        Some(n) => n.clamp(1, MAX_SHARDS),
        None => records
            .div_ceil(RECORDS_PER_SHARD)
            .clamp(1, MAX_AUTO_SHARDS),
    }
    .min(records.max(1))
}

/// Split records into `count` parts, each a contiguous run of the records
/// in the order of their `priority` sort key (stable, so equal keys keep
/// the order they came in), cut at about equal amounts of text.
///
/// Why contiguous: Pagefind merges the parts' results by score, keeping
/// each part's order when scores tie, as they do when browsing by filters
/// without words. Each part sorts its own results by priority, so parts
/// holding successive priority ranges list in the right order merged.
fn shard(records: Vec<Record>, count: usize) -> Vec<Vec<Record>> {
    let mut records = records;
    records.sort_by(|a, b| a.sort.get("priority").cmp(&b.sort.get("priority")));
    let weight = |r: &Record| r.content.len() + r.url.len() + 64;
    let total: usize = records.iter().map(weight).sum();
    let count = count.max(1);
    let mut shards: Vec<Vec<Record>> = Vec::with_capacity(count);
    let mut current = Vec::new();
    let mut done = 0usize;
    let remaining = records.len();
    for (n, record) in records.into_iter().enumerate() {
        done += weight(&record);
        current.push(record);
        let parts_left = count - shards.len() - 1;
        let records_left = remaining - n - 1;
        // Cut when this part holds its share of the text, or when every
        // later part needs one of the remaining records.
        let share = total * (shards.len() + 1) / count;
        if parts_left > 0 && (done >= share || records_left == parts_left) {
            shards.push(std::mem::take(&mut current));
        }
    }
    shards.push(current);
    if shards.len() > 1 {
        shards.retain(|part| !part.is_empty());
    }
    shards
}

/// [`index`] for records already built (serve keeps them between rebuilds
/// and indexes in the background).
///
/// Pagefind's API indexes one record at a time behind a lock and compresses
/// its output on one thread, so one index uses one core. The records are
/// split into parts (see [`shard`]) indexed in parallel: the first part is
/// the full bundle under `pagefind/`, the others only their index files
/// under `pagefind/shard-N/`, and `pagefind/shards.js` lists them for
/// `assets/search.js`, which merges them with Pagefind's `mergeIndex`.
///
/// Once `stop` is raised (the build failed elsewhere), each part stops
/// adding records and the index comes back empty.
pub fn index_records(
    records: Vec<Record>,
    settings: &IndexSettings,
    stop: &AtomicBool,
) -> Result<Vec<(String, Vec<u8>)>, SearchError> {
    let count = shard_count(records.len(), settings.shards);
    let shards = shard(records, count);
    let adding = std::time::Instant::now();
    let built: Vec<Vec<(String, Vec<u8>)>> = shards
        .into_par_iter()
        .map(|records| index_one(records, &settings.language, stop))
        .collect::<Result<_, _>>()?;
    crate::timing::report("  pagefind (all parts)", adding.elapsed());
    if stop.load(Ordering::Relaxed) {
        return Ok(Vec::new());
    }
    let prefix = format!("{DIR}/");
    let mut files = Vec::new();
    let mut others = Vec::new();
    for (n, part) in built.into_iter().enumerate() {
        if n == 0 {
            files.extend(part);
            continue;
        }
        let dir = format!("shard-{n}/");
        others.push(dir.clone());
        files.extend(part.into_iter().filter_map(|(path, bytes)| {
            let rel = path.strip_prefix(&prefix)?;
            // The first part's wasm serves every part.
            (is_fetched(rel) && !rel.starts_with("wasm."))
                .then(|| (format!("{DIR}/{dir}{rel}"), bytes))
        }));
    }
    files.push((
        format!("{DIR}/{SHARDS_SCRIPT}"),
        shards_script(&others).into_bytes(),
    ));
    Ok(crate::timing::phase("  offline copies", || {
        with_offline_copies(files)
    }))
}

/// `pagefind/shards.js`: the other parts' directories, relative to
/// `pagefind/`.
fn shards_script(others: &[String]) -> String {
    format!(
        "/* Written by crosswalk: the other parts of this search index, merged by assets/search.js. */\nwindow.crosswalkSearchShards = {};\n",
        serde_json::Value::from(others.to_vec())
    )
}

/// One part of the index, on this thread.
fn index_one(
    records: Vec<Record>,
    language: &str,
    stop: &AtomicBool,
) -> Result<Vec<(String, Vec<u8>)>, SearchError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SearchError(e.to_string()))?;
    runtime.block_on(run_pagefind(records, language.to_string(), stop))
}

/// Feed the records to Pagefind and collect its output files.
async fn run_pagefind(
    records: Vec<Record>,
    language: String,
    stop: &AtomicBool,
) -> Result<Vec<(String, Vec<u8>)>, SearchError> {
    let config = PagefindServiceConfig::builder()
        .keep_index_url(true)
        .force_language(language.clone())
        .build();
    let mut index = PagefindIndex::new(Some(config)).map_err(|e| SearchError(e.to_string()))?;
    for r in records {
        if stop.load(Ordering::Relaxed) {
            return Ok(Vec::new());
        }
        index
            .add_custom_record(
                r.url,
                r.content,
                language.clone(),
                Some(r.meta),
                Some(r.filters),
                Some(r.sort),
            )
            .await
            .map_err(|e| SearchError(e.to_string()))?;
    }
    let files = index
        .get_files()
        .await
        .map_err(|e| SearchError(e.to_string()))?;
    Ok(files
        .into_iter()
        .map(|f| {
            let name = f.filename.to_string_lossy().replace('\\', "/");
            (format!("{DIR}/{name}"), f.contents)
        })
        .filter(|(path, _)| is_needed(path))
        .collect())
}

/// We drive Pagefind's JS API with our own script: its UI bundles and the
/// playground would only add weight.
fn is_needed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    !(name.starts_with("pagefind-ui")
        || name.starts_with("pagefind-modular-ui")
        || name.starts_with("pagefind-component-ui")
        || name.starts_with("pagefind-highlight")
        || path.contains("/playground/"))
}

/// Add the `file://` twins: a classic-script `pagefind.js` and each fetched
/// file wrapped as `crosswalkPagefindData(path, base64)`. When the bundle
/// cannot be converted (a future Pagefind changed its shape), search simply
/// stays http-only and the search page says so.
fn with_offline_copies(files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::with_capacity(files.len() * 2);
    let prefix = format!("{DIR}/");
    for (path, bytes) in files {
        let rel = path.strip_prefix(&prefix).unwrap_or(&path).to_string();
        if rel == "pagefind.js" {
            if let Some(classic) = classic_script(&String::from_utf8_lossy(&bytes)) {
                out.push((format!("{DIR}/pagefind.classic.js"), classic.into_bytes()));
            }
        } else if is_fetched(&rel) {
            let script = format!(
                "crosswalkPagefindData({},\"{}\");\n",
                serde_json::Value::String(rel.clone()),
                base64(&bytes)
            );
            out.push((format!("{DIR}/offline/{rel}.js"), script.into_bytes()));
        }
        out.push((path, bytes));
    }
    out
}

/// Files Pagefind's search code fetches at run time.
fn is_fetched(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name == "pagefind-entry.json"
        || name.starts_with("wasm.")
        || rel.ends_with(".pf_meta")
        || rel.ends_with(".pf_index")
        || rel.ends_with(".pf_filter")
        || rel.ends_with(".pf_fragment")
}

/// Turn the ES module `pagefind.js` into a classic script (module scripts
/// are CORS-gated on `file://`): `import.meta.url` reads a global our
/// script sets, and the final `export{…}` becomes `window.crosswalkPagefind`.
pub fn classic_script(module: &str) -> Option<String> {
    let start = module
        .rfind("export{")
        .or_else(|| module.rfind("export {"))?;
    let open = start + module[start..].find('{')?;
    let close = open + module[open..].find('}')?;
    let mut names = Vec::new();
    for item in module[open + 1..close].split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (local, exported) = match item.split_once(" as ") {
            Some((l, e)) => (l.trim(), e.trim()),
            None => (item, item),
        };
        names.push(format!("{exported}:{local}"));
    }
    if names.is_empty() || module[close + 1..].trim().trim_end_matches(';').trim() != "" {
        return None;
    }
    let body = module[..start].replace("import.meta.url", "globalThis.crosswalkPagefindUrl");
    if body.contains("import.meta") || body.contains("import(") {
        return None;
    }
    Some(format!(
        "(function(){{{body}\nwindow.crosswalkPagefind={{{}}};}})();\n",
        names.join(",")
    ))
}

/// Standard base64 with padding; the one place we need it does not justify
/// a dependency.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The id twice and squeezed ("PR.AC-1 PR.AC-1 PRAC1"): a typed id then
/// matches this page's short head more strongly than a mention in a long
/// body, which puts the page first.
fn id_head(ids: &[&str]) -> String {
    let mut head = Vec::new();
    for id in ids {
        head.push(id.to_string());
        head.push(id.to_string());
        let squeezed: String = id.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if squeezed != *id {
            head.push(squeezed);
        }
    }
    head.join(" ")
}

/// Meta fields of ids as whole search terms (see [`id_term`]): `ids`, the
/// page's own id in the spellings a reader may type, and `cites`, on a
/// document, those of the requirements and techniques it cites. Pagefind
/// indexes every meta field and adds a boost per field that matches;
/// `assets/search.js` weighs these two (`ranking.metaWeights`) so a
/// search for an id lists its page, then the documents citing it.
const IDS_META: &str = "ids";
const CITES_META: &str = "cites";

/// An id as one search term: its letters and digits in lower case
/// (`CYFUN2023:PR.AC-5.3` is `cyfun2023prac53`). That is what Pagefind
/// makes of a typed query, which loses its punctuation, while a word of
/// the index that has punctuation is also split into parts (`T1486.` gives
/// `1486`; `t` is too short to keep, so a query for `t1486` in a part of
/// the index without that word fell back to the longest word it starts
/// with, a stray `t`). Written so, the id is a whole term.
fn id_term(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Add the search terms of `id` (after `alias:` too, when it has one),
/// with and without the leading zeros of its numbers, each once.
fn push_id_terms(terms: &mut Vec<String>, alias: Option<&str>, id: &str) {
    // The registry's fold (lower case, no leading zeros: `PR.AA-01` is
    // `pr.aa-1`); the term lowers the case anyway.
    let unpadded = crate::catalog::fold_id(id);
    let spellings = [id, unpadded.as_str()];
    for spelling in spellings {
        let mut forms = vec![id_term(spelling)];
        if let Some(alias) = alias {
            forms.push(id_term(&format!("{alias}:{spelling}")));
        }
        for term in forms {
            if !term.is_empty() && !terms.contains(&term) {
                terms.push(term);
            }
        }
    }
}

/// The search terms of a technique's or requirement's own id.
fn own_id_terms(alias: Option<&str>, id: &str) -> String {
    let mut terms = Vec::new();
    push_id_terms(&mut terms, alias, id);
    terms.join(" ")
}

/// The search terms of a document's own id: as [`push_id_terms`], and
/// its number alone as written (`0010`).
fn document_id_terms(id: &str) -> String {
    let mut terms = Vec::new();
    push_id_terms(&mut terms, None, id);
    let number = id
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap_or("");
    if !number.is_empty() && !terms.iter().any(|t| t == number) {
        terms.push(number.to_string());
    }
    terms.join(" ")
}

/// The search terms of what document `i` declares it cites: each
/// requirement (as `alias:id` and bare) and each ATT&CK technique.
fn citation_terms(project: &Project, i: usize) -> String {
    let mut terms = Vec::new();
    let Some(node) = project.index.document_node(i) else {
        return String::new();
    };
    for (target, edge) in project.index.outgoing(node) {
        match (edge, &project.index.graph[target]) {
            (Edge::CitesControl { .. }, Node::Control(alias, c)) => {
                if let Some(fw) = project.registry.frameworks.get(alias) {
                    push_id_terms(&mut terms, Some(alias), &fw.catalog.nodes[*c].label);
                }
            }
            (Edge::AddressesTechnique { .. }, Node::Technique(d, t)) => {
                if let Some(catalog) = project.registry.attack_domain(*d) {
                    push_id_terms(&mut terms, None, &catalog.techniques[*t].id);
                }
            }
            _ => {}
        }
    }
    terms.join(" ")
}

/// The first `max` characters of `text`, cut back to the end of a word: a
/// word cut in two would be indexed as a stray term of its own.
fn cut_at_word(text: &str, max: usize) -> &str {
    let Some((end, _)) = text.char_indices().nth(max) else {
        return text;
    };
    let head = &text[..end];
    // Where the cut fell inside a word, drop that word's head.
    let whole = if text[end..].starts_with(char::is_whitespace) {
        head
    } else {
        head.rfind(char::is_whitespace)
            .map_or("", |space| &head[..space])
    };
    whole.trim_end_matches(|c: char| c.is_whitespace() || (c.is_ascii_punctuation() && c != ')'))
}

/// Markdown to plain text for indexing.
fn plain_text(markdown_text: &str) -> String {
    let mut out = String::with_capacity(markdown_text.len());
    for event in Parser::new_ext(markdown_text, markdown::options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell,
            ) => end_block(&mut out),
            _ => {}
        }
    }
    out
}

/// Close a block of indexed text with a full stop, unless it ends with
/// punctuation of its own: excerpts read "transmitted.. In" before.
fn end_block(out: &mut String) {
    let kept = out.trim_end().len();
    out.truncate(kept);
    if !out.is_empty() && !out.ends_with(['.', '!', '?', ':', ';']) {
        out.push('.');
    }
    out.push(' ');
}

fn meta(pairs: &[(&str, Option<String>)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v)))
        .collect()
}

fn filters<S: Ord + Into<String>>(pairs: Vec<(&str, Vec<S>)>) -> BTreeMap<String, Vec<String>> {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            let values = distinct(v).into_iter().map(Into::into).collect();
            (k.to_string(), values)
        })
        .collect()
}

/// A filter's values sorted, each once.
fn distinct<S: Ord>(mut values: Vec<S>) -> Vec<S> {
    values.sort();
    values.dedup();
    values
}

/// Level names of a framework node and its measures, folded to CyFun's
/// three levels; empty for frameworks without those levels.
fn cyfun_levels(project: &Project, alias: &str, node: usize) -> Vec<&'static str> {
    let Some(fw) = project.registry.frameworks.get(alias) else {
        return Vec::new();
    };
    let mut nodes = vec![node];
    nodes.extend(
        fw.children
            .get(node)
            .into_iter()
            .flatten()
            .map(|&c| c as usize),
    );
    let mut out = Vec::new();
    for n in nodes {
        for level in &fw.catalog.nodes[n].levels {
            let name = fw
                .catalog
                .levels
                .iter()
                .find(|l| &l.ref_id == level)
                .map_or(level.as_str(), |l| l.name.as_str());
            if let Some(l) = cyfun_level(name) {
                out.push(l);
            }
        }
    }
    out
}

/// The CyFun level a level name starts with, in any case ("Basic - key
/// measures" is `basic`). Compared without a lower-cased copy: every cited
/// requirement of every document comes here.
fn cyfun_level(name: &str) -> Option<&'static str> {
    CYFUN_LEVELS.iter().copied().find(|level| {
        name.as_bytes()
            .get(..level.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(level.as_bytes()))
    })
}

/// Tactic names of a technique.
fn tactic_names(project: &Project, domain: AttackDomain, t: usize) -> Vec<&str> {
    let Some(catalog) = project.registry.attack_domain(domain) else {
        return Vec::new();
    };
    catalog.techniques[t]
        .tactics
        .iter()
        .filter_map(|s| catalog.tactics.iter().find(|x| &x.shortname == s))
        .map(|x| x.name.as_str())
        .collect()
}

/// A document: id, title, summary and body; filters from front-matter and
/// from what it cites.
/// The record of document `i` (records of documents come first in
/// [`records`], in document order).
pub fn document_record(project: &Project, i: usize) -> Record {
    let doc: &Document = &project.documents[i];
    let vocab = &project.vocabulary;
    let content = format!(
        "{}. {}. {}. {}.",
        doc.title.value,
        doc.summary.as_deref().unwrap_or(""),
        plain_text(doc.body_text()),
        id_head(&[&doc.id.value]),
    );
    Record {
        url: urls::document(&doc.id.value),
        content,
        meta: meta(&[
            ("title", Some(doc.title.value.clone())),
            ("id", Some(doc.id.value.clone())),
            (IDS_META, Some(document_id_terms(&doc.id.value))),
            (
                CITES_META,
                Some(citation_terms(project, i)).filter(|terms| !terms.is_empty()),
            ),
            ("summary", doc.summary.clone()),
            ("status", Some(doc.status.value.clone())),
            ("kind", Some(vocab.title(&doc.kind.value))),
        ]),
        filters: filters(document_filters(project, i)),
        sort: sort_keys(doc.priority.unwrap_or(9), doc.number),
    }
}

/// A document's filter values by key, as written (its record sorts and
/// deduplicates them): what the search page's facets count.
fn document_filters(project: &Project, i: usize) -> Vec<(&'static str, Vec<Cow<'_, str>>)> {
    let doc: &Document = &project.documents[i];
    let vocab = &project.vocabulary;
    let mut frameworks = Vec::new();
    let mut cyfun = Vec::new();
    let mut tactics = Vec::new();
    if let Some(node) = project.index.document_node(i) {
        for (target, edge) in project.index.outgoing(node) {
            match (edge, &project.index.graph[target]) {
                (Edge::CitesControl { .. }, Node::Control(alias, c)) => {
                    frameworks.push(Cow::Borrowed(alias.as_str()));
                    cyfun.extend(
                        cyfun_levels(project, alias, *c)
                            .into_iter()
                            .map(Cow::Borrowed),
                    );
                }
                (Edge::AddressesTechnique { .. }, Node::Technique(d, t)) => {
                    tactics.extend(tactic_names(project, *d, *t).into_iter().map(Cow::Borrowed));
                }
                _ => {}
            }
        }
    }
    vec![
        ("type", vec![Cow::Borrowed("Document")]),
        ("kind", vec![Cow::Owned(vocab.title(&doc.kind.value))]),
        ("status", vec![Cow::Borrowed(doc.status.value.as_str())]),
        (
            "area",
            doc.area
                .iter()
                .map(|a| Cow::Owned(vocab.title(&a.value)))
                .collect(),
        ),
        (
            "audience",
            doc.audience
                .iter()
                .map(|a| Cow::Owned(vocab.title(a)))
                .collect(),
        ),
        (
            "budget",
            doc.budget
                .iter()
                .map(|b| Cow::Borrowed(b.as_str()))
                .collect(),
        ),
        ("framework", frameworks),
        ("cyfun", cyfun),
        ("tactic", tactics),
        (
            "tag",
            doc.tags
                .iter()
                .map(|t| Cow::Borrowed(t.value.as_str()))
                .collect(),
        ),
    ]
}

fn sort_keys(priority: u8, number: u32) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("priority".to_string(), priority.to_string()),
        ("number".to_string(), format!("{number:06}")),
    ])
}

/// A technique's record: its text holds its description as plain text.
fn technique_record(project: &Project, domain: AttackDomain, i: usize) -> Record {
    let catalog = project
        .registry
        .attack_domain(domain)
        .expect("listed domain is loaded");
    let t = &catalog.techniques[i];
    let docs = project.index.documents_addressing_technique(domain, i);
    let description = plain_text(&t.description);
    let description = cut_at_word(&description, DESCRIPTION_CHARS);
    let content = format!(
        "{}. ATT&CK {} technique. {}. {}.",
        t.name,
        domain.title(),
        description,
        id_head(&[&t.id]),
    );
    Record {
        url: urls::technique(domain, &t.id),
        content,
        meta: meta(&[
            ("title", Some(t.name.clone())),
            ("id", Some(t.id.clone())),
            (IDS_META, Some(own_id_terms(None, &t.id))),
            (
                "summary",
                Some(format!(
                    "ATT&CK {} technique, addressed by {} document(s).",
                    domain.title(),
                    docs.len()
                )),
            ),
            ("kind", Some("ATT&CK technique".into())),
        ]),
        filters: filters(technique_filters(project, domain, i)),
        sort: sort_keys(if docs.is_empty() { 9 } else { 8 }, 0),
    }
}

/// A technique's filters, for its record and the search page's facets.
fn technique_filters(
    project: &Project,
    domain: AttackDomain,
    i: usize,
) -> Vec<(&'static str, Vec<&str>)> {
    vec![
        ("type", vec!["ATT&CK technique"]),
        ("tactic", tactic_names(project, domain, i)),
    ]
}

/// A requirement's filters, for its record and the search page's facets.
fn control_filters<'a>(
    project: &'a Project,
    alias: &'a str,
    i: usize,
) -> Vec<(&'static str, Vec<&'a str>)> {
    vec![
        ("type", vec!["Control"]),
        ("framework", vec![alias]),
        ("cyfun", cyfun_levels(project, alias, i)),
    ]
}

/// A requirement's record.
fn control_record(project: &Project, alias: &str, i: usize) -> Record {
    let fw = &project.registry.frameworks[alias];
    let node = &fw.catalog.nodes[i];
    // Each document once, even one citing the requirement twice (CW038).
    let mut docs: Vec<usize> = project
        .index
        .find(&Node::Control(alias.to_string(), i))
        .map(|n| {
            project
                .index
                .documents_citing(n)
                .into_iter()
                .map(|(d, _)| d)
                .collect()
        })
        .unwrap_or_default();
    docs.sort_unstable();
    docs.dedup();
    let text = match &node.description {
        Some(description) if fw.catalog.has_text => description.as_str(),
        _ => "",
    };
    let id = format!("{alias}:{}", node.label);
    let content = format!(
        "{}. {}. {}. {alias} {}.",
        node.name.as_deref().unwrap_or(""),
        fw.catalog.name,
        text,
        id_head(&[&node.label]),
    );
    Record {
        url: urls::control(alias, &node.label),
        content,
        meta: meta(&[
            (
                "title",
                Some(format!(
                    "{alias} {}{}",
                    node.label,
                    node.name
                        .as_ref()
                        .map_or(String::new(), |n| format!(": {n}"))
                )),
            ),
            ("id", Some(node.label.clone())),
            (IDS_META, Some(own_id_terms(Some(alias), &node.label))),
            (
                "summary",
                Some(format!(
                    "{}: requirement {id}, cited by {} document(s).",
                    fw.catalog.name,
                    docs.len()
                )),
            ),
            ("kind", Some("Control".into())),
        ]),
        filters: filters(control_filters(project, alias, i)),
        sort: sort_keys(8, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(url: &str, priority: u8, text_len: usize) -> Record {
        Record {
            url: url.into(),
            content: "x".repeat(text_len),
            meta: BTreeMap::new(),
            filters: BTreeMap::new(),
            sort: sort_keys(priority, 0),
        }
    }

    #[test]
    fn cyfun_levels_fold_by_prefix_in_any_case() {
        assert_eq!(cyfun_level("basic - key measures"), Some("basic"));
        assert_eq!(cyfun_level("IMPORTANT"), Some("important"));
        assert_eq!(cyfun_level("Essential level"), Some("essential"));
        assert_eq!(cyfun_level("bas"), None);
        assert_eq!(cyfun_level(""), None);
        assert_eq!(cyfun_level("other"), None);
        assert_eq!(cyfun_level("ébasic"), None);
    }

    #[test]
    fn shard_count_follows_size_and_setting() {
        assert_eq!(shard_count(0, None), 1);
        assert_eq!(shard_count(RECORDS_PER_SHARD, None), 1);
        assert_eq!(shard_count(RECORDS_PER_SHARD + 1, None), 2);
        assert_eq!(shard_count(1_000_000, None), MAX_AUTO_SHARDS);
        assert_eq!(shard_count(100, Some(3)), 3);
        // Never more parts than records.
        assert_eq!(shard_count(2, Some(5)), 2);
    }

    #[test]
    fn shards_are_contiguous_priority_runs_of_similar_weight() {
        let records: Vec<Record> = (0..30)
            .map(|n| record(&format!("p{}-{n}", 9 - n % 9), (9 - n % 9) as u8, 1000))
            .collect();
        let shards = shard(records.clone(), 3);
        assert_eq!(shards.len(), 3);
        assert_eq!(shards.iter().map(Vec::len).sum::<usize>(), 30);
        assert!(
            shards.iter().all(|s| (8..=12).contains(&s.len())),
            "{:?}",
            shards.iter().map(Vec::len).collect::<Vec<_>>()
        );
        // Concatenated, the parts are the records in priority order, equal
        // priorities in their original order.
        let mut expected = records;
        expected.sort_by(|a, b| a.sort["priority"].cmp(&b.sort["priority"]));
        let joined: Vec<Record> = shards.into_iter().flatten().collect();
        assert_eq!(joined, expected);
    }

    #[test]
    fn every_shard_gets_a_record_even_when_one_outweighs_the_rest() {
        let mut records = vec![record("big", 1, 1_000_000)];
        records.extend((0..3).map(|n| record(&format!("small-{n}"), 2, 10)));
        let shards = shard(records, 4);
        assert_eq!(
            shards.iter().map(Vec::len).collect::<Vec<_>>(),
            [1, 1, 1, 1]
        );
    }

    #[test]
    fn shards_script_lists_the_other_parts() {
        assert_eq!(
            shards_script(&["shard-1/".into()]).lines().last(),
            Some("window.crosswalkSearchShards = [\"shard-1/\"];")
        );
    }

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn classic_script_rewrites_exports_and_import_meta() {
        let module = "var a=1;function b(){return typeof import.meta.url}export{a as x,b};";
        let classic = classic_script(module).expect("convertible");
        assert!(classic.contains("globalThis.crosswalkPagefindUrl"));
        assert!(classic.contains("window.crosswalkPagefind={x:a,b:b}"));
        assert!(!classic.contains("export"));
        assert_eq!(classic_script("import('x');export{a}"), None);
    }

    #[test]
    fn id_head_repeats_and_squeezes() {
        assert_eq!(id_head(&["PR.AC-1"]), "PR.AC-1 PR.AC-1 PRAC1");
        assert_eq!(id_head(&["T1486"]), "T1486 T1486");
    }

    #[test]
    fn ids_are_whole_terms_with_and_without_padding() {
        assert_eq!(id_term("CYFUN2023:PR.AC-5.3"), "cyfun2023prac53");
        assert_eq!(id_term("T1486"), "t1486");
        let mut terms = Vec::new();
        push_id_terms(&mut terms, Some("CSF2"), "PR.AA-01");
        assert_eq!(terms, ["praa01", "csf2praa01", "praa1", "csf2praa1"]);
        push_id_terms(&mut terms, Some("CSF2"), "PR.AA-01");
        assert_eq!(terms.len(), 4, "each term once");
        assert_eq!(own_id_terms(None, "T1486"), "t1486");
        assert_eq!(document_id_terms("HCB-0010"), "hcb0010 hcb10 0010");
    }

    #[test]
    fn descriptions_are_cut_at_a_word() {
        assert_eq!(cut_at_word("short", 10), "short");
        assert_eq!(cut_at_word("one two three", 9), "one two");
        // A cut that falls between words keeps the word before it.
        assert_eq!(cut_at_word("one two three", 7), "one two");
        assert_eq!(cut_at_word("one, two", 5), "one");
        assert_eq!(cut_at_word("(see T1486) and more", 12), "(see T1486)");
        assert_eq!(cut_at_word("unbroken", 3), "");
        assert_eq!(cut_at_word("déjà vu", 5), "déjà");
    }

    #[test]
    fn indexing_gives_up_once_stopped_and_runs_otherwise() {
        let settings = IndexSettings {
            language: "en".into(),
            shards: Some(2),
        };
        let records = || {
            (0..4)
                .map(|n| record(&format!("p{n}.html"), 1, 40))
                .collect()
        };
        let going = index_records(records(), &settings, &AtomicBool::new(false)).unwrap();
        assert!(
            going
                .iter()
                .any(|(path, _)| path == "pagefind/pagefind-entry.json"),
            "an index when not stopped"
        );
        let stopped = index_records(records(), &settings, &AtomicBool::new(true)).unwrap();
        assert!(
            stopped.is_empty(),
            "nothing once stopped: {}",
            stopped.len()
        );
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            plain_text("# Title\n\nSome *bold* `code`."),
            "Title. Some bold code. "
        );
        // A block ending in its own punctuation gets no second one.
        assert_eq!(
            plain_text("Is it safe?\n\n- one\n- two:\n"),
            "Is it safe? one. two: "
        );
    }
}
