"""What is wrong with a request, in Chinese, naming the field: pydantic's error types
translated, with the field's Chinese label where the API has one.

An official reading a 422 needs "标题不能超过200个字符", not "String should have at most
200 characters" under a generic "请求参数不合法". The input itself is never echoed: bodies
hold residents' names and phones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# Request fields and query parameters, by name; a name not listed is shown as it is.
FIELD_LABELS: dict[str, str] = {
    "grid_id": "网格编号",
    "category_id": "问题类别编号",
    "title": "标题",
    "description": "问题描述",
    "channel": "来源渠道",
    "urgency": "紧急程度",
    "resident_name": "居民姓名",
    "resident_phone": "居民电话",
    "location": "问题位置",
    "lat": "纬度",
    "long": "经度",
    "datum": "坐标系",
    "reason": "理由",
    "text": "记录内容",
    "kind": "记录类型",
    "to_level": "升级到的层级",
    "unit_ids": "被召集单位",
    "report_in_deadline": "报到时限",
    "unit_id": "单位编号",
    "note": "报到说明",
    "party_kind": "出资方类型",
    "party_name": "出资方名称",
    "amount_fen": "认领金额（分）",
    "currency": "币种",
    "purpose": "资金用途",
    "summary": "解决情况说明",
    "solved": "解决情况",
    "satisfaction": "满意度",
    "comment": "评价意见",
    "whistle_id": "哨令编号",
    "score": "评分",
    "remark": "备注",
    "original_case_id": "原案件编号",
    "case_ids": "合并的案件",
    "case_id": "案件编号",
    "version": "版本号",
    "limit": "每页条数",
    "offset": "起始位置",
    "min_position": "日志位置",
    "as_of": "统计截至时间",
    "street": "街道",
    "community": "社区",
    "grid": "网格",
    "status": "案件状态",
    "category": "问题类别",
    "month": "月份",
    "by": "统计维度",
    "views": "核对视图",
    # 12345 work orders
    "order_id": "工单编号",
    "dispatched_at": "派单时间",
    "street_id": "街道编号",
    "place_text": "诉求地点",
    "content": "诉求内容",
    "time_limit": "办理时限",
    "hours": "小时数",
    "working_days": "工作日数",
    "accepted": "审定结果",
    "approved": "审批结果",
    "new_due": "延期后的办结时限",
    # 双报到 roster and needs
    "level": "理事会层级",
    "place_id": "社区或街道编号",
    "liaison": "联络人",
    "offers": "可提供资源",
    "community_id": "社区编号",
    "name": "姓名",
    "phone": "电话",
    "employer": "工作单位",
    "skills": "特长",
    "available": "可服务时间",
    "user_id": "登录账号",
    "people": "所需人数",
    "claimant_kind": "认领方类型",
    "claimant_id": "认领方编号",
    "result": "服务成效",
    "assessment": "社区评价",
}

_WHERE = {"body": "请求体", "query": "查询参数", "path": "路径", "header": "请求头"}


def field_label(loc: Sequence[str | int]) -> str:
    """``("body", "unit_ids", 0)`` → ``被召集单位第1项``; the request part alone when the
    error is about the whole body (``("body",)`` → ``请求体``)."""
    parts = list(loc)
    if parts and parts[0] in _WHERE:
        where = _WHERE[str(parts.pop(0))]
        if not parts:
            return where
    label = ""
    for part in parts:
        if isinstance(part, int):
            label += f"第{part + 1}项"
        else:
            label = FIELD_LABELS.get(part, f"“{part}”")
    return label


def _choices(ctx: dict[str, Any]) -> str:
    return str(ctx.get("expected", "")).replace("'", "")


Explain = Callable[[str, dict[str, Any]], str]
_MESSAGES: dict[str, Explain] = {
    "missing": lambda f, c: f"缺少必填项：{f}",
    "extra_forbidden": lambda f, c: f"不接受字段{f}（请检查拼写）",
    "json_invalid": lambda f, c: "请求体不是合法的 JSON",
    "json_type": lambda f, c: "请求体应为 JSON",
    "model_attributes_type": lambda f, c: f"{f}应为 JSON 对象",
    "model_type": lambda f, c: f"{f}应为 JSON 对象",
    "dict_type": lambda f, c: f"{f}应为 JSON 对象",
    "list_type": lambda f, c: f"{f}应为列表",
    "string_type": lambda f, c: f"{f}应为文本",
    "string_too_short": lambda f, c: (
        f"{f}不能为空" if c.get("min_length") == 1 else f"{f}至少{c.get('min_length')}个字符"
    ),
    "string_too_long": lambda f, c: f"{f}不能超过{c.get('max_length')}个字符",
    "string_pattern_mismatch": lambda f, c: f"{f}格式不正确（只能含字母、数字和 _ . : -）",
    "too_short": lambda f, c: f"{f}至少需要{c.get('min_length')}项",
    "too_long": lambda f, c: f"{f}最多{c.get('max_length')}项",
    "enum": lambda f, c: f"{f}取值无效，可选：{_choices(c)}",
    "literal_error": lambda f, c: f"{f}取值无效，可选：{_choices(c)}",
    "int_type": lambda f, c: f"{f}应为整数",
    "int_parsing": lambda f, c: f"{f}应为整数",
    "int_from_float": lambda f, c: f"{f}应为整数",
    "float_type": lambda f, c: f"{f}应为数字",
    "float_parsing": lambda f, c: f"{f}应为数字",
    "bool_type": lambda f, c: f"{f}应为 true 或 false",
    "bool_parsing": lambda f, c: f"{f}应为 true 或 false",
    "greater_than": lambda f, c: f"{f}应大于{c.get('gt')}",
    "greater_than_equal": lambda f, c: f"{f}不能小于{c.get('ge')}",
    "less_than": lambda f, c: f"{f}应小于{c.get('lt')}",
    "less_than_equal": lambda f, c: f"{f}不能大于{c.get('le')}",
    "uuid_type": lambda f, c: f"{f}应为 UUID 格式的编号",
    "uuid_parsing": lambda f, c: f"{f}应为 UUID 格式的编号",
    "datetime_type": lambda f, c: f"{f}应为时间，如 2024-03-01T10:00:00+08:00",
    "datetime_parsing": lambda f, c: f"{f}应为时间，如 2024-03-01T10:00:00+08:00",
    "datetime_from_date_parsing": lambda f, c: f"{f}应为时间，如 2024-03-01T10:00:00+08:00",
    "timezone_aware": lambda f, c: f"{f}须注明时区，如 +08:00",
    "date_type": lambda f, c: f"{f}应为日期，如 2024-03-01",
    "date_parsing": lambda f, c: f"{f}应为日期，如 2024-03-01",
    "date_from_datetime_parsing": lambda f, c: f"{f}应为日期，如 2024-03-01",
    "value_error": lambda f, c: f"{f}取值不合法",
    "assertion_error": lambda f, c: f"{f}取值不合法",
}


def message_zh(error: dict[str, Any]) -> str:
    """One pydantic error (an item of ``RequestValidationError.errors()``) in Chinese."""
    label = field_label(tuple(error.get("loc", ())))
    explain: Explain = _MESSAGES.get(str(error.get("type")), _invalid)
    return explain(label, dict(error.get("ctx") or {}))


def _invalid(field: str, ctx: dict[str, Any]) -> str:
    return f"{field}不合法"


def entries(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """The ``errors`` member of a 422 problem: where, what (English and Chinese), which type."""
    return [
        {
            "loc": list(err.get("loc", ())),
            "field": field_label(tuple(err.get("loc", ()))),
            "msg": err.get("msg", ""),
            "msg_zh": message_zh(err),
            "type": err.get("type"),
        }
        for err in errors
    ]


def summary(items: list[dict[str, Any]], *, most: int = 5) -> tuple[str, str]:
    """``detail_zh`` and ``detail``: the first few problems, in one line each language."""
    shown = items[:most]
    more = len(items) - len(shown)
    zh = "；".join(i["msg_zh"] for i in shown) + (f"；另有{more}处" if more > 0 else "")
    en = "; ".join(f"{_path(i['loc'])}: {i['msg']}" for i in shown)
    en += f"; and {more} more" if more > 0 else ""
    return f"请求参数不合法：{zh}", f"the request is invalid: {en}"


def _path(loc: list[Any]) -> str:
    """``["body", "unit_ids", 0]`` → ``unit_ids.0``; ``["body"]`` → ``body``."""
    return ".".join(str(p) for p in (loc[1:] or loc)) or "request"
