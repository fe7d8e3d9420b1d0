"""The Overview's cold load on the large organisation, and warm reruns of the spend pages.

Cold load: every API call the Overview makes (account, pending charges, invoices and the items
of the last two, the twelve inventory lists, usage of the ten costliest databases) against the
simulator served over HTTP with a fixed latency per request, three ways:

- sequential: the same calls one after another (the baseline);
- concurrent: the Overview's own orchestration (``ui.spend.load_spend`` without Streamlit);
- the critical-path limit: the longest chain of dependent requests × latency.

Each runs twice: with the client's production pacing (20 requests/s after a burst of 9:
Vultr answers 429 above 30/s) and with pacing lifted, which isolates the orchestration from
the rate limit.

The simulator serves from a child process, as Vultr serves from its own machines: in this
process its JSON encoding would compete with the client for the GIL.

Warm rerun: each spend page under AppTest at ``large``, caches full, median of a few reruns.

    uv run python bench/bench_overview.py [--latency-ms 50] [--repeats 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from vultr_core.api.http import Limiter, RateLimiter
from vultr_core.api.management import MANAGEMENT_BURST, MANAGEMENT_REQUESTS_PER_S, ManagementClient
from vultr_core.simulator import DEMO_API_KEY, Faults, Simulator
from vultr_core.simulator import server as server_module
from vultr_core.spend.costs import Inventory
from vultr_core.spend.data import (
    fetch_database_usage,
    fetch_inventory,
    fetch_invoice_history,
    gather,
    price_inventory,
)
from vultr_core.spend.waste import databases_to_check

ROOT = Path(__file__).resolve().parents[1]
SPEND_PAGES = ("overview.py", "instances.py", "databases.py")
UNPACED = RateLimiter(1e6, 10_000)
LISTEN_BACKLOG = 128
INVENTORY_LISTS = (
    "instances", "plans", "bare_metals", "metal_plans", "databases", "database_plans",
    "kubernetes_clusters", "block_storage", "object_storage", "snapshots", "load_balancers",
    "reserved_ips",
)  # fmt: skip


class RemoteSimulator:
    """The large organisation served from a child process; its request log on demand."""

    def __init__(self, latency_ms: float) -> None:
        self._conn, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(child, latency_ms), daemon=True
        )
        self._process.start()
        self.base_url: str = self._conn.recv()

    def clear_log(self) -> None:
        self._ask("clear")

    def request_paths(self) -> list[str]:
        paths: list[str] = self._ask("log")
        return paths

    def stop(self) -> None:
        self._ask("stop")
        self._process.join(timeout=10)

    def _ask(self, command: str) -> Any:
        self._conn.send(command)
        return self._conn.recv()


def _serve(conn: Connection, latency_ms: float) -> None:
    # socketserver's default listen backlog is 5: a client opening 20 connections at once
    # gets SYNs dropped and retried a second later. Vultr's servers do not; nor should ours.
    server_module._Server.request_queue_size = LISTEN_BACKLOG
    simulator = Simulator(size="large")
    simulator.faults = Faults(latency_ms=latency_ms)
    with simulator.serve() as server:
        conn.send(server.base_url)
        while (command := conn.recv()) != "stop":
            if command == "clear":
                simulator.clear_log()
                conn.send(None)
            else:
                conn.send([entry.path for entry in simulator.request_log])
        conn.send(None)


def concurrent_load(client: ManagementClient) -> None:
    """What ``ui.spend.load_spend`` does, minus Streamlit's caches."""

    def inventory_then_usage() -> None:
        priced = price_inventory(fetch_inventory(client), now=datetime.now(UTC))
        fetch_database_usage(client, databases_to_check(priced.resources))

    results = gather(
        {
            "history": lambda: fetch_invoice_history(client),
            "inventory": inventory_then_usage,
            "account": client.account,
            "pending": client.pending_charges,
        }
    )
    failed = [name for name, result in results.items() if isinstance(result, Exception)]
    if failed:
        raise SystemExit(f"the concurrent load failed: {failed}")


def sequential_load(client: ManagementClient) -> None:
    """The same requests, one at a time."""
    client.account()
    client.pending_charges()
    for invoice in client.invoices()[:2]:
        client.invoice_items(invoice.id)
    # The inventory's fields are named after the client's list methods.
    inventory = Inventory(**{name: tuple(getattr(client, name)()) for name in INVENTORY_LISTS})
    priced = price_inventory(inventory, now=datetime.now(UTC))
    for database_id in databases_to_check(priced.resources):
        client.database_usage(database_id)


def critical_path(paths: list[str]) -> int:
    """Requests in the longest dependent chain, read from one concurrent run's request log."""
    pages = Counter(paths)
    items = [count for path, count in pages.items() if path.endswith("/items")]
    usage = any(path.endswith("/usage") for path in pages)
    inventory_paths = [
        path for path in pages if not path.startswith(("/v2/account", "/v2/billing"))
    ]
    inventory_pages = max(
        (pages[path] for path in inventory_paths if not path.endswith("/usage")), default=0
    )
    chains = [
        1,  # account
        1,  # pending charges
        pages["/v2/billing/invoices"] + max(items, default=0),
        inventory_pages + (1 if usage else 0),
    ]
    return max(chains)


def timed(
    simulator: RemoteSimulator,
    load: Callable[[ManagementClient], None],
    limiter: Limiter | None,
    repeats: int,
) -> tuple[float, list[str]]:
    """Median seconds of ``load`` and one run's request paths.

    One client for every run, as the app keeps one (``ui.clients``): "cold" means
    nothing cached, not a new TCP connection for every request.
    """
    timings, paths = [], []
    with ManagementClient(
        DEMO_API_KEY, base_url=f"{simulator.base_url}/v2", limiter=limiter
    ) as client:
        for _ in range(repeats):
            simulator.clear_log()
            # Let the pacing bucket refill, as it has between two page loads a minute apart.
            time.sleep(MANAGEMENT_BURST / MANAGEMENT_REQUESTS_PER_S)
            started = time.perf_counter()
            load(client)
            timings.append(time.perf_counter() - started)
            paths = simulator.request_paths()
    return statistics.median(timings), paths


def cold_load(simulator: RemoteSimulator, latency_s: float, repeats: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for pacing, limiter in (("paced", None), ("unpaced", UNPACED)):
        sequential_s, _ = timed(simulator, sequential_load, limiter, repeats)
        concurrent_s, paths = timed(simulator, concurrent_load, limiter, repeats)
        chain = critical_path(paths)
        limit_s = chain * latency_s
        result[pacing] = {
            "requests": len(paths),
            "sequential_s": round(sequential_s, 3),
            "concurrent_s": round(concurrent_s, 3),
            "speedup_vs_sequential": round(sequential_s / concurrent_s, 2),
            "critical_path_requests": chain,
            "critical_path_limit_s": round(limit_s, 3),
            "ratio_to_limit": round(concurrent_s / limit_s, 2),
        }
    paced = result["paced"]
    # No client may send more than burst + rate × T requests in T seconds.
    paced["pacing_floor_s"] = round(
        max(0, paced["requests"] - MANAGEMENT_BURST) / MANAGEMENT_REQUESTS_PER_S, 3
    )
    return result


def warm_reruns(base_url: str, repeats: int) -> dict[str, Any]:
    """Each spend page under AppTest against the simulator: cold run, then warm reruns.

    A cold run of another page includes the router's first run, which renders the Overview.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ui.clients import close_shared_clients

    os.environ["VULTR_API_KEY"] = DEMO_API_KEY
    os.environ["VULTR_API_URL"] = f"{base_url}/v2"
    result = {}
    for page in SPEND_PAGES:
        st.cache_data.clear()
        st.cache_resource.clear()
        close_shared_clients()
        # Through the router, as the app runs.
        app = AppTest.from_file(str(ROOT / "ui" / "navigation.py"), default_timeout=120)
        started = time.perf_counter()
        app.run()
        if page != "overview.py":
            app.switch_page(f"../pages/{page}").run()
        cold_s = time.perf_counter() - started
        if app.exception or app.error:
            raise SystemExit(f"{page} failed: {[e.value for e in (*app.exception, *app.error)]}")
        warm = []
        for _ in range(repeats):
            started = time.perf_counter()
            app.run()
            warm.append(time.perf_counter() - started)
        result[page] = {
            "cold_s": round(cold_s, 3),
            "warm_ms": round(statistics.median(warm) * 1000, 1),
            "warm_vs_cold": round(statistics.median(warm) / cold_s, 3),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    simulator = RemoteSimulator(args.latency_ms)
    try:
        cold = cold_load(simulator, args.latency_ms / 1000, args.repeats)
        warm = warm_reruns(simulator.base_url, max(args.repeats, 5))
    finally:
        simulator.stop()
    result = {"latency_ms": args.latency_ms, "cold_load": cold, "warm_rerun": warm}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"Overview cold load, large organisation, {args.latency_ms:g} ms per request")
    for pacing, figures in cold.items():
        print(
            f"  {pacing:<8} {figures['requests']} requests: sequential {figures['sequential_s']} s,"
            f" concurrent {figures['concurrent_s']} s ({figures['speedup_vs_sequential']}x,"
            " target >= 3x); critical path"
            f" {figures['critical_path_requests']} requests = {figures['critical_path_limit_s']} s"
            f" (concurrent / limit {figures['ratio_to_limit']}, target <= 1.2)"
        )
    print(
        f"  pacing floor at {MANAGEMENT_REQUESTS_PER_S:g} requests/s after a burst of"
        f" {MANAGEMENT_BURST}: {cold['paced']['pacing_floor_s']} s"
    )
    print("Warm rerun under AppTest, large organisation (target <= 300 ms)")
    for page, figures in warm.items():
        print(
            f"  {page:<14} {figures['warm_ms']} ms warm, {figures['cold_s']} s cold"
            f" (warm/cold {figures['warm_vs_cold']})"
        )


if __name__ == "__main__":
    main()
