"""The dashboards as answers: figures, rankings, grid shares, unit accountability and
funding for one reader, as of one instant. The HTTP API and the console both ask here,
so the two never disagree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import quote_plus, urlencode

from application.access import AccessPolicy, User
from domain.times import utc_text
from domain.values import PartyKind, Role
from projections.dashboard_funding import case_funding, community_funding
from projections.dashboard_results import (
    CasesLeftAnswer,
    CommunityRow,
    FigureCounts,
    Figures,
    FundingAnswer,
    GridRow,
    GridsAnswer,
    LeftCase,
    MonthRanking,
    Named,
    NotYetDue,
    OpenCase,
    OpenCasesAnswer,
    Page,
    RankedPlace,
    RankingsAnswer,
    RateRow,
    RatesAnswer,
    TrendRow,
    UnitRow,
    UnitsAnswer,
)
from projections.dashboards import GRID_SHARES, Dashboards, Period
from projections.measures import COUNT_NAMES, RATE_LABELS, Counts, Weights, ratio
from projections.queries import Scope
from projections.row_labels import RowLabels

LISTED = 20  # cases listed per place in an answer; the rest are a `next` link away
LISTED_GRIDS = 40  # at most this many grids list the cases that left them


@dataclass(frozen=True)
class Question:
    """Who asks, about which cohort and places, as of which instant."""

    user: User
    scope: Scope
    period: Period
    at: datetime
    asked: bool = False  # the reader named the instant: links to the rest repeat it


class DashboardReads:
    """Every dashboard for one question, from ``dashboards`` (the live views, or the views
    replayed up to a past instant). ``links``: where the lists' next pages are served."""

    def __init__(
        self,
        dashboards: Dashboards,
        policy: AccessPolicy,
        weights: Weights,
        question: Question,
        links: str = "/dashboards",
    ) -> None:
        self.d, self.weights, self.q, self.links = dashboards, weights, question, links
        self.labels = RowLabels(question.user, policy)

    def rates(self, by: str = "street") -> RatesAnswer:
        """Rates by place or category with the monthly trend, against the target line, and
        the open cases of each place below it."""
        q, d = self.q, self.d
        counted = sorted(d.counts_by(by, q.period, q.scope, q.at).items())
        rows = [RateRow(key=key, **_fields(self._named(by, key)), **self._figures(n))
                for key, n in counted]  # fmt: skip
        below = [r.key for r in rows if r.below_target]
        open_cases = d.pulling_down(by, below, q.period, q.scope, LISTED)
        for i, (row, (key, counts)) in enumerate(zip(rows, counted, strict=True)):
            if row.below_target:
                listed = [OpenCase(**c) for c in open_cases[key]]
                page = self._page("open-cases", counts.reported - counts.resolved, 0, len(listed),
                                  by=by, key=key)  # fmt: skip
                rows[i] = replace(row, pulling_down=listed, pulling_down_page=page)
        by_month = d.counts_by("month", q.period, q.scope, q.at)
        trend = [
            TrendRow(month=month, **self._figures(counts))
            for month, counts in sorted(by_month.items())
        ]
        return RatesAnswer(
            as_of=q.at,
            view=self.labels.view(),
            by=by,
            target=self.weights.target,
            labels=RATE_LABELS,
            # every counted case has one month: the total is the trend's sum (no query)
            total=Figures(**self._figures(Counts.sum(by_month.values()))),
            rows=rows,
            below_target=below,
            trend=trend,
        )

    def open_cases(
        self, by: str, key: str, offset: int = 0, limit: int = LISTED
    ) -> OpenCasesAnswer:
        """The open cases of one place or category, oldest first, a page at a time."""
        q, d = self.q, self.d
        counts = d.counts_by(by, q.period, q.scope, q.at).get(key, Counts())
        items = [OpenCase(**c) for c in d.pulling_down(by, [key], q.period, q.scope, limit,
                                                         offset)[key]]  # fmt: skip
        total = counts.reported - counts.resolved
        page = self._page("open-cases", total, offset, len(items), by=by, key=key, limit=limit)
        return OpenCasesAnswer(q.at, self.labels.view(), by, key, items, **_fields(page))

    def rankings(self, level: str = "street") -> RankingsAnswer:
        """Monthly ranking by the composite score (weights configurable), best first."""
        q = self.q
        months = []
        for month, by_key in sorted(self.d.monthly(level, q.period, q.scope, q.at).items()):
            months.append(MonthRanking(month, ranked(
                [self._ranked(level, key, counts) for key, counts in by_key.items()]
            )))  # fmt: skip
        return RankingsAnswer(q.at, self.labels.view(), level, months)

    def _ranked(self, level: str, key: str, counts: Counts) -> RankedPlace:
        r = counts.rates(self.weights)
        return RankedPlace(
            key=key,
            **_fields(self._named(level, key)),
            composite=r.composite,
            response_rate=r.response_rate,
            solved_rate=r.solved_rate,
            satisfaction_rate=r.satisfaction_rate,
            reported=counts.reported,
            unanswered_not_due=counts.unanswered_not_due,
            rank=0,  # set by ranked()
        )

    def grids(self) -> GridsAnswer:
        """小事不出网格 / 大事不出社区: share resolved in the grid (community) and the cases
        that left each grid — listed when the answer covers at most ``LISTED_GRIDS`` grids;
        for more, ``cases_left`` is None and ``cases_left_page`` links to them."""
        q, d = self.q, self.d
        # one query for both tables: the five counts per (community, grid), summed here
        # per grid and per community (each case has one of each)
        by_grid: dict[str, list[int]] = {}
        by_community: dict[str, list[int]] = {}
        for community, grid, *counts in d.grid_shares(q.period, q.scope):
            _add(by_grid, grid, counts)
            _add(by_community, community, counts)
        listed = len(by_grid) <= LISTED_GRIDS
        wanted = [k for k, n in by_grid.items() if n[LEFT]] if listed else []
        left = d.left_grid(wanted, q.period, q.scope, LISTED)
        rest = self._linker("cases-left", "grid")
        grid_rows = []
        for key, (reported, resolved, in_grid, _, left_grid) in sorted(by_grid.items()):
            cases_left = [LeftCase(**c) for c in left.get(key, [])] if listed else None
            shown = len(cases_left or ())
            grid_rows.append(GridRow(
                key,
                *_row(self._named("grid", key)),
                reported=reported,
                resolved=resolved,
                resolved_in_grid=in_grid,
                grid_rate=ratio(in_grid, resolved),
                left_grid=left_grid,
                cases_left=cases_left,
                cases_left_page=Page(left_grid, 0, shown,
                                     rest(key, shown) if shown < left_grid else None),
            ))  # fmt: skip
        communities = [
            CommunityRow(
                key,
                *_row(self._named("community", key)),
                resolved=resolved,
                resolved_in_community=in_community,
                community_rate=ratio(in_community, resolved),
                grid_rate=ratio(in_grid, resolved),
            )
            for key, (_, resolved, in_grid, in_community, _) in sorted(by_community.items())
        ]
        return GridsAnswer(q.at, self.labels.view(), grid_rows, communities)

    def cases_left(self, grid_id: str, offset: int = 0, limit: int = LISTED) -> CasesLeftAnswer:
        """The cases that left one grid, newest first, a page at a time."""
        q, d = self.q, self.d
        counts = d.counts_by("grid", q.period, q.scope, q.at).get(grid_id, Counts())
        items = [LeftCase(**c) for c in d.left_grid([grid_id], q.period, q.scope, limit,
                                                    offset)[grid_id]]  # fmt: skip
        page = self._page("cases-left", counts.left_grid, offset, len(items), limit=limit)
        return CasesLeftAnswer(q.at, self.labels.view(), grid_id, items, **_fields(page))

    def units(self) -> UnitsAnswer:
        """Whistle accountability per unit; a liaison sees its own unit, all of it."""
        q, user = self.q, self.q.user
        unit_id = user.unit_id if user.role is Role.LIAISON else None
        scope = Scope(everything=True) if unit_id else q.scope
        rows = [
            UnitRow(
                unit_id=u.unit_id,
                **_fields(self._named("unit", u.unit_id)),
                whistles=u.whistles,
                due=u.due,
                reported_in=u.reported_in,
                on_time=u.on_time,
                on_time_rate=round(u.on_time / u.due, 4) if u.due else None,
                not_yet_due=u.not_due,
                unanswered=u.unanswered,
                next_deadline=u.next_deadline,
                median_delay_minutes=u.median_delay_minutes,
                mean_score=u.mean_score,
                scores=u.scores,
            )
            for u in self.d.units(q.period, scope, q.at, unit_id=unit_id)
        ]
        return UnitsAnswer(q.at, self.labels.view(), rows)

    def funding(self, cases_offset: int = 0, cases_limit: int = 100) -> FundingAnswer:
        """Pledged fen by party kind, per community and per case (a page of cases)."""
        q, d = self.q, self.d
        communities = community_funding(
            d.funding(q.period, q.scope), lambda key: self._named("community", key)
        )
        rows, total = d.funding_by_case(q.period, q.scope, cases_limit, cases_offset)
        cases = case_funding(rows)
        page = self._page("funding", total, cases_offset, len(cases),
                          at="cases_offset", cases_limit=cases_limit)  # fmt: skip
        return FundingAnswer(
            as_of=q.at,
            view=self.labels.view(),
            party_kinds={k.value: k.label for k in PartyKind},
            communities=communities,
            cases=cases,
            cases_page=page,
        )

    # ----- shared pieces -------------------------------------------------------------

    def link(self, path: str, **params: Any) -> str:
        """A link to ``path`` asking the same period (and instant, if named) as this."""
        parts = dict(self._asked)  # a name given again in ``params`` keeps its place
        for name, value in params.items():
            parts[name] = None if value is None else f"{name}={_quoted(str(value))}"
        return f"{path}?{'&'.join(p for p in parts.values() if p is not None)}"

    @cached_property
    def _asked(self) -> dict[str, str | None]:
        """The question's own parameters, encoded once (an answer links hundreds of rows)."""
        p, q = self.q.period, self.q
        query = {
            "from": p.first_month,
            "to": p.last_month,
            "street": p.street_id,
            "community": p.community_id,
            "grid": p.grid_id,
            "category": p.category_id,
            "as_of": utc_text(q.at) if q.asked else None,
        }
        return {k: None if v is None else urlencode({k: v}) for k, v in query.items()}

    def _linker(self, listing: str, name: str, at: str = "offset") -> Callable[[Any, int], str]:
        """``link`` to ``listing`` with ``name`` and ``at`` for many values of them, the
        rest of the question encoded once (an answer links hundreds of rows)."""
        parts = dict(self._asked)
        parts[name], parts[at] = "\0", "\1"  # where the two go (no encoded value has them)
        whole = "&".join(p for p in parts.values() if p is not None)
        head, _, tail = f"{self.links}/{listing}?{whole}".partition("\0")
        middle, _, end = tail.partition("\1")
        return lambda value, start: f"{head}{name}={_quoted(str(value))}{middle}{at}={start}{end}"

    def _page(
        self, listing: str, total: int, offset: int, shown: int, at: str = "offset", **params: Any
    ) -> Page:
        """``at``: the parameter that says where a page starts."""
        end = offset + shown
        rest = self.link(f"{self.links}/{listing}", **params, **{at: end}) if end < total else None
        return Page(total, offset, shown, rest)

    def _named(self, group: str, key: str) -> Named:
        return self.labels.row(group, key, self.labels.name(group, key))

    def _figures(self, counts: Counts) -> dict[str, Any]:
        """The fields of ``Figures`` for these counts (rows add their own beside)."""
        rates = counts.rates(self.weights)
        return {
            "counts": FigureCounts(
                **{name: getattr(counts, name) for name in COUNT_NAMES},
                due_for_resolution=counts.due_for_resolution,
                due_for_response=counts.due_for_response,
            ),
            "not_yet_due": NotYetDue(
                cases=counts.open_not_due,
                unanswered=counts.unanswered_not_due,
                next_resolution_due=counts.next_resolution_due,
                next_response_due=counts.next_response_due,
            ),
            "rates": rates,
            "below_target": rates.below(self.weights.target),
        }


def ranked(places: list[RankedPlace]) -> list[RankedPlace]:
    """Best composite first; places without a composite (no callbacks yet) last; ties by
    key. Ranks count from 1."""
    order = sorted(places, key=lambda s: (s.composite is None, -(s.composite or 0.0), s.key))
    return [replace(s, rank=rank) for rank, s in enumerate(order, start=1)]


_quoted = lru_cache(maxsize=8192)(quote_plus)  # keys and names recur in every answer


LEFT = GRID_SHARES.index("left_grid")


def _add(totals: dict[str, list[int]], key: str, counts: list[Any]) -> None:
    """Add ``counts`` (of GRID_SHARES) to ``key``'s totals."""
    kept = totals.get(key)
    if kept is None:
        totals[key] = [int(n) for n in counts]
    else:
        for i, n in enumerate(counts):
            kept[i] += int(n)


def _row(named: Named) -> tuple[str, str, bool]:
    """A row's name, label and scope part, in the order the rows declare them."""
    return named.name, named.label, named.scope_part


def _fields(value: Any) -> dict[str, Any]:
    """A dataclass's fields, to spread into a row that carries them beside its own."""
    return dict(vars(value))
