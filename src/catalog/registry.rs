//! Which catalogs a book has, and reference lookups against them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crosswalk_catalog::{
    ciso, ids, mapex, oscal, stix, AttackCatalog, AttackDomain, FrameworkCatalog, Level,
    MappingSet, Technique, TechniqueMappingSet,
};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::embedded::{self, EmbeddedKind, EMBEDDED_ATTACK_VERSION};
use crate::book::config::{BookConfig, FrameworkSection};
use crate::diagnostic::{Diagnostic, SourceFile};

/// Where a catalog came from, as `crosswalk catalogs` shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum CatalogSource {
    Embedded(&'static str),
    File(PathBuf),
}

impl CatalogSource {
    /// True for files of the book's own (`[mappings] files`, `[frameworks.X] file`).
    pub fn is_book_file(&self) -> bool {
        matches!(self, CatalogSource::File(_))
    }
}

impl std::fmt::Display for CatalogSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CatalogSource::Embedded(name) => write!(f, "embedded:{name}"),
            CatalogSource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A framework under its alias, with a lookup index.
#[derive(Debug)]
pub struct LoadedFramework {
    pub alias: String,
    pub catalog: FrameworkCatalog,
    pub source: CatalogSource,
    /// Canonical id -> node index.
    index: FxHashMap<String, u32>,
    /// Lower-cased canonical id -> node index, `None` when two ids differ
    /// only by case; made on the first id that misses `index`.
    folded: std::sync::OnceLock<FxHashMap<String, Option<u32>>>,
    /// Child node indexes per node.
    pub children: Vec<Vec<u32>>,
    /// Lower-cased node URN -> node index: mapping sets name requirements
    /// by URN, and a few URNs do not spell their id (CyFun 2025's
    /// `…:de.cm-03-1` is `DE.CM-03.1`).
    by_urn: FxHashMap<String, u32>,
}

impl LoadedFramework {
    fn new(alias: String, catalog: FrameworkCatalog, source: CatalogSource) -> Self {
        let mut index =
            FxHashMap::with_capacity_and_hasher(catalog.nodes.len() * 2, Default::default());
        let mut children = vec![Vec::new(); catalog.nodes.len()];
        let mut by_urn =
            FxHashMap::with_capacity_and_hasher(catalog.nodes.len(), Default::default());
        for (i, node) in catalog.nodes.iter().enumerate() {
            if !node.urn.is_empty() {
                by_urn
                    .entry(node.urn.to_ascii_lowercase())
                    .or_insert(i as u32);
            }
            index.entry(ids::canonical(&node.label)).or_insert(i as u32);
            if let Some(source_id) = &node.source_id {
                index.entry(ids::canonical(source_id)).or_insert(i as u32);
            }
            if let Some(parent) = node.parent {
                if let Some(list) = children.get_mut(parent as usize) {
                    list.push(i as u32);
                }
            }
        }
        LoadedFramework {
            alias,
            catalog,
            source,
            index,
            folded: std::sync::OnceLock::new(),
            children,
            by_urn,
        }
    }

    /// Find a node by any accepted spelling of its id.
    ///
    /// Canonical ids starting with a digit keep their case (NIS2's
    /// `21.2.d`), so `21.2.D` missed while `pr.ac-1` found `PR.AC-1`. A miss
    /// is looked up again ignoring case and the leading zeros of numbers
    /// ([`fold_id`]), unless the catalog has two ids that differ only so.
    pub fn find(&self, id: &str) -> Option<usize> {
        // Ids are almost always written canonically already, and the index
        // holds canonical ids only (canonical of canonical is itself): a hit
        // as written needs no canonical copy, which every citation of every
        // document made twice (check, then the graph).
        if let Some(&i) = self.index.get(id) {
            debug_assert_eq!(ids::canonical(id), id, "index keys are canonical");
            return Some(i as usize);
        }
        let canonical = ids::canonical(id);
        if let Some(&i) = self.index.get(&canonical) {
            return Some(i as usize);
        }
        let folded = self.folded.get_or_init(|| {
            let mut folded: FxHashMap<String, Option<u32>> = FxHashMap::default();
            for (key, &i) in &self.index {
                folded
                    .entry(fold_id(key))
                    .and_modify(|found| {
                        if *found != Some(i) {
                            *found = None;
                        }
                    })
                    .or_insert(Some(i));
            }
            folded
        });
        folded
            .get(&fold_id(&canonical))
            .copied()
            .flatten()
            .map(|i| i as usize)
    }

    /// Assessable nodes at and below `idx` (a requirement's measures).
    pub fn assessable_under(&self, idx: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![idx];
        while let Some(i) = stack.pop() {
            if self.catalog.nodes[i].assessable {
                out.push(i);
            }
            stack.extend(self.children[i].iter().rev().map(|&c| c as usize));
        }
        out.sort_unstable();
        out
    }

    /// Whether node `idx` groups requirements rather than being one: a
    /// citation of it covers nothing (`check` warns, CW027). A node that is
    /// not assessed is a *requirement with measures* when every node
    /// directly under it is assessed and has nothing under it (CyFun 2023
    /// `PR.AC-1` over `PR.AC-1.1` ...; a NIS2 implementing-regulation point
    /// over its letters; a CSF 2.0 category over its subcategories); any
    /// other is a grouping (a CSF function, a CyFun category, an SP 800-53
    /// family, whose controls have enhancements). A node with nothing under
    /// it is a grouping only in a framework with text: in an
    /// identifiers-only one it is simply an id.
    pub fn is_grouping(&self, idx: usize) -> bool {
        let nodes = &self.catalog.nodes;
        if nodes[idx].assessable {
            return false;
        }
        let children = &self.children[idx];
        if children.is_empty() {
            return self.catalog.has_text;
        }
        children.iter().any(|&c| {
            let c = c as usize;
            !nodes[c].assessable || !self.children[c].is_empty()
        })
    }

    /// The nodes a citation of `idx` covers: itself when it is assessed;
    /// the measures directly under it when it is a requirement with
    /// measures ([`Self::is_grouping`]); nothing for a grouping.
    /// `coverage`, `refs`, the pages and inference all read this.
    pub fn covered_by_citation(&self, idx: usize) -> Vec<usize> {
        if self.catalog.nodes[idx].assessable {
            return vec![idx];
        }
        if self.is_grouping(idx) {
            return Vec::new();
        }
        self.children[idx].iter().map(|&c| c as usize).collect()
    }

    /// The requirement above node `idx` whose citation covers it (see
    /// [`Self::covered_by_citation`]): its parent, when `idx` is a measure
    /// of a requirement that is not assessed itself. Citing 800-53 AC-2,
    /// itself assessed, does not cover AC-2(1), and citing a grouping (the
    /// AC family, CyFun's `PR`) covers nothing.
    pub fn covering_ancestors(&self, idx: usize) -> Vec<usize> {
        let nodes = &self.catalog.nodes;
        match nodes[idx].parent.map(|p| p as usize) {
            Some(parent)
                if nodes[idx].assessable
                    && !nodes[parent].assessable
                    && !self.is_grouping(parent) =>
            {
                vec![parent]
            }
            _ => Vec::new(),
        }
    }

    /// Whether a node counts in coverage: assessable and not withdrawn
    /// (a withdrawn SP 800-53 control can no longer be implemented).
    pub fn counts(&self, idx: usize) -> bool {
        self.catalog
            .nodes
            .get(idx)
            .is_some_and(|n| n.assessable && n.withdrawn.is_none())
    }

    /// The implementation group a user means: its name (`basic`) or ref id
    /// (`B`), case-insensitively.
    /// The levels at least one assessable requirement belongs to: a
    /// library can define one that nothing uses (CyFun 2025's governance
    /// key measures), whose pages would be empty shells.
    pub fn levels_in_use(&self) -> impl Iterator<Item = &Level> {
        self.catalog.levels.iter().filter(|level| {
            self.catalog
                .nodes
                .iter()
                .any(|n| n.assessable && n.levels.contains(&level.ref_id))
        })
    }

    pub fn level(&self, name_or_ref: &str) -> Option<&Level> {
        let wanted = name_or_ref.trim();
        self.catalog
            .levels
            .iter()
            .find(|l| l.ref_id.eq_ignore_ascii_case(wanted) || l.name.eq_ignore_ascii_case(wanted))
    }

    /// Labels of nodes near a misspelt id.
    pub fn suggest(&self, id: &str) -> Vec<String> {
        let labels = self.catalog.nodes.iter().map(|n| n.label.as_str());
        ids::suggest(id, labels, 3)
            .into_iter()
            .map(str::to_string)
            .collect()
    }
}

/// Result of looking up a `FRAMEWORK:ID` reference.
pub enum ControlLookup<'a> {
    Found(&'a LoadedFramework, usize),
    UnknownFramework,
    NotFound(&'a LoadedFramework),
}

/// Result of looking up a technique id.
pub enum TechniqueLookup<'a> {
    Found(AttackDomain, &'a Technique),
    NotFound(Vec<String>),
}

/// Every catalog loaded for a book.
#[derive(Debug, Default)]
pub struct Registry {
    pub attack: Vec<AttackCatalog>,
    /// By alias, sorted.
    pub frameworks: BTreeMap<String, LoadedFramework>,
    pub mapping_sets: Vec<(CatalogSource, MappingSet)>,
    pub technique_mappings: Vec<(CatalogSource, TechniqueMappingSet)>,
    /// ATT&CK id (upper case) -> (index in `attack`, index in its techniques).
    technique_index: HashMap<String, (usize, usize)>,
    /// `[mappings] max-hops`: how many mapping hops an inferred link may take.
    pub max_hops: u8,
    /// Text of the book's own catalog and mapping files by path (relative
    /// to the book root), kept so that their problems can be located
    /// (CW043, CW047).
    pub mapping_texts: BTreeMap<PathBuf, Arc<SourceFile>>,
}

/// Result of resolving a requirement URN of a mapping set.
pub enum UrnLookup<'a> {
    Found(&'a LoadedFramework, usize),
    /// No loaded framework uses the URN's namespace.
    UnknownNamespace(String),
    /// The framework is loaded but has no such requirement.
    NotFound(&'a LoadedFramework, String),
}

/// A catalog to load, before loading.
enum Job {
    Attack(AttackDomain, Source),
    Framework(String, Source, Option<String>),
    Mapping(Source),
}

enum Source {
    Embedded(&'static embedded::Embedded),
    File(PathBuf, Option<String>),
}

enum Loaded {
    Attack(AttackCatalog),
    Framework(
        String,
        FrameworkCatalog,
        CatalogSource,
        Option<Arc<SourceFile>>,
    ),
    /// The requirement mapping sets of one source (one embedded set, or
    /// those of one of the book's mapping files).
    Mappings(CatalogSource, Vec<MappingSet>, Option<Arc<SourceFile>>),
    TechniqueMapping(CatalogSource, TechniqueMappingSet, Option<Arc<SourceFile>>),
}

impl Registry {
    /// Load the catalogs `book.toml` asks for (the embedded defaults when it
    /// says nothing). Problems are configuration errors, located in
    /// `book.toml` when possible.
    pub fn load(
        config: &BookConfig,
        root: &Path,
        config_file: Option<&Arc<SourceFile>>,
    ) -> Result<Registry, Vec<Diagnostic>> {
        let jobs = plan(config, root, config_file)?;
        let results: Vec<Result<Loaded, Box<Diagnostic>>> = jobs
            .into_par_iter()
            .map(|job| run(job, root, config_file))
            .collect();
        let mut registry = Registry {
            max_hops: config.mappings.max_hops,
            ..Registry::default()
        };
        let mut errors = Vec::new();
        for result in results {
            match result {
                Ok(Loaded::Attack(c)) => registry.attack.push(c),
                Ok(Loaded::Framework(alias, c, source, text)) => {
                    registry.keep_text(&source, text);
                    registry
                        .frameworks
                        .insert(alias.clone(), LoadedFramework::new(alias, c, source));
                }
                Ok(Loaded::Mappings(source, sets, text)) => {
                    registry.keep_text(&source, text);
                    registry
                        .mapping_sets
                        .extend(sets.into_iter().map(|set| (source.clone(), set)));
                }
                Ok(Loaded::TechniqueMapping(source, set, text)) => {
                    registry.keep_text(&source, text);
                    registry.technique_mappings.push((source, set));
                }
                Err(diag) => errors.push(*diag),
            }
        }
        errors.extend(registry.same_framework_twice(config, config_file));
        if !errors.is_empty() {
            return Err(errors);
        }
        registry.attack.sort_by_key(|c| c.domain);
        registry.index_techniques();
        Ok(registry)
    }

    /// CW049: two aliases whose catalogs name their requirements with the
    /// same URNs (the CISO Assistant library the embedded CSF2 comes from,
    /// loaded again as `[frameworks.CSF]`). A mapping set finds its
    /// framework by that namespace, so every set would silently move to
    /// one of the two and the other's coverage drop. One error per repeated
    /// alias, at its table in book.toml (the later one when both are the
    /// book's own), naming both.
    fn same_framework_twice(
        &self,
        config: &BookConfig,
        config_file: Option<&Arc<SourceFile>>,
    ) -> Vec<Diagnostic> {
        let mut first: BTreeMap<&str, &LoadedFramework> = BTreeMap::new();
        let mut errors = Vec::new();
        // The embedded defaults first, then the book's own, each by alias:
        // the alias blamed is the one book.toml added.
        let (mut own, embedded): (Vec<&LoadedFramework>, Vec<&LoadedFramework>) = self
            .frameworks
            .values()
            .partition(|f| config.frameworks.contains_key(&f.alias));
        // The book's own in the order book.toml writes them, so the one
        // blamed is the table written second.
        let header_at = |alias: &str| -> Option<std::ops::Range<usize>> {
            let text = &config_file?.text;
            let i = text
                .find(&format!("[frameworks.{alias}]"))
                .or_else(|| text.find(&format!("[frameworks.\"{alias}\"]")))?;
            Some(i..i + text[i..].find(']').map_or(0, |e| e + 1))
        };
        own.sort_by_key(|f| header_at(&f.alias).map_or(usize::MAX, |span| span.start));
        let built_in = crate::catalog::default_aliases();
        for fw in embedded.into_iter().chain(own) {
            let namespace = fw.catalog.urn_namespace.as_str();
            if namespace.is_empty() {
                continue;
            }
            let Some(earlier) = first.get(namespace) else {
                first.insert(namespace, fw);
                continue;
            };
            let message = format!(
                "{} and {} are the same framework (their requirements' URNs are `urn:intuitem:risk:req_node:{namespace}:...`): mapping sets would reach only one of them",
                earlier.alias, fw.alias
            );
            // The help must leave one framework: removing a table named
            // after a built-in alias brings the built-in back.
            let earlier_own = config.frameworks.contains_key(&earlier.alias);
            let help = if !earlier_own {
                format!(
                    "keep one alias: cite {0} and remove [frameworks.{1}], or replace the built-in {0} with this catalog by naming the table [frameworks.{0}]",
                    earlier.alias, fw.alias
                )
            } else if built_in.contains(&fw.alias.as_str()) {
                format!(
                    "keep one table: remove [frameworks.{0}] and cite {1} ([frameworks.{1}] replaces the built-in {1}; without it the built-in comes back)",
                    earlier.alias, fw.alias
                )
            } else {
                format!(
                    "keep one table: remove [frameworks.{1}] and cite {0}",
                    earlier.alias, fw.alias
                )
            };
            let diag = Diagnostic::error("CW049", message).help(help);
            let at = config_file.zip(header_at(&fw.alias));
            errors.push(match at {
                Some((file, span)) => diag.at(file, span),
                None => diag,
            });
        }
        errors
    }

    fn keep_text(&mut self, source: &CatalogSource, text: Option<Arc<SourceFile>>) {
        if let (CatalogSource::File(path), Some(text)) = (source, text) {
            self.mapping_texts.insert(path.clone(), text);
        }
    }

    /// Resolve a mapping set's requirement URN
    /// (`urn:intuitem:risk:req_node:<namespace>:<local id>`). Always through
    /// canonical ids: OSCAL-derived catalogs (SP 800-53) build their URNs
    /// differently from CISO Assistant's, but their labels agree.
    pub fn resolve_urn(&self, urn: &str) -> UrnLookup<'_> {
        let Some(namespace) = ciso::urn_namespace(urn) else {
            return UrnLookup::UnknownNamespace(urn.to_string());
        };
        let Some(framework) = self.framework_by_namespace(namespace) else {
            return UrnLookup::UnknownNamespace(namespace.to_string());
        };
        // The node with that URN, when the catalog has one; else by the id
        // the URN ends with (catalogs made from OSCAL build their URNs
        // differently, but their ids agree).
        if let Some(&idx) = framework.by_urn.get(&urn.trim().to_ascii_lowercase()) {
            return UrnLookup::Found(framework, idx as usize);
        }
        let local = ids::canonical(ciso::urn_local_id(urn));
        match framework.find(&local) {
            Some(idx) => UrnLookup::Found(framework, idx),
            None => UrnLookup::NotFound(framework, local),
        }
    }

    /// The loaded framework a Mappings Explorer file maps (`nist_800_53` is
    /// SP 800-53 rev5). Matched on the URN namespace, `_` read as `-`, then
    /// on the known Mappings Explorer project names.
    pub fn technique_mapping_framework(
        &self,
        set: &TechniqueMappingSet,
    ) -> Option<&LoadedFramework> {
        let name = set.framework.trim().to_ascii_lowercase();
        let namespace = match name.as_str() {
            "nist_800_53" => "nist-sp-800-53-rev5".to_string(),
            other => other.replace('_', "-"),
        };
        self.framework_by_namespace(&namespace)
            .or_else(|| self.framework(&set.framework))
    }

    fn index_techniques(&mut self) {
        for (d, catalog) in self.attack.iter().enumerate() {
            for (t, technique) in catalog.techniques.iter().enumerate() {
                self.technique_index
                    .entry(technique.id.to_ascii_uppercase())
                    .or_insert((d, t));
            }
        }
    }

    pub fn technique(&self, id: &str) -> TechniqueLookup<'_> {
        if let Some(&(d, t)) = self.technique_index.get(&id.trim().to_ascii_uppercase()) {
            let catalog = &self.attack[d];
            return TechniqueLookup::Found(catalog.domain, &catalog.techniques[t]);
        }
        let candidates = self
            .attack
            .iter()
            .flat_map(|c| c.techniques.iter())
            .filter(|t| t.revoked.is_none() && !t.deprecated)
            .map(|t| t.id.as_str());
        TechniqueLookup::NotFound(
            ids::suggest(&id.to_ascii_uppercase(), candidates, 3)
                .into_iter()
                .map(str::to_string)
                .collect(),
        )
    }

    /// Domain and index in that domain's techniques of a known technique id.
    pub fn technique_position(&self, id: &str) -> Option<(AttackDomain, usize)> {
        let &(d, t) = self.technique_index.get(&id.trim().to_ascii_uppercase())?;
        Some((self.attack[d].domain, t))
    }

    pub fn attack_domain(&self, domain: AttackDomain) -> Option<&AttackCatalog> {
        self.attack.iter().find(|c| c.domain == domain)
    }

    /// Look up `FRAMEWORK:ID`. Aliases match case-insensitively.
    pub fn control(&self, alias: &str, id: &str) -> ControlLookup<'_> {
        let Some(framework) = self.framework(alias) else {
            return ControlLookup::UnknownFramework;
        };
        match framework.find(id) {
            Some(idx) => ControlLookup::Found(framework, idx),
            None => ControlLookup::NotFound(framework),
        }
    }

    pub fn framework(&self, alias: &str) -> Option<&LoadedFramework> {
        self.frameworks.get(alias).or_else(|| {
            self.frameworks
                .values()
                .find(|f| f.alias.eq_ignore_ascii_case(alias))
        })
    }

    /// The framework whose requirement URNs use this namespace.
    pub fn framework_by_namespace(&self, namespace: &str) -> Option<&LoadedFramework> {
        self.frameworks
            .values()
            .find(|f| f.catalog.urn_namespace == namespace)
    }

    pub fn aliases(&self) -> Vec<&str> {
        self.frameworks.keys().map(String::as_str).collect()
    }
}

fn config_error(
    config_file: Option<&Arc<SourceFile>>,
    key: &str,
    message: String,
    help: &str,
) -> Diagnostic {
    let diag = Diagnostic::error("CW041", message).help(help.to_string());
    match config_file {
        Some(file) => {
            let span = file.text.find(key).map_or(0..0, |i| i..i + key.len());
            diag.at(file, span)
        }
        None => diag,
    }
}

/// Decide what to load from the configuration.
fn plan(
    config: &BookConfig,
    root: &Path,
    config_file: Option<&Arc<SourceFile>>,
) -> Result<Vec<Job>, Vec<Diagnostic>> {
    let mut jobs = Vec::new();
    let mut errors = Vec::new();
    let all = embedded::all();
    // Domains a pinned ATT&CK version leaves without a bundle: one error
    // names them all (it was one error per domain, the same three times).
    let mut without_bundle: Vec<&str> = Vec::new();
    for domain_name in &config.attack.domains {
        let domain = match domain_name.as_str() {
            "enterprise" => AttackDomain::Enterprise,
            "ics" => AttackDomain::Ics,
            "mobile" => AttackDomain::Mobile,
            other => {
                errors.push(config_error(
                    config_file,
                    other,
                    format!("unknown ATT&CK domain `{other}` in [attack] domains"),
                    "domains are `enterprise`, `ics` and `mobile`",
                ));
                continue;
            }
        };
        if let Some(path) = config.attack.files.get(domain_name) {
            jobs.push(Job::Attack(domain, Source::File(root.join(path), None)));
        } else if config.attack.version != EMBEDDED_ATTACK_VERSION {
            without_bundle.push(domain.slug());
        } else {
            let name = format!("attack-{}", domain.slug());
            if let Some(entry) = all.iter().find(|e| e.name == name) {
                jobs.push(Job::Attack(domain, Source::Embedded(entry)));
            }
        }
    }
    if !without_bundle.is_empty() {
        errors.push(config_error(
            config_file,
            "version",
            format!(
                "ATT&CK {} is pinned but the embedded bundles are {EMBEDDED_ATTACK_VERSION}, and [attack.files] names no bundle for {}",
                config.attack.version,
                without_bundle.join(", ")
            ),
            "point [attack.files] at the STIX bundle of that version for each domain, or pin the embedded version",
        ));
    }
    let mut aliases: BTreeMap<String, Job> = BTreeMap::new();
    for entry in all.iter().filter(|e| e.kind == EmbeddedKind::Framework) {
        if let Some(alias) = entry.default_alias {
            aliases.insert(
                alias.to_string(),
                Job::Framework(alias.to_string(), Source::Embedded(entry), None),
            );
        }
    }
    for (alias, section) in &config.frameworks {
        match framework_job(alias, section, root, config_file) {
            Ok(job) => {
                aliases.insert(alias.clone(), job);
            }
            Err(diag) => errors.push(*diag),
        }
    }
    jobs.extend(aliases.into_values());
    if config.mappings.embedded {
        for entry in all.iter().filter(|e| {
            matches!(
                e.kind,
                EmbeddedKind::Mapping | EmbeddedKind::TechniqueMapping
            )
        }) {
            jobs.push(Job::Mapping(Source::Embedded(entry)));
        }
    }
    for path in &config.mappings.files {
        jobs.push(Job::Mapping(Source::File(root.join(path), None)));
    }
    if errors.is_empty() {
        Ok(jobs)
    } else {
        Err(errors)
    }
}

fn framework_job(
    alias: &str,
    section: &FrameworkSection,
    root: &Path,
    config_file: Option<&Arc<SourceFile>>,
) -> Result<Job, Box<Diagnostic>> {
    let pinned = section.version.clone();
    match (&section.catalog, &section.file) {
        (Some(name), None) => {
            let entry = embedded::all()
                .iter()
                .find(|e| e.kind == EmbeddedKind::Framework && e.name == name.as_str())
                .ok_or_else(|| {
                    let names: Vec<&str> = embedded::all()
                        .iter()
                        .filter(|e| e.kind == EmbeddedKind::Framework)
                        .map(|e| e.name)
                        .collect();
                    Box::new(config_error(
                        config_file,
                        name,
                        format!("[frameworks.{alias}] names an unknown embedded catalog `{name}`"),
                        &format!("embedded catalogs: {}", names.join(", ")),
                    ))
                })?;
            Ok(Job::Framework(alias.to_string(), Source::Embedded(entry), pinned))
        }
        (None, Some(path)) => Ok(Job::Framework(
            alias.to_string(),
            Source::File(root.join(path), section.format.clone()),
            pinned,
        )),
        _ => Err(Box::new(config_error(
            config_file,
            alias,
            format!("[frameworks.{alias}] needs exactly one of `catalog` or `file`"),
            "write `catalog = \"cyfun2023\"` for an embedded catalog or `file = \"catalogs/x.yaml\"` for your own",
        ))),
    }
}

/// A catalog file's text; when it cannot be read, an error at its name
/// (`name`, relative to the book root) in book.toml.
fn read(
    path: &Path,
    name: &str,
    config_file: Option<&Arc<SourceFile>>,
) -> Result<String, Box<Diagnostic>> {
    std::fs::read_to_string(path).map_err(|err| {
        let diag = Diagnostic::error(
            "CW041",
            format!("cannot read catalog file `{}`: {err}", path.display()),
        )
        .help("check the path in book.toml; it is relative to the book root");
        let at = config_file.and_then(|file| {
            let i = file.text.find(name)?;
            Some((file, i..i + name.len()))
        });
        Box::new(match at {
            Some((file, span)) => diag.at(file, span),
            None => diag.in_file(path),
        })
    })
}

fn import_error(
    path: &Path,
    file: &Arc<SourceFile>,
    err: crosswalk_catalog::ImportError,
) -> Box<Diagnostic> {
    let diag = Diagnostic::error("CW042", format!("cannot import catalog `{}`: {err}", path.display()))
        .help("crosswalk reads ATT&CK STIX 2.1 JSON, OSCAL catalog JSON, CISO Assistant library YAML and Mappings Explorer JSON");
    // Syntax and type errors say where the parser stopped: shown there.
    Box::new(match err.offset_in(&file.text) {
        Some(at) => {
            let end = file.text[at..]
                .chars()
                .next()
                .map_or(at, |c| at + c.len_utf8());
            diag.at(file, at..end)
        }
        None => diag.in_file(path),
    })
}

fn run(
    job: Job,
    root: &Path,
    config_file: Option<&Arc<SourceFile>>,
) -> Result<Loaded, Box<Diagnostic>> {
    let relative = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_path_buf();
    // A catalog file of the book's, read as a source file named from the
    // book root; failing that, an error at its path in book.toml.
    let open = |path: &Path| {
        let rel = relative(path);
        let name = rel.to_string_lossy().replace('\\', "/");
        read(path, &name, config_file).map(|text| (rel, SourceFile::new(name, text)))
    };
    match job {
        Job::Attack(_, Source::Embedded(entry)) => Ok(Loaded::Attack(embedded::attack(entry))),
        Job::Attack(domain, Source::File(path, _)) => {
            let (rel, file) = open(&path)?;
            stix::import(&file.text, domain, EMBEDDED_ATTACK_VERSION)
                .map(Loaded::Attack)
                .map_err(|e| import_error(&rel, &file, e))
        }
        Job::Framework(alias, Source::Embedded(entry), pinned) => {
            let catalog = embedded::framework(entry);
            check_pin(&alias, &catalog, pinned.as_deref(), config_file)?;
            Ok(Loaded::Framework(
                alias,
                catalog,
                CatalogSource::Embedded(entry.name),
                None,
            ))
        }
        Job::Framework(alias, Source::File(path, format), pinned) => {
            let (rel, file) = open(&path)?;
            let is_json = format.as_deref() == Some("oscal")
                || (format.is_none() && path.extension().is_some_and(|e| e == "json"));
            let catalog = if is_json {
                oscal::import(&file.text, &alias.to_ascii_lowercase())
            } else {
                ciso::import_framework(&file.text)
            }
            .map_err(|e| import_error(&rel, &file, e))?;
            check_pin(&alias, &catalog, pinned.as_deref(), config_file)?;
            Ok(Loaded::Framework(
                alias,
                catalog,
                CatalogSource::File(rel),
                Some(file),
            ))
        }
        Job::Mapping(Source::Embedded(entry)) => Ok(match entry.kind {
            EmbeddedKind::TechniqueMapping => Loaded::TechniqueMapping(
                CatalogSource::Embedded(entry.name),
                embedded::technique_mapping(entry),
                None,
            ),
            _ => Loaded::Mappings(
                CatalogSource::Embedded(entry.name),
                vec![embedded::mapping(entry)],
                None,
            ),
        }),
        Job::Mapping(Source::File(path, _)) => {
            let (rel, file) = open(&path)?;
            let source = CatalogSource::File(rel.clone());
            if path.extension().is_some_and(|e| e == "json") {
                mapex::import(&file.text)
                    .map_err(|e| import_error(&rel, &file, e))
                    .map(|set| Loaded::TechniqueMapping(source, set, Some(file)))
            } else {
                ciso::import_mapping_sets(&file.text)
                    .map_err(|e| import_error(&rel, &file, e))
                    .and_then(|sets| {
                        let sets = without_reverses(sets);
                        if sets.is_empty() {
                            return Err(import_error(
                                &rel,
                                &file,
                                crosswalk_catalog::ImportError::Format(
                                    "the library has no objects.requirement_mapping_sets".into(),
                                ),
                            ));
                        }
                        Ok(Loaded::Mappings(source, sets, Some(file)))
                    })
            }
        }
    }
}

/// The sets of a mapping file but those that only reverse an earlier one:
/// CISO Assistant libraries ship each set with its `-revert` twin, which
/// the crosswalk walks both ways anyway. A file holding two sets between
/// different frameworks gives both (only the first was read, and the
/// others were dropped without a word).
fn without_reverses(sets: Vec<MappingSet>) -> Vec<MappingSet> {
    let mut kept: Vec<MappingSet> = Vec::new();
    for set in sets {
        let reverses_one = kept.iter().any(|k| {
            k.source_framework_urn == set.target_framework_urn
                && k.target_framework_urn == set.source_framework_urn
        });
        if !reverses_one {
            kept.push(set);
        }
    }
    kept
}

fn check_pin(
    alias: &str,
    catalog: &FrameworkCatalog,
    pinned: Option<&str>,
    config_file: Option<&Arc<SourceFile>>,
) -> Result<(), Box<Diagnostic>> {
    match pinned {
        Some(want) if want != catalog.version => {
            let diag = Diagnostic::error(
                "CW041",
                format!(
                    "[frameworks.{alias}] pins version {want}, but the catalog is version {}",
                    catalog.version
                ),
            )
            .help(
                "update the pin after reviewing what changed, or point `file` at the pinned release",
            );
            // At the pin: the `version` after the framework's table header.
            let at = config_file.and_then(|file| {
                let header = file.text.find(&format!("[frameworks.{alias}]"))?;
                let key = header + file.text[header..].find("version")?;
                Some((file, key..key + "version".len()))
            });
            Err(Box::new(match at {
                Some((file, span)) => diag.at(file, span),
                None => diag,
            }))
        }
        _ => Ok(()),
    }
}

/// An id as a lookup that missed compares it: in lower case and without
/// the leading zeros of its numbers, so `PR.AA-1` finds CSF 2.0's
/// `PR.AA-01` and `11.2.01` finds `11.2.1`, as `AC-02` finds `AC-2`. Ids
/// that fold alike are ambiguous and found by neither (see `find`).
pub fn fold_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    let mut chars = id.chars().peekable();
    let mut in_number = false;
    while let Some(c) = chars.next() {
        let leading_zero = c == '0' && !in_number && chars.peek().is_some_and(char::is_ascii_digit);
        if !leading_zero {
            out.extend(c.to_lowercase());
        }
        in_number = c.is_ascii_digit() && !leading_zero;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_ids_drop_case_and_leading_zeros_only() {
        assert_eq!(fold_id("PR.AA-01"), "pr.aa-1");
        assert_eq!(fold_id("HCB-0010"), "hcb-10");
        assert_eq!(fold_id("PR.AA-1"), "pr.aa-1");
        assert_eq!(fold_id("11.2.01"), "11.2.1");
        assert_eq!(fold_id("A.5.10"), "a.5.10");
        assert_eq!(fold_id("GV.OC-01.1"), "gv.oc-1.1");
        assert_eq!(fold_id("0"), "0");
        assert_eq!(fold_id("AC-100"), "ac-100");
        assert_eq!(fold_id("A.8.0"), "a.8.0");
    }

    #[test]
    fn a_measure_is_covered_from_above_only_by_requirements_not_assessed() {
        let registry = Registry::load(&BookConfig::default(), Path::new("."), None).unwrap();
        let label = |fw: &LoadedFramework, i: usize| fw.catalog.nodes[i].label.clone();
        let cyfun = &registry.frameworks["CYFUN2023"];
        let measure = cyfun.find("PR.AC-1.1").unwrap();
        let above: Vec<String> = cyfun
            .covering_ancestors(measure)
            .into_iter()
            .map(|i| label(cyfun, i))
            .collect();
        assert_eq!(
            above.first().map(String::as_str),
            Some("PR.AC-1"),
            "nearest first: {above:?}"
        );
        let requirement = cyfun.find("PR.AC-1").unwrap();
        assert!(
            cyfun.covering_ancestors(requirement).is_empty(),
            "not assessed"
        );
        // AC-2 is assessed itself: its citation covers AC-2 only. The AC
        // family above it is a grouping, whose citation covers nothing.
        let sp = &registry.frameworks["800-53"];
        for id in ["AC-2(1)", "AC-2", "CM-2"] {
            let above = sp.covering_ancestors(sp.find(id).unwrap());
            assert!(above.is_empty(), "{id}: {above:?}");
        }
    }

    /// Regression: citing a grouping (CyFun `PR`, CSF `PR`, an SP 800-53
    /// family, NIS2IR section 6), which `check` warns about (CW027),
    /// counted as declaring every assessable requirement under it (CyFun
    /// 2023: 107 of 221). A grouping covers nothing; a requirement whose
    /// measures sit directly under it covers them.
    #[test]
    fn a_grouping_citation_covers_nothing_and_a_requirement_its_measures() {
        let registry = Registry::load(&BookConfig::default(), Path::new("."), None).unwrap();
        let covered = |alias: &str, id: &str| {
            let fw = &registry.frameworks[alias];
            let idx = fw.find(id).unwrap();
            (
                fw.is_grouping(idx),
                fw.covered_by_citation(idx)
                    .into_iter()
                    .map(|i| fw.catalog.nodes[i].label.clone())
                    .collect::<Vec<_>>(),
            )
        };
        for (alias, id) in [
            ("CYFUN2023", "PR"),
            ("CYFUN2023", "PR.AC"),
            ("CSF2", "PR"),
            ("800-53", "AC"),
            // A family without withdrawn controls is a grouping too: its
            // controls have enhancements.
            ("800-53", "CM"),
            ("NIS2IR", "6"),
            ("NIS2IR", "2.1"),
        ] {
            assert_eq!(covered(alias, id), (true, vec![]), "{alias}:{id}");
        }
        let (grouping, measures) = covered("CYFUN2023", "PR.AC-1");
        assert!(!grouping);
        assert_eq!(measures.first().map(String::as_str), Some("PR.AC-1.1"));
        assert!(
            measures.iter().all(|m| m.starts_with("PR.AC-1.")),
            "{measures:?}"
        );
        let (grouping, points) = covered("NIS2IR", "6.8.2");
        assert!(!grouping);
        assert_eq!(points.len(), 8, "6.8.2.a-h: {points:?}");
        // A CSF 2.0 category is shaped like a CyFun requirement: its
        // subcategories are assessed and have nothing under them.
        let (grouping, subcategories) = covered("CSF2", "PR.AA");
        assert!(!grouping);
        assert_eq!(subcategories.len(), 6, "{subcategories:?}");
        assert_eq!(covered("800-53", "AC-2"), (false, vec!["AC-2".to_string()]));
    }

    #[test]
    fn a_number_written_without_its_leading_zero_is_found() {
        let registry = Registry::load(&BookConfig::default(), Path::new("."), None).unwrap();
        for (alias, written, label) in [
            ("CSF2", "PR.AA-1", "PR.AA-01"),
            ("CYFUN2025", "GV.OC-1.1", "GV.OC-01.1"),
            ("CSF2", "pr.aa-01", "PR.AA-01"),
        ] {
            let fw = &registry.frameworks[alias];
            let found = fw.find(written).map(|i| fw.catalog.nodes[i].label.as_str());
            assert_eq!(found, Some(label), "{alias}:{written}");
        }
    }

    /// Regression: a mapping set names requirements by URN, and a few URNs
    /// do not spell their id; looked up by the id the URN ends with, they
    /// were dropped (24 rows of the embedded sets, two of them `equal`).
    #[test]
    fn a_mapping_urn_finds_its_node_even_when_it_does_not_spell_the_id() {
        let registry = Registry::load(&BookConfig::default(), Path::new("."), None).unwrap();
        for (urn, label) in [
            (
                "urn:intuitem:risk:req_node:ccb-cyfun2025:de.cm-03-1",
                "DE.CM-03.1",
            ),
            (
                "urn:intuitem:risk:req_node:ccb-cyfun2025:d.am-08.10",
                "ID.AM-08.10",
            ),
            (
                "urn:intuitem:risk:req_node:ccb-cyfun2025:pr.aa-01.1",
                "PR.AA-01.1",
            ),
        ] {
            match registry.resolve_urn(urn) {
                UrnLookup::Found(fw, i) => assert_eq!(fw.catalog.nodes[i].label, label, "{urn}"),
                _ => panic!("{urn} not found"),
            }
        }
        let unresolved: usize = registry
            .mapping_sets
            .iter()
            .flat_map(|(_, set)| &set.mappings)
            .flat_map(|m| [&m.source_urn, &m.target_urn])
            .filter(|urn| !matches!(registry.resolve_urn(urn), UrnLookup::Found(..)))
            .count();
        assert_eq!(unresolved, 0, "every embedded mapping resolves");
    }

    /// Regression: only the first set of a book's mapping file was read;
    /// a second set, between other frameworks, was dropped without a word.
    /// A set that reverses an earlier one (CISO Assistant's `-revert`
    /// twins) still adds nothing.
    #[test]
    fn every_set_of_a_mapping_file_is_read_but_reverses() {
        let tmp = tempfile::tempdir().unwrap();
        let set = |urn: &str, from: &str, to: &str| {
            format!(
                "  - urn: {urn}\n    name: {urn}\n    source_framework_urn: {from}\n    target_framework_urn: {to}\n    requirement_mappings:\n    - source_requirement_urn: {from}:a\n      target_requirement_urn: {to}:b\n      relationship: equal\n"
            )
        };
        let yaml = format!(
            "urn: urn:x:library:two\nname: two\nobjects:\n  requirement_mapping_sets:\n{}{}{}",
            set("urn:x:set:one", "urn:x:fw:csf", "urn:x:fw:nis2"),
            set("urn:x:set:one-revert", "urn:x:fw:nis2", "urn:x:fw:csf"),
            set("urn:x:set:two", "urn:x:fw:csf", "urn:x:fw:nis2ir"),
        );
        std::fs::create_dir_all(tmp.path().join("catalogs")).unwrap();
        std::fs::write(tmp.path().join("catalogs/map.yaml"), yaml).unwrap();
        let file = SourceFile::new(
            "book.toml",
            "[mappings]\nembedded = false\nfiles = [\"catalogs/map.yaml\"]\n".to_string(),
        );
        let config = BookConfig::parse(&file).unwrap();
        let registry = match Registry::load(&config, tmp.path(), Some(&file)) {
            Ok(registry) => registry,
            Err(errors) => panic!("{errors:?}"),
        };
        let urns: Vec<&str> = registry
            .mapping_sets
            .iter()
            .map(|(_, set)| set.urn.as_str())
            .collect();
        assert_eq!(urns, ["urn:x:set:one", "urn:x:set:two"]);
    }

    /// The errors of a book whose book.toml is `toml`, with `files` beside
    /// it, as (code, file, line, column).
    fn load_errors(
        toml: &str,
        files: &[(&str, &str)],
    ) -> Vec<(&'static str, String, usize, usize)> {
        let tmp = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = tmp.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let file = SourceFile::new("book.toml", toml.to_string());
        let config = BookConfig::parse(&file).unwrap();
        let errors = match Registry::load(&config, tmp.path(), Some(&file)) {
            Err(errors) => errors,
            Ok(_) => panic!("{toml} loads"),
        };
        errors
            .iter()
            .map(|d| {
                let loc = d.location.as_ref().expect("located");
                let (line, col) = loc.line_col();
                (d.code, loc.file.name.clone(), line, col)
            })
            .collect()
    }

    /// Regression: CW042 said "at line 28 column 14" in its message but
    /// was shown only "in" the file; CW041's missing file and version pin
    /// were not located in book.toml.
    #[test]
    fn catalog_errors_are_located() {
        let yaml = "urn: urn:x:library:bad\nobjects:\n  framework:\n    urn: urn:x:fw:bad\n    requirement_nodes:\n    - urn: urn:x:req_node:bad:a\n      depth: \"three\"\n";
        assert_eq!(
            load_errors(
                "[frameworks.BAD]\nfile = \"catalogs/bad.yaml\"\n[mappings]\nembedded = false\n",
                &[("catalogs/bad.yaml", yaml)]
            ),
            [("CW042", "catalogs/bad.yaml".to_string(), 7, 14)]
        );
        assert_eq!(
            load_errors(
                "[frameworks.GONE]\nfile = \"catalogs/gone.yaml\"\n[mappings]\nembedded = false\n",
                &[]
            ),
            [("CW041", "book.toml".to_string(), 2, 9)]
        );
        assert_eq!(
            load_errors(
                "[frameworks.CYFUN2023]\ncatalog = \"cyfun2023\"\nversion = \"5\"\n[mappings]\nembedded = false\n",
                &[]
            ),
            [("CW041", "book.toml".to_string(), 3, 1)]
        );
    }

    /// Regression: the CISO Assistant library the embedded CSF2 comes from,
    /// loaded again as `[frameworks.CSF]`, silently took the embedded
    /// mapping sets from CSF2, whose coverage dropped.
    #[test]
    fn the_same_framework_under_a_second_alias_is_cw049_naming_both() {
        let csf = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogs/ciso-assistant/nist-csf-2.0.yaml"),
        )
        .unwrap();
        let toml = "[book]\ntitle = \"x\"\n\n[frameworks.CSF]\nfile = \"catalogs/csf.yaml\"\n";
        assert_eq!(
            load_errors(toml, &[("catalogs/csf.yaml", &csf)]),
            [("CW049", "book.toml".to_string(), 4, 1)]
        );
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("catalogs")).unwrap();
        std::fs::write(tmp.path().join("catalogs/csf.yaml"), &csf).unwrap();
        let file = SourceFile::new("book.toml", toml.to_string());
        let config = BookConfig::parse(&file).unwrap();
        let Err(errors) = Registry::load(&config, tmp.path(), Some(&file)) else {
            panic!("loads");
        };
        assert!(
            errors[0]
                .message
                .starts_with("CSF2 and CSF are the same framework"),
            "{}",
            errors[0].message
        );
        // Replacing the embedded alias with the same file is fine.
        let toml = "[frameworks.CSF2]\nfile = \"catalogs/csf.yaml\"\n";
        let file = SourceFile::new("book.toml", toml.to_string());
        let config = BookConfig::parse(&file).unwrap();
        assert!(Registry::load(&config, tmp.path(), Some(&file)).is_ok());
        // Both tables the book's own, in either order: the error is at the
        // table written second, and its help leaves one framework
        // (removing [frameworks.CSF2] would bring the built-in CSF2 back).
        for (toml, line, help) in [
            (
                "[frameworks.CSF2]\nfile = \"catalogs/csf.yaml\"\n\n[frameworks.CSF]\ncatalog = \"nist-csf-2.0\"\n",
                4,
                "remove [frameworks.CSF] and cite CSF2",
            ),
            (
                "[frameworks.CSF]\ncatalog = \"nist-csf-2.0\"\n\n[frameworks.CSF2]\nfile = \"catalogs/csf.yaml\"\n",
                4,
                "remove [frameworks.CSF] and cite CSF2",
            ),
        ] {
            let file = SourceFile::new("book.toml", toml.to_string());
            let config = BookConfig::parse(&file).unwrap();
            let Err(errors) = Registry::load(&config, tmp.path(), Some(&file)) else {
                panic!("CW049 for {toml}");
            };
            assert_eq!(errors[0].location.as_ref().unwrap().line_col().0, line, "{toml}");
            assert!(errors[0].help.as_deref().unwrap().contains(help), "{toml}");
        }
    }

    #[test]
    fn a_pinned_attack_version_without_bundles_is_one_error_naming_each_domain() {
        let mut config = BookConfig::default();
        config.attack.version = "1.0".into();
        config
            .attack
            .files
            .insert("ics".into(), PathBuf::from("ics-1.0.json"));
        let errors = match plan(&config, Path::new("."), None) {
            Err(errors) => errors,
            Ok(_) => panic!("a version without bundles must not plan"),
        };
        let pins: Vec<_> = errors.iter().filter(|e| e.code == "CW041").collect();
        assert_eq!(pins.len(), 1, "{errors:?}");
        assert!(
            pins[0]
                .message
                .ends_with("names no bundle for enterprise, mobile"),
            "{}",
            pins[0].message
        );
    }
}
