//! The fonts documents are set in, loaded once. A document is Chinese, so at least one face
//! must cover Chinese; without one there is a clear error that names the font and where it was
//! looked for, never a PDF of empty boxes.

use crate::Error;
use std::path::{Path, PathBuf};
use typst::foundations::Bytes;
use typst::text::{Font, FontBook};

/// Where the system keeps a CJK font: Debian's fonts-noto-cjk first (the server's), then the
/// phones' and desktops' own.
const SYSTEM_CJK: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/system/fonts/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/Core/PingFang.ttc",
    "C:\\Windows\\Fonts\\msyh.ttc",
    "C:\\Windows\\Fonts\\msyhbd.ttc",
];

/// Families preferred for Chinese text, in order; whichever of them are loaded are asked for
/// first, so a document looks the same wherever Noto Sans CJK is installed.
const PREFERRED: &[&str] = &["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei"];

/// The loaded faces and what typst knows of them.
pub struct Fonts {
    pub(crate) faces: Vec<Font>,
    pub(crate) book: FontBook,
    /// The families to ask for, Chinese-covering ones first.
    pub(crate) families: Vec<String>,
}

impl Fonts {
    /// The fonts at `path` (a font file, or a folder of them) or, when `None`, the system's CJK
    /// font from the places it is usually installed.
    pub fn load(path: Option<&Path>) -> Result<Fonts, Error> {
        let files: Vec<PathBuf> = match path {
            Some(p) if p.is_dir() => font_files_in(p)?,
            Some(p) => vec![p.to_path_buf()],
            None => SYSTEM_CJK
                .iter()
                .map(PathBuf::from)
                .filter(|p| p.is_file())
                .collect(),
        };
        let looked = match path {
            Some(p) => p.display().to_string(),
            None => SYSTEM_CJK.join(", "),
        };
        let mut faces = Vec::new();
        for file in &files {
            let data = std::fs::read(file).map_err(|source| Error::FontRead {
                path: file.clone(),
                source,
            })?;
            faces.extend(Font::iter(Bytes::new(data)));
        }
        let covers_chinese = |f: &Font| f.info().coverage.contains('中' as u32);
        let mut cjk: Vec<String> = Vec::new();
        for face in faces.iter().filter(|f| covers_chinese(f)) {
            let family = face.info().family.clone();
            if !cjk.contains(&family) {
                cjk.push(family);
            }
        }
        if cjk.is_empty() {
            return Err(Error::FontMissing { looked });
        }
        cjk.sort_by_key(|f| PREFERRED.iter().position(|p| p == f).unwrap_or(PREFERRED.len()));
        let book = FontBook::from_fonts(&faces);
        Ok(Fonts {
            faces,
            book,
            families: cjk,
        })
    }

    /// The families documents ask for, first to last.
    pub fn families(&self) -> &[String] {
        &self.families
    }
}

fn font_files_in(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let read = |p: &Path| {
        std::fs::read_dir(p).map_err(|source| Error::FontRead {
            path: p.to_path_buf(),
            source,
        })
    };
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    // One level of sub-folders, like /usr/share/fonts/opentype/noto.
    for depth in 0..2 {
        let mut next = Vec::new();
        for d in dirs {
            for entry in read(&d)?.flatten() {
                let p = entry.path();
                if p.is_dir() && depth == 0 {
                    next.push(p);
                } else if is_font_file(&p) {
                    files.push(p);
                }
            }
        }
        dirs = next;
    }
    files.sort();
    Ok(files)
}

fn is_font_file(p: &Path) -> bool {
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    matches!(ext.as_deref(), Some("ttf" | "otf" | "ttc" | "otc"))
}
