//! The bound on concurrent launches in one test process.

use std::sync::{Condvar, Mutex};

/// Bounds how many shells run at once in this test process (each is a webview plus two Python
/// processes). `DESKTOP_DJANGO_CONFORMANCE_JOBS`, default 2. A test must not hold two launches at
/// once, or it could wait on itself.
struct Slots {
    used: Mutex<usize>,
    freed: Condvar,
}

static SLOTS: Slots = Slots {
    used: Mutex::new(0),
    freed: Condvar::new(),
};

fn max_slots() -> usize {
    std::env::var("DESKTOP_DJANGO_CONFORMANCE_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(2)
}

pub(super) struct Slot;

impl Slot {
    pub(super) fn take() -> Slot {
        let mut used = SLOTS.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used >= max_slots() {
            used = SLOTS.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut used = SLOTS.used.lock().unwrap_or_else(|e| e.into_inner());
        *used -= 1;
        SLOTS.freed.notify_one();
    }
}
