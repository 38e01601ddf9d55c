"""PostgreSQL roles: after `chuishao db setup` the service's role reads and appends the log
but cannot change a row of it, nor drop, disable or neuter its triggers
(docs/reliability.md, "PostgreSQL roles")."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from application.service import CaseService
from infrastructure.append_only import EVENTS_TABLE
from infrastructure.db_roles import DatabaseNotSetUp, role_separation
from infrastructure.settings import Settings
from interfaces.bootstrap import build_case_service, build_container
from interfaces.cli import app, main
from tests.support.actors import GRID_LEAD
from tests.support.backends import PG_URL
from tests.support.db_roles import TwoRoles, runner, setup_ok, two_roles_fixture  # noqa: F401


def report(service: CaseService) -> object:
    return service.report_case(
        actor=GRID_LEAD,
        grid_id="chengshi-huating",
        category_id="fire-lane",
        title="车辆占用消防通道",
    )


def attacks(schema: str, table: str, first_column: str) -> list[str]:
    """What someone holding the service's credentials would try on an append-only table."""
    t = f'"{schema}"."{table}"'
    return [
        f"DROP TRIGGER chuishao_append_only ON {t}",
        f"DROP TRIGGER chuishao_no_truncate ON {t}",
        f"ALTER TABLE {t} DISABLE TRIGGER chuishao_append_only",
        f"ALTER TABLE {t} DISABLE TRIGGER USER",
        f'UPDATE {t} SET "{first_column}" = "{first_column}"',
        f"DELETE FROM {t}",
        f"TRUNCATE {t}",
        f"DROP TABLE {t}",
        f"ALTER TABLE {t} RENAME TO forged",
        f"CREATE TRIGGER forge BEFORE INSERT ON {t} FOR EACH ROW "
        f'EXECUTE FUNCTION "{schema}".chuishao_refuse_change()',
        # Neutering the function every trigger calls would silence them all at once.
        f'CREATE OR REPLACE FUNCTION "{schema}".chuishao_refuse_change() RETURNS trigger '
        "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    ]


def first_column(schema: str, table: str) -> str:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        row = conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum = 1",
            (f'"{schema}"."{table}"',),
        ).fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.postgres
def test_setup_creates_the_log_as_owner_and_grants_the_app_role_only_select_and_insert(
    two_roles: TwoRoles,
) -> None:
    output = setup_ok()
    assert EVENTS_TABLE in output and "已授权" in output and "SELECT, INSERT" in output
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        owner, *privileges = conn.execute(
            "SELECT tableowner, "
            + ", ".join(
                f"has_table_privilege(%s, schemaname || '.' || tablename, '{p}')"
                for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER")
            )
            + " FROM pg_tables WHERE schemaname = %s AND tablename = %s",
            (*[two_roles.role] * 6, two_roles.schema, EVENTS_TABLE),
        ).fetchone()
    assert owner == "postgres"
    assert privileges == [True, True, False, False, False, False]
    assert role_separation(two_roles.settings)


@pytest.mark.postgres
def test_app_role_cannot_drop_disable_or_bypass_the_triggers_nor_change_a_row(
    two_roles: TwoRoles,
) -> None:
    setup_ok()
    with build_case_service(two_roles.settings) as service:
        case_id = report(service).case_id  # type: ignore[attr-defined]
    tables = two_roles.log_tables()
    assert EVENTS_TABLE in tables
    with psycopg.connect(two_roles.app_url, autocommit=True) as conn:
        for table in tables:
            for statement in attacks(
                two_roles.schema, table, first_column(two_roles.schema, table)
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
                    conn.execute(statement)
                # Refused for want of privilege, before any trigger had to step in.
                assert "permission denied" in str(refused.value) or "must be owner" in str(
                    refused.value
                ), statement
    with build_case_service(two_roles.settings) as service:
        assert service.verify().intact
        assert service.get_case(case_id).version == 1
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        triggers = conn.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass "
            "AND NOT tgisinternal ORDER BY tgname",
            (f'"{two_roles.schema}".{EVENTS_TABLE}',),
        ).fetchall()
    assert triggers == [("chuishao_append_only", "O"), ("chuishao_no_truncate", "O")]


@pytest.mark.postgres
def test_service_on_the_app_role_writes_reads_verifies_and_projects(two_roles: TwoRoles) -> None:
    setup_ok()
    with build_container(two_roles.settings) as container:
        assert container.role_separation
        result = report(container.service)
        case = container.service.get_case(result.case_id)  # type: ignore[attr-defined]
        assert case.title == "车辆占用消防通道"
        assert container.service.verify().intact
        container.projector.catch_up()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        projected = conn.execute(
            f'SELECT title FROM "{two_roles.schema}".ledger_cases WHERE case_id = %s',
            (str(case.case_id),),
        ).fetchall()
        owners = dict(
            conn.execute(
                "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = %s",
                (two_roles.schema,),
            ).fetchall()
        )
    assert projected == [("车辆占用消防通道",)]
    # The log stayed the owner's; the views the service built are its own.
    assert owners[EVENTS_TABLE] == "postgres"
    assert owners["ledger_cases"] == two_roles.role


@pytest.mark.postgres
def test_setup_twice_changes_nothing_and_still_guards(two_roles: TwoRoles) -> None:
    setup_ok()
    with build_case_service(two_roles.settings) as service:
        report(service)
    second = setup_ok()
    assert "已存在" in second
    with psycopg.connect(two_roles.app_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f'ALTER TABLE "{two_roles.schema}".{EVENTS_TABLE} DISABLE TRIGGER USER')
    with build_case_service(two_roles.settings) as service:
        report(service)
        assert service.verify().intact


@pytest.mark.postgres
def test_service_refuses_to_start_on_a_schema_not_set_up(
    two_roles: TwoRoles, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(DatabaseNotSetUp, match="chuishao db setup"):
        build_case_service(two_roles.settings)
    monkeypatch.setattr("sys.argv", ["chuishao", "verify"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    out = capsys.readouterr().out
    assert "chuishao db setup" in out and "Traceback" not in out


@pytest.mark.postgres
def test_setup_refuses_a_service_role_that_is_the_owner_or_missing(two_roles: TwoRoles) -> None:
    same = runner.invoke(app, ["db", "setup", "--app-role", "postgres"])
    assert same.exit_code == 1 and "都是 postgres" in same.output
    missing = runner.invoke(app, ["db", "setup", "--app-role", f"{two_roles.role}_nobody"])
    assert missing.exit_code == 1 and "不存在" in missing.output


def test_single_role_mode_is_reported_as_such(service: CaseService, settings: Settings) -> None:
    # SQLite: the file's owner can do anything; PostgreSQL tests run as the tables' owner.
    assert role_separation(settings) is False
    if settings.database_url:  # setup names the table the library derives from the app's name
        assert service.recorder.events_table_name == EVENTS_TABLE  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_setup_takes_over_the_log_of_a_former_single_role_deployment(
    two_roles: TwoRoles,
) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(
                sql.Identifier(two_roles.schema), sql.Identifier(two_roles.role)
            )
        )
    with build_case_service(two_roles.settings) as service:  # the role creates and owns all
        case_id = report(service).case_id  # type: ignore[attr-defined]
    assert not role_separation(two_roles.settings)
    assert "原属" in setup_ok()
    assert role_separation(two_roles.settings)
    attempts = attacks(two_roles.schema, EVENTS_TABLE, "originator_id")
    with psycopg.connect(two_roles.app_url, autocommit=True) as conn:
        for statement in attempts:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    with build_case_service(two_roles.settings) as service:
        assert service.get_case(case_id).version == 1
        report(service)
        assert service.verify().intact


@pytest.mark.postgres
def test_an_owner_role_that_is_not_a_superuser_sets_up_a_schema_of_its_own(
    two_roles: TwoRoles, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, password = f"{two_roles.role}_owner", secrets.token_hex(12)
    schema = f"{two_roles.schema}_own"
    url = urlsplit(PG_URL)
    owner_url = urlunsplit(
        url._replace(netloc=f"{owner}:{password}@{url.hostname}:{url.port or 5432}")
    )
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(owner), sql.Literal(password)
            )
        )
        conn.execute(
            sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(url.path.strip("/")), sql.Identifier(owner)
            )
        )
    monkeypatch.setenv("CHUISHAO_DATABASE_SCHEMA", schema)
    settings = two_roles.settings.model_copy(update={"database_schema": schema})
    try:
        result = runner.invoke(app, ["db", "setup", "--owner-url", owner_url])
        assert result.exit_code == 0, result.output
        with psycopg.connect(two_roles.app_url, autocommit=True) as conn:
            for statement in attacks(schema, EVENTS_TABLE, "originator_id"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
        with build_case_service(settings) as service:
            report(service)
            assert service.verify().intact
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(owner)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(owner)))


@pytest.mark.postgres
def test_service_refuses_to_start_when_a_table_of_the_owner_is_missing(
    two_roles: TwoRoles,
) -> None:
    setup_ok()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP TABLE "{two_roles.schema}".chuishao_users')
    with pytest.raises(DatabaseNotSetUp, match="chuishao_users"):
        build_case_service(two_roles.settings)


@pytest.mark.postgres
def test_app_role_writers_racing_keep_the_log_in_commit_order(two_roles: TwoRoles) -> None:
    """The role may not take the library's EXCLUSIVE table lock; the advisory writer lock
    must keep insert order = commit order, or a follower would skip events."""
    setup_ok()
    writers, commands = 8, 25
    settings = two_roles.settings.model_copy(
        update={"pool_size": writers + 4, "group_commit": False}
    )
    with build_case_service(settings) as service:
        seen: list[int] = []
        stop = threading.Event()

        def follow() -> None:
            last = 0
            while True:
                # Read the flag before the page: an empty page read before the last commit
                # must not end the follow once the writers have finished.
                done = stop.is_set()
                page = service.recorder.select_notifications(last + 1, 500)
                seen.extend(n.id for n in page)
                last = seen[-1] if seen else 0
                if not page and done:
                    return

        def write(i: int) -> None:
            case_id = report(service).case_id  # type: ignore[attr-defined]
            for j in range(commands - 1):
                service.add_note(case_id, actor=GRID_LEAD, text=f"{i}-{j}")

        follower = threading.Thread(target=follow)
        follower.start()
        with ThreadPoolExecutor(writers) as pool:
            list(pool.map(write, range(writers)))
        stop.set()
        follower.join(timeout=30)
    assert seen == list(range(1, writers * commands + 1)), "the follower skipped an event"
