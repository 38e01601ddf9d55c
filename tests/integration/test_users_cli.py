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
