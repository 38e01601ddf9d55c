"""Where the per-user secrets live (signing keys, server secrets): never beside the database.

Whoever can copy the database (a backup, a replica, its files) must not also get the keys
that authenticate it, so the default is the user's config directory, not the data directory.
"""

from __future__ import annotations

from pathlib import Path

from infrastructure.settings import Settings


def config_dir(settings: Settings) -> Path:
    """``CHUISHAO_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/chuishao``, else ``~/.config/chuishao``."""
    if settings.config_dir is not None:
        return settings.config_dir
    base = settings.xdg_config_home or Path.home() / ".config"
    return base / "chuishao"
