//! Attacks on blobs (issue 11, class 5), over real HTTP on SQLite and PostgreSQL: naming another
//! user's photo hash in one's own record, planting a wrong total or a garbage first chunk in
//! someone else's upload, uploading files no record of one's own names, filling the server with
//! unfinished uploads, and asking `/blobs/missing` what others hold. Each test checks the refusal
//! and that the victim's photo, upload and records are as they were; the sweep removes only
//! abandoned uploads and files no record names, after their grace.

use reqwest::StatusCode;
use serde_json::{Value, json};
use xuncha_domain::{BlobHash, DeviceId, FindingId};
use xuncha_server::app::Config;
use xuncha_server::limits::Limits;
use xuncha_testsupport::*;

const DAY_MS: i64 = 24 * 3_600_000;

/// A phone's patrol and finding with one photo named in it, pushed and accepted.
async fn finding_with_photo(srv: &TestServer, phone: &mut Phone, photo: BlobHash) -> FindingId {
    let (_, finding, mut events) = phone.patrol_with_finding();
    events.push(phone.next(photo_of(finding, photo)));
    let r = srv.push_ok(phone, &events).await;
    assert_eq!(outcome_status(&r), vec!["accepted"; 3], "{r:?}");
    finding
}

async fn missing(srv: &TestServer, phone: &Phone, hashes: &[BlobHash]) -> Value {
    let (s, body) = srv
        .post(
            "/api/v1/blobs/missing",
            &phone.token,
            &json!({ "hashes": hashes }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["missing"].clone()
}

async fn upload_status(srv: &TestServer, phone: &Phone, hash: &str) -> (u64, bool) {
    let (s, body) = srv
        .get(&format!("/api/v1/blobs/{hash}/upload"), &phone.token)
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    (
        body["received"].as_u64().unwrap(),
        body["complete"].as_bool().unwrap(),
    )
}

async fn upload_whole(srv: &TestServer, phone: &Phone, bytes: &[u8]) {
    let hex = BlobHash::of(bytes).to_hex();
    let (s, body) = srv
        .upload(&phone.token, &hex, 0, bytes.len(), bytes.to_vec())
        .await;
    assert_eq!((s, &body["complete"]), (StatusCode::OK, &json!(true)), "{body}");
}

/// The parts of `device`'s unfinished upload of `hex` the server holds, and whether it stored
/// the blob.
async fn stored(srv: &TestServer, device: DeviceId, hex: &str) -> (usize, Option<i64>) {
    let hex = hex.to_owned();
    srv.state
        .db
        .read(move |s| Ok((s.upload_parts(device, &hex)?.len(), s.blob_size(&hex)?)))
        .await
        .unwrap()
}

async fn naming_another_users_photo_gives_neither_the_photo_nor_a_complete_record(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let mut victim = srv.enrol("chief1").await;
    let mut attacker = srv.enrol("chief2").await;
    let photo = random_bytes(50_000);
    let hash = BlobHash::of(&photo);
    let hex = hash.to_hex();
    finding_with_photo(&srv, &mut victim, hash).await;
    upload_whole(&srv, &victim, &photo).await;

    // The attacker learnt the hash; his own finding names it and the server keeps that record,
    // but his device never held the photo.
    let his = finding_with_photo(&srv, &mut attacker, hash).await;
    assert_eq!(
        srv.download(&attacker.token, &hex).await,
        Err(StatusCode::FORBIDDEN)
    );
    let office = srv.login("office").await;
    let (_, detail) = srv.finding_detail(&office, his).await;
    assert_eq!(
        (&detail["complete"], &detail["missing_blobs"]),
        (&json!(false), &json!([hex])),
        "the office sees his photo missing, not someone else's photo as his evidence"
    );
    // `/blobs/missing` tells him what his device has not sent — the same for a photo that
    // exists and for one that never did — nothing about anyone else's.
    let never = BlobHash::of(b"no such photo");
    assert_eq!(
        missing(&srv, &attacker, &[hash, never]).await,
        json!([hash, never])
    );
    assert_eq!(missing(&srv, &victim, &[hash]).await, json!([]));

    // Sending garbage under that name stores nothing and leaves the victim's photo as it was.
    let garbage = random_bytes(photo.len());
    let (s, body) = srv.upload(&attacker.token, &hex, 0, garbage.len(), garbage).await;
    assert_eq!(
        (s, &body["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("hash_mismatch"))
    );
    assert_eq!(srv.download(&victim.token, &hex).await, Ok(photo.clone()));
    assert_eq!(
        srv.download(&attacker.token, &hex).await,
        Err(StatusCode::FORBIDDEN)
    );

    // Only the real bytes make him a holder: then his record holds the photo, as it should.
    upload_whole(&srv, &attacker, &photo).await;
    assert_eq!(srv.download(&attacker.token, &hex).await, Ok(photo));
}
story!(naming_another_users_photo_gives_neither_the_photo_nor_a_complete_record);

async fn an_upload_is_the_devices_own_until_it_is_complete(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let mut victim = srv.enrol("chief1").await;
    let mut attacker = srv.enrol("chief2").await;
    let photo = random_bytes(120_000);
    let hash = BlobHash::of(&photo);
    let hex = hash.to_hex();
    finding_with_photo(&srv, &mut victim, hash).await;
    finding_with_photo(&srv, &mut attacker, hash).await;

    // The attacker starts "the" upload first, with a wrong total and a garbage first chunk.
    let (s, body) = srv
        .upload(
            &attacker.token,
            &hex,
            0,
            photo.len() + 1_000,
            random_bytes(40_000),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(upload_status(&srv, &attacker, &hex).await, (40_000, false));

    // The victim's upload is untouched by it: it starts at 0 and completes with the real total.
    assert_eq!(upload_status(&srv, &victim, &hex).await, (0, false));
    let half = photo.len() / 2;
    let (s, body) = srv
        .upload(&victim.token, &hex, 0, photo.len(), photo[..half].to_vec())
        .await;
    assert_eq!((s, &body["received"]), (StatusCode::OK, &json!(half)), "{body}");
    let (s, body) = srv
        .upload(&victim.token, &hex, half, photo.len(), photo[half..].to_vec())
        .await;
    assert_eq!((s, &body["complete"]), (StatusCode::OK, &json!(true)), "{body}");
    assert_eq!(srv.download(&victim.token, &hex).await, Ok(photo));
    assert_eq!(stored(&srv, victim.device, &hex).await, (0, Some(120_000)));

    // The attacker's parts stay his own; they give him nothing.
    assert_eq!(upload_status(&srv, &attacker, &hex).await, (40_000, false));
    assert_eq!(
        srv.download(&attacker.token, &hex).await,
        Err(StatusCode::FORBIDDEN)
    );
}
story!(an_upload_is_the_devices_own_until_it_is_complete);

async fn a_device_may_send_only_files_its_own_records_name(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let phone = srv.enrol("chief1").await;
    let mut other = srv.enrol("chief2").await;
    let unnamed = random_bytes(10_000);
    let hex = BlobHash::of(&unnamed).to_hex();
    let (s, body) = srv
        .upload(&phone.token, &hex, 0, unnamed.len(), unnamed.clone())
        .await;
    assert_eq!(
        (s, &body["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("blob_not_named"))
    );
    // Another device's record naming it does not make it this device's to send.
    finding_with_photo(&srv, &mut other, BlobHash::of(&unnamed)).await;
    let (s, body) = srv.upload(&phone.token, &hex, 0, unnamed.len(), unnamed).await;
    assert_eq!(
        (s, &body["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("blob_not_named"))
    );
    assert_eq!(stored(&srv, phone.device, &hex).await, (0, None), "nothing kept");
}
story!(a_device_may_send_only_files_its_own_records_name);

async fn a_device_over_its_upload_quota_is_refused_and_others_are_not(b: &Backend) {
    let srv = TestServer::start_with(Config {
        limits: Limits {
            max_pending_upload_bytes: 100_000,
            ..Limits::default()
        },
        ..b.config()
    })
    .await;
    seed(&srv.state).await;
    let mut phone = srv.enrol("chief1").await;
    let mut other = srv.enrol("chief2").await;
    let (first, second, third) = (random_bytes(80_000), random_bytes(80_000), random_bytes(80_000));
    let hashes = [&first, &second, &third].map(|p| BlobHash::of(p));
    let (_, finding, mut events) = phone.patrol_with_finding();
    for h in &hashes[..2] {
        events.push(phone.next(photo_of(finding, *h)));
    }
    srv.push_ok(&phone, &events).await;
    finding_with_photo(&srv, &mut other, hashes[2]).await;
    let hex = hashes.map(|h| h.to_hex());

    let (s, body) = srv
        .upload(&phone.token, &hex[0], 0, 80_000, first[..60_000].to_vec())
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // A second unfinished upload would hold 120 000 bytes: over the quota, refused, nothing kept.
    let (s, body) = srv
        .upload(&phone.token, &hex[1], 0, 80_000, second[..60_000].to_vec())
        .await;
    assert_eq!(
        (s, &body["code"]),
        (StatusCode::PAYLOAD_TOO_LARGE, &json!("too_large")),
        "{body}"
    );
    assert_eq!(upload_status(&srv, &phone, &hex[1]).await, (0, false));
    // Another device's quota is its own.
    let (s, body) = srv
        .upload(&other.token, &hex[2], 0, 80_000, third[..60_000].to_vec())
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // Finishing the first frees the quota for the second.
    let (s, body) = srv
        .upload(&phone.token, &hex[0], 60_000, 80_000, first[60_000..].to_vec())
        .await;
    assert_eq!((s, &body["complete"]), (StatusCode::OK, &json!(true)), "{body}");
    upload_whole(&srv, &phone, &second).await;
}
story!(a_device_over_its_upload_quota_is_refused_and_others_are_not);

async fn abandoned_uploads_and_unnamed_files_are_swept_after_their_grace(b: &Backend) {
    let (srv, _) = TestServer::seeded(b).await;
    let mut phone = srv.enrol("chief1").await;
    let (kept, abandoned, unnamed) = (random_bytes(30_000), random_bytes(30_000), random_bytes(30_000));
    let (_, finding, mut events) = phone.patrol_with_finding();
    for p in [&kept, &abandoned] {
        events.push(phone.next(photo_of(finding, BlobHash::of(p))));
    }
    srv.push_ok(&phone, &events).await;
    upload_whole(&srv, &phone, &kept).await;
    let abandoned_hex = BlobHash::of(&abandoned).to_hex();
    let (s, _) = srv
        .upload(
            &phone.token,
            &abandoned_hex,
            0,
            30_000,
            abandoned[..10_000].to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // A file no record names (left by a server from before the rule that uploads need one).
    let unnamed_hash = BlobHash::of(&unnamed);
    let unnamed_hex = unnamed_hash.to_hex();
    srv.state
        .blobs
        .put(&unnamed_hash, unnamed.clone().into())
        .await
        .unwrap();
    let (h, at) = (unnamed_hex.clone(), now());
    srv.state
        .db
        .write(move |s| s.blob_insert(&h, 30_000, at))
        .await
        .unwrap();

    // Within their grace nothing goes.
    let report = xuncha_server::blobs::sweep(&srv.state, now() + DAY_MS)
        .await
        .unwrap();
    assert_eq!(report, Default::default());
    assert_eq!(upload_status(&srv, &phone, &abandoned_hex).await, (10_000, false));

    let report = xuncha_server::blobs::sweep(&srv.state, now() + 8 * DAY_MS)
        .await
        .unwrap();
    assert_eq!(
        (
            report.abandoned_uploads,
            report.abandoned_bytes,
            report.unnamed_blobs
        ),
        (1, 10_000, 1)
    );
    assert_eq!(stored(&srv, phone.device, &unnamed_hex).await, (0, None));
    assert!(
        srv.state.blobs.get(&unnamed_hash).await.is_err(),
        "its file is gone too"
    );
    assert_eq!(
        srv.download(&phone.token, &BlobHash::of(&kept).to_hex()).await,
        Ok(kept),
        "a photo a record holds stays"
    );
    // The swept upload starts again from 0 and completes.
    assert_eq!(upload_status(&srv, &phone, &abandoned_hex).await, (0, false));
    upload_whole(&srv, &phone, &abandoned).await;
}
story!(abandoned_uploads_and_unnamed_files_are_swept_after_their_grace);
