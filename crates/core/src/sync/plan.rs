//! What a sync will send, decided from the device's state alone: a pure function, so the rules
//! (events before photos, small before large, originals only when allowed, never re-send what
//! the server refused) are tested without a server.

use crate::store::{BlobUse, PushRejection};
use std::collections::{BTreeMap, HashMap};
use xuncha_domain::{BlobHash, EventId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: EventId,
    pub seq: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobItem {
    pub hash: BlobHash,
    pub usage: BlobUse,
    /// `None`: the device does not hold the blob (it cannot be sent from here).
    pub size: Option<u64>,
    /// The server has confirmed it holds the blob.
    pub on_server: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Events to push, in chain order, in batches.
    pub push_batches: Vec<Vec<EventId>>,
    /// The first event the server refused outright; it and every later event wait (the server
    /// cannot place events after a gap in the chain) until the cause is dealt with.
    pub blocked_at: Option<(EventId, u64)>,
    /// Blobs to offer the server, most urgent first, with their sizes.
    pub uploads: Vec<(BlobHash, u64)>,
    /// Originals kept back because sending them is not allowed now.
    pub held_back: Vec<BlobHash>,
    /// Referenced blobs this device does not hold.
    pub absent: Vec<BlobHash>,
}

pub fn plan(
    outbox: &[OutboxItem],
    refused: &BTreeMap<EventId, PushRejection>,
    blobs: &[BlobItem],
    allow_originals: bool,
    batch_events: usize,
) -> Plan {
    let mut sorted = outbox.to_vec();
    sorted.sort_by_key(|e| e.seq);
    let mut sendable = Vec::new();
    let mut blocked_at = None;
    for e in sorted {
        if refused.get(&e.id).is_some_and(|r| !r.kept) {
            blocked_at = Some((e.id, e.seq));
            break;
        }
        sendable.push(e.id);
    }
    let push_batches = sendable.chunks(batch_events.max(1)).map(|c| c.to_vec()).collect();

    // One entry per blob, under its most urgent use.
    let mut by_hash: HashMap<BlobHash, BlobItem> = HashMap::new();
    for b in blobs {
        by_hash
            .entry(b.hash)
            .and_modify(|seen| {
                if b.usage < seen.usage {
                    seen.usage = b.usage;
                }
            })
            .or_insert(*b);
    }
    let mut items: Vec<BlobItem> = by_hash.into_values().filter(|b| !b.on_server).collect();
    items.sort_by_key(|b| (b.usage, b.size.unwrap_or(0), b.hash));
    let mut uploads = Vec::new();
    let mut held_back = Vec::new();
    let mut absent = Vec::new();
    for b in items {
        match b.size {
            None => absent.push(b.hash),
            Some(_) if b.usage == BlobUse::Original && !allow_originals => held_back.push(b.hash),
            Some(size) => uploads.push((b.hash, size)),
        }
    }
    Plan {
        push_batches,
        blocked_at,
        uploads,
        held_back,
        absent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: u64) -> OutboxItem {
        OutboxItem {
            id: EventId::new(),
            seq,
        }
    }

    fn blob(name: &str, usage: BlobUse, size: Option<u64>, on_server: bool) -> BlobItem {
        BlobItem {
            hash: BlobHash::of(name.as_bytes()),
            usage,
            size,
            on_server,
        }
    }

    #[test]
    fn events_go_in_chain_order_in_batches() {
        let out = [ev(3), ev(1), ev(2), ev(4), ev(5)];
        let p = plan(&out, &BTreeMap::new(), &[], false, 2);
        let seqs: Vec<Vec<u64>> = p
            .push_batches
            .iter()
            .map(|b| {
                b.iter()
                    .map(|id| out.iter().find(|e| e.id == *id).map(|e| e.seq).unwrap_or(0))
                    .collect()
            })
            .collect();
        assert_eq!(seqs, vec![vec![1, 2], vec![3, 4], vec![5]]);
        assert_eq!(p.blocked_at, None);
    }

    #[test]
    fn an_event_the_server_refused_outright_is_not_sent_again_nor_anything_after_it() {
        let out = [ev(1), ev(2), ev(3)];
        let mut refused = BTreeMap::new();
        refused.insert(
            out[1].id,
            PushRejection {
                event_id: out[1].id,
                code: "bad_signature".into(),
                message: "签名无效".into(),
                kept: false,
            },
        );
        let p = plan(&out, &refused, &[], false, 100);
        assert_eq!(p.push_batches, vec![vec![out[0].id]]);
        assert_eq!(p.blocked_at, Some((out[1].id, 2)));
    }

    #[test]
    fn a_kept_rejection_does_not_block_the_chain() {
        let out = [ev(1), ev(2)];
        let mut refused = BTreeMap::new();
        refused.insert(
            out[0].id,
            PushRejection {
                event_id: out[0].id,
                code: "finding_not_rectified".into(),
                message: "x".into(),
                kept: true,
            },
        );
        let p = plan(&out, &refused, &[], false, 100);
        assert_eq!(p.push_batches, vec![vec![out[0].id, out[1].id]]);
    }

    #[test]
    fn small_blobs_go_first_and_originals_only_when_allowed() {
        let blobs = [
            blob("orig", BlobUse::Original, Some(4_000_000), false),
            blob("copy", BlobUse::UploadCopy, Some(400_000), false),
            blob("thumb", BlobUse::Thumbnail, Some(20_000), false),
            blob("sig", BlobUse::Signature, Some(8_000), false),
            blob("done", BlobUse::UploadCopy, Some(1), true),
            blob("gone", BlobUse::UploadCopy, None, false),
        ];
        let p = plan(&[], &BTreeMap::new(), &blobs, false, 100);
        let names = |v: &[(BlobHash, u64)]| v.iter().map(|(h, _)| *h).collect::<Vec<_>>();
        assert_eq!(
            names(&p.uploads),
            vec![
                BlobHash::of(b"sig"),
                BlobHash::of(b"thumb"),
                BlobHash::of(b"copy")
            ]
        );
        assert_eq!(p.held_back, vec![BlobHash::of(b"orig")]);
        assert_eq!(p.absent, vec![BlobHash::of(b"gone")]);

        let p = plan(&[], &BTreeMap::new(), &blobs, true, 100);
        assert_eq!(p.uploads.last().map(|u| u.0), Some(BlobHash::of(b"orig")));
        assert!(p.held_back.is_empty());
    }

    #[test]
    fn a_blob_used_twice_is_sent_once_under_its_most_urgent_use() {
        let blobs = [
            blob("x", BlobUse::Original, Some(10), false),
            blob("x", BlobUse::UploadCopy, Some(10), false),
        ];
        let p = plan(&[], &BTreeMap::new(), &blobs, false, 100);
        assert_eq!(p.uploads, vec![(BlobHash::of(b"x"), 10)]);
        assert!(p.held_back.is_empty());
    }
}
