"""The composition root: wires every part from one settings object.

The only module that knows both the application and the infrastructure.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from application.access import AccessPolicy
from application.service import CaseService, Clock, utc_now
from infrastructure.append_only import install_append_only_guards
from infrastructure.event_store import event_store_env, startup_lock
from infrastructure.group_commit import GroupCommitRecorder
from infrastructure.idempotency_sql import SqlIdempotencyStore
from infrastructure.jurisdiction_file import load_jurisdiction
from infrastructure.residents_sql import SqlResidentRegistry
from infrastructure.seals_sql import SqlSealStore
from infrastructure.settings import Settings
from infrastructure.sql import make_engine
from infrastructure.users_sql import SqlUserDirectory
from projections.dashboards import Dashboards
from projections.ledger import CaseLedger, LedgerView
from projections.measures import Weights
from projections.queries import LedgerQueries
from projections.runner import Projector
from projections.snapshots import Snapshots


def build_case_service(
    settings: Settings | None = None, *, clock: Clock = utc_now, engine: Engine | None = None
) -> CaseService:
    settings = settings or Settings()
    engine = engine or make_engine(settings)
    with startup_lock(settings):
        service = CaseService(
            event_store_env(settings),
            jurisdiction=load_jurisdiction(settings.jurisdiction_file),
            clock=clock,
            batch_writes=GroupCommitRecorder if settings.group_commit else None,
            residents=SqlResidentRegistry(engine),
            seals=SqlSealStore(engine),
        )
        install_append_only_guards(service.recorder)
    return service


def build_projector(
    service: CaseService, engine: Engine, reader: Engine | None = None
) -> Projector:
    view = LedgerView(engine, CaseLedger.name, reader)
    return Projector(service, [CaseLedger(view, log=service.recorder)])


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
    ledger: LedgerQueries
    dashboards: Dashboards
    weights: Weights
    projector: Projector
    snapshots: Snapshots  # the dashboards as of a past instant (rebuilt from the log)

    def close(self) -> None:
        self.projector.stop()
        self.snapshots.close()
        self.service.close()
        self.engine.dispose()
        self.reader.dispose()

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build_container(settings: Settings | None = None, *, clock: Clock = utc_now) -> Container:
    settings = settings or Settings()
    engine = make_engine(settings)
    reader = make_engine(settings, for_reads=True) if settings.database_url is None else engine
    service = build_case_service(settings, clock=clock, engine=engine)
    return Container(
        settings=settings,
        service=service,
        engine=engine,
        reader=reader,
        policy=AccessPolicy(service.jurisdiction),
        users=SqlUserDirectory(engine),
        idempotency=SqlIdempotencyStore(engine),
        ledger=LedgerQueries(reader),
        dashboards=Dashboards(reader),
        weights=Weights(
            basically_satisfied=settings.basically_satisfied_weight,
            response=settings.composite_response_weight,
            solved=settings.composite_solved_weight,
            satisfaction=settings.composite_satisfaction_weight,
            target=settings.target_rate,
        ),
        projector=build_projector(service, engine, reader),
        snapshots=Snapshots(service),
    )
