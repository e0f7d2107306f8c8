//! A test database of either backend: SQLite in a temporary folder, or a fresh database on the
//! test PostgreSQL (`XUNCHA_TEST_PG_URL`, started by scripts/pg.sh), dropped afterwards.

use std::sync::atomic::{AtomicU64, Ordering};
use tempfile::TempDir;
use xuncha_server::app::Config;
use xuncha_server::limits::Limits;

pub struct Backend {
    pub name: &'static str,
    pub database_url: String,
    /// The blobs' folder (and SQLite's file) live here.
    pub dir: TempDir,
    pg_drop: Option<(String, String)>,
}

impl Backend {
    pub fn blob_url(&self) -> String {
        self.dir.path().join("blobs").to_string_lossy().into_owned()
    }

    /// A server's configuration on this database, with the default limits.
    pub fn config(&self) -> Config {
        self.config_with(Limits::default())
    }

    pub fn config_with(&self, limits: Limits) -> Config {
        Config {
            database_url: self.database_url.clone(),
            blob_url: self.blob_url(),
            pool_size: 8,
            limits,
        }
    }
}

pub fn sqlite() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("xuncha.db").display());
    Backend {
        name: "sqlite",
        database_url,
        dir,
        pg_drop: None,
    }
}

static PG_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh database on the test PostgreSQL; `None` (with a notice) when there is none, which is
/// a failure under CI, where the PostgreSQL tests must run.
pub fn postgres() -> Option<Backend> {
    let Ok(base) = std::env::var("XUNCHA_TEST_PG_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "XUNCHA_TEST_PG_URL is not set under CI: the PostgreSQL tests must run (see scripts/pg.sh)"
        );
        eprintln!(
            "NOTICE: XUNCHA_TEST_PG_URL unset — PostgreSQL variant skipped (run `eval \"$(scripts/pg.sh start)\"`)"
        );
        return None;
    };
    let name = format!(
        "xt_{}_{}_{}",
        std::process::id(),
        PG_COUNTER.fetch_add(1, Ordering::SeqCst),
        uuid::Uuid::now_v7().simple()
    );
    let statement = format!("CREATE DATABASE {name}");
    let created = on_postgres(&base, move |c| c.batch_execute(&statement).unwrap());
    assert!(created, "could not create the test database {name}");
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(Backend {
        name: "postgres",
        database_url: format!("{prefix}/{name}"),
        dir: tempfile::tempdir().unwrap(),
        pg_drop: Some((base, name)),
    })
}

/// Runs `f` on a connection to `url` on a thread of its own (the blocking client may not run
/// inside the async tests' runtime); whether it finished without panicking.
fn on_postgres(url: &str, f: impl FnOnce(&mut postgres::Client) + Send + 'static) -> bool {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("the test PostgreSQL");
        f(&mut c);
    })
    .join()
    .is_ok()
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some((base, name)) = self.pg_drop.take() {
            let statement = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            on_postgres(&base, move |c| {
                let _ = c.batch_execute(&statement);
            });
        }
    }
}
