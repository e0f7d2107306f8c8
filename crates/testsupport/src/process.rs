//! A `xuncha-server serve` process on 127.0.0.1:0 over a test database, as an operator runs it.

use crate::Backend;
use tokio::io::{AsyncBufReadExt, BufReader};

/// The running process (killed on drop) and its address.
pub struct ServerProcess {
    pub child: tokio::process::Child,
    pub base: String,
}

impl ServerProcess {
    /// Starts `bin` (the test's `env!("CARGO_BIN_EXE_xuncha-server")`) on `backend` and waits
    /// for the line it prints once its listener is bound: no sleeping, no polling.
    pub async fn spawn(bin: &str, backend: &Backend) -> ServerProcess {
        let mut child = tokio::process::Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--database-url"])
            .arg(&backend.database_url)
            .arg("--blob-url")
            .arg(backend.blob_url())
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.next_line().await.unwrap().unwrap();
        let addr = line.strip_prefix("listening on ").unwrap();
        ServerProcess {
            base: format!("http://{addr}"),
            child,
        }
    }
}
