"""GET /metrics (Prometheus, token-protected) and GET /readyz (lag-bounded), both backends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from domain.values import Role
from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from interfaces.cli.users import add_user
from interfaces.http.app import create_app
from tests.e2e import helpers as h
from tests.support.api import Api
from tests.support.clock import FakeClock

SCRAPE_TOKEN = "scrape-" + "x" * 40


@dataclass
class Paused:
    """The app with its projector stopped: the views stay where they are until told."""

    client: TestClient
    container: Container
    admin: dict[str, str]


@pytest.fixture
def paused(settings: Settings, clock: FakeClock) -> Iterator[Paused]:
    bounded = settings.model_copy(update={"ready_max_lag_events": 0})
    with build_container(bounded, clock=clock) as container:
        token = add_user(container, "ops-admin", "运维", Role.ADMIN, [])
        app = create_app(container, run_projections=False)
        with TestClient(app) as client:
            yield Paused(client, container, {"Authorization": f"Bearer {token}"})


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the exposition (labels in any order)."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match[3])
    raise AssertionError(f"no sample {name} {labels}")


# ----- /metrics --------------------------------------------------------------------------


def test_metrics_without_a_token_is_401(api: Api) -> None:
    response = api.client.get("/metrics")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    forged = api.client.get("/metrics", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401


def test_metrics_are_for_admins_auditors_and_the_scrape_token(api: Api) -> None:
    assert api.get("grid_lead", "/metrics").status_code == 403
    assert api.get("police", "/metrics").status_code == 403
    assert api.get("auditor", "/metrics").status_code == 200
    # No scrape token configured: a bearer that merely looks like one is refused.
    scrape = {"Authorization": f"Bearer {SCRAPE_TOKEN}"}
    assert api.client.get("/metrics", headers=scrape).status_code == 401
    api.container.settings.metrics_token = SecretStr(SCRAPE_TOKEN)
    assert api.client.get("/metrics", headers=scrape).status_code == 200
    wrong = {"Authorization": f"Bearer {SCRAPE_TOKEN}y"}
    assert api.client.get("/metrics", headers=wrong).status_code == 401


def test_metrics_count_requests_commands_batches_and_lag(api: Api) -> None:
    before = api.get("admin", "/metrics").text
    posted = sample_or_zero(before, "chuishao_http_requests_total", route="/cases", status="201")
    case_id = h.report(api)
    h.note(api, case_id)
    refused = api.post("grid_lead", f"/cases/{case_id}/notes", {"text": ""})
    assert refused.status_code == 422
    api.get("admin", "/cases", min_position=api.event_count())

    text = api.get("admin", "/metrics").text
    assert sample(text, "chuishao_http_requests_total", route="/cases", status="201") == posted + 1
    assert (
        sample(text, "chuishao_http_request_duration_seconds_count", method="POST", route="/cases")
        >= 1
    )
    notes = [n for n in command_names(text) if "note" in n]
    assert notes, command_names(text)
    assert sample(text, "chuishao_commands_total", command=notes[0], outcome="accepted") >= 1
    assert sample(text, "chuishao_commands_total", command=notes[0], outcome="refused") >= 1
    assert sample(text, "chuishao_group_commit_batch_commands_count") >= 2
    head = api.event_count()
    assert sample(text, "chuishao_log_head") == head
    assert sample(text, "chuishao_projection_position", view="ledger") == head
    assert sample(text, "chuishao_projection_lag_events", view="ledger") == 0
    assert sample(text, "chuishao_projection_lag_seconds", view="ledger") == 0
    assert sample(text, "chuishao_checkpoint_age_seconds") >= 0  # the server's first one
    assert "chuishao_replica_lag_seconds" not in text  # no standby configured
    assert sample(text, "chuishao_database_up") == 1
    # Route templates, not paths: a case id never becomes a label value.
    assert case_id not in text


def sample_or_zero(text: str, name: str, **labels: str) -> float:
    try:
        return sample(text, name, **labels)
    except AssertionError:
        return 0.0


def command_names(text: str) -> list[str]:
    return sorted(set(re.findall(r'chuishao_commands_total\{command="([^"]+)"', text)))


# ----- /readyz ---------------------------------------------------------------------------


def test_readyz_is_503_while_a_view_lags_beyond_the_bound(paused: Paused) -> None:
    assert paused.client.get("/readyz").status_code == 200
    written = paused.client.post("/cases", json=h.case_body(), headers=paused.admin)
    assert written.status_code == 201, written.text

    behind = paused.client.get("/readyz")
    assert behind.status_code == 503
    assert behind.headers["content-type"].startswith("application/problem+json")
    body = behind.json()
    assert (body["code"], body["behind"]) == ("not_ready", ["ledger"])
    assert body["views"]["ledger"]["lag"] == 1
    assert paused.client.get("/healthz").status_code == 200  # alive all the same

    paused.container.projector.catch_up()
    ready = paused.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["views"]["ledger"] == {
        "position": written.json()["position"],
        "lag": 0,
        "lag_seconds": 0.0,
    }
    lagging = paused.client.get("/metrics", headers=paused.admin).text
    assert sample(lagging, "chuishao_projection_lag_events", view="ledger") == 0


def test_metrics_show_a_lagging_view(paused: Paused) -> None:
    for _ in range(2):
        written = paused.client.post("/cases", json=h.case_body(), headers=paused.admin)
        assert written.status_code == 201
    text = paused.client.get("/metrics", headers=paused.admin).text
    assert sample(text, "chuishao_projection_lag_events", view="ledger") == 2
