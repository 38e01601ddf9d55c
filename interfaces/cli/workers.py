"""`chuishao worker web|projector|notifier`: the processes `serve --workers N` supervises
(and the units in deploy/systemd run): each stops cleanly on SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from infrastructure.metrics import MULTIPROC_DIR
from infrastructure.settings import Settings
from interfaces import logs
from interfaces.bootstrap import build_container
from interfaces.checkpointer import Checkpointer
from interfaces.cli.context import settings_of

app = typer.Typer(
    help="Worker processes 后台进程（由 serve --workers 或 systemd 启动）", no_args_is_help=True
)
log = logging.getLogger("chuishao.worker")
REPORT_SECONDS = 60.0


def stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    return stop


@app.command("web")
def web(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port"),
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes")] = 1,
) -> None:
    """The HTTP API without the projector, notifier or checkpoints (their own workers run
    them); each uvicorn worker builds its app from the environment."""
    import uvicorn

    settings = settings_of(ctx)
    given = os.environ.get(MULTIPROC_DIR)
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)  # whoever set it emptied it
    elif workers > 1:  # else each scrape would count one worker's requests
        os.environ[MULTIPROC_DIR] = str(fresh_metrics_dir(settings, None))
    uvicorn.run(
        "interfaces.http.factory:web_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=logs.log_config(settings.log_level),
        access_log=False,  # ours, one JSON line per request (interfaces/http/observability.py)
    )


@app.command("projector")
def projector(
    ctx: typer.Context,
    checkpoints: bool = typer.Option(
        True, help="also write the periodic signed checkpoints (needs the signing key)"
    ),
) -> None:
    """Keep the views up to date from the log until SIGTERM."""
    settings = settings_of(ctx)
    logs.configure(settings.log_level)
    stop = stop_on_signals()
    with build_container(settings, signing=checkpoints) as c:
        c.projector.start()
        writer = Checkpointer(
            c.service,
            every_seconds=settings.checkpoint_interval_seconds,
            every_events=settings.checkpoint_every_events,
            others=[c.roster.signed_log] if c.roster.signed_log else [],
        )
        if checkpoints:
            writer.start()
        log.info("projector following the log", extra={"fields": {"worker": "projector"}})
        try:
            while not stop.wait(REPORT_SECONDS):
                head = c.projector.head()
                lags = {n: head - p for n, p in c.projector.positions().items()}
                log.info("views", extra={"fields": {"head": head, "lag": lags}})
        finally:
            writer.stop()
    log.info("projector stopped")


@app.command("notifier")
def notifier(ctx: typer.Context) -> None:
    """Record deadline notices and send webhooks until SIGTERM."""
    settings = settings_of(ctx)
    logs.configure(settings.log_level)
    stop = stop_on_signals()
    with build_container(settings) as c:
        if c.notifier.switched_off:
            names = ", ".join(e.id for e in c.notifier.switched_off)
            log.info("receivers switched off (their variables are unset): %s", names)
        c.notifier.start()
        log.info("notifier running", extra={"fields": {"worker": "notifier"}})
        stop.wait()
    log.info("notifier stopped")


def fresh_metrics_dir(settings: Settings, given: str | None) -> Path:
    """Where the web workers write their metrics (PROMETHEUS_MULTIPROC_DIR): the one given,
    or ``<data dir>/metrics``; its metric files are removed at start, since a previous
    run's would be summed with this one's (nothing else in it is touched)."""
    directory = Path(given) if given else settings.data_dir / "metrics"
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.db"):
        old.unlink(missing_ok=True)
    return directory
