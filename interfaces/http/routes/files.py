"""Evidence on a case: upload a photo or PDF, download it or its thumbnail.

Files are read exactly as the case is: out of scope answers 404 like a missing case, and
a hash that is not attached to this case answers 404 even if another case holds it.
"""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, File, Form, Response, UploadFile
from fastapi.responses import JSONResponse

from application.access import Action
from application.evidence import EvidenceNotFound, sniff
from domain.evidence import Evidence, EvidenceKind
from interfaces.http.deps import CommandsDep, ContainerDep, CurrentUser
from interfaces.http.file_schemas import EvidenceAccepted, EvidencePublic

router = APIRouter(tags=["evidence files"])


def file_href(case_id: UUID | str, sha256: str, thumbnail: bool = False) -> str:
    return f"/cases/{case_id}/files/{sha256}" + ("/thumbnail" if thumbnail else "")


def evidence_public(case_id: UUID | str, e: Evidence) -> EvidencePublic:
    return EvidencePublic(
        sha256=e.sha256,
        media_type=e.media_type,
        size=e.size,
        name=e.name,
        kind=e.kind.value,
        step=e.step,
        href=file_href(case_id, e.sha256),
        thumbnail_href=file_href(case_id, e.sha256, True) if e.thumbnail_sha256 else None,
    )


@router.post(
    "/cases/{case_id}/files",
    status_code=201,
    response_model=EvidenceAccepted,
    responses={413: {"description": "file too large"}, 415: {"description": "not accepted"}},
)
def attach_file(
    case_id: UUID,
    file: Annotated[UploadFile, File(description="照片或文件：JPEG、PNG、WebP 或 PDF (JPEG, PNG, WebP or PDF)")],
    kind: Annotated[EvidenceKind, Form(description="处置前 (before) 或 处置后 (after)")],
    cmd: CommandsDep,
    c: ContainerDep,
    step: Annotated[int | None, Form(description="所佐证步骤的版本号，缺省为最新一步 (version of the step it documents)")] = None,
) -> JSONResponse:
    """Attach a photo or PDF as evidence to a step of the case (default: its newest step).

    Whoever may add a note may attach. The type is sniffed from the content; images are
    stored re-encoded without EXIF/GPS metadata, with a thumbnail; nothing is written
    when the file is refused."""
    # One byte over the limit is enough to know it is too large.
    data = file.file.read(c.settings.max_upload_bytes + 1)
    written = cmd.on_case(
        case_id,
        Action.NOTE,
        lambda v, context: c.service.attach_evidence(
            case_id,
            actor=cmd.actor,
            data=data,
            name=file.filename,
            kind=kind,
            step=step,
            expected_version=v,
            context=context,
        ),
    )
    body = json.loads(bytes(written.body))
    evidence = c.service.attached_at(case_id, body["version"])
    answer = EvidenceAccepted(**body, file=evidence_public(case_id, evidence))
    headers = {"Location": answer.file.href, "ETag": written.headers["etag"]}
    return JSONResponse(
        answer.model_dump(mode="json", exclude_none=True), status_code=201, headers=headers
    )


@router.get("/cases/{case_id}/files/{sha256}", response_class=Response)
def get_file(case_id: UUID, sha256: str, c: ContainerDep, user: CurrentUser) -> Response:
    """The file as stored (images without metadata), re-hashed before it is sent.
    Images are shown inline; anything else downloads as an attachment."""
    return _serve(c, user, case_id, sha256, thumbnail=False)


@router.get("/cases/{case_id}/files/{sha256}/thumbnail", response_class=Response)
def get_thumbnail(case_id: UUID, sha256: str, c: ContainerDep, user: CurrentUser) -> Response:
    """A small copy of an attached image (404 for a PDF)."""
    return _serve(c, user, case_id, sha256, thumbnail=True)


def _serve(
    c: ContainerDep, user: CurrentUser, case_id: UUID, sha256: str, *, thumbnail: bool
) -> Response:
    evidence, data = c.service.evidence_file(
        case_id,
        sha256,
        check=lambda case: c.policy.require(user, Action.READ, case),
        thumbnail=thumbnail,
    )
    return Response(data, headers=safe_headers(evidence, data, thumbnail=thumbnail))


def safe_headers(evidence: Evidence, data: bytes, *, thumbnail: bool) -> dict[str, str]:
    """Headers under which no browser runs or re-interprets a file: the type sniffed from
    the bytes being sent, nosniff, a sandboxing CSP, and only images inline."""
    media_type = sniff(data)
    if media_type is None:  # the store holds only accepted types; refuse anything else
        raise EvidenceNotFound(evidence.sha256)
    inline = media_type.startswith("image/")
    name = ("缩略图-" if thumbnail else "") + evidence.name
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = "inline" if inline else "attachment"
    return {
        "Content-Type": media_type,
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": (
            f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
        ),
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=300",
        "ETag": f'"{evidence.thumbnail_sha256 if thumbnail else evidence.sha256}"',
    }
