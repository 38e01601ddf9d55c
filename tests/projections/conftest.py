"""Fixtures for the projection tests: a container on the parametrised backend, CLI env."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infrastructure.settings import Settings
from interfaces.bootstrap import Container, build_container
from tests.support.clock import FakeClock


@pytest.fixture
def container(settings: Settings, clock: FakeClock) -> Iterator[Container]:
    with build_container(settings, clock=clock) as c:
        yield c
