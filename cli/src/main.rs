//! `desktop-django`: wraps an existing Django project in a desktop shell and
//! ships it.
//!
//! ```text
//! desktop-django init [DIR] [--app-id ID] [--product-name NAME] [--settings MODULE] [--tasks]
//! desktop-django doctor [DIR]
//! desktop-django run [--shell tauri|wry|headless] [DIR]
//! desktop-django manage [--project DIR] -- ARGS...
//! desktop-django import-db FILE [--project DIR] [--force]
//! desktop-django keygen --out-dir DIR
//! desktop-django release-manifest --app-id ID --version V --min-version M [--expires-in-days N]
//!                                 --out release.json [--base-url URL [--electron-feed]] ARTIFACT...
//! desktop-django verify ARTIFACT --manifest release.json --public-key-file KEY.pub
//!                       --app-id ID --installed-version V
//! ```
//!
//! `init` only ever writes new files (docs/wrapping.md). `release-manifest`
//! signs with the minisign secret key in `DESKTOP_DJANGO_SIGNING_KEY` (the key
//! file's text; its password, if any, in `DESKTOP_DJANGO_SIGNING_KEY_PASSWORD`):
//! keys come from the environment, never from the repository. `verify` works
//! offline and exits with a distinct code per failure
//! (`contract::release::UpdateError::exit_code`). Errors are one sentence on
//! stderr and a non-zero exit code; 2 is a usage error.

mod doctor;
mod error;
mod feed;
mod init;
mod run;
mod sign;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use contract::release::{verify_manifest, UpdateError};
use error::CliError;

#[derive(Parser)]
#[command(name = "desktop-django", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Wraps the Django project in DIR (default: here) with new files only:
    /// desktop.toml, <package>/desktop_settings.py, <package>/desktop_urls.py.
    Init {
        dir: Option<PathBuf>,
        /// Names the app-data dir (default: local.<package>).
        #[arg(long)]
        app_id: Option<String>,
        /// The window title (default: the package name, capitalised).
        #[arg(long)]
        product_name: Option<String>,
        /// The project's settings module (default: from manage.py).
        #[arg(long)]
        settings: Option<String>,
        /// Also run the task queue's worker (needs desktop-django[tasks]).
        #[arg(long)]
        tasks: bool,
    },
    /// Checks that a shell can run the project in DIR, and says what to fix.
    Doctor { dir: Option<PathBuf> },
    /// Starts a shell on the project in DIR.
    Run {
        #[arg(long, default_value = "tauri", value_parser = ["tauri", "wry", "headless"])]
        shell: String,
        dir: Option<PathBuf>,
    },
    /// Runs a management command with the desktop settings against the
    /// app-data database, e.g. `manage -- createsuperuser`.
    Manage {
        #[arg(long)]
        project: Option<PathBuf>,
        #[arg(last = true, required = true)]
        args: Vec<OsString>,
    },
    /// Copies an existing SQLite database into app data (SQLite backup API);
    /// an app database with data is kept unless --force (then backed up).
    ImportDb {
        file: PathBuf,
        #[arg(long)]
        project: Option<PathBuf>,
        #[arg(long)]
        force: bool,
    },
    /// Writes a new minisign key pair, unencrypted, for tests and local
    /// releases: `<dir>/desktop-django.pub` and `<dir>/desktop-django.key`.
    Keygen {
        #[arg(long)]
        out_dir: PathBuf,
    },
    /// Writes `release.json` for ARTIFACTs and its signature `release.json.minisig`.
    ReleaseManifest {
        #[arg(long)]
        app_id: String,
        #[arg(long)]
        version: String,
        /// The oldest installed version this release may update.
        #[arg(long)]
        min_version: String,
        /// Days until the manifest expires and updaters refuse it.
        #[arg(long, default_value_t = 90)]
        expires_in_days: u64,
        #[arg(long)]
        out: PathBuf,
        /// The URL the artifacts will be served from: also writes the
        /// updater feed (`latest.json`, a `.sig` per installer) beside them.
        #[arg(long)]
        base_url: Option<String>,
        /// Also writes electron-updater's feed (`latest-linux.yml`,
        /// `latest.yml`, `latest-mac.yml`) beside the artifacts.
        #[arg(long, requires = "base_url")]
        electron_feed: bool,
        #[arg(required = true)]
        artifacts: Vec<PathBuf>,
    },
    /// Checks ARTIFACT offline against a signed release manifest.
    Verify {
        artifact: PathBuf,
        #[arg(long)]
        manifest: PathBuf,
        /// Default: `<manifest>.minisig`.
        #[arg(long)]
        signature: Option<PathBuf>,
        /// The app's minisign public key (the `.pub` file).
        #[arg(long)]
        public_key_file: PathBuf,
        #[arg(long)]
        app_id: String,
        #[arg(long)]
        installed_version: String,
    },
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn read(path: &Path) -> Result<Vec<u8>, UpdateError> {
    std::fs::read(path).map_err(|e| UpdateError::Unreadable {
        what: path.display().to_string(),
        message: e.to_string(),
    })
}

fn verify(
    artifact: &Path,
    manifest: &Path,
    signature: Option<PathBuf>,
    public_key_file: &Path,
    app_id: &str,
    installed: &str,
) -> Result<String, UpdateError> {
    let bytes = read(manifest)?;
    let sig_path = signature.unwrap_or_else(|| {
        let mut p = manifest.as_os_str().to_owned();
        p.push(".minisig");
        p.into()
    });
    let sig = String::from_utf8_lossy(&read(&sig_path)?).into_owned();
    let pk = String::from_utf8_lossy(&read(public_key_file)?).into_owned();
    let release = verify_manifest(&bytes, &sig, &pk)?;
    release.check_offer(app_id, installed, now())?;
    let entry = release.check_artifact(artifact)?;
    Ok(format!(
        "ok: {} {} ({} {} {}, {} bytes) is signed, intact and newer than {installed}",
        release.app_id, release.version, entry.os, entry.arch, entry.kind, entry.size
    ))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let done = |r: Result<String, CliError>| {
        r.map(|text| {
            println!("{text}");
            ExitCode::SUCCESS
        })
    };
    let result = match cli.command {
        Command::Init {
            dir,
            app_id,
            product_name,
            settings,
            tasks,
        } => done(init::run(&init::Init {
            dir: dir.unwrap_or_else(|| ".".into()),
            app_id,
            product_name,
            settings,
            tasks,
        })),
        Command::Doctor { dir } => {
            let dir = dir.unwrap_or_else(|| ".".into());
            let dir = std::path::absolute(&dir).unwrap_or(dir);
            Ok(if doctor::print(&doctor::check(&dir)) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Run { shell, dir } => run::shell(&shell, dir.as_deref()),
        Command::Manage { project, args } => run::manage(project.as_deref(), &args),
        Command::ImportDb {
            file,
            project,
            force,
        } => {
            let file = std::path::absolute(&file).unwrap_or(file);
            let mut args: Vec<OsString> = vec!["desktop_import_db".into(), file.into()];
            if force {
                args.push("--force".into());
            }
            run::manage(project.as_deref(), &args)
        }
        Command::Keygen { out_dir } => done(sign::keygen(&out_dir).map_err(Into::into)),
        Command::ReleaseManifest {
            app_id,
            version,
            min_version,
            expires_in_days,
            out,
            base_url,
            electron_feed,
            artifacts,
        } => done(
            sign::release_manifest(&sign::Release {
                app_id,
                version,
                min_version,
                expires_at: now() + expires_in_days * 86_400,
                released_at: now(),
                out,
                artifacts,
                base_url,
                electron_feed,
            })
            .map_err(Into::into),
        ),
        Command::Verify {
            artifact,
            manifest,
            signature,
            public_key_file,
            app_id,
            installed_version,
        } => done(
            verify(
                &artifact,
                &manifest,
                signature,
                &public_key_file,
                &app_id,
                &installed_version,
            )
            .map_err(Into::into),
        ),
    };
    result.unwrap_or_else(|e| {
        eprintln!("desktop-django: {e}");
        ExitCode::from(e.exit_code())
    })
}
