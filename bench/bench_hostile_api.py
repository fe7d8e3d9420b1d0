"""The management client against a hostile Vultr (issue 12 §1, §2, §5 ids, §7 TLS).

Each case serves the simulator on loopback with one hostile wire mode switched on, makes the
call a page would make, and prints what it cost beside the same call against the healthy
simulator in the same run: seconds against the deadline, peak memory, requests, attempts.

    uv run python bench/bench_hostile_api.py [--deadline-s 2] [--case drip ...] [--json]

Each case runs in a child process of its own, so one case's peak memory is not another's.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from vultr_core.api.errors import VultrError
from vultr_core.api.http import RetryPolicy
from vultr_core.api.management import ManagementClient
from vultr_core.simulator import DEMO_API_KEY, Simulator, SimulatorServer
from vultr_core.simulator.hostile_wire import bomb_bytes

# A drip and slow headers last this long: far past the deadline, short enough to wait for.
HOSTILE_FOR_S = 20.0
BOMB_MB = 1024
ENDLESS_WATCH_S = 10.0
POOL_SIZE = 16
TIMEOUT_S = 5.0


def client(server: SimulatorServer, deadline_s: float) -> ManagementClient:
    return ManagementClient(
        DEMO_API_KEY,
        base_url=f"{server.base_url}/v2",
        retry=RetryPolicy(deadline_s=deadline_s),
        read_timeout_s=TIMEOUT_S,
    )


def timed(call: Callable[[], object]) -> tuple[float, str]:
    """Seconds the call took and how it ended (ok, or the error's first words)."""
    started = time.perf_counter()
    try:
        call()
        outcome = "ok"
    except VultrError as err:
        outcome = f"{type(err).__name__}: {str(err)[:110]}"
    return time.perf_counter() - started, outcome


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def case_drip(deadline_s: float) -> dict[str, Any]:
    simulator = Simulator(size="small")
    with simulator.serve() as server, client(server, deadline_s) as management:
        healthy_s, _ = timed(management.account)
        simulator.set_faults(drip_bytes_per_s=1.0, drip_for_s=HOSTILE_FOR_S)
        hostile_s, outcome = timed(management.account)
    return {"deadline_s": deadline_s, "healthy_s": healthy_s, "hostile_s": hostile_s,
            "outcome": outcome}  # fmt: skip


def case_slow_headers(deadline_s: float) -> dict[str, Any]:
    simulator = Simulator(size="small")
    with simulator.serve() as server, client(server, deadline_s) as management:
        healthy_s, _ = timed(management.account)
        # About 120 header bytes at 6 a second: 20 s of headers, each byte well within a read.
        simulator.set_faults(slow_headers_bytes_per_s=6.0)
        hostile_s, outcome = timed(management.account)
    return {"deadline_s": deadline_s, "healthy_s": healthy_s, "hostile_s": hostile_s,
            "outcome": outcome}  # fmt: skip


def case_gzip_bomb(deadline_s: float) -> dict[str, Any]:
    simulator = Simulator(size="small")
    compressed_kb = len(bomb_bytes(BOMB_MB)) / 1024
    with simulator.serve() as server, client(server, 60.0) as management:
        management.account()
        before_mb = peak_rss_mb()
        timed(management.account)
        healthy_growth_mb = peak_rss_mb() - before_mb
        simulator.set_faults(gzip_bomb_mb=BOMB_MB)
        hostile_s, outcome = timed(management.account)
        growth_mb = peak_rss_mb() - before_mb
    return {"compressed_kb": compressed_kb, "inflated_mb": BOMB_MB,
            "healthy_rss_growth_mb": healthy_growth_mb, "hostile_rss_growth_mb": growth_mb,
            "hostile_s": hostile_s, "outcome": outcome}  # fmt: skip


def case_endless_cursor(deadline_s: float) -> dict[str, Any]:
    simulator = Simulator(size="large")
    with simulator.serve() as server, client(server, 60.0) as management:
        healthy_s, _ = timed(management.instances)
        healthy_requests = len(simulator.request_log)
        page_bytes = _page_bytes(server)
        simulator.clear_log()
        simulator.set_faults(endless_cursors=True)
        result: list[tuple[float, str]] = []
        worker = threading.Thread(target=lambda: result.append(timed(management.instances)))
        worker.start()
        worker.join(ENDLESS_WATCH_S)
        stopped_by_itself = not worker.is_alive()
        requests = len(simulator.request_log)
        # Still paging: switch the mode off; its next cursor is then refused with a 400.
        simulator.set_faults(endless_cursors=False)
        worker.join()
    hostile_s, outcome = result[0]
    return {"healthy_requests": healthy_requests, "healthy_s": healthy_s,
            "hostile_requests": requests, "hostile_mb": requests * page_bytes / 1e6,
            "stopped_by_itself": stopped_by_itself,
            "hostile_s": hostile_s if stopped_by_itself else ENDLESS_WATCH_S,
            "outcome": outcome if stopped_by_itself else "still paging when watched"}  # fmt: skip


def _page_bytes(server: SimulatorServer) -> int:
    """The size of one page of 500 instances: what each endless request brings back."""
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
    url = f"{server.base_url}/v2/instances"
    return len(httpx.get(url, params={"per_page": 500}, headers=headers).content)


def case_pool_recovery(deadline_s: float) -> dict[str, Any]:
    simulator = Simulator(size="small")
    with simulator.serve() as server, client(server, deadline_s) as management:
        simulator.set_faults(drip_bytes_per_s=1.0, drip_for_s=HOSTILE_FOR_S)
        with ThreadPoolExecutor(POOL_SIZE) as pool:
            stuck = [pool.submit(timed, management.account) for _ in range(POOL_SIZE)]
            time.sleep(deadline_s + 0.5)
            simulator.set_faults(drip_bytes_per_s=0.0)
            after = [timed(management.account) for _ in range(5)]
            stuck_outcomes = [future.result()[1] for future in stuck]
    failed = [outcome for _, outcome in after if outcome != "ok"]
    return {"stuck_calls": POOL_SIZE, "stuck_timed_out": sum(o != "ok" for o in stuck_outcomes),
            "calls_after_recovery": len(after), "failed_after_recovery": len(failed),
            "after_s": sum(seconds for seconds, _ in after),
            "outcome": failed[0] if failed else "ok"}  # fmt: skip


def case_tls(deadline_s: float) -> dict[str, Any]:
    simulator = Simulator(size="small")
    with simulator.serve(tls=True) as server, client(server, 60.0) as management:
        hostile_s, outcome = timed(management.account)
        time.sleep(0.2)  # the server counts a refusal just after the client has seen it
        attempts = server.tls_refusals
    return {"attempts": attempts, "hostile_s": hostile_s, "outcome": outcome}


def case_hostile_ids(deadline_s: float) -> dict[str, Any]:
    simulator = Simulator(size="small")
    with simulator.serve() as server, client(server, 60.0) as management:
        simulator.set_faults(hostile_ids=True)
        outcomes = []
        for database in management.databases()[:3]:
            for read in (management.database_usage, management.database_alerts):
                outcomes.append(timed(lambda read=read, d=database: read(d.id))[1])
    strays = sorted(
        {f"{r.method} {r.path}" for r in simulator.request_log
         if not r.path.startswith("/v2/databases") or r.path.startswith("/v2/databases//")}
    )  # fmt: skip
    return {"requests_outside_databases": strays, "outcomes": sorted(set(outcomes))}


CASES: dict[str, Callable[[float], dict[str, Any]]] = {
    "drip": case_drip,
    "slow-headers": case_slow_headers,
    "gzip-bomb": case_gzip_bomb,
    "endless-cursor": case_endless_cursor,
    "pool-recovery": case_pool_recovery,
    "tls": case_tls,
    "hostile-ids": case_hostile_ids,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline-s", type=float, default=2.0)
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    parser.add_argument("--child", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CASES[args.child](args.deadline_s)))
        return
    results = {}
    for name in args.case or CASES:
        command = [sys.executable, __file__, "--child", name, "--deadline-s", str(args.deadline_s)]
        finished = subprocess.run(command, capture_output=True, text=True, check=True)
        results[name] = json.loads(finished.stdout.strip().splitlines()[-1])
        if not args.json:
            print(f"{name:15} {json.dumps(results[name], default=str)}", flush=True)
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
