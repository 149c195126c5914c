//! Integration tests: `source::page` on the real corpus. Every corpus page (two of them are
//! the seed documents, byte for byte) imports to exactly the facts in tests/fixtures/facts;
//! broken pages give located notes.

mod corpus;
mod notes;
mod roundtrip;

use herald::source::page::{Imported, Note, read_page};
use std::path::{Path, PathBuf};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn page_path(id: &str) -> PathBuf {
    root().join("tests/fixtures/pages").join(format!("{id}.md"))
}

pub fn import(id: &str) -> Imported {
    let path = page_path(id);
    read_page(
        &path,
        &std::fs::read_to_string(&path).unwrap(),
        herald::model::Zone::SHANGHAI,
    )
    .unwrap_or_else(|notes| panic!("{id} did not import: {notes:#?}"))
}

/// Import a page given as text (for the broken-page tests).
pub fn import_text(text: &str) -> Result<Imported, Vec<Note>> {
    read_page(Path::new("pages/x.md"), text, herald::model::Zone::SHANGHAI)
}
