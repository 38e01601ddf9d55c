"""HTTP tier: the app over a real store (both backends), with one user per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from interfaces.cli.users import add_user
from interfaces.http.app import create_app
from tests.support.api import USERS, Api
from tests.support.clock import FakeClock


@pytest.fixture
def api(settings: Settings, clock: FakeClock) -> Iterator[Api]:
    with build_container(settings, clock=clock) as container:
        tokens = {
            uid: add_user(container, uid, uid, role, scopes)
            for uid, (role, scopes) in USERS.items()
        }
        with TestClient(create_app(container)) as client:
            yield Api(client, container, clock, tokens)
