"""One computation per key at a time, its result kept for a while: a hundred monitors polling
the same route cause one upstream read per period, not a hundred.

Waiters share the first caller's result or its error; an error is not kept, so the next
caller tries again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Flight(Generic[T]):
    done: threading.Event = field(default_factory=threading.Event)
    value: T | None = None
    error: BaseException | None = None


class SingleFlight(Generic[T]):
    """Results by key, each computed once per ``ttl_s`` however many callers ask at once."""

    def __init__(
        self, ttl_s: float, *, max_entries: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: dict[Hashable, tuple[float, T]] = {}
        self._flying: dict[Hashable, _Flight[T]] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The kept result for ``key``, or the one being computed, or a new one."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and self._clock() < kept[0]:
                return kept[1]
            flight = self._flying.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flying[key] = _Flight()
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value  # type: ignore[return-value]  # set before done
        try:
            flight.value = compute()
        except BaseException as error:
            flight.error = error
            raise
        else:
            with self._lock:
                self._keep(key, flight.value)
            return flight.value
        finally:
            with self._lock:
                self._flying.pop(key, None)
            flight.done.set()

    def _keep(self, key: Hashable, value: T) -> None:
        """Keep a result, first making room: expired ones go, then the oldest (keys may come
        from callers' query strings, so their number must not grow without bound)."""
        now = self._clock()
        if len(self._kept) >= self._max_entries:
            for stale in [k for k, (expires, _) in self._kept.items() if expires <= now]:
                del self._kept[stale]
        while len(self._kept) >= self._max_entries:
            del self._kept[next(iter(self._kept))]
        self._kept[key] = (now + self._ttl_s, value)

    def clear(self) -> None:
        """Forget every kept result (a Refresh)."""
        with self._lock:
            self._kept.clear()
