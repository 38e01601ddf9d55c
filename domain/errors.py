"""The domain's errors: each names a broken rule in Chinese and English.

A command that raises any of these has recorded nothing. ``ChuishaoError`` is the base of
every error the project raises; it lives here because the domain may import nothing else.
"""

from __future__ import annotations


class ChuishaoError(Exception):
    """Base of every error of this project (domain, application, access, storage, HTTP):
    bilingual, with a stable ``code``. Library and driver errors never pass as one."""

    code = "error"

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


class DomainError(ChuishaoError):
    """Base of every rule the domain refuses to break."""

    code = "domain_error"


class RuleViolation(DomainError):
    """The command is well-formed but the case's state forbids it (HTTP 409)."""

    code = "rule_violation"


class CaseIsFinal(RuleViolation):
    code = "case_is_final"

    def __init__(self, status_label: str, status: str) -> None:
        # The labels read 已办结 / 已撤销 / 重复件: "已" is not added a second time.
        state = status_label if status_label.startswith("已") else f"为{status_label}"
        super().__init__(
            f"案件{state}，不再接受任何操作",
            f"the case is {status} and takes no further events",
        )


class InvalidValue(DomainError):
    """A value is out of its allowed range or shape (HTTP 422); ``field`` names it if known."""

    code = "invalid_value"

    def __init__(self, zh: str, en: str, *, field: str | None = None) -> None:
        super().__init__(zh, en)
        self.field = field


class UnknownReference(InvalidValue):
    """A grid, unit or category that the jurisdiction does not define."""

    code = "unknown_reference"

    def __init__(self, kind_zh: str, kind: str, ref: str) -> None:
        super().__init__(f"未知的{kind_zh}：{ref}", f"unknown {kind}: {ref!r}")
        self.kind = kind
        self.ref = ref


class WhistleNotFound(DomainError):
    """The case has no whistle with that id (HTTP 404)."""

    code = "whistle_not_found"

    def __init__(self, whistle_id: str) -> None:
        super().__init__(f"本案没有编号为 {whistle_id} 的吹哨", f"no whistle {whistle_id!r}")


class PersonalDataInText(InvalidValue):
    """Free text that would put a phone or ID number into the immutable log (HTTP 422)."""

    code = "personal_data_in_text"
    RESIDENT_FIELDS = ("resident_name", "resident_phone")

    def __init__(self, field: str, field_zh: str, kind_zh: str, kind: str) -> None:
        super().__init__(
            f"{field_zh}中似乎含有{kind_zh}。案件文字会永久留存、无法删除；"
            "居民的姓名和电话请填写在 resident_name、resident_phone 字段（可依法删除），"
            "其他个人信息请勿写入",
            f"{field} seems to contain {kind}. Case text is kept for ever and cannot be "
            "erased; put the resident's name and phone in resident_name and resident_phone "
            "(erasable), and leave other personal data out",
        )
        self.extra = {
            "field": field,
            "personal_data": kind,
            "use_fields": list(self.RESIDENT_FIELDS),
        }


class DutiesNotSeparated(DomainError):
    """The user who resolved a case may not record its callback (HTTP 403)."""

    code = "separation_of_duties"

    def __init__(self) -> None:
        super().__init__(
            "回访评价的是本轮处置结果，须由处置人以外的人员记录",
            "the callback judges the resolution: someone other than its resolver records it",
        )
