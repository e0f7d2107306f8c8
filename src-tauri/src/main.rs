//! The desktop entry point; Android and iOS enter through `xuncha_app::run` (lib.rs).
// No console window behind the app in Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    xuncha_app::run()
}
