"""The HTTP tier's users and the client wrapper its tests drive: one user per role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi.testclient import TestClient

from domain.values import Role
from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from interfaces.cli.users import add_user
from interfaces.http.app import create_app
from tests.support.clock import FakeClock

# user id -> (role, scopes); places and units from the demo jurisdiction
USERS: dict[str, tuple[Role, list[str]]] = {
    "grid_lead": (Role.GRID_LEAD, ["grid:chengshi-huating"]),
    "other_grid_lead": (Role.GRID_LEAD, ["grid:jintai"]),
    "coordinator": (Role.COORDINATOR, ["street:jianshe"]),
    "other_coordinator": (Role.COORDINATOR, ["community:yuehe"]),
    "police": (Role.LIAISON, ["unit:jianshe-police"]),
    "property": (Role.LIAISON, ["unit:yljw-property"]),
    "other_liaison": (Role.LIAISON, ["unit:weicheng-heating"]),
    "auditor": (Role.AUDITOR, []),
    "admin": (Role.ADMIN, []),
}


@dataclass
class Api:
    client: TestClient
    container: Container
    clock: FakeClock
    tokens: dict[str, str]

    def headers(self, user: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}", **extra}

    def post(self, user: str, path: str, body: dict, **headers: str):  # type: ignore[no-untyped-def]
        return self.client.post(path, json=body, headers=self.headers(user, **headers))

    def get(self, user: str, path: str, **params: object):  # type: ignore[no-untyped-def]
        return self.client.get(path, params=params, headers=self.headers(user))

    def event_count(self) -> int:
        return self.container.service.recorder.max_notification_id() or 0


@contextmanager
def serving(settings: Settings, clock: FakeClock) -> Iterator[Api]:
    """The app over a store built from ``settings``, with one user per role."""
    with build_container(settings, clock=clock) as container:
        tokens = {
            uid: add_user(container, uid, uid, role, scopes)
            for uid, (role, scopes) in USERS.items()
        }
        with TestClient(create_app(container)) as client:
            yield Api(client, container, clock, tokens)
