"""Photos and PDFs over HTTP: upload as multipart, refused before anything is written,
read back exactly as the case is scoped, under headers that never let a file run."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from PIL import Image

from tests.e2e import helpers as h
from tests.e2e.test_console_pages import sign_in
from tests.evidence_images import (
    FAKE_JPEG,
    HTML_AS_JPEG,
    PDF,
    SVG,
    has_gps,
    photo_with_gps,
    png,
)
from tests.support.api import Api


def upload(
    api: Api,
    user: str,
    case_id: str,
    data: bytes,
    name: str = "现场.jpg",
    content_type: str = "image/jpeg",
    **form: Any,
) -> Any:
    return api.client.post(
        f"/cases/{case_id}/files",
        files={"file": (name, data, content_type)},
        data={"kind": "before", **form},
        headers=api.headers(user),
    )


def files_dir(api: Api) -> Path:
    return api.container.settings.data_dir / "files"


def stored_files(api: Api) -> list[Path]:
    return [p for p in files_dir(api).rglob("*") if p.is_file()] if files_dir(api).exists() else []


def test_a_photo_comes_back_without_its_gps(api: Api) -> None:
    case_id = h.report(api)
    body = h.created(upload(api, "grid_lead", case_id, photo_with_gps()))
    file = body["file"]
    assert (body["version"], file["step"], file["kind"]) == (2, 1, "before")
    assert file["media_type"] == "image/jpeg" and file["name"] == "现场.jpg"
    answer = api.get("grid_lead", file["href"])
    assert answer.status_code == 200
    assert not has_gps(answer.content)
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"].startswith("inline;")
    assert "sandbox" in answer.headers["content-security-policy"]
    thumb = api.get("grid_lead", file["thumbnail_href"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert max(image.size) <= 320


def test_the_file_is_on_the_step_it_documents_and_in_the_history(api: Api) -> None:
    case_id = h.report(api)
    note_version = h.note(api, case_id, "grid_lead", "入户走访")
    body = h.created(upload(api, "grid_lead", case_id, png(), "after.png", "image/png"))
    assert body["file"]["step"] == note_version
    events = api.get("auditor", f"/cases/{case_id}/events").json()
    attached = events["events"][-1] if isinstance(events, dict) else events[-1]
    assert attached["type"] == "EvidenceAttached"
    assert attached["data"]["sha256"] == body["file"]["sha256"]


def test_a_pdf_downloads_as_an_attachment(api: Api) -> None:
    case_id = h.report(api)
    body = h.created(upload(api, "grid_lead", case_id, PDF, "方案.pdf", "application/pdf"))
    assert "thumbnail_href" not in body["file"]
    answer = api.get("coordinator", body["file"]["href"])
    assert answer.content == PDF
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert "UTF-8''%E6%96%B9%E6%A1%88.pdf" in answer.headers["content-disposition"]
    h.assert_problem(api.get("coordinator", body["file"]["href"] + "/thumbnail"), 404)


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (HTML_AS_JPEG, "image/jpeg", 415),  # the client's type is not believed
        (SVG, "image/svg+xml", 415),
        (SVG, "image/png", 415),
        (FAKE_JPEG, "image/jpeg", 422),  # JPEG magic, HTML inside
        (b"", "image/jpeg", 422),
    ],
)
def test_disguised_files_are_refused_and_nothing_is_written(
    api: Api, data: bytes, content_type: str, status: int
) -> None:
    case_id = h.report(api)
    before = api.event_count()
    h.assert_refused(
        api, before, upload(api, "grid_lead", case_id, data, "a.jpg", content_type), status
    )
    assert stored_files(api) == []


def test_a_file_over_the_limit_answers_413_and_writes_nothing(api: Api) -> None:
    case_id = h.report(api)
    limit = api.container.settings.max_upload_bytes
    before = api.event_count()
    # Just over the file limit (the request itself passes the body limit) …
    response = upload(api, "grid_lead", case_id, PDF + b"0" * limit, "big.pdf", "application/pdf")
    assert h.assert_refused(api, before, response, 413, "file_too_large")
    # … and far over it, refused before the body is read.
    huge = PDF + b"0" * (limit + 200_000)
    h.assert_refused(api, before, upload(api, "grid_lead", case_id, huge, "x.pdf"), 413)
    assert stored_files(api) == []


def test_whoever_may_add_a_note_may_attach_and_no_one_else(api: Api) -> None:
    case_id, _ = h.whistled_case(api)
    for user, n in (("coordinator", 1), ("police", 2), ("admin", 3)):
        h.created(upload(api, user, case_id, PDF + str(n).encode(), "a.pdf"))
    before = api.event_count()
    h.assert_refused(api, before, upload(api, "auditor", case_id, PDF + b"4"), 403)
    assert len(stored_files(api)) == 3


def test_a_case_outside_the_scope_answers_as_an_unknown_one_for_files(api: Api) -> None:
    """The attacker holds a valid token for another grid and a hash seen elsewhere."""
    case_id = h.report(api)
    sha256 = h.created(upload(api, "grid_lead", case_id, photo_with_gps()))["file"]["sha256"]
    unknown_id = str(uuid4())
    before = api.event_count()
    for suffix in (f"/files/{sha256}", f"/files/{sha256}/thumbnail"):
        theirs = api.get("other_grid_lead", f"/cases/{case_id}{suffix}")
        unknown = api.get("other_grid_lead", f"/cases/{unknown_id}{suffix}")
        assert theirs.status_code == unknown.status_code == 404
        assert theirs.json()["code"] == unknown.json()["code"] == "case_not_found"
    # Even a disguised file gets the unknown case's answer, not a 415 or 422.
    for data in (photo_with_gps(), HTML_AS_JPEG, FAKE_JPEG):
        theirs = upload(api, "other_grid_lead", case_id, data)
        unknown = upload(api, "other_grid_lead", unknown_id, data)
        assert theirs.status_code == unknown.status_code == 404
        assert theirs.json()["code"] == unknown.json()["code"] == "case_not_found"
    assert api.event_count() == before


def test_a_hash_attached_to_another_case_is_not_found_on_this_one(api: Api) -> None:
    """The attacker sees case A and learnt the hash of a file on case B (out of scope)."""
    mine = h.report(api, "other_grid_lead", grid_id="jintai")
    theirs = h.report(api)
    sha256 = h.created(upload(api, "grid_lead", theirs, PDF))["file"]["sha256"]
    for suffix in ("", "/thumbnail"):
        answer = api.get("other_grid_lead", f"/cases/{mine}/files/{sha256}{suffix}")
        h.assert_problem(answer, 404, "file_not_found")
    h.assert_problem(api.get("other_grid_lead", f"/cases/{mine}/files/..%2F..%2Fetc"), 404)


def test_the_same_file_twice_on_a_case_is_refused(api: Api) -> None:
    case_id = h.report(api)
    h.created(upload(api, "grid_lead", case_id, PDF))
    before = api.event_count()
    h.assert_refused(api, before, upload(api, "grid_lead", case_id, PDF), 409)


def test_a_file_swapped_in_the_store_is_never_served(api: Api) -> None:
    case_id = h.report(api)
    sha256 = h.created(upload(api, "grid_lead", case_id, PDF))["file"]["sha256"]
    [path] = stored_files(api)
    path.write_bytes(b"<html><script>alert(1)</script></html>")
    h.assert_problem(api.get("grid_lead", f"/cases/{case_id}/files/{sha256}"), 410)
    report = api.get("auditor", "/audit/verify")
    assert report.status_code == 200 and sha256 in report.text


def test_the_console_timeline_shows_thumbnails_on_the_step(api: Api) -> None:
    case_id = h.report(api)
    h.note(api, case_id, "grid_lead", "入户走访")
    sha256 = h.created(upload(api, "grid_lead", case_id, photo_with_gps()))["file"]["sha256"]
    h.created(upload(api, "grid_lead", case_id, PDF, "方案.pdf", kind="after"))
    page = console_page(api, "grid_lead", f"/ui/cases/{case_id}")
    assert f"/cases/{case_id}/files/{sha256}/thumbnail" in page
    assert "方案.pdf" in page and "处置前" in page and "处置后" in page
    assert sha256[:12] in page


def console_page(api: Api, user: str, path: str) -> str:
    sign_in(api, user)
    answer = api.client.get(path)
    assert answer.status_code == 200, answer.text
    return answer.text


def test_a_retried_upload_with_its_idempotency_key_attaches_once(api: Api) -> None:
    case_id = h.report(api)
    before = api.event_count()

    def send(data: bytes) -> Any:
        return api.client.post(
            f"/cases/{case_id}/files",
            files={"file": ("a.pdf", data, "application/pdf")},
            data={"kind": "after"},
            headers=api.headers("grid_lead", **{"Idempotency-Key": "upload-1"}),
        )

    first, again = h.created(send(PDF)), h.created(send(PDF))
    assert first == again
    assert api.event_count() == before + 1
    other = send(PDF + b"other")  # the same key for another file is not a retry
    assert other.status_code in (409, 422), other.text
    assert api.event_count() == before + 1


def test_the_console_uploads_to_the_newest_step_with_its_csrf_token(api: Api) -> None:
    case_id = h.report(api)
    page = console_page(api, "grid_lead", f"/ui/cases/{case_id}")
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    form = {"file": ("现场.jpg", photo_with_gps(), "image/jpeg")}
    before = api.event_count()
    forged = api.client.post(
        f"/ui/cases/{case_id}/files", files=form, data={"kind": "before", "csrf": "forged"}
    )
    assert forged.status_code == 403 and api.event_count() == before
    sent = api.client.post(
        f"/ui/cases/{case_id}/files",
        files=form,
        data={"kind": "before", "csrf": csrf},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    assert api.event_count() == before + 1
    assert "/thumbnail" in api.client.get(f"/ui/cases/{case_id}").text
