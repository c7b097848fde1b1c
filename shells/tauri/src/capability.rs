//! The bridge's runtime capability (C-SHELL-2): `capabilities/backend-origin.json`, granted
//! to the exact backend origin once its port is known.

use tauri::{AppHandle, Manager, Url};

use crate::{lock, ShellState};

/// The runtime capability: the bridge command, for the backend origin only.
const BACKEND_CAPABILITY: &str = include_str!("../capabilities/backend-origin.json");

/// Adds `capabilities/backend-origin.json` for the exact origin of `url`
/// (`http://127.0.0.1:<port>`), once per run.
pub fn grant_backend_origin(app: &AppHandle, url: &Url) -> tauri::Result<()> {
    let origin = url.origin().ascii_serialization();
    let state = app.state::<ShellState>();
    let mut granted = lock(&state.granted_origin);
    if granted.as_deref() == Some(origin.as_str()) {
        return Ok(());
    }
    app.add_capability(backend_capability(&origin))?;
    *granted = Some(origin);
    Ok(())
}

/// The backend-origin capability with its remote URL filled in.
fn backend_capability(origin: &str) -> String {
    let mut capability: serde_json::Value =
        serde_json::from_str(BACKEND_CAPABILITY).expect("capabilities/backend-origin.json");
    capability["remote"]["urls"] = serde_json::json!([origin]);
    capability.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MAIN;

    #[test]
    fn capability_grants_only_the_bridge_command_to_the_exact_origin() {
        let c: serde_json::Value =
            serde_json::from_str(&backend_capability("http://127.0.0.1:43817")).unwrap();
        assert_eq!(
            c["remote"]["urls"],
            serde_json::json!(["http://127.0.0.1:43817"])
        );
        assert_eq!(c["local"], false);
        assert_eq!(c["windows"], serde_json::json!([MAIN]));
        assert_eq!(
            c["permissions"],
            serde_json::json!(["allow-open-app-data-folder"])
        );
    }
}
