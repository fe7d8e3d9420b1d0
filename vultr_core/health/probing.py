"""What the PostgreSQL and Valkey probes share: round-trip timing, percentiles, verdicts.

A single latency number hides the tail that users feel, so every probe reports the
distribution of N round trips (redis-cli ``--latency`` style): p50, p95, p99 and max.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["ok", "warning", "unavailable"]
Clock = Callable[[], float]


@dataclass(frozen=True)
class LatencySummary:
    """Round-trip times in milliseconds, and the percentiles a chart or a card needs."""

    samples_ms: tuple[float, ...]
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def from_samples(cls, samples_ms: Sequence[float]) -> LatencySummary:
        """Percentiles by linear interpolation between the closest ranks (numpy's default).

        Raises:
            ValueError: no samples.
        """
        if not samples_ms:
            raise ValueError("a latency summary needs at least one sample")
        ordered = sorted(samples_ms)
        if len(ordered) == 1:
            only = ordered[0]
            return cls(tuple(samples_ms), only, only, only, only)
        cuts = statistics.quantiles(ordered, n=100, method="inclusive")
        return cls(tuple(samples_ms), cuts[49], cuts[94], cuts[98], ordered[-1])


def time_round_trips(
    call: Callable[[], object], count: int, *, clock: Clock = time.perf_counter
) -> LatencySummary:
    """Run ``call`` ``count`` times in a row and summarise how long each took."""
    if count < 1:
        raise ValueError("count must be at least 1")
    samples: list[float] = []
    for _ in range(count):
        started = clock()
        call()
        samples.append((clock() - started) * 1000.0)
    return LatencySummary.from_samples(samples)


@dataclass(frozen=True)
class CheckResult:
    """One line of a health page: a check's verdict in a plain sentence (pghero's overview).

    ``unavailable`` means the check could not run here (no privilege, a refused admin
    command, not enough data yet); it never makes a service look unhealthy.
    """

    name: str
    verdict: Verdict
    message: str


def ratio(part: float, whole: float) -> float | None:
    """``part / whole``, or None when there is nothing to divide by."""
    return part / whole if whole else None


def latency_check(latency: LatencySummary, *, p95_threshold_ms: float, subject: str) -> CheckResult:
    """Whether the 95th percentile stays under the threshold; ``subject`` opens the sentence
    ("Round trips are", "PING is")."""
    figures = f"p50 {latency.p50_ms:.2f} ms, p95 {latency.p95_ms:.2f} ms"
    if latency.p95_ms > p95_threshold_ms:
        return CheckResult(
            "latency", "warning", f"{subject} slow: {figures} (over {p95_threshold_ms:g} ms)"
        )
    return CheckResult("latency", "ok", f"{subject} quick: {figures}")
