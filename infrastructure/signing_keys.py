"""The Ed25519 key that signs the log, kept in a file the database does not hold.

The private key is a PEM file (mode 0600), by default in the user's config directory
(``config_dir.py``); the public halves of this key and every key it replaced are kept
beside it in ``keys/<key id>.pub`` so old signatures stay verifiable after a rotation.
An auditor needs only a public key file to verify.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from application.log_chain import key_id_of
from infrastructure.config_dir import config_dir
from infrastructure.settings import Settings

KEY_FILE = "signing.key"
KEYRING_DIR = "keys"


class KeyFileError(Exception):
    """The key file cannot be read or is not an Ed25519 private key."""


def public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def public_pem(public_key: str) -> str:
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@dataclass(frozen=True)
class FileSigner:
    """A ``log_chain.Signer`` backed by a private key loaded from its file."""

    private: Ed25519PrivateKey
    path: Path

    # Read on every commit batch's signature: derived once (the private key never changes).
    @cached_property
    def public_key(self) -> str:
        return public_hex(self.private.public_key())

    @cached_property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def sign(self, message: bytes) -> str:
        return self.private.sign(message).hex()


def check_signature(public_key: str, message: bytes, signature: str) -> bool:
    """A ``log_chain.SignatureCheck``: the public key alone suffices."""
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
        key.verify(bytes.fromhex(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def key_file(settings: Settings) -> Path:
    return settings.signing_key_file or config_dir(settings) / KEY_FILE


def keyring_dir(settings: Settings) -> Path:
    return key_file(settings).parent / KEYRING_DIR


def load_signer(path: Path) -> FileSigner:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise KeyFileError(f"cannot read the signing key {path}: {e}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 private key")
    return FileSigner(key, path)


def write_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Write a new key file readable by its owner only; never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def load_or_create_signer(settings: Settings) -> tuple[FileSigner, bool]:
    """The configured key; created on first run (returns whether it was created)."""
    path = key_file(settings)
    created = False
    if not path.exists():
        # Two processes starting together: whoever creates the file first wins.
        with contextlib.suppress(FileExistsError):
            write_private_key(path, Ed25519PrivateKey.generate())
            created = True
    signer = load_signer(path)
    remember_public_key(settings, signer.public_key)
    return signer, created


def remember_public_key(settings: Settings, public_key: str) -> Path:
    """Keep a public half in the keyring (idempotent)."""
    ring = keyring_dir(settings)
    ring.mkdir(parents=True, exist_ok=True)
    target = ring / f"{key_id_of(public_key)}.pub"
    if not target.exists():
        target.write_text(public_pem(public_key))
    return target


def read_public_key(path: Path) -> str:
    """A public key file (PEM), or a private key file whose public half is taken."""
    data = path.read_bytes()
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError):
            raise KeyFileError(f"{path} holds no Ed25519 key") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise KeyFileError(f"{path} holds no Ed25519 key") from None
        return public_hex(private.public_key())
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path} holds no Ed25519 public key")
    return public_hex(key)


def keyring(settings: Settings) -> dict[str, str]:
    """This installation's public keys (current and retired), by key id."""
    ring = keyring_dir(settings)
    if not ring.is_dir():
        return {}
    keys = {}
    for path in sorted(ring.glob("*.pub")):
        with contextlib.suppress(KeyFileError, OSError):
            public = read_public_key(path)
            keys[key_id_of(public)] = public
    return keys


def stage_new_key(settings: Settings) -> FileSigner:
    """A new key written beside the key file (``.new``), not yet in use: the log's
    rotation row is written first, then ``commit_new_key`` puts it in place."""
    path = key_file(settings)
    staged = path.with_name(path.name + ".new")
    with contextlib.suppress(FileNotFoundError):
        staged.unlink()
    key = Ed25519PrivateKey.generate()
    write_private_key(staged, key)
    return FileSigner(key, staged)


def commit_new_key(settings: Settings, staged: FileSigner) -> FileSigner:
    """Put a staged key in place of the key file. The old private key is destroyed (a
    rotation usually follows a suspicion); its public half stays in the keyring."""
    path = key_file(settings)
    if path.exists():
        with contextlib.suppress(KeyFileError):
            remember_public_key(settings, load_signer(path).public_key)
    os.replace(staged.path, path)
    remember_public_key(settings, staged.public_key)
    return FileSigner(staged.private, path)


def discard_staged(staged: FileSigner) -> None:
    with contextlib.suppress(FileNotFoundError):
        staged.path.unlink()
