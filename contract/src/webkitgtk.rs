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
//! - Cache model **document viewer**: one local origin, pages rendered fresh by Django and no
//!   back/forward browsing to speed up, so WebKit keeps no page or memory caches around.

use webkit2gtk::{
    CacheModel, HardwareAccelerationPolicy, LoadEvent, SettingsExt, WebContextExt, WebViewExt,
};

use crate::events::{self, Event};
use crate::navigation;

/// Sets `GDK_GL=disable` and `WEBKIT_DISABLE_DMABUF_RENDERER=1` (each unless the environment
/// already sets it; both are inherited by WebKit's child processes), then starts GTK, so
/// that a display that cannot be opened is a readable startup error instead of the panic tao
/// and Tauri raise for it. Call it first thing in `main`, before any other thread exists (it
/// changes the process environment) and before tao's event loop or `tauri::Builder::build`
/// (their own GTK start then finds GTK running).
///
/// Exits with status 2 when GTK cannot start (no `DISPLAY`/`WAYLAND_DISPLAY`, or the display
/// refuses the connection), after printing `<program>: …` on stderr; nothing was spawned yet.
pub fn before_gtk_init(program: &str) {
    for (name, value) in [
        ("GDK_GL", "disable"),
        ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    ] {
        if std::env::var_os(name).is_none() {
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
