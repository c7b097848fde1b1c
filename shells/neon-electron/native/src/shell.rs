//! The `contract::shell::Shell` adapter of the addon: the session's `UiRequest`s, queued
//! onto the JS thread as `{type: "navigate" | "show_html" | "exit", …}` events.

use std::sync::{Arc, Mutex};

use contract::shell::{Shell, Transport, UiRequest};
use neon::prelude::*;
use neon::types::Deferred;

use crate::lock;

/// What [`JsShell`] needs on the JS thread: every request is queued onto it
/// through a neon `Channel`, which also keeps Node's event loop alive
/// while the session runs.
pub struct Bridge {
    pub channel: Channel,
    pub on_event: Root<JsFunction>,
    pub started: Mutex<Option<Deferred>>,
    pub stopped: Mutex<Vec<Deferred>>,
}

impl Bridge {
    fn emit<'a>(&self, cx: &mut TaskContext<'a>, event: Handle<'a, JsObject>) -> NeonResult<()> {
        let callback = self.on_event.to_inner(cx);
        let this = cx.undefined();
        callback.call(cx, this, [event.upcast::<JsValue>()])?;
        Ok(())
    }
}

pub struct JsShell(pub Arc<Bridge>);

impl Shell for JsShell {
    fn transport(&self) -> Transport {
        Transport::Header
    }

    /// Settles `start()`'s promise on the first request (resolved with the origin by the first
    /// navigation, rejected by anything else), and `stop()`'s promises on `Exit`, then emits the
    /// request as an event.
    fn request(&self, r: UiRequest) {
        let bridge = self.0.clone();
        self.0.channel.send(move |mut cx| {
            let cx = &mut cx;
            let started = lock(&bridge.started).take();
            let event = cx.empty_object();
            match r {
                UiRequest::Navigate(url) => {
                    let origin = contract::navigation::origin_of(&url)
                        .unwrap_or(&url)
                        .to_string();
                    if let Some(d) = started {
                        let value = cx.string(&origin);
                        d.resolve(cx, value);
                    }
                    event
                        .prop(cx, "type")
                        .set("navigate")?
                        .prop("url")
                        .set(url)?
                        .prop("origin")
                        .set(origin)?;
                }
                UiRequest::ShowHtml(html) => {
                    if let Some(d) = started {
                        let err = cx.error(
                            "the backend did not start (see the error page and shell.log)",
                        )?;
                        d.reject(cx, err);
                    }
                    event
                        .prop(cx, "type")
                        .set("show_html")?
                        .prop("html")
                        .set(html)?;
                }
                UiRequest::Focus => {
                    event.prop(cx, "type").set("focus")?;
                }
                UiRequest::Exit(code) => {
                    if let Some(d) = started {
                        let err = cx.error("the shell quit before the backend was ready")?;
                        d.reject(cx, err);
                    }
                    for d in std::mem::take(&mut *lock(&bridge.stopped)) {
                        let value = cx.number(code);
                        d.resolve(cx, value);
                    }
                    event.prop(cx, "type").set("exit")?.prop("code").set(code)?;
                }
            }
            bridge.emit(cx, event)
        });
    }
}
