"""Requests and answers of 合并 (merging repeated calls) and likely duplicates."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.case import MERGE_MAX
from domain.rules import REASON_MAX
from domain.values import Channel, Status
from interfaces.http.schemas import Id, Instant, LongText, Request, Title, WriteAccepted


class MergeCreate(Request):
    """合并：把同一事项的重复来电并入本案件（原案件）。被并入的案件成为重复件、不计入统计，
    其来电人共享本案件的办理结果和反馈。全部成功或全部不写。"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "case_ids": ["0b6c1c0e-8d0f-4b7c-9a55-3f1f6f1d2a10"],
                    "reason": "同一小区供暖中断，重复来电。",
                }
            ]
        },
    )
    case_ids: list[UUID] = Field(
        min_length=1, max_length=MERGE_MAX, description=f"并入本案的案件编号（1–{MERGE_MAX} 件）"
    )
    reason: Annotated[str, Field(max_length=REASON_MAX)] = Field("", description="说明")


class DraftCheck(Request):
    """上报前查重：同网格或邻近网格、同类别、时间窗口内、文字相近的在办案件。"""

    grid_id: Id = Field(description="网格编号")
    category_id: Id = Field(description="问题类别编号")
    title: Title = Field(description="标题")
    description: LongText = Field("", description="问题描述")


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
        default=[], description="可能重复的案件 the caller may see, best first"
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
