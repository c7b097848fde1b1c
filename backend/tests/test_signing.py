"""Code signing (packaging/signing/codesign.py): which files of a staged runtime are signed and
how, that no secret reaches a command line, and that a Windows signature made here verifies
(osslsigncode with a throw-away self-signed certificate). macOS's codesign cannot run here: its
calls are recorded instead."""

import base64
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from .repo_modules import load

codesign = load("packaging/signing/codesign.py", "desktop_codesign")
MH_EXECUTE, MH_DYLIB, MH_BUNDLE = 2, 6, 8


def thin(filetype: int, order: str = "<", bits: int = 64) -> bytes:
    magic = 0xFEEDFACF if bits == 64 else 0xFEEDFACE
    return struct.pack(order + "IiiI", magic, 0x0100000C, 0, filetype) + bytes(16)


def fat(filetype: int) -> bytes:
    slice_at = 4096
    head = struct.pack(">II", 0xCAFEBABE, 1) + struct.pack(
        ">iiIII", 0x0100000C, 0, slice_at, 32, 12
    )
    return head.ljust(slice_at, b"\0") + thin(filetype)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


class Recorder:
    """Stands in for the signing tools: records each argv, writes osslsigncode's -out file."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def __call__(self, cmd):
        self.calls.append(list(cmd))
        if "-out" in cmd:
            Path(cmd[cmd.index("-out") + 1]).write_bytes(b"signed")


@pytest.fixture
def runtime(tmp_path) -> Path:
    """A macOS-shaped stage: the executable, a fat libpython, an extension module, and
    files that only look like Mach-O or are not."""
    root = tmp_path / "runtime"
    internal = root / "desktop-backend" / "_internal"
    write(root / "desktop-backend" / "desktop-backend", thin(MH_EXECUTE))
    write(internal / "libpython3.11.dylib", fat(MH_DYLIB))
    write(internal / "lib-dynload" / "_ssl.cpython-311-darwin.so", thin(MH_BUNDLE, ">", 32))
    write(internal / "Example.class", struct.pack(">II", 0xCAFEBABE, 52) + bytes(24))
    write(internal / "base_library.zip", b"PK\3\4" + bytes(60))
    write(root / "desktop-runtime.json", b"{}")
    (internal / "libpython.dylib").symlink_to("libpython3.11.dylib")
    return root


def test_every_macho_is_signed_deepest_first_with_the_hardened_runtime(runtime, monkeypatch):
    monkeypatch.setenv("APPLE_SIGNING_IDENTITY", "Developer ID Application: Test (TEAM123456)")
    record = Recorder()
    line = codesign.sign_runtime(runtime, "macos", run=record)
    internal = runtime / "desktop-backend" / "_internal"
    assert [Path(c[-1]) for c in record.calls] == [
        internal / "lib-dynload" / "_ssl.cpython-311-darwin.so",
        internal / "libpython3.11.dylib",
        runtime / "desktop-backend" / "desktop-backend",
    ]
    for call in record.calls:
        assert call[:5] == ["codesign", "--force", "--timestamp", "--options", "runtime"]
        assert call[-3:-1] == ["--sign", "Developer ID Application: Test (TEAM123456)"]
    with_entitlements = [Path(c[-1]).name for c in record.calls if "--entitlements" in c]
    assert with_entitlements == ["desktop-backend"]
    assert codesign.ENTITLEMENTS.is_file()
    assert "3 Mach-O files signed" in line


@pytest.mark.parametrize(
    ("target_os", "variable"),
    [("macos", "APPLE_SIGNING_IDENTITY"), ("windows", "WINDOWS_CERTIFICATE")],
)
def test_without_inputs_nothing_is_signed_and_one_line_says_so(
    runtime, monkeypatch, target_os, variable
):
    monkeypatch.delenv(variable, raising=False)
    record = Recorder()
    line = codesign.sign_runtime(runtime, target_os, run=record)
    assert record.calls == []
    assert "unsigned" in line and variable in line and "\n" not in line


def test_a_failing_tool_fails_the_build_with_its_output(runtime, monkeypatch, tmp_path):
    tools = tmp_path / "bin"
    write(tools / "codesign", b"#!/bin/sh\necho 'no identity found' >&2\nexit 1\n").chmod(0o755)
    monkeypatch.setenv("PATH", str(tools))
    monkeypatch.setenv("APPLE_SIGNING_IDENTITY", "Nobody")
    with pytest.raises(codesign.SigningError, match="no identity found"):
        codesign.sign_runtime(runtime, "macos")


def test_windows_secrets_never_reach_a_command_line(tmp_path, monkeypatch):
    exe = write(tmp_path / "desktop-backend.exe", b"MZ")
    pfx = base64.b64encode(b"not really a pfx").decode()
    monkeypatch.setenv("WINDOWS_TIMESTAMP_URL", "http://timestamp.example")
    record = Recorder()
    codesign.sign_windows([exe], pfx, "s3cret-password", run=record)
    (call,) = record.calls
    assert call[:2] == ["osslsigncode", "sign"]
    assert "-readpass" in call and "-ts" in call and "http://timestamp.example" in call
    assert not any("s3cret-password" in arg or pfx in arg for arg in call)
    assert exe.read_bytes() == b"signed", "the signed file replaces the original"
    secret_dir = Path(call[call.index("-pkcs12") + 1]).parent
    assert not secret_dir.exists(), "the certificate outlived the signing"


def windows_image() -> Path:
    import pip

    return Path(pip.__file__).parent / "_vendor" / "distlib" / "t64.exe"


def test_a_windows_signature_made_here_verifies(tmp_path, monkeypatch):
    for tool in ("osslsigncode", "openssl"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (scripts/setup.sh installs it on Debian)")
    if not windows_image().is_file():
        pytest.skip("pip ships no distlib launcher to sign")
    root = tmp_path / "runtime"
    exe = root / "desktop-backend" / "desktop-backend.exe"
    write(exe, windows_image().read_bytes())
    readme = write(root / "desktop-backend" / "_internal" / "notes.txt", b"MZ but not a PE")
    key, cert, pfx = tmp_path / "key.pem", tmp_path / "cert.pem", tmp_path / "cert.pfx"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=Desktop Django test signer", "-addext", "extendedKeyUsage=codeSigning",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "pkcs12", "-export", "-inkey", str(key), "-in", str(cert),
         "-out", str(pfx), "-passout", "pass:test-only"],
        check=True, capture_output=True,
    )  # fmt: skip
    verify = ["osslsigncode", "verify", "-CAfile", str(cert), "-in", str(exe)]
    assert subprocess.run(verify, capture_output=True).returncode != 0, "signed before signing"
    monkeypatch.setenv("WINDOWS_CERTIFICATE", base64.b64encode(pfx.read_bytes()).decode())
    monkeypatch.setenv("WINDOWS_CERTIFICATE_PASSWORD", "test-only")
    monkeypatch.setenv("WINDOWS_TIMESTAMP_URL", "")  # no network here
    assert codesign.pe_signature(exe) is False
    line = codesign.sign_runtime(root, "windows")
    assert line == "code signing: 1 PE files Authenticode-signed"
    result = subprocess.run(verify, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert readme.read_bytes() == b"MZ but not a PE"
    # A publisher's signature (CPython's DLLs carry the PSF's) is kept, not replaced.
    assert codesign.pe_signature(exe) is True
    signed = exe.read_bytes()
    assert codesign.sign_runtime(root, "windows") == "code signing: 0 PE files Authenticode-signed"
    assert exe.read_bytes() == signed
