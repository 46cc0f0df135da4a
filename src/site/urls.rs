//! Where every page lives. All internal links are relative (`root` + path)
//! so the site works from `file://`, under a sub-path and on any host.

use crosswalk_catalog::AttackDomain;

/// `documents/hcb-0007.html`
pub fn document(id: &str) -> String {
    // Built in one allocation: pages and links ask for tens of thousands,
    // and going through `Display` grew the string three times for each.
    let mut url = String::with_capacity(DOCUMENTS.len() + id.len() + HTML.len());
    url.push_str(DOCUMENTS);
    push_lowercase(&mut url, id);
    url.push_str(HTML);
    url
}

const DOCUMENTS: &str = "documents/";
const HTML: &str = ".html";

/// Append `id` in ASCII lower case, as a document's file name has it.
fn push_lowercase(out: &mut String, id: &str) {
    let start = out.len();
    out.push_str(id);
    out[start..].make_ascii_lowercase();
}

/// A document's URL ([`document`]) as a value written when shown: a card
/// holds one, and most cards are never written out.
#[derive(Clone, Copy, Debug)]
pub struct DocumentUrl<'a>(pub &'a str);

impl std::fmt::Display for DocumentUrl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Ids are short: the URL is put together on the stack and written
        // in one piece (templates escape each piece they are given).
        let mut buffer = [0u8; 96];
        let end = DOCUMENTS.len() + self.0.len() + HTML.len();
        match buffer.get_mut(..end) {
            Some(url) => {
                let (head, rest) = url.split_at_mut(DOCUMENTS.len());
                let (id, tail) = rest.split_at_mut(self.0.len());
                head.copy_from_slice(DOCUMENTS.as_bytes());
                id.copy_from_slice(self.0.as_bytes());
                id.make_ascii_lowercase();
                tail.copy_from_slice(HTML.as_bytes());
                // ASCII case changes keep UTF-8 valid.
                f.write_str(std::str::from_utf8(url).map_err(|_| std::fmt::Error)?)
            }
            None => f.write_str(&document(self.0)),
        }
    }
}

/// `attack/enterprise/t1059-001.html`
pub fn technique(domain: AttackDomain, id: &str) -> String {
    in_one_piece(&["attack/", domain.slug(), "/"], id, ".html")
}

/// `attack/enterprise/ta0001.html`
pub fn tactic(domain: AttackDomain, id: &str) -> String {
    in_one_piece(&["attack/", domain.slug(), "/"], id, ".html")
}

/// `attack/enterprise/index.html`
pub fn matrix(domain: AttackDomain) -> String {
    format!("attack/{}/index.html", domain.slug())
}

/// `controls/cyfun2023/pr-ac-1.html`
pub fn control(alias: &str, label: &str) -> String {
    // Built in one allocation: a document page links dozens of these.
    let mut url = String::with_capacity(20 + alias.len() + label.len());
    url.push_str("controls/");
    push_slug(&mut url, alias);
    url.push('/');
    push_slug(&mut url, label);
    url.push_str(".html");
    url
}

/// `controls/cyfun2023/index.html`
pub fn framework(alias: &str) -> String {
    in_one_piece(&["controls/"], alias, "/index.html")
}

/// `tags/ransomware.html`: the page of a kind, status, area or tag. Values
/// with the same [`slug`] (`Ransomware` and `ransomware`) share it.
pub fn listing(group: &str, value: &str) -> String {
    in_one_piece(&[group, "/"], value, ".html")
}

/// `head`, the [`slug`] of `text`, then `tail`, in one allocation: a
/// document page asks for dozens of URLs, and `format!` with a slug made
/// for it cost a thousand instructions each.
fn in_one_piece(head: &[&str], text: &str, tail: &str) -> String {
    let len: usize = head.iter().map(|h| h.len()).sum();
    let mut url = String::with_capacity(len + text.len() + tail.len() + 4);
    for part in head {
        url.push_str(part);
    }
    push_slug(&mut url, text);
    url.push_str(tail);
    url
}

/// The part of a URL or file name that stands for `text`: its alphanumeric
/// characters (any script, so `日本語` and `sécurité` stay themselves)
/// lower-cased, each run of anything else one dash, none leading or
/// trailing. ASCII text gives ASCII: `AC-2(1)` is `ac-2-1`.
///
/// Never empty: text with no alphanumeric character (`..`, `""`, `🔒`)
/// becomes `_` and 16 hex digits of the 64-bit FNV-1a hash of its UTF-8
/// bytes, stable across runs and machines, and never the slug of text that
/// has one (`_` is not alphanumeric).
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_slug(&mut out, text);
    out
}

pub use crate::document::nfc;

/// The characters of the [`slug`] of `text`, which must be in normal form
/// C ([`nfc`]), when it has alphanumeric characters; nothing when it has
/// none (no fallback).
pub fn slug_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .enumerate()
        .flat_map(|(i, word)| {
            let dash = (i > 0).then_some('-');
            // A lower-case form may carry a combining mark (`İ` is `i` and
            // U+0307), which is not alphanumeric: dropped, so a slug is its
            // own slug and a valid file name slug.
            dash.into_iter().chain(
                word.chars()
                    .flat_map(char::to_lowercase)
                    .filter(|c| c.is_alphanumeric()),
            )
        })
}

/// `_` and the FNV-1a hash of `text`, for text without a slug of its own.
fn fallback(text: &str) -> impl Iterator<Item = char> {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    std::iter::once('_').chain((0..16).rev().map(move |nibble| {
        char::from_digit(((hash >> (nibble * 4)) & 0xf) as u32, 16).unwrap_or('0')
    }))
}

/// Append `text`'s [`slug`] to `out`.
fn push_slug(out: &mut String, text: &str) {
    let start = out.len();
    if text.is_ascii() {
        // The common case, byte by byte: a document page builds dozens of
        // control URLs. Gives what `slug_chars` gives (tested).
        let mut dash = false;
        for byte in text.bytes() {
            if byte.is_ascii_alphanumeric() {
                if dash && out.len() > start {
                    out.push('-');
                }
                out.push(char::from(byte.to_ascii_lowercase()));
                dash = false;
            } else {
                dash = true;
            }
        }
    } else {
        let text = nfc(text);
        out.extend(slug_chars(&text));
        if out.len() == start {
            out.extend(fallback(&text));
        }
        return;
    }
    if out.len() == start {
        out.extend(fallback(text));
    }
}

/// `../../` for a page at `a/b/c.html`.
pub fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_url_is_the_same_built_or_displayed() {
        let long = "X".repeat(100);
        for id in ["HCB-0007", "hcb-0007", "ÉCOLE-12", long.as_str(), ""] {
            assert_eq!(document(id), DocumentUrl(id).to_string(), "{id}");
        }
        assert_eq!(document("HCB-0007"), "documents/hcb-0007.html");
    }

    #[test]
    fn urls() {
        assert_eq!(document("HCB-0007"), "documents/hcb-0007.html");
        assert_eq!(document("ÄB-1"), "documents/Äb-1.html");
        let long = format!("X{}", "Y".repeat(80));
        assert_eq!(
            document(&long),
            format!("documents/{}.html", long.to_ascii_lowercase())
        );
        assert_eq!(
            technique(AttackDomain::Enterprise, "T1059.001"),
            "attack/enterprise/t1059-001.html"
        );
        assert_eq!(control("800-53", "AC-2(1)"), "controls/800-53/ac-2-1.html");
        assert_eq!(
            control("CyFun 2023", "--PR.AC-1.1 (a)--"),
            "controls/cyfun-2023/pr-ac-1-1-a.html"
        );
        assert_eq!(slug("  -A  b-"), "a-b");
        assert_eq!(slug("x--é--y"), "x-é-y");
        assert_eq!(root_of("a/b/c.html"), "../../");
        assert_eq!(root_of("index.html"), "");
    }

    #[test]
    fn composed_and_decomposed_accents_give_one_slug() {
        let composed = "Sécurité réseau";
        let decomposed = "Se\u{301}curite\u{301} re\u{301}seau";
        assert_ne!(composed, decomposed);
        assert_eq!(slug(decomposed), "sécurité-réseau");
        assert_eq!(slug(decomposed), slug(composed));
        assert_eq!(listing("tags", decomposed), listing("tags", composed));
    }

    #[test]
    fn slugs_keep_letters_of_every_script() {
        assert_eq!(slug("éÉ"), "éé");
        assert_eq!(slug("sécurité"), "sécurité");
        assert_eq!(slug("Sécurité Réseau"), "sécurité-réseau");
        assert_eq!(slug("日本語"), "日本語");
        assert_eq!(slug("中文"), "中文");
        assert_eq!(slug("Ελληνικά"), "ελληνικά");
        assert_eq!(slug("日本語のタイトル"), "日本語のタイトル");
        assert_eq!(slug("Stra\u{df}e"), "stra\u{df}e");
        // Lower-casing `İ` gives `i` and a combining dot: the dot goes.
        assert_eq!(slug("İstanbul"), "istanbul");
        assert_eq!(listing("tags", "日本語"), "tags/日本語.html");
        assert_ne!(listing("tags", "日本語"), listing("tags", "中文"));
        assert_eq!(
            control("Référentiel", "Exigence-É1"),
            "controls/référentiel/exigence-é1.html"
        );
    }

    #[test]
    fn a_value_without_letters_or_digits_gets_a_stable_name() {
        // FNV-1a of nothing is its offset basis.
        assert_eq!(slug(""), "_cbf29ce484222325");
        assert_eq!(slug("a"), "a");
        let names: Vec<String> = ["", "..", ".", "-", "🔒", " ", "\u{301}"]
            .iter()
            .map(|t| slug(t))
            .collect();
        for name in &names {
            assert_eq!(name.len(), 17, "{name}");
            assert!(name.starts_with('_'), "{name}");
            assert!(name[1..].bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
        }
        let distinct: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(distinct.len(), names.len(), "{names:?}");
        assert_eq!(slug(".."), slug(".."));
        assert_ne!(listing("tags", ".."), "tags/.html");
        assert_ne!(slug("..."), slug(".."));
        assert_ne!(slug("a"), slug(".."));
    }

    #[test]
    fn ascii_slugs_are_unchanged() {
        // The loop before slugs kept other scripts, as the reference.
        fn old(text: &str) -> String {
            let mut out = String::new();
            let (mut dash, mut started) = (false, false);
            for c in text.chars() {
                if c.is_ascii_alphanumeric() {
                    if dash && started {
                        out.push('-');
                    }
                    out.push(c.to_ascii_lowercase());
                    dash = false;
                    started = true;
                } else {
                    dash = true;
                }
            }
            out
        }
        let samples = [
            "AC-2(1)",
            "--PR.AC-1.1 (a)--",
            "Ransomware",
            "a b",
            "a-b",
            "T1059.001",
            "CyFun 2023",
            "x__y..z",
            "0",
        ];
        for text in samples {
            assert_eq!(slug(text), old(text), "{text}");
            assert_eq!(slug_chars(text).collect::<String>(), old(text), "{text}");
        }
        // Every printable ASCII character around a letter.
        for a in ' '..='~' {
            for b in ' '..='~' {
                let text = format!("{a}x{b}{a}");
                assert_eq!(slug(&text), old(&text), "{text:?}");
                assert_eq!(slug_chars(&text).collect::<String>(), old(&text));
            }
        }
    }

    /// Every character: a slug is its own slug (so a page named from one is
    /// found again), and every character of one is allowed in a document's
    /// file name.
    #[test]
    fn slugs_are_stable_for_every_character() {
        // The others are separators, tested above.
        let letters = (0..=0x10_ffff)
            .filter_map(char::from_u32)
            .filter(|c| c.is_alphanumeric());
        for c in letters {
            let text = format!("A{c}b{c}");
            let once = slug(&text);
            assert_eq!(slug(&once), once, "U+{:04X}", c as u32);
            assert!(!once.starts_with('-') && !once.ends_with('-') && !once.contains("--"));
            assert!(
                once.chars()
                    .all(crate::document::frontmatter::is_file_slug_char),
                "U+{:04X}: {once}",
                c as u32
            );
        }
    }
}
