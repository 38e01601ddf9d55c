"""Every dashboard answer and a ledger page written by lean_json are the bytes their
response models write after validating them, for readers of every reach, on a generated
history (both backends)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, TypeAdapter

from application.access import User
from domain.values import Role
from interfaces.bootstrap import Container
from interfaces.http import dashboard_schemas as s
from interfaces.http.lean_json import encoder
from interfaces.http.ledger_schemas import LedgerLinePublic, LedgerPage
from projections.dashboard_reads import DashboardReads, Question
from projections.dashboards import Period
from projections.ledger_readable import COLUMNS, READ, readable
from projections.queries import CaseFilter, Scope
from tests.projections.generator import HistoryGenerator
from tests.support.clock import FakeClock

_json = TypeAdapter(Any)


def _same(model: type[BaseModel], answer: Any) -> None:
    assert encoder(model)(answer) == _json.dump_json(model.model_validate(answer))


def test_lean_answers_are_the_response_models_bytes(container: Container, clock: FakeClock) -> None:
    HistoryGenerator(container.service, clock, n_cases=120, seed=5, span_days=40).run(300)
    container.projector.catch_up()
    j = container.service.jurisdiction
    grid = sorted(j.grids)[0]
    community = j.grids[grid].community_id
    readers = [
        (User("admin", "管理员", Role.ADMIN), Scope(everything=True)),
        (
            User("co", "协调员", Role.COORDINATOR, frozenset({f"community:{community}"})),
            Scope(community_ids=frozenset({community})),
        ),
    ]
    for user, scope in readers:
        for period in (Period(), Period(community_id=community), Period(grid_id=grid)):
            for asked in (False, True):
                question = Question(user, scope, period, clock.now, asked)
                reads = DashboardReads(
                    container.dashboards, container.policy, container.weights, question
                )
                for by in ("street", "category", "grid"):
                    rates = reads.rates(by)
                    _same(s.RatesAnswerPublic, rates)
                    for row in rates.rows[:2]:
                        _same(s.OpenCasesAnswerPublic, reads.open_cases(by, row.key, 0, 3))
                _same(s.RankingsAnswerPublic, reads.rankings("community"))
                _same(s.GridsAnswerPublic, reads.grids())
                _same(s.CasesLeftAnswerPublic, reads.cases_left(grid, 0, 2))
                _same(s.UnitsAnswerPublic, reads.units())
                _same(s.FundingAnswerPublic, reads.funding(0, 5))
    rows, total = container.ledger.list_cases(
        CaseFilter(), Scope(everything=True), limit=50, offset=0, columns=READ
    )
    lines = [readable(r, j) for r in rows]
    page = SimpleNamespace(columns=dict(COLUMNS), total=total, limit=50, offset=0, items=lines)
    validated = LedgerPage(  # as the route built it before
        columns=dict(COLUMNS),
        total=total,
        limit=50,
        offset=0,
        items=[LedgerLinePublic.model_validate(line) for line in lines],
    )
    assert encoder(LedgerPage)(page) == _json.dump_json(validated)
