"""Keys, checkpoints and verification from the command line, as operators and auditors use them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infrastructure.settings import Settings
from interfaces.cli import app
from tests.support.processes import CLI
from tests.support.raw_db import RawDb

runner = CliRunner()


@pytest.fixture
def operator(cli_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The service's own config directory (its signing key), apart from the test session's."""
    config = tmp_path / "operator-config"
    monkeypatch.setenv("CHUISHAO_CONFIG_DIR", str(config))
    assert runner.invoke(app, ["demo", "--no-histories"]).exit_code == 0
    return config


def as_auditor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Another machine: no private key, only what the auditor was given."""
    config = tmp_path / "auditor-config"
    monkeypatch.setenv("CHUISHAO_CONFIG_DIR", str(config))
    return config


def test_an_auditor_verifies_with_the_public_key_and_an_anchor_alone(
    operator: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    anchor, public = tmp_path / "anchor.json", tmp_path / "public.pem"
    assert runner.invoke(app, ["checkpoint", "export", "--out", str(anchor)]).exit_code == 0
    assert runner.invoke(app, ["keys", "public", "--out", str(public)]).exit_code == 0
    assert "PRIVATE" not in public.read_text()

    auditor = as_auditor(monkeypatch, tmp_path)
    result = runner.invoke(app, ["verify", "--public-key", str(public), "--anchor", str(anchor)])
    assert result.exit_code == 0, result.output
    assert "以审计方提供的公钥为准" in result.output and "日志延续锚点" in result.output
    assert not (auditor / "signing.key").exists()  # verifying never needs the private key


def test_an_auditor_with_another_key_is_not_fooled(
    operator: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stranger = tmp_path / "stranger"
    monkeypatch.setenv("CHUISHAO_CONFIG_DIR", str(stranger))
    assert runner.invoke(app, ["keys", "public"]).exit_code == 1  # no key there yet
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = tmp_path / "other.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    result = runner.invoke(app, ["verify", "--public-key", str(other)])
    assert result.exit_code == 1 and "不受信任" in result.output


def test_cutting_the_tail_with_its_signatures_is_caught_by_the_anchor(
    operator: Path, raw: RawDb, tmp_path: Path
) -> None:
    anchor = tmp_path / "anchor.json"
    runner.invoke(app, ["checkpoint", "export", "--out", str(anchor)])
    newest = int(raw.execute("SELECT MAX(seq) FROM {signatures}")[0][0])
    raw.drop_guards()
    raw.execute("DELETE FROM {signatures} WHERE seq >= %s", (newest - 2,))
    last_signed = int(raw.execute("SELECT MAX(position) FROM {signatures}")[0][0])
    if raw.is_postgres:
        raw.execute("DELETE FROM {events} WHERE notification_id > %s", (last_signed,))
    else:
        raw.execute("DELETE FROM {events} WHERE rowid > %s", (last_signed,))
    assert runner.invoke(app, ["verify"]).exit_code == 0  # the blind spot without an anchor
    result = runner.invoke(app, ["verify", "--anchor", str(anchor)])
    assert result.exit_code == 1 and "事件被截断" in result.output


def test_a_server_started_with_another_key_refuses(operator: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CHUISHAO_SIGNING_KEY_FILE": str(tmp_path / "someone-elses.key"),
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [*CLI, "serve", "--port", "0"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "签名密钥与日志不符" in done.stdout


def test_rotation_keeps_old_signatures_verifiable_with_the_old_public_key(
    operator: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "old.pem"
    runner.invoke(app, ["keys", "public", "--out", str(old)])
    rotated = runner.invoke(app, ["keys", "rotate"])
    assert rotated.exit_code == 0 and "由旧密钥" in rotated.output
    assert runner.invoke(app, ["checkpoint", "export"]).exit_code == 0  # the new key signs
    as_auditor(monkeypatch, tmp_path)
    result = runner.invoke(app, ["verify", "--public-key", str(old)])
    assert result.exit_code == 0, result.output
