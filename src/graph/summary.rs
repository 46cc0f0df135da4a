//! What a document is inferred to satisfy, in numbers: the "also
//! satisfies" summary of a document page, made with bit sets.
//!
//! A document's inferred requirements are the merge of what its citations
//! reach ([`Inference::of_document`]): hundreds of links per page, each
//! classified by framework, hop count and coverage, and the winners of the
//! merge grouped by chain. At 10,000 documents that merge was a fifth of a
//! build. What a citation reaches does not change from page to page, so it
//! is stored once per distinct seed as bit sets over the controls numbered
//! densely by framework and catalog position ([`ControlTable::number`]); a
//! page ORs its seeds' sets, counts bits per framework's range, and reads
//! the first requirements of a group or a framework as its lowest bits.
//!
//! The result is the merge's, exactly: a requirement's best chain is the
//! strongest, then the shortest, then the first seed's (see
//! [`super::infer`]), so
//! * one mapping away with full coverage beats one with partial, and both
//!   beat two mappings or more (always partial);
//! * among equals, the document's first seed reaching it wins, which is why
//!   groups are claimed seed by seed in citation order.

use petgraph::graph::NodeIndex;
use rayon::prelude::*;

use super::infer::{Inference, InferredLink, Reached};
use super::ControlTable;
use crate::document::Coverage;
use crosswalk_catalog::Relationship;

/// A document's inferred requirements, summarised.
#[derive(Debug)]
pub struct InferredSummary<'a> {
    /// Requirements inferred in all.
    pub total: usize,
    /// Per framework with any (by place in [`ControlTable::aliases`]).
    pub frameworks: Vec<FrameworkSummary<'a>>,
    /// The requirements one mapping away, grouped by chain, framework,
    /// relationship and coverage, in that order.
    pub groups: Vec<OneMappingGroup<'a>>,
    /// Distinct requirements the chains of two mappings or more pass
    /// through last.
    pub hubs: usize,
}

/// One framework's inferred requirements.
#[derive(Debug)]
pub struct FrameworkSummary<'a> {
    /// Its place in [`ControlTable::aliases`].
    pub framework: u16,
    pub full: usize,
    pub partial: usize,
    /// Of the partial ones, those two mappings away or more.
    pub two_mappings: usize,
    /// The first of those in catalog order (at most the number asked for),
    /// with their best link.
    pub further: Vec<InferredLink<'a>>,
}

/// Requirements of one framework reached one mapping from the same chain.
#[derive(Debug)]
pub struct OneMappingGroup<'a> {
    /// The cited requirement, then the measure walked from, if any.
    pub chain: &'a [NodeIndex],
    /// Place in [`ControlTable::aliases`].
    pub framework: u16,
    pub relationship: Relationship,
    pub coverage: Coverage,
    pub count: usize,
    /// Catalog positions of the first few, in catalog order.
    pub shown: Vec<usize>,
}

/// What one seed reaches, over the dense numbering.
#[derive(Debug)]
pub(super) struct SeedSets {
    /// Its requirements one mapping away, by framework, relationship and
    /// coverage: one group per requirement.
    groups: Vec<SeedGroup>,
    /// The chain of those (every one-mapping link of a seed shares it).
    chain: Option<u32>,
    /// Requirements two mappings or more away (as this seed's best), as
    /// (number, index in the seed's reach), by number. A list, not a bit
    /// set as wide as the numbering: thousands of seeds made that tens of
    /// megabytes, and a page sets the few hundred bits itself.
    further_links: Vec<(u32, u32)>,
    /// The longest of those chains, in hops.
    max_hops: u8,
}

#[derive(Debug)]
struct SeedGroup {
    framework: u16,
    relationship: Relationship,
    coverage: Coverage,
    /// The word of the whole numbering where `bits` starts.
    first_word: usize,
    bits: Box<[u64]>,
}

impl Inference {
    /// Document `doc`'s inferred requirements in numbers, naming the first
    /// `shown` requirements of each group and of each framework's two
    /// mappings away. `None` when nothing is inferred.
    pub fn summary<'a>(
        &'a self,
        doc: usize,
        table: &ControlTable,
        shown: usize,
    ) -> Option<InferredSummary<'a>> {
        let seeds = self.doc_seeds.get(doc)?;
        let sets = self.seed_sets(table);
        let words = words_for(table.numbered.len());
        let mut declared = vec![0u64; words];
        for &node in self.doc_declared.get(doc)? {
            if let Some(n) = table.number_of(node) {
                set(&mut declared, n as usize);
            }
        }
        // Every requirement one mapping away, those with full coverage, and
        // those further.
        let (mut one, mut full, mut further) =
            (vec![0u64; words], vec![0u64; words], vec![0u64; words]);
        for &s in seeds {
            let seed = &sets[s as usize];
            for group in &seed.groups {
                or_at(&mut one, group.first_word, &group.bits);
                if group.coverage == Coverage::Full {
                    or_at(&mut full, group.first_word, &group.bits);
                }
            }
            for &(n, _) in &seed.further_links {
                set(&mut further, n as usize);
            }
        }
        for w in 0..words {
            one[w] &= !declared[w];
            full[w] &= !declared[w];
            further[w] &= !(declared[w] | one[w]);
        }
        let total = count(&one) + count(&further);
        if total == 0 {
            return None;
        }
        let frameworks = (0..table.aliases.len())
            .filter_map(|fw| {
                let range = framework_range(table, fw);
                let (ones, fulls, twos) = (
                    count_in(&one, range.clone()),
                    count_in(&full, range.clone()),
                    count_in(&further, range.clone()),
                );
                if ones + twos == 0 {
                    return None;
                }
                let further = first_bits(&further, range, shown)
                    .filter_map(|n| self.best_further(seeds, sets, n))
                    .collect();
                Some(FrameworkSummary {
                    framework: fw as u16,
                    full: fulls,
                    partial: ones - fulls + twos,
                    two_mappings: twos,
                    further,
                })
            })
            .collect();
        Some(InferredSummary {
            total,
            frameworks,
            groups: self.groups(seeds, sets, table, &declared, &full, shown),
            hubs: self.hubs(seeds, sets, table, &further),
        })
    }

    /// The groups one mapping away: each requirement in the group of the
    /// first seed reaching it with its best coverage.
    fn groups<'a>(
        &'a self,
        seeds: &[u32],
        sets: &[SeedSets],
        table: &ControlTable,
        declared: &[u64],
        full: &[u64],
        shown: usize,
    ) -> Vec<OneMappingGroup<'a>> {
        let words = declared.len();
        let (mut claimed_full, mut claimed_partial) = (vec![0u64; words], vec![0u64; words]);
        // (chain, the seed's group: framework, relationship, coverage and
        // where its words start, the requirements it wins)
        let mut groups: Vec<(&[NodeIndex], &SeedGroup, Vec<u64>)> = Vec::new();
        for &s in seeds {
            let seed = &sets[s as usize];
            let Some(chain) = seed
                .chain
                .map(|r| &*self.reach[s as usize][r as usize].chain)
            else {
                continue;
            };
            for group in &seed.groups {
                let at = group.first_word;
                let won: Vec<u64> = group
                    .bits
                    .iter()
                    .enumerate()
                    .map(|(k, &bits)| {
                        let lost = match group.coverage {
                            Coverage::Full => claimed_full[at + k],
                            Coverage::Partial => full[at + k] | claimed_partial[at + k],
                        };
                        bits & !(declared[at + k] | lost)
                    })
                    .collect();
                if won.iter().all(|&w| w == 0) {
                    continue;
                }
                // Two seeds share a chain only when a document cites one
                // requirement twice with different coverage.
                match groups.iter_mut().find(|(c, g, _)| {
                    *c == chain
                        && g.framework == group.framework
                        && g.relationship == group.relationship
                        && g.coverage == group.coverage
                }) {
                    Some((_, _, bits)) => bits.iter_mut().zip(&won).for_each(|(b, w)| *b |= w),
                    None => groups.push((chain, group, won)),
                }
            }
            for group in &seed.groups {
                let claimed = match group.coverage {
                    Coverage::Full => &mut claimed_full,
                    Coverage::Partial => &mut claimed_partial,
                };
                or_at(claimed, group.first_word, &group.bits);
            }
        }
        let mut out: Vec<OneMappingGroup> = groups
            .into_iter()
            .map(|(chain, group, bits)| {
                let base = group.first_word * 64;
                OneMappingGroup {
                    chain,
                    framework: group.framework,
                    relationship: group.relationship,
                    coverage: group.coverage,
                    count: count(&bits),
                    shown: first_bits(&bits, 0..bits.len() * 64, shown)
                        .map(|n| table.of_node[table.numbered[base + n].index()].1 as usize)
                        .collect(),
                }
            })
            .collect();
        out.sort_unstable_by(|a, b| {
            (
                a.chain,
                a.framework,
                super::crosswalk::relationship_label(a.relationship),
                a.coverage.as_str(),
            )
                .cmp(&(
                    b.chain,
                    b.framework,
                    super::crosswalk::relationship_label(b.relationship),
                    b.coverage.as_str(),
                ))
        });
        out
    }

    /// The best link to requirement `n`, two mappings away or more: the
    /// shortest, then the first seed's.
    fn best_further<'a>(
        &'a self,
        seeds: &[u32],
        sets: &[SeedSets],
        n: usize,
    ) -> Option<InferredLink<'a>> {
        let mut best: Option<&Reached<NodeIndex>> = None;
        for &s in seeds {
            let links = &sets[s as usize].further_links;
            let Ok(at) = links.binary_search_by_key(&(n as u32), |&(m, _)| m) else {
                continue;
            };
            let reached = &self.reach[s as usize][links[at].1 as usize];
            if best.is_none_or(|b| reached.hops < b.hops) {
                best = Some(reached);
            }
        }
        best.map(InferredLink::from_reached)
    }

    /// Distinct requirements the best chains to `further` pass through
    /// last.
    fn hubs(
        &self,
        seeds: &[u32],
        sets: &[SeedSets],
        table: &ControlTable,
        further: &[u64],
    ) -> usize {
        let mut claimed = vec![0u64; further.len()];
        let mut hubs = vec![0u64; further.len()];
        let longest = seeds
            .iter()
            .map(|&s| sets[s as usize].max_hops)
            .max()
            .unwrap_or(0);
        // Shortest first, then in seed order: the merge's best chain.
        for hops in 2..=longest {
            for &s in seeds {
                let reach = &self.reach[s as usize];
                for &(n, r) in &sets[s as usize].further_links {
                    let reached = &reach[r as usize];
                    if reached.hops != hops
                        || !has(further, n as usize)
                        || has(&claimed, n as usize)
                    {
                        continue;
                    }
                    set(&mut claimed, n as usize);
                    if let Some(hub) = reached.chain.last().and_then(|&h| table.number_of(h)) {
                        set(&mut hubs, hub as usize);
                    }
                }
            }
        }
        count(&hubs)
    }

    /// Every seed's sets, made on first use (the numbering is final once
    /// the graph is).
    fn seed_sets(&self, table: &ControlTable) -> &[SeedSets] {
        self.sets.get_or_init(|| {
            self.reach
                .par_iter()
                .map(|reach| seed_sets(reach, table))
                .collect()
        })
    }
}

/// What one seed reaches, as sets.
fn seed_sets(reach: &[Reached<NodeIndex>], table: &ControlTable) -> SeedSets {
    let mut out = SeedSets {
        groups: Vec::new(),
        chain: None,
        further_links: Vec::new(),
        max_hops: 0,
    };
    let mut groups: Vec<(u16, Relationship, Coverage, Vec<u64>)> = Vec::new();
    for (r, reached) in reach.iter().enumerate() {
        let Some(n) = table.number_of(reached.target) else {
            continue;
        };
        let n = n as usize;
        if reached.hops >= 2 {
            out.further_links.push((n as u32, r as u32));
            out.max_hops = out.max_hops.max(reached.hops);
            continue;
        }
        out.chain.get_or_insert(r as u32);
        let fw = table.of_node[reached.target.index()].0;
        let key = (fw, reached.relationship, reached.coverage);
        let bits = match groups
            .iter_mut()
            .find(|(f, rel, cov, _)| (*f, *rel, *cov) == key)
        {
            Some((_, _, _, bits)) => bits,
            None => {
                groups.push((fw, key.1, key.2, Vec::new()));
                &mut groups.last_mut().expect("just pushed").3
            }
        };
        let range = framework_range(table, usize::from(fw));
        let first_word = range.start / 64;
        if bits.is_empty() {
            bits.resize(words_for(range.end) - first_word, 0);
        }
        set(bits, n - first_word * 64);
    }
    out.further_links.sort_unstable();
    out.groups = groups
        .into_iter()
        .map(|(framework, relationship, coverage, bits)| SeedGroup {
            framework,
            relationship,
            coverage,
            first_word: framework_range(table, usize::from(framework)).start / 64,
            bits: bits.into_boxed_slice(),
        })
        .collect();
    out
}

/// The numbers of framework `fw` (by place in the aliases).
fn framework_range(table: &ControlTable, fw: usize) -> std::ops::Range<usize> {
    table.framework_start[fw] as usize..table.framework_start[fw + 1] as usize
}

fn words_for(bits: usize) -> usize {
    bits.div_ceil(64)
}

fn set(bits: &mut [u64], n: usize) {
    bits[n / 64] |= 1 << (n % 64);
}

fn has(bits: &[u64], n: usize) -> bool {
    bits[n / 64] & (1 << (n % 64)) != 0
}

/// OR `part` into `bits` from word `at`.
fn or_at(bits: &mut [u64], at: usize, part: &[u64]) {
    for (b, p) in bits[at..at + part.len()].iter_mut().zip(part) {
        *b |= p;
    }
}

fn count(bits: &[u64]) -> usize {
    bits.iter().map(|w| w.count_ones() as usize).sum()
}

/// Bits set in `range` of `bits`.
fn count_in(bits: &[u64], range: std::ops::Range<usize>) -> usize {
    first_bits(bits, range, usize::MAX).count()
}

/// The first `n` bits set in `range` of `bits`, in order.
fn first_bits(
    bits: &[u64],
    range: std::ops::Range<usize>,
    n: usize,
) -> impl Iterator<Item = usize> + '_ {
    let (start, end) = (range.start, range.end);
    (start / 64..words_for(end).min(bits.len()))
        .flat_map(move |w| {
            let mut word = bits[w];
            if w == start / 64 {
                word &= u64::MAX << (start % 64);
            }
            if w == end / 64 && end % 64 != 0 {
                word &= u64::MAX >> (64 - end % 64);
            }
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let bit = word.trailing_zeros() as usize;
                    word &= word - 1;
                    w * 64 + bit
                })
            })
        })
        .take(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{CheckOptions, Project};
    use std::collections::{BTreeMap, BTreeSet};

    /// What a summary says, from the merge of every link
    /// ([`Inference::of_document`]), the way the document page counted
    /// before bit sets: framework -> (full, partial, two mappings, the
    /// first `n` further as (target, chain)); groups by (chain, framework,
    /// relationship, coverage) -> sorted positions; hubs.
    type Further = Vec<(NodeIndex, Vec<NodeIndex>)>;
    type Groups = BTreeMap<(Vec<NodeIndex>, u16, &'static str, &'static str), Vec<usize>>;
    type Frameworks = BTreeMap<u16, (usize, usize, usize, Further)>;
    /// Per framework while counting: full, partial, two mappings, and the
    /// further ones as (position, target, chain).
    type Counting = BTreeMap<u16, (usize, usize, usize, Vec<(u32, NodeIndex, Vec<NodeIndex>)>)>;

    fn from_merge(project: &Project, doc: usize, n: usize) -> (usize, Frameworks, Groups, usize) {
        let table = project.index.control_table();
        let links = project.index.inference.of_document(doc);
        let mut frameworks: Counting = BTreeMap::new();
        let mut groups: Groups = BTreeMap::new();
        let mut hubs = BTreeSet::new();
        for link in &links {
            let (fw, c) = table.of_node[link.target.index()];
            let entry = frameworks.entry(fw).or_default();
            match link.coverage {
                Coverage::Full => entry.0 += 1,
                Coverage::Partial => entry.1 += 1,
            }
            if link.hops <= 1 {
                groups
                    .entry((
                        link.chain.to_vec(),
                        fw,
                        super::super::crosswalk::relationship_label(link.relationship),
                        link.coverage.as_str(),
                    ))
                    .or_default()
                    .push(c as usize);
            } else {
                entry.2 += 1;
                entry.3.push((c, link.target, link.chain.to_vec()));
                hubs.extend(link.chain.last().copied());
            }
        }
        for positions in groups.values_mut() {
            positions.sort_unstable();
        }
        let frameworks = frameworks
            .into_iter()
            .map(|(fw, (full, partial, two, mut further))| {
                further.sort_by_key(|f| f.0);
                let further = further
                    .into_iter()
                    .take(n)
                    .map(|(_, t, c)| (t, c))
                    .collect();
                (fw, (full, partial, two, further))
            })
            .collect();
        (links.len(), frameworks, groups, hubs.len())
    }

    /// Bit sets give what merging every link gave, on every document of
    /// the books that infer links, with chains of up to three mappings.
    #[test]
    fn a_summary_is_what_the_merge_of_every_link_gives() {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let three_hops = tempfile::tempdir().unwrap();
        let fixture = manifest.join("tests/fixtures/frameworks/embedded");
        std::fs::write(
            three_hops.path().join("book.toml"),
            std::fs::read_to_string(fixture.join("book.toml")).unwrap()
                + "\n[mappings]\nmax-hops = 3\n",
        )
        .unwrap();
        let docs = three_hops.path().join("docs/governance");
        std::fs::create_dir_all(&docs).unwrap();
        for entry in std::fs::read_dir(fixture.join("docs/governance")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), docs.join(entry.file_name())).unwrap();
        }
        let books = [
            manifest.to_path_buf(),
            manifest.join("tests/fixtures/frameworks/handmade"),
            fixture,
            three_hops.path().to_path_buf(),
        ];
        let (mut compared, mut three_mappings) = (0, 0);
        for book in &books {
            let project = Project::load(book, &CheckOptions::default()).expect("loads");
            let table = project.index.control_table();
            for doc in 0..project.documents.len() {
                let n = 4;
                three_mappings += project
                    .index
                    .inference
                    .of_document(doc)
                    .iter()
                    .filter(|l| l.hops == 3)
                    .count();
                let (total, frameworks, groups, hubs) = from_merge(&project, doc, n);
                let Some(summary) = project.index.inference.summary(doc, table, n) else {
                    assert_eq!(total, 0, "{book:?} document {doc}");
                    continue;
                };
                compared += 1;
                assert_eq!(summary.total, total, "{book:?} document {doc}");
                assert_eq!(summary.hubs, hubs, "{book:?} document {doc}: hubs");
                let got: Frameworks = summary
                    .frameworks
                    .iter()
                    .map(|f| {
                        let further = f
                            .further
                            .iter()
                            .map(|l| (l.target, l.chain.to_vec()))
                            .collect();
                        (f.framework, (f.full, f.partial, f.two_mappings, further))
                    })
                    .collect();
                assert_eq!(got, frameworks, "{book:?} document {doc}: frameworks");
                let keys: Vec<_> = groups.keys().cloned().collect();
                let got_keys: Vec<_> = summary
                    .groups
                    .iter()
                    .map(|g| {
                        (
                            g.chain.to_vec(),
                            g.framework,
                            super::super::crosswalk::relationship_label(g.relationship),
                            g.coverage.as_str(),
                        )
                    })
                    .collect();
                assert_eq!(got_keys, keys, "{book:?} document {doc}: groups in order");
                for (group, (_, positions)) in summary.groups.iter().zip(&groups) {
                    assert_eq!(group.count, positions.len());
                    assert_eq!(group.shown, positions[..positions.len().min(n)]);
                }
            }
        }
        assert!(compared > 10, "only {compared} documents infer anything");
        assert!(
            three_mappings > 0,
            "no chain of three mappings was compared"
        );
    }

    #[test]
    fn first_bits_stay_inside_their_range() {
        let mut bits = vec![0u64; 3];
        for n in [0, 5, 63, 64, 100, 130, 191] {
            set(&mut bits, n);
        }
        let all: Vec<usize> = first_bits(&bits, 0..192, usize::MAX).collect();
        assert_eq!(all, [0, 5, 63, 64, 100, 130, 191]);
        let inside: Vec<usize> = first_bits(&bits, 5..130, usize::MAX).collect();
        assert_eq!(inside, [5, 63, 64, 100]);
        assert_eq!(first_bits(&bits, 6..64, 9).collect::<Vec<_>>(), [63]);
        assert_eq!(first_bits(&bits, 0..192, 2).collect::<Vec<_>>(), [0, 5]);
        assert_eq!(count_in(&bits, 64..192), 4);
        assert_eq!(count_in(&bits, 65..65), 0);
    }
}
