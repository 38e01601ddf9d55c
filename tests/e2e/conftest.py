"""HTTP tier: the app over a real store (both backends), with one user per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infrastructure.settings import Settings
from tests.support.api import Api, serving
from tests.support.clock import FakeClock


@pytest.fixture
def api(settings: Settings, clock: FakeClock) -> Iterator[Api]:
    with serving(settings, clock) as api:
        yield api
