"""Backups of one chuishao database and their restore (docs/reliability.md, "Backup").

A backup is a directory: the database (SQLite: a page-by-page copy through SQLite's online
backup API, consistent while the service writes; PostgreSQL: ``pg_dump -Fc`` of the schema
from one exported snapshot), the evidence files kept on disk, and ``manifest.json``: the
log's head position and newest signed row at the copy's instant and the SHA-256 of every
file. The manifest is not trusted on its own: restore re-hashes every file, and then the
caller verifies the restored log's hash chains and signatures against the manifest's signed
row before it is swapped in. Keys and the server secret are not in a backup: they live in
the config directory and are backed up apart (whoever holds a backup must not hold them).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from psycopg.sql import SQL, Identifier

from application.log_chain import Signer
from domain.errors import ChuishaoError
from infrastructure.backup_heads import (
    CASE_LOG,
    ROSTER_LOG,
    LogHead,
    postgres_head,
    sqlite_head,
)
from infrastructure.event_store import SQLITE_FILE, event_store_env, postgres_connect
from infrastructure.settings import Settings
from infrastructure.signing_keys import check_signature

FORMAT = "chuishao-backup/1"
MANIFEST = "manifest.json"
DUMP = "chuishao.dump"
FILES = "files"
Progress = Callable[[str, int, int], None]  # (step, done, total)


class BackupRefused(ChuishaoError):
    """A backup or restore that must not go ahead (tampered, wrong backend, target in use)."""

    code = "backup_refused"


_SIGNATURE_FIELDS = ("key_id", "public_key", "signature")


@dataclass
class Manifest:
    backend: str  # "sqlite" | "postgresql"
    created_at: str
    head_position: int
    checkpoint: dict[str, Any] | None  # the newest signed row, as an anchor (log_chain.py)
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    evidence: str = "included"  # or "object store (not included)"
    schema: str = ""  # PostgreSQL: the schema dumped (restored under the same name)
    format: str = FORMAT
    # Signed with the log's key when the backup ran where the key is (the server): then
    # no one can change the head, the signed row or a hash without the key.
    key_id: str = ""
    public_key: str = ""
    signature: str = ""
    # The 双报到 roster log's ``head_position`` and ``checkpoint``, as for the cases'.
    # None only in a manifest written before the roster log was anchored.
    roster: dict[str, Any] | None = None

    def signed_bytes(self) -> bytes:
        body = {k: v for k, v in asdict(self).items() if k not in _SIGNATURE_FIELDS}
        if body["roster"] is None:
            del body["roster"]  # as such manifests were signed
        return json.dumps(body, ensure_ascii=False, sort_keys=True).encode()

    @property
    def roster_head(self) -> LogHead | None:
        """The roster log's anchored head (None: an older manifest, it has none)."""
        if self.roster is None:
            return None
        return LogHead(int(self.roster["head_position"]), self.roster.get("checkpoint"))

    def sign(self, signer: Signer) -> None:
        self.key_id, self.public_key = signer.key_id, signer.public_key
        self.signature = signer.sign(self.signed_bytes())

    def write(self, folder: Path) -> None:
        text = json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)
        (folder / MANIFEST).write_text(text + "\n")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        try:
            data = json.loads((folder / MANIFEST).read_text())
            if data.get("format") != FORMAT:
                raise ValueError(f"not a {FORMAT} manifest")
            return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
        except (OSError, ValueError, TypeError, KeyError) as e:
            raise BackupRefused(
                f"备份清单缺失或无法读取：{folder / MANIFEST}",
                f"backup manifest missing or unreadable: {type(e).__name__}: {e}",
            ) from None


def backend_of(settings: Settings) -> str:
    return "postgresql" if settings.database_url else "sqlite"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _no_progress(step: str, done: int, total: int) -> None:
    pass


# ----- backup ---------------------------------------------------------------------------


def take_backup(
    settings: Settings,
    dest: Path,
    progress: Progress = _no_progress,
    *,
    signer: Signer | None = None,
) -> Manifest:
    """Copy the database and the evidence files into ``dest`` (absent or empty); the
    manifest is signed by ``signer`` if given."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupRefused(f"备份目录不为空：{dest}", f"the backup directory is not empty: {dest}")
    dest.mkdir(parents=True, exist_ok=True)
    if settings.database_url:
        cases, roster, db_file = _dump_postgres(settings, dest, progress)
    else:
        cases, roster, db_file = _copy_sqlite(settings, dest, progress)
    manifest = Manifest(
        backend=backend_of(settings),
        created_at=datetime.now(UTC).isoformat(),
        head_position=cases.position,
        checkpoint=cases.checkpoint,
        schema=_schema(settings) if settings.database_url else "",
        roster=roster.as_manifest(),
    )
    # After the database: every file an event in the copy names was stored before it.
    if settings.file_store is None:
        _copy_tree(settings.data_dir / FILES, dest / FILES, progress)
    else:
        manifest.evidence = "object store (not included)"
    listed = [db_file, *sorted(p for p in (dest / FILES).rglob("*") if p.is_file())]
    for i, path in enumerate(listed, start=1):
        manifest.files[path.relative_to(dest).as_posix()] = _sha256(path)
        progress("hash", i, len(listed))
    if signer is not None:
        manifest.sign(signer)
    manifest.write(dest)
    return manifest


def _copy_sqlite(
    settings: Settings, dest: Path, progress: Progress
) -> tuple[LogHead, LogHead, Path]:
    source = settings.data_dir / SQLITE_FILE
    if not source.exists():
        raise BackupRefused(f"没有数据库：{source}", f"no database at {source}")
    target = dest / SQLITE_FILE
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        # All pages in one step, so in one read transaction: the copy is one instant, and
        # in WAL mode the writers go on meanwhile. (Copied a few pages a step, every write
        # by the service would restart the copy: at a city's rate it might never end.)
        progress("copy", 0, 0)
        src.backup(dst, pages=-1)
        progress("copy", 1, 1)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
        cases, roster = sqlite_head(dst, CASE_LOG), sqlite_head(dst, ROSTER_LOG)
    finally:
        dst.close()
        src.close()
    return cases, roster, target


def _copy_tree(src: Path, dest: Path, progress: Progress) -> None:
    found = sorted(p for p in src.rglob("*") if p.is_file() and not p.name.startswith("."))
    for i, path in enumerate(found, start=1):
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        progress("files", i, len(found))


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupRefused(
            f"找不到 {name}：请安装 PostgreSQL 客户端工具（与服务器同一大版本）并加入 PATH",
            f"{name} not found on PATH: install the PostgreSQL client tools (the server's "
            "major version)",
        )
    return found


def _owner(settings: Settings) -> Settings:
    """The role that owns the tables when roles are separated (`chuishao db setup`):
    it dumps every table and re-creates them; else the service's own role."""
    if settings.owner_database_url is None:
        return settings
    return settings.model_copy(update={"database_url": settings.owner_database_url})


def _pg_env(settings: Settings) -> dict[str, str]:
    env = event_store_env(_owner(settings))
    return os.environ | {
        "PGHOST": env["POSTGRES_HOST"],
        "PGPORT": env["POSTGRES_PORT"],
        "PGUSER": env["POSTGRES_USER"],
        "PGPASSWORD": env["POSTGRES_PASSWORD"],
        "PGDATABASE": env["POSTGRES_DBNAME"],
    }


def _schema(settings: Settings) -> str:
    return settings.database_schema or "public"


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip()[-800:]
        raise BackupRefused(
            f"{Path(args[0]).name} 失败：{tail}", f"{Path(args[0]).name} failed: {tail}"
        )


def _dump_postgres(
    settings: Settings, dest: Path, progress: Progress
) -> tuple[LogHead, LogHead, Path]:
    pg_dump = _pg_tool("pg_dump")
    schema = _schema(settings)
    target = dest / DUMP
    # Both logs' heads and signed rows are read in the very snapshot pg_dump copies.
    with postgres_connect(event_store_env(_owner(settings))) as conn:
        conn.autocommit = False
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = str(conn.execute("SELECT pg_export_snapshot()").fetchone()[0])  # type: ignore[index]
        cases = postgres_head(conn, schema, CASE_LOG)
        roster = postgres_head(conn, schema, ROSTER_LOG)
        progress("copy", 0, 1)
        _run(
            [
                pg_dump,
                "-Fc",
                f"--snapshot={snapshot}",
                "-n",
                schema,
                "-f",
                str(target),
            ],
            _pg_env(settings),
        )
        progress("copy", 1, 1)
        conn.rollback()
    return cases, roster, target


# ----- checking a backup -----------------------------------------------------------------


def check_backup(
    folder: Path, trusted: dict[str, str], progress: Progress = _no_progress
) -> Manifest:
    """The manifest, once its signature (if signed) verifies with a ``trusted`` key (key id
    → public key) and every file it lists is there with its hash and nothing else is."""
    manifest = Manifest.read(folder)
    if manifest.signature and not (
        trusted.get(manifest.key_id) == manifest.public_key
        and check_signature(manifest.public_key, manifest.signed_bytes(), manifest.signature)
    ):
        raise BackupRefused(
            "备份清单的签名无效或不是本系统的密钥所签：拒绝恢复",
            "the manifest's signature does not verify with a trusted key",
        )
    database = DUMP if manifest.backend == "postgresql" else SQLITE_FILE
    if database not in manifest.files:
        raise BackupRefused(
            f"备份清单未列出数据库文件 {database}", f"the manifest lacks {database}"
        )
    present = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    unlisted = sorted(present - set(manifest.files))
    if unlisted:
        raise BackupRefused(
            f"备份中有清单未列出的文件：{unlisted[0]}",
            f"a file the manifest does not list: {unlisted[0]}",
        )
    for i, (name, digest) in enumerate(sorted(manifest.files.items()), start=1):
        path = folder / name
        if Path(name).is_absolute() or ".." in Path(name).parts or not path.is_file():
            raise BackupRefused(f"备份缺少文件：{name}", f"the backup lacks {name}")
        if _sha256(path) != digest:
            raise BackupRefused(
                f"备份文件已被改动（SHA-256 不符）：{name}", f"{name} was altered (SHA-256 differs)"
            )
        progress("hash", i, len(manifest.files))
    return manifest


# ----- restore ---------------------------------------------------------------------------


class RestoreTarget:
    """Where a backup is restored: staged beside the live database, checked, then swapped
    in (``stage`` → the caller verifies ``staged`` → ``swap`` or ``discard``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.staged = settings
        self._aside: str | None = None  # PostgreSQL: the replaced schema, until swap

    def occupied(self) -> bool:
        """Does the target hold a log already (then restore needs --force)?"""
        if not self.settings.database_url:
            path = self.settings.data_dir / SQLITE_FILE
            if not path.exists():
                return False
            lite = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                found = lite.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                ).fetchone()
            finally:
                lite.close()
            return bool(found[0])
        with postgres_connect(event_store_env(self.settings)) as conn:
            found = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
                (_schema(self.settings),),
            ).fetchone()
        return bool(found and found[0])

    def stage(
        self, folder: Path, manifest: Manifest, progress: Progress = _no_progress
    ) -> Settings:
        if manifest.backend != backend_of(self.settings):
            raise BackupRefused(
                f"备份来自 {manifest.backend}，目标是 {backend_of(self.settings)}：不能混用",
                f"the backup is {manifest.backend}, the target {backend_of(self.settings)}",
            )
        if self.settings.database_url:
            if manifest.schema != _schema(self.settings):
                raise BackupRefused(
                    f"备份是模式 {manifest.schema} 的，目标是 {_schema(self.settings)}："
                    "pg_restore 按原模式名恢复，请将 CHUISHAO_DATABASE_SCHEMA 设为备份的模式",
                    f"the backup holds schema {manifest.schema}, the target is "
                    f"{_schema(self.settings)}: restore under the backup's schema name",
                )
            self._stage_postgres(folder, progress)
        else:
            self._stage_sqlite(folder, progress)
        return self.staged

    def _stage_sqlite(self, folder: Path, progress: Progress) -> None:
        staging = self.settings.data_dir / f".restore-{secrets.token_hex(4)}"
        staging.mkdir(parents=True)
        shutil.copy2(folder / SQLITE_FILE, staging / SQLITE_FILE)
        _copy_tree(folder / FILES, staging / FILES, progress)
        self.staged = self.settings.model_copy(update={"data_dir": staging})

    def _stage_postgres(self, folder: Path, progress: Progress) -> None:
        pg_restore = _pg_tool("pg_restore")
        schema = _schema(self.settings)
        env = event_store_env(_owner(self.settings))
        with postgres_connect(env) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
            ).fetchone()
            if exists:
                self._aside = f"{schema[:40]}_replaced_{secrets.token_hex(4)}"
                conn.execute(
                    SQL("ALTER SCHEMA {} RENAME TO {}").format(
                        Identifier(schema), Identifier(self._aside)
                    )
                )
        progress("restore", 0, 1)
        try:
            _run(
                # Owners as dumped: with roles separated the views are the service
                # role's own, the log the owner's (the restoring role must be able to
                # give them: a superuser, or a member of the service's role).
                [
                    pg_restore,
                    "--exit-on-error",
                    "-d",
                    env["POSTGRES_DBNAME"],
                    str(folder / DUMP),
                ],
                _pg_env(self.settings),
            )
        except BaseException:
            self.discard()
            raise
        progress("restore", 1, 1)
        # Evidence straight into the live store: content-addressed, so a file added for a
        # restore that is then refused is an unreferenced copy, never a changed one.
        if self.settings.file_store is None:
            _merge_files(folder / FILES, self.settings.data_dir / FILES)

    def discard(self) -> None:
        """Throw the staged copy away; the live database is as it was."""
        if not self.settings.database_url:
            if self.staged is not self.settings:
                shutil.rmtree(self.staged.data_dir, ignore_errors=True)
            return
        schema = _schema(self.settings)
        with postgres_connect(event_store_env(_owner(self.settings))) as conn:
            conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema)))
            if self._aside:
                conn.execute(
                    SQL("ALTER SCHEMA {} RENAME TO {}").format(
                        Identifier(self._aside), Identifier(schema)
                    )
                )
        self._aside = None

    def swap(self) -> None:
        """Put the staged copy in the live database's place (the service must be stopped)."""
        if self.settings.database_url:
            if self._aside:
                with postgres_connect(event_store_env(_owner(self.settings))) as conn:
                    conn.execute(SQL("DROP SCHEMA {} CASCADE").format(Identifier(self._aside)))
            self._aside = None
            return
        live = self.settings.data_dir
        staging = self.staged.data_dir
        # Whatever the verifying service left in the staged file's WAL goes into the file.
        staged = sqlite3.connect(staging / SQLITE_FILE)
        try:
            staged.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            staged.close()
        # A stale -wal beside the new file would be read as part of it: remove both first.
        for suffix in ("-wal", "-shm"):
            (live / (SQLITE_FILE + suffix)).unlink(missing_ok=True)
        os.replace(staging / SQLITE_FILE, live / SQLITE_FILE)
        _merge_files(staging / FILES, live / FILES)
        shutil.rmtree(staging, ignore_errors=True)
        self.staged = self.settings


def _merge_files(src: Path, dest: Path) -> None:
    """Add the files ``dest`` lacks (named by their hash: one present is the same file)."""
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        target = dest / path.relative_to(src)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copy2(path, target)
