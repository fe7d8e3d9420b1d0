"""CacheHelper against raw valkey-py on the same server, in the same run.

- hit path: get_or_compute on a cached key vs a raw GET of a same-sized value (target ≥ 0.8×);
- set-with-tags: round trips per call, counted on the connection (target 1);
- invalidation: invalidate_by_tag of a 100,000-key tag vs UNLINK of the same keys in batches
  of 1,000, the key list already in hand (target ≤ 1.5×).

    uv run python bench/bench_cache.py [--url redis://…] [--hits 40000] [--rounds 40]
        [--tag-keys 100000] [--repeats 5] [--json]

Without --url it uses the embedded Valkey. It writes only under its own namespace and cleans up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import valkey

from vultr_core.cache.store import CacheHelper
from vultr_core.cache.tags import BATCH_SIZE
from vultr_core.health.embedded import embedded_valkey_url

NAMESPACE = "bench-cache"
VALUE = {"label": "web-01", "region": "ewr", "plan": "vc2-2c-4gb", "tags": ["prod", "web"] * 8}


class CountingConnection(valkey.Connection):
    """A real connection that counts sends: each send is one round trip."""

    sends = 0

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        CountingConnection.sends += 1
        super().send_packed_command(command, check_health)


def median_s(
    run: Callable[[], object], repeats: int, prepare: Callable[[], object] = list
) -> float:
    timings = []
    for _ in range(repeats):
        prepare()
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def hit_path(url: str, hits: int, rounds: int) -> dict[str, float]:
    """Alternating rounds, so a noisy neighbour slows each alike; ratios are medians of rounds.

    Two baselines: a raw GET (bytes, what the issue names) and a raw GET plus json.loads (what
    a caller needs to use the value), since a hit returns the decoded value.
    """
    cache = CacheHelper(valkey.Valkey.from_url(url), namespace=NAMESPACE)
    raw = valkey.Valkey.from_url(url)
    cache.set_with_tags("hot", VALUE, ["bench"])
    raw.set(f"{NAMESPACE}:raw", json.dumps(VALUE))
    per_round = max(hits // rounds, 1)

    def compute() -> dict[str, Any]:
        return VALUE

    loops: dict[str, Callable[[], object]] = {
        "raw_get": lambda: raw.get(f"{NAMESPACE}:raw"),
        "raw_get_json": lambda: json.loads(raw.get(f"{NAMESPACE}:raw")),  # type: ignore[arg-type]
        "hit": lambda: cache.get_or_compute("hot", compute),
    }
    timings: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(rounds):
        for name, call in loops.items():
            started = time.perf_counter()
            for _ in range(per_round):
                call()
            timings[name].append(time.perf_counter() - started)
    hit = timings["hit"]
    return {
        "raw_get_ops_per_s": per_round / statistics.median(timings["raw_get"]),
        "raw_get_json_ops_per_s": per_round / statistics.median(timings["raw_get_json"]),
        "hit_ops_per_s": per_round / statistics.median(hit),
        "ratio": statistics.median(r / h for r, h in zip(timings["raw_get"], hit, strict=True)),
        "ratio_vs_get_json": statistics.median(
            r / h for r, h in zip(timings["raw_get_json"], hit, strict=True)
        ),
    }


def round_trips(url: str) -> dict[str, int]:
    pool = valkey.ConnectionPool.from_url(url, connection_class=CountingConnection)
    cache = CacheHelper(valkey.Valkey(connection_pool=pool), namespace=NAMESPACE)
    cache.get_or_compute("warm-up", lambda: 1)
    counts = {}
    for name, call in {
        "set_with_tags (3 tags)": lambda: cache.set_with_tags("rt", VALUE, ["a", "b", "c"]),
        "get_or_compute hit": lambda: cache.get_or_compute("rt", lambda: VALUE),
        "get_or_compute miss": lambda: cache.get_or_compute("rt-miss", lambda: VALUE, tags=["a"]),
    }.items():
        CountingConnection.sends = 0
        call()
        counts[name] = CountingConnection.sends
    return counts


def invalidation(url: str, keys: int, repeats: int) -> dict[str, float]:
    """Each repeat times the raw baseline, Lua batches and the transaction fallback in turn."""
    client = valkey.Valkey.from_url(url)
    lua = CacheHelper(client, namespace=NAMESPACE)
    transactions = CacheHelper(client, namespace=NAMESPACE, scripting=False)
    values = {f"row:{n}": VALUE for n in range(keys)}
    names = [lua.value_key(key) for key in values]

    def raw_unlink() -> int:
        return sum(
            int(client.unlink(*names[start : start + BATCH_SIZE]))
            for start in range(0, len(names), BATCH_SIZE)
        )

    runs: dict[str, Callable[[], int]] = {
        "raw": raw_unlink,
        "lua": lambda: lua.invalidate_by_tag("big"),
        "transactions": lambda: transactions.invalidate_by_tag("big"),
    }
    timings: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            lua.set_many(values, ["big"])
            started = time.perf_counter()
            removed = run()
            timings[name].append(time.perf_counter() - started)
            assert removed == keys, (name, removed)
    raw = timings["raw"]
    return {
        "raw_unlink_s": statistics.median(raw),
        "invalidate_s": statistics.median(timings["lua"]),
        "invalidate_transactions_s": statistics.median(timings["transactions"]),
        "ratio": statistics.median(o / r for o, r in zip(timings["lua"], raw, strict=True)),
        "ratio_transactions": statistics.median(
            o / r for o, r in zip(timings["transactions"], raw, strict=True)
        ),
    }


def clean(url: str) -> None:
    client = valkey.Valkey.from_url(url)
    for key in client.scan_iter(match=f"{NAMESPACE}:*", count=1000):
        client.unlink(key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--hits", type=int, default=40_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--tag-keys", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    url = args.url or embedded_valkey_url()
    clean(url)
    try:
        server = valkey.Valkey.from_url(url).info("server")
        results = {
            "server": f"{server.get('server_name', 'redis')} "
            f"{server.get('valkey_version') or server['redis_version']}",
            "hit_path": hit_path(url, args.hits, args.rounds),
            "round_trips": round_trips(url),
            "invalidation": invalidation(url, args.tag_keys, args.repeats),
        }
    finally:
        clean(url)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    hit, trips, inval = results["hit_path"], results["round_trips"], results["invalidation"]
    print(f"server: {results['server']}")
    print(
        f"hit path: {hit['hit_ops_per_s']:,.0f} ops/s vs raw GET {hit['raw_get_ops_per_s']:,.0f}"
        f" ops/s = {hit['ratio']:.2f}× (target ≥ 0.80×); vs raw GET + json.loads"
        f" {hit['raw_get_json_ops_per_s']:,.0f} ops/s = {hit['ratio_vs_get_json']:.2f}×"
    )
    for name, count in trips.items():
        print(f"round trips, {name}: {count}")
    print(
        f"invalidate {args.tag_keys:,}-key tag: {inval['invalidate_s'] * 1000:,.0f} ms vs batched"
        f" UNLINK {inval['raw_unlink_s'] * 1000:,.0f} ms = {inval['ratio']:.2f}× (target ≤ 1.50×);"
        f" without Lua {inval['invalidate_transactions_s'] * 1000:,.0f} ms ="
        f" {inval['ratio_transactions']:.2f}×"
    )


if __name__ == "__main__":
    main()
