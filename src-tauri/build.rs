//! Generates the shell's context (config, capabilities, embedded ui/dist) at build time. The app
//! manifest names the one command, so that it is denied unless a capability allows it.
fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&["api"]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .unwrap_or_else(|e| panic!("tauri build step failed: {e:#}"));
}
