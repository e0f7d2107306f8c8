//! The shell's contract with the front end, without a window: requests arrive as the webview
//! sends them (JSON), answers leave as `{type, data}`, and errors leave as `{code, message}` —
//! exactly two string fields, which `ui/src/lib/transport.ts` reads.
#![allow(clippy::unwrap_used)]

use super::*;

fn request(json: serde_json::Value) -> Request {
    serde_json::from_value(json).unwrap()
}

#[test]
fn an_error_crosses_to_the_front_end_as_code_and_message_only() {
    let dir = tempfile::tempdir().unwrap();
    let device = open_device(dir.path()).unwrap();
    let err = answer(
        &device,
        request(serde_json::json!({"action": "get_record", "args": {"id": "no-such-record"}})),
    )
    .unwrap_err();
    let crossed = serde_json::to_value(&err).unwrap();
    let fields = crossed.as_object().unwrap();
    assert_eq!(fields.len(), 2, "only code and message cross: {crossed}");
    assert_eq!(crossed["code"], "not_found");
    let message = crossed["message"].as_str().unwrap();
    assert!(
        message.contains("no-such-record"),
        "the message says what was not found: {message}"
    );
}

#[test]
fn a_refused_action_keeps_the_cores_own_code() {
    let dir = tempfile::tempdir().unwrap();
    let device = open_device(dir.path()).unwrap();
    // A fresh device has no user: recording a patrol is refused with the core's code, not a
    // generic one, so that the UI can send the user to Settings.
    let err = answer(
        &device,
        request(serde_json::json!({
            "action": "start_patrol",
            "args": {"kind": "river", "reach": null, "area": null, "at": null}
        })),
    )
    .unwrap_err();
    let expected = device
        .handle(request(serde_json::json!({
            "action": "start_patrol",
            "args": {"kind": "river", "reach": null, "area": null, "at": null}
        })))
        .unwrap_err()
        .body();
    assert_eq!(err, expected);
    assert!(
        !err.code.is_empty() && err.code != "other",
        "a specific code: {err:?}"
    );
    assert!(!err.message.is_empty());
}

#[test]
fn an_answer_crosses_as_the_cores_tagged_response() {
    let dir = tempfile::tempdir().unwrap();
    let device = open_device(dir.path()).unwrap();
    let answered = answer(&device, request(serde_json::json!({"action": "device_info"}))).unwrap();
    let crossed = serde_json::to_value(&answered).unwrap();
    assert_eq!(crossed["type"], "device", "{crossed}");
    assert!(crossed["data"].is_object(), "{crossed}");
}

#[test]
fn the_device_store_and_its_blobs_live_in_the_app_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("cn.xuncha.app");
    let device = open_device(&data_dir).unwrap();
    assert!(data_dir.join(DEVICE_DB).is_file());
    assert!(device.blobs().is_some());
    assert!(data_dir.join("blobs").is_dir());
    drop(device);
    // Opening again finds the same device (its identity survives a restart of the app).
    let first = answer(
        &open_device(&data_dir).unwrap(),
        request(serde_json::json!({"action": "device_info"})),
    );
    let second = answer(
        &open_device(&data_dir).unwrap(),
        request(serde_json::json!({"action": "device_info"})),
    );
    assert_eq!(
        serde_json::to_value(first.unwrap()).unwrap(),
        serde_json::to_value(second.unwrap()).unwrap()
    );
}
