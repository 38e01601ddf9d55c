"""The server secret: created once, private, in the config directory unless overridden."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.errors import InvalidValue
from infrastructure.server_secret import derived_key, secret_path, server_secret
from infrastructure.settings import Settings


def test_the_secret_is_created_once_with_mode_0600_in_the_config_dir(tmp_path: Path) -> None:
    settings = Settings(config_dir=tmp_path / "conf", data_dir=tmp_path / "data")
    first = server_secret(settings)
    path = secret_path(settings)
    assert path == tmp_path / "conf" / "server-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) == 32
    assert server_secret(settings) == first
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_the_secret_file_can_be_named_and_must_hold_32_bytes(tmp_path: Path) -> None:
    named = tmp_path / "vault" / "chuishao.key"
    settings = Settings(config_dir=tmp_path / "conf", server_secret_file=named)
    assert server_secret(settings) == named.read_bytes()
    named.write_bytes(b"short")
    with pytest.raises(InvalidValue):
        server_secret(settings)


def test_each_purpose_gets_its_own_key() -> None:
    secret = bytes(range(32))
    assert derived_key(secret, "a") != derived_key(secret, "b")
    assert derived_key(secret, "a") == derived_key(secret, "a")


def test_idempotency_records_cannot_be_kept_for_no_time() -> None:
    with pytest.raises(ValidationError):
        Settings(idempotency_ttl_hours=0)
    assert Settings().idempotency_ttl_hours == 24
