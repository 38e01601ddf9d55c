"""The log is signed with a key the database does not hold: attacks by someone with the
database's password, each of which passed `verify` before signatures existed."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from application.errors import KeyMismatch
from application.integrity import GENESIS, open_envelope, seal
from application.log_chain import LogSignature
from application.service import CaseService
from domain.values import Satisfaction, Solved
from infrastructure.settings import Settings
from infrastructure.signing_keys import keyring
from interfaces.bootstrap import build_case_service
from tests.support.actors import COORDINATOR, GRID_LEAD
from tests.support.clock import FakeClock
from tests.support.raw_db import RawDb


def closed_case(service: CaseService) -> UUID:
    case_id = service.report_case(
        actor=GRID_LEAD,
        grid_id="chengshi-huating",
        category_id="fire-lane",
        title="车辆占用消防通道",
    ).case_id
    service.add_note(case_id, actor=GRID_LEAD, text="入户走访")
    service.resolve(case_id, actor=GRID_LEAD, summary="已清理")
    service.evaluate_case(
        case_id, actor=COORDINATOR, solved=Solved.SOLVED, satisfaction=Satisfaction.SATISFIED
    )
    service.close_case(case_id, actor=COORDINATOR)
    return case_id


def key_of(raw: RawDb, case_id: UUID) -> object:
    return case_id if raw.is_postgres else case_id.hex


def rows(raw: RawDb, case_id: UUID) -> list[tuple[int, str, bytes]]:
    found = raw.execute(
        "SELECT originator_version, topic, state FROM {events} WHERE originator_id = %s "
        "ORDER BY originator_version",
        (key_of(raw, case_id),),
    )
    return [(int(v), str(t), bytes(s)) for v, t, s in found]


def forge_next(raw: RawDb, case_id: UUID, note: tuple[str, bytes]) -> None:
    """Append a chain-valid event with a plain INSERT, using the project's own chain
    function: what anyone with the database's password can do."""
    version, _, state = rows(raw, case_id)[-1]
    note_topic, inner = note
    forged, _ = seal(
        StoredEvent(case_id, version + 1, note_topic, inner), open_envelope(state).hash
    )
    if raw.is_postgres:
        raw.execute(
            "INSERT INTO {events} (originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s)",
            (case_id, version + 1, note_topic, forged.state),
        )
    else:
        raw.execute(
            "INSERT INTO {events} (originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s)",
            (case_id.hex, version + 1, note_topic, forged.state),
        )


def note_inner(raw: RawDb, case_id: UUID) -> tuple[str, bytes]:
    """A progress note's topic and event bytes, taken from the case itself, reworded."""
    for _, topic, state in rows(raw, case_id):
        if topic.endswith("ProgressNoted"):
            return topic, open_envelope(state).inner.replace(
                "入户走访".encode(), "已电话告知 by co-jianshe".encode()
            )
    raise AssertionError("no note")


def test_a_forged_append_with_the_public_chain_function_is_named(
    service: CaseService, raw: RawDb
) -> None:
    case_id = closed_case(service)
    service.checkpoint()
    forge_next(raw, case_id, note_inner(raw, case_id))

    report = service.verify()

    assert not report.intact
    assert report.log is not None
    [uncovered] = [p for p in report.log.problems if p.seq == 0]
    assert uncovered.position == report.events and "forged" in uncovered.problem
    [domain] = report.problems
    assert (domain.case_id, domain.version) == (case_id, 6)
    assert "after the case was closed" in domain.problem
    problem = service.verify_case(case_id)
    assert problem is not None and problem.version == 6


def test_history_shows_a_domain_invalid_event_marked_instead_of_crashing(
    service: CaseService, raw: RawDb
) -> None:
    case_id = closed_case(service)
    topic, inner = note_inner(raw, case_id)
    forge_next(raw, case_id, (topic, inner.replace(b'"kind":"', b'"kind":"x')))
    records = service.history(case_id)
    assert [r.invalid != "" for r in records] == [False] * 5 + [True]


def test_a_signed_but_domain_invalid_event_is_named_by_verify(
    service: CaseService, clock: FakeClock
) -> None:
    """Chain-valid and signed (written through the service's own store), yet its
    satisfaction is no value the domain knows: verify names it, history marks it."""
    case_id = service.report_case(
        actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="电动车充电"
    ).case_id
    service.resolve(case_id, actor=GRID_LEAD, summary="加装充电桩")
    case = service.repository.get(case_id)
    case.evaluate(
        actor=COORDINATOR,
        at=clock(),
        solved=Solved.SOLVED,
        satisfaction=Satisfaction.SATISFIED,
        comment="",
    )
    pending = case.collect_events()
    object.__setattr__(pending[-1], "satisfaction", "dissatisfied")
    service.save(*pending)

    report = service.verify()
    assert report.log is not None and report.log.intact  # the signature holds …
    [problem] = report.problems  # … but the domain refuses it
    assert problem.version == 3 and "domain-invalid" in problem.problem
    assert service.history(case_id)[-1].invalid


def test_an_event_rewritten_and_rechained_breaks_the_signed_head(
    service: CaseService, raw: RawDb
) -> None:
    case_id = closed_case(service)
    raw.drop_guards()
    version, topic, state = rows(raw, case_id)[3]  # the callback: 满意 → 不满意
    link = open_envelope(state)
    inner = link.inner.replace(b'"satisfied"', b'"unsatisfied"')
    assert inner != link.inner
    forged, _ = seal(StoredEvent(case_id, version, topic, inner), link.prev_hash)
    raw.execute(
        "UPDATE {events} SET state = %s WHERE originator_id = %s AND originator_version = %s",
        (forged.state, key_of(raw, case_id), version),
    )
    # Re-chain the one event after it, as the intruder would.
    v5, t5, s5 = rows(raw, case_id)[4]
    rechained, _ = seal(StoredEvent(case_id, v5, t5, open_envelope(s5).inner), _hash(forged))
    raw.execute(
        "UPDATE {events} SET state = %s WHERE originator_id = %s AND originator_version = %s",
        (rechained.state, key_of(raw, case_id), v5),
    )

    report = service.verify()
    assert report.problems == []  # the case's own chain is consistent again …
    assert report.log is not None
    assert any("differs from what was signed" in p.problem for p in report.log.problems)
    assert service.verify_case(case_id) is not None


def _hash(stored: StoredEvent) -> str:
    return open_envelope(stored.state).hash


@pytest.mark.parametrize(
    "attack",
    ["edit_head", "delete_middle_row", "delete_case_and_rows", "cut_tail_keep_rows"],
)
def test_edits_to_events_and_signed_rows_are_named(
    service: CaseService, raw: RawDb, attack: str
) -> None:
    first = closed_case(service)
    second = closed_case(service)
    service.checkpoint()
    raw.drop_guards()
    if attack == "edit_head":
        raw.execute("UPDATE {signatures} SET head = %s WHERE seq = 3", (GENESIS,))
    elif attack == "delete_middle_row":
        raw.execute("DELETE FROM {signatures} WHERE seq = 4")
    elif attack == "delete_case_and_rows":
        raw.execute("DELETE FROM {events} WHERE originator_id = %s", (key_of(raw, first),))
    else:
        raw.execute(
            "DELETE FROM {events} WHERE originator_id = %s AND originator_version = 5",
            (key_of(raw, second),),
        )
    report = service.verify()
    assert report.log is not None and not report.log.intact, attack


def test_cutting_the_newest_events_with_their_rows_is_caught_by_an_anchor(
    service: CaseService, raw: RawDb
) -> None:
    closed_case(service)
    anchor = service.checkpoint()
    kept = LogSignature.from_anchor(anchor.as_anchor())
    raw.drop_guards()
    raw.execute("DELETE FROM {events} WHERE originator_version >= 4")
    raw.execute("DELETE FROM {signatures} WHERE seq >= 4")

    without = service.verify()
    assert without.log is not None and without.log.intact  # the one blind spot …
    with_anchor = service.verify(anchor=kept)
    assert with_anchor.log is not None and with_anchor.log.anchor == "cut"  # … closed


def test_an_anchor_verifies_against_an_untouched_log(service: CaseService) -> None:
    closed_case(service)
    anchor = LogSignature.from_anchor(service.checkpoint().as_anchor())
    closed_case(service)
    report = service.verify(anchor=anchor)
    assert report.intact and report.log is not None and report.log.anchor == "ok"


def test_a_forged_signed_row_needs_the_private_key(service: CaseService, raw: RawDb) -> None:
    """Covering a forged event needs a batch row; one signed with another key is refused."""
    from infrastructure.log_signatures import BatchSigner
    from infrastructure.signing_keys import FileSigner

    case_id = closed_case(service)
    forge_next(raw, case_id, note_inner(raw, case_id))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    intruder = FileSigner(Ed25519PrivateKey.generate(), Path("/nonexistent"))
    with service.recorder.datastore.transaction(commit=True) as c:
        position = service.log_position()
        BatchSigner(service.recorder, intruder).sign(
            c, [position], [StoredEvent(case_id, 6, "x", b"")]
        )
    report = service.verify()
    assert report.log is not None
    assert any("not trusted" in p.problem for p in report.log.problems)


def test_a_different_key_is_refused_at_start(settings: Settings, tmp_path: Path) -> None:
    with build_case_service(settings) as service:
        closed_case(service)
    other = settings.model_copy(update={"signing_key_file": tmp_path / "other.key"})
    with pytest.raises(KeyMismatch):
        build_case_service(other)


def rotated(settings: Settings, tmp_path: Path, *, endorsed: bool) -> tuple[Settings, Any, Any]:
    """A log signed by one key, then handed over to a new one (endorsed by the old or not)."""
    from infrastructure.signing_keys import commit_new_key, load_or_create_signer, stage_new_key

    own = settings.model_copy(update={"config_dir": tmp_path / "cfg"})
    old, _ = load_or_create_signer(own)
    with build_case_service(own) as service:
        closed_case(service)
        staged = stage_new_key(own)
        service.rotate_key(staged, endorser=old if endorsed else None)
    return own, old, commit_new_key(own, staged)


def test_rotation_is_endorsed_so_the_old_public_key_still_verifies(
    settings: Settings, tmp_path: Path
) -> None:
    own, old, staged = rotated(settings, tmp_path, endorsed=True)
    with build_case_service(own) as service:  # the new key matches the log's newest row
        closed_case(service)
        report = service.verify(trusted={old.key_id: old.public_key})
    assert report.intact, report.log
    assert report.log is not None and set(report.log.keys) == {old.key_id, staged.key_id}
    assert set(keyring(own)) == {old.key_id, staged.key_id}


def test_an_unendorsed_new_key_is_not_trusted_by_an_auditor_holding_the_old_one(
    settings: Settings, tmp_path: Path
) -> None:
    own, old, staged = rotated(settings, tmp_path, endorsed=False)
    with build_case_service(own, signing=False) as service:
        auditor = service.verify(trusted={old.key_id: old.public_key})
        both = service.verify(
            trusted={old.key_id: old.public_key, staged.key_id: staged.public_key}
        )
    assert auditor.log is not None and not auditor.log.intact
    assert both.intact


def test_a_log_written_before_signing_is_adopted_once(settings: Settings, raw: RawDb) -> None:
    with build_case_service(settings) as service:
        closed_case(service)
    raw.drop_guards()
    raw.execute("DELETE FROM {signatures}")  # as if written by a release without signatures
    with build_case_service(settings) as service:
        report = service.verify()
        assert report.intact and report.log is not None
        assert report.log.adopted_position == report.events == 5
        closed_case(service)
        assert service.verify().intact


def test_a_service_without_a_key_cannot_write(settings: Settings) -> None:
    from infrastructure.recorders import NoSigningKey

    with build_case_service(settings, signing=False) as service, pytest.raises(NoSigningKey):
        service.report_case(
            actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title=f"t{uuid4()}"
        )
    with build_case_service(settings, signing=False) as service:
        assert service.log_position() == 0


def test_the_server_checkpoints_at_start_and_every_n_events(service: CaseService) -> None:
    from interfaces.checkpointer import Checkpointer

    def report() -> None:
        service.report_case(actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="充电")

    report()
    timer = Checkpointer(service, every_seconds=0, every_events=3)
    assert timer.tick(force=True)  # at start, whatever the last run did
    assert not timer.tick()  # nothing new
    report()
    report()
    assert not timer.tick()
    report()
    assert timer.tick()
    assert [c.position for c in service.checkpoints()] == [1, 4]
    restarted = Checkpointer(service, every_seconds=600, every_events=0)
    assert restarted.tick(force=True)  # a restart does not wait for the timer


def test_an_erasure_after_closing_is_the_one_event_verify_accepts_on_a_final_case(
    service: CaseService,
) -> None:
    from domain.values import Actor, Role

    case_id = service.report_case(
        actor=GRID_LEAD,
        grid_id="binhewan",
        category_id="ebike",
        title="电动车充电",
        resident_name="王女士",
        resident_phone="13800138000",
    ).case_id
    service.resolve(case_id, actor=GRID_LEAD, summary="加装充电桩")
    service.evaluate_case(
        case_id, actor=COORDINATOR, solved=Solved.SOLVED, satisfaction=Satisfaction.SATISFIED
    )
    service.close_case(case_id, actor=COORDINATOR)
    service.forget_resident(case_id, actor=Actor("admin", Role.ADMIN), reason="居民本人申请")
    assert service.verify().intact
    assert service.verify_case(case_id) is None
