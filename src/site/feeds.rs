//! Machine-readable files: sitemap, Atom feed and the data exports
//! ([`super::exports`]). Dates come from the documents, never from the
//! clock, so output stays deterministic.

use super::pages::Page;
use super::urls;
use crate::pipeline::Project;

/// Hand every generated non-page file to `emit` as (path, content), one
/// at a time (see [`super::exports::each`]).
pub fn each<E>(
    project: &Project,
    pages: &[Page],
    mut emit: impl FnMut(String, String) -> Result<(), E>,
) -> Result<(), E> {
    // The sitemap protocol wants absolute URLs, which only a base-url with
    // a host gives (`build --base-url https://...`): without one there is
    // no sitemap rather than one crawlers reject.
    match project.book.config.site_url() {
        Some(site) => {
            emit("sitemap.xml".into(), sitemap(project, pages, &site))?;
            emit("feed.xml".into(), atom(project, &site, true))?;
        }
        None => emit(
            "feed.xml".into(),
            atom(project, &project.book.config.base_path(), false),
        )?,
    }
    crate::timing::phase("  exports", || super::exports::each(project, emit))
}

/// (path, content) of every generated non-page file, for a site held in
/// memory (`serve`).
pub fn all(project: &Project, pages: &[Page]) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let _ = each(project, pages, |path, text| {
        files.push((path, text));
        Ok::<(), std::convert::Infallible>(())
    });
    files
}

/// `urn:uuid:` of `book` and `name` (a document id, or empty for the
/// feed): two FNV-1a hashes make the 128 bits, marked as a name-based
/// UUID (version 8, RFC 9562's custom layout). Stable across builds.
fn stable_urn(book: &str, name: &str) -> String {
    let fnv = |seed: u64| {
        let mut h = seed;
        for b in book.bytes().chain([0]).chain(name.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    };
    let (hi, lo) = (fnv(0xcbf2_9ce4_8422_2325), fnv(0x84222325_cbf29ce4));
    let hi = (hi & !0xf000) | 0x8000; // version 8
    let lo = (lo & !(0b11 << 62)) | (0b10 << 62); // RFC 9562 variant
    format!(
        "urn:uuid:{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// `text` escaped for XML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    super::theme::push_xml_escaped(&mut out, text);
    out
}

fn sitemap(project: &Project, pages: &[Page], base: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for page in pages.iter().filter(|p| listed(project, p)) {
        let path = page.path(project);
        out.push_str("  <url><loc>");
        out.push_str(&escape(&format!("{base}{}", sitemap_path(&path))));
        out.push_str("</loc>");
        if let Page::Document(i) = page {
            out.push_str(&format!(
                "<lastmod>{}</lastmod>",
                project.documents[*i].last_changed()
            ));
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// Whether the sitemap lists `page`: not the 404 page, nor a technique
/// MITRE has deprecated, whose page exists for citations to be explained
/// but which no page links to.
fn listed(project: &Project, page: &Page) -> bool {
    match page {
        Page::NotFound => false,
        Page::Technique(domain, i) => project
            .registry
            .attack_domain(*domain)
            .and_then(|c| c.techniques.get(*i))
            .is_some_and(|t| !t.deprecated),
        _ => true,
    }
}

/// A page's path as the sitemap protocol wants it: URL-escaped, so a page
/// named in another script (`tags/日本語.html`) is percent-encoded UTF-8,
/// the form browsers and crawlers request. ASCII paths are unchanged.
fn sitemap_path(path: &str) -> std::borrow::Cow<'_, str> {
    const NOT_IN_A_PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b' ');
    percent_encoding::utf8_percent_encode(path, NOT_IN_A_PATH).into()
}

/// Atom feed of the 50 most recently changed documents. Atom wants every
/// id an absolute IRI: with a base-url that has a host (`absolute`) the
/// pages' URLs are the ids; with only a path they are `urn:uuid:` names
/// made from the book's title and the document's id, the same in every
/// build, and the links stay relative, resolved against the feed's own
/// address as RFC 4287 allows.
fn atom(project: &Project, base: &str, absolute: bool) -> String {
    let mut docs: Vec<_> = project.documents.iter().collect();
    docs.sort_by(|a, b| {
        b.last_changed()
            .cmp(&a.last_changed())
            .then(a.number.cmp(&b.number))
    });
    docs.truncate(50);
    let updated = docs
        .first()
        .map_or("1970-01-01".to_string(), |d| d.last_changed().to_string());
    let title = escape(&project.book.config.book.title);
    let book = &project.book.config.book.title;
    let id_of = |url: &str, name: &str| {
        if absolute {
            escape(url)
        } else {
            stable_urn(book, name)
        }
    };
    let feed_id = id_of(base, "");
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>{title}</title>\n  <id>{feed_id}</id>\n  <link href=\"{base}\"/>\n  <link rel=\"self\" href=\"{base}feed.xml\"/>\n  <updated>{updated}T00:00:00Z</updated>\n"
    );
    for doc in docs {
        let url = format!("{base}{}", urls::document(&doc.id.value));
        let what = if doc.updated.is_some() {
            "Updated"
        } else {
            "New"
        };
        out.push_str(&format!(
            "  <entry>\n    <title>{}: {}</title>\n    <id>{}</id>\n    <link href=\"{}\"/>\n    <published>{}T00:00:00Z</published>\n    <updated>{}T00:00:00Z</updated>\n    <author><name>{}</name></author>\n    <summary>{what} ({}, version {}){}</summary>\n  </entry>\n",
            escape(&doc.id.value),
            escape(&doc.title.value),
            id_of(&url, &doc.id.value),
            escape(&url),
            doc.created,
            doc.last_changed(),
            escape(&if doc.authors.is_empty() { title.clone() } else { doc.authors.join(", ") }),
            escape(&doc.status.value),
            escape(&doc.version),
            // A document without a summary ends at its version, not at ": ".
            doc.summary
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map_or(String::new(), |s| format!(": {}", escape(s))),
        ));
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn xml_escaping_replaces_the_four_and_keeps_the_rest() {
        assert_eq!(
            super::escape(r#"a&b<c>d"e'f é"#),
            "a&amp;b&lt;c&gt;d&quot;e'f é"
        );
        assert_eq!(super::escape(""), "");
        assert_eq!(super::escape("&&"), "&amp;&amp;");
    }

    #[test]
    fn sitemap_paths_are_url_escaped() {
        assert_eq!(
            super::sitemap_path("tags/ransomware.html"),
            "tags/ransomware.html"
        );
        assert_eq!(
            super::sitemap_path("tags/日本語.html"),
            "tags/%E6%97%A5%E6%9C%AC%E8%AA%9E.html"
        );
        assert_eq!(
            super::sitemap_path("tags/sécurité.html"),
            "tags/s%C3%A9curit%C3%A9.html"
        );
    }
}
