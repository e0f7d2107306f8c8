//! The one API of the device: every action and query of the three workflows as a `Request`,
//! answered by `Device::handle`. Front ends (the Tauri shell, the CLI, the development bridge)
//! only translate to and from these types. Checks that span records (does this site exist? is
//! the device signed in?) happen here; rules within a record are the domain's.
//!
//! `Workflow::of` is the one list of every request by the module that answers it: each workflow
//! (patrol, fishing-ban, inspection, finding, media, server, device, views) has its own `handle`.
//! This module only routes, and gives the recording workflows their store and times.

pub mod describe;
mod device;
pub mod documents;
mod finding;
mod fishing_ban;
mod inspection;
mod lookup;
pub mod media;
mod patrol;
mod patrol_report;
mod requests;
mod sync_run;
mod views;

pub use patrol_report::PatrolReport;

pub use requests::*;
use sync_run::SyncControl;
pub use sync_run::SyncGuard;

use crate::error::{CoreError, Result};
use crate::store::Store;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use xuncha_domain::payload::Payload;
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
    /// Official documents' renderer, made on first use (it holds the fonts).
    renderer: Mutex<Option<std::sync::Arc<xuncha_docs::Renderer>>>,
    /// Where documents' PDFs are saved, beside the database.
    documents: Option<std::path::PathBuf>,
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
        device.documents = Some(dir.join("documents"));
        Ok(device)
    }

    pub fn with_store(store: Store, clock: Clock) -> Device {
        Device {
            store: Mutex::new(store),
            clock,
            sync: SyncControl::new(None),
            blobs: None,
            photo_options: crate::photo::IngestOptions::default(),
            renderer: Mutex::new(None),
            documents: None,
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

    /// Where documents' PDFs are saved (`None` for a device built from parts).
    pub fn documents_dir(&self) -> Option<std::path::PathBuf> {
        self.documents.clone()
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

    pub fn handle(&self, request: Request) -> Result<Response> {
        use Workflow as W;
        match Workflow::of(&request) {
            // Work that is slow (network, image decoding) runs without holding the store's lock.
            W::Media => media::handle(self, request),
            W::Documents => documents::handle(self, request),
            W::Server => sync_run::handle(self, request),
            W::Device => {
                let now = self.now();
                device::handle(&mut self.store(), now, request)
            }
            W::Views => {
                let now = self.now();
                views::handle(&self.store(), now, request)
            }
            W::LateEntry => match request {
                Request::LateEntry { at, action } => self.record(*action, Some(at)),
                other => Err(misrouted(&other)),
            },
            W::Patrol | W::FishingBan | W::Inspection | W::Finding => self.record(request, None),
        }
    }

    /// Records one action of the three workflows: what happened now, or at `occurred` for a
    /// late entry (补录).
    fn record(&self, request: Request, occurred: Option<UnixMs>) -> Result<Response> {
        use Workflow as W;
        let workflow = Workflow::of(&request);
        if !workflow.records() {
            return Err(not_recording(&request));
        }
        let entered = self.now();
        let mut store = self.store();
        if let Some(at) = occurred {
            lookup::check_late_entry(&store, at, entered)?;
        }
        let mut r = Recording {
            store: &mut store,
            entered,
            occurred,
        };
        match workflow {
            W::Patrol => patrol::handle(&mut r, request),
            W::FishingBan => fishing_ban::handle(&mut r, request),
            W::Inspection => inspection::handle(&mut r, request),
            W::Finding => finding::handle(&mut r, request),
            _ => Err(misrouted(&request)),
        }
    }
}

/// The module that answers a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Workflow {
    Patrol,
    FishingBan,
    Inspection,
    Finding,
    Media,
    Server,
    Device,
    Views,
    Documents,
    LateEntry,
}

/// Which workflow answers each request: the one list of them all.
macro_rules! workflows {
    ($($workflow:ident: $($request:ident)|+;)+) => {
        fn of(request: &Request) -> Workflow {
            match request {
                $($(Request::$request { .. })|+ => Workflow::$workflow,)+
            }
        }
    };
}

impl Workflow {
    workflows! {
        Patrol: StartPatrol | AppendTrackPoints | EndPatrol;
        FishingBan: RecordBusinessCheck | TallyPublicity | RecordSeizure | SignCommitmentLetter;
        Inspection: StartInspection | AnswerChecklistItem | IssueOnSiteRecord | SignDocument | RecordRefusal
            | CloseInspection;
        Finding: ReportFinding | AmendFinding | AttachPhoto | AssignRectification | RectifyFinding
            | VerifyFinding | ReopenFinding;
        Media: ImportPhoto | ImportPhotoFile | PutSignature | GetBlob | CollectBlobs;
        Documents: ListDocuments | GetDocument;
        Server: Enrol | SignOut | SyncStatus | Sync | SyncProgress | CancelSync;
        Device: SetUser | IngestEvents | Rebuild | DeviceInfo | Outbox | VerifyLog;
        Views: Home | ListRecords | GetRecord | GetTrack | PatrolReport | ListOpenFindings | GetFinding
            | ListReaches | ListSites | ListChecklists;
        LateEntry: LateEntry;
    }

    /// The workflows' actions, which record what happened at a time and so may be entered late:
    /// queries, sync and set-up are not dated, and a late entry inside a late entry says nothing
    /// more.
    fn records(self) -> bool {
        matches!(
            self,
            Workflow::Patrol | Workflow::FishingBan | Workflow::Inspection | Workflow::Finding
        )
    }
}

/// An action being recorded: the store, when it happened and when it was entered. The two
/// times differ only for a late entry, whose event keeps the time of entry as its clock stamp.
struct Recording<'a> {
    store: &'a mut Store,
    entered: UnixMs,
    occurred: Option<UnixMs>,
}

impl Recording<'_> {
    /// When what is being recorded happened: now, or the late entry's time.
    fn now(&self) -> UnixMs {
        self.occurred.unwrap_or(self.entered)
    }

    fn append(&mut self, payload: Payload) -> Result<EventId> {
        Ok(self.store.append_late(payload, self.entered, self.occurred)?.id)
    }

    /// Appends one event; the answer names `id`, what it made or changed.
    fn record(&mut self, id: impl ToString, payload: Payload) -> Result<Response> {
        let event = self.append(payload)?;
        Ok(Response::Recorded(Recorded {
            id: id.to_string(),
            events: vec![event],
            number: None,
        }))
    }
}

/// The event an action records: the request's own fields as the front end sent them, and over
/// them `added`, what the device adds (a new id, the time, the signed-in user). A request and
/// its event name their shared fields alike, so the event is built from them once, here, and a
/// field added to both passes through without a line in the workflow. A request field the event
/// has no place for (a patrol's `at`, which the workflow made its start or end) is left behind;
/// `tests/store.rs` checks that every other one arrives unchanged.
fn event<T: serde::de::DeserializeOwned>(request: &Request, added: serde_json::Value) -> Result<T> {
    let internal = |e: serde_json::Error| CoreError::Other(format!("内部错误：事件无法由请求生成：{e}"));
    let mut fields = match serde_json::to_value(request).map_err(internal)? {
        serde_json::Value::Object(mut r) => match r.remove("args") {
            Some(serde_json::Value::Object(args)) => args,
            _ => serde_json::Map::new(),
        },
        _ => serde_json::Map::new(),
    };
    if let serde_json::Value::Object(added) = added {
        fields.extend(added);
    }
    serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| {
        // A number JSON has no word for (NaN, infinity) comes out as `null`: such a request
        // could not have been sent as JSON, and is refused as one would be.
        let as_json = serde_json::to_value(request).and_then(serde_json::from_value::<Request>);
        if as_json.is_ok_and(|r| r == *request) {
            internal(e)
        } else {
            CoreError::Invalid(xuncha_domain::validate::ValidationError::new(
                "args",
                "含有不是有效数字的数值（NaN 或无穷大）",
                "holds a number that is not a finite number (NaN or infinity)",
            ))
        }
    })
}

/// The action's name as the front ends send it.
fn action_name(request: &Request) -> String {
    serde_json::to_value(request)
        .ok()
        .and_then(|v| v.get("action").and_then(|a| a.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

fn not_recording(request: &Request) -> CoreError {
    let name = action_name(request);
    CoreError::Invalid(xuncha_domain::validate::ValidationError::new(
        "action",
        format!("“{name}”不是可以补录的记录操作"),
        format!("“{name}” is not a recording action that can be entered late"),
    ))
}

/// A request handed to a workflow that does not answer it: `Workflow::of` and that workflow's
/// `handle` disagree.
fn misrouted(request: &Request) -> CoreError {
    CoreError::Other(format!("内部错误：请求“{}”未被分派", action_name(request)))
}

#[cfg(test)]
mod tests {
    use super::{Request, event};
    use serde_json::json;
    use xuncha_domain::payload::{FindingReopened, FindingVerified};
    use xuncha_domain::{FindingId, UnixMs};

    // The other actions are checked through a device in `tests/store.rs`; these two are the
    // office's, which a device's own user may not do to their own findings.
    #[test]
    fn verifying_and_reopening_carry_the_request_into_the_event() {
        let finding = FindingId::new();
        let note = "已验收".to_owned();
        let verify = Request::VerifyFinding { finding, note };
        let v: FindingVerified = event(&verify, json!({ "verified_at": 7 })).expect("event");
        assert_eq!(
            (v.finding, v.note.as_str(), v.verified_at),
            (finding, "已验收", UnixMs(7))
        );
        let reopen = Request::ReopenFinding {
            finding,
            reason: "又有堆放".into(),
        };
        let r: FindingReopened = event(&reopen, json!({ "at": 8 })).expect("event");
        assert!(
            r.finding == finding && r.reason == "又有堆放" && r.at == UnixMs(8),
            "{r:?}"
        );
    }
}
