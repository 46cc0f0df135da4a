//! Where every page lives. All internal links are relative (`root` + path)
//! so the site works from `file://`, under a sub-path and on any host.

use crosswalk_catalog::AttackDomain;

/// `documents/hcb-0007.html`
pub fn document(id: &str) -> String {
    format!("documents/{}.html", id.to_ascii_lowercase())
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
    format!("controls/{}/{}.html", slug(alias), slug(label))
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
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
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
        assert_eq!(
            technique(AttackDomain::Enterprise, "T1059.001"),
            "attack/enterprise/t1059-001.html"
        );
        assert_eq!(control("800-53", "AC-2(1)"), "controls/800-53/ac-2-1.html");
        assert_eq!(root_of("a/b/c.html"), "../../");
        assert_eq!(root_of("index.html"), "");
    }
}
