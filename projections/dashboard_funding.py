"""The funding roll-up: pledge sums (per community or case and party kind, as the views
give them) gathered into one entry per community and per case."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from domain.values import PartyKind
from projections.dashboard_results import CaseFunding, CommunityFunding, Named

_NONE_PLEDGED = {k.value: 0 for k in PartyKind}  # every party kind, in the enum's order


def community_funding(
    rows: Iterable[Mapping[str, Any]], named: Callable[[str], Named]
) -> list[CommunityFunding]:
    """One entry per community, in the rows' order, with every party kind (0 when none
    pledged) and the total. ``rows``: community_id, party_kind, amount_fen."""
    totals: dict[str, dict[str, int]] = {}
    for r in rows:
        by_kind = totals.get(r["community_id"])
        if by_kind is None:  # a copy of the zeros: the enum is not walked once per row
            by_kind = totals[r["community_id"]] = dict(_NONE_PLEDGED)
        by_kind[r["party_kind"]] += r["amount_fen"]
    return [
        CommunityFunding(
            key=key, **vars(named(key)), total_fen=sum(by_kind.values()), by_kind=by_kind
        )
        for key, by_kind in totals.items()
    ]


def case_funding(rows: Iterable[Mapping[str, Any]]) -> list[CaseFunding]:
    """One entry per case, in the rows' order, with the kinds that pledged and the total.
    ``rows``: case_id, title, party_kind, amount_fen (one row per case and kind)."""
    titles: dict[str, str] = {}
    kinds: dict[str, dict[str, int]] = {}
    for r in rows:
        titles.setdefault(r["case_id"], r["title"])
        kinds.setdefault(r["case_id"], {})[r["party_kind"]] = r["amount_fen"]
    return [
        CaseFunding(case_id, titles[case_id], sum(by_kind.values()), by_kind)
        for case_id, by_kind in kinds.items()
    ]
