"""Evidence files through the service, on disk and in an S3 bucket (moto's server):
stored by hash, read back re-hashed, and a swapped or lost file reported by verify."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import boto3
import pytest
from moto.server import ThreadedMotoServer

from application.errors import CaseNotFound
from application.evidence import EvidenceFiles, EvidenceNotFound, EvidenceUnavailable, sha256_of
from application.service import CaseService
from domain.errors import RuleViolation
from domain.evidence import EvidenceKind
from infrastructure.file_store import DiskFileStore
from infrastructure.file_store_s3 import S3FileStore, parse_s3_url
from infrastructure.images import PillowCleaner
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service
from tests.evidence_images import PDF, has_gps, photo_with_gps
from tests.support.actors import COORDINATOR, GRID_LEAD
from tests.support.clock import FakeClock
from tests.support.processes import free_port


def report(service: CaseService) -> UUID:
    return service.report_case(
        actor=GRID_LEAD, grid_id="chengshi-huating", category_id="fire-lane", title="占用消防通道"
    ).case_id


def allow(_: Any) -> None:
    pass


def attach(service: CaseService, case_id: UUID, data: bytes, **kw: Any) -> str:
    result = service.attach_evidence(
        case_id, actor=GRID_LEAD, data=data, name="现场.jpg", kind=EvidenceKind.BEFORE, **kw
    )
    return service.attached_at(case_id, result.version).sha256


def stored_path(settings: Settings, sha256: str) -> Path:
    return DiskFileStore(settings.data_dir / "files").path(sha256)


def test_a_photo_is_stored_clean_under_its_hash(service: CaseService, settings: Settings) -> None:
    case_id = report(service)
    sha256 = attach(service, case_id, photo_with_gps())
    evidence, data = service.evidence_file(case_id, sha256, check=allow)
    assert sha256_of(data) == sha256 == evidence.sha256
    assert not has_gps(data)
    assert stored_path(settings, sha256).read_bytes() == data
    _, thumb = service.evidence_file(case_id, sha256, check=allow, thumbnail=True)
    assert sha256_of(thumb) == evidence.thumbnail_sha256
    assert service.verify().intact


def test_a_refused_attachment_writes_no_file(service: CaseService, settings: Settings) -> None:
    case_id = report(service)
    service.withdraw(case_id, actor=COORDINATOR, reason="居民撤回")
    with pytest.raises(RuleViolation):
        attach(service, case_id, PDF)
    assert not (settings.data_dir / "files").exists()


def test_the_access_check_runs_before_the_file_is_read(service: CaseService) -> None:
    case_id = report(service)
    sha256 = attach(service, case_id, PDF)

    def deny(_: Any) -> None:
        raise CaseNotFound(case_id)

    with pytest.raises(CaseNotFound):
        service.evidence_file(case_id, sha256, check=deny)


def test_a_file_of_another_case_is_not_found_on_this_one(service: CaseService) -> None:
    mine, theirs = report(service), report(service)
    sha256 = attach(service, theirs, PDF)
    with pytest.raises(EvidenceNotFound):
        service.evidence_file(mine, sha256, check=allow)


def test_a_file_swapped_on_disk_is_reported_by_verify_and_not_served(
    service: CaseService, settings: Settings
) -> None:
    """The attacker can write the file store but not sign the log."""
    case_id = report(service)
    sha256 = attach(service, case_id, PDF)
    stored_path(settings, sha256).write_bytes(PDF.replace(b"1.4", b"1.7"))
    report_ = service.verify()
    assert not report_.intact
    [problem] = report_.problems
    assert (problem.case_id, problem.version) == (case_id, 2)
    assert "does not hash to its name" in problem.problem
    assert "does not hash" in (getattr(service.verify_case(case_id), "problem", "") or "")
    with pytest.raises(EvidenceUnavailable):
        service.evidence_file(case_id, sha256, check=allow)


def test_a_lost_thumbnail_is_reported_by_verify(service: CaseService, settings: Settings) -> None:
    case_id = report(service)
    sha256 = attach(service, case_id, photo_with_gps())
    thumb = service.attached_at(case_id, 2).thumbnail_sha256
    assert thumb is not None
    stored_path(settings, thumb).unlink()
    [problem] = service.verify().problems
    assert "missing" in problem.problem and thumb in problem.problem
    assert sha256 not in problem.problem


# ----- the S3 adapter, against moto's in-process S3 server --------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_settings(tmp_path: Path, s3_endpoint: str) -> Settings:
    bucket = f"evidence-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    settings = Settings(
        data_dir=tmp_path,
        database_url=None,
        file_store=f"s3://{bucket}/chuishao/files",
        s3_endpoint_url=s3_endpoint,
        s3_region="us-east-1",
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
    )
    client(settings).create_bucket(Bucket=bucket)
    return settings


def client(settings: Settings) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
    )


def test_s3_urls_name_bucket_and_prefix() -> None:
    assert parse_s3_url("s3://bucket/a/b/") == ("bucket", "a/b")
    assert parse_s3_url("s3://bucket") == ("bucket", "")


def test_the_s3_store_keeps_files_under_their_hash(s3_settings: Settings) -> None:
    assert s3_settings.file_store is not None
    store = S3FileStore.from_url(
        s3_settings.file_store,
        endpoint_url=s3_settings.s3_endpoint_url,
        region=s3_settings.s3_region,
        access_key_id=s3_settings.s3_access_key_id,
        secret_access_key=s3_settings.s3_secret_access_key,
    )
    files = EvidenceFiles(store, PillowCleaner(), max_bytes=1_000_000)
    prepared = files.prepare(PDF, "a.pdf")
    assert store.get(prepared.sha256) is None
    files.keep(prepared)
    assert files.read(prepared.sha256) == PDF
    bucket, prefix = parse_s3_url(s3_settings.file_store)
    keys = [o["Key"] for o in client(s3_settings).list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [f"{prefix}/{prepared.sha256}"]


def test_a_file_swapped_in_the_bucket_is_reported_by_verify(
    s3_settings: Settings, clock: FakeClock
) -> None:
    with build_case_service(s3_settings, clock=clock) as service:
        case_id = report(service)
        sha256 = attach(service, case_id, photo_with_gps())
        assert not (s3_settings.data_dir / "files").exists()  # in the bucket, not on disk
        assert service.verify().intact
        bucket, prefix = parse_s3_url(s3_settings.file_store or "")
        client(s3_settings).put_object(Bucket=bucket, Key=f"{prefix}/{sha256}", Body=PDF)
        [problem] = service.verify().problems
        assert problem.case_id == case_id and "does not hash to its name" in problem.problem
        with pytest.raises(EvidenceUnavailable):
            service.evidence_file(case_id, sha256, check=allow)
