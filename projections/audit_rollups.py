"""``verify --views`` for the unit, funding and ledger-total rollups: what they must hold,
summed from the rows the log folds to (the rows themselves are compared in audit.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from projections import case_totals, funding_rollup, unit_rollup
from projections.ledger_fold import Row

Totals = dict[tuple[str, ...], list[int]]


class ExpectedRollups:
    """The rollups' rows, summed over the folded cases one range at a time."""

    def __init__(self) -> None:
        self.units: Totals = {}
        self.funding: Totals = {}
        self.funded: Totals = {}
        self.listed: Totals = {}

    def add(self, cases: Iterable[Row], summons: Iterable[Row], pledges: Iterable[Row]) -> None:
        for s in summons:
            if s["counted"]:
                reported_in = s["reported_in_at"] is not None
                _add(self.units, (s["unit_id"], s["reported_month"], s["street_id"]), [
                    1, reported_in, reported_in and s["late"] is False, bool(s["unanswered"]),
                    s["score"] is not None, s["score"] or 0,
                ])  # fmt: skip
        funded: set[tuple[tuple[str, ...], str]] = set()
        for p in pledges:
            if p["counted"]:
                place = tuple(p[k] for k in funding_rollup.KEY)
                _add(self.funding, (*place, p["party_kind"]), [p["amount_fen"], 1])
                funded.add((place, p["case_id"]))
        for place, _ in funded:  # a case is folded in one range only
            _add(self.funded, place, [1])
        for c in cases:
            _add(self.listed, case_totals.listed(c), [1])

    def tables(self) -> list[tuple[Any, tuple[str, ...], Mapping[tuple[str, ...], list[int]]]]:
        """(table, key columns, expected counts) of each rollup."""
        return [
            (unit_rollup.unit_counts, unit_rollup.KEY, self.units),
            (funding_rollup.funding_counts, (*funding_rollup.KEY, "party_kind"), self.funding),
            (funding_rollup.funded_cases, funding_rollup.KEY, self.funded),
            (case_totals.case_totals, case_totals.KEY, self.listed),
        ]


def _add(totals: Totals, key: tuple[str, ...], counts: list[Any]) -> None:
    total = totals.setdefault(key, [0] * len(counts))
    for i, n in enumerate(counts):
        total[i] += int(n)
