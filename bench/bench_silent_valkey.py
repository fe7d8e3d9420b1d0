"""A Valkey that accepts connections and never answers: how long each page takes to render.

Baseline, in the same run: the same pages with the embedded Valkey answering. Each page runs
under AppTest on its own, from cold caches, in demo mode with ``VALKEY_URL`` set; the figure is
the wall time of that run (the Overview pays for the health strip's Valkey probe, 2 s, on top).

    uv run python bench/bench_silent_valkey.py
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.fault_servers import silent_server
from ui.clients import close_shared_clients
from vultr_core.health.embedded import embedded_valkey_url

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("overview.py", "instances.py", "databases.py", "inference_chat.py")
REPEATS = 3


def render_s(page: str, valkey_url: str) -> float:
    """One cold render of the page with VALKEY_URL pointing at ``valkey_url``."""
    os.environ["VALKEY_URL"] = valkey_url
    st.cache_data.clear()
    st.cache_resource.clear()
    close_shared_clients()
    started = time.perf_counter()
    app = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=120).run()
    elapsed = time.perf_counter() - started
    if app.exception:
        raise SystemExit(f"{page} failed: {[e.value for e in app.exception]}")
    return elapsed


def main() -> None:
    answering = embedded_valkey_url()
    for page in PAGES:  # imports and first-use costs out of the way
        render_s(page, answering)
    print(f"{'page':<20}{'answering':>12}{'silent':>10}{'ratio':>8}")
    with silent_server() as server:
        silent = f"redis://127.0.0.1:{server.port}/0"
        for page in PAGES:
            healthy = statistics.median(render_s(page, answering) for _ in range(REPEATS))
            hung = statistics.median(render_s(page, silent) for _ in range(REPEATS))
            print(f"{page:<20}{healthy:>11.2f}s{hung:>9.2f}s{hung / healthy:>7.1f}x")


if __name__ == "__main__":
    main()
