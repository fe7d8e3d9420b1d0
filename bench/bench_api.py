"""The HTTP API under polling: 100 concurrent clients for 30 s on a route, through the whole
served app (``streamlit run app.py``) in front of a simulated Vultr on loopback.

For each route: requests served per second, p50 and p99 latency, and how many requests reached
the simulated Vultr meanwhile (the single-flight bound: one read per resource per 60 s cache
period, one health check per 5 s). Baseline, in the same run and the same way: Streamlit's own
``/_stcore/health`` on the same server.

    uv run python bench/bench_api.py [--seconds 30] [--clients 100]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass

import httpx

from tests.e2e.conftest import demo_environ, start_app, stop_app
from vultr_core.simulator import Simulator

KEY = "bench-api-key"
ROUTES = ("/_stcore/health", "/api/vultr/health", "/api/vultr/management/summary")


@dataclass(frozen=True)
class Load:
    served: int
    failed: int
    seconds: float
    latencies_s: list[float]

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def poll(url: str, clients: int, seconds: float) -> Load:
    latencies: list[float] = []
    failed = 0
    stop_at = time.perf_counter() + seconds

    async def one_client(client: httpx.AsyncClient) -> None:
        nonlocal failed
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                answer = await client.get(url)
            except httpx.HTTPError:
                failed += 1  # a connection the server closed or refused counts as a failure
                continue
            latencies.append(time.perf_counter() - started)
            failed += answer.status_code >= 500

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        began = time.perf_counter()
        await asyncio.gather(*(one_client(client) for _ in range(clients)))
        elapsed = time.perf_counter() - began
    return Load(len(latencies), failed, elapsed, latencies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=100)
    args = parser.parse_args()
    simulator = Simulator(size="small", api_key=KEY)
    with simulator.serve() as vultr:
        environ = demo_environ() | {"VULTR_API_KEY": KEY, "VULTR_API_URL": f"{vultr.base_url}/v2"}
        process, url = start_app(environ)
        try:
            print(f"{args.clients} clients, {args.seconds:g} s per route")
            print(
                f"{'route':<34}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}{'to Vultr':>10}"
            )
            baseline = None
            for route in ROUTES:
                before = len(simulator.request_log)
                load = asyncio.run(poll(url + route, args.clients, args.seconds))
                upstream = len(simulator.request_log) - before
                rate = load.served / load.seconds
                baseline = baseline or rate
                print(
                    f"{route:<34}{rate:>9.0f}{statistics.median(load.latencies_s) * 1000:>9.1f}"
                    f"{load.percentile(0.99) * 1000:>9.1f}{load.failed:>9}{upstream:>9}"
                    f"   {rate / baseline:.2f}x baseline"
                )
        finally:
            stop_app(process)


if __name__ == "__main__":
    main()
