//! Partial templates rendered once per distinct input and reused, as
//! Hugo's `partialCached`: the chain of an inferred link is shown on every
//! document citing its first requirement and on the pages it leads to, so
//! a site of 10,000 documents renders a few thousand distinct chains tens
//! of thousands of times. The markup stays in the theme (`chain.html`).

use std::sync::{Arc, RwLock};

use petgraph::graph::NodeIndex;
use rustc_hash::FxHashMap;
use tera::{Context, Tera};

use super::context::{ChainStepView, DocCard};
use super::urls;
use crate::pipeline::Project;

/// The partial that renders a chain's steps.
const CHAIN_TEMPLATE: &str = "chain.html";

/// The partial that renders a document's card in a list of documents.
const CARD_TEMPLATE: &str = "doc_card.html";

/// A chain (target last) and the root of the page showing it: links in a
/// fragment are relative to the page.
type ChainKey = (Vec<NodeIndex>, String);

/// Rendered fragments of one build, by input. A cache lives as long as one
/// render of the project: an edit while serving starts a new one.
#[derive(Default)]
pub struct FragmentCache {
    chains: RwLock<FxHashMap<ChainKey, Arc<str>>>,
    /// Cards by page root, then document id.
    cards: RwLock<FxHashMap<String, FxHashMap<String, Arc<str>>>>,
}

/// The cache with what rendering needs: the theme's templates and the
/// page's root.
pub struct Fragments<'a> {
    pub tera: &'a Tera,
    pub cache: &'a FragmentCache,
    pub root: &'a str,
}

impl Fragments<'_> {
    /// The steps of an inferred link's chain (`chain`, then `target`), each
    /// linked to its page, rendered by `chain.html`.
    pub fn chain(
        &self,
        project: &Project,
        chain: &[NodeIndex],
        target: NodeIndex,
    ) -> Result<Arc<str>, tera::Error> {
        let mut key: Vec<NodeIndex> = Vec::with_capacity(chain.len() + 1);
        key.extend_from_slice(chain);
        key.push(target);
        let key = (key, self.root.to_string());
        if let Some(html) = self
            .cache
            .chains
            .read()
            .ok()
            .and_then(|c| c.get(&key).cloned())
        {
            return Ok(html);
        }
        let mut ctx = Context::new();
        ctx.insert("chain", &chain_view(project, chain, target));
        ctx.insert("root", self.root);
        let html: Arc<str> = self.tera.render(CHAIN_TEMPLATE, &ctx)?.into();
        if let Ok(mut cache) = self.cache.chains.write() {
            cache.insert(key, Arc::clone(&html));
        }
        Ok(html)
    }
}

impl Fragments<'_> {
    /// A document's card for lists of documents, rendered by
    /// `doc_card.html` once per document and page root.
    pub fn card(&self, card: &DocCard) -> Result<Arc<str>, tera::Error> {
        let cached = self.cache.cards.read().ok().and_then(|cards| {
            cards
                .get(self.root)
                .and_then(|by_id| by_id.get(card.id))
                .cloned()
        });
        if let Some(html) = cached {
            return Ok(html);
        }
        let mut ctx = Context::new();
        ctx.insert("doc", card);
        ctx.insert("root", self.root);
        let html: Arc<str> = self.tera.render(CARD_TEMPLATE, &ctx)?.into();
        if let Ok(mut cards) = self.cache.cards.write() {
            cards
                .entry(self.root.to_string())
                .or_default()
                .insert(card.id.to_string(), Arc::clone(&html));
        }
        Ok(html)
    }

    /// Cards with their markup (`html`), for `doc_list` in macros.html.
    pub fn cards<'a>(&self, cards: Vec<DocCard<'a>>) -> Result<Vec<DocCard<'a>>, tera::Error> {
        cards
            .into_iter()
            .map(|mut card| {
                card.html = Some(self.card(&card)?);
                Ok(card)
            })
            .collect()
    }
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
