//! crosswalk: compile a git book of RFC-style security governance documents
//! into a static site built around a two-way index between documents,
//! control objectives and MITRE ATT&CK techniques.
//!
//! Read `ARCHITECTURE.md` first. The pipeline, in order:
//! [`book`] (config, files) -> [`document`] (front-matter, Markdown) ->
//! [`catalog`] (ATT&CK and frameworks) -> [`graph`] (the two-way index) ->
//! [`check`] (rules, diagnostics) -> [`site`] (pages, atomic writer).
//! [`pipeline`] runs the first five for every command; [`cli`] is the edge.

pub mod book;
pub mod catalog;
pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod document;
pub mod graph;
pub mod pipeline;
pub mod review;
pub mod serve;
pub mod site;
pub mod timing;
