"""Wires 双报到 into the app: the console's pages and forms, the measures panel the
dashboard template includes, and the export routes (XLSX/PDF) the pages link to."""

from __future__ import annotations

from fastapi import FastAPI

from interfaces.http.routes import roster_exports
from interfaces.web import member_forms, roster_forms, roster_pages


def install(app: FastAPI) -> None:
    from interfaces.web.pages import templates

    templates.env.globals["roster_panel"] = roster_pages.roster_panel
    app.include_router(roster_pages.router)
    app.include_router(roster_forms.router)
    app.include_router(member_forms.router)
    app.include_router(roster_exports.router)
