"""The backup manifest anchors the 双报到 roster log too: its head position and newest
signed row, signed with the manifest. Restore checks the restored roster log against them
and refuses a copy whose roster log was cut back (its chain and signed rows still
consistent: the blind spot the signatures alone leave) or edited.

The intruder's copy: a backup run away from the key (its manifest unsigned, so its file
hashes can be rewritten) whose database is swapped for one taken after the roster log was
tampered with. Restore already warns that such a manifest is protected only by hashes;
the signed rows it holds are still the server's and cannot be forged."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from typer.testing import CliRunner

from application.integrity import open_envelope, seal
from application.log_chain import LogSignature
from application.roster import RosterService
from application.signed_log import SignedLog
from domain.values import Assessment, ClaimantKind, NeedKind
from infrastructure.backup import Manifest
from infrastructure.event_store import SQLITE_FILE
from infrastructure.settings import Settings
from infrastructure.signing_keys import key_file, load_signer
from interfaces.bootstrap import build_case_service, build_roster_service
from interfaces.cli import app
from tests.integration.test_backup_restore import RestoreLeftNothing, _backup, _lose_database
from tests.integration.test_roster_signatures import COMMUNITY, COORD, RosterDb, confirmed_need
from tests.support.raw_db import RawDb

runner = CliRunner()


def _roster(settings: Settings) -> tuple[LogSignature, UUID, int]:
    """Two confirmed needs; the roster's checkpoint between them (what a cut goes back
    to), the second need and the roster log's head."""
    with build_case_service(settings) as cases:
        roster = build_roster_service(settings, cases)
        try:
            log = _signed(roster.signed_log)
            confirmed_need(roster)
            kept = log.checkpoint()
            need = _unit_need_confirmed(roster)
            log.checkpoint()
            return kept, need, log.log_position()
        finally:
            roster.close()


def _unit_need_confirmed(roster: RosterService) -> UUID:
    """Another member, another need: 2.5 hours, confirmed."""
    member = roster.register_member(
        COORD, community_id=COMMUNITY, name="李红", unit_id="yili-group"
    ).case_id
    need = roster.post_need(
        COORD, community_id=COMMUNITY, kind=NeedKind.HOME_VISIT, title="助老走访"
    ).case_id
    roster.claim_need(COORD, need, claimant_kind=ClaimantKind.MEMBER, claimant_id=str(member))
    roster.complete_need(COORD, need, hours=2.5, result="完成")
    roster.confirm_need(COORD, need, assessment=Assessment.GOOD)
    return need


def _signed(log: SignedLog | None) -> SignedLog:
    assert log is not None
    return log


def _database(settings: Settings) -> str:
    return "chuishao.dump" if settings.database_url else SQLITE_FILE


def _unsigned_backup(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`chuishao backup` run where the signing key is not (its manifest goes unsigned)."""
    keys = key_file(Settings()).parent
    monkeypatch.setenv("CHUISHAO_CONFIG_DIR", str(tmp_path / "no-key-here"))
    folder = tmp_path / name
    result = runner.invoke(app, ["backup", "--to", str(folder)])
    monkeypatch.setenv("CHUISHAO_CONFIG_DIR", str(keys))
    assert result.exit_code == 0, result.output
    assert not json.loads((folder / "manifest.json").read_text())["signature"]
    return folder


def _swap_database(into: Path, taken_from: Path, settings: Settings) -> None:
    """The intruder's edit of the backup: another database, its hash rewritten."""
    name = _database(settings)
    shutil.copy2(taken_from / name, into / name)
    manifest = json.loads((into / "manifest.json").read_text())
    manifest["files"][name] = hashlib.sha256((into / name).read_bytes()).hexdigest()
    (into / "manifest.json").write_text(json.dumps(manifest))


def test_the_signed_manifest_anchors_the_roster_log_and_a_restore_extends_it(
    cli_env: Settings, tmp_path: Path
) -> None:
    _, _, head = _roster(cli_env)
    folder = _backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["signature"]
    assert manifest["roster"]["head_position"] == head
    assert manifest["roster"]["checkpoint"]["position"] == head
    _lose_database(cli_env)

    restored = runner.invoke(app, ["restore", "--from", str(folder)])

    assert restored.exit_code == 0, restored.output
    anchored = ["verify", "--roster-anchor", str(folder / "manifest.json")]
    checked = runner.invoke(app, anchored)
    assert checked.exit_code == 0, checked.output
    assert "外部锚点：日志延续锚点，一致" in checked.output.split("【双报到名册日志】")[1]


def test_a_backup_whose_roster_log_was_cut_back_is_refused(
    cli_env: Settings, tmp_path: Path, raw: RawDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, _, head = _roster(cli_env)
    folder = _unsigned_backup(tmp_path, "backup", monkeypatch)
    db = RosterDb(raw.settings)
    db.drop_roster_guards()  # the last need's events cut with their signed rows
    db.roster("DELETE FROM {rsig} WHERE seq > %s", (kept.seq,))
    db.roster(f"DELETE FROM {{roster}} WHERE {db.position} > %s", (kept.position,))
    with build_case_service(cli_env, signing=False) as cases:
        roster = build_roster_service(cli_env, cases)
        try:
            assert _signed(roster.signed_log).verify().intact  # consistent without an anchor
        finally:
            roster.close()
    _swap_database(folder, _unsigned_backup(tmp_path, "after-the-cut", monkeypatch), cli_env)
    _lose_database(cli_env)

    refused = runner.invoke(app, ["restore", "--from", str(folder)])

    assert refused.exit_code == 1, refused.output
    assert "恢复被拒绝" in refused.output
    assert f"双报到名册日志位置 {kept.position} 与备份清单的 {head} 不符" in refused.output
    assert "事件被截断" in refused.output  # the manifest's signed row is past the copy's end
    assert RestoreLeftNothing(cli_env)


def test_a_backup_whose_roster_log_was_edited_is_refused_by_its_anchor(
    cli_env: Settings, tmp_path: Path, raw: RawDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, need, _ = _roster(cli_env)
    folder = _unsigned_backup(tmp_path, "backup", monkeypatch)
    db = RosterDb(raw.settings)
    db.drop_roster_guards()
    key = need if db.is_postgres else need.hex
    [(position, version, topic, state)] = db.roster(
        f"SELECT {db.position}, originator_version, topic, state FROM {{roster}} "
        "WHERE originator_id = %s AND topic LIKE %s",
        (key, "%NeedDone"),
    )
    link = open_envelope(bytes(state))  # 2.5 hours (150 minutes) become 15, re-sealed
    resealed, _ = seal(
        StoredEvent(need, int(version), str(topic), link.inner.replace(b"150", b"900")),
        link.prev_hash,
    )
    db.roster(
        f"UPDATE {{roster}} SET state = %s WHERE {db.position} = %s", (resealed.state, position)
    )
    _swap_database(folder, _unsigned_backup(tmp_path, "after-the-edit", monkeypatch), cli_env)
    _lose_database(cli_env)

    refused = runner.invoke(app, ["restore", "--from", str(folder)])

    assert refused.exit_code == 1, refused.output
    roster_part = refused.output.split("【双报到名册日志】")[1]
    assert "日志与锚点不符（历史被改写）" in roster_part
    assert RestoreLeftNothing(cli_env)


def test_a_manifest_whose_roster_head_was_lowered_is_refused_by_its_signature(
    cli_env: Settings, tmp_path: Path
) -> None:
    _roster(cli_env)
    folder = _backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["roster"]["head_position"] -= 1  # to pass off a cut copy
    (folder / "manifest.json").write_text(json.dumps(manifest))
    _lose_database(cli_env)

    refused = runner.invoke(app, ["restore", "--from", str(folder)])

    assert refused.exit_code == 1
    assert "签名无效" in refused.output
    assert RestoreLeftNothing(cli_env)


def test_a_manifest_from_before_the_roster_anchor_still_restores_with_a_note(
    cli_env: Settings, tmp_path: Path
) -> None:
    _roster(cli_env)
    folder = _backup(tmp_path)
    older = Manifest.read(folder)
    older.roster = None  # as written (and signed) before the roster log was anchored
    older.sign(load_signer(key_file(Settings())))
    older.write(folder)
    assert "roster" not in json.loads(older.signed_bytes())
    _lose_database(cli_env)

    restored = runner.invoke(app, ["restore", "--from", str(folder)])

    assert restored.exit_code == 0, restored.output
    assert "旧版备份清单未锚定双报到名册日志" in restored.output
