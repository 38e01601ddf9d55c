"""Errors of the application layer; library errors are translated into these here."""

from __future__ import annotations

from uuid import UUID

from domain.errors import ChuishaoError


class ApplicationError(ChuishaoError):
    """Base for errors raised by use cases and the adapters below them (bilingual, like
    domain errors, but no rule of the domain)."""


class CaseNotFound(ApplicationError):
    code = "case_not_found"

    def __init__(self, case_id: UUID | str) -> None:
        super().__init__(f"案件不存在：{case_id}", f"no case {case_id}")
        self.case_id = case_id


class VersionNotFound(ApplicationError):
    code = "version_not_found"

    def __init__(self, case_id: UUID, what_zh: str, what_en: str) -> None:
        super().__init__(
            f"案件 {case_id} 没有{what_zh}的状态", f"case {case_id} has no state {what_en}"
        )


class StaleVersion(ApplicationError):
    """The caller's expected version is not the case's current one (If-Match)."""

    code = "stale_version"

    def __init__(self, case_id: UUID, expected: int, actual: int) -> None:
        super().__init__(
            f"案件已被他人更新（期望版本 {expected}，当前版本 {actual}）",
            f"case {case_id} is at version {actual}, not {expected}",
        )
        self.actual = actual


class ConcurrencyConflict(ApplicationError):
    """Another command changed the case between our read and our write."""

    code = "concurrency_conflict"

    def __init__(self, case_id: UUID) -> None:
        super().__init__(
            "案件正被同时修改，请刷新后重试",
            f"case {case_id} was changed concurrently; reload and retry",
        )


class StorageUnavailable(ApplicationError):
    """The database cannot be reached; nothing was written. Adapters raise it in place of
    their driver's errors (infrastructure/storage_errors.py)."""

    code = "storage_unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__("数据库暂时不可用，请稍后重试", f"storage unavailable: {detail}")


class KeyMismatch(ApplicationError):
    """The signing key is not the one that signed the log's newest row."""

    code = "signing_key_mismatch"

    def __init__(self, log_key: str, this_key: str) -> None:
        super().__init__(
            f"签名密钥与日志不符：日志最新签名来自密钥 {log_key}，本机密钥为 {this_key}。"
            "请用正确的密钥文件（CHUISHAO_SIGNING_KEY_FILE），或执行 chuishao keys rotate 轮换密钥",
            f"the log's newest signature is by key {log_key}, this key is {this_key}: "
            "use the right key file (CHUISHAO_SIGNING_KEY_FILE) or run `chuishao keys rotate`",
        )
        self.log_key, self.this_key = log_key, this_key


class CaseUnreadable(ApplicationError):
    """A case's stored events do not replay (an event the domain never records): the
    case is shown marked in its history and named by verify, but cannot be acted on."""

    code = "case_unreadable"

    def __init__(self, case_id: UUID, reason: str) -> None:
        super().__init__(
            f"案件 {case_id} 的事件记录无效，无法读取；请审计员执行校验（chuishao verify）",
            f"case {case_id} holds an event that does not replay ({reason}); run verify",
        )
