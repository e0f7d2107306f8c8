//! What a person reads when a photo cannot be taken in: one sentence in Chinese (`Display`) or
//! English (`Say`), naming the problem and what to do, with no library's English inside.

use std::error::Error as _;
use xuncha_core::blobs::BlobError;
use xuncha_core::photo::{OtherFormat, PhotoError};
use xuncha_domain::{Lang, Say};

/// What a library said, in the words the tests below must never find in a message.
const LIBRARY_TEXT: &str = "Premature end of JPEG file";

fn every_error() -> Vec<PhotoError> {
    let io = || std::io::Error::new(std::io::ErrorKind::PermissionDenied, LIBRARY_TEXT);
    vec![
        PhotoError::Read {
            path: "/sdcard/DCIM/河道.jpg".into(),
            source: io(),
        },
        PhotoError::Empty,
        PhotoError::UnsupportedFormat(OtherFormat::Gif),
        PhotoError::UnsupportedFormat(OtherFormat::Avif),
        PhotoError::UnsupportedFormat(OtherFormat::TiffOrRaw),
        PhotoError::UnsupportedFormat(OtherFormat::OtherIsoMedia),
        PhotoError::UnsupportedFormat(OtherFormat::Unknown),
        PhotoError::HeifNotBuilt,
        PhotoError::TooLarge {
            width: 60_000,
            height: 60_000,
            max_pixels: 200_000_000,
        },
        PhotoError::Corrupt(LIBRARY_TEXT.into()),
        PhotoError::Internal(LIBRARY_TEXT.into()),
        PhotoError::Blob(BlobError::Io {
            path: "/data/blobs/tmp".into(),
            source: io(),
        }),
    ]
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
        || ('\u{3000}'..='\u{303F}').contains(&c)
        || ('\u{FF00}'..='\u{FFEF}').contains(&c)
}

/// The Latin words a Chinese message may hold: format names, and the path it was given.
fn latin_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_photo_error_is_one_chinese_sentence_with_no_library_english() {
    let allowed = [
        "JPEG", "HEIC", "HEIF", "PNG", "WebP", "GIF", "AVIF", "TIFF", "RAW", "MB", "sdcard", "DCIM", "jpg",
        "data", "blobs", "tmp",
    ];
    for error in every_error() {
        let zh = error.to_string();
        assert_eq!(zh, error.say(Lang::Zh), "Display is the Chinese sentence");
        assert!(!zh.contains(LIBRARY_TEXT), "{error:?}: {zh}");
        for word in latin_words(&zh) {
            assert!(
                allowed.contains(&word.as_str()),
                "{error:?}: English {word:?} in {zh}"
            );
        }
        assert!(zh.chars().any(is_cjk), "{zh}");
        // One sentence: no full stop inside it, and it goes on to say what to do.
        assert!(!zh.trim_end_matches('。').contains('。'), "{zh}");
        assert!(zh.contains('：'), "names the problem, then what to do: {zh}");
    }
}

#[test]
fn every_photo_error_says_the_same_in_english() {
    for error in every_error() {
        let en = error.say(Lang::En);
        assert!(!en.chars().any(is_cjk) || en.contains("河道"), "{error:?}: {en}");
        assert!(!en.contains(LIBRARY_TEXT), "{error:?}: {en}");
        assert!(en.starts_with(|c: char| c.is_ascii_uppercase()), "{en}");
        assert!(!en.contains(". "), "one sentence: {en}");
        assert!(en.contains(": "), "names the problem, then what to do: {en}");
    }
}

#[test]
fn the_library_account_stays_for_developers() {
    let read = &every_error()[0];
    assert_eq!(
        read.source().map(ToString::to_string).as_deref(),
        Some(LIBRARY_TEXT),
        "the I/O error is the source"
    );
    let corrupt = PhotoError::Corrupt(LIBRARY_TEXT.into());
    assert!(
        format!("{corrupt:?}").contains(LIBRARY_TEXT),
        "Debug keeps the decoder's words"
    );
}

#[test]
fn the_words_name_what_is_wrong() {
    let gif = PhotoError::UnsupportedFormat(OtherFormat::Gif);
    assert_eq!(
        gif.to_string(),
        "这个文件是 GIF 动图，应用只能添加 JPEG、HEIC、PNG 或 WebP 格式的照片：请先把它转换成 JPEG 再添加"
    );
    assert_eq!(
        gif.say(Lang::En),
        "This file is a GIF animation, and the app takes JPEG, HEIC, PNG or WebP photos only: convert it to JPEG first"
    );
    let bomb = PhotoError::TooLarge {
        width: 60_000,
        height: 60_000,
        max_pixels: 200_000_000,
    };
    assert!(
        bomb.to_string().contains("60000×60000") && bomb.to_string().contains("200 百万像素"),
        "{bomb}"
    );
    assert!(
        bomb.say(Lang::En).contains("limit of 200 megapixels"),
        "{}",
        bomb.say(Lang::En)
    );
    let heic = PhotoError::HeifNotBuilt.to_string();
    assert!(heic.contains("HEIC") && heic.contains("兼容性最佳"), "{heic}");
}

/// A request's own input that cannot be used (a file that is not base64, a signature that is no
/// PNG, a server address that is not http) is `invalid_input`, like a payload that fails the
/// domain's checks: the caller must fix it (the CLI exits 3), and it is said in either language.
#[test]
fn bad_input_outside_the_domain_is_invalid_input() {
    use xuncha_core::api::{Device, Request, system_clock};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = xuncha_core::Store::open_in_memory().expect("store");
    let blobs = xuncha_core::blobs::BlobStore::open(dir.path().join("blobs")).expect("blobs");
    let device = Device::with_store(store, system_clock()).with_blobs(blobs);
    for (request, en) in [
        (
            Request::PutSignature {
                png_base64: "not base64!".into(),
            },
            "The signature image is not valid base64",
        ),
        (
            Request::PutSignature {
                png_base64: "R0lGODlh".into(),
            },
            "The signature image must be a PNG",
        ),
        (
            Request::ImportPhoto {
                bytes_base64: "%%%".into(),
                device_fix: None,
                utc_offset_min: None,
            },
            "The photo is not valid base64",
        ),
        (
            Request::Enrol {
                server_url: "ftp://example.org".into(),
                login: "zhang".into(),
                password: "x".into(),
                device_name: "test".into(),
            },
            "The server address \"ftp://example.org\" must start with http:// or https://",
        ),
    ] {
        let e = device.handle(request).expect_err("bad input is refused");
        assert_eq!(e.code(), "invalid_input", "{e}");
        assert!(e.is_invalid_input(), "{e}");
        assert!(e.say(Lang::En).starts_with(en), "{}", e.say(Lang::En));
        assert!(e.to_string().chars().any(is_cjk), "{e}");
    }
}
