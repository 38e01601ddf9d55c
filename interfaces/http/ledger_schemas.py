"""Response body of the readable ledger (``GET /ledger``): Chinese labels, times in
Beijing time with their offset (projections/ledger_readable.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LedgerLinePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    case_id: str
    title: str
    street: str
    community: str
    grid: str
    category: str
    channel: str
    urgency: str
    status: str
    level: str
    reported_at: str = Field(examples=["2016-04-11T09:00+08:00"])
    first_response_at: str = Field(description="empty when there is none yet")
    resolved_at: str
    resolved_level: str
    closed_at: str
    whistles: int
    pledged_yuan: str = Field(examples=["600000.00"])
    solved: str
    satisfaction: str
    callers: int = Field(description="来电人数: this report and those merged into it")
    merged_into: str = Field(description="合并到: the original case's id; empty if not merged")


class LedgerPage(BaseModel):
    columns: dict[str, str] = Field(description="each item's keys and their Chinese headings")
    total: int
    limit: int
    offset: int
    items: list[LedgerLinePublic]
