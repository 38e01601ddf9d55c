"""Phone and ID numbers in free text are caught at input; near misses pass."""

from __future__ import annotations

import random
from uuid import UUID

import pytest

from domain.errors import CaseIsFinal, PersonalDataInText, RuleViolation
from domain.personal_data import personal_data_kind
from domain.values import Level, Status
from tests.support.case_checks import event_names, refused, state_of
from tests.support.cases import (
    ADMIN,
    COORDINATOR,
    GRID_LEAD,
    closed_case,
    later,
    reported_case,
    withdrawn_case,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("居民电话13800138000，请回电", "mobile"),
        ("手机 138 0013 8000", "mobile"),
        ("手机：138-0013-8000。", "mobile"),
        ("+86 13800138000", "mobile"),
        ("+86-138-0013-8000", "mobile"),
        ("008613912345678", "mobile"),
        ("电话１３８００１３８０００", "mobile"),  # full-width digits
        ("物业电话010-65123456", "landline"),
        ("物业电话（0477）8123456", "landline"),
        ("值班室 021 6512 3456", "landline"),
        ("身份证号11010519491231002X", "id_card"),
        ("身份证 440301199003071230 复印件", "id_card"),
        ("老身份证130503670401001", "id_card"),
        ("银行卡6222021234567890128", "bank_card"),
        ("邮箱 zhang.guilan@example.com", "email"),
    ],
)
def test_personal_data_is_found(text: str, kind: str) -> None:
    assert personal_data_kind(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "2016年4月12日在城市华庭巡查",
        "2016-04-12 10:00 联席会议",
        "20160412",
        "两共基金出资600000元，政府补贴400,000元",
        "地下车位租金由7200元降到3600元/年",
        "案件 2f478007-b133-5704-b5af-0d929fbea700 的重复件",
        "12345工单号2016041200012345",
        "新增充电桩30余个，入户谈话300余次",
        "供热管网改造资金1500000元",
        "身份证号440301199003071231",  # wrong check digit: not an ID
        "门牌号 3号楼2单元1302室",
        "01234567-0123-4567-8901-012345678901",  # a UUID whose groups look like a landline
        "a0b1c2d3-e4f5-4a6b-8c7d-13800138000f",
    ],
)
def test_near_misses_pass(text: str) -> None:
    assert personal_data_kind(text) is None


def test_case_ids_and_keys_never_look_like_personal_data() -> None:
    rng = random.Random(14)
    for _ in range(20_000):
        key = str(UUID(int=rng.getrandbits(128), version=4))
        assert personal_data_kind(f"重复件，原案件 {key}") is None, key


@pytest.mark.parametrize("field", ["title", "description"])
def test_a_report_with_a_phone_in_its_text_is_refused_and_points_to_the_resident_fields(
    field: str,
) -> None:
    with pytest.raises(PersonalDataInText) as caught:
        reported_case(**{field: "张大爷家水管冻住，电话13800138000"})
    assert caught.value.extra["field"] == field
    assert caught.value.extra["use_fields"] == ["resident_name", "resident_phone"]
    assert "resident_phone" in caught.value.zh and "resident_phone" in caught.value.en


def test_notes_and_reasons_with_an_id_number_are_refused_and_record_nothing() -> None:
    case = reported_case()
    with refused(case, PersonalDataInText):
        case.note(actor=GRID_LEAD, at=later(case, hours=1), text="身份证11010519491231002X")
    with refused(case, PersonalDataInText):
        case.escalate(
            actor=GRID_LEAD,
            at=later(case, hours=1),
            to_level=Level.COMMUNITY,
            reason="请联系010-65123456",
        )


def test_an_erasure_is_recorded_even_on_a_closed_case_and_changes_nothing_else() -> None:
    for case in (closed_case(), withdrawn_case()):
        before = state_of(case)
        case.erase_contact(actor=ADMIN, at=later(case, days=1), reason="居民申请删除")
        after = state_of(case)
        assert event_names(case)[-1] == "ResidentContactErased"
        assert after.pop("contact_erased_by") == ADMIN.user_id
        assert after.pop("contact_erased_at") is not None
        changed = {k for k in after if after[k] != before[k]}
        assert changed <= {"_version", "_modified_on", "_pending_events"}
        assert case.status in (Status.CLOSED, Status.WITHDRAWN)
        with pytest.raises(CaseIsFinal):
            case.note(actor=COORDINATOR, at=later(case, days=1), text="不再接受")


def test_a_contact_is_erased_once() -> None:
    case = reported_case()
    case.erase_contact(actor=ADMIN, at=later(case, hours=1), reason="居民申请删除")
    with refused(case, RuleViolation):
        case.erase_contact(actor=ADMIN, at=later(case, hours=2), reason="再删一次")
