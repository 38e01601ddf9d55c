"""The signing key's file: kept apart from the data, readable by its owner only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from infrastructure.settings import Settings
from infrastructure.signing_keys import (
    KeyFileError,
    key_file,
    keyring,
    load_or_create_signer,
    load_signer,
    read_public_key,
)


def test_the_key_is_created_once_owner_only_and_not_beside_the_database(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    signer, created = load_or_create_signer(settings)
    again, created_again = load_or_create_signer(settings)

    path = key_file(settings)
    assert created and not created_again and again.key_id == signer.key_id
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0
    assert settings.data_dir not in path.parents
    assert keyring(settings) == {signer.key_id: signer.public_key}


def test_a_public_key_file_holds_no_private_key_and_cannot_sign(tmp_path: Path) -> None:
    settings = Settings(config_dir=tmp_path / "config")
    signer, _ = load_or_create_signer(settings)
    public = next((tmp_path / "config" / "keys").glob("*.pub"))

    assert "PRIVATE" not in public.read_text()
    assert read_public_key(public) == signer.public_key
    with pytest.raises(KeyFileError):
        load_signer(public)  # an auditor's file signs nothing


def test_a_file_that_is_not_a_key_is_refused_clearly(tmp_path: Path) -> None:
    bogus = tmp_path / "signing.key"
    bogus.write_text("not a key")
    with pytest.raises(KeyFileError, match="cannot read the signing key"):
        load_signer(bogus)
