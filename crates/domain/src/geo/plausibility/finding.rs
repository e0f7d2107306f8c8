//! A finding's photos against the finding's own place: evidence photos should be taken where
//! the finding was reported, and a rectification photographed where the problem was. No track
//! is needed, so this works for findings of inspections as well as of patrols. Like every
//! plausibility flag these are for a person to look at and change nothing.

use super::{FlagCode, FlagScope, PlausibilityFlag, distance_words, flag};
use crate::geo::geodesic_distance_m;
use crate::payload::{PhotoRole, PositionSource};
use crate::position::Position;
use crate::state::FindingState;
use serde::{Deserialize, Serialize};

/// A photo of a finding as these checks need it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingPhoto {
    pub role: PhotoRole,
    /// Where the photo's EXIF says it was taken; `None` when the camera wrote no position (a
    /// device fix says where the phone was when the photo was attached, not where it was taken).
    pub position: Option<Position>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingPhotoRules {
    /// An evidence photo farther than this from the finding's reported place is flagged.
    pub photo_max_distance_m: f64,
    /// An after-rectification photo farther than this from every original photo and from the
    /// finding's reported place is flagged.
    pub after_photo_max_distance_m: f64,
}

impl Default for FindingPhotoRules {
    fn default() -> Self {
        Self {
            photo_max_distance_m: 200.0,
            after_photo_max_distance_m: 200.0,
        }
    }
}

/// The flags of a finding's photos, each scoped to the photo's index in `finding.photos`. A
/// photo counts as taken after rectification when its role says so or when the rectification
/// lists it among its after photos.
pub fn check_finding(finding: &FindingState, rules: &FindingPhotoRules) -> Vec<PlausibilityFlag> {
    let listed_after = |hash| {
        finding
            .rectification
            .as_ref()
            .is_some_and(|r| r.after_photos.contains(&hash))
    };
    let photos: Vec<FindingPhoto> = finding
        .photos
        .iter()
        .map(|ph| FindingPhoto {
            role: if listed_after(ph.original) || ph.upload.is_some_and(listed_after) {
                PhotoRole::AfterRectification
            } else {
                ph.role
            },
            position: ph.position.filter(|_| ph.position_source == PositionSource::Exif),
        })
        .collect();
    check_finding_photos(finding.location, &photos, rules)
}

/// The flags of a finding's `photos` given where the finding was reported (`location`), each
/// scoped to the photo's index in `photos`:
///
/// - `photo_far_from_finding`: an evidence photo taken farther than the rule from `location`.
///   Seizure photos are left out: seized gear is often photographed where it is kept.
/// - `after_photo_far_from_original`: an after-rectification photo taken farther than the rule
///   from the nearest of the evidence photos' places and `location` (the nearest, so that one
///   misplaced original does not make an honest rectification look far).
///
/// Photos without an EXIF position, and invalid positions, are not judged.
pub fn check_finding_photos(
    location: Option<Position>,
    photos: &[FindingPhoto],
    rules: &FindingPhotoRules,
) -> Vec<PlausibilityFlag> {
    let valid = |p: Option<Position>| p.filter(|p| p.check().is_ok());
    let location = valid(location);
    let originals: Vec<Position> = photos
        .iter()
        .filter(|ph| ph.role == PhotoRole::Evidence)
        .filter_map(|ph| valid(ph.position))
        .collect();
    let mut flags = Vec::new();
    for (index, photo) in photos.iter().enumerate() {
        let Some(at) = valid(photo.position) else {
            continue;
        };
        let scope = FlagScope::Photo { index };
        match photo.role {
            PhotoRole::Evidence => {
                let Some(place) = location else { continue };
                let d = geodesic_distance_m(place, at);
                if d > rules.photo_max_distance_m {
                    let (zh, en) = distance_words(d);
                    flags.push(flag(
                        FlagCode::PhotoFarFromFinding,
                        scope,
                        format!("问题照片拍摄地点距问题上报位置 {zh}，可能不是在问题现场所拍"),
                        format!("photo of the finding taken {en} from where the finding was reported"),
                    ));
                }
            }
            PhotoRole::AfterRectification => {
                let nearest_original = originals
                    .iter()
                    .map(|&o| geodesic_distance_m(o, at))
                    .fold(f64::INFINITY, f64::min);
                let from_location = location.map_or(f64::INFINITY, |l| geodesic_distance_m(l, at));
                let d = nearest_original.min(from_location);
                if d.is_finite() && d > rules.after_photo_max_distance_m {
                    let (zh, en) = distance_words(d);
                    let (spot_zh, spot_en) = if nearest_original <= from_location {
                        ("原问题照片拍摄处", "the original photos' spot")
                    } else {
                        ("问题上报位置", "where the finding was reported")
                    };
                    flags.push(flag(
                        FlagCode::AfterPhotoFarFromOriginal,
                        scope,
                        format!("整改后照片拍摄地点距{spot_zh} {zh}，可能不是在原处整改"),
                        format!("after-rectification photo taken {en} from {spot_en}"),
                    ));
                }
            }
            PhotoRole::Seizure => {}
        }
    }
    flags
}
