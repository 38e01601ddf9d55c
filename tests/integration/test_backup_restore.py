"""`chuishao backup` / `restore` on both backends: a restore verifies against the signed
checkpoint, refuses a tampered backup or an occupied target, and never brings back a
resident's erased contact silently."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent
from typer.testing import CliRunner

from application.integrity import open_envelope, seal
from application.service import CaseService
from domain.values import Actor, Role
from infrastructure.event_store import SQLITE_FILE
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service
from interfaces.cli import app
from tests.support.actors import GRID_LEAD
from tests.support.raw_db import RawDb

runner = CliRunner()
DPO = Actor("dpo", Role.ADMIN)


def _cases(settings: Settings) -> list[UUID]:
    with build_case_service(settings) as service:
        ids = [_report(service, n) for n in range(3)]
        service.add_note(ids[0], actor=GRID_LEAD, text="已联系物业")
        service.checkpoint()
    return ids


def _report(service: CaseService, n: int) -> UUID:
    return service.report_case(
        actor=GRID_LEAD,
        grid_id="binhewan",
        category_id="water-supply",
        title=f"水管冻住 {n}",
        resident_name="张桂兰",
        resident_phone="13800138000",
    ).case_id


def _lose_database(settings: Settings) -> None:
    """The disaster: the live database is gone."""
    if settings.database_url:
        with psycopg.connect(settings.database_url.get_secret_value(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{settings.database_schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{settings.database_schema}"')
    else:
        for suffix in ("", "-wal", "-shm"):
            (settings.data_dir / (SQLITE_FILE + suffix)).unlink(missing_ok=True)


def _backup(tmp_path: Path) -> Path:
    folder = tmp_path / "backup"
    result = runner.invoke(app, ["backup", "--to", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_a_restored_log_verifies_against_its_signed_checkpoint(
    cli_env: Settings, tmp_path: Path
) -> None:
    ids = _cases(cli_env)
    with build_case_service(cli_env) as service:
        before = [service.history(i) for i in ids]
        head = service.log_position()
    folder = _backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["head_position"] == head
    assert manifest["checkpoint"]["position"] == head
    _lose_database(cli_env)

    restored = runner.invoke(app, ["restore", "--from", str(folder)])

    assert restored.exit_code == 0, restored.output
    assert "已恢复" in restored.output
    checked = runner.invoke(app, ["verify", "--anchor", str(folder / "manifest.json")])
    assert checked.exit_code == 0, checked.output
    assert "一致" in checked.output  # the restored log holds the backup's signed row
    with build_case_service(cli_env) as service:
        assert [service.history(i) for i in ids] == before
        assert service.resident_contact(ids[1], reader=DPO) is not None  # contacts came back
        service.add_note(ids[2], actor=GRID_LEAD, text="恢复后继续办理")  # and it writes on
    assert runner.invoke(app, ["verify"]).exit_code == 0


def test_restore_refuses_an_occupied_target_without_force(
    cli_env: Settings, tmp_path: Path
) -> None:
    _cases(cli_env)
    folder = _backup(tmp_path)
    refused = runner.invoke(app, ["restore", "--from", str(folder)])
    assert refused.exit_code == 1
    assert "--force" in refused.output
    forced = runner.invoke(app, ["restore", "--from", str(folder), "--force"])
    assert forced.exit_code == 0, forced.output


def test_a_flipped_byte_in_the_backup_is_refused_and_the_target_untouched(
    cli_env: Settings, tmp_path: Path, raw: RawDb
) -> None:
    _cases(cli_env)
    folder = _backup(tmp_path)
    with build_case_service(cli_env) as service:
        _report(service, 9)  # the live log moved on after the backup
    count = raw.count()
    name = "chuishao.dump" if cli_env.database_url else SQLITE_FILE
    data = bytearray((folder / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (folder / name).write_bytes(bytes(data))

    refused = runner.invoke(app, ["restore", "--from", str(folder), "--force"])

    assert refused.exit_code == 1
    assert "SHA-256" in refused.output
    assert raw.count() == count


def test_an_edited_event_in_a_consistent_backup_fails_verification_and_is_refused(
    cli_env: Settings, tmp_path: Path, raw: RawDb
) -> None:
    """The intruder edits an event in the live database (or the dump, then re-hashes the
    manifest): the copy's hashes match, but its log does not verify, so nothing is swapped in."""
    ids = _cases(cli_env)
    raw.drop_guards()
    key = str(ids[0]) if raw.is_postgres else ids[0].hex
    version, topic, state = raw.execute(
        "SELECT originator_version, topic, state FROM {events} WHERE originator_id = %s "
        "ORDER BY originator_version LIMIT 1",
        (key,),
    )[0]
    link = open_envelope(bytes(state))
    forged, _ = seal(
        StoredEvent(ids[0], version, topic, link.inner.replace("水管".encode(), "路灯".encode())),
        link.prev_hash,
    )
    raw.execute(
        "UPDATE {events} SET state = %s WHERE originator_id = %s AND originator_version = %s",
        (forged.state, key, version),
    )
    folder = _backup(tmp_path)
    _lose_database(cli_env)

    refused = runner.invoke(app, ["restore", "--from", str(folder)])

    assert refused.exit_code == 1
    assert "恢复被拒绝" in refused.output
    assert RestoreLeftNothing(cli_env)


def RestoreLeftNothing(settings: Settings) -> bool:  # noqa: N802 - reads as a sentence
    from infrastructure.backup import RestoreTarget

    return not RestoreTarget(settings).occupied()


def test_an_erasure_after_the_backup_is_applied_again_on_restore(
    cli_env: Settings, tmp_path: Path
) -> None:
    ids = _cases(cli_env)
    folder = _backup(tmp_path)  # holds the contact …
    with build_case_service(cli_env) as service:
        assert service.forget_resident(ids[1], actor=DPO, reason="居民本人申请删除")
        later = _report(service, 7)  # reported and erased after the backup: not restored at all
        assert service.forget_resident(later, actor=DPO, reason="居民本人申请删除")

    restored = runner.invoke(app, ["restore", "--from", str(folder), "--force"])

    assert restored.exit_code == 0, restored.output
    assert "重新执行 1 条居民信息删除" in restored.output
    with build_case_service(cli_env) as service:
        contact = service.resident_contact(ids[1], reader=DPO)
        assert contact is not None and contact.name is None and contact.erased_at is not None
        (erasure,) = service.erasures()
        assert erasure.case_id == ids[1] and erasure.operator_id == "dpo"
        assert "恢复备份后重新执行删除" in erasure.reason
        assert service.resident_contact(ids[0], reader=DPO) is not None
    assert runner.invoke(app, ["verify"]).exit_code == 0


def test_a_restore_into_an_empty_target_warns_that_later_erasures_are_unknown(
    cli_env: Settings, tmp_path: Path
) -> None:
    _cases(cli_env)
    folder = _backup(tmp_path)
    _lose_database(cli_env)
    restored = runner.invoke(app, ["restore", "--from", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert "chuishao forget" in restored.output


def test_pg_dump_missing_from_path_is_a_clear_error(
    cli_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not cli_env.database_url:
        pytest.skip("PostgreSQL only")
    monkeypatch.setenv("PATH", str(tmp_path))
    result = runner.invoke(app, ["backup", "--to", str(tmp_path / "b")])
    assert result.exit_code == 1
    assert "找不到 pg_dump" in result.output


def test_evidence_files_travel_with_the_backup_and_are_rehashed(
    cli_env: Settings, tmp_path: Path
) -> None:
    from domain.evidence import EvidenceKind
    from tests.evidence_images import photo_with_gps

    (case_id, *_) = _cases(cli_env)
    with build_case_service(cli_env) as service:
        service.attach_evidence(
            case_id,
            actor=GRID_LEAD,
            data=photo_with_gps(),
            name="现场.jpg",
            kind=EvidenceKind.BEFORE,
        )
    folder = _backup(tmp_path)
    stored = sorted(p for p in (folder / "files").rglob("*") if p.is_file())
    assert len(stored) == 2  # the cleaned photo and its thumbnail
    _lose_database(cli_env)
    shutil.rmtree(cli_env.data_dir / "files")

    restored = runner.invoke(app, ["restore", "--from", str(folder)])

    assert restored.exit_code == 0, restored.output
    assert runner.invoke(app, ["verify"]).exit_code == 0
    assert len([p for p in (cli_env.data_dir / "files").rglob("*") if p.is_file()]) == 2


def test_a_backup_taken_while_the_service_writes_is_one_consistent_instant(
    cli_env: Settings, tmp_path: Path
) -> None:
    _cases(cli_env)
    stop = threading.Event()

    def write() -> None:
        with build_case_service(cli_env) as service:
            n = 0
            while not stop.is_set():
                _report(service, n)
                n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        folder = _backup(tmp_path)
    finally:
        stop.set()
        writer.join()
    _lose_database(cli_env)
    restored = runner.invoke(app, ["restore", "--from", str(folder)])
    assert restored.exit_code == 0, restored.output  # its head and signed row agree


def test_an_edited_manifest_is_refused_by_its_signature(cli_env: Settings, tmp_path: Path) -> None:
    """Whoever rewrites the dump can rewrite the hashes; not the manifest's signature."""
    _cases(cli_env)
    folder = _backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["signature"]
    manifest["head_position"] -= 1  # as if the log's last event had never been
    (folder / "manifest.json").write_text(json.dumps(manifest))
    _lose_database(cli_env)

    refused = runner.invoke(app, ["restore", "--from", str(folder)])

    assert refused.exit_code == 1
    assert "签名无效" in refused.output
    assert RestoreLeftNothing(cli_env)


def test_restore_without_the_keyring_is_refused_before_anything_is_touched(
    cli_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cases(cli_env)
    folder = _backup(tmp_path)
    _lose_database(cli_env)
    monkeypatch.setenv("CHUISHAO_CONFIG_DIR", str(tmp_path / "new-machine"))

    refused = runner.invoke(app, ["restore", "--from", str(folder)])

    assert refused.exit_code == 1
    assert "配置目录" in refused.output
    assert RestoreLeftNothing(cli_env)


def test_an_erasure_register_kept_outside_is_applied_to_a_restore_into_an_empty_database(
    cli_env: Settings, tmp_path: Path
) -> None:
    ids = _cases(cli_env)
    folder = _backup(tmp_path)
    with build_case_service(cli_env) as service:
        assert service.forget_resident(ids[2], actor=DPO, reason="居民本人申请删除")
    exported = runner.invoke(app, ["audit", "erasures", "--json"])
    assert exported.exit_code == 0, exported.output
    register = tmp_path / "erasures.json"
    register.write_text(exported.stdout)
    _lose_database(cli_env)  # the database that recorded the erasure is gone

    restored = runner.invoke(app, ["restore", "--from", str(folder), "--erasures", str(register)])

    assert restored.exit_code == 0, restored.output
    assert "重新执行 1 条居民信息删除" in restored.output
    with build_case_service(cli_env) as service:
        contact = service.resident_contact(ids[2], reader=DPO)
        assert contact is not None and contact.name is None
    garbled = tmp_path / "garbled.json"
    garbled.write_text('[{"case_id": "not-a-case"}]')
    refused = runner.invoke(
        app, ["restore", "--from", str(folder), "--force", "--erasures", str(garbled)]
    )
    assert refused.exit_code == 1 and "删除台账" in refused.output
