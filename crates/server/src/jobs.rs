//! Large exports, made in the background (issue 16): a month's documents as one ZIP takes
//! longer than a request may wait, so the office starts a job, watches its progress and fetches
//! the file when it is done. Nothing is cut off by a request timeout.
//!
//! - `POST /api/v1/office/exports/documents` starts a ZIP of one kind of document for a unit
//!   (the caller's, or one below it) and a period of at most 92 days, at most 5,000 records.
//! - `GET /api/v1/office/exports/{id}` says how far it is; `GET …/{id}/file` sends the ZIP.
//!
//! Office staff only, and each job only to the user who started it (another user's job is "not
//! found"); two running jobs a user at most. Jobs live in this process: a restart forgets them
//! (the office starts it again), and with several server processes the file is on the one
//! that made it. Files are deleted a day after they are finished.

use crate::app::AppState;
use crate::auth::AuthOffice;
use crate::documents::{Gathered, Lookup, doc_error, gather, with_images};
use crate::error::Error;
use crate::extract::{Body, PathOf};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use xuncha_docs::DocKind;
use xuncha_domain::payload::{AggregateKind, AggregateRef};
use xuncha_domain::{UnitId, UserId};

/// At most this many records in one export.
pub const MAX_RECORDS: u32 = 5_000;
/// At most this long a period, in days.
pub const MAX_DAYS: i64 = 92;
/// Running jobs one user may have.
const MAX_RUNNING: usize = 2;
/// Records read from storage at a time.
const BATCH: usize = 50;
const DAY_MS: i64 = 86_400_000;

/// A batch of documents to make.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentsExport {
    pub kind: DocKind,
    /// The records' own time in [from, to), ms.
    pub from: i64,
    pub to: i64,
    /// The caller's unit when absent; else one at or below it.
    #[serde(default)]
    pub unit: Option<UnitId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    Done,
    Failed,
}

/// An export job, as its owner sees it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Job {
    pub id: uuid::Uuid,
    pub state: JobState,
    /// Records to go through.
    pub total: usize,
    /// Records gone through so far.
    pub done: usize,
    /// Documents in the file.
    pub documents: usize,
    /// Records without such a document (an inspection whose on-site record was never issued).
    pub skipped: usize,
    /// Why it failed, in words.
    pub message: Option<String>,
    pub file_name: String,
    /// The file's size once done.
    pub bytes: Option<u64>,
    pub started_ms: i64,
    pub finished_ms: Option<i64>,
    #[serde(skip)]
    owner: Option<UserId>,
    #[serde(skip)]
    pub(crate) path: PathBuf,
}

/// The jobs of this process.
pub struct Jobs {
    jobs: Mutex<HashMap<uuid::Uuid, Job>>,
    dir: PathBuf,
}

impl Jobs {
    pub fn new(dir: PathBuf) -> Jobs {
        Jobs {
            jobs: Mutex::new(HashMap::new()),
            dir,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<uuid::Uuid, Job>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn update(&self, id: uuid::Uuid, f: impl FnOnce(&mut Job)) {
        if let Some(job) = self.lock().get_mut(&id) {
            f(job);
        }
    }

    /// The job `id` if `user` started it.
    fn of(&self, id: uuid::Uuid, user: UserId) -> Result<Job, Error> {
        self.lock()
            .get(&id)
            .filter(|j| j.owner == Some(user))
            .cloned()
            .ok_or_else(|| Error::NotFound("没有这个导出任务（服务器重启后任务会清空，请重新导出）".into()))
    }

    /// Forgets finished jobs older than a day, and their files.
    fn sweep(&self, now: i64) {
        self.lock().retain(|_, j| match j.finished_ms {
            Some(t) if now - t > DAY_MS => {
                let _ = std::fs::remove_file(&j.path);
                false
            }
            _ => true,
        });
    }
}

/// A period of records the office exports, checked: at most `MAX_DAYS` long.
pub(crate) fn check_period(from: i64, to: i64) -> Result<(), Error> {
    if to <= from || to.saturating_sub(from) > MAX_DAYS * DAY_MS {
        return Err(Error::unprocessable(
            "bad_period",
            format!("导出的时段须从 from 到 to（毫秒），且不超过 {MAX_DAYS} 天：请缩短时段分批导出"),
        ));
    }
    Ok(())
}

/// The units an export covers (the caller's, or `unit` at or below it) and the records of
/// `kinds` whose own time lies in [from, to); refused beyond `MAX_RECORDS`.
pub(crate) async fn records_for(
    st: &AppState,
    me: &xuncha_domain::people::User,
    (from, to): (i64, i64),
    unit: Option<UnitId>,
    kinds: &'static [AggregateKind],
) -> Result<(Vec<UnitId>, Vec<AggregateRef>), Error> {
    let user = me.clone();
    let (units, ids) = st
        .db
        .read(move |s| {
            let mine = crate::office::units_of(s, &user)?;
            let units = match unit {
                Some(u) if mine.contains(&u) => crate::scope::below(&s.units()?, u),
                Some(_) => return Err(Error::Forbidden("只能导出本单位及下级单位的记录".into())),
                None => mine,
            };
            let mut ids = Vec::new();
            for kind in kinds {
                let rows = s.records_page(&crate::db::RecordFilter {
                    kind: *kind,
                    units: units.clone(),
                    status: None,
                    owner: None,
                    from_ms: Some(from),
                    to_ms: Some(to),
                    before: None,
                    limit: MAX_RECORDS + 1,
                })?;
                ids.extend(rows.into_iter().map(|r| r.aggregate));
            }
            Ok((units, ids))
        })
        .await?;
    if ids.len() > MAX_RECORDS as usize {
        return Err(Error::unprocessable(
            "too_many_records",
            format!("这个时段的记录超过 {MAX_RECORDS} 条：请缩短时段或选下级单位分批导出"),
        ));
    }
    Ok((units, ids))
}

/// "20260601": a day of the period, for file names.
pub(crate) fn day_name(ms: i64) -> String {
    let d = xuncha_domain::calendar::Day::of(xuncha_domain::UnixMs(ms));
    format!("{}{:02}{:02}", d.year, d.month, d.day)
}

/// Registers a running job of `user` over `total` records, unless they already run
/// `MAX_RUNNING`.
pub(crate) fn register(st: &AppState, user: UserId, total: usize, file_name: String) -> Result<Job, Error> {
    let now = crate::now_ms();
    let jobs = &st.jobs;
    jobs.sweep(now);
    let mut all = jobs.lock();
    let running = all
        .values()
        .filter(|j| j.owner == Some(user) && j.state == JobState::Running)
        .count();
    if running >= MAX_RUNNING {
        return Err(Error::RetryLater {
            code: "exports_busy",
            message: format!("已有 {running} 个导出正在进行，请等其完成后再导出"),
            retry_after_s: 30,
        });
    }
    std::fs::create_dir_all(&jobs.dir).map_err(|e| Error::Internal(format!("exports folder: {e}")))?;
    let id = uuid::Uuid::now_v7();
    let job = Job {
        id,
        state: JobState::Running,
        total,
        done: 0,
        documents: 0,
        skipped: 0,
        message: None,
        file_name,
        bytes: None,
        started_ms: now,
        finished_ms: None,
        owner: Some(user),
        path: jobs.dir.join(format!("{id}.zip")),
    };
    all.insert(id, job.clone());
    Ok(job)
}

/// Runs `work` for job `id` in the background, and records how it ended.
pub(crate) fn spawn(
    st: AppState,
    id: uuid::Uuid,
    work: impl std::future::Future<Output = Result<u64, Error>> + Send + 'static,
) {
    tokio::spawn(async move {
        let outcome = work.await;
        let finished = crate::now_ms();
        st.jobs.update(id, |j| {
            j.finished_ms = Some(finished);
            match outcome {
                Ok(bytes) => {
                    j.state = JobState::Done;
                    j.bytes = Some(bytes);
                }
                Err(e) => {
                    tracing::warn!(error = %e, job = %id, "an export failed");
                    j.state = JobState::Failed;
                    j.message = Some(e.to_string());
                }
            }
        });
    });
}

/// Counts progress on job `id`: `records` more gone through, `files` more in the file,
/// `skipped` more without one.
pub(crate) fn progress(st: &AppState, id: uuid::Uuid, records: usize, files: usize, skipped: usize) {
    st.jobs.update(id, |j| {
        j.done = (j.done + records).min(j.total);
        j.documents += files;
        j.skipped += skipped;
    });
}

/// Starts a ZIP of documents.
pub async fn start_documents(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    headers: HeaderMap,
    Body(req): Body<DocumentsExport>,
) -> Result<Json<Job>, Error> {
    check_period(req.from, req.to)?;
    const INSPECTIONS: &[AggregateKind] = &[AggregateKind::Inspection];
    const PATROLS: &[AggregateKind] = &[AggregateKind::Patrol];
    let kinds = match req.kind {
        DocKind::OnSiteRecord | DocKind::RectificationOrder | DocKind::ReinspectionOpinion => INSPECTIONS,
        DocKind::PatrolRecord | DocKind::CommitmentLetter => PATROLS,
    };
    // The renderer first: without the font nothing starts, and the answer says what to install.
    st.documents.renderer()?;
    let (units, ids) = records_for(&st, &me, (req.from, req.to), req.unit, kinds).await?;
    let title = xuncha_docs::documents_title(req.kind);
    let file_name = format!("{title}-{}-{}.zip", day_name(req.from), day_name(req.to - 1));
    let job = register(&st, me.id, ids.len(), file_name)?;
    let base = st.documents.base(&headers);
    let (id, path) = (job.id, job.path.clone());
    let st2 = st.clone();
    spawn(st, id, async move {
        run_documents(&st2, id, req.kind, units, ids, base, path).await
    });
    Ok(Json(job))
}

/// Makes the ZIP: records read 50 at a time, each document typeset off the async threads and
/// written straight to the file, so memory holds one batch, never the month.
async fn run_documents(
    st: &AppState,
    id: uuid::Uuid,
    kind: DocKind,
    units: Vec<UnitId>,
    ids: Vec<AggregateRef>,
    base: String,
    path: PathBuf,
) -> Result<u64, Error> {
    let io = |e: std::io::Error| Error::Internal(format!("export file: {e}"));
    let renderer = st.documents.renderer()?;
    let file = std::fs::File::create(&path).map_err(io)?;
    let mut zip = Some(zip::ZipWriter::new(std::io::BufWriter::new(file)));
    // Names already in the ZIP, so that two documents never share one.
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    for chunk in ids.chunks(BATCH) {
        let (chunk, units, base) = (chunk.to_vec(), units.clone(), base.clone());
        let mut batch: Vec<Gathered> = st
            .db
            .read(move |s| {
                let mut lookup = Lookup::default();
                chunk
                    .into_iter()
                    .map(|a| gather(s, &mut lookup, &units, a, base.clone()))
                    .collect::<Result<Vec<_>, Error>>()
            })
            .await?;
        for g in &mut batch {
            with_images(st, g).await?;
        }
        let renderer = renderer.clone();
        let mut writer = zip
            .take()
            .ok_or_else(|| Error::Internal("export writer lost".into()))?;
        let mut taken = std::mem::take(&mut names);
        let (writer, taken, made, skipped) = tokio::task::spawn_blocking(move || {
            let (mut made, mut skipped) = (0, 0);
            for g in &batch {
                let docs = xuncha_docs::documents_of(g.record()?, &g.ctx.findings);
                let wanted: Vec<_> = docs.iter().filter(|d| d.kind == kind).collect();
                if wanted.is_empty() {
                    skipped += 1;
                }
                for d in wanted {
                    let prepared =
                        xuncha_docs::prepare(kind, d.letter, g.record()?, &g.ctx).map_err(doc_error)?;
                    let pdf = renderer.pdf(&prepared).map_err(doc_error)?;
                    let mut name = prepared.file_name();
                    let mut n = 1;
                    while taken.contains(&name) {
                        n += 1;
                        name = format!("{}-{n}.pdf", prepared.file_name().trim_end_matches(".pdf"));
                    }
                    taken.insert(name.clone());
                    // PDFs are compressed already: stored as they are.
                    let options = zip::write::SimpleFileOptions::default()
                        .compression_method(zip::CompressionMethod::Stored);
                    writer
                        .start_file(name, options)
                        .map_err(|e| Error::Internal(format!("zip: {e}")))?;
                    writer
                        .write_all(&pdf)
                        .map_err(|e| Error::Internal(format!("zip: {e}")))?;
                    made += 1;
                }
            }
            Ok::<_, Error>((writer, taken, made, skipped))
        })
        .await
        .map_err(|e| Error::Internal(format!("export task: {e}")))??;
        names = taken;
        zip = Some(writer);
        progress(st, id, BATCH, made, skipped);
    }
    let writer = zip.ok_or_else(|| Error::Internal("export writer lost".into()))?;
    let file = writer
        .finish()
        .map_err(|e| Error::Internal(format!("zip: {e}")))?;
    drop(file);
    Ok(std::fs::metadata(&path).map_err(io)?.len())
}

/// How far a job is.
pub async fn status(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    PathOf(id): PathOf<uuid::Uuid>,
) -> Result<Json<Job>, Error> {
    Ok(Json(st.jobs.of(id, me.id)?))
}

/// A finished job's file.
pub async fn file(
    State(st): State<AppState>,
    AuthOffice(me): AuthOffice,
    PathOf(id): PathOf<uuid::Uuid>,
) -> Result<Response, Error> {
    let job = st.jobs.of(id, me.id)?;
    match job.state {
        JobState::Running => Err(Error::conflict(
            "export_running",
            format!("导出还在进行（{}/{}），完成后再下载", job.done, job.total),
        )),
        JobState::Failed => Err(Error::conflict(
            "export_failed",
            format!("导出失败：{}", job.message.unwrap_or_default()),
        )),
        JobState::Done => {
            let file = std::fs::File::open(&job.path)
                .map_err(|_| Error::NotFound("导出的文件已过期删除，请重新导出".into()))?;
            // Streamed from the file in 256 KiB reads: a month of documents is never held in
            // memory.
            let chunks = futures::stream::unfold(Some(file), |file| async move {
                let mut f = file?;
                let read = tokio::task::spawn_blocking(move || {
                    let mut buf = vec![0u8; 256 * 1024];
                    let n = std::io::Read::read(&mut f, &mut buf);
                    (f, buf, n)
                })
                .await;
                match read {
                    Ok((f, mut buf, Ok(n))) if n > 0 => {
                        buf.truncate(n);
                        Some((Ok(bytes::Bytes::from(buf)), Some(f)))
                    }
                    Ok((_, _, Err(e))) => Some((Err(e), None)),
                    _ => None,
                }
            });
            let body = axum::body::Body::from_stream(chunks);
            Ok(crate::documents::file_response(
                body,
                "application/zip",
                &job.file_name,
            ))
        }
    }
}

/// The jobs' folder: beside the system's temporary files.
pub fn default_dir() -> PathBuf {
    std::env::temp_dir().join(format!("xuncha-exports-{}", std::process::id()))
}
