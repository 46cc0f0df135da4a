//! The book on disk: `book.toml`, the source directory and the raw text of
//! every document file. Loading reads; it does not interpret Markdown or
//! front-matter (that is `document`'s job).

pub mod config;
pub mod load;

pub use config::BookConfig;
pub use load::{load_book, Book, LoadError, RawFile};
