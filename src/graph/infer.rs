//! Inferred links: what a document covers beyond what its author declared,
//! through mapping sets (requirement -> requirement) and Mappings Explorer
//! (control -> ATT&CK technique).
//!
//! Inferred links get edges of their own kind ([`Edge::InferredControl`],
//! [`Edge::InferredTechnique`]) carrying how they were produced; they are
//! never merged into declared ones.
//!
//! ## Seeds
//!
//! Every declared citation is a seed. Citing a requirement with measures
//! (CyFun `PR.AC-1`) also seeds each measure it covers (`PR.AC-1.1`, ...,
//! `LoadedFramework::covered_by_citation`; a grouping covers none), because
//! mapping sets often reference the measures;
//! that step keeps the citation's coverage (partial unless stated) and is not
//! a mapping hop.
//!
//! ## Degradation rule
//!
//! * One hop passes on `full` for `equal` and `superset` (the source contains
//!   everything the target asks) and `partial` for `subset` and `intersect`;
//!   `not_related` passes nothing.
//! * A chain's coverage is the minimum of the citation's coverage and every
//!   hop's ([`chain_coverage`]).
//! * A chain of two hops or more is at most `partial`: equality through a hub
//!   (CyFun -> ISO 27001 -> CSF 2.0) is not transitive in practice, because
//!   each published mapping is an expert judgement at its own granularity.
//! * Chains are at most `[mappings] max-hops` hops long, never revisit a
//!   requirement, and never end in the framework the chain started from (a
//!   framework's own coverage comes from what the authors cite in it).
//! * When several chains reach a requirement, the strongest wins, then the
//!   shortest, then the first found (documents, citations and mappings are
//!   walked in a fixed order, so the result is deterministic).
//! * Requirements a document cites itself are never inferred for it.
//!
//! Techniques are inferred from the controls a document cites (and their
//! measures) and from inferred controls whose chain leaves room for one more
//! hop: the control -> technique mapping counts as a hop.
//!
//! ## Cost
//!
//! What a seed reaches depends only on the seed, and a large book cites the
//! same few thousand requirements over and over: each distinct seed is walked
//! once (in parallel, on integer ids), and a document's inferred links are
//! the merge of its seeds' results, computed when asked for
//! ([`Inference::of_document`]). Nothing of size documents x reachable
//! requirements is ever stored: with two hops through a hub such as
//! ISO 27001 a single citation reaches hundreds of requirements.

use std::collections::{BTreeSet, HashMap, HashSet};

use rustc_hash::FxHashMap;

use petgraph::graph::NodeIndex;
use rayon::prelude::*;

use super::crosswalk::{ControlKey, Crosswalk};
use super::{Edge, Index, Node};
use crate::catalog::Registry;
use crate::document::{Coverage, TechniqueRelation};
use crosswalk_catalog::{AttackDomain, Relationship};

/// Coverage one mapping hop passes on, seen from the side walked from.
pub fn hop_coverage(relationship: Relationship) -> Option<Coverage> {
    match relationship {
        Relationship::Equal | Relationship::Superset => Some(Coverage::Full),
        Relationship::Subset | Relationship::Intersect => Some(Coverage::Partial),
        Relationship::NotRelated => None,
    }
}

/// Coverage of a chain: the minimum over the declared coverage and each hop;
/// two hops or more are at most partial.
pub fn chain_coverage(declared: Coverage, hops: &[Coverage]) -> Coverage {
    let all_full = declared == Coverage::Full && hops.iter().all(|&h| h == Coverage::Full);
    if all_full && hops.len() < 2 {
        Coverage::Full
    } else {
        Coverage::Partial
    }
}

/// Where inference starts: a declared control, or a measure under it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Seed {
    /// The control the author cited.
    pub declared: ControlKey,
    /// The control walked from (the cited one or one of its measures).
    pub start: ControlKey,
    pub coverage: Coverage,
}

/// One inferred requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct Inferred {
    pub target: ControlKey,
    pub coverage: Coverage,
    /// Controls passed through, starting with the declared one (then the
    /// measure walked from, when different, then any hub); `target` excluded.
    pub chain: Vec<ControlKey>,
    /// Mapping hops taken.
    pub hops: usize,
}

/// Every requirement reachable from `seeds` within `max_hops`, strongest
/// chain per requirement, sorted by (alias, node). Requirements among the
/// seeds' declared ones are left out.
pub fn infer_controls(seeds: &[Seed], crosswalk: &Crosswalk, max_hops: u8) -> Vec<Inferred> {
    let mut walker = Walker::new(crosswalk);
    let ids: Vec<WalkSeed> = seeds.iter().map(|s| walker.seed(s)).collect();
    let declared: HashSet<u32> = ids.iter().map(|s| s.declared).collect();
    let mut best: HashMap<u32, Reached<u32>> = HashMap::new();
    for seed in &ids {
        for reached in walker.walk(seed, max_hops) {
            if declared.contains(&reached.target) {
                continue;
            }
            if improves(best.get(&reached.target), &reached) {
                best.insert(reached.target, reached);
            }
        }
    }
    let mut out: Vec<Inferred> = best
        .into_values()
        .map(|r| Inferred {
            target: walker.keys[r.target as usize].clone(),
            coverage: r.coverage,
            chain: r
                .chain
                .iter()
                .map(|&c| walker.keys[c as usize].clone())
                .collect(),
            hops: usize::from(r.hops),
        })
        .collect();
    out.sort_by(|a, b| a.target.cmp(&b.target));
    out
}

/// A requirement reached from one seed; `N` is how requirements are named
/// (integer ids while walking, graph nodes once stored).
#[derive(Debug, Clone, PartialEq)]
pub struct Reached<N> {
    pub target: N,
    pub coverage: Coverage,
    /// The relationship of the last hop (from the chain's last requirement
    /// to the target).
    pub relationship: Relationship,
    pub hops: u8,
    /// Controls passed through, starting with the declared one; `target`
    /// excluded.
    pub chain: Box<[N]>,
}

/// Whether `candidate` beats the best chain found so far: stronger, or as
/// strong and shorter.
fn improves<N>(current: Option<&Reached<N>>, candidate: &Reached<N>) -> bool {
    match current {
        None => true,
        Some(c) => rank(candidate.coverage, candidate.hops) < rank(c.coverage, c.hops),
    }
}

fn rank(coverage: Coverage, hops: u8) -> (bool, u8) {
    (coverage == Coverage::Partial, hops)
}

/// A seed in integer ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct WalkSeed {
    declared: u32,
    start: u32,
    coverage: Coverage,
}

/// One usable mapping hop.
#[derive(Debug, Clone, Copy)]
struct Hop {
    to: u32,
    coverage: Coverage,
    relationship: Relationship,
}

/// The crosswalk as an adjacency list over integer ids, so that walking
/// hashes and clones nothing.
struct Walker {
    keys: Vec<ControlKey>,
    ids: FxHashMap<ControlKey, u32>,
    /// Framework (interned alias) of each id.
    framework: Vec<u32>,
    frameworks: FxHashMap<String, u32>,
    hops: Vec<Vec<Hop>>,
}

impl Walker {
    fn new(crosswalk: &Crosswalk) -> Walker {
        let mut walker = Walker {
            keys: Vec::new(),
            ids: FxHashMap::default(),
            framework: Vec::new(),
            frameworks: FxHashMap::default(),
            hops: Vec::new(),
        };
        // Sorted, so ids (and everything derived from them) are the same on
        // every run whatever the hash maps' order.
        let mut sources: Vec<(&str, usize, &[super::crosswalk::Link])> =
            crosswalk.all_links().collect();
        sources.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (alias, idx, links) in sources {
            let from = walker.id(&(alias.to_string(), idx));
            for link in links {
                let Some(coverage) = hop_coverage(link.relationship) else {
                    continue;
                };
                let to = walker.id(&link.to);
                walker.hops[from as usize].push(Hop {
                    to,
                    coverage,
                    relationship: link.relationship,
                });
            }
        }
        walker
    }

    fn id(&mut self, key: &ControlKey) -> u32 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = u32::try_from(self.keys.len()).expect("fewer than 2^32 requirements");
        let next = u32::try_from(self.frameworks.len()).expect("few frameworks");
        let fw = *self.frameworks.entry(key.0.clone()).or_insert(next);
        self.keys.push(key.clone());
        self.ids.insert(key.clone(), id);
        self.framework.push(fw);
        self.hops.push(Vec::new());
        id
    }

    fn seed(&mut self, seed: &Seed) -> WalkSeed {
        WalkSeed {
            declared: self.id(&seed.declared),
            start: self.id(&seed.start),
            coverage: seed.coverage,
        }
    }

    /// Every requirement `seed` reaches within `max_hops`, the strongest
    /// (then shortest, then first found) chain for each, by target id.
    fn walk(&self, seed: &WalkSeed, max_hops: u8) -> Vec<Reached<u32>> {
        let origin = self.framework[seed.declared as usize];
        let mut chain = vec![seed.declared];
        if seed.start != seed.declared {
            chain.push(seed.start);
        }
        let mut best: FxHashMap<u32, Reached<u32>> = FxHashMap::default();
        // (at, chain through `at`, hop coverages)
        let mut frontier = vec![(seed.start, chain, Vec::<Coverage>::new())];
        for _ in 0..max_hops {
            let mut next = Vec::new();
            for (at, chain, hop_coverages) in frontier {
                for hop in &self.hops[at as usize] {
                    if self.framework[hop.to as usize] == origin || chain.contains(&hop.to) {
                        continue;
                    }
                    let mut coverages = hop_coverages.clone();
                    coverages.push(hop.coverage);
                    let candidate = Reached {
                        target: hop.to,
                        coverage: chain_coverage(seed.coverage, &coverages),
                        relationship: hop.relationship,
                        hops: u8::try_from(coverages.len()).unwrap_or(u8::MAX),
                        chain: chain.clone().into_boxed_slice(),
                    };
                    if !improves(best.get(&hop.to), &candidate) {
                        continue;
                    }
                    best.insert(hop.to, candidate);
                    let mut longer = chain.clone();
                    longer.push(hop.to);
                    next.push((hop.to, longer, coverages));
                }
            }
            frontier = next;
        }
        let mut out: Vec<Reached<u32>> = best.into_values().collect();
        out.sort_by_key(|r| r.target);
        out
    }
}

thread_local! {
    /// The slots of [`Inference::merge`] on this thread.
    static MERGE_SLOTS: std::cell::RefCell<MergeSlots> = std::cell::RefCell::default();
}

/// Where each target's best entry sits in a merge's output, by node
/// number; an entry counts only when stamped by the current merge.
#[derive(Default)]
struct MergeSlots {
    stamp: u32,
    /// (stamp, position) by node number.
    slots: Vec<(u32, u32)>,
    /// The nodes claimed since the last drain, one bit each.
    claimed: Vec<u64>,
}

impl MergeSlots {
    fn next_stamp(&mut self) -> u32 {
        // A merge that stopped half-way (a panic caught by `serve`) must not
        // leave claims behind; clearing a few hundred words is cheap.
        self.claimed.fill(0);
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            // Wrapped: forget every old stamp so none can match again.
            self.slots.iter_mut().for_each(|slot| *slot = (0, 0));
            self.stamp = 1;
        }
        self.stamp
    }

    /// The position of `node`'s entry: `(position, false)` when this merge
    /// has one, else `(next, true)` after claiming `next` for it.
    fn slot(&mut self, node: usize, stamp: u32, next: usize) -> (usize, bool) {
        if node >= self.slots.len() {
            self.slots.resize(node + 1, (0, 0));
        }
        let slot = &mut self.slots[node];
        if slot.0 == stamp {
            (slot.1 as usize, false)
        } else {
            *slot = (stamp, next as u32);
            let word = node / 64;
            if word >= self.claimed.len() {
                self.claimed.resize(word + 1, 0);
            }
            self.claimed[word] |= 1 << (node % 64);
            (next, true)
        }
    }

    /// Call `f` with the position of each node claimed since the last
    /// drain, in node order, and forget the claims.
    fn drain_in_node_order(&mut self, mut f: impl FnMut(usize)) {
        for (w, word) in self.claimed.iter_mut().enumerate() {
            let mut bits = std::mem::take(word);
            while bits != 0 {
                let node = w * 64 + bits.trailing_zeros() as usize;
                f(self.slots[node].1 as usize);
                bits &= bits - 1;
            }
        }
    }
}

/// A document's inferred link to a requirement, borrowed from the seed
/// result that gave it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InferredLink<'a> {
    pub target: NodeIndex,
    pub coverage: Coverage,
    /// The relationship of the last hop.
    pub relationship: Relationship,
    pub hops: u8,
    /// Controls passed through, starting with the declared one; `target`
    /// excluded.
    pub chain: &'a [NodeIndex],
}

impl<'a> InferredLink<'a> {
    pub(super) fn from_reached(r: &'a Reached<NodeIndex>) -> Self {
        InferredLink {
            target: r.target,
            coverage: r.coverage,
            relationship: r.relationship,
            hops: r.hops,
            chain: &r.chain,
        }
    }
}

/// Inferred control links of every document, stored per distinct seed.
#[derive(Debug, Default)]
pub struct Inference {
    /// What each distinct seed reaches, sorted by target node.
    pub(super) reach: Vec<Vec<Reached<NodeIndex>>>,
    /// The control each seed's author cited.
    seed_declared: Vec<NodeIndex>,
    /// Seeds of each document, in citation order.
    pub(super) doc_seeds: Vec<Vec<u32>>,
    /// Controls each document cites, and the measures it covers through
    /// them, sorted (never inferred for it).
    pub(super) doc_declared: Vec<Vec<NodeIndex>>,
    /// Documents holding each seed, in document order.
    seed_documents: Vec<Vec<usize>>,
    /// Seeds reaching each control, in seed order.
    reaching: FxHashMap<NodeIndex, Vec<u32>>,
    /// What each seed reaches as bit sets, made on first use
    /// ([`super::summary`]).
    pub(super) sets: std::sync::OnceLock<Vec<super::summary::SeedSets>>,
}

impl Inference {
    /// The requirements document `doc` is inferred to satisfy, strongest
    /// chain for each (then shortest, then the first seed's), by target
    /// node.
    pub fn of_document(&self, doc: usize) -> Vec<InferredLink<'_>> {
        self.merge(doc, u8::MAX)
    }

    /// Like [`Self::of_document`], keeping only chains shorter than `hops`;
    /// by target.
    ///
    /// A merge visits the seeds' reached sets, hundreds of entries each,
    /// about half of them reaching a target another seed reaches too (the
    /// document page reads the same merge in numbers from bit sets,
    /// [`super::summary`]; `refs`, serve's footprints and the summary's
    /// test read it link by link). Each target's best entry is kept in a slot found by
    /// its node number (a per-thread table, stamped per merge, so it is
    /// never cleared), then the few hundred winners are sorted. Entries are
    /// visited in seed order and only a strictly better one replaces a
    /// slot, so ties go to the first seed. The winners come out in node
    /// order from a bit set of the slots claimed. Sorting every entry, as
    /// before, cost twice as much.
    fn merge(&self, doc: usize, below_hops: u8) -> Vec<InferredLink<'_>> {
        let (Some(seeds), Some(declared)) = (self.doc_seeds.get(doc), self.doc_declared.get(doc))
        else {
            return Vec::new();
        };
        MERGE_SLOTS.with_borrow_mut(|slots| {
            let stamp = slots.next_stamp();
            let mut best: Vec<&Reached<NodeIndex>> = Vec::new();
            for &seed in seeds {
                for reached in &self.reach[seed as usize] {
                    if reached.hops >= below_hops || declared.binary_search(&reached.target).is_ok()
                    {
                        continue;
                    }
                    let (at, fresh) = slots.slot(reached.target.index(), stamp, best.len());
                    if fresh {
                        best.push(reached);
                    } else if improves(Some(best[at]), reached) {
                        best[at] = reached;
                    }
                }
            }
            let mut out = Vec::with_capacity(best.len());
            slots.drain_in_node_order(|at| out.push(InferredLink::from_reached(best[at])));
            out
        })
    }

    /// Document `doc`'s inferred link to `target`, if any.
    pub fn link(&self, doc: usize, target: NodeIndex) -> Option<InferredLink<'_>> {
        let declared = self.doc_declared.get(doc)?;
        if declared.binary_search(&target).is_ok() {
            return None;
        }
        let seeds = self.reaching.get(&target)?;
        let mut best: Option<&Reached<NodeIndex>> = None;
        for &seed in self.doc_seeds.get(doc)? {
            if !seeds.contains(&seed) {
                continue;
            }
            let reach = &self.reach[seed as usize];
            let Ok(at) = reach.binary_search_by_key(&target, |r| r.target) else {
                continue;
            };
            if improves(best, &reach[at]) {
                best = Some(&reach[at]);
            }
        }
        best.map(InferredLink::from_reached)
    }

    /// Documents inferred to satisfy `target`, with their link, in
    /// document order.
    pub fn documents_reaching(&self, target: NodeIndex) -> Vec<(usize, InferredLink<'_>)> {
        let docs: BTreeSet<usize> = self
            .reaching
            .get(&target)
            .into_iter()
            .flatten()
            .flat_map(|&s| self.seed_documents[s as usize].iter().copied())
            .collect();
        docs.into_iter()
            .filter_map(|d| self.link(d, target).map(|l| (d, l)))
            .collect()
    }

    /// The distinct chains reaching `target` from a requirement some
    /// document cites, strongest and shortest first. This is what a control
    /// page lists: it grows with the mappings, not with the documents.
    pub fn sources_of(&self, target: NodeIndex) -> Vec<Source<'_>> {
        let mut out: Vec<Source> = Vec::new();
        for &s in self.reaching.get(&target).into_iter().flatten() {
            if self.seed_documents[s as usize].is_empty() {
                continue;
            }
            let reach = &self.reach[s as usize];
            let Ok(at) = reach.binary_search_by_key(&target, |r| r.target) else {
                continue;
            };
            let link = InferredLink::from_reached(&reach[at]);
            // The same chain from citations of different coverage: one
            // source, the strongest link, every seed's documents.
            match out.iter_mut().find(|o| o.link.chain == link.chain) {
                Some(same) => {
                    if rank(link.coverage, link.hops) < rank(same.link.coverage, same.link.hops) {
                        same.link = link;
                    }
                    same.seeds.push(s);
                }
                None => out.push(Source {
                    declared: self.seed_declared[s as usize],
                    link,
                    seeds: vec![s],
                }),
            }
        }
        out.sort_by(|a, b| {
            rank(a.link.coverage, a.link.hops)
                .cmp(&rank(b.link.coverage, b.link.hops))
                .then_with(|| a.link.chain.cmp(b.link.chain))
        });
        out
    }

    /// Documents citing the requirement a source starts from, through any
    /// of its seeds, in document order, leaving out those that cite
    /// `target` themselves.
    pub fn source_documents(&self, source: &Source<'_>, target: NodeIndex) -> Vec<usize> {
        let docs: BTreeSet<usize> = source
            .seeds
            .iter()
            .flat_map(|&s| self.seed_documents[s as usize].iter().copied())
            .filter(|&d| !self.declares(d, target))
            .collect();
        docs.into_iter().collect()
    }

    /// Every control one mapping from a citation of `doc`: their pages name
    /// or count the documents behind each chain.
    pub fn one_mapping_from(&self, doc: usize) -> Vec<NodeIndex> {
        self.merge(doc, 2).into_iter().map(|l| l.target).collect()
    }

    /// The controls reached (or passed through) from a citation no other
    /// document makes: their pages list the cited requirements, and they
    /// may lose their page when the citation goes.
    pub fn only_through(&self, doc: usize) -> BTreeSet<NodeIndex> {
        let mut out = BTreeSet::new();
        for &s in self.doc_seeds.get(doc).into_iter().flatten() {
            if self.seed_documents[s as usize] == [doc] {
                for r in &self.reach[s as usize] {
                    out.insert(r.target);
                    out.extend(r.chain.iter().copied());
                }
            }
        }
        out
    }

    /// Whether document `doc` cites `control` itself, or the requirement
    /// it is a measure of.
    pub fn declares(&self, doc: usize, control: NodeIndex) -> bool {
        self.doc_declared
            .get(doc)
            .is_some_and(|d| d.binary_search(&control).is_ok())
    }

    /// The strongest inferred coverage any document has of `target`.
    pub fn strongest(&self, target: NodeIndex) -> Option<Coverage> {
        self.reaching
            .get(&target)?
            .iter()
            .filter(|&&s| !self.seed_documents[s as usize].is_empty())
            .filter_map(|&s| {
                let reach = &self.reach[s as usize];
                let at = reach.binary_search_by_key(&target, |r| r.target).ok()?;
                Some(reach[at].coverage)
            })
            .min_by_key(|c| *c == Coverage::Partial)
    }
}

/// One way a control is reached: from a cited requirement, along a chain.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    /// The cited requirement the chain starts from.
    pub declared: NodeIndex,
    pub link: InferredLink<'a>,
    /// The seeds giving this chain (see [`Inference::source_documents`]).
    seeds: Vec<u32>,
}

/// Walk every distinct seed of every document and add inferred technique
/// edges.
pub fn add_inferred(index: &mut Index, registry: &Registry, document_count: usize) {
    let mut walker = Walker::new(&index.crosswalk);
    let mut distinct: FxHashMap<WalkSeed, u32> = FxHashMap::default();
    let mut seeds: Vec<WalkSeed> = Vec::new();
    let mut doc_seeds: Vec<Vec<u32>> = Vec::with_capacity(document_count);
    let mut doc_declared: Vec<Vec<NodeIndex>> = Vec::with_capacity(document_count);
    // The measures each document covers through a citation of their
    // requirement (walker ids): covered by its own citation, so never
    // inferred for it either.
    let mut doc_measures: Vec<Vec<u32>> = Vec::with_capacity(document_count);
    for doc in 0..document_count {
        let mut mine = Vec::new();
        let mut declared = Vec::new();
        let mut measures = Vec::new();
        if let Some(doc_node) = index.document_node(doc) {
            for (seed, declared_node) in seeds_of(index, registry, doc_node) {
                let walk_seed = walker.seed(&seed);
                if walk_seed.start != walk_seed.declared {
                    measures.push(walk_seed.start);
                }
                let id = *distinct.entry(walk_seed).or_insert_with(|| {
                    seeds.push(walk_seed);
                    u32::try_from(seeds.len() - 1).expect("fewer than 2^32 seeds")
                });
                if !mine.contains(&id) {
                    mine.push(id);
                }
                declared.push(declared_node);
            }
        }
        doc_seeds.push(mine);
        doc_declared.push(declared);
        doc_measures.push(measures);
    }
    let max_hops = registry.max_hops;
    let walked: Vec<Vec<Reached<u32>>> = crate::timing::phase("    walk seeds", || {
        seeds
            .par_iter()
            .map(|seed| walker.walk(seed, max_hops))
            .collect()
    });
    // Graph nodes for every requirement reached or passed through, added in
    // key order so node numbering does not depend on the walk.
    let mut touched: BTreeSet<u32> = BTreeSet::new();
    for reached in walked.iter().flatten() {
        touched.insert(reached.target);
        touched.extend(reached.chain.iter().copied());
    }
    touched.extend(seeds.iter().map(|s| s.declared));
    let mut by_key: Vec<u32> = touched.into_iter().collect();
    by_key.sort_by(|a, b| walker.keys[*a as usize].cmp(&walker.keys[*b as usize]));
    let mut node_of: FxHashMap<u32, NodeIndex> =
        FxHashMap::with_capacity_and_hasher(by_key.len(), Default::default());
    for id in by_key {
        node_of.insert(id, control_node(index, &walker.keys[id as usize]));
    }
    for (declared, measures) in doc_declared.iter_mut().zip(&doc_measures) {
        // A measure no chain reaches or passes through has no node, and
        // nothing to leave out.
        declared.extend(measures.iter().filter_map(|m| node_of.get(m).copied()));
        declared.sort();
        declared.dedup();
    }
    let mut inference = Inference {
        seed_declared: seeds.iter().map(|s| node_of[&s.declared]).collect(),
        seed_documents: vec![Vec::new(); seeds.len()],
        doc_declared,
        ..Inference::default()
    };
    for (s, reached) in walked.into_iter().enumerate() {
        let mut nodes: Vec<Reached<NodeIndex>> = reached
            .into_iter()
            .map(|r| Reached {
                target: node_of[&r.target],
                coverage: r.coverage,
                relationship: r.relationship,
                hops: r.hops,
                chain: r.chain.iter().map(|c| node_of[c]).collect(),
            })
            .collect();
        nodes.sort_by_key(|r| r.target);
        for r in &nodes {
            inference
                .reaching
                .entry(r.target)
                .or_default()
                .push(s as u32);
        }
        inference.reach.push(nodes);
    }
    for (doc, mine) in doc_seeds.iter().enumerate() {
        for &s in mine {
            inference.seed_documents[s as usize].push(doc);
        }
    }
    inference.doc_seeds = doc_seeds;
    index.inference = inference;
    let starts: Vec<ControlKey> = seeds
        .iter()
        .map(|s| walker.keys[s.start as usize].clone())
        .collect();
    crate::timing::phase("    techniques", || {
        add_techniques(index, registry, document_count, &starts)
    });
}

/// The document's declared citations and the measures under non-assessable
/// ones, each with the node of the declared control.
fn seeds_of(index: &Index, registry: &Registry, doc_node: NodeIndex) -> Vec<(Seed, NodeIndex)> {
    let mut seeds = Vec::new();
    for (target, edge) in index.outgoing(doc_node) {
        let (Edge::CitesControl { coverage, .. }, Node::Control(alias, idx)) =
            (edge, &index.graph[target])
        else {
            continue;
        };
        let declared = (alias.clone(), *idx);
        seeds.push((
            Seed {
                declared: declared.clone(),
                start: declared.clone(),
                coverage: *coverage,
            },
            target,
        ));
        let Some(fw) = registry.frameworks.get(alias) else {
            continue;
        };
        if fw.catalog.nodes[*idx].assessable {
            continue;
        }
        for measure in fw.covered_by_citation(*idx) {
            seeds.push((
                Seed {
                    declared: declared.clone(),
                    start: (alias.clone(), measure),
                    coverage: *coverage,
                },
                target,
            ));
        }
    }
    seeds
}

/// The node of a control, adding it (and its framework link) if new.
pub(super) fn control_node(index: &mut Index, key: &ControlKey) -> NodeIndex {
    let node = Node::Control(key.0.clone(), key.1);
    if let Some(n) = index.find(&node) {
        return n;
    }
    let n = index.node(node);
    let fw = index.node(Node::Framework(key.0.clone()));
    index.edge(n, fw, Edge::InFramework);
    n
}

/// A technique a document is inferred to address, and the control it comes
/// through.
type FoundTechnique = (Via, AttackDomain, usize, TechniqueRelation);

/// The requirement a technique is inferred through: its node, looked up
/// beside the other documents' (the graph is read-only there), or its key
/// when the node is yet to be made, in document order.
#[derive(Clone)]
enum Via {
    Node(NodeIndex),
    New(ControlKey),
}

/// Inferred technique edges from each document's controls (declared, their
/// measures, and inferred ones with a hop to spare). A technique the document
/// already addresses with the same relation is not inferred again.
fn add_techniques(
    index: &mut Index,
    registry: &Registry,
    document_count: usize,
    seed_starts: &[ControlKey],
) {
    let max_hops = registry.max_hops;
    let found: Vec<Vec<FoundTechnique>> = {
        let index = &*index;
        let mapped = mapped_targets(index, max_hops);
        (0..document_count)
            .into_par_iter()
            .map(|doc| techniques_of(index, doc, max_hops, seed_starts, &mapped))
            .collect()
    };
    index
        .graph
        .reserve_edges(found.iter().map(|f| 2 * f.len()).sum());
    for (doc, found) in found.into_iter().enumerate() {
        let Some(doc_node) = index.document_node(doc) else {
            continue;
        };
        for (via, domain, technique, relation) in found {
            let via = match via {
                Via::Node(node) => node,
                Via::New(key) => control_node(index, &key),
            };
            let to = index.node(Node::Technique(domain, technique));
            index.edge(doc_node, to, Edge::InferredTechnique { relation, via });
        }
    }
}

/// A requirement reached with a hop to spare that maps to techniques: its
/// key's rank (framework's place among the sorted aliases, then position,
/// which orders as the key itself), its node and its technique links.
type MappedTarget<'a> = (
    (u32, usize),
    NodeIndex,
    &'a [super::crosswalk::TechniqueLink],
);

/// For each seed, the requirements it reaches within `max_hops - 1` that
/// map to techniques, by key.
///
/// Most requirements a seed reaches map to no technique, and seeds recur
/// across documents: filtering once per seed rather than merging every
/// document's reached sets again (as the page does) took this step from a
/// tenth of a second to a few milliseconds at 10,000 documents.
fn mapped_targets(index: &Index, max_hops: u8) -> Vec<Vec<MappedTarget<'_>>> {
    let rank: FxHashMap<&str, u32> = index
        .crosswalk
        .technique_frameworks()
        .into_iter()
        .zip(0..)
        .collect();
    index
        .inference
        .reach
        .par_iter()
        .map(|reach| {
            let mut mapped: Vec<MappedTarget> = reach
                .iter()
                .filter(|r| r.hops < max_hops)
                .filter_map(|r| {
                    let Node::Control(alias, idx) = &index.graph[r.target] else {
                        return None;
                    };
                    let links = index.crosswalk.techniques(alias, *idx);
                    // A framework with technique links has a rank.
                    let &fw = rank.get(alias.as_str())?;
                    (!links.is_empty()).then_some(((fw, *idx), r.target, links))
                })
                .collect();
            mapped.sort_unstable_by_key(|m| m.0);
            mapped
        })
        .collect()
}

fn techniques_of(
    index: &Index,
    doc: usize,
    max_hops: u8,
    seed_starts: &[ControlKey],
    mapped: &[Vec<MappedTarget>],
) -> Vec<FoundTechnique> {
    let inference = &index.inference;
    let Some(doc_node) = index.document_node(doc) else {
        return Vec::new();
    };
    let mut seen: HashSet<(AttackDomain, usize, TechniqueRelation)> = index
        .outgoing(doc_node)
        .into_iter()
        .filter_map(|(t, e)| match (e, &index.graph[t]) {
            (Edge::AddressesTechnique { relation, .. }, Node::Technique(d, i)) => {
                Some((*d, *i, *relation))
            }
            _ => None,
        })
        .collect();
    let mut found = Vec::new();
    let mut add = |via: &mut Option<Via>,
                   links: &[super::crosswalk::TechniqueLink],
                   node: &dyn Fn() -> Via| {
        for link in links {
            if seen.insert((link.domain, link.technique, link.relation)) {
                let via = via.get_or_insert_with(node);
                found.push((via.clone(), link.domain, link.technique, link.relation));
            }
        }
    };
    // The requirements the document cites (and their measures) first, in
    // citation order, then those reached with a hop to spare, by key.
    if max_hops >= 1 {
        for &s in &inference.doc_seeds[doc] {
            let (alias, idx) = &seed_starts[s as usize];
            // One lookup per requirement, shared by the techniques it maps to.
            let node = || match index.find(&Node::Control(alias.clone(), *idx)) {
                Some(node) => Via::Node(node),
                None => Via::New((alias.clone(), *idx)),
            };
            add(&mut None, index.crosswalk.techniques(alias, *idx), &node);
        }
    }
    let declared = &inference.doc_declared[doc];
    let mut inferred: Vec<&MappedTarget> = inference.doc_seeds[doc]
        .iter()
        .flat_map(|&s| &mapped[s as usize])
        .filter(|m| declared.binary_search(&m.1).is_err())
        .collect();
    inferred.sort_unstable_by_key(|m| m.0);
    inferred.dedup_by_key(|m| m.0);
    for (_, node, links) in inferred {
        add(&mut None, links, &|| Via::Node(*node));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_slots_claim_once_per_stamp_and_survive_wrapping() {
        let mut slots = MergeSlots::default();
        let first = slots.next_stamp();
        assert_eq!(slots.slot(7, first, 0), (0, true));
        assert_eq!(slots.slot(7, first, 1), (0, false));
        assert_eq!(slots.slot(2, first, 1), (1, true));
        let mut order = Vec::new();
        slots.drain_in_node_order(|at| order.push(at));
        assert_eq!(order, [1, 0], "node 2 before node 7");
        slots.drain_in_node_order(|_| panic!("drained twice"));
        let second = slots.next_stamp();
        assert_eq!(slots.slot(7, second, 0), (0, true));
        // Claims left by a merge that never drained are gone at the next.
        let third = slots.next_stamp();
        let mut left = Vec::new();
        slots.drain_in_node_order(|at| left.push(at));
        assert!(left.is_empty(), "{left:?}");
        assert_eq!(slots.slot(7, third, 0), (0, true));
        // A stamp that wraps to zero starts over without old matches.
        slots.stamp = u32::MAX;
        let wrapped = slots.next_stamp();
        assert_eq!(wrapped, 1);
        assert_eq!(slots.slot(2, wrapped, 0), (0, true));
    }
    use Coverage::{Full, Partial};

    #[test]
    fn one_hop_keeps_the_weakest() {
        assert_eq!(chain_coverage(Full, &[Full]), Full);
        assert_eq!(chain_coverage(Full, &[Partial]), Partial);
        assert_eq!(chain_coverage(Partial, &[Full]), Partial);
    }

    #[test]
    fn two_hops_are_at_most_partial() {
        assert_eq!(chain_coverage(Full, &[Full, Full]), Partial);
        assert_eq!(chain_coverage(Full, &[Full, Full, Full]), Partial);
        // No hop at all (a measure under a cited requirement) keeps the citation's.
        assert_eq!(chain_coverage(Full, &[]), Full);
    }

    #[test]
    fn hops_by_relationship() {
        assert_eq!(hop_coverage(Relationship::Equal), Some(Full));
        assert_eq!(hop_coverage(Relationship::Superset), Some(Full));
        assert_eq!(hop_coverage(Relationship::Subset), Some(Partial));
        assert_eq!(hop_coverage(Relationship::Intersect), Some(Partial));
        assert_eq!(hop_coverage(Relationship::NotRelated), None);
    }

    #[test]
    fn improvement_prefers_strength_then_length() {
        let partial_short = Reached {
            target: 1u32,
            coverage: Partial,
            relationship: Relationship::Intersect,
            hops: 1,
            chain: vec![0u32].into_boxed_slice(),
        };
        let full_long = Reached {
            coverage: Full,
            hops: 2,
            ..partial_short.clone()
        };
        assert!(improves(None, &partial_short));
        assert!(improves(Some(&partial_short), &full_long));
        assert!(!improves(Some(&full_long), &partial_short));
        assert!(!improves(Some(&partial_short), &partial_short));
    }
}
