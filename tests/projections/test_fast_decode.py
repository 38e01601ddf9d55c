"""The projections' fast decoder gives what the library's mapper gives: the same events
(upcasts included) and so the same ledger rows, on both backends."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic

from application.integrity import GENESIS, seal
from domain import events as ev
from domain.case import Case
from interfaces.bootstrap import Container
from projections.fast_decode import FastDecoder, event_decoder
from projections.ledger import Batch, fold
from tests.projections.generator import HistoryGenerator
from tests.support.clock import FakeClock


def _at(t: datetime) -> dict[str, str]:
    return {"_type_": "datetime_iso", "_data_": t.isoformat()}


def _store_version_1_case(container: Container, clock: FakeClock) -> None:
    """A report and a note exactly as version 1 of their classes wrote them (no
    ``location``, no ``kind``, no ``class_version``)."""
    service, case_id, at = container.service, uuid4(), clock.advance(minutes=5)
    report = {
        "timestamp": _at(at),
        "originator_topic": get_topic(Case),
        "actor_id": "gl-old",
        "actor_role": "grid_lead",
        "title": "旧版上报",
        "description": "",
        "category_id": "ebike",
        "channel": "patrol",
        "urgency": "normal",
        "district_id": "d",
        "street_id": "s",
        "community_id": "c",
        "grid_id": "g",
        "response_due": _at(at),
        "resolution_due": _at(at),
    }
    note = {"timestamp": _at(at), "actor_id": "gl-old", "actor_role": "grid_lead", "text": "旧"}
    first, head = seal(
        StoredEvent(case_id, 1, get_topic(ev.CaseReported), json.dumps(report).encode()),
        GENESIS,
    )
    second, _ = seal(
        StoredEvent(case_id, 2, get_topic(ev.ProgressNoted), json.dumps(note).encode()), head
    )
    service.recorder.insert_events([first, second])


def test_fast_decoding_folds_to_the_mappers_ledger_rows(
    container: Container, clock: FakeClock
) -> None:
    HistoryGenerator(container.service, clock, n_cases=40, seed=7).run()
    _store_version_1_case(container, clock)
    service = container.service
    stored = service.recorder.select_notifications(1, 100_000)
    decode = event_decoder(service.mapper)
    assert isinstance(getattr(decode, "__self__", None), FastDecoder)  # not the fallback

    slow, fast = Batch(), Batch()
    for n in stored:
        by_mapper, by_fast = service.mapper.to_domain_event(n), decode(n)
        assert type(by_fast) is type(by_mapper)
        assert vars(by_fast) == vars(by_mapper)
        fold(slow, by_mapper)
        fold(fast, by_fast)

    assert fast.rows == slow.rows
    assert (fast.new_summons, fast.new_pledges, fast.involved) == (
        slow.new_summons,
        slow.new_pledges,
        slow.involved,
    )
    upcast = [r for r in fast.rows.values() if r["title"] == "旧版上报"]
    assert [(r["lat"], r["status"]) for r in upcast] == [(None, "in_progress")]


def test_a_row_that_is_not_an_envelope_is_refused_as_the_mapper_refuses_it(
    container: Container,
) -> None:
    decode = event_decoder(container.service.mapper)
    broken = StoredEvent(uuid4(), 1, get_topic(ev.CaseClosed), b'{"timestamp": 1}')
    with pytest.raises(ValueError):
        container.service.mapper.to_domain_event(broken)
    with pytest.raises(MapperDeserialisationError):
        decode(broken)


def test_an_unregistered_custom_type_is_refused(container: Container) -> None:
    sealed, _ = seal(
        StoredEvent(
            uuid4(),
            1,
            get_topic(ev.CaseClosed),
            b'{"timestamp":{"_type_":"no_such_type","_data_":"x"}}',
        ),
        GENESIS,
    )
    decode: Any = event_decoder(container.service.mapper)
    with pytest.raises(MapperDeserialisationError):
        decode(sealed)
