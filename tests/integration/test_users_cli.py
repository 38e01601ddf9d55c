"""`chuishao users add/list/revoke`: tokens printed once and stored only as hashes."""

from __future__ import annotations

import re

from sqlalchemy import text
from typer.testing import CliRunner

from application.access import hash_token
from infrastructure.settings import Settings
from interfaces.bootstrap import build_container
from interfaces.cli import app

runner = CliRunner()


def test_add_prints_a_token_once_and_stores_only_its_hash(cli_env: Settings) -> None:
    added = runner.invoke(
        app,
        [
            "users",
            "add",
            "wang",
            "--role",
            "grid_lead",
            "--scope",
            "grid:binhewan",
            "--name",
            "王网格长",
        ],
    )
    assert added.exit_code == 0, added.output
    token = re.search(r"cs_\S+", added.output)
    assert token is not None
    with build_container(cli_env) as c:
        user = c.users.by_token_hash(hash_token(token.group()))
        assert user is not None and user.scopes == {"grid:binhewan"}
        with c.engine.connect() as conn:
            dump = " ".join(
                str(v) for row in conn.execute(text("SELECT * FROM chuishao_users")) for v in row
            )
    assert token.group() not in dump and hash_token(token.group()) in dump
    listed = runner.invoke(app, ["users", "list"])
    assert "wang" in listed.output and token.group() not in listed.output


def test_bad_role_scope_pairs_are_refused(cli_env: Settings) -> None:
    for args in (
        ["--role", "grid_lead"],
        ["--role", "liaison", "--scope", "grid:binhewan"],
        ["--role", "auditor", "--scope", "street:jianshe"],
        ["--role", "coordinator", "--scope", "street:nowhere"],
    ):
        result = runner.invoke(app, ["users", "add", "x1", *args])
        assert result.exit_code != 0
    with build_container(cli_env) as c:
        assert c.users.all() == []


def test_revoke_stops_the_token_at_once(cli_env: Settings) -> None:
    added = runner.invoke(app, ["users", "add", "aud", "--role", "auditor"])
    token = re.search(r"cs_\S+", added.output)
    assert token is not None
    assert runner.invoke(app, ["users", "revoke", "aud"]).exit_code == 0
    assert runner.invoke(app, ["users", "revoke", "nobody"]).exit_code == 1
    with build_container(cli_env) as c:
        user = c.users.by_token_hash(hash_token(token.group()))
        assert user is not None and user.revoked


def _token(output: str) -> str:
    found = re.search(r"cs_\S+", output)
    assert found is not None, output
    return found.group()


def _status_with(settings: Settings, token: str) -> int:
    from fastapi.testclient import TestClient

    from interfaces.http.app import create_app

    with (
        build_container(settings) as c,
        TestClient(create_app(c, run_projections=False)) as client,
    ):
        return client.get("/cases", headers={"Authorization": f"Bearer {token}"}).status_code


def test_rotate_issues_a_new_token_and_the_old_one_answers_401_at_once(
    cli_env: Settings,
) -> None:
    old = _token(runner.invoke(app, ["users", "add", "aud", "--role", "auditor"]).output)
    rotated = runner.invoke(app, ["users", "rotate", "aud"])
    assert rotated.exit_code == 0, rotated.output
    new = _token(rotated.output)
    assert new != old
    assert _status_with(cli_env, old) == 401
    assert _status_with(cli_env, new) == 200
    assert runner.invoke(app, ["users", "rotate", "nobody"]).exit_code == 1


def test_a_revoked_user_is_re_enabled_with_a_new_token(cli_env: Settings) -> None:
    old = _token(runner.invoke(app, ["users", "add", "wang", "--role", "auditor"]).output)
    assert runner.invoke(app, ["users", "revoke", "wang"]).exit_code == 0
    # a revoked user is not rotated back in by accident, nor added twice
    assert runner.invoke(app, ["users", "rotate", "wang"]).exit_code == 1
    assert runner.invoke(app, ["users", "add", "wang", "--role", "auditor"]).exit_code != 0
    enabled = runner.invoke(app, ["users", "enable", "wang"])
    assert enabled.exit_code == 0, enabled.output
    new = _token(enabled.output)
    assert _status_with(cli_env, old) == 401
    assert _status_with(cli_env, new) == 200
    assert runner.invoke(app, ["users", "enable", "wang"]).exit_code == 1  # not revoked now
    assert "有效" in runner.invoke(app, ["users", "list"]).output


def test_a_display_name_that_disguises_itself_is_refused(cli_env: Settings) -> None:
    result = runner.invoke(
        app, ["users", "add", "li", "--role", "auditor", "--name", "王\u202e管理员"]
    )
    assert result.exit_code != 0
    with build_container(cli_env) as c:
        assert c.users.all() == []
