"""Listing the large organisation: ManagementClient vs a naive loop, same simulator, same run.

The naive way is what a first script does: one raw httpx client, the lists one after the
other, the API's default page size (100). The client pages at 500 and fetches independent
lists at once. Every request pays the simulator's latency, as it would pay Vultr's.

    uv run python bench/bench_listing.py [--latency-ms 50] [--repeats 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import httpx

from vultr_core.api.concurrency import run_concurrently
from vultr_core.api.management import ManagementClient
from vultr_core.simulator import DEMO_API_KEY, Faults, Simulator

LISTS = {"instances": "instances", "plans": "plans", "databases": "databases"}


def naive_listing(base_url: str) -> dict[str, int]:
    """Sequential, default page size, a raw client: the baseline."""
    counts: dict[str, int] = {}
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as raw:
        for path, top_key in LISTS.items():
            params: dict[str, str] = {}
            counts[top_key] = 0
            while True:
                body = raw.get(f"/v2/{path}", params=params).raise_for_status().json()
                counts[top_key] += len(body[top_key])
                cursor = body.get("meta", {}).get("links", {}).get("next", "")
                if not cursor:
                    break
                params["cursor"] = cursor
    return counts


def client_listing(base_url: str) -> dict[str, int]:
    """ManagementClient: per_page=500, the three lists concurrently."""
    with ManagementClient(DEMO_API_KEY, base_url=f"{base_url}/v2") as client:
        results = run_concurrently(
            {"instances": client.instances, "plans": client.plans, "databases": client.databases}
        )
    return {name: len(items) for name, items in results.items()}


def measure(
    simulator: Simulator, base_url: str, listing: Callable[[str], dict[str, int]], repeats: int
) -> tuple[float, int, dict[str, int]]:
    """Median seconds, requests per run, and the item counts (to prove both saw everything)."""
    timings, counts = [], {}
    for _ in range(repeats):
        simulator.clear_log()
        started = time.perf_counter()
        counts = listing(base_url)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), len(simulator.request_log), counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    simulator = Simulator(size="large")
    simulator.faults = Faults(latency_ms=args.latency_ms)
    with simulator.serve() as server:
        naive_s, naive_requests, naive_counts = measure(
            simulator, server.base_url, naive_listing, args.repeats
        )
        client_s, client_requests, client_counts = measure(
            simulator, server.base_url, client_listing, args.repeats
        )
    if naive_counts != client_counts:
        raise SystemExit(f"the two listings disagree: {naive_counts} vs {client_counts}")
    result = {
        "latency_ms": args.latency_ms,
        "items": client_counts,
        "naive": {"seconds": round(naive_s, 3), "requests": naive_requests},
        "client": {"seconds": round(client_s, 3), "requests": client_requests},
        "speedup": round(naive_s / client_s, 2),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"items: {client_counts}, simulator latency {args.latency_ms:g} ms per request")
    print(f"naive loop      : {naive_s:.3f} s in {naive_requests} requests")
    print(f"ManagementClient: {client_s:.3f} s in {client_requests} requests")
    print(f"speed-up        : {naive_s / client_s:.1f}x (target >= 3x)")


if __name__ == "__main__":
    main()
