"""Errors keep to their layers: one project base, and no database driver named in HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from application.access import Forbidden, Unauthenticated
from application.errors import ApplicationError, StorageUnavailable
from application.sessions import BadSignIn, TooManySignIns
from domain.errors import ChuishaoError, DomainError, RuleViolation
from interfaces.http.waiting import ViewsBehind
from interfaces.web.session import SignInRequired

ROOT = Path(__file__).resolve().parents[2]
# Drivers and the library's persistence layer: adapters translate their errors.
STORAGE_MODULES = ("psycopg", "sqlalchemy", "eventsourcing.persistence")
HTTP_PACKAGES = ("interfaces/http", "interfaces/web")


def imported_modules(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def storage_imports(source: str) -> set[str]:
    return {
        name
        for name in imported_modules(source)
        if any(name == m or name.startswith(m + ".") for m in STORAGE_MODULES)
    }


def test_the_import_check_sees_every_form_of_a_driver_import() -> None:
    source = (
        "import psycopg\n"
        "import sqlalchemy.exc as sa_exc\n"
        "from eventsourcing.persistence import OperationalError\n"
        "from eventsourcing import persistence\n"
        "from sqlalchemy.exc import DBAPIError\n"
        "def f():\n    import psycopg.errors\n"
    )
    assert storage_imports(source) == {
        "psycopg",
        "psycopg.errors",
        "sqlalchemy.exc",
        "sqlalchemy.exc.DBAPIError",
        "eventsourcing.persistence",
        "eventsourcing.persistence.OperationalError",
    }
    assert storage_imports("from eventsourcing.domain import Aggregate\n") == set()


@pytest.mark.parametrize(
    "module",
    sorted(str(p.relative_to(ROOT)) for d in HTTP_PACKAGES for p in (ROOT / d).rglob("*.py")),
)
def test_http_modules_import_no_database_driver(module: str) -> None:
    assert storage_imports((ROOT / module).read_text(encoding="utf-8")) == set()


@pytest.mark.parametrize(
    "error",
    [
        Unauthenticated(),
        Forbidden("禁止", "forbidden"),
        BadSignIn(),
        TooManySignIns(5),
        StorageUnavailable("OperationalError"),
    ],
)
def test_access_and_storage_errors_are_the_projects_but_not_the_domains(
    error: ChuishaoError,
) -> None:
    assert isinstance(error, ApplicationError) and isinstance(error, ChuishaoError)
    assert not isinstance(error, DomainError)


@pytest.mark.parametrize("error", [ViewsBehind(7), SignInRequired("/ui/")])
def test_http_errors_are_the_projects_but_not_the_domains(error: ChuishaoError) -> None:
    assert isinstance(error, ChuishaoError) and not isinstance(error, DomainError)


def test_domain_errors_sit_under_the_project_base() -> None:
    assert isinstance(RuleViolation("规则", "rule"), ChuishaoError)
