//! The device's blob store: photos and other evidence files, named by the SHA-256 of their bytes
//! (`BlobHash`) and kept under one folder as `<root>/<first two hex digits>/<64 hex digits>`.
//!
//! A blob becomes visible only complete: `put` writes a temporary file in the blob's own folder,
//! fsyncs it, renames it to its hash and fsyncs the folder, so a crash at any point leaves either
//! nothing or the whole blob, and an event may refer to a hash only after `put` returned it.
//! Leftover temporary files are swept when the store is opened. Reads verify the hash, so a
//! changed byte on disk is reported, never served.
//!
//! This module never decides on its own what may be deleted: `collect_garbage` is told which
//! blobs events refer to and which the server has not yet confirmed, and keeps both.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use xuncha_domain::hash::BlobHash;

/// Temporary files start with this, so no hash (64 hex digits) can ever be mistaken for one.
const TEMP_PREFIX: &str = ".tmp-";

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob store I/O on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("blob {0} is not in the store")]
    Missing(BlobHash),
    /// The bytes on disk no longer hash to the blob's name (disk fault, tampering).
    #[error("blob {expected} is damaged on disk: its bytes hash to {found}")]
    Corrupt { expected: BlobHash, found: BlobHash },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> BlobError + '_ {
    move |source| BlobError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What a garbage collection did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GcReport {
    pub deleted: Vec<BlobHash>,
    pub deleted_bytes: u64,
    /// Unreferenced blobs kept because they are younger than the grace period.
    pub kept_young: usize,
    /// Unreferenced blobs kept because the server has not confirmed them.
    pub kept_pinned: usize,
}

/// The blob folder of one device. Open it once per process (opening sweeps temporary files,
/// which would break a `put` running at that moment in another process).
#[derive(Debug)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// Opens (creating if needed) the store at `root` and removes temporary files that a crash
    /// left behind.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(io_at(&root))?;
        let store = Self { root };
        store.sweep_temporaries()?;
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob's file is (or would be). Reading it directly skips the hash check: use it
    /// to stream an upload whose receiver verifies the hash anyway.
    pub fn path_of(&self, hash: &BlobHash) -> PathBuf {
        let hex = hash.to_hex();
        self.root.join(&hex[..2]).join(hex)
    }

    pub fn contains(&self, hash: &BlobHash) -> bool {
        self.path_of(hash).is_file()
    }

    /// Stores `bytes` durably and returns their hash. Storing bytes that are already there is
    /// harmless: the existing file is checked, replaced if damaged, and its age reset (so a
    /// just-retaken identical photo gets the grace period again).
    pub fn put(&self, bytes: &[u8]) -> Result<BlobHash, BlobError> {
        let hash = BlobHash::of(bytes);
        let path = self.path_of(&hash);
        if path.is_file() {
            match self.get(&hash) {
                Ok(_) => {
                    let file = File::options().write(true).open(&path).map_err(io_at(&path))?;
                    file.set_modified(SystemTime::now()).map_err(io_at(&path))?;
                    return Ok(hash);
                }
                // Damaged on disk: write it again below; the rename replaces the bad file.
                Err(BlobError::Corrupt { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        self.ensure_dir(&dir)?;

        let temp = dir.join(format!("{TEMP_PREFIX}{}-{}", hash.to_hex(), unique_suffix()));
        let written = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)
                .map_err(io_at(&temp))?;
            file.write_all(bytes).map_err(io_at(&temp))?;
            file.sync_all().map_err(io_at(&temp))?;
            drop(file);
            fs::rename(&temp, &path).map_err(io_at(&path))?;
            sync_dir(&dir)
        })();
        if written.is_err() {
            // Best effort: a leftover would be swept at the next open anyway.
            let _ = fs::remove_file(&temp);
        }
        written.map(|()| hash)
    }

    /// The blob's bytes, after checking that they still hash to its name.
    pub fn get(&self, hash: &BlobHash) -> Result<Vec<u8>, BlobError> {
        let path = self.path_of(hash);
        let mut bytes = Vec::new();
        match File::open(&path) {
            Ok(mut f) => f.read_to_end(&mut bytes).map_err(io_at(&path))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(BlobError::Missing(*hash)),
            Err(e) => return Err(io_at(&path)(e)),
        };
        let found = BlobHash::of(&bytes);
        if found != *hash {
            return Err(BlobError::Corrupt {
                expected: *hash,
                found,
            });
        }
        Ok(bytes)
    }

    /// Every blob in the store (files named by a hash; anything else is ignored).
    pub fn list(&self) -> Result<Vec<BlobHash>, BlobError> {
        let mut out = Vec::new();
        for (_, path) in self.files()? {
            if let Some(hash) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.parse().ok())
            {
                out.push(hash);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Deletes blobs that no event refers to, except:
    /// - those in `pinned`: the caller must put there every original the server has not yet
    ///   confirmed — this store cannot know it, and an original is kept until the server has it;
    /// - those younger than `grace` (by file time, against `now`): a photo taken but not yet
    ///   attached by an event must survive until its event is written.
    ///
    /// `referenced` is what the events on this device refer to and the device still wants.
    pub fn collect_garbage(
        &self,
        referenced: &HashSet<BlobHash>,
        pinned: &HashSet<BlobHash>,
        grace: Duration,
        now: SystemTime,
    ) -> Result<GcReport, BlobError> {
        let mut report = GcReport::default();
        for hash in self.list()? {
            if referenced.contains(&hash) {
                continue;
            }
            if pinned.contains(&hash) {
                report.kept_pinned += 1;
                continue;
            }
            let path = self.path_of(&hash);
            let meta = fs::metadata(&path).map_err(io_at(&path))?;
            let modified = meta.modified().map_err(io_at(&path))?;
            // A file time in the future (clock changed) counts as young: keeping is the safe side.
            let age = now.duration_since(modified).unwrap_or(Duration::ZERO);
            if age < grace {
                report.kept_young += 1;
                continue;
            }
            fs::remove_file(&path).map_err(io_at(&path))?;
            report.deleted.push(hash);
            report.deleted_bytes += meta.len();
        }
        if !report.deleted.is_empty() {
            for dir in self.prefix_dirs()? {
                sync_dir(&dir)?;
            }
        }
        Ok(report)
    }

    fn ensure_dir(&self, dir: &Path) -> Result<(), BlobError> {
        if dir.is_dir() {
            return Ok(());
        }
        fs::create_dir_all(dir).map_err(io_at(dir))?;
        // The new folder's own entry must be durable too, or a crash could lose the folder with
        // the blob that was renamed into it.
        sync_dir(&self.root)
    }

    fn prefix_dirs(&self) -> Result<Vec<PathBuf>, BlobError> {
        let mut dirs = Vec::new();
        for entry in fs::read_dir(&self.root).map_err(io_at(&self.root))? {
            let entry = entry.map_err(io_at(&self.root))?;
            let name = entry.file_name();
            let is_prefix = name.len() == 2
                && name
                    .to_str()
                    .is_some_and(|n| n.bytes().all(|b| b.is_ascii_hexdigit()));
            if is_prefix && entry.file_type().map_err(io_at(&entry.path()))?.is_dir() {
                dirs.push(entry.path());
            }
        }
        Ok(dirs)
    }

    /// (file name, path) of every file in the prefix folders.
    fn files(&self) -> Result<Vec<(String, PathBuf)>, BlobError> {
        let mut out = Vec::new();
        for dir in self.prefix_dirs()? {
            for entry in fs::read_dir(&dir).map_err(io_at(&dir))? {
                let entry = entry.map_err(io_at(&dir))?;
                if let Some(name) = entry.file_name().to_str() {
                    out.push((name.to_owned(), entry.path()));
                }
            }
        }
        Ok(out)
    }

    fn sweep_temporaries(&self) -> Result<(), BlobError> {
        for (name, path) in self.files()? {
            if name.starts_with(TEMP_PREFIX) {
                fs::remove_file(&path).map_err(io_at(&path))?;
            }
        }
        Ok(())
    }
}

fn sync_dir(dir: &Path) -> Result<(), BlobError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_at(dir))
}

/// Distinguishes concurrent writers of the same bytes within and across processes.
fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, BlobStore) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = BlobStore::open(dir.path().join("blobs")).expect("open");
        (dir, store)
    }

    #[test]
    fn a_blob_is_stored_under_its_hash_and_read_back() {
        let (_d, store) = store();
        let hash = store.put(b"photo bytes").expect("put");
        assert_eq!(hash, BlobHash::of(b"photo bytes"));
        let hex = hash.to_hex();
        assert!(store.root().join(&hex[..2]).join(&hex).is_file());
        assert_eq!(store.get(&hash).expect("get"), b"photo bytes");
        assert_eq!(store.list().expect("list"), vec![hash]);
        assert_eq!(store.put(b"photo bytes").expect("again"), hash);
        assert_eq!(store.list().expect("list").len(), 1);
    }

    #[test]
    fn a_flipped_byte_on_disk_is_detected_and_a_new_put_repairs_it() {
        let (_d, store) = store();
        let hash = store.put(b"evidence").expect("put");
        let path = store.path_of(&hash);
        let mut bytes = fs::read(&path).expect("read");
        bytes[3] ^= 0x01;
        fs::write(&path, &bytes).expect("write");
        assert!(matches!(store.get(&hash), Err(BlobError::Corrupt { expected, .. }) if expected == hash));
        store.put(b"evidence").expect("put again");
        assert_eq!(store.get(&hash).expect("repaired"), b"evidence");
    }

    #[test]
    fn a_missing_blob_is_reported_as_missing() {
        let (_d, store) = store();
        let hash = BlobHash::of(b"never stored");
        assert!(matches!(store.get(&hash), Err(BlobError::Missing(h)) if h == hash));
        assert!(!store.contains(&hash));
    }

    #[test]
    fn garbage_collection_keeps_referenced_pinned_and_young_blobs() {
        let (_d, store) = store();
        let referenced = store.put(b"attached photo").expect("put");
        let pinned = store.put(b"original the server lacks").expect("put");
        let young = store.put(b"just taken").expect("put");
        let orphan = store.put(b"abandoned").expect("put");
        let day = Duration::from_secs(86_400);
        for h in [referenced, pinned, orphan] {
            let f = File::options().write(true).open(store.path_of(&h)).expect("open");
            f.set_modified(SystemTime::now() - 2 * day).expect("age it");
        }
        let report = store
            .collect_garbage(
                &HashSet::from([referenced]),
                &HashSet::from([pinned]),
                day,
                SystemTime::now(),
            )
            .expect("gc");
        assert_eq!(report.deleted, vec![orphan]);
        assert_eq!(report.deleted_bytes, b"abandoned".len() as u64);
        assert_eq!((report.kept_young, report.kept_pinned), (1, 1));
        let mut left = store.list().expect("list");
        left.sort();
        let mut want = vec![referenced, pinned, young];
        want.sort();
        assert_eq!(left, want);
    }

    #[test]
    fn opening_sweeps_temporary_files_but_keeps_blobs() {
        let (d, store) = store();
        let hash = store.put(b"complete").expect("put");
        let prefix = store.path_of(&hash).parent().expect("dir").to_path_buf();
        fs::write(
            prefix.join(format!("{TEMP_PREFIX}{}-1-0", hash.to_hex())),
            b"half",
        )
        .expect("temp");
        drop(store);
        let store = BlobStore::open(d.path().join("blobs")).expect("reopen");
        assert_eq!(fs::read_dir(&prefix).expect("dir").count(), 1);
        assert_eq!(store.get(&hash).expect("get"), b"complete");
    }
}
