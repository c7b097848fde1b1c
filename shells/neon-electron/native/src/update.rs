//! The addon's update functions (C-PKG-3): `verifyRelease`, `checkArtifactFile` and
//! `stopForUpdate`; the decisions are `contract::release`'s (see the crate docs).

use contract::release::{ReleaseManifest, UpdateError};
use neon::prelude::*;

use crate::{host, lock};

/// A serializable Rust value as a plain JS object (through `JSON.parse`).
fn to_js<'a>(cx: &mut FunctionContext<'a>, value: &impl serde::Serialize) -> JsResult<'a, JsValue> {
    let text = serde_json::to_string(value).or_else(|e| cx.throw_error(e.to_string()))?;
    let json: Handle<JsObject> = cx.global("JSON")?;
    let parse: Handle<JsFunction> = json.get(cx, "parse")?;
    parse.call_with(cx).arg(cx.string(text)).apply(cx)
}

/// Throws `e` as an `Error` carrying its exit code (see the module docs).
fn throw_update_error<T>(cx: &mut FunctionContext, e: &UpdateError) -> NeonResult<T> {
    let err = cx.error(e.to_string())?;
    let code = cx.number(e.exit_code());
    err.set(cx, "code", code)?;
    if let UpdateError::NotNewer { offered, .. } = e {
        let offered = cx.string(offered);
        err.set(cx, "offered", offered)?;
    }
    cx.throw(err)
}

pub fn verify_release(mut cx: FunctionContext) -> JsResult<JsValue> {
    let manifest = cx.argument::<JsString>(0)?.value(&mut cx);
    let signature = cx.argument::<JsString>(1)?.value(&mut cx);
    let public_key = cx.argument::<JsString>(2)?.value(&mut cx);
    let app_id = cx.argument::<JsString>(3)?.value(&mut cx);
    let installed = cx.argument::<JsString>(4)?.value(&mut cx);
    let now = cx.argument::<JsNumber>(5)?.value(&mut cx);
    // A clock before 1970 or NaN reads as 0: every manifest is then unexpired,
    // which is no weaker than trusting the clock at all.
    let now = if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    };
    let release = contract::release::verify_manifest(manifest.as_bytes(), &signature, &public_key)
        .and_then(|m| m.check_offer(&app_id, &installed, now).map(|()| m));
    match release {
        Ok(m) => to_js(&mut cx, &m),
        Err(e) => throw_update_error(&mut cx, &e),
    }
}

pub fn check_artifact_file(mut cx: FunctionContext) -> JsResult<JsValue> {
    let manifest = cx.argument::<JsString>(0)?.value(&mut cx);
    let path = cx.argument::<JsString>(1)?.value(&mut cx);
    let manifest: ReleaseManifest = match serde_json::from_str(&manifest) {
        Ok(m) => m,
        Err(e) => return throw_update_error(&mut cx, &UpdateError::Invalid(e.to_string())),
    };
    match manifest.check_artifact(std::path::Path::new(&path)) {
        Ok(entry) => to_js(&mut cx, entry),
        Err(e) => throw_update_error(&mut cx, &e),
    }
}

pub fn stop_for_update(mut cx: FunctionContext) -> JsResult<JsPromise> {
    let host = host(&mut cx)?;
    let session = lock(&host.session).clone();
    let channel = cx.channel();
    let (deferred, promise) = cx.promise();
    // The stop blocks for up to the grace period and the tree kill: off the JS thread.
    std::thread::spawn(move || {
        let stopped = match &session {
            Some(s) => {
                let stopped = s.stop_for_update();
                if stopped {
                    // The updated app may start before this process is gone (an AppImage
                    // is spawned right away). Not end_helper_processes: on Linux it would
                    // end every descendant, which here are Electron's own renderer and GPU
                    // processes, and the backend tree is already gone.
                    s.release_instance();
                }
                stopped
            }
            // Never started: no backend holds the runtime.
            None => true,
        };
        deferred.settle_with(&channel, move |mut cx| Ok(cx.boolean(stopped)));
    });
    Ok(promise)
}
