//! Over 500 lines: the flags on the track and on the photos, with the rules and the words for each.
//! Plausibility flags on a patrol's raw track and its photos: signs that a track was faked,
//! replayed or recorded somewhere else than claimed. Each flag has a stable `code` for the
//! wire and the office's filters, a scope (the whole patrol, one fix, one photo) and a
//! Chinese-first explanation with the figures that raised it. Flags are for a person to look
//! at: they never change or drop anything, and one flag alone proves nothing.
//!
//! Run it on the raw fixes as recorded (not the cleaned track): cleaning removes exactly the
//! jumps this module is meant to show. A finding's photos are compared with the finding's own
//! place in [`finding`] (`check_finding`), with no track at all.

mod finding;

pub use finding::{FindingPhoto, FindingPhotoRules, check_finding, check_finding_photos};

use super::clean::{CleanedTrack, CleaningRules, TravelMode, clean_track, implied_speed_mps};
use super::frame::LocalFrame;
use super::{fix_distance_m, geodesic_distance_m, haversine_distance_m, time_order};
use crate::payload::{PhotoRole, PositionSource};
use crate::position::{FixProvider, Position, TrackPoint};
use crate::state::PhotoInfo;
use crate::time::UnixMs;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagCode {
    /// The operating system marked fixes as coming from a mock-location app, or they were
    /// replayed from a file.
    MockLocation,
    /// Fixes claiming an accuracy of exactly 0 m, which no real receiver reports.
    ZeroAccuracy,
    /// A jump between consecutive fixes that no vehicle of the patrol could make.
    TeleportJump,
    /// A sizeable share of the patrol moved faster than its declared mode allows.
    SpeedAboveMode,
    /// Identical intervals with no jitter at all: the signature of a generated or replayed track.
    RegularTiming,
    /// A photo's EXIF place is far from where the track was when the photo was taken, or, for a
    /// photo taken outside the track's time, far from every part of the track.
    PhotoFarFromTrack,
    /// A photo's EXIF time lies well outside the track's time span.
    PhotoOutsideTrackTime,
    /// A finding's photo was taken far from where the finding was reported.
    PhotoFarFromFinding,
    /// An after-rectification photo was taken far from the finding's original photos and its
    /// reported place: the rectification may have been photographed somewhere else.
    AfterPhotoFarFromOriginal,
}

impl FlagCode {
    /// Every code, in the order above (for documents and filters that list them).
    pub const ALL: [FlagCode; 9] = [
        FlagCode::MockLocation,
        FlagCode::ZeroAccuracy,
        FlagCode::TeleportJump,
        FlagCode::SpeedAboveMode,
        FlagCode::RegularTiming,
        FlagCode::PhotoFarFromTrack,
        FlagCode::PhotoOutsideTrackTime,
        FlagCode::PhotoFarFromFinding,
        FlagCode::AfterPhotoFarFromOriginal,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FlagCode::MockLocation => "mock_location",
            FlagCode::ZeroAccuracy => "zero_accuracy",
            FlagCode::TeleportJump => "teleport_jump",
            FlagCode::SpeedAboveMode => "speed_above_mode",
            FlagCode::RegularTiming => "regular_timing",
            FlagCode::PhotoFarFromTrack => "photo_far_from_track",
            FlagCode::PhotoOutsideTrackTime => "photo_outside_track_time",
            FlagCode::PhotoFarFromFinding => "photo_far_from_finding",
            FlagCode::AfterPhotoFarFromOriginal => "after_photo_far_from_original",
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FlagScope {
    Patrol,
    /// One fix: its index in the input.
    Point {
        index: usize,
    },
    /// One photo: its index in the input.
    Photo {
        index: usize,
    },
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlausibilityFlag {
    pub code: FlagCode,
    pub scope: FlagScope,
    pub label_zh: String,
    pub label_en: String,
}

/// Where and when a photo says it was taken (from its EXIF).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhotoFix {
    pub taken_at: UnixMs,
    pub position: Position,
}

impl PhotoFix {
    /// A photo of a patrol or of one of its findings as the track check sees it: only when its
    /// EXIF gave both a time and a place (a device fix says where the phone was when the photo
    /// was attached, which proves nothing about the photo), and never an after-rectification
    /// photo, which is taken days later by design.
    pub fn for_track(photo: &PhotoInfo) -> Option<PhotoFix> {
        if photo.position_source != PositionSource::Exif || photo.role == PhotoRole::AfterRectification {
            return None;
        }
        Some(PhotoFix {
            taken_at: photo.taken_at?,
            position: photo.position?,
        })
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlausibilityRules {
    pub mode: TravelMode,
    /// A jump is a teleport when it is at least this long…
    pub teleport_min_m: f64,
    /// …and its implied speed is more than this many times the mode's maximum.
    pub teleport_speed_factor: f64,
    /// Share of the track's duration above the mode's speed that raises `speed_above_mode`.
    pub speed_above_mode_min_share: f64,
    /// Timing is examined only on tracks with at least this many intervals.
    pub regular_min_intervals: usize,
    /// A photo farther than this from the track's position at its time is flagged.
    pub photo_max_distance_m: f64,
    /// A photo taken longer than this before the first or after the last fix is flagged.
    pub photo_max_time_outside_s: f64,
    pub assumed_accuracy_m: f64,
}

impl PlausibilityRules {
    pub fn for_mode(mode: TravelMode) -> Self {
        Self {
            mode,
            teleport_min_m: 300.0,
            teleport_speed_factor: 3.0,
            speed_above_mode_min_share: 0.1,
            regular_min_intervals: 60,
            photo_max_distance_m: 200.0,
            photo_max_time_outside_s: 300.0,
            assumed_accuracy_m: 10.0,
        }
    }
}

fn flag(code: FlagCode, scope: FlagScope, label_zh: String, label_en: String) -> PlausibilityFlag {
    PlausibilityFlag {
        code,
        scope,
        label_zh,
        label_en,
    }
}

/// All flags for a patrol's raw `points` (any order) and its `photos`: per-fix and per-photo
/// flags first, then one patrol-level summary per code that fired on fixes.
pub fn check_plausibility(
    points: &[TrackPoint],
    photos: &[PhotoFix],
    rules: &PlausibilityRules,
) -> Vec<PlausibilityFlag> {
    let all = time_order(points);
    let order: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| points[i].check().is_ok())
        .collect();
    let mut flags = Vec::new();
    let mut per_code: HashMap<FlagCode, usize> = HashMap::new();
    let mut point_flag = |flags: &mut Vec<PlausibilityFlag>, code, index, zh, en| {
        *per_code.entry(code).or_default() += 1;
        flags.push(flag(code, FlagScope::Point { index }, zh, en));
    };

    for &i in &order {
        let p = &points[i];
        if p.mock || p.provider == FixProvider::Replay {
            point_flag(
                &mut flags,
                FlagCode::MockLocation,
                i,
                "该定位点来自模拟定位软件或文件回放".into(),
                "fix came from a mock-location app or a replayed file".into(),
            );
        }
        if p.accuracy_m == Some(0.0) {
            point_flag(
                &mut flags,
                FlagCode::ZeroAccuracy,
                i,
                "该定位点声称精度为 0 米，真实卫星定位不会如此".into(),
                "fix claims 0 m accuracy, which no real receiver reports".into(),
            );
        }
    }
    // A fix with `gap_before` starts a new recorded segment; nothing was recorded in between,
    // so a move across the gap is no jump. Counted over every fix in time order, so that a gap
    // marked on a fix left out as invalid still separates the fixes either side of it.
    let mut segment_of = vec![0usize; points.len()];
    let mut segment = 0;
    for (position, &i) in all.iter().enumerate() {
        if position > 0 && points[i].gap_before {
            segment += 1;
        }
        segment_of[i] = segment;
    }
    let teleport_mps = rules.mode.max_speed_mps() * rules.teleport_speed_factor;
    for w in order.windows(2) {
        if segment_of[w[0]] != segment_of[w[1]] {
            continue;
        }
        let (a, b) = (&points[w[0]], &points[w[1]]);
        let d_m = fix_distance_m(a, b);
        let v = implied_speed_mps(a, b, rules.assumed_accuracy_m);
        if d_m >= rules.teleport_min_m && v > teleport_mps {
            let dt_s = b.t.seconds_since(a.t);
            point_flag(
                &mut flags,
                FlagCode::TeleportJump,
                w[1],
                format!(
                    "定位在 {dt_s:.0} 秒内跳跃 {d_m:.0} 米（约 {:.0} 公里/小时），{}不可能达到",
                    v * 3.6,
                    rules.mode.label_zh()
                ),
                format!("fix jumped {d_m:.0} m in {dt_s:.0} s (about {:.0} km/h)", v * 3.6),
            );
        }
    }

    for (code, count) in [
        FlagCode::MockLocation,
        FlagCode::ZeroAccuracy,
        FlagCode::TeleportJump,
    ]
    .into_iter()
    .filter_map(|c| per_code.get(&c).map(|&n| (c, n)))
    {
        let (zh, en) = match code {
            FlagCode::MockLocation => (
                format!("本次巡查有 {count} 个定位点来自模拟定位或回放"),
                format!("{count} fixes came from a mock-location app or a replay"),
            ),
            FlagCode::ZeroAccuracy => (
                format!("本次巡查有 {count} 个定位点精度为 0 米，疑似伪造"),
                format!("{count} fixes claim 0 m accuracy"),
            ),
            _ => (
                format!("本次巡查轨迹有 {count} 处瞬移式跳点"),
                format!("{count} teleport-like jumps in the track"),
            ),
        };
        flags.push(flag(code, FlagScope::Patrol, zh, en));
    }

    let ordered: Vec<TrackPoint> = order.iter().map(|&i| points[i]).collect();
    // Speeds and where-was-the-track-when are judged on the cleaned track, so that a single
    // receiver jump neither raises a speed flag nor decides where a photo should have been.
    let cleaned = clean_track(&ordered, &CleaningRules::for_mode(rules.mode));
    flags.extend(speed_above_mode(&cleaned, rules));
    flags.extend(regular_timing(&ordered, rules));
    for (index, photo) in photos.iter().enumerate() {
        photo_flags(&cleaned.points, index, photo, rules, &mut flags);
    }
    flags
}

fn speed_above_mode(cleaned: &CleanedTrack, rules: &PlausibilityRules) -> Option<PlausibilityFlag> {
    let duration_s = cleaned.points.last()?.t.seconds_since(cleaned.points.first()?.t);
    let over_s = cleaned.over_speed_s();
    let share = if duration_s > 0.0 {
        over_s / duration_s
    } else {
        0.0
    };
    let fastest_mps = cleaned
        .over_speed
        .iter()
        .map(|s| s.mean_speed_mps)
        .fold(0.0, f64::max);
    (share >= rules.speed_above_mode_min_share).then(|| {
        flag(
            FlagCode::SpeedAboveMode,
            FlagScope::Patrol,
            format!(
                "轨迹有 {:.0}% 的时间速度超过{}上限（{:.0} 公里/小时），最快一段约 {:.0} 公里/小时，巡查方式可能与申报不符",
                share * 100.0,
                rules.mode.label_zh(),
                rules.mode.max_speed_mps() * 3.6,
                fastest_mps * 3.6
            ),
            format!(
                "{:.0}% of the track is faster than {:?} allows; fastest stretch about {:.0} km/h",
                share * 100.0,
                rules.mode,
                fastest_mps * 3.6
            ),
        )
    })
}

/// Real receivers jitter: fix times wander by milliseconds or the interval changes when the
/// phone sleeps, and accuracy and step length change from fix to fix. A track whose intervals
/// are all identical *and* whose accuracy never changes or whose steps are all the same length
/// was most likely generated or replayed. Identical intervals alone are not enough, because
/// many GNSS chips stamp fixes on whole seconds.
fn regular_timing(ordered: &[TrackPoint], rules: &PlausibilityRules) -> Option<PlausibilityFlag> {
    if ordered.len() < rules.regular_min_intervals + 1 {
        return None;
    }
    let intervals: Vec<i64> = ordered.windows(2).map(|w| w[1].t.0 - w[0].t.0).collect();
    let mut tally: HashMap<i64, usize> = HashMap::new();
    for &d in &intervals {
        *tally.entry(d).or_default() += 1;
    }
    let (&modal_ms, &modal_n) = tally.iter().max_by_key(|&(_, n)| *n)?;
    let modal_share = modal_n as f64 / intervals.len() as f64;
    if modal_share < 0.99 {
        return None;
    }
    // Fixes that report no accuracy at all (GPX files, some receivers) say nothing either way.
    let first_accuracy = ordered[0].accuracy_m;
    let constant_accuracy =
        first_accuracy.is_some() && ordered.iter().all(|p| p.accuracy_m == first_accuracy);
    let steps: Vec<f64> = ordered.windows(2).map(|w| fix_distance_m(&w[0], &w[1])).collect();
    let mean = steps.iter().sum::<f64>() / steps.len() as f64;
    let var = steps.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / steps.len() as f64;
    let constant_steps = mean > 0.0 && var.sqrt() / mean < 0.01;
    if !(constant_accuracy || constant_steps) {
        return None;
    }
    let evidence_zh = match (constant_accuracy, constant_steps) {
        (true, true) => "精度值始终不变、每步距离也完全相同",
        (true, false) => "精度值始终不变",
        _ => "每步距离完全相同",
    };
    Some(flag(
        FlagCode::RegularTiming,
        FlagScope::Patrol,
        format!(
            "{:.1}% 的定位间隔都恰好是 {} 毫秒，且{}，没有真实定位应有的抖动，疑似回放或生成的轨迹",
            modal_share * 100.0,
            modal_ms,
            evidence_zh
        ),
        format!(
            "{:.1}% of intervals are exactly {modal_ms} ms with no jitter (constant accuracy: {constant_accuracy}, constant steps: {constant_steps}): likely replayed or generated",
            modal_share * 100.0
        ),
    ))
}

/// A time span in the unit a person would use for it: minutes up to three hours, then hours,
/// days, months, years (a camera with a wrong clock can be years off).
fn time_span_words(seconds: f64) -> (String, String) {
    let minutes = seconds / 60.0;
    let hours = minutes / 60.0;
    let days = hours / 24.0;
    if minutes < 180.0 {
        (format!("{minutes:.0} 分钟"), format!("{minutes:.0} min"))
    } else if hours < 48.0 {
        (format!("{hours:.0} 小时"), format!("{hours:.0} h"))
    } else if days < 60.0 {
        (format!("{days:.0} 天"), format!("{days:.0} days"))
    } else if days < 730.0 {
        let months = days / 30.44;
        (
            format!("约 {months:.0} 个月"),
            format!("about {months:.0} months"),
        )
    } else {
        let years = days / 365.25;
        (format!("约 {years:.0} 年"), format!("about {years:.0} years"))
    }
}

/// A distance in the unit a person would use for it: metres up to 10 km, then kilometres (a
/// photo from a wrong place can be a continent away).
fn distance_words(metres: f64) -> (String, String) {
    if metres < 10_000.0 {
        (format!("{metres:.0} 米"), format!("{metres:.0} m"))
    } else {
        let km = metres / 1_000.0;
        (format!("约 {km:.0} 公里"), format!("about {km:.0} km"))
    }
}

/// The flags of one photo. A photo inside the track's time is compared with where the track was
/// then; a photo outside it is flagged for its time and, since there is no "then" on the track
/// to compare with, its place is compared with the track as a whole — both can be true at once
/// (a photo from years ago and another province), and both are said.
fn photo_flags(
    track: &[TrackPoint],
    index: usize,
    photo: &PhotoFix,
    rules: &PlausibilityRules,
    flags: &mut Vec<PlausibilityFlag>,
) {
    let (Some(first), Some(last)) = (track.first(), track.last()) else {
        return;
    };
    let t = photo.taken_at;
    let (outside_s, before) = if t < first.t {
        (first.t.seconds_since(t), true)
    } else if t > last.t {
        (t.seconds_since(last.t), false)
    } else {
        (0.0, false)
    };
    let scope = FlagScope::Photo { index };
    let off_time = outside_s > rules.photo_max_time_outside_s;
    if off_time {
        let (zh, en) = time_span_words(outside_s);
        let (label_zh, label_en) = if before {
            (
                format!("照片拍摄于巡查开始前 {zh}，请核对是否为本次巡查所拍"),
                format!("photo taken {en} before the patrol started: check it belongs to this patrol"),
            )
        } else {
            (
                format!("照片拍摄于巡查结束后 {zh}，请核对是否为本次巡查所拍"),
                format!("photo taken {en} after the patrol ended: check it belongs to this patrol"),
            )
        };
        flags.push(flag(FlagCode::PhotoOutsideTrackTime, scope, label_zh, label_en));
    }
    if photo.position.check().is_err() {
        return;
    }
    let far = if off_time {
        distance_to_track_m(track, photo.position)
            .filter(|&d| d > rules.photo_max_distance_m)
            .map(|d| {
                let (zh, en) = distance_words(d);
                (
                    format!(
                        "照片拍摄地点距整条巡查轨迹最近处也有 {zh}（拍摄时间不在巡查时段内，已与整条轨迹比较），可能不是巡查途中所拍"
                    ),
                    format!(
                        "photo taken {en} from the nearest point of the whole track (its time is outside the patrol, so it was compared with the whole track)"
                    ),
                )
            })
    } else {
        distance_at_time_m(track, photo)
            .filter(|&d| d > rules.photo_max_distance_m)
            .map(|d| {
                let (zh, en) = distance_words(d);
                (
                    format!("照片拍摄地点距该时刻的巡查轨迹 {zh}，可能不是巡查途中所拍"),
                    format!("photo taken {en} from where the track was at that time"),
                )
            })
    };
    if let Some((label_zh, label_en)) = far {
        flags.push(flag(FlagCode::PhotoFarFromTrack, scope, label_zh, label_en));
    }
}

/// How far a photo is from where the track was at its time: linear between the fixes either
/// side. Across a long gap the straight line is a guess, so the nearer of the two fixes and the
/// guess all count and the closest one is compared (a photo is flagged only when it is far from
/// all of them).
fn distance_at_time_m(track: &[TrackPoint], photo: &PhotoFix) -> Option<f64> {
    let t = photo.taken_at;
    let after = track.partition_point(|p| p.t <= t);
    let candidates: Vec<Position> = match (after.checked_sub(1).map(|i| &track[i]), track.get(after)) {
        (Some(a), Some(b)) => {
            let s = t.seconds_since(a.t) / b.t.seconds_since(a.t);
            let at = Position::new(a.lon + s * (b.lon - a.lon), a.lat + s * (b.lat - a.lat));
            vec![at, a.position(), b.position()]
        }
        (Some(a), None) => vec![a.position()],
        (None, Some(b)) => vec![b.position()],
        (None, None) => return None,
    };
    Some(
        candidates
            .iter()
            .map(|&c| geodesic_distance_m(c, photo.position))
            .fold(f64::INFINITY, f64::min),
    )
}

/// Beyond this the flat frame about the photo is no longer metre-accurate (its scale error grows
/// with the distance from its origin, 0.2 % at 20 km), so farther stretches are measured to
/// their fixes on the ellipsoid instead.
const FLAT_FRAME_REACH_M: f64 = 20_000.0;

/// How far `at` is from the track as a whole, in metres: from the nearest fix, or from the
/// nearest point of the straight line between two consecutive fixes of one recorded segment
/// (never across a gap, where nothing was recorded), whichever is nearer.
fn distance_to_track_m(track: &[TrackPoint], at: Position) -> Option<f64> {
    let nearest_fix = track
        .iter()
        .map(|p| (haversine_distance_m(p.position(), at), p))
        .min_by(|a, b| a.0.total_cmp(&b.0))?
        .1;
    let fix_m = geodesic_distance_m(nearest_fix.position(), at);
    let frame = LocalFrame::at(at);
    let here = frame.to_metric(at);
    let line_m = track
        .windows(2)
        .filter(|w| !w[1].gap_before)
        .map(|w| {
            here.distance_to_segment_m(frame.to_metric(w[0].position()), frame.to_metric(w[1].position()))
        })
        .fold(f64::INFINITY, f64::min);
    Some(if line_m < FLAT_FRAME_REACH_M {
        fix_m.min(line_m)
    } else {
        fix_m
    })
}
