//! After the load: the server's database (the SQLite file or the PostgreSQL database, read
//! directly, not through the server) and its blob folder against what every device holds.
//! It only reads; each check prints PASS or FAIL.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use xuncha_core::Device;
use xuncha_domain::BlobHash;

/// The server's database, read with plain SQL; every column is selected as text.
pub enum ServerDb {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::Client),
}

impl ServerDb {
    pub fn open(database_url: &str) -> ServerDb {
        match database_url.strip_prefix("sqlite://") {
            Some(path) => ServerDb::Sqlite(
                rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                    .expect("open the server's SQLite file"),
            ),
            None => ServerDb::Postgres(
                postgres::Client::connect(database_url, postgres::NoTls).expect("connect to PostgreSQL"),
            ),
        }
    }

    /// Rows of a query without parameters whose columns are all text.
    pub fn rows(&mut self, sql: &str) -> Result<Vec<Vec<String>>, String> {
        match self {
            ServerDb::Sqlite(c) => {
                let mut st = c.prepare(sql).map_err(|e| e.to_string())?;
                let n = st.column_count();
                let rows = st
                    .query_map([], |r| (0..n).map(|i| r.get::<_, String>(i)).collect())
                    .map_err(|e| e.to_string())?;
                rows.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())
            }
            ServerDb::Postgres(c) => {
                let rows = c.query(sql, &[]).map_err(|e| e.to_string())?;
                Ok(rows
                    .iter()
                    .map(|r| (0..r.len()).map(|i| r.get::<_, String>(i)).collect())
                    .collect())
            }
        }
    }

    pub fn count(&mut self, sql: &str) -> Result<i64, String> {
        let rows = self.rows(sql)?;
        rows.first()
            .and_then(|r| r.first())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no count from {sql}"))
    }
}

pub struct Verdict {
    pub failed: usize,
}

impl Verdict {
    pub fn check(&mut self, ok: bool, what: &str, detail: impl std::fmt::Display) {
        if ok {
            println!("  PASS  {what}: {detail}");
        } else {
            self.failed += 1;
            println!("  FAIL  {what}: {detail}");
        }
    }
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Runs every check; returns how many failed.
pub fn verify(db: &mut ServerDb, blob_dir: &Path, devices: &[Device]) -> usize {
    let mut v = Verdict { failed: 0 };

    // -- events: no duplicate rows at all
    let total = db
        .count("SELECT CAST(count(*) AS TEXT) FROM events")
        .expect("count");
    let ids = db
        .count("SELECT CAST(count(DISTINCT id) AS TEXT) FROM events")
        .expect("count");
    let device_seqs = db
        .count("SELECT CAST(count(*) AS TEXT) FROM (SELECT DISTINCT device, seq FROM events) x")
        .expect("count");
    v.check(
        total == ids && total == device_seqs,
        "no duplicate event rows",
        format!("{total} rows, {ids} distinct ids, {device_seqs} distinct (device, seq)"),
    );

    // -- events: each device's, exactly once, same hashes, nothing left in its outbox
    let mut on_server: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in db
        .rows("SELECT device, id, hash FROM events ORDER BY device, seq")
        .expect("events")
    {
        on_server
            .entry(r[0].clone())
            .or_default()
            .push((r[1].clone(), r[2].clone()));
    }
    let mut device_events = 0usize;
    let mut wrong_devices = Vec::new();
    let mut unacked = 0u64;
    let mut referenced: BTreeSet<BlobHash> = BTreeSet::new();
    let mut ours = BTreeSet::new();
    for d in devices {
        let (id, mine, outbox, refs) = d.with_store_mut(|s| {
            let id = s.device_id();
            (
                id,
                s.events_of_device(id).expect("device events"),
                s.outbox_len().expect("outbox"),
                s.referenced_blobs().expect("refs"),
            )
        });
        unacked += outbox;
        referenced.extend(refs.into_iter().map(|(h, _)| h));
        let mine: Vec<(String, String)> = mine.iter().map(|e| (e.id.to_string(), e.hash.to_hex())).collect();
        device_events += mine.len();
        let theirs = on_server.get(&id.to_string()).cloned().unwrap_or_default();
        if mine != theirs {
            wrong_devices.push(format!(
                "{id}: device {} events, server {}",
                mine.len(),
                theirs.len()
            ));
        }
        ours.insert(id.to_string());
    }
    v.check(
        wrong_devices.is_empty(),
        "every device's events on the server exactly once (same ids, hashes, order)",
        if wrong_devices.is_empty() {
            format!("{device_events} events from {} devices", devices.len())
        } else {
            format!(
                "{} devices differ, e.g. {}",
                wrong_devices.len(),
                wrong_devices[0]
            )
        },
    );
    v.check(
        unacked == 0,
        "nothing left unacknowledged in any outbox after the final sync",
        format!("{unacked} events waiting"),
    );
    let server_chain = db
        .count(
            "SELECT CAST(count(*) AS TEXT) FROM events e JOIN devices d ON d.id = e.device \
             WHERE d.user_id IS NULL",
        )
        .expect("count");
    let others: usize = on_server
        .iter()
        .filter(|(d, _)| !ours.contains(*d))
        .map(|(_, e)| e.len())
        .sum();
    v.check(
        others as i64 == server_chain,
        "no events but the devices' and the server's own chain",
        format!("{device_events} device events + {server_chain} server-chain events = {total} rows"),
    );

    // -- blobs: every referenced blob stored exactly once, and nothing else
    let stored: Vec<Vec<String>> = db
        .rows("SELECT hash, CAST(size AS TEXT) FROM blobs")
        .expect("blobs");
    let stored_hashes: BTreeSet<String> = stored.iter().map(|r| r[0].clone()).collect();
    let wanted: BTreeSet<String> = referenced.iter().map(BlobHash::to_hex).collect();
    let server_refs: BTreeSet<String> = db
        .rows("SELECT DISTINCT hash FROM blob_refs")
        .expect("blob_refs")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    v.check(
        stored.len() == stored_hashes.len(),
        "one blobs row per hash",
        format!("{} rows, {} distinct hashes", stored.len(), stored_hashes.len()),
    );
    v.check(
        server_refs == wanted,
        "the hashes the server's events reference are the ones the devices' events reference",
        format!("server {} / devices {}", server_refs.len(), wanted.len()),
    );
    v.check(
        stored_hashes == wanted,
        "blobs table == distinct hashes referenced",
        format!(
            "{} stored, {} referenced, {} missing, {} unreferenced",
            stored_hashes.len(),
            wanted.len(),
            wanted.difference(&stored_hashes).count(),
            stored_hashes.difference(&wanted).count()
        ),
    );
    let mut files = Vec::new();
    files_under(blob_dir, &mut files);
    let mut bad = Vec::new();
    let mut seen = BTreeSet::new();
    for r in &stored {
        let (hex, size) = (&r[0], &r[1]);
        let path = blob_dir.join(&hex[..2]).join(hex);
        match std::fs::read(&path) {
            Ok(bytes) if BlobHash::of(&bytes).to_hex() == *hex && bytes.len().to_string() == *size => {
                seen.insert(path);
            }
            Ok(_) => bad.push(format!("{hex}: wrong bytes or size")),
            Err(e) => bad.push(format!("{hex}: {e}")),
        }
    }
    let strays: Vec<&PathBuf> = files.iter().filter(|f| !seen.contains(*f)).collect();
    v.check(
        bad.is_empty(),
        "each stored blob's file present, its bytes hashing to its name",
        if bad.is_empty() {
            format!("{} files", seen.len())
        } else {
            format!("{} bad, e.g. {}", bad.len(), bad[0])
        },
    );
    v.check(
        strays.is_empty(),
        "no other files in the blob folder",
        if strays.is_empty() {
            format!("{} files in all", files.len())
        } else {
            format!("{} strays, e.g. {}", strays.len(), strays[0].display())
        },
    );
    match db.count("SELECT CAST(count(*) AS TEXT) FROM upload_parts") {
        Ok(n) => v.check(n == 0, "no unfinished upload parts left", format!("{n} parts")),
        Err(_) => match db.count("SELECT CAST(count(*) AS TEXT) FROM blob_parts") {
            Ok(n) => v.check(n == 0, "no unfinished upload parts left", format!("{n} parts")),
            Err(e) => println!("  info  upload parts not counted: {e}"),
        },
    }
    v.failed
}
