//! The CLI's errors: each is a sentence for a person (no stack trace) and an
//! exit code (2 is clap's usage error; the update refusals keep their own
//! codes, [`contract::release::UpdateError::exit_code`]).

use std::path::PathBuf;

use crate::sign::SignError;
use contract::launch::LaunchError;
use contract::release::UpdateError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error(transparent)]
    Update(#[from] UpdateError),
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error("{0} has no manage.py: run this in a Django project (or pass its directory)")]
    NotADjangoProject(PathBuf),
    #[error("cannot find DJANGO_SETTINGS_MODULE in {0}; pass --settings <module>")]
    NoSettingsModule(PathBuf),
    #[error("{} already exist{}; init never changes an existing file (move {} aside to re-run)", list(.0), if .0.len() == 1 { "s" } else { "" }, if .0.len() == 1 { "it" } else { "them" })]
    WouldOverwrite(Vec<PathBuf>),
    #[error("no {shell} shell found (looked for {}); build it with `cargo build -p {package}`", list(.tried))]
    NoShell {
        shell: String,
        package: String,
        tried: Vec<PathBuf>,
    },
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Paths(#[from] contract::paths::PathsError),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Update(e) => u8::try_from(e.exit_code()).unwrap_or(1),
            _ => 1,
        }
    }
}

fn list(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}
