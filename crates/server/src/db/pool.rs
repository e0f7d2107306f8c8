//! The `Database`: a small pool of blocking connections of one backend, and transactions run on
//! tokio's blocking threads so the async server never waits on a database call. Both backends
//! are driven synchronously (rusqlite, and the `postgres` client) so that the rules written
//! against `Storage` are one piece of code for both. Must never hold a connection across an
//! await of anything but the transaction itself.

use super::{DatabaseUrl, Storage};
use crate::error::Error;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// What runs inside a transaction.
pub type TransactionBody<'a> = &'a mut dyn FnMut(&mut dyn Storage) -> Result<(), Error>;

/// One open connection of a backend.
pub trait Connection: Send {
    /// Runs `f` in a transaction: `write` transactions take the write lock at their start
    /// (SQLite `BEGIN IMMEDIATE`), others read a consistent snapshot. Commits when `f` is
    /// `Ok`, rolls back otherwise.
    fn transaction(&mut self, write: bool, f: TransactionBody<'_>) -> Result<(), Error>;
    /// A connection that broke (server gone) is dropped instead of going back to the pool.
    fn is_broken(&self) -> bool;
}

type Opener = Arc<dyn Fn() -> Result<Box<dyn Connection>, Error> + Send + Sync>;

/// The open database: chosen by URL at start, migrated, pooled.
pub struct Database {
    url: DatabaseUrl,
    idle: Mutex<Vec<Box<dyn Connection>>>,
    permits: Semaphore,
    opener: Opener,
}

impl Database {
    /// Opens (creating a SQLite file if needed) and migrates the database at `url`. `pool_size`
    /// bounds the open connections.
    pub async fn open(url: &str, pool_size: usize) -> Result<Arc<Database>, Error> {
        let url = DatabaseUrl::parse(url)?;
        let opener: Opener = match &url {
            DatabaseUrl::Sqlite(path) => {
                let path = path.clone();
                Arc::new(move || super::sqlite::connect(&path).map(|c| Box::new(c) as Box<dyn Connection>))
            }
            DatabaseUrl::Postgres(url) => {
                let url = url.clone();
                Arc::new(move || super::postgres::connect(&url).map(|c| Box::new(c) as Box<dyn Connection>))
            }
        };
        let migrate_url = url.clone();
        let first = tokio::task::spawn_blocking(move || -> Result<Box<dyn Connection>, Error> {
            match &migrate_url {
                DatabaseUrl::Sqlite(path) => {
                    let mut c = super::sqlite::connect(path)?;
                    super::sqlite::migrate(&mut c)?;
                    Ok(Box::new(c))
                }
                DatabaseUrl::Postgres(url) => {
                    let mut c = super::postgres::connect(url)?;
                    super::postgres::migrate(&mut c)?;
                    Ok(Box::new(c))
                }
            }
        })
        .await
        .map_err(|e| Error::Internal(format!("migration task: {e}")))??;
        Ok(Arc::new(Database {
            url,
            idle: Mutex::new(vec![first]),
            permits: Semaphore::new(pool_size.max(1)),
            opener,
        }))
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub fn backend_name(&self) -> &'static str {
        match self.url {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }

    /// Runs `f` in a write transaction.
    pub async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Storage) -> Result<T, Error> + Send + 'static,
    {
        self.run(true, f).await
    }

    /// Runs `f` in a read transaction.
    pub async fn read<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Storage) -> Result<T, Error> + Send + 'static,
    {
        self.run(false, f).await
    }

    async fn run<T, F>(&self, write: bool, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Storage) -> Result<T, Error> + Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::Internal("database pool closed".into()))?;
        let idle = self
            .idle
            .lock()
            .map_err(|_| Error::Internal("pool lock poisoned".into()))?
            .pop();
        let opener = self.opener.clone();
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let mut conn = match idle {
                Some(c) => c,
                None => match opener() {
                    Ok(c) => c,
                    Err(e) => return (None, Err(e)),
                },
            };
            let mut f = Some(f);
            let mut out = None;
            let r = conn.transaction(write, &mut |s| {
                let f = f
                    .take()
                    .ok_or_else(|| Error::Internal("transaction body ran twice".into()))?;
                out = Some(f(s)?);
                Ok(())
            });
            let result =
                r.and_then(|()| out.ok_or_else(|| Error::Internal("transaction gave nothing".into())));
            (Some(conn), result)
        })
        .await
        .map_err(|e| Error::Internal(format!("database task: {e}")))?;
        if let Some(c) = conn {
            if c.is_broken() {
                drop_off_runtime(vec![c]);
            } else if let Ok(mut idle) = self.idle.lock() {
                idle.push(c);
            }
        }
        result
    }
}

/// Closes connections on a plain thread: the `postgres` client blocks on its own runtime when
/// it closes, which must not happen on one of tokio's threads.
fn drop_off_runtime(conns: Vec<Box<dyn Connection>>) {
    if !conns.is_empty() {
        std::thread::spawn(move || drop(conns));
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut idle) = self.idle.lock() {
            drop_off_runtime(std::mem::take(&mut *idle));
        }
    }
}
