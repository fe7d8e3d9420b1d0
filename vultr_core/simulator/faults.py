"""Fault injection: the knobs tests and benchmarks turn to make the simulated Vultr unfriendly.

`Faults` is the user-facing set of knobs (plain, mutable, every one off by default).
`FaultInjector` turns them into a per-request verdict; counters and the rate window live behind
its lock so that concurrent requests consume each fault exactly once.
"""

from __future__ import annotations

import dataclasses
import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass

ALWAYS = -1
"""Value of a `*_count` knob meaning "every matching request", not a finite burst."""

RATE_WINDOW_S = 1.0
"""Width of the sliding window `rate_limit_per_s` is enforced over (Vultr: 30 requests/second)."""

DEFAULT_DRIP_FOR_S = 3600.0
"""How long a drip lasts before the real body follows: far past any sane deadline."""


@dataclass
class Faults:
    """Fault knobs; every one defaults to off. Change fields between requests, or call `reset()`.

    Counters (`status_count`, `drop_count`, `malformed_count`, `stream_break_count`) are
    consumed one per matching request; `ALWAYS` (-1) never runs out. `status_count` only
    matters while `status_code` is set, so it defaults to `ALWAYS`: setting `status_code` alone
    makes every matching request fail until it is cleared. Every knob applies only to paths
    starting with `path_prefix`.
    """

    path_prefix: str = ""
    status_code: int | None = None
    status_count: int = ALWAYS
    retry_after_s: float | None = None
    error_rate: float = 0.0
    rate_limit_per_s: float | None = None
    latency_ms: float = 0.0
    hang_s: float = 0.0
    drop_count: int = 0
    malformed_count: int = 0
    # Inference replies (/v1/chat/completions): the model's pace and its failures.
    first_token_ms: float = 0.0
    token_ms: float = 0.0
    stream_break_count: int = 0
    unavailable_models: frozenset[str] = frozenset()
    # A hostile model reply (inference_hostile.py: keep-alive-only, slow-drip, beacon,
    # oversized-event) and the pause between its keep-alives, tokens or bytes.
    hostile_reply: str | None = None
    hostile_interval_ms: float = 1000.0
    # Hostile: a `status_code` error's message quotes the request's Authorization header back,
    # as careless servers and proxies do, to prove the key never reaches a screen or a log.
    echo_authorization: bool = False
    # Hostile data (hostile_data.py): Markdown, HTML, escape sequences and formulas in every
    # name and message; dates at year 1, 9999 and past 2262; NaN, Infinity, 1e20, negatives.
    hostile_text: bool = False
    hostile_dates: bool = False
    hostile_numbers: bool = False
    # Hostile wire (hostile_wire.py): answers that would hold or swamp a client. Rates in
    # bytes a second (0: off); a drip sends whitespace for `drip_for_s` before the real body.
    drip_bytes_per_s: float = 0.0
    drip_for_s: float = DEFAULT_DRIP_FOR_S
    slow_headers_bytes_per_s: float = 0.0
    gzip_bomb_mb: int = 0
    endless_cursors: bool = False
    hostile_ids: bool = False

    def reset(self) -> None:
        """Switch every fault off again (in place, so references held elsewhere see it)."""
        for knob in dataclasses.fields(self):
            setattr(self, knob.name, knob.default)

    def matches(self, path: str) -> bool:
        return path.startswith(self.path_prefix)


@dataclass(frozen=True)
class FaultVerdict:
    """What to do with one request once its stall is over."""

    drop: bool = False
    status: int | None = None
    retry_after: str | None = None
    malformed: bool = False
    echo_authorization: bool = False


NO_FAULT = FaultVerdict()


@dataclass(frozen=True)
class ReplyFaults:
    """How one simulated model reply behaves: its pace, and whether its stream breaks off."""

    first_token_s: float = 0.0
    token_s: float = 0.0
    break_midway: bool = False
    unavailable_models: frozenset[str] = frozenset()
    hostile: str | None = None
    hostile_interval_s: float = 1.0


class FaultInjector:
    """Applies a `Faults` instance to requests; thread-safe, deterministic for a given seed."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        self._faults = Faults()
        self._rng = random.Random(f"faults:{seed}")
        self._recent: deque[float] = deque()

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults

    def update(self, **knobs: object) -> None:
        """Set several knobs at once, atomically with respect to requests."""
        names = {knob.name for knob in dataclasses.fields(Faults)}
        unknown = sorted(set(knobs) - names)
        if unknown:
            raise TypeError(f"unknown fault knob(s): {', '.join(unknown)}")
        with self._lock:
            for name, value in knobs.items():
                setattr(self._faults, name, value)

    def stall_s(self, path: str) -> float:
        """How long a request to `path` must wait before it is answered (latency plus hang)."""
        faults = self._faults
        if not faults.matches(path):
            return 0.0
        return max(0.0, faults.latency_ms / 1000.0) + max(0.0, faults.hang_s)

    def judge(self, path: str) -> FaultVerdict:
        """Decide, and consume counters for, one request that has finished stalling."""
        with self._lock:
            faults = self._faults
            if not faults.matches(path):
                return NO_FAULT
            if self._over_rate_limit(faults.rate_limit_per_s):
                return FaultVerdict(status=429, retry_after=_retry_after(faults))
            if _take(faults, "drop_count"):
                return FaultVerdict(drop=True)
            if faults.status_code is not None and _take(faults, "status_count"):
                retry_after = _retry_after(faults) if faults.status_code == 429 else None
                return FaultVerdict(
                    status=faults.status_code,
                    retry_after=retry_after,
                    echo_authorization=faults.echo_authorization,
                )
            if faults.error_rate > 0 and self._rng.random() < faults.error_rate:
                return FaultVerdict(status=500)
            return FaultVerdict(malformed=_take(faults, "malformed_count"))

    def reply_faults(self, path: str, *, streaming: bool) -> ReplyFaults:
        """The reply knobs for one chat request; a stream consumes one `stream_break_count`."""
        with self._lock:
            faults = self._faults
            if not faults.matches(path):
                return ReplyFaults()
            return ReplyFaults(
                first_token_s=max(0.0, faults.first_token_ms / 1000.0),
                token_s=max(0.0, faults.token_ms / 1000.0),
                break_midway=streaming and _take(faults, "stream_break_count"),
                unavailable_models=frozenset(faults.unavailable_models),
                hostile=faults.hostile_reply,
                hostile_interval_s=max(0.0, faults.hostile_interval_ms / 1000.0),
            )

    def _over_rate_limit(self, limit_per_s: float | None) -> bool:
        """Sliding window; only admitted requests count, so a client that backs off recovers."""
        if limit_per_s is None:
            return False
        now = time.monotonic()
        while self._recent and now - self._recent[0] >= RATE_WINDOW_S:
            self._recent.popleft()
        if len(self._recent) >= limit_per_s:
            return True
        self._recent.append(now)
        return False


def _take(faults: Faults, counter: str) -> bool:
    remaining: int = getattr(faults, counter)
    if remaining == ALWAYS:
        return True
    if remaining > 0:
        setattr(faults, counter, remaining - 1)
        return True
    return False


def _retry_after(faults: Faults) -> str | None:
    """Vultr sends no Retry-After; when asked to, send whole seconds as HTTP requires."""
    if faults.retry_after_s is None:
        return None
    return str(math.ceil(faults.retry_after_s))
