"""The embedded store with real keys keeps its history across restarts, and never opens up a
folder it should not (running as root)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW
from vultr_core.api.errors import ConfigurationError
from vultr_core.history.persistent import persistent_postgres_url, stop_persistent_servers
from vultr_core.history.store import HistoryStore
from vultr_core.history.writer import write_point
from vultr_core.redaction import Secret
from vultr_core.simulator import DEMO_API_KEY, Simulator

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A folder of its own under /tmp, which every user may already enter (see
    ``history.persistent`` on running as root)."""
    parent = Path(tempfile.mkdtemp(prefix="vultr-dashboard-history-test-"))
    parent.chmod(0o755)
    folder = parent / "history"
    yield folder
    stop_persistent_servers()
    shutil.rmtree(folder.parent, ignore_errors=True)


def points(store: HistoryStore) -> list[float]:
    with store.connection("reading") as conn:
        rows = conn.execute("SELECT pending_total_usd FROM snapshots ORDER BY hour").fetchall()
    return [float(row["pending_total_usd"]) for row in rows]


def test_history_survives_a_restart_of_the_embedded_server(data_dir: Path) -> None:
    store = HistoryStore(Secret(persistent_postgres_url(data_dir)))
    store.migrate()
    moment = datetime(2026, 11, 17, 9, 5, tzinfo=UTC)
    with store.connection("writing") as conn:
        write_point(conn, hour=moment.replace(minute=0), taken_at=moment, pending_total_usd=42.5,
                    resource_count=3, categories={})  # fmt: skip
    stop_persistent_servers()

    again = HistoryStore(Secret(persistent_postgres_url(data_dir)))
    assert again.migrate() == []
    assert points(again) == [42.5]


def test_two_processes_one_after_the_other_share_the_history(data_dir: Path) -> None:
    """The real restart: each ``snapshot`` is a process of its own, which starts the embedded
    server and stops it when it exits."""
    with Simulator(size="small", now=FIXED_NOW).serve() as server:
        environ = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", ""),
            "VULTR_API_KEY": DEMO_API_KEY,
            "VULTR_API_URL": f"{server.base_url}/v2",
            "HISTORY_DATA_DIR": str(data_dir),
        }
        runs = [
            subprocess.run(
                [sys.executable, "-m", "vultr_core", "snapshot", "--json"],
                cwd=ROOT,
                env=environ,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            for _ in range(2)
        ]
    first, second = (json.loads(run.stdout) for run in runs)
    assert [run.returncode for run in runs] == [0, 0], [run.stderr for run in runs]
    assert (first["status"], second["status"]) == ("taken", "already_taken")
    assert second["taken_at"] == first["taken_at"]
    assert str(data_dir) in second["store"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="root only")
def test_as_root_a_folder_under_a_closed_parent_is_refused_not_opened() -> None:
    closed = Path(tempfile.mkdtemp(prefix="vultr-dashboard-closed-"))
    try:
        closed.chmod(0o700)
        with pytest.raises(ConfigurationError) as caught:
            persistent_postgres_url(closed / "history")
        assert caught.value.setting == "HISTORY_DATA_DIR"
        assert f"under {closed}, which other users cannot enter" in str(caught.value)
        assert stat.S_IMODE(closed.stat().st_mode) == 0o700
        assert not (closed / "history").exists()
    finally:
        shutil.rmtree(closed, ignore_errors=True)
