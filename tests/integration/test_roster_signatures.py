"""The 双报到 roster log is signed like the case log: attacks by someone with the database's
password (the owner, triggers bypassed) on a member's hours and a unit's service record,
each named by the roster log's verify with its position; the case log stays intact."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import StoredEvent
from typer.testing import CliRunner

from application.access import User
from application.integrity import open_envelope, seal
from application.log_chain import sign_next
from application.roster import RosterService
from application.service import CaseService
from application.signed_log import LogVerifyReport, SignedLog
from domain.values import Assessment, ClaimantKind, Level, NeedKind, Role
from infrastructure.log_signatures import ROSTER_TABLE
from infrastructure.settings import Settings
from infrastructure.signing_keys import FileSigner, key_file
from interfaces.bootstrap import build_case_service, build_roster_service
from interfaces.cli import app as cli
from tests.support.clock import FakeClock
from tests.support.raw_db import RawDb

COORD = User("co", "co", Role.COORDINATOR, frozenset({"street:jianshe"}))
COMMUNITY = "yili-jinwei"


class RosterDb(RawDb):
    """The intruder's SQL on the roster's tables."""

    def _name(self, table: str) -> str:
        return f'"{self.settings.database_schema}".{table}' if self.is_postgres else table

    def roster(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        sql = sql.replace("{roster}", self._name("chuishao_roster_events"))
        sql = sql.replace("{rsig}", self._name(ROSTER_TABLE))
        return self.execute(sql, params)

    def drop_roster_guards(self) -> None:
        for table in ("chuishao_roster_events", ROSTER_TABLE):
            if self.is_postgres:
                self.execute(f"ALTER TABLE {self._name(table)} DISABLE TRIGGER USER")
            else:
                self.execute(f"DROP TRIGGER {table}_no_update")
                self.execute(f"DROP TRIGGER {table}_no_delete")

    @property
    def position(self) -> str:
        return "notification_id" if self.is_postgres else "rowid"


@pytest.fixture
def logs(settings: Settings, clock: FakeClock) -> Iterator[tuple[CaseService, RosterService]]:
    with build_case_service(settings, clock=clock) as cases:
        roster = build_roster_service(settings, cases)
        try:
            yield cases, roster
        finally:
            roster.close()


def confirmed_need(roster: RosterService) -> UUID:
    """A unit seated, a member registered, a need claimed, done (2.5 hours) and confirmed."""
    roster.join_council(COORD, unit_id="yili-group", level=Level.COMMUNITY, place_id=COMMUNITY)
    member = roster.register_member(
        COORD, community_id=COMMUNITY, name="张建国", unit_id="yili-group"
    ).case_id
    need = roster.post_need(
        COORD, community_id=COMMUNITY, kind=NeedKind.HOME_VISIT, title="入户走访"
    ).case_id
    roster.claim_need(COORD, need, claimant_kind=ClaimantKind.MEMBER, claimant_id=str(member))
    roster.complete_need(COORD, need, hours=2.5, result="完成")
    roster.confirm_need(COORD, need, assessment=Assessment.GOOD)
    return need


def verify(roster: RosterService, **kwargs: Any) -> LogVerifyReport:
    assert roster.signed_log is not None
    return roster.signed_log.verify(**kwargs)


def signed(roster: RosterService) -> SignedLog:
    assert roster.signed_log is not None
    return roster.signed_log


def test_the_roster_log_is_signed_and_verifies(
    logs: tuple[CaseService, RosterService], raw: RawDb
) -> None:
    cases, roster = logs
    confirmed_need(roster)
    report = verify(roster)
    assert report.intact and report.log is not None
    assert report.log.signed_position == report.events > 0
    assert report.log.adopted_position == 0  # every batch signed as written
    # The roster's rows are a chain of their own: the case log's signatures are untouched.
    assert cases.signatures is not None
    assert all(r.position == 0 for r in cases.signatures.rows())
    assert cases.verify().intact


def test_an_edited_hours_figure_is_named_with_its_roster_position(
    logs: tuple[CaseService, RosterService], raw: RawDb
) -> None:
    cases, roster = logs
    need = confirmed_need(roster)
    db = RosterDb(raw.settings)
    db.drop_roster_guards()
    key = need if db.is_postgres else need.hex
    [(position, state)] = db.roster(
        f"SELECT {db.position}, state FROM {{roster}} WHERE originator_id = %s AND topic LIKE %s",
        (key, "%NeedDone"),
    )
    state = bytes(state)
    assert b"150" in open_envelope(state).inner  # 2.5 hours, in minutes
    # Re-sealed with the public chain function: the aggregate's own chain still holds.
    link = open_envelope(state)
    [(version, topic)] = db.roster(
        f"SELECT originator_version, topic FROM {{roster}} WHERE {db.position} = %s",
        (position,),
    )
    resealed, _ = seal(
        StoredEvent(need, int(version), str(topic), link.inner.replace(b"150", b"900")),
        link.prev_hash,
    )
    db.roster(
        f"UPDATE {{roster}} SET state = %s WHERE {db.position} = %s", (resealed.state, position)
    )

    report = verify(roster)

    assert not report.intact and report.log is not None
    # Named where it was changed (and every later signed head differs too).
    assert [p.position for p in report.log.problems][0] == position
    assert all(p.position >= position for p in report.log.problems)
    assert "differs from what was signed" in report.log.problems[0].problem
    assert cases.verify().intact  # the case log is not the one named


def test_the_last_roster_event_deleted_is_named(
    logs: tuple[CaseService, RosterService], raw: RawDb
) -> None:
    _, roster = logs
    confirmed_need(roster)
    db = RosterDb(raw.settings)
    db.drop_roster_guards()
    last = signed(roster).log_position()
    db.roster(f"DELETE FROM {{roster}} WHERE {db.position} = %s", (last,))

    report = verify(roster)

    assert not report.intact and report.log is not None
    assert any(p.position == last and "cut" in p.problem for p in report.log.problems)


def test_a_forged_roster_event_inserted_is_named(
    logs: tuple[CaseService, RosterService], raw: RawDb
) -> None:
    _, roster = logs
    need = confirmed_need(roster)
    db = RosterDb(raw.settings)
    key = need if db.is_postgres else need.hex
    rows = db.roster(
        "SELECT originator_version, topic, state FROM {roster} WHERE originator_id = %s "
        "ORDER BY originator_version",
        (key,),
    )
    version, topic, state = rows[-1]
    # Another confirmation, chained onto the need with the public chain function.
    link = open_envelope(bytes(state))
    forged, _ = seal(StoredEvent(need, int(version) + 1, str(topic), link.inner), link.hash)
    db.roster(
        "INSERT INTO {roster} (originator_id, originator_version, topic, state) "
        "VALUES (%s, %s, %s, %s)",
        (key, int(version) + 1, str(topic), forged.state),
    )  # no trigger refuses an INSERT: nothing to bypass

    report = verify(roster)

    forged_at = signed(roster).log_position()
    assert not report.intact and report.log is not None
    [problem] = report.log.problems
    assert problem.position == forged_at and "forged" in problem.problem


def test_roster_rows_re_signed_with_another_key_are_named(
    logs: tuple[CaseService, RosterService], raw: RawDb, tmp_path: Path
) -> None:
    """The intruder edits hours and re-signs the roster's rows with a key of their own:
    the chain of rows holds, the key is not trusted."""
    _, roster = logs
    confirmed_need(roster)
    db = RosterDb(raw.settings)
    db.drop_roster_guards()
    rows = signed(roster).signatures.rows()
    own = FileSigner(Ed25519PrivateKey.generate(), tmp_path / "intruder.key")
    db.roster("DELETE FROM {rsig}")
    last = None
    for r in rows:
        row = sign_next(
            last,
            kind=r.kind,
            first_position=r.first_position,
            position=r.position,
            head=r.head,
            signer=own,
            at=r.signed_at,
        )
        marks = ",".join(["%s"] * 12)
        db.roster(
            f"INSERT INTO {{rsig}} VALUES ({marks})",
            (
                row.seq,
                row.kind,
                row.first_position,
                row.position,
                row.head,
                row.prev,
                row.signed_at,
                row.key_id,
                row.public_key,
                row.signature,
                row.endorsed_by,
                row.endorsement,
            ),
        )
        last = row

    report = verify(roster)

    assert not report.intact and report.log is not None
    assert report.log.problems[0].seq == 1
    assert "not trusted" in report.log.problems[0].problem


def test_a_roster_log_written_before_signing_is_adopted_and_reported_as_such(
    settings: Settings, clock: FakeClock, raw: RawDb
) -> None:
    with build_case_service(settings, clock=clock) as cases:
        roster = build_roster_service(settings, cases)
        try:
            confirmed_need(roster)
            events = signed(roster).log_position()
        finally:
            roster.close()
    db = RosterDb(raw.settings)
    db.drop_roster_guards()
    db.roster("DELETE FROM {rsig}")  # as a release before signing left it: no rows
    with build_case_service(settings, clock=clock) as cases:
        roster = build_roster_service(settings, cases)  # adopts at start
        try:
            roster.join_council(
                COORD, unit_id="yljw-property", level=Level.COMMUNITY, place_id=COMMUNITY
            )
            report = verify(roster)
        finally:
            roster.close()
    assert report.intact and report.log is not None
    assert report.log.adopted_position == events
    assert report.log.signed_position == events + 1


def test_cli_verify_names_the_roster_log_and_position_and_fails(
    cli_env: Settings, clock: FakeClock, raw: RawDb
) -> None:
    settings = cli_env
    with build_case_service(settings, clock=clock) as cases:
        roster = build_roster_service(settings, cases)
        try:
            confirmed_need(roster)
            last = signed(roster).log_position()
        finally:
            roster.close()
    db = RosterDb(raw.settings)
    db.drop_roster_guards()
    db.roster(f"DELETE FROM {{roster}} WHERE {db.position} = %s", (last,))
    assert key_file(settings).exists()

    result = CliRunner().invoke(cli, ["verify"])

    assert result.exit_code == 1, result.output
    assert "【双报到名册日志】" in result.output
    assert f"双报到名册日志位置 {last}" in result.output
