//! `desktop-django verify`, offline, on a good release and on every bad input C-PKG-3 names:
//! a tampered or truncated artifact, a manifest signed with another key or edited after signing,
//! an expired manifest, and an offer that is not newer than the installed version.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_desktop-django");
const APP: &str = "t.app";

fn run(args: &[&str], key: Option<&Path>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("DESKTOP_DJANGO_SIGNING_KEY_PASSWORD");
    match key {
        Some(k) => cmd.env(
            "DESKTOP_DJANGO_SIGNING_KEY",
            std::fs::read_to_string(k).unwrap(),
        ),
        None => cmd.env_remove("DESKTOP_DJANGO_SIGNING_KEY"),
    };
    cmd.output().unwrap()
}

/// `release-manifest` for `APP` at `version` (min version 0.1.0) into `out`, with `extra`
/// options before the artifacts, signed with the secret key file `key` (none: no key).
fn sign(
    version: &str,
    out: &Path,
    extra: &[&str],
    artifacts: &[PathBuf],
    key: Option<&Path>,
) -> Output {
    let out = p(out);
    let artifacts: Vec<String> = artifacts.iter().map(|a| p(a)).collect();
    let mut args = vec![
        "release-manifest",
        "--app-id",
        APP,
        "--version",
        version,
        "--min-version",
        "0.1.0",
        "--out",
        &out,
    ];
    args.extend_from_slice(extra);
    args.extend(artifacts.iter().map(String::as_str));
    run(&args, key)
}

struct Release {
    dir: tempfile::TempDir,
}

impl Release {
    /// Keys `a` and `b`, an artifact, and `release.json` for version `version` signed with `a`.
    fn new(version: &str, expires_in_days: &str) -> Release {
        let dir = tempfile::tempdir().unwrap();
        for k in ["a", "b"] {
            let out = run(&["keygen", "--out-dir", &p(&dir.path().join(k))], None);
            assert!(out.status.success(), "{out:?}");
        }
        std::fs::write(
            dir.path().join("app-1.0.0-linux-x86_64.deb"),
            b"installer v2",
        )
        .unwrap();
        let r = Release { dir };
        let out = sign(
            version,
            &r.path("release.json"),
            &["--expires-in-days", expires_in_days],
            &[r.artifact()],
            Some(&r.path("a/desktop-django.key")),
        );
        assert!(out.status.success(), "{out:?}");
        r
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn artifact(&self) -> PathBuf {
        self.path("app-1.0.0-linux-x86_64.deb")
    }

    /// `verify` with key `key` as installed version `installed`: (exit code, stdout + stderr).
    fn verify(&self, key: &str, installed: &str) -> (i32, String) {
        let out = run(
            &[
                "verify",
                &p(&self.artifact()),
                "--manifest",
                &p(&self.path("release.json")),
                "--public-key-file",
                &p(&self.path(&format!("{key}/desktop-django.pub"))),
                "--app-id",
                APP,
                "--installed-version",
                installed,
            ],
            None,
        );
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn a_good_release_verifies() {
    let r = Release::new("1.0.0", "30");
    let (code, text) = r.verify("a", "0.9.0");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("ok: t.app 1.0.0 (linux x86_64 deb"), "{text}");
    let manifest = std::fs::read_to_string(r.path("release.json")).unwrap();
    assert!(
        !manifest.contains("SECRET"),
        "the manifest holds no key material"
    );
}

#[test]
fn every_bad_input_is_refused_with_its_own_code() {
    let r = Release::new("1.0.0", "30");
    let mut seen = Vec::new();
    let mut refused = |what: &str, (code, text): (i32, String), needle: &str| {
        assert!(code >= 10, "{what}: exit {code}: {text}");
        assert!(text.contains(needle), "{what}: {text:?} lacks {needle:?}");
        seen.push(code);
    };

    refused(
        "another key",
        r.verify("b", "0.9.0"),
        "signature does not verify",
    );
    refused(
        "not newer",
        r.verify("a", "1.0.0"),
        "not newer than the installed",
    );

    std::fs::write(r.artifact(), b"installer v2 with malware").unwrap();
    refused("tampered", r.verify("a", "0.9.0"), "is 25 bytes");
    std::fs::write(r.artifact(), b"installer V2").unwrap();
    refused("same size, other bytes", r.verify("a", "0.9.0"), "SHA-256");
    std::fs::write(r.artifact(), b"instal").unwrap();
    refused("truncated", r.verify("a", "0.9.0"), "truncated or replaced");
    std::fs::write(r.artifact(), b"installer v2").unwrap();

    let manifest = std::fs::read_to_string(r.path("release.json")).unwrap();
    std::fs::write(
        r.path("release.json"),
        manifest.replace("\"1.0.0\"", "\"9.0.0\""),
    )
    .unwrap();
    refused(
        "edited manifest",
        r.verify("a", "0.9.0"),
        "signature does not verify",
    );

    let expired = Release::new("1.0.0", "0");
    refused("expired", expired.verify("a", "0.9.0"), "expired");

    seen.sort();
    seen.dedup();
    // another key and the edited manifest share the signature code; the rest differ.
    assert_eq!(seen.len(), 5, "{seen:?}");
}

#[test]
fn signing_needs_the_key_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("app-1.0.0-linux-x86_64.deb");
    std::fs::write(&artifact, b"x").unwrap();
    let out = sign(
        "1.0.0",
        &dir.path().join("release.json"),
        &[],
        &[artifact],
        None,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("DESKTOP_DJANGO_SIGNING_KEY"));
    assert!(!dir.path().join("release.json").exists());
}

#[test]
fn the_updater_feed_carries_the_signed_manifest_and_tauri_signatures() {
    let r = Release::new("1.0.0", "30");
    let out = sign(
        "1.0.0",
        &r.path("release.json"),
        &["--base-url", "https://updates.example/app"],
        &[r.artifact()],
        Some(&r.path("a/desktop-django.key")),
    );
    assert!(out.status.success(), "{out:?}");
    let feed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(r.path("latest.json")).unwrap()).unwrap();
    let deb = &feed["platforms"]["linux-x86_64-deb"];
    assert_eq!(
        deb["url"],
        "https://updates.example/app/app-1.0.0-linux-x86_64.deb"
    );
    let pk = std::fs::read_to_string(r.path("a/desktop-django.pub")).unwrap();
    let other = std::fs::read_to_string(r.path("b/desktop-django.pub")).unwrap();
    // The embedded release manifest is the one the app trusts, and only with its key.
    let offer = contract::update::offer_from_feed(&feed, &pk, APP, "0.9.0", 0).unwrap();
    assert_eq!(offer.version, "1.0.0");
    assert!(contract::update::offer_from_feed(&feed, &other, APP, "0.9.0", 0).is_err());
    let mut replayed = feed.clone();
    replayed["version"] = "2.0.0".into();
    assert!(contract::update::offer_from_feed(&replayed, &pk, APP, "0.9.0", 0).is_err());
    // The artifact signature is Tauri's format (base64 of a minisign signature file) and covers
    // the installer's bytes.
    use base64::Engine as _;
    let sig = deb["signature"].as_str().unwrap();
    assert_eq!(
        sig,
        std::fs::read_to_string(r.path("app-1.0.0-linux-x86_64.deb.sig")).unwrap()
    );
    let sig = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(sig)
            .unwrap(),
    )
    .unwrap();
    let sig = minisign_verify::Signature::decode(&sig).unwrap();
    let key = contract::release::decode_public_key(&pk).unwrap();
    // Tauri's `plugins.updater.pubkey` spelling (the base64 of the .pub file) is the same key.
    let wrapped = base64::engine::general_purpose::STANDARD.encode(&pk);
    let unwrapped = contract::release::decode_public_key(&wrapped).unwrap();
    unwrapped
        .verify(&std::fs::read(r.artifact()).unwrap(), &sig, true)
        .unwrap();
    key.verify(&std::fs::read(r.artifact()).unwrap(), &sig, true)
        .unwrap();
    assert!(key.verify(b"installer v3", &sig, true).is_err());
}

/// `key: value` pairs of an electron-updater feed file, in order, with `- ` list items flattened
/// (`files` entries come out as their `url`, `sha512`, `size` keys). Each value must be JSON (a
/// quoted string or a number), which is also valid YAML: the writer quotes every string.
fn yaml_pairs(text: &str) -> Vec<(String, serde_json::Value)> {
    let mut pairs = Vec::new();
    for line in text.lines() {
        let line = line.trim_start().trim_start_matches("- ");
        let (key, value) = line.split_once(':').expect(line);
        let value = value.trim();
        let value = if value.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(value).unwrap_or_else(|e| panic!("{line}: {e}"))
        };
        pairs.push((key.to_string(), value));
    }
    pairs
}

#[test]
fn the_electron_feed_lists_each_oss_installers_with_sha512() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let r = Release::new("1.0.0", "30");
    let names = [
        "app-1.0.0-linux-x86_64.AppImage",
        "app-1.0.0-windows-x86_64.setup.exe",
        "app-1.0.0-macos-aarch64.dmg",
        "app-1.0.0-macos-aarch64.zip",
    ];
    for (i, name) in names.iter().enumerate() {
        std::fs::write(r.path(name), format!("installer {i}").repeat(i + 1)).unwrap();
    }
    let artifacts: Vec<PathBuf> = std::iter::once(r.artifact())
        .chain(names.iter().map(|n| r.path(n)))
        .collect();
    let out = sign(
        "1.0.0",
        &r.path("release.json"),
        &[
            "--base-url",
            "https://updates.example/app/",
            "--electron-feed",
        ],
        &artifacts,
        Some(&r.path("a/desktop-django.key")),
    );
    assert!(out.status.success(), "{out:?}");
    let sha512 = |name: &str| {
        base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha512::digest(std::fs::read(r.path(name)).unwrap()))
    };
    let size = |name: &str| std::fs::metadata(r.path(name)).unwrap().len();
    let feed = |file: &str| yaml_pairs(&std::fs::read_to_string(r.path(file)).unwrap());
    let file_entries = |pairs: &[(String, serde_json::Value)]| -> Vec<(String, String, u64)> {
        let mut entries = Vec::new();
        let mut it = pairs.iter().skip_while(|(k, _)| k != "files").skip(1);
        while let Some((k, url)) = it.next() {
            if k != "url" {
                break;
            }
            let (_, sha) = it.next().unwrap();
            let (_, size) = it.next().unwrap();
            entries.push((
                url.as_str().unwrap().to_string(),
                sha.as_str().unwrap().to_string(),
                size.as_u64().unwrap(),
            ));
        }
        entries
    };
    let field = |pairs: &[(String, serde_json::Value)], key: &str| -> serde_json::Value {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .unwrap()
            .1
            .clone()
    };
    let expect = |file: &str, installers: &[&str]| {
        let pairs = feed(file);
        assert_eq!(field(&pairs, "version"), "1.0.0", "{file}");
        let want: Vec<(String, String, u64)> = installers
            .iter()
            .map(|n| (n.to_string(), sha512(n), size(n)))
            .collect();
        assert_eq!(file_entries(&pairs), want, "{file}");
        assert_eq!(field(&pairs, "path"), installers[0], "{file}");
        assert_eq!(field(&pairs, "sha512"), sha512(installers[0]), "{file}");
        assert!(field(&pairs, "releaseDate")
            .as_str()
            .unwrap()
            .ends_with('Z'));
    };
    // The AppImage first: the Linux updater's default installer; the deb is the other listed one.
    expect(
        "latest-linux.yml",
        &[
            "app-1.0.0-linux-x86_64.AppImage",
            "app-1.0.0-linux-x86_64.deb",
        ],
    );
    expect("latest.yml", &["app-1.0.0-windows-x86_64.setup.exe"]);
    // The zip first: MacUpdater installs it, the DMG is for first installs.
    expect(
        "latest-mac.yml",
        &["app-1.0.0-macos-aarch64.zip", "app-1.0.0-macos-aarch64.dmg"],
    );
    // Without --electron-feed, no yml.
    for f in ["latest-linux.yml", "latest.yml", "latest-mac.yml"] {
        std::fs::remove_file(r.path(f)).unwrap();
    }
    let out = sign(
        "1.0.0",
        &r.path("release.json"),
        &["--base-url", "https://updates.example/app/"],
        &artifacts,
        Some(&r.path("a/desktop-django.key")),
    );
    assert!(out.status.success(), "{out:?}");
    assert!(!r.path("latest-linux.yml").exists());
}
