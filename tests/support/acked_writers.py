"""Writers that keep creating cases while a database fault happens under them, and keep
what the service acknowledged: the reliability tests then look for every acknowledged
write in the log. Any answer but 201 or 503 fails the writer (a 500 shows in ``statuses``)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from fastapi.testclient import TestClient


class AckedWriters:
    """``count`` threads posting ``case`` until ``stop()``; ``problem_json``: a 503 must
    also be answered as application/problem+json."""

    def __init__(
        self,
        client: TestClient,
        headers: dict[str, str],
        case: dict[str, Any],
        *,
        count: int,
        problem_json: bool = False,
    ) -> None:
        self.client, self.headers, self.case = client, headers, case
        self.problem_json = problem_json
        self.acked: list[tuple[str, int]] = []  # (case id, version) of each 201
        self.statuses: list[int] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._write) for _ in range(count)]

    def start(self) -> AckedWriters:
        for t in self._threads:
            t.start()
        return self

    def stop(self, timeout: float = 60) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=timeout)

    def _write(self) -> None:
        while not self._stop.is_set():
            r = self.client.post(
                "/cases",
                json=self.case,
                headers=self.headers | {"Idempotency-Key": str(uuid.uuid4())},
            )
            self.statuses.append(r.status_code)
            if r.status_code == 201:
                self.acked.append((r.json()["case_id"], r.json()["version"]))
            else:
                assert r.status_code == 503, r.text
                if self.problem_json:
                    assert r.headers["content-type"].startswith("application/problem+json")
                time.sleep(0.05)
