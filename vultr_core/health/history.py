"""Health samples kept for the latency-over-time charts.

In process by default; in a capped Valkey stream per service when Valkey is configured, so
every replica of the app (and the command line) adds to, and draws, one shared history. The
in-process copy is always kept too: a Valkey outage must not blank the charts that would
show it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

import valkey
from valkey.exceptions import ValkeyError

Status = Literal["up", "degraded", "down", "not configured"]
STATUSES: tuple[Status, ...] = ("up", "degraded", "down", "not configured")
_STATUS_BY_TEXT: dict[str, Status] = {status: status for status in STATUSES}

logger = logging.getLogger(__name__)
# Library manners: with no logging configured, say nothing (the command line's stderr is for
# one clear line); configured, the warnings show.
logger.addHandler(logging.NullHandler())

STREAM_KEY_PREFIX = "vultr-dashboard:health:"
# A sample every 30 s for four days; MAXLEN ~ trims in whole nodes, so a little more is kept.
STREAM_MAX_SAMPLES = 12_000
MEMORY_MAX_SAMPLES = 2_000
STREAM_RETRY_AFTER_S = 30.0
DEFAULT_RECENT = 500


@dataclass(frozen=True)
class HealthSample:
    """One service at one check: status and latency (p50, and p95 where a probe has many)."""

    at: datetime
    service: str
    status: Status
    latency_ms: float | None
    latency_ms_p95: float | None = None


class HealthHistory(Protocol):
    def append(self, samples: Iterable[HealthSample]) -> None: ...

    def recent(self, service: str, limit: int = DEFAULT_RECENT) -> list[HealthSample]:
        """The service's latest samples, oldest first."""
        ...


class MemoryHistory:
    """Samples in this process, the newest ``max_samples`` per service; thread-safe."""

    def __init__(self, max_samples: int = MEMORY_MAX_SAMPLES) -> None:
        self._max_samples = max_samples
        self._samples: dict[str, deque[HealthSample]] = {}
        self._lock = threading.Lock()

    def append(self, samples: Iterable[HealthSample]) -> None:
        with self._lock:
            for sample in samples:
                kept = self._samples.setdefault(sample.service, deque(maxlen=self._max_samples))
                kept.append(sample)

    def recent(self, service: str, limit: int = DEFAULT_RECENT) -> list[HealthSample]:
        with self._lock:
            kept = list(self._samples.get(service, ()))
        return kept[-limit:] if limit > 0 else []


class ValkeyStreamHistory:
    """One capped stream per service (``XADD … MAXLEN ~``), falling back to ``memory`` when
    Valkey cannot be reached. After a failure the stream is left alone for ``retry_after_s``,
    so a dead Valkey costs one timeout per interval, not one per check."""

    def __init__(
        self,
        client: valkey.Valkey,
        *,
        memory: MemoryHistory | None = None,
        key_prefix: str = STREAM_KEY_PREFIX,
        max_samples: int = STREAM_MAX_SAMPLES,
        retry_after_s: float = STREAM_RETRY_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._memory = memory or MemoryHistory()
        self._key_prefix = key_prefix
        self._max_samples = max_samples
        self._retry_after_s = retry_after_s
        self._clock = clock
        self._unavailable_until = 0.0

    def key(self, service: str) -> str:
        return f"{self._key_prefix}{service}"

    def append(self, samples: Iterable[HealthSample]) -> None:
        batch = list(samples)
        self._memory.append(batch)
        if not self._stream_usable():
            return
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for sample in batch:
                    pipe.xadd(
                        self.key(sample.service),
                        _fields(sample),
                        maxlen=self._max_samples,
                        approximate=True,
                    )
                pipe.execute()  # type: ignore[no-untyped-call]  # valkey-py leaves it bare
        except ValkeyError as err:
            self._stream_failed("health samples kept in process only", err)

    def recent(self, service: str, limit: int = DEFAULT_RECENT) -> list[HealthSample]:
        if not self._stream_usable():
            return self._memory.recent(service, limit)
        try:
            rows: Any = self._client.xrevrange(self.key(service), count=limit)
        except ValkeyError as err:
            self._stream_failed("health history from this process only", err)
            return self._memory.recent(service, limit)
        return [_sample(service, fields) for _id, fields in reversed(rows)]

    def _stream_usable(self) -> bool:
        return self._clock() >= self._unavailable_until

    def _stream_failed(self, what: str, error: ValkeyError) -> None:
        self._unavailable_until = self._clock() + self._retry_after_s
        logger.warning("%s for %.0f s: %s", what, self._retry_after_s, type(error).__name__)


def _fields(sample: HealthSample) -> dict[str, str]:
    return {
        "at": sample.at.isoformat(),
        "status": sample.status,
        "latency_ms": _number_text(sample.latency_ms),
        "latency_ms_p95": _number_text(sample.latency_ms_p95),
    }


def _sample(service: str, fields: dict[bytes, bytes]) -> HealthSample:
    def text(name: str) -> str:
        return fields.get(name.encode(), b"").decode()

    return HealthSample(
        at=datetime.fromisoformat(text("at")),
        service=service,
        status=_STATUS_BY_TEXT.get(text("status"), "down"),
        latency_ms=_number(text("latency_ms")),
        latency_ms_p95=_number(text("latency_ms_p95")),
    )


def _number_text(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _number(text: str) -> float | None:
    return float(text) if text else None
