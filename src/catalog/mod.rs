//! The catalog registry: every ATT&CK domain, control framework and mapping
//! set a book can refer to, embedded by default and configurable in
//! `book.toml`. Importers for each file format live in the
//! `crosswalk-catalog` crate; this module decides which catalogs a book gets
//! and answers "does this reference exist?".

mod embedded;
mod registry;

pub use crosswalk_catalog as formats;
pub use embedded::{default_aliases, embedded_names, EMBEDDED_ATTACK_VERSION};
pub use registry::{
    fold_id, CatalogSource, ControlLookup, LoadedFramework, Registry, TechniqueLookup, UrnLookup,
};
