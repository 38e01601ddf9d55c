"""The composition root: wires every part from one settings object.

The only module that knows both the application and the infrastructure.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from application.access import AccessPolicy
from application.evidence import EvidenceFiles, FileStore
from application.notifications import Backoff
from application.places import Places
from application.roster import RosterService
from application.service import CaseService, Clock, utc_now
from application.sessions import ConsoleSessions, SessionLimits
from application.signed_log import SignedLog
from domain.times import BEIJING
from infrastructure.append_only import install_append_only_guards
from infrastructure.contact_cipher import ContactCipher
from infrastructure.db_roles import check_log_tables, role_separation
from infrastructure.event_store import event_store_env, startup_lock
from infrastructure.file_store import DiskFileStore
from infrastructure.grid_locator import ShapelyGridLocator
from infrastructure.group_commit import GroupCommitRecorder
from infrastructure.idempotency_sql import SqlIdempotencyStore
from infrastructure.images import PillowCleaner
from infrastructure.jurisdiction_file import load_jurisdiction
from infrastructure.log_signatures import BatchSigner, SignatureLog
from infrastructure.notify_config import load_notify_config
from infrastructure.read_replicas import ReplicaState
from infrastructure.residents_sql import SqlResidentRegistry
from infrastructure.server_secret import (
    CONTACT_KEYS,
    REQUEST_HMAC,
    derived_key,
    server_secret,
)
from infrastructure.sessions_sql import SqlSessionStore
from infrastructure.settings import Settings
from infrastructure.signing_keys import (
    FileSigner,
    check_signature,
    key_file,
    keyring,
    load_or_create_signer,
)
from infrastructure.sql import make_engine
from infrastructure.users_sql import SqlUserDirectory
from infrastructure.webhooks import WebhookSender
from infrastructure.working_days import ChineseWorkingDays
from interfaces.notifier import DeadlineTimer, Notifier
from interfaces.read_sides import PRIMARY, Reading, ReadRouter, ReadSide, build_read_router
from projections.case_duplicates import DuplicateFinder, DuplicateRules, SameCommunity
from projections.dashboards import Dashboards
from projections.deadline_scan import DeadlineIndex
from projections.ledger import CaseLedger, LedgerView
from projections.measures import Weights
from projections.outbox import OutboxProjection, OutboxStore, OutboxView
from projections.queries import LedgerQueries
from projections.roster import RosterView
from projections.runner import Projector
from projections.snapshots import Snapshots


def build_case_service(
    settings: Settings | None = None,
    *,
    clock: Clock = utc_now,
    engine: Engine | None = None,
    signing: bool = True,
    announce: Callable[[str], None] | None = None,
) -> CaseService:
    """The case service. ``signing``: load (or on first run create) the signing key and
    refuse a key the log does not know; without it the service can read and verify
    (with public keys alone) but not write events."""
    settings = settings or Settings()
    # With roles separated (`chuishao db setup`) the service's role runs no DDL on the log:
    # the owner created the tables and triggers, and the role may not touch them.
    separated = check_log_tables(settings)
    env = event_store_env(settings)
    if separated:
        env["CREATE_TABLE"] = "n"
    engine = engine or make_engine(settings)
    signer: FileSigner | None = None
    if signing:
        signer, created = load_or_create_signer(settings)
        if created:
            (announce or _stderr)(
                f"已生成日志签名密钥 {key_file(settings)}（密钥编号 {signer.key_id}）；"
                "请妥善保管并备份，勿与数据库放在一起。"
                f" / Created the log signing key {key_file(settings)} (key id {signer.key_id})."
            )
    cipher = ContactCipher(derived_key(server_secret(settings), CONTACT_KEYS))
    jurisdiction = load_jurisdiction(settings.jurisdiction_file)
    calendar = ChineseWorkingDays(
        jurisdiction.local_days_off,
        holidays=jurisdiction.holidays,
        make_up_workdays=jurisdiction.make_up_workdays,
        listed_years=jurisdiction.listed_years,
    )
    this_year = datetime.now(BEIJING).year  # the real year: whatever clock the service runs on
    missing = calendar.missing_years([this_year, this_year + 1])
    if missing and signing:
        (announce or _stderr)(
            f"工作日历未收录 {'、'.join(map(str, missing))} 年的法定节假日与调休：这些年份暂按周一至周五计算"
            "工作日时限；国务院放假安排发布后请写入辖区文件 [calendar]。"
            f" / The holiday calendar does not know {missing}: working-day limits count"
            " Monday to Friday until the jurisdiction file lists that year's notice."
        )
    with startup_lock(settings):
        residents = SqlResidentRegistry(engine, cipher, install=not separated)
        service = CaseService(
            env,
            jurisdiction=jurisdiction,
            clock=clock,
            calendar=calendar,
            separate_callback=settings.separate_callback,
            batch_writes=GroupCommitRecorder if settings.group_commit else None,
            residents=residents,
            signer=signer,
            check_signature=check_signature,
            trusted_keys=keyring(settings),
            files=EvidenceFiles(
                build_file_store(settings), PillowCleaner(), max_bytes=settings.max_upload_bytes
            ),
        )
        try:
            service.signatures = SignatureLog(service.recorder)
            if not separated:
                install_append_only_guards(service.recorder)
                residents.migrate_plaintext()  # drops a table: the owner's work
            if signer is not None:
                service.recorder.batch_signer = BatchSigner(service.recorder, signer)
                service.prepare_signing()
        except BaseException:
            service.close()
            raise
    return service


def build_roster_service(
    settings: Settings, service: CaseService, *, separated: bool = False
) -> RosterService:
    """The 双报到 roster and needs, in a log of their own beside the cases' (same database,
    table ``chuishao_roster_events``), sharing the cases' contact store and request keys,
    signed with the cases' key (table ``chuishao_roster_log_signatures``). Without a
    signer (``build_case_service(signing=False)``) it reads and verifies, never writes."""
    env = event_store_env(settings)
    postgres = env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    env["APPLICATION_RECORDER_TOPIC"] = (
        "infrastructure.roster_recorders:RosterPostgresRecorder"
        if postgres
        else "infrastructure.roster_recorders:RosterSQLiteRecorder"
    )
    if separated:
        env["CREATE_TABLE"] = "n"
    with startup_lock(settings):
        roster = RosterService(env, cases=service, clock=service.clock, residents=service.residents)
        try:
            if not separated:
                install_append_only_guards(roster.recorder)
            # Signed like the case log, with the same key, in a chain of its own.
            roster.signed_log = SignedLog(
                roster.recorder,
                roster.mapper,
                SignatureLog(roster.recorder),
                signer=service.signer,
                check_signature=service.check_signature or check_signature,
                trusted_keys=service.trusted_keys,
            )
            if service.signer is not None:
                recorder: Any = roster.recorder  # one of roster_recorders.py's
                recorder.batch_signer = BatchSigner(recorder, service.signer)
                roster.signed_log.prepare_signing()
        except BaseException:
            roster.close()
            raise
    return roster


def build_file_store(settings: Settings) -> FileStore:
    """Evidence files on disk under the data directory, or in an S3-compatible bucket."""
    if settings.file_store is None:
        return DiskFileStore(settings.data_dir / "files")
    from infrastructure.file_store_s3 import S3FileStore  # boto3 only where it is used

    return S3FileStore.from_url(
        settings.file_store,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
    )


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)


def build_projector(
    service: CaseService, engine: Engine, reader: Engine | None = None
) -> Projector:
    view = LedgerView(engine, CaseLedger.name, reader)
    return Projector(service, [CaseLedger(view, log=service.recorder)])


def build_notifier(
    service: CaseService,
    settings: Settings,
    engine: Engine,
    reader: Engine | None = None,
    *,
    sender: WebhookSender | None = None,
    environ: Mapping[str, str] | None = None,
) -> Notifier:
    """The deadline timer, the outbox (installed at the log's head on first use, so
    history is not sent) and the webhook sender, from the settings and the jurisdiction
    file's ``[notify]`` section. Endpoints whose variables are unset are left out (and
    said so once, at start): the demo file names some that nobody switched on."""
    environ = os.environ if environ is None else environ
    full = load_notify_config(settings.jurisdiction_file, service.jurisdiction)
    config, switched_off = full.usable(environ)
    view = OutboxView(engine, OutboxProjection.name, reader)
    view.install(service.name, service.recorder.max_notification_id() or 0)
    projection = OutboxProjection(
        view,
        case_at=lambda case_id, version: service.case_at(case_id, version=version),
        jurisdiction=service.jurisdiction,
        config=config,
    )
    near = timedelta(minutes=settings.notify_near_minutes)
    return Notifier(
        service=service,
        projector=Projector(service, [projection]),
        store=OutboxStore(engine, reader),
        sender=sender or WebhookSender(timeout=settings.notify_timeout_seconds, environ=environ),
        config=config,
        switched_off=switched_off,
        timer=DeadlineTimer(service, DeadlineIndex(engine, reader), near),
        backoff=Backoff(
            base=timedelta(seconds=settings.notify_backoff_base_seconds),
            cap=timedelta(seconds=settings.notify_backoff_max_seconds),
            max_attempts=settings.notify_max_attempts,
        ),
        lease=timedelta(seconds=settings.notify_lease_seconds),
        clock=service.clock,
        poll_seconds=settings.notify_poll_seconds,
        scan_seconds=settings.notify_scan_seconds,
    )


@dataclass
class Container:
    """Everything the HTTP app and the CLI use, built once per process."""

    settings: Settings
    service: CaseService
    engine: Engine
    reader: Engine
    policy: AccessPolicy
    users: SqlUserDirectory
    idempotency: SqlIdempotencyStore
    request_hmac_key: bytes
    ledger: LedgerQueries
    duplicates: DuplicateFinder  # 可能重复的案件 (the Nearby hook: case_duplicates.py)
    dashboards: Dashboards
    weights: Weights
    projector: Projector
    sessions: ConsoleSessions
    snapshots: Snapshots  # the dashboards as of a past instant (rebuilt from the log)
    notifier: Notifier  # webhooks: deadline timer, outbox, sender (started by `serve`)
    places: Places  # which grid a point or an address lies in (Open311)
    roster: RosterService  # 双报到: council units, members, needs (application/roster.py)
    roster_view: RosterView  # its read model, refreshed on read (projections/roster.py)
    # False on SQLite and when the service's role owns the log's tables (single-role mode).
    role_separation: bool = False
    # Reads of the views: the primary, or a hot standby that has caught up (read_sides.py).
    reads: ReadRouter | None = None

    def reading(self, min_position: int = 0) -> Reading:
        """Where a read of the views that must include ``min_position`` runs."""
        if self.reads is None:
            return Reading(self.primary_side, lambda: tuple(sorted(self.projector.marks().items())))
        return self.reads.reading(min_position)

    @property
    def primary_side(self) -> ReadSide:
        return ReadSide(PRIMARY, self.reader, self.ledger, self.dashboards, self.duplicates)

    def replica_lag(self) -> list[ReplicaState]:
        """Each hot standby's lag (bytes, seconds) and its views' log position."""
        return self.reads.lag() if self.reads is not None else []

    def close(self) -> None:
        self.notifier.close()
        self.projector.stop()
        if self.reads is not None:
            self.reads.close()
        self.roster.close()
        self.snapshots.close()
        self.service.close()
        self.engine.dispose()
        self.reader.dispose()

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build_container(
    settings: Settings | None = None, *, clock: Clock = utc_now, signing: bool = True
) -> Container:
    """``signing=False`` for processes that write no events (projection workers, user
    administration): they never need the private key."""
    settings = settings or Settings()
    engine = make_engine(settings)
    reader = make_engine(settings, for_reads=True) if settings.database_url is None else engine
    service = build_case_service(settings, clock=clock, engine=engine, signing=signing)
    separated = role_separation(settings)
    # Look-ups (every request's caller) on the reader: on SQLite they never wait for the
    # write lock; changes (users, sessions, sign-in failures) on the writer.
    users = SqlUserDirectory(engine, reader=reader, create=not separated)
    roster = build_roster_service(settings, service, separated=separated)
    container = Container(
        settings=settings,
        service=service,
        engine=engine,
        reader=reader,
        policy=AccessPolicy(service.jurisdiction),
        users=users,
        idempotency=SqlIdempotencyStore(
            engine, ttl=timedelta(hours=settings.idempotency_ttl_hours), clock=clock
        ),
        request_hmac_key=derived_key(server_secret(settings), REQUEST_HMAC),
        ledger=LedgerQueries(reader),
        duplicates=DuplicateFinder(
            reader,
            SameCommunity(service.jurisdiction),
            DuplicateRules(
                window=timedelta(hours=settings.duplicate_window_hours),
                min_similarity=settings.duplicate_min_similarity,
            ),
        ),
        dashboards=Dashboards(reader),
        weights=Weights(
            basically_satisfied=settings.basically_satisfied_weight,
            response=settings.composite_response_weight,
            solved=settings.composite_solved_weight,
            satisfaction=settings.composite_satisfaction_weight,
            target=settings.target_rate,
        ),
        projector=build_projector(service, engine, reader),
        role_separation=separated,
        sessions=ConsoleSessions(
            SqlSessionStore(engine, reader=reader),
            users,
            service.clock,
            SessionLimits(
                lifetime=timedelta(minutes=settings.session_lifetime_minutes),
                idle=timedelta(minutes=settings.session_idle_minutes),
                max_failures=settings.sign_in_max_failures,
                failure_window=timedelta(minutes=settings.sign_in_window_minutes),
            ),
        ),
        snapshots=Snapshots(service),
        notifier=build_notifier(service, settings, engine, reader),
        places=Places(service.jurisdiction, ShapelyGridLocator(service.jurisdiction)),
        roster=roster,
        roster_view=RosterView(roster),
    )
    container.reads = build_read_router(settings, container.primary_side, container.projector)
    return container
