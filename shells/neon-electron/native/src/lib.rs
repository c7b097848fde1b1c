//! The Electron shell's native half: a neon addon that runs
//! `contract::session::Session` (and through it `contract::Supervisor`)
//! inside the Electron main process, or inside plain Node for the headless
//! host.
//!
//! The backend's process group, Job Object, parent-death signal and
//! lifelines therefore live in the same OS process as the window: when
//! Electron dies, so does the backend tree (C-PROC-5). Every lifecycle rule
//! (spawn, handshake, health gate, worker, graceful stop, C-SHELL-3 events)
//! is the contract crate's; JavaScript only owns the window.
//!
//! JavaScript API (see `../src/addon.js`, which loads this library):
//!
//! ```text
//! prepare(args: string[]) -> Host | null             resolve project + app data and take the
//!                                                    instance lock (C-PROC-7); null: another
//!                                                    instance runs and was asked to focus;
//!                                                    throws on any other error
//! info(host) -> {productName, appId, splashHtml, appDataDir, logPath}
//! appDataDir(host) -> string
//! secondLaunch(host)                                 Electron's second-instance: emit second_launch,
//!                                                    then onEvent({type: "focus"})
//! start(host, onEvent) -> Promise<origin>            resolves once the backend is ready
//!     onEvent({type: "navigate", url, origin})       load url in the main window
//!     onEvent({type: "show_html", html})             show the startup-error page
//!     onEvent({type: "focus"})                       a second launch: raise the window
//!     onEvent({type: "exit", code})                  every child is gone: exit with code
//! stop(host) -> Promise<exitCode>                    graceful stop (C-PROC-3); resolves after it
//! takeHeaderToken(host) -> string                    the token, once, for the header rule (C-AUTH-4)
//! mintTicket(host) -> Promise<{ticket, expiresInMs}> a one-time ticket (C-AUTH-5)
//! classify(host, url) -> "allow" | "external" | "block"   the navigation policy (C-SHELL-1)
//! classifyUrl(url, origin | null) -> the same, for an explicit origin
//! splashShown(host); pageLoaded(host, url)           C-SHELL-3 events splash_shown, window_loaded
//! openAppDataFolder(host)                            the menu item (C-SHELL-2)
//! handleIpc(host, pageUrl, message) -> bool          the page bridge, origin-checked (C-SHELL-2)
//! openExternal(url)                                  the system opener (headless host; Electron uses shell.openExternal)
//! log(host, message)                                 one line in logs/shell.log
//! emitEvent(name, fields: object)                    one C-SHELL-3 event (contract::events::emit)
//! ```
//!
//! Updates (C-PKG-3; the decision is `contract::release`'s, `../src/update.js` drives it):
//!
//! ```text
//! verifyRelease(manifestText, signatureText, publicKey, appId, installedVersion, nowSecs)
//!     -> the manifest {schema, app_id, version, released_at, expires_at, min_version,
//!        artifacts: [{os, arch, kind, file, size, sha256}]}
//!     when the signature verifies and the release may replace installedVersion now
//! checkArtifactFile(manifestText, path) -> the artifact entry named like path, whose size
//!     and SHA-256 match the file (manifestText: the text verifyRelease accepted)
//! stopForUpdate(host) -> Promise<boolean>             stops the backend like a quit, without the
//!     exit (Session::stop_for_update); false when a quit is already under way
//! ```
//!
//! `verifyRelease` and `checkArtifactFile` throw an `Error` whose message is the
//! `UpdateError` text and whose `code` is its exit code (10 signature … 18 hash, as
//! `desktop-django verify`); a not-newer refusal (14) also carries `offered`, the
//! signed version, so that an equal one reads as "up to date".

mod shell;
mod update;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use contract::navigation::Decision;
use contract::session::{self, Prepared, Session, SessionError};
use neon::prelude::*;

use shell::{Bridge, JsShell};
use update::{check_artifact_file, stop_for_update, verify_release};

/// One shell session, owned by JavaScript as a `JsBox`.
struct Host {
    info: Info,
    /// Present until `start` turns it into the session.
    prepared: Mutex<Option<Prepared>>,
    session: Mutex<Option<Session>>,
    /// The bridge between the session's threads and the JS thread.
    bridge: Mutex<Option<Arc<Bridge>>>,
    token_taken: AtomicBool,
}

struct Info {
    product_name: String,
    app_id: String,
    splash_html: String,
    app_data_dir: String,
    log_path: String,
}

impl Finalize for Host {}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn host<'a>(cx: &mut FunctionContext<'a>) -> NeonResult<Handle<'a, JsBox<Host>>> {
    cx.argument::<JsBox<Host>>(0)
}

fn session_of(cx: &mut FunctionContext, host: &Host) -> NeonResult<Session> {
    match lock(&host.session).as_ref() {
        Some(s) => Ok(s.clone()),
        None => cx.throw_error("the session has not been started"),
    }
}

fn prepare(mut cx: FunctionContext) -> JsResult<JsValue> {
    let args = cx.argument::<JsArray>(0)?.to_vec(&mut cx)?;
    let mut os_args = Vec::with_capacity(args.len());
    for a in args {
        let s = a.downcast_or_throw::<JsString, _>(&mut cx)?;
        os_args.push(s.value(&mut cx).into());
    }
    let prepared = match session::prepare(os_args) {
        Ok(p) => p,
        Err(SessionError::AlreadyRunning { .. }) => return Ok(cx.null().upcast()),
        Err(e) => return cx.throw_error(e.to_string()),
    };
    let info = Info {
        product_name: prepared.title().to_string(),
        app_id: prepared.project.app_id.clone(),
        splash_html: prepared.splash_html(),
        app_data_dir: prepared.paths.root.display().to_string(),
        log_path: prepared.log.path().display().to_string(),
    };
    Ok(cx
        .boxed(Host {
            info,
            prepared: Mutex::new(Some(prepared)),
            session: Mutex::new(None),
            bridge: Mutex::new(None),
            token_taken: AtomicBool::new(false),
        })
        .upcast())
}

fn info(mut cx: FunctionContext) -> JsResult<JsObject> {
    let host = host(&mut cx)?;
    let obj = cx.empty_object();
    let fields = [
        ("productName", host.info.product_name.clone()),
        ("appId", host.info.app_id.clone()),
        ("splashHtml", host.info.splash_html.clone()),
        ("appDataDir", host.info.app_data_dir.clone()),
        ("logPath", host.info.log_path.clone()),
    ];
    for (key, value) in fields {
        let v = cx.string(value);
        obj.set(&mut cx, key, v)?;
    }
    Ok(obj)
}

fn app_data_dir(mut cx: FunctionContext) -> JsResult<JsString> {
    let host = host(&mut cx)?;
    let dir = host.info.app_data_dir.clone();
    Ok(cx.string(dir))
}

fn second_launch(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let host = host(&mut cx)?;
    session_of(&mut cx, &host)?.second_launch();
    Ok(cx.undefined())
}

fn start(mut cx: FunctionContext) -> JsResult<JsPromise> {
    let host = host(&mut cx)?;
    let on_event = cx.argument::<JsFunction>(1)?.root(&mut cx);
    let Some(prepared) = lock(&host.prepared).take() else {
        return cx.throw_error("start may be called once");
    };
    let (deferred, promise) = cx.promise();
    let bridge = Arc::new(Bridge {
        channel: cx.channel(),
        on_event,
        started: Mutex::new(Some(deferred)),
        stopped: Mutex::new(Vec::new()),
    });
    let session = Session::new(prepared, JsShell(bridge.clone()));
    *lock(&host.bridge) = Some(bridge);
    *lock(&host.session) = Some(session.clone());
    // Node and Electron own SIGTERM/SIGINT; the JS side calls stop().
    session.start_without_signal_handler();
    Ok(promise)
}

fn stop(mut cx: FunctionContext) -> JsResult<JsPromise> {
    let host = host(&mut cx)?;
    let (deferred, promise) = cx.promise();
    let session = lock(&host.session).clone();
    let bridge = lock(&host.bridge).clone();
    match (session, bridge) {
        (Some(session), Some(bridge)) => {
            lock(&bridge.stopped).push(deferred);
            session.request_quit();
        }
        _ => {
            // Never started: nothing to stop.
            let zero = cx.number(0);
            deferred.resolve(&mut cx, zero);
        }
    }
    Ok(promise)
}

fn take_header_token(mut cx: FunctionContext) -> JsResult<JsString> {
    let host = host(&mut cx)?;
    let session = session_of(&mut cx, &host)?;
    if host.token_taken.swap(true, Ordering::SeqCst) {
        return cx.throw_error("the header token can be taken only once");
    }
    match session.header_token() {
        Some(token) => Ok(cx.string(token)),
        None => cx.throw_error("no session token yet"),
    }
}

fn mint_ticket(mut cx: FunctionContext) -> JsResult<JsPromise> {
    let host = host(&mut cx)?;
    let session = session_of(&mut cx, &host)?;
    let channel = cx.channel();
    let (deferred, promise) = cx.promise();
    std::thread::spawn(move || {
        let minted = session.mint_ticket();
        deferred.settle_with(&channel, move |mut cx| match minted {
            Ok(ticket) => {
                let obj = cx.empty_object();
                let v = cx.string(ticket.expose());
                obj.set(&mut cx, "ticket", v)?;
                let v = cx.number(ticket.expires_in_ms as f64);
                obj.set(&mut cx, "expiresInMs", v)?;
                Ok(obj)
            }
            Err(e) => cx.throw_error(e.to_string()),
        });
    });
    Ok(promise)
}

fn decision_name(decision: Decision) -> &'static str {
    match decision {
        Decision::Allow => "allow",
        Decision::OpenExternal => "external",
        Decision::Block => "block",
    }
}

fn classify(mut cx: FunctionContext) -> JsResult<JsString> {
    let host = host(&mut cx)?;
    let url = cx.argument::<JsString>(1)?.value(&mut cx);
    let origin = lock(&host.session).as_ref().and_then(Session::origin);
    let decision = contract::navigation::classify(&url, origin.as_deref());
    Ok(cx.string(decision_name(decision)))
}

fn classify_url(mut cx: FunctionContext) -> JsResult<JsString> {
    let url = cx.argument::<JsString>(0)?.value(&mut cx);
    let origin = match cx.argument_opt(1) {
        Some(v) if v.is_a::<JsString, _>(&mut cx) => {
            Some(v.downcast_or_throw::<JsString, _>(&mut cx)?.value(&mut cx))
        }
        _ => None,
    };
    let decision = contract::navigation::classify(&url, origin.as_deref());
    Ok(cx.string(decision_name(decision)))
}

fn splash_shown(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let host = host(&mut cx)?;
    if let Some(s) = lock(&host.session).as_ref() {
        s.splash_shown();
    } else {
        contract::events::splash_shown();
    }
    Ok(cx.undefined())
}

fn page_loaded(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let host = host(&mut cx)?;
    let url = cx.argument::<JsString>(1)?.value(&mut cx);
    if let Some(s) = lock(&host.session).as_ref() {
        s.page_loaded(&url);
    }
    Ok(cx.undefined())
}

fn open_app_data_folder(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let host = host(&mut cx)?;
    if let Some(s) = lock(&host.session).as_ref() {
        s.open_app_data_folder();
    }
    Ok(cx.undefined())
}

fn handle_ipc(mut cx: FunctionContext) -> JsResult<JsBoolean> {
    let host = host(&mut cx)?;
    let page_url = cx.argument::<JsString>(1)?.value(&mut cx);
    let message = cx.argument::<JsString>(2)?.value(&mut cx);
    let handled = lock(&host.session)
        .as_ref()
        .is_some_and(|s| s.handle_ipc(&page_url, &message));
    Ok(cx.boolean(handled))
}

fn open_external(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let url = cx.argument::<JsString>(0)?.value(&mut cx);
    // Only what the navigation policy sends to the system browser.
    if contract::navigation::classify(&url, None) != Decision::OpenExternal {
        return cx.throw_error("only http, https and mailto URLs open externally");
    }
    if let Err(e) = open::that_detached(&url) {
        return cx.throw_error(format!("cannot open the system browser: {e}"));
    }
    Ok(cx.undefined())
}

fn log(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let host = host(&mut cx)?;
    let message = cx.argument::<JsString>(1)?.value(&mut cx);
    if let Some(s) = lock(&host.session).as_ref() {
        s.log(&message);
    } else if let Some(p) = lock(&host.prepared).as_ref() {
        p.log.line("shell", &message);
    }
    Ok(cx.undefined())
}

/// `JSON.stringify(value)` parsed as serde JSON (`null` for what JSON cannot hold).
fn to_json(cx: &mut FunctionContext, value: Handle<JsValue>) -> NeonResult<serde_json::Value> {
    let json: Handle<JsObject> = cx.global("JSON")?;
    let stringify: Handle<JsFunction> = json.get(cx, "stringify")?;
    let text: Handle<JsValue> = stringify.call_with(cx).arg(value).apply(cx)?;
    let Ok(text) = text.downcast::<JsString, _>(cx) else {
        return Ok(serde_json::Value::Null);
    };
    let text = text.value(cx);
    serde_json::from_str(&text).or_else(|e| cx.throw_error(e.to_string()))
}

/// `emitEvent(name, fields)`: one [`contract::events::Event`]. Throws a `TypeError` for a
/// name the contract does not define or fields that do not fit it.
fn emit_event(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let name = cx.argument::<JsString>(0)?.value(&mut cx);
    let fields = match cx.argument_opt(1) {
        Some(v) => to_json(&mut cx, v)?,
        None => serde_json::Value::Null,
    };
    let mut object = match fields {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    object.insert("event".into(), serde_json::Value::from(name.as_str()));
    match serde_json::from_value::<contract::events::Event>(serde_json::Value::Object(object)) {
        Ok(event) => contract::events::emit(event),
        Err(e) => return cx.throw_type_error(format!("event {name:?}: {e}")),
    }
    Ok(cx.undefined())
}

#[neon::main]
fn main(mut cx: ModuleContext) -> NeonResult<()> {
    // t_ms counts from the moment the main process loads the addon.
    contract::events::mark_start();
    cx.export_function("prepare", prepare)?;
    cx.export_function("info", info)?;
    cx.export_function("appDataDir", app_data_dir)?;
    cx.export_function("secondLaunch", second_launch)?;
    cx.export_function("start", start)?;
    cx.export_function("stop", stop)?;
    cx.export_function("takeHeaderToken", take_header_token)?;
    cx.export_function("mintTicket", mint_ticket)?;
    cx.export_function("classify", classify)?;
    cx.export_function("classifyUrl", classify_url)?;
    cx.export_function("splashShown", splash_shown)?;
    cx.export_function("pageLoaded", page_loaded)?;
    cx.export_function("openAppDataFolder", open_app_data_folder)?;
    cx.export_function("handleIpc", handle_ipc)?;
    cx.export_function("openExternal", open_external)?;
    cx.export_function("log", log)?;
    cx.export_function("emitEvent", emit_event)?;
    cx.export_function("verifyRelease", verify_release)?;
    cx.export_function("checkArtifactFile", check_artifact_file)?;
    cx.export_function("stopForUpdate", stop_for_update)?;
    Ok(())
}
