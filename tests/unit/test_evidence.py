"""Evidence on a case, in the domain: which step a file documents, and what is refused."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from domain.case import Case
from domain.errors import CaseIsFinal, InvalidValue, PersonalDataInText, RuleViolation
from domain.evidence import EvidenceKind, normalise_file_name
from domain.values import Status
from tests.support.case_checks import last_event, refused
from tests.support.cases import (
    COORDINATOR,
    GRID_LEAD,
    closed_case,
    later,
    reported_case,
    resolved_case,
)


def sha(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def attach(case: Case, n: int = 1, **overrides: Any) -> int:
    kwargs: dict[str, Any] = {
        "actor": GRID_LEAD,
        "at": later(case),
        "sha256": sha(n),
        "media_type": "image/jpeg",
        "size": 1234,
        "name": "现场照片.jpg",
        "kind": EvidenceKind.BEFORE,
        "thumbnail_sha256": sha(n + 1000),
    }
    return case.attach_evidence(**(kwargs | overrides))


def test_evidence_documents_the_newest_step_by_default_not_an_earlier_attachment() -> None:
    case = reported_case()
    case.note(actor=GRID_LEAD, at=later(case), text="入户走访")  # version 2
    assert attach(case, 1) == 2
    assert attach(case, 2) == 2  # a second photo of the same visit, not of the first photo
    event = last_event(case)
    assert type(event).__name__ == "EvidenceAttached"
    assert (event.sha256, event.step, event.kind) == (sha(2), 2, "before")
    assert [e.sha256 for e in case.evidence] == [sha(1), sha(2)]


def test_evidence_changes_no_status_and_counts_as_no_response() -> None:
    case = reported_case()
    attach(case, step=1)
    assert case.status is Status.REPORTED
    assert case.first_response_at is None


def test_after_photo_may_document_the_resolution() -> None:
    case = resolved_case()
    assert attach(case, kind=EvidenceKind.AFTER, actor=COORDINATOR) == case.version - 1
    assert case.evidence[-1].kind is EvidenceKind.AFTER


@pytest.mark.parametrize("step", [0, 3, -1, True, "1"])
def test_step_must_be_an_existing_step(step: object) -> None:
    case = reported_case()
    case.note(actor=GRID_LEAD, at=later(case), text="入户走访")
    with refused(case, InvalidValue):
        attach(case, step=step)


def test_step_cannot_be_another_attachment() -> None:
    case = reported_case()
    attach(case, 1)
    with refused(case, InvalidValue):
        attach(case, 2, step=2)


def test_the_same_file_is_attached_to_a_case_once() -> None:
    case = reported_case()
    attach(case, 1)
    with refused(case, RuleViolation):
        attach(case, 1)


def test_a_closed_case_takes_no_evidence() -> None:
    case = closed_case()
    with refused(case, CaseIsFinal):
        attach(case)


@pytest.mark.parametrize(
    "overrides",
    [
        {"sha256": "abc"},
        {"sha256": sha(1).upper()},
        {"thumbnail_sha256": "../../etc/passwd"},
        {"media_type": "image/svg+xml"},
        {"media_type": "text/html"},
        {"size": 0},
        {"kind": "during"},
    ],
)
def test_malformed_references_are_refused(overrides: dict[str, Any]) -> None:
    case = reported_case()
    with refused(case, InvalidValue):
        attach(case, **overrides)


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("photo.jpg", "photo.jpg"),
        ("C:\\Users\\wang\\Desktop\\现场.jpg", "现场.jpg"),
        ("../../etc/passwd", "passwd"),
        ("exe.\u202egpj", "exe.gpj"),  # a bidi override would show it reversed
        ("a\x00b\r\n.png", "ab.png"),
        ("  spaced   out  .pdf ", "spaced out .pdf"),
        ("", "file"),
        (None, "file"),
        ("....", "file"),
        ("e\u0301.jpg", "\u00e9.jpg"),
    ],
)
def test_file_names_are_normalised(raw: str | None, kept: str) -> None:
    assert normalise_file_name(raw) == kept


def test_long_file_names_keep_their_extension() -> None:
    name = normalise_file_name("照" * 500 + ".jpeg")
    assert len(name) <= 120
    assert name.endswith(".jpeg")


def test_a_phone_number_in_a_file_name_is_refused() -> None:
    with pytest.raises(PersonalDataInText):
        normalise_file_name("张三13812345678.jpg")
