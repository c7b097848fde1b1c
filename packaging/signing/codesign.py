"""Code signing for the staged runtime and the installers: every Mach-O on macOS, every PE on
Windows. Called by ``packaging/runtime/stage.py`` after PyInstaller and before the smoke tests
and the runtime manifest (so the manifest's SHA-256s are those of the signed files), and by
Tauri's bundler on Windows (``bundle.windows.signCommand``) for the app and its installer.

Inputs come only from the environment, never from a file in the repository (docs/release.md):

    macOS    APPLE_SIGNING_IDENTITY        a "Developer ID Application: ..." identity in the
                                           keychain (Tauri's bundler imports APPLE_CERTIFICATE)
    Windows  WINDOWS_CERTIFICATE           the code-signing certificate: base64 of a PKCS#12 file
             WINDOWS_CERTIFICATE_PASSWORD  its password
             WINDOWS_TIMESTAMP_URL         RFC 3161 timestamp server (default DigiCert's; set it
                                           empty for no timestamp, e.g. offline)

Without them nothing is signed and the one line returned says so; the build goes on, unsigned.
Linux packages are not code-signed: SHA256SUMS and the signed release manifest (C-PKG-3) cover
them.

    codesign.py runtime <dir> [--os macos|windows|linux]   sign every binary under <dir>
    codesign.py file <path> [--os windows|macos]           sign one file (Tauri's signCommand)

Errors: a signing tool that fails stops the run with exit 1 and its output (the build fails:
an app half signed would be refused by Gatekeeper or SmartScreen on the user's machine).
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

ENTITLEMENTS = Path(__file__).resolve().with_name("entitlements.plist")
DEFAULT_TIMESTAMP_URL = "http://timestamp.digicert.com"

# Mach-O (<mach-o/loader.h>, <mach-o/fat.h>): thin headers in either byte order, fat in big endian.
_THIN = {
    b"\xfe\xed\xfa\xce": ">",
    b"\xfe\xed\xfa\xcf": ">",
    b"\xce\xfa\xed\xfe": "<",
    b"\xcf\xfa\xed\xfe": "<",
}
_FAT = (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")
_MH_EXECUTE = 2
# A Java class file also starts with CAFEBABE; its next word (the class version, >= 45) is what
# tells it from a fat binary's architecture count (a handful). The same rule as file(1)'s.
_MAX_FAT_ARCHS = 20

Runner = Callable[[Sequence[str]], None]


class SigningError(Exception):
    """A signing tool failed; the message carries its output."""


def macho_kind(path: Path) -> str | None:
    """``"executable"`` (MH_EXECUTE), ``"library"`` (any other Mach-O: dylib, Python extension
    bundle), or ``None`` when ``path`` is not Mach-O. For a fat file, its first slice decides."""
    try:
        with path.open("rb") as f:
            head = f.read(32)
            if head[:4] in _FAT:
                (count,) = struct.unpack(">I", head[4:8])
                if not 0 < count < _MAX_FAT_ARCHS:
                    return None
                (offset,) = struct.unpack(">I", head[16:20])
                f.seek(offset)
                head = f.read(32)
    except OSError:
        return None
    order = _THIN.get(head[:4])
    if order is None or len(head) < 16:
        return None
    (filetype,) = struct.unpack(order + "I", head[12:16])
    return "executable" if filetype == _MH_EXECUTE else "library"


def pe_signature(path: Path) -> bool | None:
    """``None`` when ``path`` is not a Windows PE image (.exe, .dll, .pyd); else whether it
    already carries an Authenticode signature (a non-empty security directory, PE/COFF
    specification: data directory 4)."""
    try:
        with path.open("rb") as f:
            head = f.read(64)
            if len(head) < 64 or head[:2] != b"MZ":
                return None
            (offset,) = struct.unpack("<I", head[60:64])
            f.seek(offset)
            pe = f.read(24 + 2)
            if len(pe) < 26 or pe[:4] != b"PE\0\0":
                return None
            (magic,) = struct.unpack("<H", pe[24:26])
            # The data directories follow 96 (PE32) or 112 (PE32+) bytes of optional header.
            directories = offset + 24 + (112 if magic == 0x20B else 96)
            f.seek(directories + 4 * 8)
            entry = f.read(8)
    except OSError:
        return None
    return len(entry) == 8 and struct.unpack("<II", entry)[1] > 0


def unsigned_pe(path: Path) -> bool:
    """A PE image with no signature yet. Signed ones (CPython's DLLs and extension modules carry
    the Python Software Foundation's, the VC runtime Microsoft's) keep their publisher's."""
    return pe_signature(path) is False


def deepest_first(root: Path, keep: Callable[[Path], bool]) -> list[Path]:
    """Every regular file under ``root`` that ``keep`` selects, deepest path first, so that
    whatever a binary loads is signed before the binary (codesign seals nested code)."""
    found = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and keep(p)]
    return sorted(found, key=lambda p: (-len(p.relative_to(root).parts), str(p)))


def run_tool(cmd: Sequence[str]) -> None:
    proc = subprocess.run(list(cmd), capture_output=True, text=True)  # noqa: S603 (our argv, no shell)
    if proc.returncode != 0:
        out = (proc.stdout + proc.stderr).strip()
        raise SigningError(f"{Path(cmd[0]).name} failed on {cmd[-1]} ({proc.returncode}): {out}")


def sign_macos(files: Sequence[Path], identity: str, run: Runner = run_tool) -> None:
    """``codesign`` each file with the hardened runtime and a secure timestamp (notarization
    requires both); executables also get the entitlements a bundled Python needs."""
    for path in files:
        cmd = ["codesign", "--force", "--timestamp", "--options", "runtime"]
        if macho_kind(path) == "executable":
            cmd += ["--entitlements", str(ENTITLEMENTS)]
        run([*cmd, "--sign", identity, str(path)])


def sign_windows(files: Sequence[Path], pfx_base64: str, password: str, run: Runner = run_tool):
    """Authenticode-sign each file with ``osslsigncode`` (SHA-256, RFC 3161 timestamp), in
    place. The certificate and its password go through files in a private temp dir, deleted
    afterwards, never through argv (which other users can read) or the log."""
    timestamp = os.environ.get("WINDOWS_TIMESTAMP_URL", DEFAULT_TIMESTAMP_URL).strip()
    try:
        pfx = base64.b64decode(pfx_base64, validate=True)
    except ValueError as exc:
        raise SigningError(f"WINDOWS_CERTIFICATE is not base64: {exc}") from None
    with tempfile.TemporaryDirectory(prefix="desktop-sign-") as tmp:
        secret = Path(tmp)
        (secret / "cert.pfx").write_bytes(pfx)
        (secret / "password").write_text(password, encoding="utf-8")
        for path in files:
            signed = path.with_name(path.name + ".signed")
            cmd = ["osslsigncode", "sign", "-pkcs12", str(secret / "cert.pfx")]
            cmd += ["-readpass", str(secret / "password"), "-h", "sha256"]
            if timestamp:
                cmd += ["-ts", timestamp]
            run([*cmd, "-in", str(path), "-out", str(signed)])
            os.replace(signed, path)


def sign_paths(target_os: str, files: Sequence[Path], run: Runner = run_tool) -> str:
    """Signs ``files`` for ``target_os`` with the inputs in the environment; returns the one
    line to print (what was signed, or why nothing was)."""
    if target_os == "macos":
        identity = os.environ.get("APPLE_SIGNING_IDENTITY", "").strip()
        if not identity:
            return "code signing: unsigned (APPLE_SIGNING_IDENTITY is not set; docs/release.md)"
        sign_macos(files, identity, run)
        return f"code signing: {len(files)} Mach-O files signed as {identity!r} (hardened runtime)"
    if target_os == "windows":
        pfx = os.environ.get("WINDOWS_CERTIFICATE", "").strip()
        if not pfx:
            return "code signing: unsigned (WINDOWS_CERTIFICATE is not set; docs/release.md)"
        sign_windows(files, pfx, os.environ.get("WINDOWS_CERTIFICATE_PASSWORD", ""), run)
        return f"code signing: {len(files)} PE files Authenticode-signed"
    return "code signing: none on Linux (SHA256SUMS and the signed release.json cover packages)"


def sign_runtime(root: Path, target_os: str, run: Runner = run_tool) -> str:
    """Signs every binary of the staged runtime at ``root`` for ``target_os``: on macOS every
    Mach-O (the executable, ``libpython``, every extension module: library validation wants one
    team for all), on Windows every PE not signed by its publisher already."""
    if target_os == "macos":
        files = deepest_first(root, lambda p: macho_kind(p) is not None)
    elif target_os == "windows":
        files = deepest_first(root, unsigned_pe)
    else:
        files = []
    return sign_paths(target_os, files, run)


def host_os() -> str:
    return {"darwin": "macos", "win32": "windows"}.get(sys.platform, "linux")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["runtime", "file"])
    parser.add_argument("path", type=Path)
    parser.add_argument("--os", dest="target_os", choices=["macos", "windows", "linux"])
    args = parser.parse_args(argv)
    target_os = args.target_os or host_os()
    if (
        target_os == "windows"
        and not shutil.which("osslsigncode")
        and os.environ.get("WINDOWS_CERTIFICATE")
    ):
        print("error: osslsigncode is not on PATH (docs/release.md)", file=sys.stderr)
        return 1
    try:
        if args.what == "runtime":
            line = sign_runtime(args.path, target_os)
        else:
            line = sign_paths(target_os, [args.path])
    except SigningError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
