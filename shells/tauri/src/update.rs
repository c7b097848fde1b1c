//! Connected updates (C-PKG-3): tauri-plugin-updater fetches the feed and
//! installs the installer; `contract::update` decides whether it may.
//!
//! ```text
//! feed <base>/latest.json → signed release manifest verifies with the key
//! built into this app, names this app, is unexpired, offers a newer version
//! this one may update from → the installer is one it lists → "Install and
//! restart?" → download (the plugin checks the artifact's own signature) →
//! size + SHA-256 against the manifest → stop the backend (lifelines, grace,
//! tree kill) → install → restart into the new version
//! ```
//!
//! The feed is `DESKTOP_DJANGO_UPDATE_URL`, else `plugins.updater.endpoints`
//! of the build; with neither, no request is made. The key is
//! `plugins.updater.pubkey` of the build (`just package` sets both from the
//! environment); an empty key turns updates off.

use std::sync::atomic::{AtomicBool, Ordering};

use contract::events::{self, Event};
use contract::release::UpdateError;
use contract::session::Session;
use contract::update::{self, Confirm};
use tauri::{AppHandle, Manager, Url};
use tauri_plugin_updater::UpdaterExt;

/// What started a check: at start-up outcomes go to the log and the events
/// file only; from the menu each one is also shown in a dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Startup,
    Menu,
}

/// Why an update was not installed.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("refused: {0}")]
    Refused(#[from] UpdateError),
    #[error("this build has no update key (plugins.updater.pubkey): updates are off")]
    NoKey,
    #[error("the update feed {url} cannot be used: {source}")]
    Feed {
        url: String,
        source: tauri_plugin_updater::Error,
    },
    #[error("the download failed: {0}")]
    Download(tauri_plugin_updater::Error),
    #[error("the installer failed: {0}")]
    Install(tauri_plugin_updater::Error),
    #[error("the app is quitting")]
    Quitting,
}

enum Outcome {
    Current(String),
    Declined(String),
}

/// One check at a time, whoever asks.
static CHECKING: AtomicBool = AtomicBool::new(false);

/// Checks the feed on the async runtime, if one is configured; reports the
/// outcome as [`Trigger`] says. A check while one runs is ignored.
pub fn check(app: &AppHandle, trigger: Trigger) {
    let built_in = app_updater_config(app, "endpoints")
        .and_then(|v| v.get(0).and_then(|u| u.as_str()).map(str::to_owned))
        .map(|latest| latest.trim_end_matches(update::TAURI_FEED).to_owned());
    let Some(base) = update::feed_base(built_in.as_deref()) else {
        if trigger == Trigger::Menu {
            show_info(app, "No update feed is configured for this build.");
        }
        return;
    };
    if CHECKING.swap(true, Ordering::SeqCst) {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let session = app.state::<Session>().inner().clone();
        let result = run(&app, &session, &base).await;
        CHECKING.store(false, Ordering::SeqCst);
        report(&app, &session, trigger, result);
    });
}

async fn run(app: &AppHandle, session: &Session, base: &str) -> Result<Outcome, Failure> {
    let pubkey = app_updater_config(app, "pubkey")
        .and_then(|v| v.as_str().map(str::to_owned))
        .filter(|k| !k.trim().is_empty())
        .ok_or(Failure::NoKey)?;
    let installed = app.package_info().version.to_string();
    let url = format!("{base}{}", update::TAURI_FEED);
    let feed_error = |source| Failure::Feed {
        url: url.clone(),
        source,
    };
    let endpoint = Url::parse(&url).map_err(|e| feed_error(e.into()))?;
    session.log(&format!("checking for updates at {url}"));
    // Every offer reaches the signed manifest, which alone decides.
    let updater = app
        .updater_builder()
        .pubkey(&pubkey)
        .endpoints(vec![endpoint])
        .and_then(|b| b.version_comparator(|_, _| true).build())
        .map_err(feed_error)?;
    let Some(offer) = updater.check().await.map_err(feed_error)? else {
        return Ok(Outcome::Current(installed));
    };
    let release = match update::offer_from_feed(
        &offer.raw_json,
        &pubkey,
        session.app_id(),
        &installed,
        update::now(),
    ) {
        Err(UpdateError::NotNewer { offered, .. }) if offered == installed => {
            return Ok(Outcome::Current(installed))
        }
        other => other?,
    };
    let file = update::file_name_of(offer.download_url.as_str()).to_owned();
    release.artifact(&file)?;
    events::emit(Event::UpdateAvailable {
        version: release.version.clone(),
    });
    session.log(&format!("update {} available: {file}", release.version));
    if !confirmed(app, &release.version).await {
        return Ok(Outcome::Declined(release.version));
    }
    let bytes = offer
        .download(|_, _| {}, || {})
        .await
        .map_err(|e| match e {
            tauri_plugin_updater::Error::Minisign(_)
            | tauri_plugin_updater::Error::Base64(_)
            | tauri_plugin_updater::Error::SignatureUtf8(_) => {
                Failure::Refused(UpdateError::ArtifactSignature(e.to_string()))
            }
            e => Failure::Download(e),
        })?;
    release.check_bytes(&file, &bytes)?;
    events::emit(Event::UpdateInstalling {
        version: release.version.clone(),
    });
    session.log(&format!("installing {} ({} bytes)", file, bytes.len()));
    if !session.stop_for_update() {
        return Err(Failure::Quitting);
    }
    // From here the backend is stopped: whatever happens, the app restarts,
    // into the new version or, if the installer failed, the old one.
    let installed_ok = offer.install(&bytes).map_err(Failure::Install);
    if let Err(e) = &installed_ok {
        events::emit(Event::UpdateFailed {
            message: e.to_string(),
        });
        session.log(&format!(
            "update failed: {e}; restarting the installed version"
        ));
        show_error(app, &format!("The update could not be installed: {e}"));
    } else {
        session.log(&format!("installed {}; restarting", release.version));
    }
    session.end_helper_processes();
    session.release_instance();
    app.restart()
}

fn report(app: &AppHandle, session: &Session, trigger: Trigger, result: Result<Outcome, Failure>) {
    let message = match result {
        Ok(Outcome::Current(version)) => {
            events::emit(Event::UpdateCurrent {
                version: version.clone(),
            });
            format!(
                "{} {version} is the latest version.",
                session.product_name()
            )
        }
        Ok(Outcome::Declined(version)) => {
            events::emit(Event::UpdateDeclined {
                version: version.clone(),
            });
            format!("Update {version} declined.")
        }
        Err(Failure::Refused(e)) => {
            events::emit(Event::UpdateRefused {
                reason: e.to_string(),
                code: e.exit_code(),
            });
            format!("The update was refused: {e}")
        }
        Err(e) => {
            events::emit(Event::UpdateFailed {
                message: e.to_string(),
            });
            format!("No update: {e}")
        }
    };
    session.log(&format!("update check: {message}"));
    if trigger == Trigger::Menu {
        show_info(app, &message);
    }
}

/// "Install and restart?", unless `DESKTOP_DJANGO_UPDATE_CONFIRM` answers.
async fn confirmed(app: &AppHandle, version: &str) -> bool {
    match Confirm::from_env() {
        Confirm::Yes => return true,
        Confirm::No => return false,
        Confirm::Ask => {}
    }
    let question = format!(
        "Version {version} is available. Install it and restart now? Your data stays where it is."
    );
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        on_main_thread(&app, move |title| {
            contract::dialog::confirm(title, &question)
        })
    })
    .await
    .ok()
    .flatten()
    .unwrap_or(false)
}

fn show_info(app: &AppHandle, message: &str) {
    let (title, message) = (app.package_info().name.clone(), message.to_owned());
    let _ = app.run_on_main_thread(move || contract::dialog::info(&title, &message));
}

/// Shows an error and waits until it is dismissed (the app restarts right
/// after); unattended runs (`DESKTOP_DJANGO_UPDATE_CONFIRM` set) only log it.
fn show_error(app: &AppHandle, message: &str) {
    if Confirm::from_env() == Confirm::Ask {
        let message = message.to_owned();
        on_main_thread(app, move |title| {
            contract::dialog::native_error(title, &message)
        });
    }
}

/// Runs a dialog on the main thread (rfd's GTK dialogs run a nested main
/// loop there) with the product name as its title, and waits for its answer.
/// `None` when the event loop is gone.
fn on_main_thread<T: Send + 'static>(
    app: &AppHandle,
    dialog: impl FnOnce(&str) -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    let title = app.package_info().name.clone();
    app.run_on_main_thread(move || {
        let _ = tx.send(dialog(&title));
    })
    .ok()?;
    rx.recv().ok()
}

/// A field of the build's `plugins.updater` configuration.
fn app_updater_config(app: &AppHandle, field: &str) -> Option<serde_json::Value> {
    app.config()
        .plugins
        .0
        .get("updater")
        .and_then(|u| u.get(field))
        .cloned()
}
