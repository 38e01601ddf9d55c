"""The composition root: wires the case service from one settings object.

The only module that knows both the application and the infrastructure.
"""

from __future__ import annotations

from application.service import CaseService, Clock, utc_now
from infrastructure.append_only import install_append_only_guards
from infrastructure.event_store import event_store_env
from infrastructure.jurisdiction_file import load_jurisdiction
from infrastructure.settings import Settings


def build_case_service(settings: Settings | None = None, *, clock: Clock = utc_now) -> CaseService:
    settings = settings or Settings()
    service = CaseService(
        event_store_env(settings),
        jurisdiction=load_jurisdiction(settings.jurisdiction_file),
        clock=clock,
    )
    install_append_only_guards(service.recorder)
    return service
