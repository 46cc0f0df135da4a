//! (importer in progress)
