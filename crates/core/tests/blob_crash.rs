//! A crash at any moment of `BlobStore::put` leaves nothing or a complete blob: a child process
//! (this test binary run again in the writer role) writes blobs in a loop and is killed with
//! SIGKILL at random moments; after each kill the store is reopened and checked.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use xuncha_core::blobs::BlobStore;
use xuncha_domain::hash::BlobHash;

const CHILD_DIR_VAR: &str = "XUNCHA_BLOB_CRASH_CHILD_DIR";

fn random_u64() -> u64 {
    getrandom::u64().expect("the OS random source")
}

/// The child role: writes blobs of 256 KiB..4 MiB until it is killed. Run only by the parent
/// test below (it is `#[ignore]`d so a normal run skips it).
#[test]
#[ignore = "the writer role of blob_writes_survive_sigkill_at_random_moments"]
fn blob_writer_child_role() {
    let Ok(dir) = std::env::var(CHILD_DIR_VAR) else {
        return;
    };
    let store = BlobStore::open(dir).expect("child opens the store");
    // One block of noise made up front, so the child spends its time in `put` (where the
    // kills should land), not in making data; each blob gets a distinct prefix.
    let mut seed = random_u64() | 1;
    let mut noise = vec![0u8; 4 * 1024 * 1024];
    for chunk in noise.chunks_mut(8) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    for n in 0u64.. {
        let len = 256 * 1024 + (random_u64() % (noise.len() as u64 - 256 * 1024)) as usize;
        let blob = &mut noise[..len];
        blob[..8].copy_from_slice(&(n ^ seed).to_le_bytes());
        store.put(blob).expect("child put");
    }
}

fn temporaries_in(root: &Path) -> usize {
    let Ok(dirs) = fs::read_dir(root) else { return 0 };
    dirs.flatten()
        .filter(|d| d.path().is_dir())
        .flat_map(|d| fs::read_dir(d.path()).into_iter().flatten().flatten())
        .filter(|f| f.file_name().to_string_lossy().starts_with(".tmp-"))
        .count()
}

#[test]
fn blob_writes_survive_sigkill_at_random_moments() {
    let exe = std::env::current_exe().expect("test binary path");
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("blobs");
    let trials = 12;
    let mut temporaries_seen = 0;
    for trial in 0..trials {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "blob_writer_child_role",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR_VAR, &root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the writer");
        // The moment of the kill is random, so over the trials it falls into writing, fsync,
        // rename and the folder fsync alike.
        std::thread::sleep(Duration::from_millis(20 + random_u64() % 300));
        child.kill().expect("SIGKILL the writer");
        child.wait().expect("reap the writer");

        temporaries_seen += temporaries_in(&root);
        let store = BlobStore::open(&root).expect("reopen after the crash");
        assert_eq!(
            temporaries_in(&root),
            0,
            "trial {trial}: temporary files survive open"
        );
        for hash in store.list().expect("list") {
            let bytes = store.get(&hash).unwrap_or_else(|e| panic!("trial {trial}: {e}"));
            assert_eq!(BlobHash::of(&bytes), hash);
        }
    }
    let blobs = BlobStore::open(&root).expect("open").list().expect("list").len();
    eprintln!("{trials} kills: {blobs} complete blobs, {temporaries_seen} half-written files swept");
    assert!(
        blobs > 0,
        "the writer never completed a blob: the test did not exercise anything"
    );
}
