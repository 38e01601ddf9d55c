"""Comparisons between what the dashboards/ledger say and what the recount says.

Each function returns a list of human-readable mismatches (empty = equal), so a failing
test names every difference at once instead of the first one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine, select

from projections import ledger
from projections.dashboards import Dashboards, Period
from projections.queries import Scope
from tests.projections.recount import (
    COUNT_FIELDS,
    GROUP_ATTRS,
    RATE_FIELDS,
    CaseFacts,
    Recount,
    rates,
)

RATE_TOLERANCE = 1e-4
EVERYTHING = Scope(everything=True)
Where = Callable[[CaseFacts], bool] | None


def _close(a: float | None, b: float | None, tol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol + 1e-12


def count_mismatches(
    dashboards: Dashboards,
    recount: Recount,
    weights: Any,
    *,
    period: Period | None = None,
    scope: Scope = EVERYTHING,
    where: Where = None,
) -> list[str]:
    """Counts by every group, the total, and the rates of each, against the recount."""
    period = period or Period()
    out: list[str] = []
    for group in GROUP_ATTRS:
        counts = dashboards.counts_by(group, period, scope, recount.as_of)
        got = {k: asdict(v) for k, v in counts.items()}
        want = recount.counts_by(group, where)
        for key in sorted(set(got) | set(want), key=str):
            if key not in got:
                out.append(f"{group}={key}: missing from the dashboard (recount {want[key]})")
                continue
            if key not in want:
                out.append(f"{group}={key}: not in the recount (dashboard {got[key]})")
                continue
            out.extend(_diff_counts(f"{group}={key}", got[key], want[key]))
            out.extend(_diff_rates(f"{group}={key}", counts[key], want[key], weights))
    total = dashboards.total(period, scope, recount.as_of)
    want_total = recount.total(where)
    out.extend(_diff_counts("total", asdict(total), want_total))
    out.extend(_diff_rates("total", total, want_total, weights))
    return out


def _diff_counts(label: str, got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    assert set(got) == set(COUNT_FIELDS), f"the dashboard's count fields changed: {sorted(got)}"
    return [
        f"{label}.{name}: dashboard {got[name]} != recount {want[name]}"
        for name in COUNT_FIELDS
        if got[name] != want[name]
    ]


def _diff_rates(label: str, got: Any, want: dict[str, Any], weights: Any) -> list[str]:
    product = asdict(got.rates(weights))  # the dashboard's Rates from its own Counts
    expected = rates(want, weights)
    assert set(product) == set(RATE_FIELDS), f"the rate fields changed: {sorted(product)}"
    return [
        f"{label}.{name}: dashboard {product[name]} != recount {expected[name]}"
        for name in RATE_FIELDS
        if not _close(product[name], expected[name], RATE_TOLERANCE)
    ]


def unit_mismatches(
    dashboards: Dashboards,
    recount: Recount,
    *,
    period: Period | None = None,
    scope: Scope = EVERYTHING,
    where: Where = None,
) -> list[str]:
    got = {u.unit_id: u for u in dashboards.units(period or Period(), scope, recount.as_of)}
    want = recount.units(where)
    out: list[str] = []
    for unit_id in sorted(set(got) | set(want)):
        if unit_id not in got or unit_id not in want:
            out.append(f"unit {unit_id}: only in {'dashboard' if unit_id in got else 'recount'}")
            continue
        g, w = got[unit_id], want[unit_id]
        for name in (
            "whistles",
            "reported_in",
            "on_time",
            "unanswered",
            "not_due",
            "next_deadline",
        ):
            if getattr(g, name) != w[name]:
                out.append(f"unit {unit_id}.{name}: dashboard {getattr(g, name)} != {w[name]}")
        # The dashboard shows one decimal: it must be the recount's value to within 0.05.
        for name in ("median_delay_minutes", "mean_score"):
            if not _close(getattr(g, name), w[name], 0.05):
                out.append(f"unit {unit_id}.{name}: dashboard {getattr(g, name)} != {w[name]}")
    return out


def funding_mismatches(
    dashboards: Dashboards,
    recount: Recount,
    *,
    period: Period | None = None,
    scope: Scope = EVERYTHING,
    where: Where = None,
) -> list[str]:
    got = {
        (r["community_id"], r["party_kind"]): {
            "amount_fen": r["amount_fen"],
            "pledges": int(r["pledges"]),
        }
        for r in dashboards.funding(period or Period(), scope)
    }
    want = recount.funding(where)
    return [
        f"funding {key}: dashboard {got.get(key)} != recount {want.get(key)}"
        for key in sorted(set(got) | set(want))
        if got.get(key) != want.get(key)
    ]


def ledger_row_mismatches(engine: Engine, recount: Recount) -> list[str]:
    """Each case's ledger row against the replayed facts (pinpoints which case is off)."""
    c = ledger.cases.c
    with engine.connect() as conn:
        rows = {r.case_id: r for r in conn.execute(select(ledger.cases))}
    out: list[str] = []
    if set(rows) != set(recount.cases):
        out.append(
            f"ledger has {len(rows)} cases, recount {len(recount.cases)}; "
            f"only in ledger {sorted(set(rows) - set(recount.cases))[:5]}, "
            f"only in recount {sorted(set(recount.cases) - set(rows))[:5]}"
        )
    fields = {
        "status": "status",
        "level": "level",
        "round": "round",
        "reported_month": "month",
        "first_response_at": "first_response_at",
        "first_resolved_at": "first_resolved_at",
        "resolved_level": "resolved_level",
        "whistles": "whistles",
        "solved": "solved",
        "satisfaction": "satisfaction",
        "reopened": "reopened",
        "response_due": "response_due",
        "resolution_due": "resolution_due",
    }
    assert all(hasattr(c, name) for name in fields)
    for case_id in sorted(set(rows) & set(recount.cases)):
        row, facts = rows[case_id], recount.cases[case_id]
        for column, attr in fields.items():
            if getattr(row, column) != getattr(facts, attr):
                out.append(
                    f"case {case_id}.{column}: ledger {getattr(row, column)!r} "
                    f"!= recount {getattr(facts, attr)!r}"
                )
        pledged = sum(p.amount_fen for p in facts.pledges)
        if row.pledged_fen != pledged:
            out.append(f"case {case_id}.pledged_fen: ledger {row.pledged_fen} != {pledged}")
    return out


def all_mismatches(container: Any, recount: Recount) -> list[str]:
    d = container.dashboards
    return [
        *ledger_row_mismatches(container.engine, recount),
        *count_mismatches(d, recount, container.weights),
        *unit_mismatches(d, recount),
        *funding_mismatches(d, recount),
    ]


def report(mismatches: list[str], limit: int = 40) -> str:
    head = "\n".join(mismatches[:limit])
    more = f"\n… and {len(mismatches) - limit} more" if len(mismatches) > limit else ""
    return f"{len(mismatches)} mismatches:\n{head}{more}"


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every ledger table, sorted, for exact before/after comparisons."""
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(r) for r in conn.execute(select(table))), key=repr)
            for table in ledger.metadata.sorted_tables
        }


def list_mismatches(container: Any, recount: Recount) -> list[str]:
    """The dashboards' and the ledger's case lists, as sets, against the recount."""
    d, q = container.dashboards, container.ledger
    from projections.queries import CaseFilter

    out: list[str] = []
    big = 1_000_000
    counted = recount.counted()
    open_statuses = ("reported", "in_progress")
    for group, attr in GROUP_ATTRS.items():
        for key in sorted({getattr(f, attr) for f in counted}):
            got = {
                r["case_id"] for r in d.pulling_down(group, [key], Period(), EVERYTHING, big)[key]
            }
            want = {
                f.case_id for f in counted if getattr(f, attr) == key and f.status in open_statuses
            }
            if got != want:
                out.append(f"pulling_down {group}={key}: {len(got)} cases, recount {len(want)}")
    for grid_id in sorted({f.grid_id for f in recount.cases.values()}):
        got = {r["case_id"] for r in d.left_grid([grid_id], Period(), EVERYTHING, big)[grid_id]}
        want = {f.case_id for f in counted if f.grid_id == grid_id and f.level != "grid"}
        if got != want:
            out.append(f"left_grid {grid_id}: {len(got)} cases, recount {len(want)}")
    by_case, cases_total = d.funding_by_case(Period(), EVERYTHING, big)
    got_by_case: dict[tuple[str, str], int] = {
        (r["case_id"], r["party_kind"]): r["amount_fen"] for r in by_case
    }
    want_by_case: dict[tuple[str, str], int] = {}
    for f in counted:
        for p in f.pledges:
            key = (f.case_id, p.party_kind)
            want_by_case[key] = want_by_case.get(key, 0) + p.amount_fen
    if got_by_case != want_by_case:
        out.append(f"funding_by_case: {len(got_by_case)} rows, recount {len(want_by_case)}")
    if cases_total != len({case_id for case_id, _ in want_by_case}):
        out.append(f"funding_by_case: total {cases_total}, recount {len(want_by_case)} rows")
    units = sorted({u for f in recount.cases.values() for _, u in f.summons})
    everyone = {u.unit_id: u for u in d.units(Period(), EVERYTHING, recount.as_of)}
    for unit_id in units:
        one = d.units(Period(), EVERYTHING, recount.as_of, unit_id=unit_id)
        if [u.unit_id for u in one] != ([unit_id] if unit_id in everyone else []) or (
            one and one[0] != everyone[unit_id]
        ):
            out.append(f"units(unit_id={unit_id}) != its row in units(): {one}")
        got_inbox = {(r["case_id"], r["whistle_id"]) for r in q.inbox(unit_id)}
        want_inbox = {
            (f.case_id, w)
            for f in recount.cases.values()
            if f.status not in ("closed", "withdrawn", "duplicate")
            for (w, u), s in f.summons.items()
            if u == unit_id and s.reported_in_at is None and not s.unanswered
        }
        if got_inbox != want_inbox:
            out.append(f"inbox {unit_id}: {sorted(got_inbox)} != recount {sorted(want_inbox)}")
        rows, total = q.unanswered(unit_id, limit=10_000)
        want_unanswered = {
            (f.case_id, w)
            for f in recount.cases.values()
            if f.counted
            for (w, u), s in f.summons.items()
            if u == unit_id and s.unanswered
        }
        got_unanswered = {(r["case_id"], r["whistle_id"]) for r in rows}
        if got_unanswered != want_unanswered or total != len(want_unanswered):
            out.append(f"未报到 {unit_id}: {sorted(got_unanswered)} != {sorted(want_unanswered)}")
    statuses = sorted({f.status for f in recount.cases.values()})
    for community_id in sorted({f.community_id for f in recount.cases.values()}):
        for status in [None, *statuses]:
            rows, total = q.list_cases(
                CaseFilter(community_id=community_id, status=status),
                EVERYTHING,
                limit=big,
                offset=0,
            )
            want_ids = {
                f.case_id
                for f in recount.cases.values()
                if f.community_id == community_id and status in (None, f.status)
            }
            if total != len(want_ids) or {r["case_id"] for r in rows} != want_ids:
                out.append(f"list_cases {community_id}/{status}: {total}, recount {len(want_ids)}")
    return out
