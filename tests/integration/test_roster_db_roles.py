"""The roster's log under `chuishao db setup`: the owner creates it, the service's role
appends and reads it, and cannot change a row of it."""

from __future__ import annotations

import psycopg
import pytest

from application.access import User
from domain.values import NeedKind, Role
from infrastructure.append_only import ROSTER_EVENTS_TABLE
from interfaces.bootstrap import build_container
from tests.support.db_roles import TwoRoles, setup_ok, two_roles_fixture  # noqa: F401

pytestmark = pytest.mark.postgres
COORD = User("co", "co", Role.COORDINATOR, frozenset({"street:jianshe"}))


def test_the_app_role_appends_the_roster_log_and_cannot_change_it(two_roles: TwoRoles) -> None:
    setup_ok()
    assert ROSTER_EVENTS_TABLE in two_roles.log_tables()
    with build_container(two_roles.settings) as c:
        assert c.role_separation
        need = c.roster.post_need(
            COORD, community_id="yili-jinwei", kind=NeedKind.HOME_VISIT, title="入户走访"
        )
        assert c.roster_view.refresh().needs[str(need.case_id)].title == "入户走访"
    table = f'"{two_roles.schema}".{ROSTER_EVENTS_TABLE}'
    with psycopg.connect(two_roles.app_url, autocommit=True) as conn:
        for attack in (f"UPDATE {table} SET topic = topic", f"DELETE FROM {table}"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(attack)
