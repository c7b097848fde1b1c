//! `desktop-django-wry [--project <dir>]`: the wry + tao shell.
//!
//! A thin adapter: it owns the window and the webview and forwards
//! everything else to `contract::session::Session` (splash → supervisor →
//! ticket bootstrap → navigation guard → bridge → graceful quit).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use contract::session::{self, Session};
use contract::shell::{UiRequest, BRIDGE_SCRIPT, MIN_WINDOW_SIZE, WINDOW_SIZE};
use tao::dpi::LogicalSize;
use tao::event::{Event, WindowEvent};
use tao::event_loop::{ControlFlow, EventLoopBuilder};
use tao::window::{Window, WindowBuilder};
use wry::{NewWindowResponse, PageLoadEvent, WebView, WebViewBuilder};

/// How long an early quit waits for WebKit's first paint before exiting anyway.
const FIRST_PAINT_WAIT: std::time::Duration = std::time::Duration::from_millis(3000);

/// Requests from the session's threads and the webview to the UI thread.
enum UserEvent {
    Ui(UiRequest),
    /// A page finished loading in the webview (first one: the splash).
    Painted,
    /// Exit even though nothing painted yet (WebKit never came up).
    ForceExit(i32),
}

fn main() {
    contract::events::mark_start();
    #[cfg(target_os = "linux")]
    contract::webkitgtk::before_gtk_init("desktop-django-wry");
    let prepared = session::prepare_or_exit_in(
        "desktop-django-wry",
        None,
        Some(contract::dialog::native_error),
    );
    let event_loop = EventLoopBuilder::<UserEvent>::with_user_event().build();
    let (title, splash) = (prepared.title().to_owned(), prepared.splash_html());
    let proxy = event_loop.create_proxy();
    let session = Session::new(prepared, move |r| {
        let _ = proxy.send_event(UserEvent::Ui(r));
    });
    // Start Python first: its ~300 ms start overlaps the window and WebKit's
    // set-up. Its requests to the UI queue in the proxy until the loop runs.
    session.start();
    let window = WindowBuilder::new()
        .with_title(title)
        .with_inner_size(LogicalSize::new(WINDOW_SIZE.0, WINDOW_SIZE.1))
        .with_min_inner_size(LogicalSize::new(MIN_WINDOW_SIZE.0, MIN_WINDOW_SIZE.1))
        .build(&event_loop)
        .unwrap_or_else(|e| {
            session.fail_without_window(
                &format!("cannot create the window: {e}"),
                Some(contract::dialog::native_error),
            )
        });

    // The shell's own HTML loads (splash, error page) reach the navigation
    // guard as about:blank, possibly after a later load was queued: count
    // the pending ones and let exactly that many through.
    let internal_loads = Arc::new(AtomicUsize::new(1));
    let painted_proxy = event_loop.create_proxy();
    let webview = build_webview(
        &window,
        &session,
        &splash,
        internal_loads.clone(),
        move || {
            let _ = painted_proxy.send_event(UserEvent::Painted);
        },
    )
    .unwrap_or_else(|e| {
        // No webview (WebKitGTK or WebView2 missing or broken): nothing can
        // show the error page, so a native box says it (C-READY-3).
        session.fail_without_window(
            &format!("cannot create the webview: {e}"),
            Some(contract::dialog::native_error),
        )
    });
    session.splash_shown();

    let force_proxy = event_loop.create_proxy();
    let (mut painted, mut pending_exit) = (false, None);
    event_loop.run(move |event, _, control_flow| {
        *control_flow = ControlFlow::Wait;
        match event {
            Event::UserEvent(UserEvent::Ui(UiRequest::Navigate(url))) => {
                let _ = webview.load_url(&url);
            }
            Event::UserEvent(UserEvent::Ui(UiRequest::Focus)) => {
                window.set_visible(true);
                window.set_minimized(false);
                window.set_focus();
            }
            Event::UserEvent(UserEvent::Ui(UiRequest::ShowHtml(html))) => {
                internal_loads.fetch_add(1, Ordering::SeqCst);
                let _ = webview.load_html(&html);
            }
            // Exiting while WebKit still starts its web process aborts the
            // process with SIGTRAP ("readPIDFromPeer"), so an early quit
            // (SIGTERM in the first few hundred ms) waits for the first paint.
            Event::UserEvent(UserEvent::Ui(UiRequest::Exit(code))) if painted => {
                *control_flow = ControlFlow::ExitWithCode(code)
            }
            Event::UserEvent(UserEvent::Ui(UiRequest::Exit(code))) => {
                pending_exit = Some(code);
                let proxy = force_proxy.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(FIRST_PAINT_WAIT);
                    let _ = proxy.send_event(UserEvent::ForceExit(code));
                });
            }
            Event::UserEvent(UserEvent::ForceExit(code)) => {
                *control_flow = ControlFlow::ExitWithCode(code)
            }
            Event::UserEvent(UserEvent::Painted) => {
                painted = true;
                if let Some(code) = pending_exit {
                    *control_flow = ControlFlow::ExitWithCode(code);
                }
            }
            Event::WindowEvent {
                event: WindowEvent::CloseRequested,
                ..
            } => {
                window.set_visible(false);
                session.request_quit();
            }
            // The loop ends: the process exits right after this arm.
            Event::LoopDestroyed => session.end_helper_processes(),
            _ => {}
        }
    });
}

fn build_webview(
    window: &Window,
    session: &Session,
    splash: &str,
    internal_loads: Arc<AtomicUsize>,
    on_paint: impl Fn() + 'static,
) -> wry::Result<WebView> {
    let (nav, new_window, loaded, ipc) = (
        session.clone(),
        session.clone(),
        session.clone(),
        session.clone(),
    );
    let builder = WebViewBuilder::new()
        .with_html(splash)
        .with_initialization_script(BRIDGE_SCRIPT)
        .with_navigation_handler(move |url| {
            let internal = url == "about:blank"
                && internal_loads
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
            if internal {
                return true;
            }
            nav.allow_navigation(&url)
        })
        .with_new_window_req_handler(move |url, _features| {
            new_window.on_new_window(&url);
            NewWindowResponse::Deny
        })
        .with_on_page_load_handler(move |event, url| {
            if let PageLoadEvent::Finished = event {
                on_paint();
                loaded.page_loaded(&url);
            }
        })
        .with_ipc_handler(move |request| {
            ipc.handle_ipc(&request.uri().to_string(), request.body());
        });

    #[cfg(any(target_os = "windows", target_os = "macos"))]
    let webview = builder.build(window);
    #[cfg(not(any(target_os = "windows", target_os = "macos")))]
    let webview = {
        use tao::platform::unix::WindowExtUnix;
        use wry::WebViewBuilderExtUnix;
        builder.build_gtk(window.default_vbox().expect("tao creates a default vbox"))
    };
    #[cfg(target_os = "linux")]
    if let Ok(view) = &webview {
        use wry::WebViewExtUnix;
        contract::webkitgtk::tune(&view.webview());
    }
    webview
}
