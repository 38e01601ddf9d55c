"""The server secret: 32 random bytes in a 0600 file of the config directory.

It keys the idempotency records' HMAC and wraps the per-contact keys, so a copy of the
database alone (a backup, a replica, a dead tuple) yields neither request bodies nor
contacts. Each use gets a key of its own, derived with HKDF.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.errors import InvalidValue
from infrastructure.config_dir import config_dir
from infrastructure.settings import Settings

SECRET_BYTES = 32
# Each use of the server secret gets its own derived key.
CONTACT_KEYS = "chuishao contact key wrapping v1"
REQUEST_HMAC = "chuishao idempotency request hmac v1"
FILE_NAME = "server-secret"


def secret_path(settings: Settings) -> Path:
    return settings.server_secret_file or config_dir(settings) / FILE_NAME


def server_secret(settings: Settings) -> bytes:
    """Read the secret, creating it (mode 0600) on first use."""
    path = secret_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Written whole under a temporary name, then linked: of processes starting
        # together exactly one secret wins, and nobody ever reads a half-written file.
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(SECRET_BYTES))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    secret = path.read_bytes()
    if len(secret) != SECRET_BYTES:
        raise InvalidValue(
            f"服务器密钥文件须为{SECRET_BYTES}字节：{path}",
            f"the server secret file must hold {SECRET_BYTES} bytes: {path}",
        )
    return secret


def derived_key(secret: bytes, purpose: str) -> bytes:
    """A key for one purpose only, so no two uses ever share key material."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret
    )
