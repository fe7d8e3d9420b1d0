"""Links people share: every page's own URL as the very first request of a fresh server.

Streamlit decides once per process whether an app is a legacy ``pages/``-folder app; app.py's
``st.App`` entry and ui/navigation.py keep that decision right, so a first request to
/cache-tools shows Cache Tools with the app's own sidebar, not "Page not found".
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import (
    demo_environ,
    screenshot,
    start_app,
    stop_app,
    wait_idle,
)
from tests.processes import working_under

SIDEBAR_ENTRIES = ["Overview", "Instances", "Databases", "Valkey", "Inference Chat", "Cache Tools"]
LINKS = {
    "/": "Overview",
    "/overview": "Overview",
    "/instances": "Instances",
    "/databases": "Databases",
    "/valkey": "Valkey",
    "/inference-chat": "Inference Chat",
    "/cache-tools": "Cache Tools",
}
SHUTDOWN_S = 5
# A bound on waiting for the demo servers to come up, not a measure of how fast they do.
SERVERS_START_S = 60


@pytest.fixture(scope="module")
def fresh_servers(postgres_url: str, valkey_url: str) -> Iterator[dict[str, str]]:
    """One never-visited server per link, all started at once (each answers one first request)."""
    environ = demo_environ() | {"DATABASE_URL": postgres_url, "VALKEY_URL": valkey_url}
    started = {path: start_app(environ) for path in LINKS}
    try:
        yield {path: url for path, (_, url) in started.items()}
    finally:
        for process, _ in started.values():
            stop_app(process)


@pytest.mark.parametrize(("path", "title"), LINKS.items())
def test_a_deep_link_opens_its_page_on_a_fresh_server(
    browser: Browser, fresh_servers: dict[str, str], path: str, title: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1500})
    page = context.new_page()
    try:
        page.goto(fresh_servers[path] + path)
        wait_idle(page)
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        sidebar = page.get_by_test_id("stSidebarNav")
        # Each link reads "<icon name><title>" where the icon font cannot load (no internet).
        expect(sidebar.get_by_test_id("stSidebarNavLink")).to_have_text(
            [re.compile(f"{re.escape(entry)}$") for entry in SIDEBAR_ENTRIES]
        )
        expect(page.get_by_test_id("stDialog")).to_have_count(0)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        screenshot(page, f"deep_link{path.replace('/', '_') or '_root'}")
    finally:
        context.close()


def test_overview_redirects_to_the_front_page_and_keeps_the_query(
    fresh_servers: dict[str, str],
) -> None:
    answer = httpx.get(fresh_servers["/overview"] + "/overview?embed=true", timeout=10)
    assert answer.status_code == 307
    assert answer.headers["location"].endswith("/?embed=true")


def test_no_demo_server_outlives_the_app(browser: Browser) -> None:
    """SIGTERM ends the app and the embedded PostgreSQL and Valkey it started, within seconds."""
    tmpdir = Path(tempfile.mkdtemp(prefix="e2e-shutdown-"))
    process, url = start_app(demo_environ() | {"TMPDIR": str(tmpdir)})
    try:
        context = browser.new_context()
        page = context.new_page()
        # The Overview's health cards use both servers: should the early start in the background
        # have failed, their checks start them again, and a card says why if that fails too.
        page.goto(url)
        for service in ("postgres", "valkey"):
            card = page.locator(f".st-key-ovw_health_{service}")
            expect(card).to_contain_text(
                re.compile(r"Latency\s*[\d.]+ ms"), timeout=SERVERS_START_S * 1000
            )
        context.close()
        assert len(working_under(tmpdir)) >= 2, (
            "the demo started its embedded PostgreSQL and Valkey"
        )

        process.send_signal(signal.SIGTERM)
        process.wait(timeout=SHUTDOWN_S)
        deadline = time.monotonic() + SHUTDOWN_S
        while working_under(tmpdir) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert working_under(tmpdir) == [], "an embedded server outlived the app"
    finally:
        if process.poll() is None:
            stop_app(process)
        for pid in working_under(tmpdir):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(tmpdir, ignore_errors=True)
