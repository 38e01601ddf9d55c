"""Console forms: which commands a user sees on a case, and form fields → the API's
request models, with errors in Chinese beside the fields they concern.

Who may act is the access policy's answer (application/access.py), asked here with the
very case shown; the case's state only hides forms whose command it would refuse anyway.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from application.access import AccessPolicy, Action, Forbidden, User
from application.views import CaseSnapshot
from domain.errors import ChuishaoError, DomainError, InvalidValue, PersonalDataInText
from domain.rules import WHISTLE_LEVELS
from domain.times import BEIJING
from domain.values import Level, Satisfaction
from interfaces.http.schemas import (
    CaseCreate,
    CloseCreate,
    DuplicateCreate,
    EscalationCreate,
    EvaluationCreate,
    MergeCreate,
    NoteCreate,
    PledgeCreate,
    ReopenCreate,
    ReportInCreate,
    ResolutionCreate,
    UnitEvaluationCreate,
    WhistleCreate,
    WithdrawalCreate,
)
from interfaces.http.work_order_schemas import (
    AcceptanceCreate,
    ExtensionCreate,
    ExtensionDecisionCreate,
    FeedbackCreate,
    ReturnCreate,
)

GENERAL = "_"  # errors that belong to no one field: shown at the top of the form
STALE_ZH = "案件已被他人更新"
INT_FIELDS = frozenset({"amount_fen", "score"})
BOOL_FIELDS = frozenset({"approved"})  # a select of 是/否: "true" / "false"
ZONED_FIELDS = frozenset({"report_in_deadline", "new_due"})  # datetime-local: Beijing
LIST_FIELDS = frozenset({"unit_ids", "case_ids"})
# Hidden fields every form carries; they are not part of the request model.
PLUMBING = frozenset({"csrf", "form_key", "expected_version", "whistle_id_for", "dup_q"})


@dataclass(frozen=True)
class Command:
    name: str
    label: str
    action: Action
    model: type[BaseModel]


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("note", "进展", Action.NOTE, NoteCreate),
        Command("escalate", "升级", Action.ESCALATE, EscalationCreate),
        Command("whistle", "吹哨", Action.WHISTLE, WhistleCreate),
        Command("report_in", "报到", Action.REPORT_IN, ReportInCreate),
        Command("pledge", "认领资金", Action.PLEDGE, PledgeCreate),
        Command("resolve", "办结", Action.RESOLVE, ResolutionCreate),
        Command("evaluate", "回访", Action.EVALUATE, EvaluationCreate),
        Command("evaluate_unit", "部门考核", Action.EVALUATE_UNIT, UnitEvaluationCreate),
        Command("reopen", "重新办理", Action.REOPEN, ReopenCreate),
        Command("close", "归档", Action.CLOSE, CloseCreate),
        Command("withdraw", "撤销", Action.WITHDRAW, WithdrawalCreate),
        Command("mark_duplicate", "标记重复", Action.MARK_DUPLICATE, DuplicateCreate),
        Command("merge", "合并", Action.MERGE, MergeCreate),
        # 12345 work orders (the platform's own steps are not console forms)
        Command("accept_order", "签收", Action.ACCEPT_ORDER, AcceptanceCreate),
        Command("return_order", "退单", Action.RETURN_ORDER, ReturnCreate),
        Command("request_extension", "申请延期", Action.REQUEST_EXTENSION, ExtensionCreate),
        Command("decide_extension", "延期审批", Action.DECIDE_EXTENSION, ExtensionDecisionCreate),
        Command("send_feedback", "反馈", Action.SEND_FEEDBACK, FeedbackCreate),
    )
}
ORDER_STEPS = frozenset(
    {"accept_order", "return_order", "request_extension", "decide_extension", "send_feedback"}
)
REPORT = Command("report", "上报", Action.REPORT, CaseCreate)


def new_form_key() -> str:
    """A one-time key per rendered form: submitting the same form twice writes once."""
    return "ui-" + secrets.token_urlsafe(18)


def _may(policy: AccessPolicy, user: User, action: Action, case: CaseSnapshot) -> bool:
    try:
        policy.require(user, action, case)
    except (Forbidden, DomainError):
        return False
    return True


def state_allows(name: str, case: CaseSnapshot, user: User, separate_callback: bool) -> bool:
    """Whether the case's present state takes the command at all (the domain still checks;
    this only spares the user a form bound to fail)."""
    if case.status.is_final:
        return False
    order = case.work_order
    if order is None:
        if name in ORDER_STEPS:
            return False
    else:  # a 12345 order: 回访 is the hotline's; returned, not withdrawn
        if name in ("evaluate", "withdraw"):
            return False
        waiting = order.accepted_at is None or order.pending_return is not None
        if waiting and name in ("note", "escalate", "whistle", "pledge", "resolve"):
            return False  # handling waits for 签收
        if name in ORDER_STEPS:
            return _order_step_allowed(name, case)
    open_round = case.resolution is None
    evaluation = next((e for e in case.evaluations if e.round == case.round), None)
    match name:
        case "escalate":
            return open_round and case.level is not Level.DISTRICT
        case "whistle":
            return open_round and case.level in WHISTLE_LEVELS
        case "resolve" | "withdraw":
            return open_round
        case "report_in":
            return any(w.pending_unit_ids for w in case.whistles)
        case "evaluate":
            resolver = case.resolution.actor_id if case.resolution else None
            return (
                not open_round
                and evaluation is None
                and not (separate_callback and resolver == user.user_id)
            )
        case "evaluate_unit":
            return any(w.unit_ids for w in case.whistles)
        case "reopen":
            return evaluation is not None and evaluation.satisfaction is Satisfaction.UNSATISFIED
        case "close":  # an order is reported back (反馈) before it is closed
            return not open_round and (order is None or case.round in order.feedback_rounds)
    return True  # note, pledge, mark_duplicate: any case still open


def _order_step_allowed(name: str, case: CaseSnapshot) -> bool:
    order = case.work_order
    assert order is not None
    unaccepted = order.accepted_at is None and order.pending_return is None
    pending = order.pending_extension is not None
    match name:
        case "accept_order":
            return unaccepted
        case "return_order":
            return unaccepted and not order.overruled_returns
        case "request_extension":
            return order.accepted_at is not None and case.resolution is None and not pending
        case "decide_extension":
            return pending and case.resolution is None
        case "send_feedback":
            return case.resolution is not None and case.round not in order.feedback_rounds
    return False


def available(
    policy: AccessPolicy, user: User, case: CaseSnapshot, separate_callback: bool
) -> list[Command]:
    """The commands to offer: the policy allows them here and the state takes them."""
    return [
        c
        for c in COMMANDS.values()
        if _may(policy, user, c.action, case)
        and state_allows(c.name, case, user, separate_callback)
        and (c.name != "decide_extension" or _decides_extension(policy, user, case))
    ]


def _decides_extension(policy: AccessPolicy, user: User, case: CaseSnapshot) -> bool:
    """The level above the requester's, and someone else than the requester."""
    pending = case.work_order.pending_extension if case.work_order else None
    if pending is None or pending.requested_by == user.user_id:
        return False
    try:
        return policy.level_of(user, case).rank > pending.level.rank
    except Forbidden:
        return False


# ----- form fields → request model -------------------------------------------------


def form_fields(raw: Any) -> dict[str, Any]:
    """A submitted form as the API's JSON body would be: numbers as numbers, checkbox
    lists as lists, empty optional fields left out, a deadline without a zone in Beijing."""
    out: dict[str, Any] = {}
    for key in raw.keys():
        if key in PLUMBING:
            continue
        if key in LIST_FIELDS:
            out[key] = [v for v in raw.getlist(key) if isinstance(v, str) and v]
            continue
        value = raw.get(key)
        if not isinstance(value, str):
            continue
        value = value.strip()
        if value == "":
            continue
        if key in INT_FIELDS and value.lstrip("-").isdigit() and len(value) < 19:
            out[key] = int(value)
        elif key in BOOL_FIELDS and value in ("true", "false"):
            out[key] = value == "true"
        elif key in ZONED_FIELDS:
            out[key] = _beijing_if_naive(value)
        else:
            out[key] = value
    return out


def _beijing_if_naive(value: str) -> str:
    """``<input type=datetime-local>`` sends no zone; officials mean Beijing time."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BEIJING)
    return parsed.isoformat()


def validate(model: type[BaseModel], fields: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    """The request model, or the errors in Chinese by field."""
    try:
        return model.model_validate(fields), {}
    except ValidationError as e:
        errors: dict[str, str] = {}
        for err in e.errors():
            loc = err.get("loc") or (GENERAL,)
            errors.setdefault(str(loc[0]), chinese(err))
        return None, errors


def chinese(err: Any) -> str:
    """One pydantic error in Chinese (the console's officials read Chinese)."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "此项必填"
    if kind == "string_too_short":
        return "此项必填" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字"
    if kind == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字"
    if kind == "string_pattern_mismatch":
        return "格式不正确：只能用字母、数字和 _ . : -"
    if kind == "enum" or kind == "literal_error":
        return "请从列表中选择"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "请填写整数"
    if kind == "greater_than":
        return f"须大于 {ctx.get('gt')}"
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}"
    if kind == "too_short":
        return f"至少选择 {ctx.get('min_length')} 项"
    if kind == "too_long":
        return f"最多选择 {ctx.get('max_length')} 项"
    if kind.startswith("datetime") or kind == "timezone_aware":
        return "请填写有效的日期和时间"
    if kind.startswith("uuid"):
        return "请填写有效的案件编号"
    if kind == "extra_forbidden":
        return "不接受此项"
    return "输入不正确"


def domain_errors(e: ChuishaoError) -> dict[str, str]:
    """A refused command's Chinese message (the problem+json ``detail_zh``), beside its
    field when the error names one."""
    field: object = None
    if isinstance(e, PersonalDataInText):
        field = e.extra.get("field")
    elif isinstance(e, InvalidValue):
        field = e.field
    return {field if isinstance(field, str) and field else GENERAL: e.zh}
