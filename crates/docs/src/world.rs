//! typst's view of one document: the templates compiled into this crate, the document's data
//! as `/data.json` and its pictures under `/img/`. Nothing is read from disk or the network.
//!
//! typst interns every file path for the life of the process, so the paths are a fixed, small
//! set (`/img/0.jpg` … `/img/63.png`) reused by every document rather than named by content.

use crate::fonts::Fonts;
use std::collections::HashMap;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

/// The templates, by their path in typst's project root.
pub(crate) const TEMPLATES: &[(&str, &str)] = &[
    ("/lib.typ", include_str!("../templates/lib.typ")),
    (
        "/on_site_record.typ",
        include_str!("../templates/on_site_record.typ"),
    ),
    (
        "/rectification_order.typ",
        include_str!("../templates/rectification_order.typ"),
    ),
    (
        "/reinspection_opinion.typ",
        include_str!("../templates/reinspection_opinion.typ"),
    ),
    (
        "/commitment_letter.typ",
        include_str!("../templates/commitment_letter.typ"),
    ),
    (
        "/patrol_record.typ",
        include_str!("../templates/patrol_record.typ"),
    ),
];

pub(crate) fn file_id(path: &str) -> Option<FileId> {
    let vpath = VirtualPath::new(path).ok()?;
    Some(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

pub(crate) struct DocWorld<'a> {
    pub library: &'a LazyHash<Library>,
    pub book: &'a LazyHash<FontBook>,
    pub fonts: &'a Fonts,
    pub main: FileId,
    pub sources: &'a HashMap<FileId, Source>,
    pub files: HashMap<FileId, Bytes>,
    /// The document's date (China time), for `datetime.today()`.
    pub today: Option<Datetime>,
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.sources.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(s) = self.sources.get(&id) {
            return Ok(Bytes::from_string(s.clone()));
        }
        self.files.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.faces.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(std::path::PathBuf::from(format!("{:?}", id.vpath())))
}
