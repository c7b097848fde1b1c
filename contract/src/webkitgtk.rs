//! WebKitGTK settings both WebKit shells (wry, Tauri) apply to their one webview on Linux.
//! Each is measured by `just bench` (docs/performance.md, "Where the time goes").
//!
//! - Hardware acceleration **never**: WebKitGTK's default (`ALWAYS`) sets up GL compositing
//!   (a DMA-BUF renderer) in the web process before its first paint. A server-rendered CRUD
//!   page gains nothing from it, while the set-up costs about 100 ms of first paint on a
//!   software-rendered display and about 90 MB of the tree's PSS.
//! - No GL in GTK ([`before_gtk_init`]): GTK 3 opens the X display by loading the GL driver
//!   to pick GL-capable visuals (on a machine without a GPU, Mesa's llvmpipe and LLVM), which
//!   delays the backend's spawn and the splash. Without hardware acceleration the UI process
//!   draws nothing with GL.
//! - No DMA-BUF renderer in the UI process ([`before_gtk_init`] sets
//!   `WEBKIT_DISABLE_DMABUF_RENDERER=1`): with acceleration *never* the web process sends no
//!   DMA-BUF frames, yet WebKit's UI side still sets up that renderer. Without it the shell's
//!   UI process is ~4 MB PSS smaller (wry 82 → 78 MB, Tauri 95 → 91 MB, `just bench`), and
//!   the first paint is unchanged. The same variable is the usual workaround for blank WebKitGTK
//!   windows on some GPU drivers, so the path it selects is well trodden.
//! - No EGL in the UI process on a machine without a DRM render node ([`before_gtk_init`]
//!   sets `WEBKIT_WEB_RENDER_DEVICE_FILE`, see [`render_device_override`]): the UI process
//!   opens an EGL display only to learn which render node to hand to the web process. Where
//!   `/dev/dri` has none (VMs, CI runners, remote desktops), that probe loads Mesa's llvmpipe
//!   and LLVM (~24 MB PSS in the UI process) to find the answer "none". With a GPU nothing
//!   changes: WebKit probes as before.
//! - Cache model **document viewer**: one local origin, pages rendered fresh by Django and no
//!   back/forward browsing to speed up, so WebKit keeps no page or memory caches around.

use webkit2gtk::{
    CacheModel, HardwareAccelerationPolicy, LoadEvent, SettingsExt, WebContextExt, WebViewExt,
};

use std::path::Path;

use crate::events::{self, Event};
use crate::navigation;

/// Where Linux exposes DRM devices (`card<N>` for display, `renderD<N>` for rendering).
const DRI_DIR: &str = "/dev/dri";
/// WebKitGTK's override of the render node its web process uses (WebKit's
/// `drmRenderNodeDevice()`: when set and non-empty, the UI process skips its EGL probe).
const RENDER_DEVICE_VAR: &str = "WEBKIT_WEB_RENDER_DEVICE_FILE";

/// The value for `WEBKIT_WEB_RENDER_DEVICE_FILE` given the DRM device folder `dri_dir`:
/// `Some("/dev/null")` when it holds no `renderD*` node (or does not exist), `None` otherwise.
///
/// Without a render node WebKit's probe can only answer "no device", and the web process then
/// runs without a main DRM device. `/dev/null` gives it the same answer without the probe: it
/// names no DRM device, and the var needs a non-empty value to count. With a render node the
/// choice stays WebKit's (on a machine with two GPUs it picks the one its EGL display uses).
pub fn render_device_override(dri_dir: &Path) -> Option<&'static str> {
    let has_render_node = std::fs::read_dir(dri_dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
    });
    (!has_render_node).then_some("/dev/null")
}

/// Sets `GDK_GL=disable`, `WEBKIT_DISABLE_DMABUF_RENDERER=1` and, on a machine without a
/// render node, `WEBKIT_WEB_RENDER_DEVICE_FILE` (each unless the environment already sets it;
/// all are inherited by WebKit's child processes), then starts GTK, so
/// that a display that cannot be opened is a readable startup error instead of the panic tao
/// and Tauri raise for it. Call it first thing in `main`, before any other thread exists (it
/// changes the process environment) and before tao's event loop or `tauri::Builder::build`
/// (their own GTK start then finds GTK running).
///
/// Exits with status 2 when GTK cannot start (no `DISPLAY`/`WAYLAND_DISPLAY`, or the display
/// refuses the connection), after printing `<program>: …` on stderr; nothing was spawned yet.
pub fn before_gtk_init(program: &str) {
    let render_device = render_device_override(Path::new(DRI_DIR));
    for (name, value) in [
        ("GDK_GL", Some("disable")),
        ("WEBKIT_DISABLE_DMABUF_RENDERER", Some("1")),
        (RENDER_DEVICE_VAR, render_device),
    ] {
        if let (None, Some(value)) = (std::env::var_os(name), value) {
            std::env::set_var(name, value);
        }
    }
    if let Err(e) = gtk::init() {
        let var = |name| std::env::var(name).unwrap_or_else(|_| "unset".into());
        crate::prepare::report_startup_error(
            None,
            program,
            &format!(
                "cannot open the display: {e} (DISPLAY {}, WAYLAND_DISPLAY {}); run it in a desktop session, or under xvfb-run",
                var("DISPLAY"),
                var("WAYLAND_DISPLAY")
            ),
        );
        std::process::exit(2);
    }
}

/// Applies the settings above to `view` and its web context, and reports WebKit's own load
/// phases as `webview_load {phase, url}` events (C-SHELL-3; `started`, `redirected`,
/// `committed`, `finished`; the URL without its query, so never a ticket). With `window_loaded`
/// they split the time from `backend_ready` to the first page into network (started →
/// committed: the bootstrap redirects and the response) and rendering (committed →
/// finished). Call it once, right after the webview is built. Infallible: a setting the
/// system cannot honour is ignored by WebKit.
pub fn tune(view: &webkit2gtk::WebView) {
    view.connect_load_changed(|view, event| {
        let phase = match event {
            LoadEvent::Started => "started",
            LoadEvent::Redirected => "redirected",
            LoadEvent::Committed => "committed",
            LoadEvent::Finished => "finished",
            _ => return,
        };
        let uri = view.uri().unwrap_or_default();
        let url = navigation::strip_query(&uri);
        events::emit(Event::WebviewLoad {
            phase: phase.into(),
            url: url.into(),
        });
    });
    if let Some(settings) = WebViewExt::settings(view) {
        settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
    }
    if let Some(context) = view.context() {
        context.set_cache_model(CacheModel::DocumentViewer);
    }
}

#[cfg(test)]
mod tests {
    use super::render_device_override;

    #[test]
    fn no_render_node_skips_the_probe_and_a_render_node_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            render_device_override(&dir.path().join("absent")),
            Some("/dev/null")
        );
        std::fs::write(dir.path().join("card0"), "").unwrap();
        assert_eq!(render_device_override(dir.path()), Some("/dev/null"));
        std::fs::write(dir.path().join("renderD128"), "").unwrap();
        assert_eq!(render_device_override(dir.path()), None);
    }
}
