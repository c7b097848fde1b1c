//! `desktop-django`: the release tool (C-PKG-3).
//!
//! ```text
//! desktop-django keygen --out-dir DIR
//! desktop-django release-manifest --app-id ID --version V --min-version M [--expires-in-days N]
//!                                 --out release.json [--base-url URL] ARTIFACT...
//! desktop-django verify ARTIFACT --manifest release.json --public-key-file KEY.pub
//!                       --app-id ID --installed-version V
//! ```
//!
//! `release-manifest` signs with the minisign secret key in
//! `DESKTOP_DJANGO_SIGNING_KEY` (the key file's text; its password, if any,
//! in `DESKTOP_DJANGO_SIGNING_KEY_PASSWORD`): keys come from the
//! environment, never from the repository. `verify` works offline and exits
//! with a distinct code per failure (`contract::release::UpdateError::exit_code`).

mod feed;
mod sign;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use contract::release::{verify_manifest, UpdateError};

#[derive(Parser)]
#[command(name = "desktop-django", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
    let result = match cli.command {
        Command::Keygen { out_dir } => sign::keygen(&out_dir).map_err(|e| (e.to_string(), 1)),
        Command::ReleaseManifest {
            app_id,
            version,
            min_version,
            expires_in_days,
            out,
            base_url,
            artifacts,
        } => sign::release_manifest(&sign::Release {
            app_id,
            version,
            min_version,
            expires_at: now() + expires_in_days * 86_400,
            released_at: now(),
            out,
            artifacts,
            base_url,
        })
        .map_err(|e| (e.to_string(), 1)),
        Command::Verify {
            artifact,
            manifest,
            signature,
            public_key_file,
            app_id,
            installed_version,
        } => verify(
            &artifact,
            &manifest,
            signature,
            &public_key_file,
            &app_id,
            &installed_version,
        )
        .map_err(|e| (e.to_string(), e.exit_code())),
    };
    match result {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err((message, code)) => {
            eprintln!("desktop-django: {message}");
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}
