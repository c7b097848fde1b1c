//! A stand-in system opener: how a shell hands links and folders to the system browser or file
//! manager, recorded instead of opened.

use std::path::PathBuf;

/// `'…'` quoting for `sh`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A stand-in `xdg-open` (and `gio`, `gnome-open`, `kde-open`, macOS's `open`) in a fresh `bin` dir: it records
/// each call's arguments and exits 0. Put [`FakeOpener::bin`] first on the shell's `PATH`.
pub struct FakeOpener {
    dir: tempfile::TempDir,
}

impl Default for FakeOpener {
    fn default() -> Self {
        FakeOpener::new()
    }
}

impl FakeOpener {
    #[cfg(unix)]
    pub fn new() -> FakeOpener {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix("conformance-opener-")
            .tempdir()
            .expect("temp dir");
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("bin dir");
        let log = dir.path().join("opened.log");
        let script = format!(
            "#!/bin/sh\n# A stand-in system opener written by the conformance suite.\nprintf '%s\\n' \"$*\" >> {}\nexit 0\n",
            sh_quote(&log.to_string_lossy())
        );
        for name in [
            "xdg-open",
            "gio",
            "gnome-open",
            "kde-open",
            "wslview",
            "open",
        ] {
            let p = bin.join(name);
            std::fs::write(&p, &script).expect("write the fake opener");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))
                .expect("chmod the fake opener");
        }
        FakeOpener { dir }
    }

    #[cfg(not(unix))]
    pub fn new() -> FakeOpener {
        panic!("the stand-in system opener is a POSIX sh script; its checks are listed in conformance::platform::LIMITS for this OS")
    }

    pub fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    /// Every opened target so far (for `gio open X`, the `open` is stripped).
    pub fn opened(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("opened.log"))
            .unwrap_or_default()
            .lines()
            .map(|l| l.strip_prefix("open ").unwrap_or(l).to_string())
            .collect()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn fake_opener_records() {
        let o = FakeOpener::new();
        std::process::Command::new(o.bin().join("xdg-open"))
            .arg("http://x/")
            .status()
            .unwrap();
        std::process::Command::new(o.bin().join("gio"))
            .args(["open", "mailto:a@b"])
            .status()
            .unwrap();
        assert_eq!(o.opened(), ["http://x/", "mailto:a@b"]);
    }
}
