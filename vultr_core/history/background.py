"""The app's own snapshots: at most one an hour per process, in a daemon thread.

``take_snapshot_in_background`` returns at once (it only starts a thread), so calling it on
every page view never slows a page. Within the hour it does not even start a thread; across
processes and replicas the store's advisory lock and hourly row keep it to one snapshot an hour.
A failure is logged and kept for ``last_background_snapshot``; the next hour tries again.

Light to import (the snapshot's own modules load in the thread), so the UI's main script can
call it before the pages' heavy imports.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from vultr_core.api.errors import VultrError
from vultr_core.config import Settings

if TYPE_CHECKING:
    from vultr_core.history.snapshot import SnapshotOutcome

logger = logging.getLogger(__name__)

BACKGROUND_INTERVAL_S = 3600.0


@dataclass(frozen=True)
class BackgroundSnapshot:
    """How the last background snapshot of a configuration went."""

    finished_at: datetime
    outcome: SnapshotOutcome | None
    error: str | None


_lock = threading.Lock()
_started_at: dict[str, float] = {}
_last: dict[str, BackgroundSnapshot] = {}


def take_snapshot_in_background(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.monotonic,
    snapshot: Callable[[Settings], SnapshotOutcome] | None = None,
) -> threading.Thread | None:
    """Start this hour's snapshot in a daemon thread, unless this process started one less
    than an hour ago; the thread, or None when none was started."""
    key = settings.cache_key
    with _lock:
        started = _started_at.get(key)
        if started is not None and clock() - started < BACKGROUND_INTERVAL_S:
            return None
        _started_at[key] = clock()
    thread = threading.Thread(
        target=_run, args=(settings, snapshot), name="history-snapshot", daemon=True
    )
    thread.start()
    return thread


def last_background_snapshot(settings: Settings) -> BackgroundSnapshot | None:
    with _lock:
        return _last.get(settings.cache_key)


def _run(settings: Settings, snapshot: Callable[[Settings], SnapshotOutcome] | None) -> None:
    outcome, error = None, None
    try:
        if snapshot is None:
            from vultr_core.history.snapshot import take_snapshot

            outcome = take_snapshot(settings)
        else:
            outcome = snapshot(settings)
    except VultrError as failure:
        error = str(failure)
        logger.warning("background snapshot failed: %s", error)
    with _lock:
        _last[settings.cache_key] = BackgroundSnapshot(datetime.now(UTC), outcome, error)
