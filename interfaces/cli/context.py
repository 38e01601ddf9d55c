"""The settings of one `chuishao` run: read once (by the app's callback), then passed down
through Typer's context to every command."""

from __future__ import annotations

import typer
from pydantic import ValidationError
from rich.console import Console

from infrastructure.settings import Settings, settings_errors

_errors = Console(stderr=True)


def settings_of(ctx: typer.Context) -> Settings:
    """This run's settings, read from the environment the first time they are asked for."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = read_settings()
    return root.obj


def read_settings() -> Settings:
    """The settings, or a clear message naming each bad variable and exit status 2."""
    try:
        return Settings()
    except ValidationError as e:
        _errors.print("[red]配置有误，无法启动[/red]（invalid settings）：")
        for line in settings_errors(e):
            _errors.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
