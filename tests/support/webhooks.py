"""A simulated webhook receiver (a small HTTP app on a free port, in a thread of the test),
a jurisdiction file routing notices to it, and a whistled case to notify about."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import UUID

from application.service import CaseService
from domain.values import Level
from infrastructure.jurisdiction_file import demo_jurisdiction_path
from infrastructure.settings import Settings
from infrastructure.webhooks import DELIVERY_HEADER, verify_signature
from interfaces.bootstrap import Container
from projections.outbox import OutboxRow
from tests.support.actors import COORDINATOR, GRID_LEAD
from tests.support.api import Api, serving
from tests.support.clock import FakeClock
from tests.support.processes import free_port

SECRET_ENV = "CHUISHAO_TEST_WEBHOOK_SECRET"
SECRET = "test-secret-不要外传"
POLICE, PROPERTY = "jianshe-police", "yljw-property"


class Receiver:
    """Verifies each request's signature (401 if bad), drops repeats by delivery id, and
    fails on demand: ``failures`` answers of 503 before it recovers, or 503 to everything
    while ``down`` (each counted in ``refused``); ``answer`` (status,
    body) answers every signed request so, as a hostile or broken receiver would;
    ``hold_at`` blocks the request that is the n-th valid arrival (after counting it) until
    ``release``."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret.encode()
        self.arrivals: list[str] = []  # delivery ids of every valid request
        self.processed: dict[str, dict[str, Any]] = {}  # acted on once each
        self.rejected = 0
        self.failures = 0
        self.down = False
        self.refused = 0  # 503s answered (``failures`` and ``down``)
        self.redirect_to: str | None = None
        self.answer: tuple[int, bytes] | None = None
        self.hold_at: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            if not verify_signature(self.secret, headers, body):
                self.rejected += 1
                return 401
            if self.redirect_to:
                return 302
            if self.answer is not None:
                return self.answer[0]
            if self.down or self.failures > 0:
                self.failures -= 0 if self.down else 1
                self.refused += 1
                return 503
            delivery_id = headers[DELIVERY_HEADER]
            self.arrivals.append(delivery_id)
            self.processed.setdefault(delivery_id, json.loads(body))  # the dedupe
            hold = len(self.arrivals) == self.hold_at
        if hold:
            self.held.set()
            self.release.wait(30)
        return 200

    @property
    def repeats(self) -> Counter[str]:
        return Counter({i: n for i, n in Counter(self.arrivals).items() if n > 1})


@contextmanager
def running(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = receiver.handle(dict(self.headers.items()), body)
            answer = receiver.answer[1] if receiver.answer and status != 401 else b"{}"
            try:
                self.send_response(status)
                if status == 302 and receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # the sender was killed while we held its request

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()


def notify_jurisdiction(
    tmp_path: Path, url: str, *, extra: str = "", platform: bool = False
) -> Path:
    """The demo jurisdiction with both 建设街道 units and the street routed to ``url``
    (in place of the demo's own ``[notify]`` example); ``platform``: the 12345 platform's
    反馈 too."""
    text = demo_jurisdiction_path().read_text(encoding="utf-8").split("\n[notify]", 1)[0]
    if platform:
        text += '\n[notify]\nhotline_platform = "receiver"\n'
    text += f"""
[notify.units]
{POLICE} = "receiver"
{PROPERTY} = "receiver"

[notify.streets]
jianshe = "receiver"

[[notify.endpoints]]
id = "receiver"
name = "测试接收方"
url = "{url}"
secret_env = "{SECRET_ENV}"
{extra}
"""
    path = tmp_path / "notify.toml"
    path.write_text(text, encoding="utf-8")
    return path


def whistled_case(
    service: CaseService, units: list[str] | None = None, minutes: float = 30
) -> UUID:
    """A fire-lane case at the street, whistled now: ``units`` to report in within
    ``minutes``."""
    case_id = service.report_case(
        actor=GRID_LEAD, grid_id="binhewan", category_id="fire-lane", title="车辆占用消防通道"
    ).case_id
    service.escalate(case_id, actor=GRID_LEAD, to_level=Level.STREET, reason="需街道协调")
    service.blow_whistle(
        case_id,
        actor=COORDINATOR,
        unit_ids=units or [POLICE, PROPERTY],
        report_in_deadline=service.clock() + timedelta(minutes=minutes),
        reason="联合执法",
    )
    return case_id


def dead_letter(container: Container) -> OutboxRow:
    """A whistle to the police whose delivery is dead at once: seed it on a container whose
    receiver refuses it and whose settings allow one attempt (``notify_max_attempts=1``)."""
    whistled_case(container.service, units=[POLICE])
    assert container.notifier.run_once(scan=False).dead == 1
    (row,) = container.notifier.store.listed("dead")
    return row


def refusing_api(
    settings: Settings, clock: FakeClock, tmp_path: Path, receiver: Receiver, fmt: str = "json"
) -> AbstractContextManager[Api]:
    """The app with every notice routed to ``receiver`` (in format ``fmt``) and one
    attempt per delivery: what the receiver refuses is a dead letter at once. The secret's
    variable must be set (``SECRET_ENV``) before."""
    path = notify_jurisdiction(tmp_path, receiver.url, extra=f'format = "{fmt}"')
    update = {"jurisdiction_file": path, "notify_max_attempts": 1}
    return serving(settings.model_copy(update=update), clock)
