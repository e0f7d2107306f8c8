//! Opening a PDF the way an office or a court clerk would, with poppler and zbar (Debian's
//! poppler-utils and zbar-tools, installed by scripts/setup.sh): its text, its fonts, a
//! rendered page kept to be looked at, and its QR code read back.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} (poppler-utils / zbar-tools, from scripts/setup.sh): {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Where rendered pages are kept: `target/screenshots/docs/`.
pub fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots/docs");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What poppler and zbar found in a PDF.
pub struct Opened {
    /// pdftotext's text, in layout.
    pub text: String,
    /// The QR code on the last page, decoded.
    pub qr: String,
}

/// Opens `pdf` with poppler: asserts pdftotext finds every one of `words`, pdffonts lists a Noto
/// Sans CJK font and every such font is embedded; renders the first page to
/// `target/screenshots/docs/<name>.png`; reads the QR code of the last page with zbarimg.
pub fn open_with_poppler(pdf: &[u8], name: &str, words: &[&str]) -> Opened {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.pdf"));
    std::fs::write(&file, pdf).unwrap();
    let f = file.to_str().unwrap();

    let text = run("pdftotext", &["-layout", f, "-"]);
    for w in words {
        assert!(
            text.contains(w),
            "{name}: pdftotext does not find {w:?} in:\n{text}"
        );
    }

    let fonts = run("pdffonts", &[f]);
    let cjk: Vec<&str> = fonts.lines().filter(|l| l.contains("NotoSansCJK")).collect();
    assert!(!cjk.is_empty(), "{name}: no Noto Sans CJK font in:\n{fonts}");
    for line in &cjk {
        // Columns: name, type…, encoding, emb, sub, uni, object, generation.
        let cols: Vec<&str> = line.split_whitespace().collect();
        let emb = cols.len().checked_sub(5).map(|i| cols[i]);
        assert_eq!(emb, Some("yes"), "{name}: the CJK font is not embedded:\n{fonts}");
    }

    let first = screenshots().join(name);
    run(
        "pdftoppm",
        &[
            "-r",
            "110",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            f,
            first.to_str().unwrap(),
        ],
    );
    assert!(first.with_extension("png").is_file());

    let pages = run("pdfinfo", &[f])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().to_owned()))
        .expect("pdfinfo gives the page count");
    let last = dir.path().join("last");
    run(
        "pdftoppm",
        &[
            "-r",
            "200",
            "-png",
            "-singlefile",
            "-f",
            &pages,
            "-l",
            &pages,
            f,
            last.to_str().unwrap(),
        ],
    );
    let png = last.with_extension("png");
    let qr = run(
        "zbarimg",
        &[
            "--quiet",
            "--raw",
            "-Sdisable",
            "-Sqrcode.enable",
            png.to_str().unwrap(),
        ],
    );
    Opened {
        text,
        qr: qr.trim().to_owned(),
    }
}

/// A signature as a phone's signature pad gives it: a few strokes on a transparent 300×120 PNG,
/// different for each `seed`.
pub fn signature_png(seed: u32) -> Vec<u8> {
    let mut img = image::RgbaImage::new(300, 120);
    for x in 20..280u32 {
        let y = 60.0 + 30.0 * ((f64::from(x) + f64::from(seed) * 7.0) / 23.0).sin();
        for dy in 0..3 {
            img.put_pixel(x, (y as u32 + dy).min(119), image::Rgba([20, 20, 90, 255]));
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}
