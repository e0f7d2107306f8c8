//! xuncha-app: the Tauri shell around xuncha-core. It owns one thing — the `api` command that
//! hands a `Request` to the device's engine (`xuncha_core::Device`, opened in the app data dir)
//! and returns its `Response`, or the error as `{code, message}`. It must never add behaviour of
//! its own: every rule lives in the core, so that the CLI, the development bridge and this shell
//! behave alike and every behaviour is testable without a window.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::Manager;
use xuncha_core::{Device, ErrorBody, Request, Response};

/// The file name of the device store inside the app data dir; its blobs go beside it.
pub const DEVICE_DB: &str = "device.db";

/// The body of the `api` command, without Tauri: what the front end gets for a request.
pub fn answer(device: &Device, request: Request) -> Result<Response, ErrorBody> {
    device.handle(request).map_err(|e| e.body())
}

/// Opens (creating it on first start) the device store in `data_dir`.
pub fn open_device(data_dir: &Path) -> Result<Device, ErrorBody> {
    std::fs::create_dir_all(data_dir).map_err(|e| ErrorBody {
        code: "io".to_owned(),
        message: format!("无法创建应用数据目录 {}：{e}", data_dir.display()),
    })?;
    // The signing key and token go to the OS keystore where one answers (XUNCHA_KEYSTORE=file
    // keeps them in the owner-only store file, as on phones, whose app storage is private).
    let keystore = match std::env::var("XUNCHA_KEYSTORE") {
        Ok(k) => k.parse().map_err(|e: xuncha_core::error::CoreError| e.body())?,
        Err(_) => xuncha_core::secrets::KeyStore::Auto,
    };
    Device::open_with(&data_dir.join(DEVICE_DB), keystore).map_err(|e| e.body())
}

/// The engine as the shell holds it: shared with the blocking threads that run requests.
struct Engine(Arc<Device>);

/// The one command. Sync and photo ingest take seconds, so every request runs on a blocking
/// thread and the webview's event loop never waits on the engine.
#[tauri::command]
async fn api(engine: tauri::State<'_, Engine>, request: Request) -> Result<Response, ErrorBody> {
    let device = Arc::clone(&engine.0);
    tauri::async_runtime::spawn_blocking(move || answer(&device, request))
        .await
        .map_err(|e| ErrorBody {
            code: "other".to_owned(),
            message: format!("请求未能完成：{e}"),
        })?
}

fn data_dir(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    Ok(app.path().app_data_dir()?)
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let builder = tauri::Builder::default();
    // Phones take the position from the OS (GPS) through the plugin; on desktop the webview's
    // own geolocation, or the GPX replay set in the UI's settings, is the source.
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_geolocation::init());
    let result = builder
        .setup(|app| {
            let dir = data_dir(app)?;
            let device = open_device(&dir).map_err(|e| format!("{}：{}", e.code, e.message))?;
            app.manage(Engine(Arc::new(device)));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![api])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        // Nothing else can be shown: the window is what failed.
        eprintln!("xuncha 无法启动：{e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests;
