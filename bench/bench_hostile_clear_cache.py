"""A visitor who never signed in sends Streamlit's "clear caches": what it costs everyone else.

Streamlit 1.67 obeys that websocket message from any session (``AppSession.handle_backmsg``
→ ``_handle_clear_cache_request``) and offers no setting to refuse it. Measured here, with a
real AppSession handling the real BackMsg, in demo mode, with and without ``VALKEY_URL``:

- whether the shared management and inference clients survive it (same object, still open);
- the next Overview view: management API requests and wall time, against the baseline of the
  same view with warm caches, measured in the same run.

    uv run python bench/bench_hostile_clear_cache.py
"""

from __future__ import annotations

import os
import time

import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.streamlit_support import NAVIGATION, send_clear_cache
from ui import clients as ui_clients
from vultr_core.api.errors import VultrError
from vultr_core.clients import demo_simulator
from vultr_core.config import Settings
from vultr_core.health.embedded import embedded_valkey_url


def overview_view() -> tuple[int, float]:
    """One Overview view by a new visitor: (management API requests, seconds)."""
    simulator = demo_simulator()
    simulator.clear_log()
    started = time.perf_counter()
    app = AppTest.from_file(str(NAVIGATION), default_timeout=120).run()
    elapsed = time.perf_counter() - started
    if app.exception:
        raise SystemExit(f"the Overview failed: {[e.value for e in app.exception]}")
    return len(simulator.request_log), elapsed


def measure(valkey_url: str | None) -> None:
    if valkey_url is None:
        os.environ.pop("VALKEY_URL", None)
    else:
        os.environ["VALKEY_URL"] = valkey_url
    st.cache_data.clear()
    ui_clients.close_shared_clients()
    current = Settings.from_env()
    overview_view()  # fills every cache
    warm_requests, warm_s = overview_view()
    management = ui_clients.management_client(current)
    inference = ui_clients.inference_client(current)
    send_clear_cache()
    kept = ui_clients.management_client(current) is management
    kept_inference = ui_clients.inference_client(current) is inference
    try:
        still_open = bool(management.account().name)
    except (VultrError, RuntimeError):  # httpx: "the client has been closed"
        still_open = False
    after_requests, after_s = overview_view()
    label = "VALKEY_URL set" if valkey_url else "no VALKEY_URL"
    print(
        f"{label:<16}{'warm (baseline)':>18}{warm_requests:>10}{warm_s:>9.2f} s\n"
        f"{'':<16}{'after clear_cache':>18}{after_requests:>10}{after_s:>9.2f} s\n"
        f"{'':<16}management client kept: {kept}, still open: {still_open}; "
        f"inference client (its rate limiter) kept: {kept_inference}"
    )


def main() -> None:
    print(f"{'':<16}{'Overview view':>18}{'requests':>10}{'time':>11}")
    measure(None)
    measure(embedded_valkey_url())


if __name__ == "__main__":
    main()
