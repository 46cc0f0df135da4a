//! Tags that share a page without being the same tag.

use std::collections::HashMap;

use super::Context;
use crate::diagnostic::{Diagnostic, Location};
use crate::site::urls;

/// CW031: a tag whose page (`tags/<slug>.html`) is an earlier, differently
/// written tag's (`Ransomware` after `ransomware`, `a b` after `a-b`). The
/// page lists the documents of both, under the earlier spelling; the
/// warning says to write one.
pub(super) fn check(ctx: &Context, diags: &mut Vec<Diagnostic>) {
    // slug -> (document, tag) where it was first written.
    let mut first: HashMap<String, (usize, usize)> = HashMap::new();
    for (d, doc) in ctx.documents.iter().enumerate() {
        for (t, tag) in doc.tags.iter().enumerate() {
            let slug = urls::slug(&tag.value);
            let &mut (fd, ft) = first.entry(slug).or_insert((d, t));
            let earlier_doc = &ctx.documents[fd];
            let earlier = &earlier_doc.tags[ft];
            // The same letters, one written with combining accents: the
            // same tag to every reader, so nothing to warn about.
            if earlier.value == tag.value || urls::nfc(&earlier.value) == urls::nfc(&tag.value) {
                continue;
            }
            diags.push(
                Diagnostic::warning(
                    "CW031",
                    format!(
                        "tag `{}` shares its page with the tag `{}`",
                        tag.value, earlier.value
                    ),
                )
                .at(&doc.source, tag.span.clone())
                .label("written differently from an earlier tag")
                .related(
                    Location::new(&earlier_doc.source, earlier.span.clone()),
                    "first written here",
                )
                .help(format!(
                    "tags that differ only in case or punctuation share one page ({}); use one spelling: `{}`",
                    urls::listing("tags", &tag.value),
                    earlier.value
                )),
            );
        }
    }
}
