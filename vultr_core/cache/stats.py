"""CacheHelper's hit, miss and compute-time counters, kept in memory and added to Valkey."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any, cast

import valkey

from vultr_core.cache.format import COUNTS, CacheStats, parse_stats, stats_fields
from vultr_core.cache.valkey_calls import execute, valkey_errors

# Counts are kept in memory and added to Valkey at most this often, riding on the next round
# trip, so a hit stays one round trip.
DEFAULT_STATS_FLUSH_INTERVAL_S = 1.0


class StatsRecorder:
    """Counts hits and misses per value header and flushes them to the ``N:stats`` hash.

    A mixin: CacheHelper sets the attributes declared here.
    """

    client: valkey.Valkey
    _stats_key: str
    _pending: dict[bytes, dict[str, float]]
    _pending_lock: threading.Lock
    _flushed_at: float
    _flush_interval_s: float

    def stats(self) -> CacheStats:
        """The counters every replica has added to, including this process's latest."""
        self.flush_stats()
        with valkey_errors(self.client, "reading cache statistics"):
            raw = cast(dict[bytes, bytes], self.client.hgetall(self._stats_key))
        return parse_stats(raw)

    def flush_stats(self) -> None:
        """Add this process's counted-but-unsent figures to Valkey now."""
        taken = self._take_counts(force=True)
        if not taken:
            return
        try:
            with (
                valkey_errors(self.client, "saving cache statistics"),
                self.client.pipeline(transaction=False) as pipe,
            ):
                self._queue_counts(pipe, taken)
                execute(pipe)
        except Exception:
            self._restore_counts(taken)
            raise

    def _get_carrying_counts(self, name: str) -> bytes | None:
        """GET; when a flush is due, the counts ride along in the same round trip."""
        taken = self._take_counts(force=False)
        if not taken:
            return cast(bytes | None, self.client.get(name))
        try:
            with self.client.pipeline(transaction=False) as pipe:
                self._queue_counts(pipe, taken)
                pipe.get(name)
                return cast(bytes | None, execute(pipe)[-1])
        except Exception:
            self._restore_counts(taken)
            raise

    def _count(self, header: bytes, outcome: str, waited_ms: float | None = None) -> None:
        with self._pending_lock:
            counts = self._pending.get(header)
            if counts is None:
                counts = self._pending[header] = dict.fromkeys(COUNTS, 0.0)
            counts[outcome] += 1
            if waited_ms is not None:
                counts["lock_waits"] += 1
                counts["lock_wait_ms"] += waited_ms

    def _take_counts(self, *, force: bool) -> dict[bytes, dict[str, float]]:
        now = time.monotonic()
        with self._pending_lock:
            if not force and now - self._flushed_at < self._flush_interval_s:
                return {}
            taken, self._pending, self._flushed_at = self._pending, {}, now
        return taken

    def _restore_counts(self, taken: Mapping[bytes, Mapping[str, float]]) -> None:
        """Put back counts a failed round trip could not deliver."""
        with self._pending_lock:
            for header, counts in taken.items():
                mine = self._pending.setdefault(header, dict.fromkeys(COUNTS, 0.0))
                for outcome, amount in counts.items():
                    mine[outcome] += amount

    def _queue_counts(self, pipe: Any, taken: Mapping[bytes, Mapping[str, float]]) -> None:
        for name, amount in stats_fields(taken).items():
            pipe.hincrbyfloat(self._stats_key, name, round(amount, 3))
