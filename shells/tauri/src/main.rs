//! `desktop-django-tauri [--project <dir>]`: the Tauri 2 shell.
//!
//! A thin adapter, like the wry shell: it owns the windows and forwards every
//! lifecycle decision to `contract::session::Session` (splash → supervisor →
//! ticket bootstrap → navigation guard → bridge → graceful quit).
//!
//! - One window: it shows the contract's splash page at once, served from the
//!   binary through the `ddshell` URI scheme (no network, C-READY-2), then
//!   navigates to a freshly minted bootstrap URL (C-AUTH-5). Its web process
//!   starts while Python does, so the first page does not wait for one (a
//!   second window would start a second web process at that moment). A
//!   re-created window (macOS) bootstraps anew.
//! - "Open App Data Folder" is the Tauri command `open_app_data_folder`,
//!   granted by `capabilities/backend-origin.json` to the exact backend origin
//!   only, added at runtime once the port is known (C-SHELL-2).
//! - "Check for Updates…" (and a check at start-up when a feed is
//!   configured) installs a newer release only if its signed release manifest
//!   allows it (C-PKG-3, `update.rs`).
//! - A second launch on the same app-data dir asks the first to focus its
//!   window and exits before Tauri, a splash or any backend starts (C-PROC-7,
//!   `contract::instance`: the same lock and focus request as every shell, on
//!   every OS, with no D-Bus session bus needed).

mod capability;
mod menu;
mod pages;
mod update;

use std::sync::Mutex;

use contract::session::{self, Session};
use contract::shell::{
    UiRequest, BRIDGE_MESSAGE, MIN_WINDOW_SIZE, TAURI_BRIDGE_SCRIPT, WINDOW_SIZE,
};
use tauri::webview::{NewWindowResponse, PageLoadEvent};
use tauri::{
    AppHandle, Manager, RunEvent, Url, WebviewUrl, WebviewWindow, WebviewWindowBuilder, WindowEvent,
};

use capability::grant_backend_origin;
use menu::{app_menu, MENU_CHECK_UPDATES, MENU_OPEN_APP_DATA, MENU_QUIT};
use pages::{is_shell_page, shell_page, SCHEME};

/// The one window: the splash, then the Django app (or the error page).
const MAIN: &str = "main";

/// The shell's own pages and UI state, shared by the URI scheme handler, the
/// navigation guards and the shell adapter ([`carry_out`]).
struct ShellState {
    splash: String,
    error: Mutex<Option<String>>,
    /// The backend origin once its capability has been added (once per run).
    granted_origin: Mutex<Option<String>>,
}

fn main() {
    contract::events::mark_start();
    #[cfg(target_os = "linux")]
    contract::webkitgtk::before_gtk_init("desktop-django-tauri");
    let mut context = tauri::generate_context!();
    // Where Tauri's bundles put resources (the packaged runtime): on Linux
    // /usr/lib/<product name at build time>, which the binary's path alone
    // does not tell.
    let resources =
        tauri::utils::platform::resource_dir(context.package_info(), &tauri::Env::default()).ok();
    let prepared = session::prepare_or_exit_in(
        "desktop-django-tauri",
        resources.as_deref(),
        Some(contract::dialog::native_error),
    );

    // The identity comes from desktop.toml, never from the build (C-SHELL-5).
    context.config_mut().identifier = prepared.project.app_id.clone();
    context.config_mut().product_name = Some(prepared.title().to_string());

    let state = ShellState {
        splash: prepared.splash_html(),
        error: Mutex::new(None),
        granted_origin: Mutex::new(None),
    };
    let prepared = Mutex::new(Some(prepared));

    let app = tauri::Builder::default()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(state)
        .register_uri_scheme_protocol(SCHEME, |ctx, request| {
            let state = ctx.app_handle().state::<ShellState>();
            let body = match request.uri().path() {
                "/error" => lock(&state.error).clone().unwrap_or_default(),
                _ => state.splash.clone(),
            };
            tauri::http::Response::builder()
                .header("Content-Type", "text/html; charset=utf-8")
                .header("Cache-Control", "no-store")
                .body(body.into_bytes())
                .expect("a static response")
        })
        .invoke_handler(tauri::generate_handler![open_app_data_folder])
        .menu(app_menu)
        .on_menu_event(|app, event| {
            let Some(session) = app.try_state::<Session>() else {
                return;
            };
            match event.id().as_ref() {
                MENU_OPEN_APP_DATA => session.open_app_data_folder(),
                MENU_QUIT => session.request_quit(),
                MENU_CHECK_UPDATES => update::check(app, update::Trigger::Menu),
                _ => {}
            }
        })
        .setup(move |app| {
            let prepared = lock(&prepared).take().expect("setup runs once");
            // Start Python first: its start overlaps the window's set-up.
            // The session's UI requests run on the main thread after `setup`.
            let handle = app.handle().clone();
            let session = Session::new(prepared, move |r| {
                let app = handle.clone();
                let _ = handle.run_on_main_thread(move || carry_out(&app, r));
            });
            app.manage(session.clone());
            session.start();
            if let Err(e) = main_window(app.handle(), shell_page("/splash")) {
                // No webview (WebKitGTK or WebView2 missing or broken): nothing
                // can show the error page, so a native box says it (C-READY-3).
                session.fail_without_window(
                    &format!("cannot create the window: {e}"),
                    Some(contract::dialog::native_error),
                );
            }
            session.splash_shown();
            update::check(app.handle(), update::Trigger::Startup);
            Ok(())
        })
        .build(context)
        .unwrap_or_else(|e| {
            // Before any window or backend: a readable error, never a panic.
            contract::prepare::report_startup_error(
                Some(contract::dialog::native_error),
                "desktop-django-tauri",
                &format!("cannot start the Tauri application: {e}"),
            );
            std::process::exit(2)
        });

    let code = app.run_return(|app, event| match event {
        RunEvent::WindowEvent {
            label,
            event: WindowEvent::CloseRequested { api, .. },
            ..
        } => {
            // Closing a window quits gracefully (C-PROC-3); the session ends
            // the event loop once the backend is gone.
            api.prevent_close();
            if let Some(window) = app.get_webview_window(&label) {
                let _ = window.hide();
            }
            quit(app);
        }
        RunEvent::ExitRequested {
            code: None, api, ..
        } => {
            api.prevent_exit();
            quit(app);
        }
        // The loop ends: the process exits right after `run_return`.
        RunEvent::Exit => {
            if let Some(session) = app.try_state::<Session>() {
                session.end_helper_processes();
            }
        }
        #[cfg(target_os = "macos")]
        RunEvent::Reopen { .. } => {
            // A re-created main window bootstraps with a fresh ticket (C-AUTH-5).
            if app.get_webview_window(MAIN).is_none() {
                app.state::<Session>().bootstrap();
            }
        }
        _ => {}
    });
    std::process::exit(code);
}

/// Graceful quit through the session (C-PROC-3).
fn quit(app: &AppHandle) {
    if let Some(session) = app.try_state::<Session>() {
        session.request_quit();
    }
}

/// The Tauri command behind `window.desktop.openAppDataFolder()`. Only the
/// backend origin holds a capability for it; the session checks the origin
/// once more.
#[tauri::command]
fn open_app_data_folder(webview: tauri::Webview, session: tauri::State<'_, Session>) -> bool {
    let url = webview.url().map(|u| u.to_string()).unwrap_or_default();
    session.handle_ipc(&url, BRIDGE_MESSAGE)
}

/// The `contract::shell::Shell` adapter, run on the UI thread.
fn carry_out(app: &AppHandle, r: UiRequest) {
    match r {
        UiRequest::Navigate(url) => {
            if let Err(e) = open_main(app, &url) {
                eprintln!("desktop-django-tauri: cannot open the main window: {e}");
                quit(app);
            }
        }
        UiRequest::ShowHtml(html) => {
            *lock(&app.state::<ShellState>().error) = Some(html);
            if let Some(window) = app.get_webview_window(MAIN) {
                if let Ok(url) = shell_page("/error").to_string().parse() {
                    let _ = window.navigate(url);
                }
                let _ = window.show();
            }
        }
        UiRequest::Focus => focus(app),
        UiRequest::Exit(code) => app.exit(code),
    }
}

/// Navigates the window to `url` (a bootstrap URL with a one-time ticket),
/// creating it if it was closed.
fn open_main(app: &AppHandle, url: &str) -> tauri::Result<()> {
    let url: Url = url
        .parse()
        .map_err(|_| tauri::Error::InvalidWebviewUrl("bootstrap URL"))?;
    grant_backend_origin(app, &url)?;
    if let Some(window) = app.get_webview_window(MAIN) {
        window.navigate(url)?;
        window.show()?;
    } else {
        main_window(app, WebviewUrl::External(url))?;
    }
    Ok(())
}

fn main_window(app: &AppHandle, url: WebviewUrl) -> tauri::Result<WebviewWindow> {
    let session = app.state::<Session>().inner().clone();
    let (nav, new_window, loaded) = (session.clone(), session.clone(), session.clone());
    let data_dir = session.app_data_dir().join("webview");
    let app_for_nav = app.clone();
    let window = WebviewWindowBuilder::new(app, MAIN, url)
        .title(session.product_name())
        .inner_size(WINDOW_SIZE.0, WINDOW_SIZE.1)
        .min_inner_size(MIN_WINDOW_SIZE.0, MIN_WINDOW_SIZE.1)
        .data_directory(data_dir)
        .initialization_script(TAURI_BRIDGE_SCRIPT)
        .on_navigation(move |url| {
            // The splash until the backend origin is known, the error page
            // once the session has shown one; otherwise the contract's guard
            // (C-SHELL-1).
            if is_shell_page(url) {
                let state = app_for_nav.state::<ShellState>();
                return match url.path() {
                    "/splash" => lock(&state.granted_origin).is_none(),
                    "/error" => lock(&state.error).is_some(),
                    _ => false,
                };
            }
            nav.allow_navigation(url.as_str())
        })
        .on_new_window(move |url, _features| {
            new_window.on_new_window(url.as_str());
            NewWindowResponse::Deny
        })
        .on_page_load(move |_window, payload| {
            if let PageLoadEvent::Finished = payload.event() {
                loaded.page_loaded(payload.url().as_str());
            }
        })
        .build()?;
    tune_webkitgtk(&window);
    Ok(window)
}

/// The WebKit shells' common settings (`contract::webkitgtk`), plus one of
/// Tauri's own: WebKitGTK drops a `window.open` (or a scripted
/// `target=_blank` click) made without a user gesture before any handler
/// sees it. Let it through to `on_new_window`, which always denies and sends
/// external targets to the system browser (C-SHELL-1).
#[cfg(target_os = "linux")]
fn tune_webkitgtk(window: &WebviewWindow) {
    let _ = window.with_webview(|webview| {
        use webkit2gtk::{SettingsExt, WebViewExt};
        let view = webview.inner();
        contract::webkitgtk::tune(&view);
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_javascript_can_open_windows_automatically(true);
        }
    });
}

#[cfg(not(target_os = "linux"))]
fn tune_webkitgtk(_window: &WebviewWindow) {}

/// `UiRequest::Focus` (a second launch, C-PROC-7): bring the running window to the front.
fn focus(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
