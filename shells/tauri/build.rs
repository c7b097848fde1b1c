//! Tauri's build step: config, icons, and the app's ACL manifest.
//!
//! `open_app_data_folder` is declared in the app manifest, so Tauri enforces
//! its ACL everywhere: no page may call it without a capability. The only
//! capability, `capabilities/backend-origin.json`, is added at runtime for the
//! exact backend origin (see `src/main.rs`), so the build-time pattern matches
//! no file.

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./capabilities/build-time/*")
            .app_manifest(tauri_build::AppManifest::new().commands(&["open_app_data_folder"])),
    )
    .expect("tauri-build failed");
}
