"""The one record schema the benchmark writes, its targets (written once, here) and the file.

Every figure is a :class:`Figure` — ``{name, value, unit, baseline, ratio, target, met}``
plus the section it belongs to and words for its baseline and detail. A figure with a
target carries it as a :class:`Target` that ``python -m bench.check`` evaluates again
from the JSON alone, so a verdict never depends on code that ran in the bench.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Op = Literal[">=", ">", "<=", "<"]
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


class Target(BaseModel):
    """``ratio OP x`` (value / baseline, same run) or ``value OP x unit``; ``text`` says why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    op: Op
    ratio: float | None = None
    value: float | None = None
    unit: str | None = None
    text: str = ""

    @model_validator(mode="after")
    def _one_bound(self) -> Target:
        if (self.ratio is None) == (self.value is None):
            raise ValueError("a target bounds either the ratio or the value, not both or neither")
        if self.value is not None and not self.unit:
            raise ValueError("a value target needs its unit")
        return self

    def describe(self) -> str:
        bound = (
            f"ratio {self.op} {self.ratio:g}×"
            if self.ratio is not None
            else f"{self.op} {self.value:g} {self.unit}"
        )
        return f"{bound} ({self.text})" if self.text else bound

    def evaluate(self, value: float | None, unit: str, ratio: float | None) -> bool | None:
        """True/False, or None when the figure lacks the number the target bounds."""
        if self.ratio is not None:
            if ratio is None or not math.isfinite(ratio):
                return None
            return _OPS[self.op](ratio, self.ratio)
        assert self.value is not None
        if value is None or not math.isfinite(value) or unit != self.unit:
            return None
        return _OPS[self.op](value, self.value)


# The targets of issue 17, each measured as a ratio (or bound) within one run of the bench.
TARGETS: dict[str, Target] = {
    "lag_p99": Target(
        op="<=",
        ratio=2.0,
        text="lag p99 ≤ 2 × events of one commit batch at 32 writers",
    ),
    "lag_drain": Target(
        op="<=",
        value=100.0,
        unit="ms",
        text="drained within 100 ms after the writers stop",
    ),
    "command_path_32": Target(
        op=">=", ratio=1.0, text="≥ 1.0× raw INSERT-per-command at 32 writers"
    ),
    "http_post_cases": Target(op=">=", ratio=0.7, text="≥ 0.7× the raw endpoint"),
    "http_mixed": Target(op=">=", ratio=0.5, text="≥ 0.5× the raw endpoint"),
    "rebuild": Target(op=">=", ratio=0.5, text="≥ 0.5× the raw read of the same rows"),
    "dashboard_fresh_p99": Target(
        op="<", value=20.0, unit="ms", text="fresh p99 < 20 ms at 100,000 cases"
    ),
    "audit_at_version_p50": Target(op="<", value=2.0, unit="ms", text="state at version p50"),
    "server_rss": Target(op="<", value=300.0, unit="MB", text="HTTP server peak RSS"),
}


def _clean(x: float | None) -> float | None:
    if x is None or not math.isfinite(float(x)):
        return None
    return round(float(x), 4)


class Figure(BaseModel):
    """One figure: the value, its same-run baseline, their ratio and the target's verdict."""

    model_config = ConfigDict(extra="forbid")

    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    target: Target | None = None
    met: bool | None = None
    section: str = ""
    baseline_name: str = ""
    better: Literal["higher", "lower"] = "higher"
    detail: str = ""

    @field_validator("value", "baseline", "ratio", mode="before")
    @classmethod
    def _finite(cls, x: Any) -> Any:
        # NaN and ∞ are not JSON: a figure without a number says null
        return _clean(x) if isinstance(x, int | float) and not isinstance(x, bool) else x

    @model_validator(mode="after")
    def _derive(self) -> Figure:
        if self.ratio is None and self.value is not None and self.baseline:
            self.ratio = _clean(self.value / self.baseline)
        if self.target is not None and self.met is None:
            self.met = self.target.evaluate(self.value, self.unit, self.ratio)
        return self

    def verdict(self) -> str:
        """✔ met, ✘ missed, ? when the figure lacks the number its target bounds, "" no target."""
        if self.target is None:
            return ""
        return {True: "✔", False: "✘", None: "?"}[self.met]


def figure(
    section: str,
    name: str,
    value: float,
    unit: str,
    baseline: float | None,
    baseline_name: str,
    *,
    better: Literal["higher", "lower"] = "higher",
    target: str | None = None,
    detail: str = "",
) -> Figure:
    """A figure for ``section``; ``target`` names an entry of :data:`TARGETS`."""
    return Figure(
        name=name,
        value=value,
        unit=unit,
        baseline=baseline,
        target=TARGETS[target] if target else None,
        section=section,
        baseline_name=baseline_name,
        better=better,
        detail=detail,
    )


class Header(BaseModel):
    """Where and when the figures were taken."""

    model_config = ConfigDict(extra="allow")

    machine: dict[str, Any]
    cores: int
    size: str
    commit: str
    date: str


class BenchFile(BaseModel):
    """The JSON file: a header, the figures, and per-section details (raw samples and counts)."""

    model_config = ConfigDict(extra="forbid")

    header: Header
    figures: list[Figure] = Field(default_factory=list)
    details: dict[str, dict[str, Any]] = Field(default_factory=dict)
