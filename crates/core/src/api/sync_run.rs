//! The server's requests (enrol, sync, its progress and status, sign out), and one sync at a
//! time per device store: what the running one is doing, and how to stop it. Kept apart from
//! the store's lock, so that `SyncProgress` and `CancelSync` are answered while `Sync` is still
//! on its way.

use super::{Device, Request, Response, SyncStatus, media, misrouted};
use crate::error::{CoreError, Result};
use crate::store::{BlobUse, Store};
use crate::sync::{SyncOptions, SyncProgress, SyncReport};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Network work runs without the store's lock; the sync engine takes it step by step.
pub(super) fn handle(device: &Device, request: Request) -> Result<Response> {
    match request {
        Request::Enrol {
            server_url,
            login,
            password,
            device_name,
        } => {
            let account = crate::sync::enrol(device, &server_url, &login, &password, &device_name)?;
            Ok(Response::Account(Box::new(account)))
        }
        Request::Sync { allow_originals } => {
            let blobs = media::blob_store(device.blobs.as_ref())?;
            let opts = SyncOptions {
                allow_originals: allow_originals.unwrap_or(false),
                ..Default::default()
            };
            let report = device.sync_reporting_progress(blobs, &opts)?;
            Ok(Response::Synced(Box::new(report)))
        }
        Request::SyncProgress => Ok(Response::SyncProgress(device.sync.progress().map(Box::new))),
        Request::CancelSync => {
            device.sync.cancel();
            Ok(Response::Done)
        }
        Request::SignOut => {
            // Tells the server to end the token when it can be reached.
            crate::sync::sign_out(device)?;
            Ok(Response::Done)
        }
        Request::SyncStatus => sync_status(&device.store(), device.blobs.as_ref()),
        other => Err(misrouted(&other)),
    }
}

/// What waits to go to the server: events, photos and their bytes, originals kept back.
fn sync_status(s: &Store, blobs: Option<&crate::blobs::BlobStore>) -> Result<Response> {
    let refs = s.referenced_blobs()?;
    let on_server = s.blobs_on_server()?;
    let mut seen = std::collections::HashSet::new();
    let (mut pending, mut bytes, mut originals) = (0u64, 0u64, 0u64);
    for (h, usage) in &refs {
        if on_server.contains(h) || !seen.insert(*h) {
            continue;
        }
        if *usage == BlobUse::Original {
            originals += 1;
        } else {
            pending += 1;
            bytes += blobs
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

pub(super) struct SyncControl {
    /// Held while a sync runs in this process.
    running: Mutex<()>,
    /// Locked while a sync runs in any process (next to the database file).
    lock_path: Option<PathBuf>,
    /// The running sync's latest progress; `None` when none runs here.
    progress: Mutex<Option<SyncProgress>>,
    /// Set by `cancel`; the running sync stops at its next step.
    cancel: AtomicBool,
}

/// Proof that this is the only sync of this device store; released on drop.
pub struct SyncGuard<'a> {
    _here: MutexGuard<'a, ()>,
    _file: Option<std::fs::File>,
}

impl SyncControl {
    pub(super) fn new(lock_path: Option<PathBuf>) -> SyncControl {
        SyncControl {
            running: Mutex::new(()),
            lock_path,
            progress: Mutex::new(None),
            cancel: AtomicBool::new(false),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Option<SyncProgress>> {
        // Only ever holds a copy of plain numbers: a poisoned lock holds nothing half-made.
        self.progress.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn progress(&self) -> Option<SyncProgress> {
        self.slot().clone()
    }

    /// Asks the running sync, if any, to stop at its next step.
    pub(super) fn cancel(&self) {
        if self.slot().is_some() {
            self.cancel.store(true, Ordering::Relaxed);
        }
    }

    fn begin(&self) -> Result<SyncGuard<'_>> {
        let here = match self.running.try_lock() {
            Ok(g) => g,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return Err(CoreError::SyncBusy),
        };
        let file = match &self.lock_path {
            None => None,
            Some(path) => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(path)?;
                match f.try_lock() {
                    Ok(()) => Some(f),
                    Err(std::fs::TryLockError::WouldBlock) => return Err(CoreError::SyncBusy),
                    Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
                }
            }
        };
        Ok(SyncGuard {
            _here: here,
            _file: file,
        })
    }
}

impl Device {
    /// Starts a sync, or says another one is running (in this process or another).
    pub fn begin_sync(&self) -> Result<SyncGuard<'_>> {
        self.sync.begin()
    }

    /// One sync whose progress `SyncProgress` can read and `CancelSync` can stop. A second
    /// sync started meanwhile is refused here and leaves this one's progress alone.
    pub(super) fn sync_reporting_progress(
        &self,
        blobs: &crate::blobs::BlobStore,
        opts: &SyncOptions,
    ) -> Result<SyncReport> {
        {
            let mut slot = self.sync.slot();
            if slot.is_some() {
                return Err(CoreError::SyncBusy);
            }
            *slot = Some(SyncProgress::default());
        }
        self.sync.cancel.store(false, Ordering::Relaxed);
        let mut publish = |p: &SyncProgress| *self.sync.slot() = Some(p.clone());
        let result = crate::sync::sync(self, blobs, opts, &mut publish, &self.sync.cancel);
        *self.sync.slot() = None;
        self.sync.cancel.store(false, Ordering::Relaxed);
        result
    }
}
