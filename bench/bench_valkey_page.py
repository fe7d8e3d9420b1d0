"""The Valkey page's first visit at ``large``: the list first (now) against a usage request per
Valkey instance before the table (before issue 14), in the same run.

Vultr is the simulator at ``large`` (46 Valkey instances among 200 databases) served over HTTP
from a child process with a fixed latency per request; the page reaches it with its production
client (pacing at 20 requests/s after a burst of 9), as with a real key. Each repeat empties
Streamlit's caches and the shared management cache, then runs under AppTest, alternating:

- before: the managed section as it was (``ui.health.load_valkey_instances`` at 8d24538: the
  Valkey list, then the plans and every instance's usage at once, then the table);
- now: ``pages/valkey_health.py`` (the database list, plans and regions at once, the table,
  then the usage of the one instance picked for a closer look).

No ``VALKEY_URL`` is set, so the connected-Valkey section stops at once on both. Reported: the
median seconds from the run's start to the script's end (for "now" that includes the closer
look's usage, so its table was drawn earlier still), requests the simulator received, and the
ratio before / now.

    uv run python bench/bench_valkey_page.py [--latency-ms 50] [--repeats 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import Counter
from pathlib import Path

from bench_overview import RemoteSimulator

from vultr_core.simulator import DEMO_API_KEY

ROOT = Path(__file__).resolve().parents[1]
VALKEY_INSTANCES_LARGE = 46
BEFORE = """
import functools
from datetime import UTC, datetime

import streamlit as st

from ui import page
from ui.clients import management_client
from vultr_core.inventory.valkey import valkey_instances_frame
from vultr_core.spend.data import gather

settings = page.start_page("Valkey")
st.subheader("Managed Valkey instances")
client = management_client(settings)
databases = client.databases(engine="valkey")
usage_calls = {d.id: functools.partial(client.database_usage, d.id) for d in databases}
found = gather({"plans": client.database_plans, **usage_calls})
plans = found.pop("plans")
usage = {key: used for key, used in found.items() if not isinstance(used, Exception)}
st.dataframe(valkey_instances_frame(databases, plans, usage), hide_index=True)
"""


def visit(script: str | None, simulator: RemoteSimulator) -> tuple[float, list[str]]:
    """One cold first visit: seconds to the script's end, and the paths requested."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ui.clients import close_shared_clients

    st.cache_data.clear()
    st.cache_resource.clear()
    close_shared_clients()
    app = (
        AppTest.from_string(script, default_timeout=120)
        if script is not None
        else AppTest.from_file(str(ROOT / "pages" / "valkey_health.py"), default_timeout=120)
    )
    simulator.clear_log()
    started = time.perf_counter()
    app.run()
    seconds = time.perf_counter() - started
    if app.exception or app.error:
        raise SystemExit(f"the page failed: {[e.value for e in (*app.exception, *app.error)]}")
    if not app.dataframe or len(app.dataframe[0].value) != VALKEY_INSTANCES_LARGE:
        raise SystemExit("the page did not list every Valkey instance")
    return seconds, simulator.request_paths()


def kinds(paths: list[str]) -> dict[str, int]:
    """Requests by route; ``/v2/`` alone is the page's check whether the URL is the simulator."""
    return dict(Counter("usage" if p.endswith("/usage") else p.removeprefix("/v2") for p in paths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    simulator = RemoteSimulator(args.latency_ms)
    os.environ["VULTR_API_KEY"] = DEMO_API_KEY
    os.environ["VULTR_API_URL"] = f"{simulator.base_url}/v2"
    for name in ("VALKEY_URL", "DATABASE_URL", "VULTR_DEMO_SIZE"):
        os.environ.pop(name, None)
    timings: dict[str, list[float]] = {"before": [], "now": []}
    requests: dict[str, list[str]] = {}
    try:
        for _ in range(args.repeats):
            for name, script in (("before", BEFORE), ("now", None)):
                seconds, requests[name] = visit(script, simulator)
                timings[name].append(seconds)
    finally:
        simulator.stop()
    before_s, now_s = (statistics.median(timings[name]) for name in ("before", "now"))
    result = {
        "latency_ms": args.latency_ms,
        "repeats": args.repeats,
        "before": {"seconds": round(before_s, 3), "requests": kinds(requests["before"])},
        "now": {"seconds": round(now_s, 3), "requests": kinds(requests["now"])},
        "ratio": round(before_s / now_s, 2),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for name in ("before", "now"):
        spread = f"{min(timings[name]):.3f}–{max(timings[name]):.3f}"
        print(
            f"{name:6}: {statistics.median(timings[name]):.3f} s ({spread}) in "
            f"{len(requests[name])} requests {kinds(requests[name])}"
        )
    print(f"first visit {before_s / now_s:.1f}x faster, latency {args.latency_ms:g} ms/request")


if __name__ == "__main__":
    main()
