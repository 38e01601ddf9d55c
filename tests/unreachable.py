"""An engine built like the service's (infrastructure/sql.py) on a database that cannot
be reached: a SQLite file in a directory that is gone, or a PostgreSQL port nobody
listens on. Neither needs a server."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import Engine

from infrastructure.settings import Settings
from infrastructure.sql import make_engine
from tests.support.processes import free_port

BACKENDS = ("sqlite", "postgres")


def unreachable_engine(backend: str, tmp_path: Path) -> Engine:
    if backend == "sqlite":
        gone = tmp_path / "gone"
        engine = make_engine(Settings(data_dir=gone, database_url=None))
        shutil.rmtree(gone)  # make_engine created it; nothing has connected yet
        return engine
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    return make_engine(Settings(data_dir=tmp_path, database_url=url))
