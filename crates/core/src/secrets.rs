//! Where the device keeps its two secrets — the Ed25519 signing key every event is signed with,
//! and the token the server knows it by (and a signed-out token until the server has ended it).
//!
//! - [`KeyStore::File`]: in the device's store file, which is readable by its owner only
//!   (0600). The documented fallback for desktops without a keystore, and for phones, whose
//!   app-private storage the OS already keeps from other apps.
//! - [`KeyStore::System`]: in the operating system's keystore (Secret Service on Linux
//!   desktops, Keychain on macOS, Credential Manager on Windows), under the service `xuncha` and
//!   the device's id; the store file then holds neither. A store whose secrets are still in the
//!   file moves them into the keystore the first time it is opened this way, and the file's
//!   copies are overwritten (SQLite `secure_delete`).
//! - [`KeyStore::Auto`]: the system keystore where one answers, otherwise the file.
//!
//! A store whose secrets are in the keystore cannot be opened without it: the error says so
//! and nothing in the store is changed.

use crate::error::{CoreError, Result};
use xuncha_domain::DeviceId;

/// A place for named secrets outside the store file.
pub trait SecretStore: Send {
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>>;
    fn set(&self, name: &str, value: &[u8]) -> Result<()>;
    fn delete(&self, name: &str) -> Result<()>;
}

/// Where to keep the device's secrets (see the module's documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyStore {
    #[default]
    File,
    System,
    Auto,
}

impl std::str::FromStr for KeyStore {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<KeyStore> {
        match s {
            "file" => Ok(KeyStore::File),
            "system" => Ok(KeyStore::System),
            "auto" => Ok(KeyStore::Auto),
            _ => Err(CoreError::invalid(
                "keystore",
                format!("只能是 file、system 或 auto，不是 {s:?}"),
                format!("must be file, system or auto, not {s:?}"),
            )),
        }
    }
}

/// The names under which one device's secrets are kept: several devices (data folders) of one
/// desktop account share the keystore.
pub(crate) fn name(device: DeviceId, what: &str) -> String {
    format!("{device}/{what}")
}

pub(crate) const SIGNING_KEY: &str = "signing-key";
pub(crate) const TOKEN: &str = "token";
pub(crate) const REVOKED_TOKEN: &str = "signed-out-token";

fn unavailable(why: impl std::fmt::Display) -> CoreError {
    CoreError::Other(format!(
        "系统钥匙串无法使用（{why}）：请在已解锁钥匙串的桌面会话中运行，或改用 --keystore file"
    ))
}

/// The secret store `policy` asks for: `None` means the store file.
pub fn open(policy: KeyStore) -> Result<Option<Box<dyn SecretStore>>> {
    match policy {
        KeyStore::File => Ok(None),
        KeyStore::System => system::SystemKeystore::open().map(|k| Some(Box::new(k) as Box<dyn SecretStore>)),
        KeyStore::Auto => Ok(system::SystemKeystore::open()
            .ok()
            .map(|k| Box::new(k) as Box<dyn SecretStore>)),
    }
}

#[cfg(feature = "keystore")]
mod system {
    use super::*;

    /// The OS keystore through the `keyring` crate, service `xuncha`.
    pub struct SystemKeystore;

    const SERVICE: &str = "xuncha";

    fn entry(name: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(SERVICE, name).map_err(unavailable)
    }

    impl SystemKeystore {
        /// Answers only if the keystore does: a read of a name nobody uses must come back
        /// empty, not fail.
        pub fn open() -> Result<SystemKeystore> {
            match entry("probe")?.get_secret() {
                Ok(_) | Err(keyring::Error::NoEntry) => Ok(SystemKeystore),
                Err(e) => Err(unavailable(e)),
            }
        }
    }

    impl SecretStore for SystemKeystore {
        fn get(&self, name: &str) -> Result<Option<Vec<u8>>> {
            match entry(name)?.get_secret() {
                Ok(v) => Ok(Some(v)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(unavailable(e)),
            }
        }

        fn set(&self, name: &str, value: &[u8]) -> Result<()> {
            entry(name)?.set_secret(value).map_err(unavailable)
        }

        fn delete(&self, name: &str) -> Result<()> {
            match entry(name)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(unavailable(e)),
            }
        }
    }
}

#[cfg(not(feature = "keystore"))]
mod system {
    use super::*;

    pub struct SystemKeystore;

    impl SystemKeystore {
        pub fn open() -> Result<SystemKeystore> {
            Err(unavailable("此版本构建时未包含系统钥匙串支持"))
        }
    }

    impl SecretStore for SystemKeystore {
        fn get(&self, _: &str) -> Result<Option<Vec<u8>>> {
            Ok(None)
        }
        fn set(&self, _: &str, _: &[u8]) -> Result<()> {
            Err(unavailable("此版本构建时未包含系统钥匙串支持"))
        }
        fn delete(&self, _: &str) -> Result<()> {
            Ok(())
        }
    }
}
