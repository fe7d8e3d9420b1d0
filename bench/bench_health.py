"""Health checks: all services at once vs the slowest alone; the PING probe vs raw valkey-py.

1. ``check_health`` runs the four checks concurrently, so with one service made slow (the
   management API answering after ``--slow-ms``) its wall time should be that service's
   check, not the sum: the target is ≤ 1.2× the slowest single check, both measured here.
2. The Valkey probe times each PING itself; its loop should cost about what a bare
   ``client.ping()`` loop costs on the same server.

PostgreSQL is the embedded server or TEST_DATABASE_URL; the checks use the embedded Valkey,
the PING comparison TEST_VALKEY_URL when set.

    uv run python bench/bench_health.py [--slow-ms 500] [--repeats 5] [--pings 2000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

import valkey

from vultr_core import clients
from vultr_core.config import Secret, Settings
from vultr_core.health import checks, service_health
from vultr_core.health.embedded import embedded_postgres_url, embedded_valkey_url
from vultr_core.health.history import MemoryHistory
from vultr_core.health.probing import time_round_trips
from vultr_core.health.valkey import ValkeyProbe
from vultr_core.simulator import Faults


def median_seconds(call: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def concurrency_figures(settings: Settings, repeats: int) -> dict[str, float]:
    """Median wall time of each check alone, and of all four together."""
    history = MemoryHistory()

    def check(*services: str) -> None:
        report = checks.check_health(settings, services=services, history=history)
        assert not report.any_down, [(s.service, s.reason) for s in report.services]

    check(*service_health.SERVICES)  # warm: pools open, first Valkey interval taken
    alone = {
        name: median_seconds(lambda n=name: check(n), repeats) for name in service_health.SERVICES
    }
    together = median_seconds(lambda: check(*service_health.SERVICES), repeats)
    slowest = max(alone.values())
    return {
        **{f"{name}_alone_s": seconds for name, seconds in alone.items()},
        "all_together_s": together,
        "slowest_alone_s": slowest,
        "ratio": together / slowest,
    }


def ping_figures(url: str, pings: int, repeats: int) -> dict[str, float]:
    """Seconds per PING: a bare valkey-py loop, and the probe's timed loop, same server."""
    raw = valkey.Valkey.from_url(url, socket_timeout=5)
    probe = ValkeyProbe(url)
    raw.ping()
    probe.client.ping()

    def raw_loop() -> None:
        for _ in range(pings):
            raw.ping()

    # Alternate the two loops, so drift in the machine's load hits both alike.
    raw_runs, probe_runs = [], []
    for _ in range(repeats):
        raw_runs.append(median_seconds(raw_loop, 1) / pings)
        probe_runs.append(median_seconds(lambda: time_round_trips(probe.client.ping, pings), 1))
    raw_s = statistics.median(raw_runs)
    probe_s = statistics.median(probe_runs) / pings
    check_s = median_seconds(probe.check, repeats)
    raw.close()
    probe.close()
    return {
        "raw_ping_us": raw_s * 1e6,
        "probe_ping_us": probe_s * 1e6,
        "ratio": probe_s / raw_s,
        "full_check_ms": check_s * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow-ms", type=float, default=500.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pings", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    postgres_url = os.environ.get("TEST_DATABASE_URL") or embedded_postgres_url()
    valkey_url = os.environ.get("TEST_VALKEY_URL") or embedded_valkey_url()
    # Demo mode: the in-process simulator (slowed on the management API only) and the embedded
    # Valkey. A VALKEY_URL would also put inference behind the shared per-minute limiter,
    # whose spacing would then be what this measures.
    clients.demo_simulator().faults = Faults(path_prefix="/v2", latency_ms=args.slow_ms)
    settings = Settings(database_url=Secret(postgres_url))
    concurrency = concurrency_figures(settings, args.repeats)
    pings = ping_figures(valkey_url, args.pings, args.repeats)

    if args.json:
        print(json.dumps({"check_health": concurrency, "ping": pings}, indent=2))
        return
    print(f"check_health, management API slowed by {args.slow_ms:.0f} ms, median of {args.repeats}")
    for name in service_health.SERVICES:
        print(f"  {name:<11} alone   {concurrency[f'{name}_alone_s'] * 1000:8.1f} ms")
    print(f"  all four together  {concurrency['all_together_s'] * 1000:8.1f} ms")
    print(f"  ratio to the slowest alone: {concurrency['ratio']:.2f}x (target <= 1.2x)")
    print(f"PING, {args.pings} round trips, median of {args.repeats}")
    print(f"  raw valkey-py      {pings['raw_ping_us']:8.1f} us per PING")
    print(f"  probe's timed loop {pings['probe_ping_us']:8.1f} us per PING")
    print(
        f"  ratio: {pings['ratio']:.2f}x; a full probe check takes {pings['full_check_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
