"""Evidence in the command line: history names each file and its hash; verify names a
file swapped on disk and exits 1; the views still agree with a log holding evidence."""

from __future__ import annotations

from uuid import UUID

import pytest
from typer.testing import CliRunner

from domain.evidence import EvidenceKind
from infrastructure.file_store import DiskFileStore
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service, build_container
from interfaces.cli import app
from projections.audit import audit_views
from projections.queries import CaseFilter, Scope
from tests.evidence_images import PDF, photo_with_gps
from tests.support.actors import COORDINATOR, GRID_LEAD

runner = CliRunner()


def case_with_evidence(settings: Settings) -> tuple[UUID, list[str]]:
    with build_case_service(settings) as service:
        case_id = service.report_case(
            actor=GRID_LEAD, grid_id="chengshi-huating", category_id="fire-lane", title="占用通道"
        ).case_id
        hashes = []
        for data, name, kind in (
            (photo_with_gps(), "现场.jpg", EvidenceKind.BEFORE),
            (PDF, "清理方案.pdf", EvidenceKind.AFTER),
        ):
            version = service.attach_evidence(
                case_id, actor=GRID_LEAD, data=data, name=name, kind=kind
            ).version
            hashes.append(service.attached_at(case_id, version).sha256)
        service.resolve(case_id, actor=COORDINATOR, summary="已清理通道")
    return case_id, hashes


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # full hashes on one line each


def test_history_names_each_file_and_its_hash(cli_env: Settings, wide: None) -> None:
    case_id, hashes = case_with_evidence(cli_env)
    result = runner.invoke(app, ["history", str(case_id)])
    assert result.exit_code == 0, result.output
    assert "上传佐证" in result.output
    assert (
        "处置前佐证「现场.jpg」" in result.output and "处置后佐证「清理方案.pdf」" in result.output
    )
    for sha256 in hashes:
        assert sha256 in result.output


def test_verify_names_a_file_swapped_on_disk(cli_env: Settings, wide: None) -> None:
    case_id, hashes = case_with_evidence(cli_env)
    assert runner.invoke(app, ["verify"]).exit_code == 0
    DiskFileStore(cli_env.data_dir / "files").path(hashes[1]).write_bytes(b"%PDF-1.7 forged")
    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 1
    assert str(case_id) in result.output and hashes[1] in result.output


def test_views_agree_with_a_log_holding_evidence(settings: Settings) -> None:
    case_with_evidence(settings)
    with build_container(settings) as container:
        container.projector.catch_up()
        report = audit_views(container.projector)
        assert report.intact, report.differences
        [row], _ = container.ledger.list_cases(
            CaseFilter(), Scope(everything=True), limit=10, offset=0
        )
        # Evidence is no action: the first response is the resolution, not the upload.
        assert (row["version"], row["status"]) == (4, "resolved")
        assert row["first_response_at"] == row["resolved_at"]
