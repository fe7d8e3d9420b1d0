"""What only a browser shows of a hostile Vultr: which URLs the page fetched, and what markup
it drew, on every page against hostile names and messages (a model reply that plants an image
is test_chat_hostile.py's)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from tests.e2e.conftest import (
    demo_environ,
    open_page,
    start_app,
    stop_app,
)
from vultr_core.simulator import Simulator
from vultr_core.simulator.hostile_data import BEACON_URL, PLANTED
from vultr_core.simulator.inference_hostile import BEACON_HOST

KEY = "hostile-browser-key"
INFERENCE_KEY = "hostile-browser-inference-key"
PAGES = ["Overview", "Instances", "Databases", "Valkey", "Inference Chat", "Cache Tools"]
BEACONS = (BEACON_URL.rsplit("/", 1)[0], BEACON_HOST)
# Drawn markup that only planted text could have made (the app's own bold around an escaped
# label is fine: its text still shows the planted marks).
PLANTED_MARKUP = (
    f"h1:has-text('{PLANTED}'), h2:has-text('{PLANTED}'), h3:has-text('{PLANTED}'), "
    f"img[src*='beacon'], a[href*='beacon'], strong:text-matches('^{PLANTED} bold$')"
)


@pytest.fixture(scope="module")
def hostile_app() -> Iterator[tuple[str, Simulator]]:
    simulator = Simulator(size="small", api_key=KEY, inference_api_key=INFERENCE_KEY)
    simulator.set_faults(hostile_text=True)
    with simulator.serve() as vultr:
        environ = demo_environ() | {
            "VULTR_API_KEY": KEY,
            "VULTR_API_URL": f"{vultr.base_url}/v2",
            "VULTR_INFERENCE_API_KEY": INFERENCE_KEY,
            "VULTR_INFERENCE_URL": f"{vultr.base_url}/v1",
        }
        process, url = start_app(environ)
        try:
            yield url, simulator
        finally:
            stop_app(process)


@pytest.fixture
def watched(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A page, and every URL it asked for that points at a planted beacon."""
    context = browser.new_context(viewport={"width": 1280, "height": 1500})
    page = context.new_page()
    fetched: list[str] = []

    def record(request: Request) -> None:
        if any(beacon in request.url for beacon in BEACONS):
            fetched.append(request.url)

    page.on("request", record)
    yield page, fetched
    context.close()


@pytest.mark.parametrize("title", PAGES)
def test_hostile_text_is_drawn_as_text_and_fetches_nothing(
    hostile_app: tuple[str, Simulator], watched: tuple[Page, list[str]], title: str
) -> None:
    url, _ = hostile_app
    page, fetched = watched
    open_page(page, url, title)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.locator(PLANTED_MARKUP)).to_have_count(0)
    assert fetched == []
