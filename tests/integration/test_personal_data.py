"""PIPL: residents' names and phones stay out of the event log and can be erased."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from application.service import CaseService
from domain.errors import InvalidValue
from infrastructure.settings import Settings
from interfaces.cli import app
from tests.conftest import GRID_LEAD, RawDb

PHONE = "13800138000"
NAME = "张桂兰"


def report_with_contact(service: CaseService) -> object:
    return service.report_case(
        actor=GRID_LEAD,
        grid_id="binhewan",
        category_id="water-supply",
        title="水管冻住",
        resident_name=NAME,
        resident_phone=PHONE,
    ).case_id


def test_contact_details_never_enter_the_event_log(service: CaseService, raw: RawDb) -> None:
    case_id = report_with_contact(service)
    service.add_note(case_id, actor=GRID_LEAD, text="已联系居民")
    states = b"".join(bytes(r[0]) for r in raw.execute("SELECT state FROM {events}"))
    assert PHONE.encode() not in states
    assert NAME.encode() not in states and NAME.encode("unicode_escape") not in states
    contact = service.resident_contact(case_id)
    assert contact is not None and (contact.name, contact.phone) == (NAME, PHONE)


def test_forgetting_erases_contact_and_keeps_history_verifiable(
    service: CaseService, raw: RawDb
) -> None:
    case_id = report_with_contact(service)
    before = [(r.version, r.hash) for r in service.history(case_id)]
    assert service.forget_resident(case_id, actor=GRID_LEAD)
    contact = service.resident_contact(case_id)
    assert contact is not None
    assert (contact.name, contact.phone, contact.erased_by) == (None, None, GRID_LEAD.user_id)
    assert [(r.version, r.hash) for r in service.history(case_id)] == before
    assert service.verify().intact


@pytest.mark.parametrize("phone", ["abc", "1", "+86 138 0013 8000 0000 00"])
def test_bad_phone_is_refused_and_nothing_is_written(
    service: CaseService, raw: RawDb, phone: str
) -> None:
    with pytest.raises(InvalidValue):
        service.report_case(
            actor=GRID_LEAD,
            grid_id="binhewan",
            category_id="ebike",
            title="x",
            resident_phone=phone,
        )
    assert raw.count() == 0


def test_cli_forget(cli_env: Settings, service: CaseService) -> None:
    case_id = report_with_contact(service)
    result = CliRunner().invoke(app, ["forget", str(case_id)])
    assert result.exit_code == 0, result.output
    assert "已删除" in result.output
    contact = service.resident_contact(case_id)
    assert contact is not None and contact.phone is None
