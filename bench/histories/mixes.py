"""The two mixes' shares side by side: (busy district, edge cases).

The busy district is what a street office sees (most cases settled in the grid); the edge
cases over-weight the rarer paths so that a few hundred cases reach every one of them.
"""

from __future__ import annotations

import random
from typing import Any

from bench.histories.steps import MINUTE
from domain.values import Satisfaction, Solved

BUSY_DISTRICT, EDGE_CASES = 0, 1

_LIFE_CYCLES = {  # how a case's life goes
    "grid": (0.56, 0.42),
    "community": (0.16, 0.16),
    "street": (0.11, 0.17),
    "district": (0.02, 0.03),
    "open": (0.07, 0.10),
    "withdrawn": (0.04, 0.06),
    "duplicate": (0.04, 0.06),
}
_SOLVED = {Solved.SOLVED: (0.7, 0.6), Solved.PARTLY: (0.2, 0.25), Solved.UNSOLVED: (0.1, 0.15)}
_SATISFACTION = {
    Satisfaction.SATISFIED: (0.6, 0.5),
    Satisfaction.BASICALLY: (0.25, 0.3),
    Satisfaction.UNSATISFIED: (0.15, 0.2),
}


# a summoned unit reports in: on time | exactly on the deadline | a microsecond late | late;
# above the last bound, never (cumulative bounds on one uniform draw)
_REPORT_IN_BOUNDS = ((0.7, 0.75, 0.75, 0.92), (0.5, 0.56, 0.6, 0.85))


def report_ins(
    rng: random.Random, units: list[str], blown: int, window: int, mix: int
) -> list[tuple[int, str]]:
    """When each of ``units``, summoned at offset ``blown`` with ``window`` to arrive, reports in."""
    on_time, on_deadline, microsecond_late, late = _REPORT_IN_BOUNDS[mix]
    arrivals: list[tuple[int, str]] = []
    for unit_id in units:
        r = rng.random()
        if r < on_time:
            arrivals.append((blown + rng.randrange(MINUTE, int(window * 0.95)), unit_id))
        elif r < on_deadline:
            arrivals.append((blown + window, unit_id))
        elif r < microsecond_late:
            arrivals.append((blown + window + 1, unit_id))
        elif r < late:
            arrivals.append((blown + window + rng.randrange(MINUTE, 3 * window), unit_id))
    return sorted(arrivals)


def _column(table: dict[Any, tuple[float, float]], mix: int) -> dict[Any, float]:
    return {key: shares[mix] for key, shares in table.items()}


def life_cycles(mix: int) -> dict[str, float]:
    return _column(_LIFE_CYCLES, mix)


def solved(mix: int) -> dict[Solved, float]:
    return _column(_SOLVED, mix)


def satisfaction(mix: int) -> dict[Satisfaction, float]:
    return _column(_SATISFACTION, mix)
