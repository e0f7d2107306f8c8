//! xuncha's official documents, typeset with typst: the on-site inspection record
//! (现场检查记录), the rectification order (责令限期整改指令书), the re-inspection opinion
//! (整改复查意见书), the commitment letter (承诺书) and the patrol record (巡河记录).
//!
//! The same crate runs on the server (for the office's downloads) and in the device's core (to
//! show and share the document on site, offline). A document is made in two steps: [`prepare`]
//! settles what it says from the record's folded state and a [`Context`] of names and pictures;
//! a [`Renderer`], made once with its fonts, typesets that as PDF (or SVG pages for a preview).
//!
//! Every document carries what verifies it: the record, the hash of the newest event it
//! reflects, and a QR code of the server's verification address for that pair.
#![forbid(unsafe_code)]

pub mod draw;
mod fonts;
mod model;
mod world;

pub use fonts::Fonts;
pub use model::{
    Context, DocKind, DocRef, MAX_PHOTOS, Record, Standing, documents_of, documents_title, images_wanted,
    prepare, verify_keyword, verify_url, when,
};

use std::collections::HashMap;
use std::path::PathBuf;
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{FileId, Source};
use typst::text::FontBook;
use typst::utils::LazyHash;
use typst::{Library, LibraryExt};
use typst_layout::PagedDocument;
use world::DocWorld;
use xuncha_domain::UnixMs;
use xuncha_domain::calendar::Day;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "找不到中文字体（需要 Noto Sans CJK 等覆盖中文的字体）。在 Debian 上安装 fonts-noto-cjk，或用 --fonts / XUNCHA_FONTS 指出字体文件或文件夹。找过：{looked}"
    )]
    FontMissing { looked: String },
    #[error("读不了字体文件 {path}：{source}")]
    FontRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The record has no such document (yet): said to the person who asked.
    #[error("{0}")]
    NotAvailable(String),
    #[error("二维码生成失败：{0}")]
    Qr(String),
    /// A template failed: a defect of this crate, with typst's words.
    #[error("文书排版失败：{0}")]
    Typeset(String),
    #[error("导出 PDF 失败：{0}")]
    Pdf(String),
}

/// A document whose words are settled, ready to typeset.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub kind: DocKind,
    template: &'static str,
    /// What the template prints (`/data.json`).
    pub data: serde_json::Value,
    /// Pictures and drawings by the path the template reads them from.
    files: Vec<(String, Vec<u8>)>,
    /// `xuncha-verify:<kind>/<id>/<hash>`, in the PDF's keywords.
    pub keyword: String,
    date: UnixMs,
}

impl Prepared {
    /// The document's number, e.g. "HY-2026-3F2A-0007".
    pub fn number(&self) -> &str {
        self.data["number"].as_str().unwrap_or_default()
    }

    /// A file name for it: "现场检查记录-HY-2026-3F2A-0007.pdf".
    pub fn file_name(&self) -> String {
        let title = self.data["title"].as_str().unwrap_or("文书");
        let number: String = self
            .number()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{title}-{number}.pdf")
    }
}

/// Typesets documents. Made once (it holds the fonts, tens of megabytes) and shared.
pub struct Renderer {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Fonts,
    sources: HashMap<FileId, Source>,
}

impl Renderer {
    pub fn new(fonts: Fonts) -> Renderer {
        let book = LazyHash::new(fonts.book.clone());
        let sources = world::TEMPLATES
            .iter()
            .filter_map(|(path, text)| {
                let id = world::file_id(path)?;
                Some((id, Source::new(id, (*text).to_owned())))
            })
            .collect();
        Renderer {
            library: LazyHash::new(Library::builder().build()),
            book,
            fonts,
            sources,
        }
    }

    /// The document as PDF.
    pub fn pdf(&self, doc: &Prepared) -> Result<Vec<u8>, Error> {
        let paged = self.typeset(doc)?;
        let options = typst_pdf::PdfOptions {
            ident: Smart::Custom(doc.keyword.clone()),
            creator: Smart::Custom(Some("xuncha 巡查".to_owned())),
            ..Default::default()
        };
        typst_pdf::pdf(&paged, &options).map_err(|d| Error::Pdf(words(&d)))
    }

    /// The document's pages as SVG, for a preview that needs no PDF viewer.
    pub fn svg_pages(&self, doc: &Prepared) -> Result<Vec<String>, Error> {
        let paged = self.typeset(doc)?;
        let options = typst_svg::SvgOptions::default();
        Ok(paged
            .pages()
            .iter()
            .map(|p| typst_svg::svg(p, &options))
            .collect())
    }

    fn typeset(&self, doc: &Prepared) -> Result<PagedDocument, Error> {
        let main = world::file_id(doc.template)
            .ok_or_else(|| Error::Typeset(format!("模板路径无效：{}", doc.template)))?;
        let mut data = doc.data.clone();
        data["fonts"] = serde_json::json!(self.fonts.families);
        data["keyword"] = serde_json::json!(doc.keyword);
        let mut files = HashMap::new();
        let json = serde_json::to_vec(&data).map_err(|e| Error::Typeset(e.to_string()))?;
        for (path, bytes) in std::iter::once(("/data.json".to_owned(), json)).chain(doc.files.iter().cloned())
        {
            let id = world::file_id(&path).ok_or_else(|| Error::Typeset(format!("文件路径无效：{path}")))?;
            files.insert(id, Bytes::new(bytes));
        }
        let day = Day::of(doc.date);
        let world = DocWorld {
            library: &self.library,
            book: &self.book,
            fonts: &self.fonts,
            main,
            sources: &self.sources,
            files,
            today: Datetime::from_ymd(day.year, day.month, day.day),
        };
        let result = typst::compile::<PagedDocument>(&world).output;
        // typst memoises across documents; keep what the last few used, not every document's.
        comemo::evict(8);
        result.map_err(|d| Error::Typeset(words(&d)))
    }
}

fn words(diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The verification keyword an uploaded PDF carries (`xuncha-verify:<kind>/<id>/<hash>`, kept
/// uncompressed in the PDF's metadata), if it is one of ours.
pub fn keyword_in_pdf(pdf: &[u8]) -> Option<String> {
    const MARK: &[u8] = b"xuncha-verify:";
    let start = pdf.windows(MARK.len()).position(|w| w == MARK)?;
    let rest = &pdf[start..];
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b':')))
        .unwrap_or(rest.len());
    String::from_utf8(rest[..end].to_vec()).ok()
}
