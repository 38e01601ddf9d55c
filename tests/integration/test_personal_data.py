"""PIPL: residents' names and phones stay out of the event log, encrypted per contact,
and erasure destroys their key: played as an attacker who reads the database's files."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from uuid import UUID, uuid4

import psycopg
import pytest
from cryptography.exceptions import InvalidTag
from typer.testing import CliRunner

from application.errors import ConcurrencyConflict
from application.service import CaseService
from domain.errors import CaseIsFinal, InvalidValue, PersonalDataInText
from domain.values import Actor, Level, Role
from infrastructure.contact_cipher import ContactCipher
from infrastructure.event_store import SQLITE_FILE
from infrastructure.server_secret import derived_key, server_secret
from infrastructure.settings import Settings
from interfaces.bootstrap import CONTACT_KEYS, build_case_service
from interfaces.cli import app
from tests.support.actors import COORDINATOR, GRID_LEAD
from tests.support.clock import FakeClock
from tests.support.raw_db import RawDb

PHONE = "13800138000"
NAME = "张桂兰"
ADMIN = Actor("dpo", Role.ADMIN)
REASON = "居民本人申请删除"


def report_with_contact(service: CaseService, case_id: UUID | None = None) -> UUID:
    return service.report_case(
        actor=GRID_LEAD,
        grid_id="binhewan",
        category_id="water-supply",
        title="水管冻住",
        resident_name=NAME,
        resident_phone=PHONE,
        case_id=case_id,
    ).case_id


def sealed_row(raw: RawDb, case_id: UUID) -> tuple[bytes, bytes] | None:
    rows = raw.execute(
        f"SELECT k.wrapped_key, c.ciphertext FROM {_t(raw, 'chuishao_contact_keys')} k "
        f"JOIN {_t(raw, 'chuishao_contacts')} c ON c.case_id = k.case_id WHERE k.case_id = %s",
        (str(case_id),),
    )
    return (bytes(rows[0][0]), bytes(rows[0][1])) if rows else None


def database_bytes(raw: RawDb) -> bytes:
    """Everything an intruder with the database gets: SQLite's files (database, WAL,
    shared memory), or every row of every table of the PostgreSQL schema as text."""
    if not raw.is_postgres:
        base = raw.settings.data_dir / SQLITE_FILE
        files = [base, base.with_name(base.name + "-wal"), base.with_name(base.name + "-shm")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    schema = raw.settings.database_schema
    tables = raw.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
    )
    dump = [
        str(row[0])
        for (table,) in tables
        for row in raw.execute(f'SELECT t::text FROM "{schema}"."{table}" t')
    ]
    return "\n".join(dump).encode()


def _t(raw: RawDb, table: str) -> str:
    return f'"{raw.settings.database_schema}".{table}' if raw.is_postgres else table


def _cipher(settings: Settings) -> ContactCipher:
    return ContactCipher(derived_key(server_secret(settings), CONTACT_KEYS))


def test_contact_details_never_enter_the_event_log(service: CaseService, raw: RawDb) -> None:
    case_id = report_with_contact(service)
    service.add_note(case_id, actor=GRID_LEAD, text="已联系居民")
    states = b"".join(bytes(r[0]) for r in raw.execute("SELECT state FROM {events}"))
    assert PHONE.encode() not in states
    assert NAME.encode() not in states and NAME.encode("unicode_escape") not in states
    contact = service.resident_contact(case_id, reader=GRID_LEAD)
    assert contact is not None and (contact.name, contact.phone) == (NAME, PHONE)


def test_contact_plaintext_is_never_stored_anywhere_in_the_database(
    service: CaseService, raw: RawDb
) -> None:
    case_id = report_with_contact(service)
    assert service.resident_contact(case_id, reader=GRID_LEAD) is not None
    dump = database_bytes(raw)
    for secret in (PHONE.encode(), NAME.encode(), PHONE.encode().hex(), NAME.encode().hex()):
        assert (secret if isinstance(secret, bytes) else secret.encode()) not in dump
    assert sealed_row(raw, case_id) is not None  # stored, but only as ciphertext


def test_a_ciphertext_moved_to_another_case_does_not_open(
    service: CaseService, raw: RawDb, settings: Settings
) -> None:
    mine, other = report_with_contact(service), report_with_contact(service)
    wrapped, ciphertext = sealed_row(raw, mine)  # type: ignore[misc]
    with pytest.raises(InvalidTag):
        _cipher(settings).open(str(other), wrapped, ciphertext)


def test_forgetting_records_who_why_and_when_and_keeps_history_verifiable(
    service: CaseService, raw: RawDb
) -> None:
    case_id = report_with_contact(service)
    before = [(r.version, r.hash) for r in service.history(case_id)]
    assert service.forget_resident(case_id, actor=ADMIN, reason=REASON)
    contact = service.resident_contact(case_id, reader=GRID_LEAD)
    assert contact is not None and contact.erased_at is not None
    assert (contact.name, contact.phone, contact.erased_by) == (None, None, ADMIN.user_id)
    history = service.history(case_id)
    assert [(r.version, r.hash) for r in history[: len(before)]] == before
    erased = history[-1]
    assert (erased.type, erased.actor_id, erased.actor_role) == (
        "ResidentContactErased",
        "dpo",
        "admin",
    )
    assert erased.data == {"reason": REASON}
    assert sealed_row(raw, case_id) is None
    assert service.verify().intact


def test_erasure_is_allowed_on_a_closed_case_and_reopens_nothing(service: CaseService) -> None:
    case_id = report_with_contact(service)
    service.resolve(case_id, actor=GRID_LEAD, summary="已疏通")
    service.close_case(case_id, actor=COORDINATOR)
    closed = service.get_case(case_id)
    assert service.forget_resident(case_id, actor=ADMIN, reason=REASON)
    after = service.get_case(case_id)
    assert (after.status, after.closed_at, after.round, after.level) == (
        closed.status,
        closed.closed_at,
        closed.round,
        Level.GRID,
    )
    with pytest.raises(CaseIsFinal):
        service.add_note(case_id, actor=COORDINATOR, text="还想再记一笔")


def test_nothing_to_erase_records_nothing(service: CaseService, raw: RawDb) -> None:
    bare = service.report_case(
        actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="楼道充电"
    ).case_id
    assert not service.forget_resident(bare, actor=ADMIN, reason=REASON)
    case_id = report_with_contact(service)
    assert service.forget_resident(case_id, actor=ADMIN, reason=REASON)
    events = raw.count()
    assert not service.forget_resident(case_id, actor=ADMIN, reason=REASON)
    assert raw.count() == events
    assert [e.case_id for e in service.erasures()] == [case_id]


def test_an_erasure_reason_with_a_phone_is_refused_and_the_contact_kept(
    service: CaseService, raw: RawDb
) -> None:
    case_id = report_with_contact(service)
    events = raw.count()
    with pytest.raises(PersonalDataInText):
        service.forget_resident(case_id, actor=ADMIN, reason=f"居民{PHONE}来电要求删除")
    assert raw.count() == events
    contact = service.resident_contact(case_id, reader=GRID_LEAD)
    assert contact is not None and contact.phone == PHONE


def test_after_forget_the_sqlite_files_hold_no_trace_of_the_contact(
    service: CaseService, raw: RawDb
) -> None:
    if raw.is_postgres:
        pytest.skip("SQLite's files; PostgreSQL has its own test")
    case_id = report_with_contact(service)
    wrapped, ciphertext = sealed_row(raw, case_id)  # type: ignore[misc]
    assert ciphertext in database_bytes(raw)
    service.forget_resident(case_id, actor=ADMIN, reason=REASON)
    base = raw.settings.data_dir / SQLITE_FILE
    assert base.with_name(base.name + "-wal").stat().st_size == 0  # checkpointed, truncated
    dump = database_bytes(raw)
    for trace in (PHONE.encode(), NAME.encode(), wrapped, ciphertext):
        assert trace not in dump


def test_after_forget_postgres_keeps_no_key_that_opens_the_old_ciphertext(
    service: CaseService, raw: RawDb, settings: Settings
) -> None:
    if not raw.is_postgres:
        pytest.skip("PostgreSQL's dead tuples; SQLite has its own test")
    report_with_contact(service)  # another contact stays
    case_id = report_with_contact(service)
    wrapped, ciphertext = sealed_row(raw, case_id)  # type: ignore[misc]
    cipher = _cipher(settings)
    assert cipher.open(str(case_id), wrapped, ciphertext) == (NAME, PHONE)  # the key opens it
    service.forget_resident(case_id, actor=ADMIN, reason=REASON)
    # The ciphertext an intruder copied (or finds in a dead tuple) opens with no key left.
    keys = [
        bytes(r[0])
        for r in raw.execute(f"SELECT wrapped_key FROM {_t(raw, 'chuishao_contact_keys')}")
    ]
    assert keys and wrapped not in keys
    for key in keys:
        with pytest.raises(InvalidTag):
            cipher.open(str(case_id), key, ciphertext)


def test_an_erasure_is_not_held_up_by_a_long_reader_of_the_keys(
    service: CaseService, raw: RawDb, settings: Settings
) -> None:
    if not raw.is_postgres:
        pytest.skip("PostgreSQL's table rewrite")
    case_id = report_with_contact(service)
    with psycopg.connect(settings.database_url.get_secret_value()) as backup:  # a dump in progress
        backup.execute(f"SELECT count(*) FROM {_t(raw, 'chuishao_contact_keys')}")
        assert service.forget_resident(case_id, actor=ADMIN, reason=REASON)
    assert sealed_row(raw, case_id) is None
    assert [e.case_id for e in service.erasures()] == [case_id]


def test_a_failed_report_leaves_no_contact(service: CaseService, raw: RawDb) -> None:
    case_id = uuid4()
    service.report_case(actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="首报")
    service.report_case(
        actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="首报", case_id=case_id
    )
    with pytest.raises(ConcurrencyConflict):  # the event insert fails: version 1 is taken
        report_with_contact(service, case_id)
    for table in ("chuishao_contact_keys", "chuishao_contacts"):
        assert raw.execute(f"SELECT COUNT(*) FROM {_t(raw, table)}")[0][0] == 0


def test_every_read_of_a_contact_is_logged_in_an_append_only_log(
    service: CaseService, raw: RawDb
) -> None:
    case_id = report_with_contact(service)
    service.resident_contact(case_id, reader=GRID_LEAD)
    service.resident_contact(case_id, reader=COORDINATOR)
    reads = service.contact_reads(case_id)
    assert [(r.reader_id, r.reader_role) for r in reads] == [
        ("co-1", "coordinator"),
        ("gl-1", "grid_lead"),
    ]
    assert all(r.case_id == case_id and r.read_at.tzinfo is not None for r in reads)
    log = _t(raw, "chuishao_contact_reads")
    for tamper in (f"DELETE FROM {log}", f"UPDATE {log} SET reader_id = 'nobody'"):
        with pytest.raises(Exception, match="append-only"):  # sqlite3 or psycopg error
            raw.execute(tamper)
    assert len(service.contact_reads(case_id)) == 2


@pytest.mark.parametrize("phone", ["abc", "1", "+86 138 0013 8000 0000 00"])
def test_bad_phone_is_refused_and_nothing_is_written(
    service: CaseService, raw: RawDb, phone: str
) -> None:
    with pytest.raises(InvalidValue):
        service.report_case(
            actor=GRID_LEAD,
            grid_id="binhewan",
            category_id="ebike",
            title="x",
            resident_phone=phone,
        )
    assert raw.count() == 0


def test_cli_forget_needs_an_operator_and_a_reason(cli_env: Settings, service: CaseService) -> None:
    case_id = report_with_contact(service)
    refused = CliRunner().invoke(app, ["forget", str(case_id)])
    assert refused.exit_code != 0
    assert service.resident_contact(case_id, reader=GRID_LEAD).phone == PHONE  # type: ignore[union-attr]
    result = CliRunner().invoke(
        app, ["forget", str(case_id), "--operator", "wang", "--reason", REASON]
    )
    assert result.exit_code == 0, result.output
    assert "已删除" in result.output
    contact = service.resident_contact(case_id, reader=GRID_LEAD)
    assert contact is not None and contact.phone is None and contact.erased_by == "wang"
    listed = CliRunner().invoke(app, ["audit", "erasures"])
    assert listed.exit_code == 0 and "wang" in listed.output and REASON in listed.output
    reads = CliRunner().invoke(app, ["audit", "contact-reads", "--case", str(case_id)])
    assert reads.exit_code == 0 and "gl-1" in reads.output
    history = CliRunner().invoke(app, ["history", str(case_id)])
    assert "删除居民信息" in history.output and "居民姓名和电话已删除" in history.output


def test_plaintext_contacts_of_an_earlier_release_are_encrypted_and_their_table_dropped(
    settings: Settings, raw: RawDb, clock: FakeClock
) -> None:
    with build_case_service(settings, clock=clock) as service:
        case_id = service.report_case(
            actor=GRID_LEAD, grid_id="binhewan", category_id="ebike", title="旧版本的案件"
        ).case_id
    legacy = _t(raw, "chuishao_resident_contacts")
    raw.execute(
        f"CREATE TABLE {legacy} (case_id VARCHAR(36) PRIMARY KEY, name VARCHAR(50), "
        "phone VARCHAR(20), erased_at TIMESTAMP, erased_by VARCHAR(64))"
    )
    raw.execute(
        f"INSERT INTO {legacy} (case_id, name, phone) VALUES (%s, %s, %s)",
        (str(case_id), NAME, PHONE),
    )
    with build_case_service(settings, clock=clock) as service:
        contact = service.resident_contact(case_id, reader=GRID_LEAD)
        assert contact is not None and (contact.name, contact.phone) == (NAME, PHONE)
        dump = database_bytes(raw)
        assert PHONE.encode() not in dump and PHONE.encode().hex().encode() not in dump
        assert service.forget_resident(case_id, actor=ADMIN, reason=REASON)


def test_racing_reports_keep_each_contact_with_its_own_case(settings: Settings, raw: RawDb) -> None:
    """Through group commit, two writers per case id: each winner's contact is stored with
    its case, and no loser's contact is stored at all."""
    settings = settings.model_copy(update={"pool_size": 16, "group_commit": True})
    ids = [uuid4() for _ in range(8)]

    def report(i: int) -> tuple[UUID, str] | None:
        phone = f"1390000{i:04d}"
        try:
            service.report_case(
                actor=GRID_LEAD,
                grid_id="binhewan",
                category_id="ebike",
                title=f"w{i}",
                resident_phone=phone,
                case_id=ids[i % len(ids)],
            )
        except ConcurrencyConflict:
            return None
        return ids[i % len(ids)], phone

    with build_case_service(settings) as service:
        with ThreadPoolExecutor(16) as pool:
            won = [r for r in pool.map(report, range(2 * len(ids))) if r is not None]
        assert sorted(str(c) for c, _ in won) == sorted(str(c) for c in ids)
        for case_id, phone in won:
            contact = service.resident_contact(case_id, reader=GRID_LEAD)
            assert contact is not None and contact.phone == phone
    keys = raw.execute(f"SELECT COUNT(*) FROM {_t(raw, 'chuishao_contact_keys')}")[0][0]
    assert keys == len(ids)
