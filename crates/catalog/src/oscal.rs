//! OSCAL catalogs (JSON, OSCAL 1.0 and 1.1) into a [`FrameworkCatalog`].
//!
//! Groups become non-assessable grouping nodes; controls and their nested
//! enhancements become assessable nodes, except withdrawn ones. Statement
//! prose is flattened to plain text with item labels (`a.`, `1.`) and with
//! parameter placeholders rendered the way NIST prints them
//! (`[Assignment: organization-defined frequency]`, `[Selection: remove; disable]`).
//! Resolved-profile catalogs (the SP 800-53 baselines) are plain catalogs and
//! load the same way; their 800-53A assessment parts are ignored.

use std::collections::HashMap;

use serde::Deserialize;

use crate::error::ImportError;
use crate::ids;
use crate::model::{FrameworkCatalog, Requirement, Withdrawal};

/// The rights of a catalog NIST publishes (its metadata names NIST as
/// creator, or as its only party) that states none itself: a work of the
/// United States government.
pub const NIST_COPYRIGHT: &str = "Public domain in the United States (NIST), CC0 1.0 elsewhere.";

/// Nesting deeper than this is refused rather than risking a stack overflow
/// on a hostile file; real catalogs nest 3 levels.
const MAX_DEPTH: u8 = 32;

#[derive(Deserialize)]
struct Document {
    catalog: Catalog,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Catalog {
    metadata: Metadata,
    params: Vec<Param>,
    groups: Vec<Group>,
    controls: Vec<Control>,
    #[serde(rename = "back-matter")]
    back_matter: BackMatter,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BackMatter {
    resources: Vec<Resource>,
}

/// A cited document; prose links to it by `#uuid`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Resource {
    uuid: String,
    rlinks: Vec<Rlink>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Rlink {
    href: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metadata {
    title: String,
    version: String,
    props: Vec<Prop>,
    remarks: Option<String>,
    /// Not OSCAL, but written by some converters.
    rights: Option<String>,
    parties: Vec<Party>,
    #[serde(rename = "responsible-parties")]
    responsible_parties: Vec<ResponsibleParty>,
}

/// Who a catalog names: what tells a NIST catalog from anyone else's.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Party {
    uuid: String,
    name: String,
    #[serde(rename = "email-addresses")]
    email_addresses: Vec<String>,
    addresses: Vec<Address>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Address {
    #[serde(rename = "addr-lines")]
    addr_lines: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResponsibleParty {
    #[serde(rename = "role-id")]
    role_id: String,
    #[serde(rename = "party-uuids")]
    party_uuids: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Group {
    id: Option<String>,
    title: String,
    params: Vec<Param>,
    parts: Vec<Part>,
    groups: Vec<Group>,
    controls: Vec<Control>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Control {
    id: String,
    title: String,
    params: Vec<Param>,
    props: Vec<Prop>,
    links: Vec<Link>,
    parts: Vec<Part>,
    controls: Vec<Control>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Param {
    id: String,
    label: Option<String>,
    props: Vec<Prop>,
    select: Option<Select>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Select {
    #[serde(rename = "how-many")]
    how_many: Option<String>,
    choice: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Part {
    name: String,
    props: Vec<Prop>,
    prose: Option<String>,
    parts: Vec<Part>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Prop {
    name: String,
    value: String,
    class: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Link {
    href: String,
    rel: Option<String>,
}

/// The first `label` prop without a class (1.1 catalogs also carry
/// `zero-padded` and `sp800-53a` variants), else the first `label` prop.
fn label_prop(props: &[Prop]) -> Option<&str> {
    let labels = || props.iter().filter(|p| p.name == "label");
    labels()
        .find(|p| p.class.is_none())
        .or_else(|| labels().next())
        .map(|p| p.value.trim())
        .filter(|v| !v.is_empty())
}

fn prop<'a>(props: &'a [Prop], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
}

/// Imports an OSCAL catalog. Node URNs are
/// `urn:intuitem:risk:req_node:{urn_namespace}:{oscal id}` (so `ac-2.1`, not
/// CISO Assistant's `ac-2(1)`: match across the two by label).
pub fn import(json: &str, urn_namespace: &str) -> Result<FrameworkCatalog, ImportError> {
    let document: Document = serde_json::from_str(json)?;
    let catalog = document.catalog;
    if catalog.groups.is_empty() && catalog.controls.is_empty() {
        return Err(ImportError::format(format!(
            "OSCAL catalog {:?} has neither groups nor controls",
            catalog.metadata.title
        )));
    }
    let index = Index::build(&catalog);
    let mut builder = Builder {
        namespace: urn_namespace,
        index: &index,
        nodes: Vec::new(),
        unnamed_groups: 0,
    };
    for group in &catalog.groups {
        builder.group(group, None, 1)?;
    }
    for control in &catalog.controls {
        builder.control(control, None, 1)?;
    }
    let nodes = builder.nodes;
    let metadata = &catalog.metadata;
    Ok(FrameworkCatalog {
        urn: format!("urn:intuitem:risk:framework:{urn_namespace}"),
        urn_namespace: urn_namespace.to_string(),
        copyright: copyright(metadata),
        name: metadata.title.clone(),
        version: metadata.version.clone(),
        // OSCAL names parties and roles, not a publisher; callers that know it set it.
        provider: None,
        description: None,
        levels: Vec::new(),
        nodes,
        has_text: true,
    })
}

/// The rights line of a catalog, from its own metadata: a `rights` field or
/// prop, or remarks that speak of rights, when it states one; else, for a
/// catalog NIST creates ([`NIST_COPYRIGHT`]), the public-domain line; else
/// none (empty). A catalog of anyone else's never gets NIST's line: it was
/// given to every OSCAL file, an "ACME Corp proprietary" one included.
fn copyright(metadata: &Metadata) -> String {
    let stated = metadata
        .rights
        .as_deref()
        .or_else(|| prop(&metadata.props, "rights"))
        .or_else(|| {
            metadata.remarks.as_deref().filter(|r| {
                let lower = r.to_lowercase();
                ["public domain", "copyright", "licen", "cc0", "rights"]
                    .iter()
                    .any(|w| lower.contains(w))
            })
        })
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty());
    match stated {
        Some(line) => line,
        None if created_by_nist(metadata) => NIST_COPYRIGHT.to_string(),
        None => String::new(),
    }
}

/// Whether the catalog's creator is NIST: the parties the `creator` role
/// names (every party when no role is given) are all NIST's, by name, a
/// `nist.gov` address or a postal address at the institute. The NIST
/// OSCAL content names its Joint Task Force, `sec-cert@nist.gov`, at the
/// National Institute of Standards and Technology.
fn created_by_nist(metadata: &Metadata) -> bool {
    let creators: Vec<&Party> = {
        let named: Vec<&str> = metadata
            .responsible_parties
            .iter()
            .filter(|r| r.role_id == "creator")
            .flat_map(|r| r.party_uuids.iter().map(String::as_str))
            .collect();
        metadata
            .parties
            .iter()
            .filter(|p| named.is_empty() || named.contains(&p.uuid.as_str()))
            .collect()
    };
    let is_nist = |party: &&Party| {
        let institute = |text: &str| {
            text.to_lowercase()
                .contains("national institute of standards and technology")
        };
        institute(&party.name)
            || party
                .name
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == "NIST")
            || party.email_addresses.iter().any(|e| {
                e.rsplit_once('@')
                    .is_some_and(|(_, host)| host.eq_ignore_ascii_case("nist.gov"))
            })
            || party
                .addresses
                .iter()
                .any(|a| a.addr_lines.iter().any(|l| institute(l)))
    };
    !creators.is_empty() && creators.iter().all(is_nist)
}

/// Catalog-wide look-ups needed while flattening: control labels (for
/// withdrawal targets), parameters (for placeholders) and back-matter
/// resources (for links in prose).
struct Index<'a> {
    labels: HashMap<&'a str, String>,
    params: HashMap<&'a str, &'a Param>,
    /// Resource uuid -> its first external link, if any.
    resources: HashMap<&'a str, Option<&'a str>>,
}

impl<'a> Index<'a> {
    fn build(catalog: &'a Catalog) -> Self {
        let mut index = Index {
            labels: HashMap::new(),
            params: HashMap::new(),
            resources: catalog
                .back_matter
                .resources
                .iter()
                .map(|r| {
                    let href = r
                        .rlinks
                        .iter()
                        .map(|l| l.href.as_str())
                        .find(|h| !h.is_empty());
                    (r.uuid.as_str(), href)
                })
                .collect(),
        };
        index.add_params(&catalog.params);
        for group in &catalog.groups {
            index.add_group(group);
        }
        for control in &catalog.controls {
            index.add_control(control);
        }
        index
    }

    fn add_group(&mut self, group: &'a Group) {
        self.add_params(&group.params);
        for g in &group.groups {
            self.add_group(g);
        }
        for c in &group.controls {
            self.add_control(c);
        }
    }

    fn add_control(&mut self, control: &'a Control) {
        self.labels.insert(&control.id, control_label(control));
        self.add_params(&control.params);
        for c in &control.controls {
            self.add_control(c);
        }
    }

    /// Registers each parameter under its id and its `alt-identifier` (1.1
    /// catalogs renamed `ac-2_prm_1` to `ac-02_odp.01` and keep the old id).
    fn add_params(&mut self, params: &'a [Param]) {
        for param in params {
            self.params.insert(&param.id, param);
            for alt in param.props.iter().filter(|p| p.name == "alt-identifier") {
                self.params.entry(&alt.value).or_insert(param);
            }
        }
    }

    /// Label for a link target: a control (`#ac-2` -> `AC-2`), or the control
    /// holding a statement item (`#ac-2_smt.k` -> `AC-2`), so that the label
    /// resolves; unknown targets fall back to their canonical form.
    fn reference_label(&self, href: &str) -> String {
        let fragment = href.trim_start_matches('#');
        let control = fragment
            .split_once("_smt")
            .map_or(fragment, |(control, _)| control);
        self.labels
            .get(control)
            .cloned()
            .unwrap_or_else(|| ids::canonical(control))
    }
}

fn control_label(control: &Control) -> String {
    label_prop(&control.props)
        .map(ids::canonical)
        .unwrap_or_else(|| ids::canonical(&control.id))
}

struct Builder<'a> {
    namespace: &'a str,
    index: &'a Index<'a>,
    nodes: Vec<Requirement>,
    unnamed_groups: usize,
}

impl Builder<'_> {
    fn push(&mut self, node: Requirement) -> Result<u32, ImportError> {
        let index = u32::try_from(self.nodes.len())
            .map_err(|_| ImportError::format("OSCAL catalog has more than 2^32 nodes"))?;
        self.nodes.push(node);
        Ok(index)
    }

    fn check_depth(&self, depth: u8, what: &str) -> Result<(), ImportError> {
        if depth > MAX_DEPTH {
            return Err(ImportError::format(format!(
                "OSCAL {what} is nested more than {MAX_DEPTH} levels deep"
            )));
        }
        Ok(())
    }

    fn group(&mut self, group: &Group, parent: Option<u32>, depth: u8) -> Result<(), ImportError> {
        let title = group.title.trim();
        self.check_depth(depth, &format!("group {title:?}"))?;
        let (local_id, label) = match group.id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => (id.to_string(), id.to_uppercase()),
            None => {
                self.unnamed_groups += 1;
                (format!("group-{}", self.unnamed_groups), title.to_string())
            }
        };
        let overview = flatten_parts(
            group.parts.iter().filter(|p| p.name == "overview"),
            self.index,
        );
        let me = self.push(Requirement {
            urn: self.urn(&local_id),
            parent,
            depth,
            source_id: group.id.clone(),
            label,
            name: Some(title.to_string()).filter(|t| !t.is_empty()),
            description: overview,
            guidance: None,
            assessable: false,
            levels: Vec::new(),
            withdrawn: None,
        })?;
        for g in &group.groups {
            self.group(g, Some(me), depth + 1)?;
        }
        for c in &group.controls {
            self.control(c, Some(me), depth + 1)?;
        }
        Ok(())
    }

    fn control(
        &mut self,
        control: &Control,
        parent: Option<u32>,
        depth: u8,
    ) -> Result<(), ImportError> {
        if control.id.is_empty() {
            return Err(ImportError::format(format!(
                "OSCAL control {:?} has no id",
                control.title
            )));
        }
        self.check_depth(depth, &format!("control {}", control.id))?;
        let withdrawn = self.withdrawal(control);
        let part_text =
            |name: &str| flatten_parts(control.parts.iter().filter(|p| p.name == name), self.index);
        let node = Requirement {
            urn: self.urn(&control.id),
            parent,
            depth,
            source_id: Some(control.id.clone()),
            label: control_label(control),
            name: Some(control.title.trim().to_string()).filter(|t| !t.is_empty()),
            description: part_text("statement"),
            guidance: part_text("guidance"),
            assessable: withdrawn.is_none(),
            levels: Vec::new(),
            withdrawn,
        };
        let me = self.push(node)?;
        for c in &control.controls {
            self.control(c, Some(me), depth + 1)?;
        }
        Ok(())
    }

    /// `Some` when the control's `status` prop says withdrawn (any case).
    fn withdrawal(&self, control: &Control) -> Option<Withdrawal> {
        let status = prop(&control.props, "status")?;
        if !status.trim().eq_ignore_ascii_case("withdrawn") {
            return None;
        }
        let targets = |rel: &str| -> Vec<String> {
            let mut labels: Vec<String> = Vec::new();
            for link in control
                .links
                .iter()
                .filter(|l| l.rel.as_deref() == Some(rel))
            {
                let label = self.index.reference_label(&link.href);
                if !labels.contains(&label) {
                    labels.push(label);
                }
            }
            labels
        };
        Some(Withdrawal {
            moved_to: targets("moved-to"),
            incorporated_into: targets("incorporated-into"),
        })
    }

    fn urn(&self, local_id: &str) -> String {
        format!("urn:intuitem:risk:req_node:{}:{local_id}", self.namespace)
    }
}

/// Flattens parts into lines: each part's prose prefixed with its label
/// (`a. Define and document...`), nested items indented two spaces per level.
/// `None` when there is no prose at all.
fn flatten_parts<'p>(parts: impl Iterator<Item = &'p Part>, index: &Index) -> Option<String> {
    let mut lines = Vec::new();
    for part in parts {
        flatten_part(part, 0, index, &mut lines);
    }
    let text = lines.join("\n");
    (!text.trim().is_empty()).then_some(text)
}

fn flatten_part(part: &Part, level: usize, index: &Index, lines: &mut Vec<String>) {
    let prose = part
        .prose
        .as_deref()
        .map(|p| rewrite_links(&substitute_params(p, index, 0), index))
        .map(|p| p.trim().to_string())
        .unwrap_or_default();
    let label = label_prop(&part.props);
    let line = match (label, prose.is_empty()) {
        (Some(label), false) => format!("{label} {prose}"),
        (Some(label), true) if !part.parts.is_empty() => label.to_string(),
        (_, false) => prose,
        _ => String::new(),
    };
    let child_level = if line.is_empty() { level } else { level + 1 };
    if !line.is_empty() {
        lines.push(format!("{}{line}", "  ".repeat(level)));
    }
    for child in &part.parts {
        flatten_part(child, child_level, index, lines);
    }
}

/// Rewrites the document-internal Markdown links of OSCAL prose, which would
/// be dead on a web page: a link to a back-matter resource (`[FISMA](#uuid)`)
/// points at the resource's URL, and a link to a control or group
/// (`[AU-2](#au-2)`) or anything unresolvable becomes its plain text.
fn rewrite_links(text: &str, index: &Index) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let candidate = &rest[open..];
        match internal_link(candidate) {
            Some((label, fragment, len)) => {
                match index.resources.get(fragment).copied().flatten() {
                    Some(href) => out.push_str(&format!("[{label}]({href})")),
                    None => out.push_str(label),
                }
                rest = &candidate[len..];
            }
            None => {
                out.push('[');
                rest = &candidate[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses `[text](#fragment)` at the start of `s`: (text, fragment, length).
fn internal_link(s: &str) -> Option<(&str, &str, usize)> {
    let close = s.find(']')?;
    let label = &s[1..close];
    if label.contains('[') {
        return None;
    }
    let after = s[close + 1..].strip_prefix("(#")?;
    let end = after.find(')')?;
    let fragment = &after[..end];
    if fragment.is_empty() || fragment.contains(char::is_whitespace) {
        return None;
    }
    Some((label, fragment, close + 1 + 2 + end + 1))
}

/// Replaces `{{ insert: param, id }}` placeholders. Selection choices may hold
/// placeholders themselves, hence the (bounded) recursion.
fn substitute_params(text: &str, index: &Index, depth: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &after[..end];
        match param_id(inner) {
            Some(id) => out.push_str(&render_param(id, index, depth)),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// `insert: param, ac-2_prm_1` -> `ac-2_prm_1`.
fn param_id(inner: &str) -> Option<&str> {
    let body = inner.trim().strip_prefix("insert:")?;
    let (kind, id) = body.split_once(',')?;
    (kind.trim() == "param").then(|| id.trim())
}

fn render_param(id: &str, index: &Index, depth: usize) -> String {
    let Some(param) = index.params.get(id) else {
        return format!("[Assignment: {id}]");
    };
    if let Some(select) = param.select.as_ref().filter(|s| !s.choice.is_empty()) {
        let choices: Vec<String> = select
            .choice
            .iter()
            .map(|c| {
                if depth < 4 {
                    substitute_params(c, index, depth + 1)
                } else {
                    c.clone()
                }
            })
            .map(|c| c.trim().to_string())
            .collect();
        let how = match select.how_many.as_deref() {
            Some("one-or-more") => " (one or more)",
            _ => "",
        };
        return format!("[Selection{how}: {}]", choices.join("; "));
    }
    match param
        .label
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        Some(label) => format!("[Assignment: {label}]"),
        None => "[Assignment]".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r##"{"catalog": {"uuid": "x", "metadata": {"title": "Mini", "version": "1", "oscal-version": "1.1.2"},
      "groups": [{"title": "Untitled family", "controls": [
        {"id": "xx-1", "title": "One", "props": [{"name": "label", "value": "XX-01", "class": "zero-padded"}, {"name": "label", "value": "XX-1"}],
         "params": [{"id": "xx-1_prm_1", "select": {"how-many": "one-or-more", "choice": ["a {{ insert: param, xx-1_prm_2 }}", "b"]}},
                    {"id": "xx-1_prm_2", "label": "frequency"}],
         "parts": [{"name": "statement", "parts": [
            {"name": "item", "props": [{"name": "label", "value": "a."}], "prose": "Do {{ insert: param, xx-1_prm_1 }};",
             "parts": [{"name": "item", "props": [{"name": "label", "value": "1."}], "prose": " nested {{ insert: param, nope }}"}]}]},
           {"name": "guidance", "prose": "Why."}],
         "controls": [{"id": "xx-1.1", "title": "Gone", "props": [{"name": "status", "value": "Withdrawn"}],
                       "links": [{"href": "#xx-1_smt.a", "rel": "incorporated-into"}, {"href": "#xx-1_smt.b", "rel": "incorporated-into"},
                                 {"href": "#xx-1", "rel": "moved-to"}]}]}
      ]}]}}"##;

    #[test]
    fn mini_catalog() {
        let c = import(MINI, "mini").unwrap();
        assert_eq!(c.urn, "urn:intuitem:risk:framework:mini");
        assert_eq!(c.copyright, "", "no rights stated, no NIST party");
        let labels: Vec<_> = c.nodes.iter().map(|n| n.label.as_str()).collect();
        assert_eq!(labels, ["Untitled family", "XX-1", "XX-1(1)"]);
        assert_eq!(c.nodes[0].urn, "urn:intuitem:risk:req_node:mini:group-1");
        assert_eq!(c.nodes[1].depth, 2);
        assert_eq!(c.nodes[2].parent, Some(1));
        assert_eq!(
            c.nodes[1].description.as_deref(),
            Some("a. Do [Selection (one or more): a [Assignment: frequency]; b];\n  1. nested [Assignment: nope]")
        );
        assert_eq!(c.nodes[1].guidance.as_deref(), Some("Why."));
        assert!(c.nodes[1].assessable);
        let gone = &c.nodes[2];
        assert!(!gone.assessable);
        assert_eq!(
            gone.withdrawn,
            Some(Withdrawal {
                moved_to: vec!["XX-1".into()],
                incorporated_into: vec!["XX-1".into()]
            })
        );
        assert_eq!(c.find_reference("XX-1a"), Some(1));
        assert_eq!(c.find("xx-01(01)"), Some(2));
        assert_eq!(c.children(1).collect::<Vec<_>>(), [2]);
    }

    /// Regression: every OSCAL catalog without a rights statement got
    /// NIST's public-domain line, an "ACME Corp proprietary" one included.
    #[test]
    fn the_rights_line_comes_from_the_catalogs_own_metadata() {
        let with = |metadata: &str| {
            let json = format!(
                r#"{{"catalog": {{"metadata": {{"title": "T", {metadata}}}, "controls": [{{"id": "x-1", "title": "X"}}]}}}}"#
            );
            import(&json, "t").unwrap().copyright
        };
        assert_eq!(with(r#""version": "1""#), "");
        let acme = r#""parties": [{"uuid": "a", "type": "organization", "name": "ACME Corp", "email-addresses": ["grc@acme.example"]}],
            "responsible-parties": [{"role-id": "creator", "party-uuids": ["a"]}]"#;
        assert_eq!(with(acme), "");
        assert_eq!(
            with(r#""props": [{"name": "rights", "value": "ACME Corp proprietary"}]"#),
            "ACME Corp proprietary"
        );
        assert_eq!(
            with(r#""remarks": "Copyright  ACME Corp.\nAll rights reserved.""#),
            "Copyright ACME Corp. All rights reserved."
        );
        // The NIST OSCAL content states no rights; its creator is NIST's.
        let nist = r#""parties": [{"uuid": "n", "type": "organization", "name": "Joint Task Force, Interagency Working Group",
              "email-addresses": ["sec-cert@nist.gov"],
              "addresses": [{"addr-lines": ["National Institute of Standards and Technology", "100 Bureau Drive"]}]}],
            "responsible-parties": [{"role-id": "creator", "party-uuids": ["n"]}, {"role-id": "contact", "party-uuids": ["n"]}]"#;
        assert_eq!(with(nist), NIST_COPYRIGHT);
        // A copy someone else made names its own creator.
        let copied = r#""parties": [{"uuid": "n", "name": "NIST", "email-addresses": ["sec-cert@nist.gov"]},
              {"uuid": "a", "name": "ACME Corp"}],
            "responsible-parties": [{"role-id": "creator", "party-uuids": ["a"]}]"#;
        assert_eq!(with(copied), "");
    }

    #[test]
    fn internal_links_are_rewritten() {
        let json = r##"{"catalog": {"metadata": {"title": "L"},
          "controls": [{"id": "xx-1", "title": "One", "parts": [{"name": "statement",
            "prose": "See [AU-2](#au-2), [FISMA](#u-1), [Gone](#u-2), [x] (y) and [ok](https://e.org)."}]}],
          "back-matter": {"resources": [{"uuid": "u-1", "rlinks": [{"href": "https://fisma.example"}]}, {"uuid": "u-2"}]}}}"##;
        let c = import(json, "l").unwrap();
        assert_eq!(
            c.nodes[0].description.as_deref(),
            Some(
                "See AU-2, [FISMA](https://fisma.example), Gone, [x] (y) and [ok](https://e.org)."
            )
        );
    }

    #[test]
    fn empty_catalog_is_an_error() {
        let err = import(r#"{"catalog": {"metadata": {"title": "Empty"}}}"#, "e").unwrap_err();
        assert!(err.to_string().contains("\"Empty\""), "{err}");
        assert!(import(r#"{"not": 1}"#, "e").is_err());
    }
}
