//! Over 500 lines: the request dispatch of every workflow; issue 12 splits it into one module per workflow.
//! The one API of the device: every action and query of the three workflows as a `Request`,
//! answered by `Device::handle`. Front ends (the Tauri shell, the CLI, the development bridge)
//! only translate to and from these types. Checks that span records (does this site exist? is
//! the device signed in?) happen here; rules within a record are the domain's.

pub mod describe;
mod lookup;
pub mod media;
use lookup::{all_of, current_record_document, document_number, reference, signed_in};
mod patrol_report;
mod requests;
mod sync_run;

pub use patrol_report::PatrolReport;

pub use requests::*;
use sync_run::SyncControl;
pub use sync_run::SyncGuard;

use crate::error::{CoreError, Result};
use crate::store::{Ingested, Store, queries};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use xuncha_domain::payload::*;
use xuncha_domain::people::{Unit, User};
use xuncha_domain::reference::{ChecklistTemplate, Reach, Site};
use xuncha_domain::state::{AggregateState, FindingStatus};
use xuncha_domain::validate::{MAX_POINTS_PER_EVENT, ValidationError};
use xuncha_domain::*;

/// Where "now" comes from: the system clock, or a fixed one in tests.
pub type Clock = Box<dyn Fn() -> UnixMs + Send + Sync>;

pub fn system_clock() -> Clock {
    Box::new(|| {
        UnixMs(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0),
        )
    })
}

/// The device's engine: its store and its clock.
pub struct Device {
    store: Mutex<Store>,
    clock: Clock,
    /// One sync at a time, its progress, its stop.
    sync: SyncControl,
    /// Photos and signature images, beside the database.
    blobs: Option<crate::blobs::BlobStore>,
    photo_options: crate::photo::IngestOptions,
}

const CHINA_OFFSET_MS: i64 = 8 * UnixMs::HOUR;

impl Device {
    /// Opens the device whose store is at `path`, its secrets in the store file.
    pub fn open(path: &Path) -> Result<Device> {
        Self::open_with(path, crate::secrets::KeyStore::File)
    }

    /// Opens the device keeping its signing key and tokens where `keystore` says
    /// (`crate::secrets`).
    pub fn open_with(path: &Path, keystore: crate::secrets::KeyStore) -> Result<Device> {
        let store = Store::open_with(path, crate::secrets::open(keystore)?)?;
        let mut device = Self::with_store(store, system_clock());
        device.sync = SyncControl::new(Some(path.with_extension("sync.lock")));
        let dir = path.parent().unwrap_or(Path::new("."));
        device.blobs = Some(crate::blobs::BlobStore::open(dir.join("blobs"))?);
        Ok(device)
    }

    pub fn with_store(store: Store, clock: Clock) -> Device {
        Device {
            store: Mutex::new(store),
            clock,
            sync: SyncControl::new(None),
            blobs: None,
            photo_options: crate::photo::IngestOptions::default(),
        }
    }

    /// Gives the device a blob store (tests and tools that build a device from parts).
    pub fn with_blobs(mut self, blobs: crate::blobs::BlobStore) -> Device {
        self.blobs = Some(blobs);
        self
    }

    pub fn blobs(&self) -> Option<&crate::blobs::BlobStore> {
        self.blobs.as_ref()
    }

    pub fn now(&self) -> UnixMs {
        (self.clock)()
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the store half-written (SQLite rolls the
        // transaction back), so a poisoned lock is safe to take over.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` with the store locked (for sync and other engines built on the device).
    pub fn with_store_mut<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.store())
    }

    /// Decodes and stores a photo without holding the store's lock (image work is slow).
    fn import_photo(
        &self,
        source: media::PhotoSource,
        device_fix: Option<TrackPoint>,
        utc_offset_min: Option<i32>,
    ) -> Result<Response> {
        let blobs = media::blob_store(self.blobs.as_ref())?;
        let p = media::import_photo(
            blobs,
            source,
            device_fix,
            utc_offset_min,
            &self.photo_options,
            self.now(),
        )?;
        Ok(Response::PhotoImported(Box::new(p)))
    }

    pub fn handle(&self, request: Request) -> Result<Response> {
        use Request as R;
        // Work that is slow (network, image decoding) runs without holding the store's lock.
        let request = match request {
            R::ImportPhoto {
                bytes_base64,
                device_fix,
                utc_offset_min,
            } => {
                return self.import_photo(
                    media::PhotoSource::Bytes(bytes_base64),
                    device_fix,
                    utc_offset_min,
                );
            }
            R::ImportPhotoFile {
                path,
                device_fix,
                utc_offset_min,
            } => return self.import_photo(media::PhotoSource::Path(path), device_fix, utc_offset_min),
            R::PutSignature { png_base64 } => {
                let hash = media::put_signature(media::blob_store(self.blobs.as_ref())?, &png_base64)?;
                return Ok(Response::Blob { hash });
            }
            R::GetBlob { hash } => {
                let bytes_base64 = media::get_blob(media::blob_store(self.blobs.as_ref())?, &hash)?;
                return Ok(Response::BlobBytes { hash, bytes_base64 });
            }
            R::Enrol {
                server_url,
                login,
                password,
                device_name,
            } => {
                let account = crate::sync::enrol(self, &server_url, &login, &password, &device_name)?;
                return Ok(Response::Account(Box::new(account)));
            }
            R::Sync { allow_originals } => {
                let blobs = media::blob_store(self.blobs.as_ref())?;
                let opts = crate::sync::SyncOptions {
                    allow_originals: allow_originals.unwrap_or(false),
                    ..Default::default()
                };
                let report = self.sync_reporting_progress(blobs, &opts);
                return Ok(Response::Synced(Box::new(report?)));
            }
            R::SyncProgress => {
                return Ok(Response::SyncProgress(self.sync.progress().map(Box::new)));
            }
            R::CancelSync => {
                self.sync.cancel();
                return Ok(Response::Done);
            }
            R::SignOut => {
                // Tells the server to end the token when it can be reached.
                crate::sync::sign_out(self)?;
                return Ok(Response::Done);
            }
            other => other,
        };
        let entered = self.now();
        let (request, occurred) = match request {
            R::LateEntry { at, action } => (lookup::late_action(*action)?, Some(at)),
            other => (other, None),
        };
        let mut store = self.store();
        let s = &mut *store;
        if let Some(at) = occurred {
            lookup::check_late_entry(s, at, entered)?;
        }
        // What an action records happened now, or at the late entry's time; its event's clock
        // stamp is always when it was entered.
        let now = occurred.unwrap_or(entered);
        let recorded = |id: String, e: Event| {
            Ok(Response::Recorded(Recorded {
                id,
                events: vec![e.id],
                number: None,
            }))
        };
        match request {
            R::StartPatrol {
                kind,
                reach,
                area,
                at,
            } => {
                let (user, unit) = signed_in(s)?;
                if let Some(r) = reach {
                    reference::<Reach>(s, r.0, "河段")?;
                }
                let patrol = PatrolId::new();
                let started_at = at.unwrap_or(now);
                let area = area.filter(|a| !a.trim().is_empty());
                let e = s.append_late(
                    Payload::PatrolStarted(PatrolStarted {
                        patrol,
                        kind,
                        unit,
                        patroller: user,
                        reach,
                        area,
                        started_at,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(patrol.to_string(), e)
            }
            R::AppendTrackPoints {
                patrol,
                points,
                untimed,
            } => {
                if points.is_empty() && untimed.iter().all(Vec::is_empty) {
                    return Err(CoreError::Invalid(ValidationError::new(
                        "points",
                        "一个也没有",
                        "is missing: there are none",
                    )));
                }
                let mut events = Vec::new();
                for chunk in points.chunks(MAX_POINTS_PER_EVENT) {
                    let e = s.append_late(
                        Payload::TrackPointsAppended(TrackPointsAppended {
                            patrol,
                            points: chunk.to_vec(),
                            untimed: Vec::new(),
                        }),
                        entered,
                        occurred,
                    )?;
                    events.push(e.id);
                }
                // Untimed stretches go in events of their own, each within the size limit.
                for line in untimed.iter().filter(|l| !l.is_empty()) {
                    for chunk in line.chunks(MAX_POINTS_PER_EVENT) {
                        let e = s.append_late(
                            Payload::TrackPointsAppended(TrackPointsAppended {
                                patrol,
                                points: Vec::new(),
                                untimed: vec![chunk.to_vec()],
                            }),
                            entered,
                            occurred,
                        )?;
                        events.push(e.id);
                    }
                }
                Ok(Response::Recorded(Recorded {
                    id: patrol.to_string(),
                    events,
                    number: None,
                }))
            }
            R::EndPatrol { patrol, notes, at } => {
                let e = s.append_late(
                    Payload::PatrolEnded(PatrolEnded {
                        patrol,
                        ended_at: at.unwrap_or(now),
                        notes,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(patrol.to_string(), e)
            }
            R::RecordBusinessCheck {
                patrol,
                site,
                outcome,
                notes,
            } => {
                reference::<Site>(s, site.0, "场所")?;
                let check = BusinessCheckId::new();
                let e = s.append_late(
                    Payload::BusinessChecked(BusinessChecked {
                        patrol,
                        check,
                        site,
                        outcome,
                        notes,
                        checked_at: now,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(check.to_string(), e)
            }
            R::TallyPublicity { patrol, tally } => {
                let e = s.append_late(
                    Payload::PublicityTallied(PublicityTallied { patrol, tally }),
                    entered,
                    occurred,
                )?;
                recorded(patrol.to_string(), e)
            }
            R::RecordSeizure {
                patrol,
                description,
                quantity,
                position,
            } => {
                let seizure = SeizureId::new();
                let e = s.append_late(
                    Payload::GearSeized(GearSeized {
                        patrol,
                        seizure,
                        description,
                        quantity,
                        position,
                        seized_at: now,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(seizure.to_string(), e)
            }
            R::SignCommitmentLetter {
                patrol,
                site,
                signer_name,
                text,
                signature,
            } => {
                reference::<Site>(s, site.0, "场所")?;
                let letter = DocumentId::new();
                let e = s.append_late(
                    Payload::CommitmentLetterSigned(CommitmentLetterSigned {
                        patrol,
                        letter,
                        site,
                        signer_name,
                        text,
                        signature,
                        signed_at: now,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(letter.to_string(), e)
            }
            R::StartInspection {
                site,
                checklist,
                position,
            } => {
                let (user, unit) = signed_in(s)?;
                reference::<Site>(s, site.0, "场所")?;
                let template: ChecklistTemplate = reference(s, checklist.0, "检查表")?;
                let inspection = InspectionId::new();
                let e = s.append_late(
                    Payload::InspectionStarted(InspectionStarted {
                        inspection,
                        site,
                        unit,
                        inspector: user,
                        checklist,
                        checklist_version: template.version,
                        items: template.items,
                        position,
                        started_at: now,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(inspection.to_string(), e)
            }
            R::AnswerChecklistItem {
                inspection,
                item,
                answer,
                note,
            } => {
                let e = s.append_late(
                    Payload::ChecklistAnswered(ChecklistAnswered {
                        inspection,
                        item,
                        answer,
                        note,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(inspection.to_string(), e)
            }
            R::IssueOnSiteRecord {
                inspection,
                content,
                rectification_deadline,
            } => {
                // Refuse before a number is used up, so numbers have no gaps from mistakes.
                let state = s.conn_state(inspection.0)?;
                if let Some(AggregateState::Inspection(i)) = &state
                    && i.record.is_some()
                {
                    return Err(CoreError::Refused(xuncha_domain::state::Rejection {
                        code: "record_issued".into(),
                        message: "现场检查记录已经出具过".into(),
                    }));
                }
                let number = document_number(s, now)?;
                let document = DocumentId::new();
                let e = s.append_late(
                    Payload::OnSiteRecordIssued(OnSiteRecordIssued {
                        inspection,
                        document,
                        number: number.clone(),
                        content,
                        rectification_deadline,
                        issued_at: now,
                    }),
                    entered,
                    occurred,
                )?;
                Ok(Response::Recorded(Recorded {
                    id: document.to_string(),
                    events: vec![e.id],
                    number: Some(number),
                }))
            }
            R::SignDocument {
                inspection,
                role,
                signer_name,
                signature,
            } => {
                let document = current_record_document(s, inspection)?;
                let e = s.append_late(
                    Payload::DocumentSigned(DocumentSigned {
                        inspection,
                        document,
                        role,
                        signer_name,
                        signature,
                        signed_at: now,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(document.to_string(), e)
            }
            R::RecordRefusal {
                inspection,
                reason,
                witness_name,
                witness_signature,
            } => {
                let document = current_record_document(s, inspection)?;
                let e = s.append_late(
                    Payload::SignatureRefused(SignatureRefused {
                        inspection,
                        document,
                        reason,
                        witness_name,
                        witness_signature,
                        at: now,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(document.to_string(), e)
            }
            R::CloseInspection { inspection, notes } => {
                let e = s.append_late(
                    Payload::InspectionClosed(InspectionClosed {
                        inspection,
                        closed_at: now,
                        notes,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(inspection.to_string(), e)
            }
            R::ReportFinding {
                record,
                category,
                description,
                severity,
                location,
            } => {
                let (kind_needed, id) = match record {
                    RecordRef::Patrol(p) => ("巡查", p.0),
                    RecordRef::Inspection(i) => ("检查", i.0),
                };
                if s.conn_state(id)?.is_none() {
                    return Err(CoreError::NotFound {
                        what: kind_needed,
                        id: id.to_string(),
                    });
                }
                let kind = xuncha_domain::catalogue::category(&category)
                    .map(|c| c.kind)
                    .ok_or_else(|| {
                        CoreError::Invalid(ValidationError::new(
                            "category",
                            format!(" {category:?} 不在类别目录中（`xuncha categories` 列出全部类别）"),
                            format!(
                                "{category:?} is not in the catalogue (`xuncha categories` lists them all)"
                            ),
                        ))
                    })?;
                let finding = FindingId::new();
                let e = s.append_late(
                    Payload::FindingReported(FindingReported {
                        finding,
                        record,
                        kind,
                        category,
                        description,
                        severity,
                        location,
                        reported_at: now,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(finding.to_string(), e)
            }
            R::AmendFinding {
                finding,
                category,
                description,
                severity,
                location,
            } => {
                let e = s.append_late(
                    Payload::FindingAmended(FindingAmended {
                        finding,
                        category,
                        description,
                        severity,
                        location,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(finding.to_string(), e)
            }
            R::AttachPhoto {
                target,
                role,
                original,
                upload,
                thumbnail,
                taken_at,
                position,
                position_source,
                caption,
            } => {
                let e = s.append_late(
                    Payload::PhotoAttached(PhotoAttached {
                        target,
                        role,
                        original,
                        upload,
                        thumbnail,
                        taken_at,
                        position,
                        position_source,
                        caption,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(e.payload.aggregate().id.to_string(), e)
            }
            R::AssignRectification {
                finding,
                assignee,
                deadline,
                note,
            } => {
                let (user, _) = signed_in(s)?;
                let e = s.append_late(
                    Payload::RectificationAssigned(RectificationAssigned {
                        finding,
                        assignee,
                        follow_up_by: Some(user),
                        deadline,
                        note,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(finding.to_string(), e)
            }
            R::RectifyFinding {
                finding,
                note,
                after_photos,
                position,
            } => {
                let e = s.append_late(
                    Payload::FindingRectified(FindingRectified {
                        finding,
                        note,
                        after_photos,
                        position,
                        rectified_at: now,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(finding.to_string(), e)
            }
            R::VerifyFinding { finding, note } => {
                let e = s.append_late(
                    Payload::FindingVerified(FindingVerified {
                        finding,
                        note,
                        verified_at: now,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(finding.to_string(), e)
            }
            R::ReopenFinding { finding, reason } => {
                let e = s.append_late(
                    Payload::FindingReopened(FindingReopened {
                        finding,
                        reason,
                        at: now,
                    }),
                    entered,
                    occurred,
                )?;
                recorded(finding.to_string(), e)
            }
            R::ImportPhoto { .. }
            | R::ImportPhotoFile { .. }
            | R::PutSignature { .. }
            | R::GetBlob { .. }
            | R::Enrol { .. }
            | R::Sync { .. }
            | R::SyncProgress
            | R::CancelSync
            | R::SignOut => Err(CoreError::Other("内部错误：请求未被分派".to_owned())),
            R::CollectBlobs { grace_hours } => {
                let blobs = media::blob_store(self.blobs.as_ref())?;
                let referenced = media::referenced(&s.all_events()?);
                // Originals stay until the server has them: everything not confirmed is pinned.
                let on_server = s.blobs_on_server()?;
                let pinned = referenced
                    .iter()
                    .chain(blobs.list()?.iter())
                    .filter(|h| !on_server.contains(h))
                    .copied()
                    .collect();
                let grace = std::time::Duration::from_secs(u64::from(grace_hours.unwrap_or(24)) * 3600);
                let r = blobs.collect_garbage(&referenced, &pinned, grace, std::time::SystemTime::now())?;
                Ok(Response::BlobsCollected {
                    deleted: r.deleted.len() as u64,
                    deleted_bytes: r.deleted_bytes,
                    kept_pinned: r.kept_pinned as u64,
                })
            }
            R::SyncStatus => {
                let refs = s.referenced_blobs()?;
                let on_server = s.blobs_on_server()?;
                let mut seen = std::collections::HashSet::new();
                let (mut pending, mut bytes, mut originals) = (0u64, 0u64, 0u64);
                for (h, usage) in &refs {
                    if on_server.contains(h) || !seen.insert(*h) {
                        continue;
                    }
                    if *usage == crate::store::BlobUse::Original {
                        originals += 1;
                    } else {
                        pending += 1;
                        bytes += self
                            .blobs
                            .as_ref()
                            .and_then(|b| crate::sync::BlobSource::size(b, h))
                            .unwrap_or(0);
                    }
                }
                Ok(Response::SyncStatus(Box::new(SyncStatus {
                    account: s.account()?,
                    outbox_events: s.outbox_len()?,
                    blobs_pending: pending,
                    blobs_pending_bytes: bytes,
                    originals_pending: originals,
                    rejections: s.push_rejections()?.into_values().collect(),
                })))
            }
            R::SetUser { user, unit } => {
                s.set_user(user, unit)?;
                Ok(Response::Done)
            }
            R::LateEntry { .. } => Err(CoreError::Other("补录不能嵌套".to_owned())),
            R::IngestEvents { events } => {
                let results = s.ingest(&events, now, None)?;
                let new = results.iter().filter(|r| **r == Ingested::New).count() as u64;
                Ok(Response::Ingested(IngestReport {
                    new,
                    already_had: results.len() as u64 - new,
                }))
            }
            R::Rebuild => {
                s.rebuild()?;
                Ok(Response::Done)
            }
            R::Home => {
                let device = s.identity()?;
                let user: Option<User> = device.user_id.and_then(|u| reference(s, u.0, "用户").ok());
                let unit: Option<Unit> = device.unit_id.and_then(|u| reference(s, u.0, "单位").ok());
                let day_start =
                    (now.0 + CHINA_OFFSET_MS).div_euclid(UnixMs::DAY) * UnixMs::DAY - CHINA_OFFSET_MS;
                let conn = s.conn();
                let mut active = queries::list_records(
                    conn,
                    &queries::RecordFilter {
                        status: Some("active".into()),
                        ..Default::default()
                    },
                )?;
                active.extend(queries::list_records(
                    conn,
                    &queries::RecordFilter {
                        status: Some("record_issued".into()),
                        ..Default::default()
                    },
                )?);
                Ok(Response::Home(Box::new(Home {
                    counts: queries::counts(conn, day_start)?,
                    to_rectify: queries::open_findings(conn, Some(FindingStatus::Assigned), None)?
                        .into_iter()
                        .chain(queries::open_findings(conn, Some(FindingStatus::Reopened), None)?)
                        .collect(),
                    device,
                    user,
                    unit,
                    active,
                })))
            }
            R::DeviceInfo => Ok(Response::Device(s.identity()?)),
            R::ListRecords { filter } => Ok(Response::Records(queries::list_records(s.conn(), &filter)?)),
            R::GetRecord { id } => {
                let conn = s.conn();
                let summary = queries::record_summary(conn, &id)?.ok_or_else(|| CoreError::NotFound {
                    what: "记录",
                    id: id.clone(),
                })?;
                let state = queries::aggregate_state(conn, &id)?.ok_or_else(|| CoreError::NotFound {
                    what: "记录",
                    id: id.clone(),
                })?;
                Ok(Response::Record(Box::new(RecordDetail {
                    summary,
                    state,
                    findings: queries::findings_of_record(conn, &id)?,
                    timeline: queries::timeline(conn, &id)?,
                })))
            }
            R::PatrolReport { patrol, mode } => {
                Ok(Response::PatrolReport(Box::new(patrol_report::patrol_report(
                    s,
                    patrol,
                    mode.unwrap_or(xuncha_domain::geo::clean::TravelMode::Walking),
                )?)))
            }
            R::GetTrack { patrol } => Ok(Response::Track(queries::track(s.conn(), &patrol.to_string())?)),
            R::ListOpenFindings { status, limit } => Ok(Response::Findings(queries::open_findings(
                s.conn(),
                status,
                limit,
            )?)),
            R::GetFinding { id } => {
                let key = id.to_string();
                let state = queries::aggregate_state(s.conn(), &key)?.ok_or(CoreError::NotFound {
                    what: "问题",
                    id: key.clone(),
                })?;
                let rules = xuncha_domain::geo::FindingPhotoRules::default();
                let flags = match &state {
                    AggregateState::Finding(f) => xuncha_domain::geo::check_finding(f, &rules),
                    _ => Vec::new(),
                };
                Ok(Response::Finding(Box::new(FindingDetail {
                    state,
                    timeline: queries::timeline(s.conn(), &key)?,
                    flags,
                })))
            }
            R::ListReaches => Ok(Response::Reaches(all_of(s, "reach", |a| match a {
                AggregateState::Reach(r) => Some(r),
                _ => None,
            })?)),
            R::ListSites { kind } => Ok(Response::Sites(all_of(s, "site", |a| match a {
                AggregateState::Site(x) if kind.is_none_or(|k| k == x.kind) => Some(x),
                _ => None,
            })?)),
            R::ListChecklists => Ok(Response::Checklists(all_of(s, "checklist", |a| match a {
                AggregateState::Checklist(c) => Some(c),
                _ => None,
            })?)),
            R::Outbox { limit } => Ok(Response::Events(s.outbox(limit.unwrap_or(500) as usize)?)),
            R::VerifyLog => {
                let head = s.verify_own_chain()?;
                Ok(Response::LogChecked(LogCheck {
                    device: s.device_id(),
                    events: head.map_or(0, |h| h.seq),
                    head: head.map(|h| h.hash),
                }))
            }
        }
    }
}
