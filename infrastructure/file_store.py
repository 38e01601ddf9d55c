"""Evidence files on disk, each under its SHA-256: ``<root>/ab/cd/abcd…``.

Written under a temporary name and renamed, so a reader never sees half a file; a
file already present is left alone (same name, same content).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from application.errors import StorageUnavailable
from domain.evidence import check_sha256


class DiskFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        check_sha256(sha256)  # the name becomes a path: only hex digits get there
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, sha256: str, data: bytes) -> None:
        path = self.path(sha256)
        if path.exists():
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_name(f".{sha256}.{secrets.token_hex(8)}")
            with open(tmp, "xb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except OSError as e:
            raise StorageUnavailable(f"file store: {type(e).__name__}") from e

    def get(self, sha256: str) -> bytes | None:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise StorageUnavailable(f"file store: {type(e).__name__}") from e
