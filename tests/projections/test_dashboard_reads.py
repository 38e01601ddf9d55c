"""The dashboard read service's own logic, without a database: ranking order, the funding
roll-up, which rows list the cases pulling them down, and the links to the rest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from application.access import AccessPolicy, User
from domain.values import PartyKind, Role
from infrastructure.jurisdiction_file import load_jurisdiction
from projections.dashboard_funding import case_funding, community_funding
from projections.dashboard_reads import DashboardReads, Question, ranked
from projections.dashboard_results import Named, RankedPlace
from projections.dashboards import Dashboards, Period
from projections.measures import Counts, Weights
from projections.queries import Scope

AT = datetime(2024, 3, 31, 15, 59, 59, tzinfo=UTC)
ADMIN = User("admin", "管理员", Role.ADMIN)


class CannedDashboards:
    """Counts per street as given; open cases listed as asked for."""

    def __init__(self, by_street: dict[str, Counts]) -> None:
        self.by_street = by_street
        self.listed: list[str] = []

    def counts_by(self, group: str, *_: Any) -> dict[str, Counts]:
        return self.by_street if group == "street" else {}

    def total(self, *_: Any) -> Counts:
        return Counts()

    def pulling_down(self, group: str, keys: list[str], *_: Any) -> dict[str, list[Any]]:
        self.listed.extend(keys)
        return {k: [] for k in keys}


def reads(
    dashboards: object = None, *, asked: bool = True, period: Period | None = None
) -> DashboardReads:
    question = Question(ADMIN, Scope(everything=True), period or Period(), AT, asked)
    policy = AccessPolicy(load_jurisdiction())
    return DashboardReads(cast(Dashboards, dashboards), policy, Weights(), question)


def place(key: str, composite: float | None) -> RankedPlace:
    return RankedPlace(key, key, key, False, composite, None, None, None, 1, 0, rank=0)


def test_rankings_put_the_best_composite_first_and_places_without_one_last() -> None:
    order = ranked([place("c", None), place("b", 0.9), place("a", 0.9), place("d", 0.95)])
    assert [(p.key, p.rank) for p in order] == [("d", 1), ("a", 2), ("b", 3), ("c", 4)]


def test_a_community_funding_entry_names_every_party_kind_and_sums_them() -> None:
    rows = [
        {"community_id": "yuehe", "party_kind": PartyKind.OWNERS_FUND.value, "amount_fen": 500},
        {"community_id": "yuehe", "party_kind": PartyKind.ENTERPRISE.value, "amount_fen": 200},
        {"community_id": "yili-jinwei", "party_kind": PartyKind.ENTERPRISE.value, "amount_fen": 7},
    ]
    entries = community_funding(rows, lambda key: Named(key.upper(), key.upper(), False))
    assert [(e.key, e.name, e.total_fen) for e in entries] == [("yuehe", "YUEHE", 700),
                                                               ("yili-jinwei", "YILI-JINWEI", 7)]  # fmt: skip
    assert set(entries[0].by_kind) == {k.value for k in PartyKind}
    assert entries[1].by_kind[PartyKind.OWNERS_FUND.value] == 0


def test_a_case_funding_entry_holds_only_the_kinds_that_pledged() -> None:
    rows = [
        {"case_id": "c1", "title": "管网", "party_kind": "enterprise", "amount_fen": 300},
        {"case_id": "c1", "title": "管网", "party_kind": "owners_fund", "amount_fen": 100},
        {"case_id": "c2", "title": "消防通道", "party_kind": "enterprise", "amount_fen": 5},
    ]
    entries = case_funding(rows)
    assert [(e.case_id, e.title, e.total_fen, e.by_kind) for e in entries] == [
        ("c1", "管网", 400, {"enterprise": 300, "owners_fund": 100}),
        ("c2", "消防通道", 5, {"enterprise": 5}),
    ]


def test_only_rows_below_the_target_list_their_open_cases() -> None:
    below = Counts(reported=4, resolved=1)  # 办结率 25%
    met = Counts(reported=2, resolved=2, resolved_on_time=2, responded_on_time=2)
    canned = CannedDashboards({"jianshe": below, "xiguan": met})
    answer = reads(canned).rates("street")
    rows = {r.key: r for r in answer.rows}
    assert answer.below_target == ["jianshe"] and canned.listed == ["jianshe"]
    assert rows["xiguan"].pulling_down is None and rows["xiguan"].pulling_down_page is None
    page = rows["jianshe"].pulling_down_page
    assert page is not None and (page.total, page.shown) == (3, 0)  # reported − resolved
    assert rows["jianshe"].name == "建设街道"


def test_the_link_to_the_rest_asks_the_same_period_and_named_instant() -> None:
    period = Period(first_month="2024-01", street_id="jianshe")
    page = reads(period=period)._page("open-cases", 30, 0, 20, by="street", key="jianshe")
    assert page.next is not None
    url = urlsplit(page.next)
    assert url.path == "/dashboards/open-cases"
    assert {k: v[0] for k, v in parse_qs(url.query).items()} == {
        "from": "2024-01", "street": "jianshe", "as_of": AT.isoformat(),
        "by": "street", "key": "jianshe", "offset": "20",
    }  # fmt: skip


def test_an_instant_not_named_is_not_repeated_and_the_last_page_has_no_link() -> None:
    answers = reads(asked=False)
    rest = answers._page("cases-left", 30, 0, 20, grid="g")
    assert rest.next is not None and "as_of" not in rest.next
    assert answers._page("cases-left", 30, 20, 10, grid="g").next is None
