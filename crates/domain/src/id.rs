//! Identifiers. Every entity and every event gets a UUIDv7 where it is created, so ids made
//! offline on different phones never collide and sort by creation time. Each kind of entity
//! has its own newtype so a `PatrolId` can never be passed where a `FindingId` is meant.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! entity_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id made on this machine.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

entity_id!(
    /// One event in the log.
    EventId
);
entity_id!(
    /// A phone or other device that writes events; also the author of the office's events
    /// (the server has a device id of its own).
    DeviceId
);
entity_id!(UserId);
entity_id!(UnitId);
entity_id!(ReachId);
entity_id!(SiteId);
entity_id!(ChecklistId);
entity_id!(
    /// A unit's patrol rules, every version of them (`rules::RuleBook`).
    RulesId
);
entity_id!(
    /// A river patrol or a fishing-ban patrol.
    PatrolId
);
entity_id!(
    /// A safety-production inspection at a site.
    InspectionId
);
entity_id!(
    /// A problem, hazard or violation found on a patrol or inspection.
    FindingId
);
entity_id!(
    /// A document made on the device: an on-site inspection record or a commitment letter.
    DocumentId
);
entity_id!(BusinessCheckId);
entity_id!(SeizureId);
