"""The app factory uvicorn calls in each web worker (`chuishao serve --workers N`).

Each worker builds its own container from the environment (CHUISHAO_*): connections and
threads cannot be shared across processes. The workers only answer requests; the
projector, the notifier and the checkpoints run in processes of their own, and reads
wait for positions through the views' tracking rows as they do in one process.
"""

from __future__ import annotations

from fastapi import FastAPI

from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from interfaces.http.app import create_app


def web_app() -> FastAPI:
    container = build_container(Settings())
    return create_app(
        container,
        run_projections=False,
        run_notifications=False,
        run_checkpoints=False,
        owns_container=True,
    )
