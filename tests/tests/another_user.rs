//! A phone passed from one river chief to another: the second cannot sign in while the first's
//! records are still unsent (they would go up under the second's account, and the server would
//! make the second their owner). The records stay on the phone, the first chief signs in again
//! and syncs, and then the second can sign in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use xuncha_core::api::Request;
use xuncha_e2e::*;

#[test]
fn another_user_cannot_sign_in_over_unsent_records_and_nothing_is_lost() {
    let server = Server::start(sqlite());
    let seed = seed(&server);
    let (first, second) = (&seed.chiefs()[0], &seed.chiefs()[1]);
    let dir = tempfile::tempdir().unwrap();
    let device = open_device(dir.path());
    enrol(&device, &server.url(), &first.login);
    sync(&device, false);
    record_patrol(&device, seed.reaches[0].id, 50, &[]);
    let waiting = device.with_store_mut(|s| s.outbox_len().unwrap());
    assert!(waiting > 0);
    device.handle(Request::SignOut).unwrap();

    let refused = device
        .handle(Request::Enrol {
            server_url: server.url(),
            login: second.login.clone(),
            password: password_of(&second.login),
            device_name: "交接的手机".into(),
        })
        .expect_err("the second chief cannot sign in over the first's unsent records");
    assert_eq!(refused.code(), "other_users_records_unsent");
    let words = refused.to_string();
    assert!(
        words.contains(&first.name) && words.contains(&format!("{waiting} 条")),
        "says whose records and how many: {words}"
    );
    let status = sync_status(&device);
    assert!(status.account.is_none(), "not signed in as the second chief");
    assert_eq!(status.outbox_events, waiting, "every record is still there");

    // The first chief signs in again and syncs: the records go up as theirs.
    enrol(&device, &server.url(), &first.login);
    sync(&device, false);
    assert_server_holds_exactly(&server, &device, false);
    device.handle(Request::SignOut).unwrap();
    enrol(&device, &server.url(), &second.login);
    let account = sync_status(&device).account.expect("signed in");
    assert_eq!(account.user.id, second.id);
}
