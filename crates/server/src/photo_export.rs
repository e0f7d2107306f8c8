//! A period's photos as one ZIP with their metadata beside them (issue 16): every photo of the
//! patrols, inspections and problems the office's unit holds for the period, as the upload copy
//! the office sees (or the camera's original, when asked), in a folder per record, with
//! `metadata.csv` (UTF-8 with BOM, for Excel) and `metadata.json` saying for each file its
//! record, role, caption, time and place, where the place came from, and its SHA-256 — the
//! blob's hash, so a copy can be checked against the evidence.
//!
//! Made in the background like the documents (`jobs`): office staff, their unit or one below,
//! at most 92 days and 5,000 records.

use crate::app::AppState;
use crate::auth::AuthOffice;
use crate::error::Error;
use crate::extract::Body;
use crate::fold::parse_state;
use crate::jobs::{Job, check_period, day_name, progress, records_for, register, spawn};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::io::Write;
use xuncha_domain::payload::{AggregateKind, AggregateRef, PhotoRole, PositionSource};
use xuncha_domain::state::{AggregateState, PhotoInfo};
use xuncha_domain::{BlobHash, UnitId};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotosExport {
    /// The records' own time in [from, to), ms.
    pub from: i64,
    pub to: i64,
    #[serde(default)]
    pub unit: Option<UnitId>,
    /// The camera's originals instead of the upload copies (larger; an original the phone has
    /// not sent yet is listed as missing).
    #[serde(default)]
    pub originals: bool,
}

/// One line of the metadata.
#[derive(Clone, Debug, Serialize)]
struct Line {
    file: String,
    record_kind: &'static str,
    record: String,
    role: &'static str,
    caption: String,
    taken_at: String,
    lon: Option<f64>,
    lat: Option<f64>,
    position_source: &'static str,
    sha256: String,
    /// The server does not hold these bytes (yet): the line is kept, the file is not there.
    missing: bool,
}

const RECORDS: &[AggregateKind] = &[
    AggregateKind::Patrol,
    AggregateKind::Inspection,
    AggregateKind::Finding,
];

/// Starts the ZIP.
pub async fn start_photos(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    Body(req): Body<PhotosExport>,
) -> Result<Json<Job>, Error> {
    check_period(req.from, req.to)?;
    let (_, ids) = records_for(&st, &me, (req.from, req.to), req.unit, RECORDS).await?;
    let file_name = format!("照片-{}-{}.zip", day_name(req.from), day_name(req.to - 1));
    let job = register(&st, me.id, ids.len(), file_name)?;
    let (id, path) = (job.id, job.path.clone());
    let st2 = st.clone();
    spawn(
        st,
        id,
        async move { run(&st2, id, ids, req.originals, path).await },
    );
    Ok(Json(job))
}

fn kind_name(kind: AggregateKind) -> &'static str {
    match kind {
        AggregateKind::Patrol => "patrol",
        AggregateKind::Inspection => "inspection",
        _ => "finding",
    }
}

fn role_name(role: PhotoRole) -> &'static str {
    match role {
        PhotoRole::Evidence => "现场照片",
        PhotoRole::AfterRectification => "整改后照片",
        PhotoRole::Seizure => "查扣物品",
    }
}

fn source_name(source: PositionSource) -> &'static str {
    match source {
        PositionSource::Exif => "照片 EXIF",
        PositionSource::DeviceFix => "手机定位",
        PositionSource::None => "无",
    }
}

/// A CSV field, quoted when it must be.
fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

async fn run(
    st: &AppState,
    id: uuid::Uuid,
    ids: Vec<AggregateRef>,
    originals: bool,
    path: std::path::PathBuf,
) -> Result<u64, Error> {
    let zip_error = |e: zip::result::ZipError| Error::Internal(format!("zip: {e}"));
    let io = |e: std::io::Error| Error::Internal(format!("export file: {e}"));
    let file = std::fs::File::create(&path).map_err(io)?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    // JPEGs are compressed already: stored as they are.
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut lines: Vec<Line> = Vec::new();
    for chunk in ids.chunks(50) {
        let chunk = chunk.to_vec();
        let states: Vec<(AggregateRef, Vec<PhotoInfo>)> = st
            .db
            .read(move |s| {
                let mut out = Vec::new();
                for a in chunk {
                    let Some(row) = s.aggregate_get(a)? else { continue };
                    let photos = match parse_state(&row.state)? {
                        AggregateState::Patrol(p) => p.photos,
                        AggregateState::Inspection(i) => i.photos,
                        AggregateState::Finding(f) => f.photos,
                        _ => Vec::new(),
                    };
                    out.push((a, photos));
                }
                Ok(out)
            })
            .await?;
        let (mut files, records) = (0, states.len());
        for (record, photos) in states {
            let folder = format!("{}-{}", kind_name(record.kind), record.id);
            for (n, photo) in photos.iter().enumerate() {
                let hash: BlobHash = if originals {
                    photo.original
                } else {
                    photo.upload.unwrap_or(photo.original)
                };
                let bytes = st.blobs.get(&hash).await.ok();
                let name = format!("{folder}/{:02}-{}.jpg", n + 1, &hash.to_hex()[..12]);
                if let Some(bytes) = &bytes {
                    let (name, bytes, mut writer) = (name.clone(), bytes.clone(), zip);
                    zip = tokio::task::spawn_blocking(move || {
                        writer.start_file(name, stored).map_err(zip_error)?;
                        writer.write_all(&bytes).map_err(io)?;
                        Ok::<_, Error>(writer)
                    })
                    .await
                    .map_err(|e| Error::Internal(format!("export task: {e}")))??;
                    files += 1;
                }
                lines.push(Line {
                    file: name,
                    record_kind: kind_name(record.kind),
                    record: record.id.to_string(),
                    role: role_name(photo.role),
                    caption: photo.caption.clone(),
                    taken_at: photo
                        .taken_at
                        .map(crate::geo_export::iso_china)
                        .unwrap_or_default(),
                    lon: photo.position.map(|p| p.lon),
                    lat: photo.position.map(|p| p.lat),
                    position_source: source_name(photo.position_source),
                    sha256: hash.to_hex(),
                    missing: bytes.is_none(),
                });
            }
        }
        progress(st, id, records, files, 0);
    }
    let mut table = String::from(
        "\u{feff}文件,记录类型,记录,用途,说明,拍摄时间,经度,纬度,位置来源,SHA-256,服务器缺少\r\n",
    );
    for l in &lines {
        let row = [
            csv(&l.file),
            l.record_kind.to_owned(),
            l.record.clone(),
            l.role.to_owned(),
            csv(&l.caption),
            l.taken_at.clone(),
            l.lon.map(|x| format!("{x:.7}")).unwrap_or_default(),
            l.lat.map(|x| format!("{x:.7}")).unwrap_or_default(),
            l.position_source.to_owned(),
            l.sha256.clone(),
            if l.missing {
                "是".to_owned()
            } else {
                String::new()
            },
        ];
        table.push_str(&row.join(","));
        table.push_str("\r\n");
    }
    let json = serde_json::to_vec_pretty(&lines).map_err(|e| Error::Internal(format!("json: {e}")))?;
    let deflated = zip::write::SimpleFileOptions::default();
    let size = tokio::task::spawn_blocking(move || {
        zip.start_file("metadata.csv", deflated).map_err(zip_error)?;
        zip.write_all(table.as_bytes()).map_err(io)?;
        zip.start_file("metadata.json", deflated).map_err(zip_error)?;
        zip.write_all(&json).map_err(io)?;
        let file = zip.finish().map_err(zip_error)?;
        drop(file);
        std::fs::metadata(&path).map(|m| m.len()).map_err(io)
    })
    .await
    .map_err(|e| Error::Internal(format!("export task: {e}")))??;
    Ok(size)
}
