"""Secrets never reach the browser or the logs, and the app never writes to Vultr.

The app runs against a simulator served by this test process, so the simulator's request log
is ours to read; every key and every secret field the API returns is a sentinel string.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import demo_environ, start_app, stop_app, wait_idle
from tests.e2e.test_pages import PAGES
from vultr_core.simulator import Simulator

KEY_SENTINEL = "KEYSENTINEL4f1e9a"
DATA_SENTINEL = "DATASENTINEL7b2c"


@dataclass
class SentinelApp:
    url: str
    simulator: Simulator
    log_path: Path


@pytest.fixture(scope="module")
def sentinel_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelApp]:
    simulator = Simulator(size="small", api_key=KEY_SENTINEL, secret_sentinel=DATA_SENTINEL)
    log_path = tmp_path_factory.mktemp("app") / "streamlit.log"
    with simulator.serve() as server:
        environ = demo_environ() | {
            "VULTR_API_KEY": KEY_SENTINEL,
            "VULTR_API_URL": f"{server.base_url}/v2",
        }
        process, url = start_app(environ, log_path)
        yield SentinelApp(url, simulator, log_path)
        stop_app(process)


def visit_every_page(page: Page, app: SentinelApp) -> list[str]:
    page.goto(app.url)
    wait_idle(page)
    html = []
    for title in PAGES:
        page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
        wait_idle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        html.append(page.content())
    return html


def test_no_sentinel_in_any_page_or_the_server_log(page: Page, sentinel_app: SentinelApp) -> None:
    html = visit_every_page(page, sentinel_app)
    assert any(r.status == 200 for r in sentinel_app.simulator.request_log)
    for title, content in zip(PAGES, html, strict=True):
        assert KEY_SENTINEL not in content, title
        assert DATA_SENTINEL not in content, title
    log = sentinel_app.log_path.read_text(errors="replace")
    assert KEY_SENTINEL not in log
    assert DATA_SENTINEL not in log


def test_the_app_only_reads_from_vultr(page: Page, sentinel_app: SentinelApp) -> None:
    visit_every_page(page, sentinel_app)
    requests = sentinel_app.simulator.request_log
    assert requests
    writes = [(r.method, r.path) for r in requests if r.method != "GET"]
    assert all(
        method == "POST" and path.startswith("/v2/databases/") and path.endswith("/alerts")
        for method, path in writes
    ), writes
