"""Small guard helpers shared by the case's commands; each raises a domain error."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue, PersonalDataInText, RuleViolation
from domain.personal_data import KIND_LABELS, personal_data_kind
from domain.text import normalise_text
from domain.values import Actor, Level

TITLE_MAX = 200
TEXT_MAX = 4000
NOTE_MAX = 2000
REASON_MAX = 1000
MAX_UNITS_PER_WHISTLE = 20
MAX_PLEDGE_FEN = 100_000_000 * 100  # 100 million CNY: larger is a typo, not a pledge
CURRENCY = "CNY"
MAX_REPORT_IN_WAIT = timedelta(days=90)  # a whistle summons now, not next year
WHISTLE_LEVELS = (Level.COMMUNITY, Level.STREET)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
E = TypeVar("E", bound=StrEnum)


def check_text(
    value: str,
    *,
    field: str,
    field_zh: str,
    max_len: int,
    required: bool = True,
    multiline: bool = True,
) -> str:
    """Free text as the case will keep it: NFC, trimmed, and free of characters that hide
    or disguise what is written (controls, bidi overrides, text made only of invisibles).
    ``multiline`` fields keep newline and tab; single-line fields (titles, names) keep neither.
    The rules themselves live in ``domain/text.py``."""
    if not isinstance(value, str):
        raise InvalidValue(f"{field_zh}必须是文本", f"{field} must be text", field=field)
    value = normalise_text(value, field=field, field_zh=field_zh, multiline=multiline)
    if required and not value:
        raise InvalidValue(f"{field_zh}不能为空", f"{field} must not be empty", field=field)
    if len(value) > max_len:
        raise InvalidValue(
            f"{field_zh}不能超过{max_len}字",
            f"{field} must be at most {max_len} characters",
            field=field,
        )
    check_no_personal_data(value, field=field, field_zh=field_zh)
    return value


def check_reason(reason: str, *, field_zh: str) -> str:
    """The reason a command states (退出原因, 取消原因 …): required text, one paragraph's
    worth (``REASON_MAX``)."""
    return check_text(reason, field="reason", field_zh=field_zh, max_len=REASON_MAX)


def check_no_personal_data(value: str, *, field: str, field_zh: str) -> None:
    """Free text goes to the immutable log: phone and ID numbers belong elsewhere."""
    kind = personal_data_kind(value)
    if kind is not None:
        raise PersonalDataInText(field, field_zh, *KIND_LABELS[kind])


def check_aware(at: datetime, *, field: str = "time") -> None:
    """A real instant: time-zone aware and within 1990–2200 (beyond is a typo or an attack)."""
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise InvalidValue(f"时间必须带时区：{field}", f"{field} must be a timezone-aware datetime")
    try:
        in_range = EARLIEST <= at <= LATEST
    except OverflowError:
        in_range = False
    if not in_range:
        raise InvalidValue(f"时间超出范围：{field}", f"{field} must lie between 1990 and 2200")


def check_amount_fen(amount_fen: int) -> None:
    # bool is an int subclass; True fen is not money.
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool):
        raise InvalidValue("金额必须是整数（分）", "amount must be a whole number of fen")
    if amount_fen <= 0:
        raise InvalidValue("认领金额必须大于零", "pledged amount must be positive")
    if amount_fen > MAX_PLEDGE_FEN:
        raise InvalidValue(
            "认领金额超过上限（1亿元）", "pledged amount exceeds the limit of 100,000,000 CNY"
        )


def check_score(score: int) -> None:
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 100:
        raise InvalidValue(
            "考核分数必须是0到100的整数", "score must be a whole number from 0 to 100"
        )


def check_whistle_level(level: Level) -> None:
    """A whistle is blown by a community or a street, never straight from a grid."""
    if level not in WHISTLE_LEVELS:
        raise RuleViolation(
            "网格不能直接吹哨，需先升级到社区或街道",
            "a whistle is blown at community or street level only; escalate first",
        )


def check_summoned_units(unit_ids: Sequence[str]) -> list[str]:
    """The units a whistle summons: a list of 1 to ``MAX_UNITS_PER_WHISTLE`` distinct ids."""
    if isinstance(unit_ids, str):  # a str is a Sequence[str]: one id would become its letters
        raise InvalidValue("召集单位须为列表", "unit_ids must be a list of unit ids")
    units = list(unit_ids)
    if any(not isinstance(u, str) or not u.strip() for u in units):
        raise InvalidValue("召集单位编号不能为空", "unit ids must not be blank")
    if not units:
        raise InvalidValue("吹哨至少要召集一个单位", "a whistle must summon at least one unit")
    if len(set(units)) != len(units):
        raise InvalidValue("召集单位不能重复", "summoned units must not repeat")
    if len(units) > MAX_UNITS_PER_WHISTLE:
        raise InvalidValue(
            f"一次吹哨最多召集{MAX_UNITS_PER_WHISTLE}个单位",
            f"a whistle summons at most {MAX_UNITS_PER_WHISTLE} units",
        )
    return units


def check_report_in_deadline(deadline: datetime, *, blown_at: datetime) -> None:
    """Units report in after the whistle and within ``MAX_REPORT_IN_WAIT`` of it."""
    check_aware(deadline, field="report_in_deadline")
    if deadline <= blown_at:
        raise InvalidValue(
            "报到时限必须晚于吹哨时间", "the report-in deadline must be in the future"
        )
    if deadline - blown_at > MAX_REPORT_IN_WAIT:
        raise InvalidValue("报到时限不能超过90天", "the report-in deadline must be within 90 days")


def check_enum(enum: type[E], value: object, *, field: str) -> E:
    """Coerce a value to one of the enum's members, or refuse it as invalid input."""
    try:
        return enum(str(value)) if not isinstance(value, enum) else value
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidValue(
            f"{field} 的取值无效：{value!r}", f"{field} must be one of {allowed}"
        ) from None


def record_event(
    aggregate: Aggregate,
    event_class: type[Aggregate.Event],
    actor: Actor,
    at: datetime,
    **data: Any,
) -> None:
    """An actor's event on a roster aggregate (need, seat, member) at ``at``: a real
    instant, never before the aggregate's last event (its history stays in order)."""
    check_aware(at)
    if at < aggregate.modified_on:
        raise InvalidValue("操作时间不能早于上一条记录", "time must not precede the last event")
    aggregate.trigger_event(
        event_class, timestamp=at, actor_id=actor.user_id, actor_role=actor.role.value, **data
    )
