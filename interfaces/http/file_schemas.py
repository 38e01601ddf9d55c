"""Request and answer shapes of evidence files (photos, PDFs) on a case."""

from __future__ import annotations

from pydantic import BaseModel, Field

from interfaces.http.schemas import WriteAccepted


class EvidencePublic(BaseModel):
    sha256: str = Field(description="SHA-256 of the stored (cleaned) file: its name")
    media_type: str = Field(description="Sniffed from the content, not the upload's header")
    size: int
    name: str = Field(description="The original file name, normalised")
    kind: str = Field(description="before (处置前) or after (处置后)")
    step: int = Field(description="Version of the case event the file documents")
    href: str
    thumbnail_href: str | None = None


class EvidenceAccepted(WriteAccepted):
    file: EvidencePublic
