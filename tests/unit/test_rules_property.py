"""Random command sequences never break the case's invariants.

Each example reports a case and then applies up to 40 commands drawn from all the
case's commands, with plausible (often invalid) arguments and time mostly moving forward.
After every step the history is checked against the rules in DOMAIN.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from hypothesis import event as note_statistic
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import events as ev
from domain.case import Case
from domain.errors import CaseIsFinal, DomainError, InvalidValue
from domain.rules import MAX_PLEDGE_FEN
from domain.values import (
    Actor,
    Channel,
    Level,
    NoteKind,
    PartyKind,
    Role,
    Satisfaction,
    Solved,
    Urgency,
)
from tests.support.cases import (
    ADMIN,
    CATEGORY,
    ENTERPRISE,
    OTHER_CASE_ID,
    PLACEMENT,
    POLICE,
    PROPERTY,
    T0,
)

UNITS = [POLICE, PROPERTY, ENTERPRISE]
FINAL_EVENTS = (ev.CaseClosed, ev.CaseWithdrawn, ev.CaseMarkedDuplicate)

texts = st.sampled_from(["协调处置"] * 6 + ["", "  ", "长" * 1001, "长" * 2001])
actors = st.builds(Actor, st.sampled_from(["u1", "u2"]), st.sampled_from(list(Role)))
levels = st.sampled_from([Level.STREET, Level.COMMUNITY, Level.GRID, Level.DISTRICT])
amounts = st.one_of(
    st.integers(1, 10_000_000),
    st.integers(-5, 5),
    st.sampled_from([MAX_PLEDGE_FEN, MAX_PLEDGE_FEN + 1, True, 1.5]),
)

# command name -> (event it records, strategy for its keyword arguments besides actor and at)
COMMANDS: dict[str, tuple[type, Any]] = {
    "note": (
        ev.ProgressNoted,
        st.fixed_dictionaries({"text": texts, "kind": st.sampled_from(list(NoteKind))}),
    ),
    "escalate": (ev.CaseEscalated, st.fixed_dictionaries({"to_level": levels, "reason": texts})),
    "blow_whistle": (
        ev.WhistleBlown,
        st.fixed_dictionaries(
            {
                "unit_ids": st.one_of(
                    st.lists(st.sampled_from(UNITS), min_size=1, max_size=3, unique=True),
                    st.lists(st.sampled_from(UNITS), max_size=4),
                ),
                "deadline_minutes": st.one_of(st.integers(1, 120), st.integers(-10, 0)),
                "reason": texts,
            }
        ),
    ),
    "report_in": (
        ev.UnitReportedIn,
        st.fixed_dictionaries(
            {
                "whistle": st.integers(0, 3),
                "unit": st.integers(0, 3),
                "note": texts,
            }
        ),
    ),
    "pledge": (
        ev.FundingPledged,
        st.fixed_dictionaries(
            {
                "party_kind": st.sampled_from(list(PartyKind)),
                "party_name": texts,
                "amount_fen": amounts,
                "unit_id": st.sampled_from([None, *UNITS]),
                "purpose": texts,
                "currency": st.sampled_from(["CNY", "CNY", "CNY", "CNY", "USD", "cny"]),
            }
        ),
    ),
    "resolve": (ev.CaseResolved, st.fixed_dictionaries({"summary": texts})),
    "evaluate": (
        ev.CaseEvaluated,
        st.fixed_dictionaries(
            {
                "solved": st.sampled_from(list(Solved)),
                "satisfaction": st.sampled_from(list(Satisfaction)),
                "comment": texts,
            }
        ),
    ),
    "evaluate_unit": (
        ev.UnitEvaluated,
        st.fixed_dictionaries(
            {
                "whistle": st.integers(0, 3),
                "unit": st.integers(0, 3),
                "score": st.integers(-5, 105),
                "comment": texts,
            }
        ),
    ),
    "reopen": (ev.CaseReopened, st.fixed_dictionaries({"reason": texts})),
    "close": (ev.CaseClosed, st.fixed_dictionaries({"remark": texts})),
    "withdraw": (ev.CaseWithdrawn, st.fixed_dictionaries({"reason": texts})),
    "mark_duplicate": (
        ev.CaseMarkedDuplicate,
        st.fixed_dictionaries(
            {"itself": st.sampled_from([False, False, False, True]), "reason": texts}
        ),
    ),
}
# Draw weights: commands that end a round or the case are drawn less often, so that
# sequences reach whistles, report-ins, unit scores and second rounds.
WEIGHTS = {"withdraw": 1, "mark_duplicate": 1, "resolve": 3, "close": 3, "escalate": 3}
WEIGHTS |= {"note": 4, "pledge": 4, "evaluate": 6, "reopen": 6, "evaluate_unit": 10}
WEIGHTS |= {"blow_whistle": 12, "report_in": 16}
assert set(WEIGHTS) == set(COMMANDS)
# One step: a command, its arguments, who does it and how many minutes after the last event.
# Hypothesis often tries the first branch over and over, so the heaviest comes first.
minutes = st.integers(-30, 3 * 24 * 60)
STEPS = st.one_of(
    [
        st.tuples(st.just(name), COMMANDS[name][1], actors, minutes)
        for name in sorted(COMMANDS, key=WEIGHTS.__getitem__, reverse=True)
        for _ in range(WEIGHTS[name])
    ]
)
REPORTS = st.fixed_dictionaries(
    {
        "title": st.sampled_from(["消防通道", "", " ", "长" * 201]),
        "actor": actors,
        "channel": st.sampled_from(list(Channel)),
        "urgency": st.sampled_from(list(Urgency)),
    }
)


def apply(case: Case, name: str, actor: Actor, at: datetime, args: dict[str, Any]) -> None:
    args = dict(args)
    if name == "blow_whistle":
        args["report_in_deadline"] = at + timedelta(minutes=args.pop("deadline_minutes"))
    if name == "mark_duplicate":
        args["original_case_id"] = case.id if args.pop("itself") else OTHER_CASE_ID
    if "whistle" in args:  # mostly a whistle of the case, sometimes one it never blew
        pick, ids = args.pop("whistle"), list(case.whistles)
        args["whistle_id"] = ids[pick % len(ids)] if ids and pick < 3 else f"W{pick + 1}"
    if "unit" in args:  # mostly a unit the whistle summoned, sometimes any unit
        pick = args.pop("unit")
        whistle = case.whistles.get(args["whistle_id"])
        summoned = whistle.unit_ids if whistle else []
        args["unit_id"] = summoned[pick] if pick < len(summoned) else UNITS[pick % len(UNITS)]
    getattr(case, name)(actor=actor, at=at, **args)


def fingerprint(case: Case) -> tuple[Any, ...]:
    return (
        case.version,
        len(case.pending_events),
        case.modified_on,
        case.status,
        case.level,
        case.round,
        case.first_response_at,
        len(case.notes),
        {w: sorted(x.report_ins) for w, x in case.whistles.items()},
        len(case.pledges),
        case.resolution,
        len(case.evaluations),
        len(case.unit_scores),
        case.duplicate_of,
    )


RESPONSES = (ev.ProgressNoted, ev.CaseEscalated, ev.WhistleBlown, ev.CaseResolved)


def check_history(case: Case) -> None:
    """The rules of DOMAIN.md, read off the event history, and the state it must build."""
    events = list(case.pending_events)
    assert case.version == len(events)
    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
    assert isinstance(events[0], ev.CaseReported)
    assert all(not isinstance(e, ev.CaseReported) for e in events[1:])
    times = [e.timestamp for e in events]
    assert times == sorted(times)
    assert case.status.is_final == isinstance(events[-1], FINAL_EVENTS)
    for e in events[:-1]:
        assert not isinstance(e, FINAL_EVENTS), "events after a final event"

    level = Level.GRID
    round_ = 1
    resolved_rounds: list[int] = []
    evaluations: dict[int, ev.CaseEvaluated] = {}
    whistles: dict[str, ev.WhistleBlown] = {}
    reported_in: set[tuple[str, str]] = set()
    scored: set[tuple[str, str]] = set()
    for e in events:
        if isinstance(e, ev.CaseEscalated):
            assert round_ not in resolved_rounds, "escalated after resolution"
            assert e.from_level == level and Level(e.to_level).rank > level.rank
            level = Level(e.to_level)
        elif isinstance(e, ev.CaseResolved):
            assert (e.round, e.level) == (round_, level.value)
            assert e.round not in resolved_rounds, "resolved twice in one round"
            resolved_rounds.append(e.round)
        elif isinstance(e, ev.CaseEvaluated):
            assert e.round == round_ and round_ in resolved_rounds, "evaluated before resolution"
            assert e.round not in evaluations, "evaluated twice in one round"
            evaluations[e.round] = e
        elif isinstance(e, ev.CaseReopened):
            previous = evaluations.get(round_)
            assert previous is not None and previous.satisfaction == "unsatisfied"
            assert e.round == round_ + 1
            round_ = e.round
        elif isinstance(e, ev.CaseClosed):
            assert round_ in resolved_rounds, "closed before resolution"
        elif isinstance(e, ev.CaseWithdrawn):
            assert round_ not in resolved_rounds, "withdrawn after resolution"
        elif isinstance(e, ev.CaseMarkedDuplicate):
            assert e.original_case_id != str(case.id)
        elif isinstance(e, ev.WhistleBlown):
            assert round_ not in resolved_rounds, "whistle after resolution"
            assert e.level == level.value and level in (Level.COMMUNITY, Level.STREET)
            assert e.unit_ids and len(set(e.unit_ids)) == len(e.unit_ids)
            assert e.report_in_deadline > e.timestamp
            assert e.whistle_id == f"W{len(whistles) + 1}"
            whistles[e.whistle_id] = e
        elif isinstance(e, ev.UnitReportedIn):
            key = (e.whistle_id, e.unit_id)
            whistle = whistles[e.whistle_id]
            assert e.unit_id in whistle.unit_ids, "unsummoned unit reported in"
            assert key not in reported_in, "reported in twice to one whistle"
            assert e.late == (e.timestamp > whistle.report_in_deadline)
            reported_in.add(key)
        elif isinstance(e, ev.UnitEvaluated):
            key = (e.whistle_id, e.unit_id)
            assert e.unit_id in whistles[e.whistle_id].unit_ids and key not in scored
            assert type(e.score) is int and 0 <= e.score <= 100
            scored.add(key)
        elif isinstance(e, ev.FundingPledged):
            assert type(e.amount_fen) is int and 0 < e.amount_fen <= MAX_PLEDGE_FEN
            assert e.currency == "CNY"

    # The state is what the history says.
    assert (case.level, case.round) == (level, round_)
    assert (case.resolution is not None) == (round_ in resolved_rounds)
    assert case.resolution is None or case.resolution.round == round_
    assert [e.round for e in case.evaluations] == list(evaluations)
    assert list(case.whistles) == list(whistles)
    assert {(w, u) for w, x in case.whistles.items() for u in x.report_ins} == reported_in
    assert {(s.whistle_id, s.unit_id) for s in case.unit_scores} == scored
    responses = [e.timestamp for e in events if isinstance(e, RESPONSES)]
    assert case.first_response_at == (responses[0] if responses else None)
    resolutions = [e.timestamp for e in events if isinstance(e, ev.CaseResolved)]
    assert case.first_resolved_at == (resolutions[0] if resolutions else None)


def replayed(case: Case) -> Case:
    rebuilt = None
    for event in case.pending_events:
        rebuilt = event.mutate(rebuilt)
    assert isinstance(rebuilt, Case)
    return rebuilt


def _escalate(level: Level) -> tuple[str, dict[str, Any]]:
    return "escalate", {"to_level": level, "reason": "升级"}


def _whistle(*units: str) -> tuple[str, dict[str, Any]]:
    return "blow_whistle", {"unit_ids": list(units), "deadline_minutes": 30, "reason": "吹哨"}


UNSATISFIED = {"solved": Solved.UNSOLVED, "satisfaction": Satisfaction.UNSATISFIED, "comment": ""}

OPENINGS: list[tuple[tuple[str, dict[str, Any]], ...]] = [
    (_escalate(Level.STREET), _whistle(POLICE, PROPERTY)),
    (("resolve", {"summary": "已处置"}), ("evaluate", UNSATISFIED)),
    (_escalate(Level.COMMUNITY), _whistle(ENTERPRISE)),
    (_escalate(Level.DISTRICT),),
    (_escalate(Level.COMMUNITY), _escalate(Level.STREET)),
    (),
]


def step(case: Case, name: str, args: dict[str, Any], actor: Actor, minutes: int) -> None:
    """Apply one command and check what it did (or that it did nothing)."""
    at = case.modified_on + timedelta(minutes=minutes)
    was_final = case.status.is_final
    before = fingerprint(case)
    try:
        apply(case, name, actor, at, args)
    except DomainError as error:
        assert fingerprint(case) == before, f"refused {name} changed the case"
        if was_final:
            assert type(error) is CaseIsFinal
        elif minutes < 0:
            assert type(error) is InvalidValue
    else:
        note_statistic(f"recorded {name}")
        assert not was_final, f"{name} accepted on a final case"
        assert minutes >= 0, f"{name} accepted a time before the last event"
        assert case.version == before[0] + 1
        assert len(case.pending_events) == before[1] + 1
        event = case.pending_events[-1]
        assert type(event) is COMMANDS[name][0]
        assert (event.actor_id, event.actor_role, event.timestamp) == (
            actor.user_id,
            actor.role.value,
            at,
        )
    check_history(case)


@settings(max_examples=150, deadline=None, database=None)
@given(
    report=REPORTS,
    opening=st.sampled_from(OPENINGS),
    steps=st.lists(STEPS, min_size=15, max_size=40) | st.lists(STEPS, min_size=1, max_size=40),
)
def test_random_command_sequences_keep_the_invariants(report, opening, steps):
    # Reporting, the first of the 13 commands; an invalid title is refused.
    title = report["title"]
    kwargs = {k: v for k, v in report.items() if k != "title"} | {
        "case_id": uuid4(),
        "at": T0,
        "description": "",
        "category": CATEGORY,
        "placement": PLACEMENT,
    }
    if title.strip() and len(title) <= 200:
        case = Case.report(title=title, **kwargs)
    else:
        try:
            Case.report(title=title, **kwargs)
        except InvalidValue:
            pass
        else:
            raise AssertionError(f"title {title!r} was accepted")
        case = Case.report(title="消防通道", **kwargs)
    check_history(case)

    # An opening (escalate, maybe whistle or a first unsatisfied round) lets short sequences
    # reach report-ins, unit scores and reopening; its steps are checked like any other.
    for name, args in opening:
        step(case, name, args, ADMIN, 1)

    for name, args, actor, delay in steps:
        step(case, name, args, actor, delay)

    rebuilt = replayed(case)
    assert rebuilt.version == case.version
    assert {k: v for k, v in vars(rebuilt).items() if k != "_pending_events"} == {
        k: v for k, v in vars(case).items() if k != "_pending_events"
    }
