//! Fuzzing of everything a device reads from outside, as proptest harnesses that run in the test
//! command for a bounded number of cases: real files (a camera JPEG with rich EXIF, a GPX
//! recording, a signed event as JSON) damaged at random — bytes flipped, cut, repeated or
//! inserted — must give a value or a clear error, never a panic, a hang or an unbounded
//! allocation. A longer run: `PROPTEST_CASES=20000 cargo test -p xuncha-core --test
//! fuzz_inputs --release`. A crash found becomes a named test below.

use proptest::prelude::*;
use xuncha_core::gpx::read_gpx;
use xuncha_core::photo::{CaptureContext, IngestOptions, ingest_bytes};
use xuncha_domain::payload::{Payload, TrackPointsAppended};
use xuncha_domain::testkit::SimDevice;
use xuncha_domain::{Event, PatrolId, TrackPoint, UnixMs, verify_chain};

use xuncha_testsupport::fixtures::read as fixture;

/// One damage to a file.
#[derive(Clone, Debug)]
enum Damage {
    Flip { at: usize, mask: u8 },
    Cut { at: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Repeat { from: usize, len: usize },
    Zero { from: usize, len: usize },
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => (any::<usize>(), 1u8..=255).prop_map(|(at, mask)| Damage::Flip { at, mask }),
        1 => any::<usize>().prop_map(|at| Damage::Cut { at }),
        2 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Damage::Insert { at, bytes }),
        1 => (any::<usize>(), 1usize..4096).prop_map(|(from, len)| Damage::Repeat { from, len }),
        1 => (any::<usize>(), 1usize..64).prop_map(|(from, len)| Damage::Zero { from, len }),
    ]
}

fn damaged(original: &[u8], damages: &[Damage]) -> Vec<u8> {
    let mut b = original.to_vec();
    for d in damages {
        if b.is_empty() {
            break;
        }
        let n = b.len();
        match d {
            Damage::Flip { at, mask } => b[at % n] ^= mask,
            Damage::Cut { at } => b.truncate(at % n),
            Damage::Insert { at, bytes } => {
                let at = at % n;
                b.splice(at..at, bytes.iter().copied());
            }
            Damage::Repeat { from, len } => {
                let from = from % n;
                let end = (from + len).min(n);
                let piece = b[from..end].to_vec();
                b.splice(end..end, piece);
            }
            Damage::Zero { from, len } => {
                let from = from % n;
                let end = (from + len).min(n);
                b[from..end].fill(0);
            }
        }
    }
    b
}

/// Small derivatives and a pixel limit keep each case fast and bounded.
fn options() -> IngestOptions {
    IngestOptions {
        upload_long_side_px: 320,
        thumbnail_long_side_px: 64,
        max_pixels: 20_000_000,
        ..IngestOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_damaged_camera_photo_gives_a_photo_or_an_error(damages in prop::collection::vec(damage(), 1..6)) {
        xuncha_testsupport::require_fixtures!(Ok(()));
        // Tiny, with rich maker notes: much EXIF to break in few bytes.
        let original = fixture("photos/cameras/Pentax_K10D.jpg");
        let bytes = damaged(&original, &damages);
        if let Ok(photo) = ingest_bytes(bytes, &CaptureContext::default(), &options()) {
            prop_assert!(photo.upload.width <= 320 && photo.upload.height <= 320);
            prop_assert!((1..=8).contains(&photo.orientation));
        }
    }

    #[test]
    fn a_damaged_gps_photo_keeps_a_position_on_the_earth_or_none(damages in prop::collection::vec(damage(), 1..4)) {
        xuncha_testsupport::require_fixtures!(Ok(()));
        let original = fixture("photos/gps/DSCN0010.jpg");
        // Damage only the EXIF (the first 16 KiB), where the position is.
        let head = original.len().min(16 * 1024);
        let mut bytes = damaged(&original[..head], &damages);
        bytes.extend_from_slice(&original[head..]);
        if let Ok(photo) = ingest_bytes(bytes, &CaptureContext::default(), &options())
            && let Some(p) = photo.position
        {
            prop_assert!(p.check().is_ok(), "{p:?}");
        }
    }

    #[test]
    fn a_damaged_gpx_gives_a_track_or_an_error(damages in prop::collection::vec(damage(), 1..6)) {
        xuncha_testsupport::require_fixtures!(Ok(()));
        let original = fixture("gpx/cerknicko-jezero.gpx");
        let bytes = damaged(&original, &damages);
        if let Ok(file) = read_gpx(&bytes)
            && let Ok(import) = file.track_import()
        {
            for p in &import.points {
                prop_assert!(p.position().check().is_ok());
            }
            prop_assert!(!import.points.first().is_some_and(|p| p.gap_before));
        }
    }

    #[test]
    fn a_damaged_event_is_read_as_an_event_or_refused_and_never_verifies_altered(
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let mut phone = SimDevice::new(7);
        let patrol = PatrolId::new();
        let event = phone.make(
            Payload::TrackPointsAppended(TrackPointsAppended {
                patrol,
                points: vec![TrackPoint::at(UnixMs(1_780_000_000_000), 114.1, 30.6)],
                untimed: Vec::new(),
            }),
            UnixMs(1_780_000_000_000),
        );
        let json = serde_json::to_vec(&event).expect("json");
        let bytes = damaged(&json, &damages);
        if let Ok(read) = serde_json::from_slice::<Event>(&bytes) {
            let verified = verify_chain(phone.device, &phone.public_key(), None, std::slice::from_ref(&read));
            // Whatever still parses verifies only if it is the very event that was signed.
            if verified.is_ok() {
                prop_assert_eq!(serde_json::to_value(&read).expect("json"), serde_json::to_value(&event).expect("json"));
            }
        }
    }
}
