//! Importers for the catalog formats crosswalk understands, and the one model
//! they all produce. This crate has no knowledge of books or documents: the
//! main crate's `catalog` module puts these catalogs behind its registry.
//!
//! It is a separate crate so that the main crate's build script can use the very
//! same importers to pre-compile the embedded catalogs.

pub mod ciso;
pub mod error;
pub mod ids;
pub mod mapex;
pub mod model;
pub mod oscal;
pub mod stix;

pub use error::ImportError;
pub use model::*;
