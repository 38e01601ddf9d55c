"""Answers of 合并 (merging repeated calls) and likely duplicates."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from domain.values import Channel, Status
from interfaces.http.schemas import Instant, WriteAccepted


class LikelyDuplicatePublic(BaseModel):
    case_id: UUID
    title: str
    grid_id: str
    status: Status
    reported_at: Instant
    callers: int = Field(description="来电人数")
    similarity: float = Field(description="text similarity (pg_trgm, or bigram Jaccard on SQLite)")
    score: float = Field(description="similarity × closeness of the grid; best first")


class CaseReported(WriteAccepted):
    likely_duplicates: list[LikelyDuplicatePublic] = Field(
        default=[], description="可能重复的案件 the caller may see, best first (absent: none)"
    )


class CallerPublic(BaseModel):
    case_id: UUID
    channel: Channel
    reported_at: Instant
    reported_by: str


class CallersPublic(BaseModel):
    """Who shares the case's outcome (反馈): the case first, then each report merged in."""

    case_id: UUID
    merged_into: UUID | None = Field(
        description="set: this case was merged; its outcome is that case's"
    )
    callers: list[CallerPublic]
