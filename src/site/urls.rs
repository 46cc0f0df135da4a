//! Where every page lives. All internal links are relative (`root` + path)
//! so the site works from `file://`, under a sub-path and on any host.

use crosswalk_catalog::AttackDomain;

/// `documents/hcb-0007.html`
pub fn document(id: &str) -> String {
    DocumentUrl(id).to_string()
}

/// A document's URL ([`document`]) as a value written when shown: a card
/// holds one, and most cards are never written out.
#[derive(Clone, Copy, Debug)]
pub struct DocumentUrl<'a>(pub &'a str);

impl std::fmt::Display for DocumentUrl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("documents/")?;
        // Ids are short: lower-cased on the stack, written in one piece.
        let mut buffer = [0u8; 64];
        match buffer.get_mut(..self.0.len()) {
            Some(lower) => {
                lower.copy_from_slice(self.0.as_bytes());
                lower.make_ascii_lowercase();
                // ASCII case changes keep UTF-8 valid.
                f.write_str(std::str::from_utf8(lower).map_err(|_| std::fmt::Error)?)?;
            }
            None => f.write_str(&self.0.to_ascii_lowercase())?,
        }
        f.write_str(".html")
    }
}

/// `attack/enterprise/t1059-001.html`
pub fn technique(domain: AttackDomain, id: &str) -> String {
    format!("attack/{}/{}.html", domain.slug(), slug(id))
}

/// `attack/enterprise/ta0001.html`
pub fn tactic(domain: AttackDomain, id: &str) -> String {
    format!("attack/{}/{}.html", domain.slug(), slug(id))
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
    format!("controls/{}/index.html", slug(alias))
}

pub fn listing(group: &str, value: &str) -> String {
    format!("{group}/{}.html", slug(value))
}

/// Lower-case, alphanumerics kept, everything else one dash.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_slug(&mut out, text);
    out
}

/// Append `text`'s [`slug`] to `out`: runs of other characters become one
/// dash, and none leads or trails.
fn push_slug(out: &mut String, text: &str) {
    let mut dash = false;
    let mut started = false;
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
}

/// `../../` for a page at `a/b/c.html`.
pub fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(slug("éÉ"), "");
        assert_eq!(slug("x--é--y"), "x-y");
        assert_eq!(root_of("a/b/c.html"), "../../");
        assert_eq!(root_of("index.html"), "");
    }
}
