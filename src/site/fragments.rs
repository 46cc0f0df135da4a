//! Partial templates rendered once per distinct input and reused, as
//! Hugo's `partialCached`. The chain of an inferred link is shown on every
//! document citing its first requirement and on the pages it leads to, so
//! a site of 10,000 documents renders a few thousand distinct chains tens
//! of thousands of times; a document's card shows in every list holding
//! it; a group of requirements one mapping away shows on every document
//! citing the requirement it starts from. The markup stays in the theme
//! (`chain.html`, `doc_card.html`, `mapping_group.html`), each rendered
//! by its compiled twin while the book leaves it as shipped
//! (`site::compiled`).

use std::borrow::{Borrow, Cow};
use std::hash::Hash;
use std::sync::{Arc, OnceLock, RwLock};

use petgraph::graph::NodeIndex;
use rustc_hash::FxHashMap;
use serde::Serialize;
use tera::{Context, Tera};

use super::compiled::Twins;
use super::context::{ChainStepView, DocCard};
use super::urls;
use crate::document::Document;
use crate::pipeline::Project;

/// The partial that renders a chain's steps.
const CHAIN_TEMPLATE: &str = "chain.html";

/// The partial that renders a document's card in a list of documents.
const CARD_TEMPLATE: &str = "doc_card.html";

/// The partial that renders a group of requirements one mapping away.
const GROUP_TEMPLATE: &str = "mapping_group.html";

/// What a group of requirements one mapping away shows: everything its
/// view is built from.
#[derive(Hash, PartialEq, Eq, Clone)]
pub struct GroupKey {
    /// The chain, up to the requirement that maps on.
    pub chain: Vec<NodeIndex>,
    /// The framework reached.
    pub alias: String,
    pub relationship: &'static str,
    pub coverage: &'static str,
    /// The requirements named (catalog positions) and how many there are.
    pub shown: Vec<usize>,
    pub count: usize,
}

/// Rendered fragments of one build, by what they show and the page root
/// (links in a fragment are relative to the page). A cache lives as long
/// as one render of the project: an edit while serving starts a new one.
#[derive(Default)]
pub struct FragmentCache {
    chains: Cache<Vec<NodeIndex>>,
    /// By page depth, then document number: a card shows on a dozen pages
    /// (200,000 cards at 10,000 documents), and looking it up by id under
    /// a lock shared by every thread cost more than rendering it.
    cards: [OnceLock<CardTable>; CARD_DEPTHS],
    /// By document id, for pages deeper than that.
    deep_cards: Cache<String>,
    groups: Cache<GroupKey>,
    /// By kind, page depth, then graph node: the pieces of markup a node
    /// gives every page listing it ([`NodeFragment`]).
    nodes: [[OnceLock<NodeTable>; CARD_DEPTHS]; NodeFragment::KINDS],
}

/// Markup by graph node, each written on first use.
type NodeTable = Box<[OnceLock<Box<str>>]>;

/// What [`Fragments::node`] keeps per graph node and page depth.
#[derive(Clone, Copy)]
pub enum NodeFragment {
    /// A requirement's link as lists of requirements write it.
    ControlLink = 0,
    /// A cited requirement on a document page: its link and short name.
    CitedControl = 1,
    /// A document's title as a relation diagram's box shows it.
    DiagramTitle = 2,
}

impl NodeFragment {
    const KINDS: usize = 3;
}

/// Cards by document number, each rendered on first use.
type CardTable = Box<[OnceLock<Arc<str>>]>;

/// Page depths with a card table of their own (the site's pages lie at
/// most three directories deep).
const CARD_DEPTHS: usize = 8;

/// Fragments by page root, then input: looked up by borrowed keys, so a
/// hit (the common case: a card shows on dozens of pages) allocates
/// nothing.
type Cache<K> = RwLock<FxHashMap<String, FxHashMap<K, Arc<str>>>>;

/// The cache with what rendering needs: the theme's templates and the
/// page's root.
pub struct Fragments<'a> {
    pub tera: &'a Tera,
    /// Which partials render through their compiled twins.
    pub twins: Twins,
    pub cache: &'a FragmentCache,
    pub root: &'a str,
    /// The project's documents, which cards are numbered by.
    pub documents: &'a [Document],
}

impl<'a> Fragments<'a> {
    /// The steps of an inferred link's chain (`chain`, then `target`), each
    /// linked to its page, rendered by `chain.html`.
    pub fn chain(
        &self,
        project: &Project,
        chain: &[NodeIndex],
        target: NodeIndex,
    ) -> Result<Arc<str>, tera::Error> {
        with_chain_key(chain, target, |key| {
            self.cached(&self.cache.chains, key, || {
                let steps = chain_view(project, chain, target);
                if self.twins.chain {
                    return compiled(ChainHtml {
                        chain: &steps,
                        root: self.root,
                    });
                }
                self.render_tera(CHAIN_TEMPLATE, "chain", &steps)
            })
        })
    }

    /// A document's card for lists of documents, rendered by
    /// `doc_card.html` once per document and page root.
    pub fn card(&self, card: &DocCard) -> Result<Arc<str>, tera::Error> {
        let render = || {
            if self.twins.doc_card {
                return compiled(CardHtml {
                    doc: card,
                    root: self.root,
                });
            }
            self.render_tera(CARD_TEMPLATE, "doc", card)
        };
        let slot = self.card_slot(card.doc);
        match slot {
            Some(slot) => {
                if let Some(html) = slot.get() {
                    return Ok(Arc::clone(html));
                }
                let html: Arc<str> = render()?.into();
                // Another thread may have rendered it meanwhile: the same
                // markup, so either copy will do.
                Ok(Arc::clone(slot.get_or_init(|| html)))
            }
            None => self.cached(&self.cache.deep_cards, card.id, render),
        }
    }

    /// The slot of `doc`'s card on pages at this root, when the page's
    /// depth has a table and `doc` is one of the project's documents.
    fn card_slot(&self, doc: &Document) -> Option<&OnceLock<Arc<str>>> {
        let table = self
            .cache
            .cards
            .get(self.depth()?)?
            .get_or_init(|| (0..self.documents.len()).map(|_| OnceLock::new()).collect());
        table.get(document_number(self.documents, doc)?)
    }

    /// The link to a requirement's page as the default templates write
    /// one in a list, `<a href="ROOT URL">ALIAS LABEL</a>` escaped, made
    /// from `target` once per node and page depth.
    pub fn control_link(
        &self,
        project: &Project,
        node: NodeIndex,
        target: impl FnOnce() -> super::context::ControlRef<'a>,
    ) -> Cow<'a, str> {
        self.node(project, NodeFragment::ControlLink, node, || {
            let mut html = String::with_capacity(64 + self.root.len());
            push_control_link(&mut html, self.root, &target());
            html
        })
    }

    /// The markup `kind` of graph node `node` on pages at this depth:
    /// written by `write` once (each time on pages deeper than the
    /// tables). Reading it back is a load: no lock, no hashing.
    pub fn node(
        &self,
        project: &Project,
        kind: NodeFragment,
        node: NodeIndex,
        write: impl FnOnce() -> String,
    ) -> Cow<'a, str> {
        let table = self
            .depth()
            .and_then(|depth| self.cache.nodes[kind as usize].get(depth))
            .map(|table| {
                table.get_or_init(|| {
                    (0..project.index.graph.node_count())
                        .map(|_| OnceLock::new())
                        .collect()
                })
            });
        match table.and_then(|t| t.get(node.index())) {
            Some(slot) => Cow::Borrowed(slot.get_or_init(|| write().into_boxed_str())),
            None => Cow::Owned(write()),
        }
    }

    /// How many directories deep the page is, when its root is `../`
    /// that many times (`urls::root_of`).
    fn depth(&self) -> Option<usize> {
        self.root
            .as_bytes()
            .chunks(3)
            .all(|step| step == b"../")
            .then_some(self.root.len() / "../".len())
    }

    /// Cards with their markup (`html`), for `doc_list` in macros.html.
    pub fn cards<'d>(&self, cards: Vec<DocCard<'d>>) -> Result<Vec<DocCard<'d>>, tera::Error> {
        cards
            .into_iter()
            .map(|mut card| {
                card.html = Some(self.card(&card)?);
                Ok(card)
            })
            .collect()
    }

    /// A group of requirements one mapping away, rendered by
    /// `mapping_group.html` from `view` once per distinct `key` and root;
    /// `twin` renders it with the compiled twin for a root.
    pub fn group<V: Serialize>(
        &self,
        key: GroupKey,
        view: &V,
        twin: impl FnOnce(&str) -> Result<String, askama::Error>,
    ) -> Result<Arc<str>, tera::Error> {
        self.cached(&self.cache.groups, &key, || {
            if self.twins.mapping_group {
                return twin(self.root).map_err(twin_error);
            }
            self.render_tera(GROUP_TEMPLATE, "group", view)
        })
    }

    /// The cached markup of the group `key` on a page at this root, if it
    /// was rendered already.
    pub fn cached_group(&self, key: &GroupKey) -> Option<Arc<str>> {
        self.lookup(&self.cache.groups, key)
    }

    /// The fragment of `key` on a page at this root, if it is cached.
    fn lookup<K, Q>(&self, cache: &Cache<K>, key: &Q) -> Option<Arc<str>>
    where
        K: Borrow<Q> + Hash + Eq,
        Q: Hash + Eq + ?Sized,
    {
        cache
            .read()
            .ok()
            .and_then(|c| c.get(self.root)?.get(key).cloned())
    }

    /// The fragment of `key` on a page at this root: from the cache, or
    /// made by `render`.
    fn cached<K, Q>(
        &self,
        cache: &Cache<K>,
        key: &Q,
        render: impl FnOnce() -> Result<String, tera::Error>,
    ) -> Result<Arc<str>, tera::Error>
    where
        K: Borrow<Q> + Hash + Eq,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(html) = self.lookup(cache, key) {
            return Ok(html);
        }
        let html: Arc<str> = render()?.into();
        if let Ok(mut cache) = cache.write() {
            cache
                .entry(self.root.to_string())
                .or_default()
                .insert(key.to_owned(), Arc::clone(&html));
        }
        Ok(html)
    }

    /// `template` through Tera, with `view` as `name` and the page's `root`.
    fn render_tera<V: Serialize + ?Sized>(
        &self,
        template: &str,
        name: &str,
        view: &V,
    ) -> Result<String, tera::Error> {
        let mut ctx = Context::new();
        ctx.insert(name, view);
        ctx.insert("root", self.root);
        self.tera.render(template, &ctx)
    }
}

/// `<a href="ROOT URL">ALIAS LABEL</a>`, escaped as the templates escape.
pub fn push_control_link(html: &mut String, root: &str, target: &super::context::ControlRef) {
    html.push_str("<a href=\"");
    for part in [root, &target.url] {
        // Writing to a String cannot fail.
        let _ = super::theme::write_escaped(&mut *html, part);
    }
    html.push_str("\">");
    let _ = super::theme::write_escaped(&mut *html, target.alias);
    html.push(' ');
    let _ = super::theme::write_escaped(&mut *html, target.label);
    html.push_str("</a>");
}

/// The place of `doc` in `documents`, found from its address: cards are
/// made from borrowed documents, and hashing their ids to find it again
/// was what a card cost.
pub(super) fn document_number(documents: &[Document], doc: &Document) -> Option<usize> {
    let size = std::mem::size_of::<Document>().max(1);
    let offset = (doc as *const Document as usize).checked_sub(documents.as_ptr() as usize)?;
    let i = offset / size;
    (offset % size == 0 && documents.get(i).is_some_and(|d| std::ptr::eq(d, doc))).then_some(i)
}

/// Call `f` with a chain's cache key: its nodes, then its target. Chains
/// are short (two mappings at most), so the key is assembled on the stack;
/// the cache copies it to the heap only when it stores a new chain.
fn with_chain_key<R>(
    chain: &[NodeIndex],
    target: NodeIndex,
    f: impl FnOnce(&[NodeIndex]) -> R,
) -> R {
    let mut stack = [NodeIndex::end(); 8];
    match stack.get_mut(..=chain.len()) {
        Some(key) => {
            key[..chain.len()].copy_from_slice(chain);
            key[chain.len()] = target;
            f(key)
        }
        None => f(&chain.iter().copied().chain([target]).collect::<Vec<_>>()),
    }
}

/// The twin of `doc_card.html`.
#[derive(askama::Template)]
#[template(
    path = "doc_card.html",
    config = "src/site/compiled/askama.toml",
    escape = "crosswalk"
)]
struct CardHtml<'a> {
    doc: &'a DocCard<'a>,
    root: &'a str,
}

/// The twin of `chain.html`.
#[derive(askama::Template)]
#[template(
    path = "chain.html",
    config = "src/site/compiled/askama.toml",
    escape = "crosswalk"
)]
struct ChainHtml<'a> {
    chain: &'a [ChainStepView],
    root: &'a str,
}

/// Render a compiled twin, with its error as Tera's (the partials' callers
/// report both the same way).
fn compiled(template: impl askama::Template) -> Result<String, tera::Error> {
    template.render().map_err(twin_error)
}

fn twin_error(err: askama::Error) -> tera::Error {
    tera::Error::msg(err.to_string())
}

/// The steps of an inferred link's chain, each linked to its page.
fn chain_view(project: &Project, chain: &[NodeIndex], target: NodeIndex) -> Vec<ChainStepView> {
    crate::graph::explain::explain_chain(&project.index, &project.registry, chain, target)
        .into_iter()
        .map(|s| ChainStepView {
            // Every step of a chain is a graph node, so it has a page.
            url: urls::control(&s.alias, &s.label),
            alias: s.alias,
            label: s.label,
            relationship: s.relationship,
            set: s.set,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_key_is_the_chain_then_its_target_at_any_length() {
        let nodes: Vec<NodeIndex> = (0..20).map(NodeIndex::new).collect();
        for len in 0..nodes.len() - 1 {
            let key = with_chain_key(&nodes[..len], nodes[19], |key| key.to_vec());
            let mut expected = nodes[..len].to_vec();
            expected.push(nodes[19]);
            assert_eq!(key, expected, "chain of {len}");
        }
    }
}
