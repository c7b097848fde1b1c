//! The `contract::shell::Shell` adapter of the addon: the session's UI requests, queued
//! onto the JS thread as `{type: "navigate" | "show_html" | "exit", …}` events.

use std::sync::{Arc, Mutex};

use contract::shell::{Shell, Transport};
use neon::prelude::*;
use neon::types::Deferred;

use crate::lock;

/// The `contract::shell::Shell` adapter: every call is queued onto the JS
/// thread through a neon `Channel`, which also keeps Node's event loop alive
/// while the session runs.
pub struct Bridge {
    pub channel: Channel,
    pub on_event: Root<JsFunction>,
    pub started: Mutex<Option<Deferred>>,
    pub stopped: Mutex<Vec<Deferred>>,
}

impl Bridge {
    /// Runs `f` on the JS thread with the event callback.
    fn send(
        self: &Arc<Self>,
        f: impl FnOnce(&mut TaskContext, &Bridge) -> NeonResult<()> + Send + 'static,
    ) {
        let bridge = self.clone();
        self.channel.send(move |mut cx| f(&mut cx, &bridge));
    }

    fn emit<'a>(&self, cx: &mut TaskContext<'a>, event: Handle<'a, JsObject>) -> NeonResult<()> {
        let callback = self.on_event.to_inner(cx);
        let this = cx.undefined();
        callback.call(cx, this, [event.upcast::<JsValue>()])?;
        Ok(())
    }
}

fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url[..after_scheme + i].to_string(),
        None => url.to_string(),
    }
}

pub struct JsShell(pub Arc<Bridge>);

impl Shell for JsShell {
    fn transport(&self) -> Transport {
        Transport::Header
    }

    fn navigate(&self, url: String) {
        self.0.send(move |cx, bridge| {
            let origin = origin_of(&url);
            if let Some(d) = lock(&bridge.started).take() {
                let value = cx.string(&origin);
                d.resolve(cx, value);
            }
            let event = cx.empty_object();
            let v = cx.string("navigate");
            event.set(cx, "type", v)?;
            let v = cx.string(&url);
            event.set(cx, "url", v)?;
            let v = cx.string(&origin);
            event.set(cx, "origin", v)?;
            bridge.emit(cx, event)
        });
    }

    fn show_html(&self, html: String) {
        self.0.send(move |cx, bridge| {
            if let Some(d) = lock(&bridge.started).take() {
                let err =
                    cx.error("the backend did not start (see the error page and shell.log)")?;
                d.reject(cx, err);
            }
            let event = cx.empty_object();
            let v = cx.string("show_html");
            event.set(cx, "type", v)?;
            let v = cx.string(&html);
            event.set(cx, "html", v)?;
            bridge.emit(cx, event)
        });
    }

    fn exit(&self, code: i32) {
        self.0.send(move |cx, bridge| {
            if let Some(d) = lock(&bridge.started).take() {
                let err = cx.error("the shell quit before the backend was ready")?;
                d.reject(cx, err);
            }
            for d in std::mem::take(&mut *lock(&bridge.stopped)) {
                let value = cx.number(code);
                d.resolve(cx, value);
            }
            let event = cx.empty_object();
            let v = cx.string("exit");
            event.set(cx, "type", v)?;
            let v = cx.number(code);
            event.set(cx, "code", v)?;
            bridge.emit(cx, event)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origin_of_a_url() {
        assert_eq!(
            origin_of("http://127.0.0.1:43817/"),
            "http://127.0.0.1:43817"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:43817/a/b?c"),
            "http://127.0.0.1:43817"
        );
        assert_eq!(origin_of("http://127.0.0.1:1"), "http://127.0.0.1:1");
    }
}
