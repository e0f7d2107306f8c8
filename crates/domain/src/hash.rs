//! SHA-256 digests as they appear on the wire: lower-case hex. `BlobHash` names a blob (a photo,
//! a signature image) by the hash of its stored bytes; `EventHash` links a device's events into
//! a chain.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("不是合法的 SHA-256 哈希（需要 64 位小写十六进制）: {0:?}")]
pub struct BadHash(pub String);

fn parse_hex32(s: &str) -> Result<[u8; 32], BadHash> {
    // Only canonical lower-case hex is accepted, so one digest has exactly one spelling (it is
    // also used as a file name and in URLs, where `../` or upper case must never get through).
    if s.len() != 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(BadHash(s.chars().take(80).collect()));
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|_| BadHash(s.to_owned()))?;
    Ok(out)
}

macro_rules! digest_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
        pub struct $name(pub [u8; 32]);

        impl $name {
            pub fn of(bytes: &[u8]) -> Self {
                Self(Sha256::digest(bytes).into())
            }
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.to_hex())
            }
        }

        impl FromStr for $name {
            type Err = BadHash;
            fn from_str(s: &str) -> Result<Self, BadHash> {
                parse_hex32(s).map(Self)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_hex())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

digest_type!(
    /// SHA-256 of a blob's stored bytes.
    BlobHash
);
digest_type!(
    /// SHA-256 of an event's canonical body.
    EventHash
);

impl EventHash {
    /// The `prev_hash` of a device's first event.
    pub const GENESIS: EventHash = EventHash([0u8; 32]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_lower_case_hex_is_a_hash() {
        let h = BlobHash::of(b"abc");
        assert_eq!(h.to_hex().parse::<BlobHash>(), Ok(h));
        assert!(h.to_hex().to_uppercase().parse::<BlobHash>().is_err());
        assert!("../../etc/passwd".parse::<BlobHash>().is_err());
        assert!(format!("{}0", h.to_hex()).parse::<BlobHash>().is_err());
        assert!("".parse::<BlobHash>().is_err());
    }
}
