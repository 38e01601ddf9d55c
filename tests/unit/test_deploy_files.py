"""deploy/: the systemd units and the compose file start real CLI commands.

Each ExecStart and compose command is given to the CLI with ``--help``: an unknown
command or option fails to parse, so a renamed flag breaks this test, not a deployment.
`systemd-analyze verify` checks the units where it is installed.
"""

from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from interfaces.cli import app
from tests.support.backends import sqlite_module

pytestmark = sqlite_module

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = DEPLOY / "systemd"
SERVICES = ("chuishao-web", "chuishao-projector", "chuishao-notifier")
INSTALLED_AT = "/opt/chuishao/.venv/bin/chuishao"


def accepts(args: list[str]) -> None:
    """The CLI parses ``args`` (a subcommand and its options) without error."""
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, (args, result.output)


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNITS / name, encoding="utf-8")
    return parser


def test_each_unit_starts_a_real_cli_command() -> None:
    started = {}
    for name in SERVICES:
        service = unit(f"{name}.service")
        command = shlex.split(service["Service"]["ExecStart"])
        assert command[0] == INSTALLED_AT
        accepts(command[1:])
        started[name] = command[1:3]
        assert service["Service"]["Restart"] == "always"
        assert service["Unit"]["PartOf"] == "chuishao.target"
        assert service["Install"]["WantedBy"] == "chuishao.target"
    assert started == {
        "chuishao-web": ["worker", "web"],
        "chuishao-projector": ["worker", "projector"],
        "chuishao-notifier": ["worker", "notifier"],
    }
    web = unit("chuishao-web.service")["Service"]
    assert web["Environment"] == "PROMETHEUS_MULTIPROC_DIR=/run/chuishao-web"
    assert web["RuntimeDirectory"] == "chuishao-web"  # fresh (empty) at every start
    target = unit("chuishao.target")
    assert set(target["Unit"]["Wants"].split()) == {f"{n}.service" for n in SERVICES}


def test_the_env_example_names_real_settings() -> None:
    from infrastructure.settings import Settings

    names = re.findall(r"^(CHUISHAO_\w+)=", (UNITS / "chuishao.env.example").read_text(), re.M)
    known = {f"CHUISHAO_{f.upper()}" for f in Settings.model_fields}
    assert names and set(names) <= known, set(names) - known


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    # The units name the installed path; here the CLI is the test's own.
    chuishao = Path(sys.executable).parent / "chuishao"
    for source in UNITS.glob("chuishao*"):
        if source.suffix in (".service", ".target"):
            text = source.read_text().replace(INSTALLED_AT, str(chuishao))
            (tmp_path / source.name).write_text(text)
    names = sorted(str(p) for p in tmp_path.iterdir())
    done = subprocess.run(
        ["systemd-analyze", "verify", *names], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "chuishao" not in done.stderr, done.stderr  # no warning about our units


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_compose_runs_app_workers_and_postgres() -> None:
    services = compose()["services"]
    assert set(services) == {"app", "projector", "notifier", "postgres"}
    assert services["postgres"]["image"].startswith("postgres:")
    for name in ("app", "projector", "notifier"):
        service = services[name]
        accepts(service["command"])  # the image's entrypoint is `chuishao`
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
        url = service["environment"]["CHUISHAO_DATABASE_URL"]
        assert url.startswith("postgresql://") and "@postgres:5432/" in url
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["app"]["command"][:2] == ["worker", "web"]
    assert services["app"]["environment"]["PROMETHEUS_MULTIPROC_DIR"] in services["app"]["tmpfs"]
    assert services["projector"]["command"] == ["worker", "projector"]
    assert services["notifier"]["command"] == ["worker", "notifier"]


def test_the_dockerfile_entrypoint_and_command_are_the_cli() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    entry = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M)[1])  # type: ignore[index]
    command = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M)[1])  # type: ignore[index]
    assert entry == ["chuishao"]
    accepts(command)
    for package in ("domain", "application", "infrastructure", "interfaces", "projections"):
        assert f"COPY {package} ./{package}" in text
