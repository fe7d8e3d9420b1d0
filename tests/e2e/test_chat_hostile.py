"""Inference Chat in a real browser against a hostile model: a reply that tries to make the
browser fetch a remote URL (the prompt-injection beacon), and Stop pressed while a reply drips.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from tests.e2e.conftest import ServedApp, open_page, screenshot, send_prompt, wait_idle
from vultr_core.simulator.inference_hostile import BEACON, BEACON_HOST, SLOW_DRIP

SECRET_PROMPT = "Our launch code is tangerine-42"


@pytest.fixture
def hostile(app: ServedApp) -> Iterator[ServedApp]:
    """The shared app, its hostile model switched off again after the test."""
    yield app
    app.simulator.set_faults(hostile_reply=None, hostile_interval_ms=1000.0)


def assistant_reply(page: Page) -> Page:
    return page.get_by_role("group", name="Chat message from assistant")


def test_a_reply_cannot_make_the_browser_fetch_a_remote_url(hostile: ServedApp, page: Page) -> None:
    fetched: list[str] = []

    def record(request: Request) -> None:
        if urlsplit(request.url).hostname == BEACON_HOST:
            fetched.append(request.url)

    page.on("request", record)
    hostile.simulator.set_faults(hostile_reply=BEACON)
    open_page(page, hostile.url, "Inference Chat")
    send_prompt(page, SECRET_PROMPT)
    expect(page.get_by_text("This session: 1 reply")).to_be_visible()
    wait_idle(page)

    reply = assistant_reply(page)
    expect(reply).to_contain_text(f"[image: http://{BEACON_HOST}/inline.png")
    expect(reply).to_contain_text('<img src="http://')
    assert reply.locator("img").count() == 0
    screenshot(page, "chat_beacon")
    assert fetched == [], f"the page fetched {len(fetched)} beacon URL(s): {fetched}"


def test_stop_keeps_the_partial_reply_marked_stopped(hostile: ServedApp, page: Page) -> None:
    """A reply that drips a token a second: Stop ends it at once and keeps what came."""
    hostile.simulator.set_faults(hostile_reply=SLOW_DRIP, hostile_interval_ms=1000.0)
    open_page(page, hostile.url, "Inference Chat")
    send_prompt(page, "Tell me everything")
    reply = assistant_reply(page).get_by_test_id("stMarkdownContainer")
    expect(reply).not_to_have_text("", timeout=30_000)
    requests_before_stop = len(hostile.simulator.request_log)
    page.locator(".st-key-chat_stop_reply").get_by_role("button").click()
    wait_idle(page)

    expect(page.locator(".st-key-chat_stop_reply")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    replies = assistant_reply(page)
    expect(replies).to_have_count(1)
    expect(replies.get_by_test_id("stMarkdownContainer")).not_to_have_text("")
    expect(replies.get_by_test_id("stCaptionContainer").last).to_contain_text("stopped")
    expect(page.get_by_text("This session: 1 reply")).to_be_visible()
    assert len(hostile.simulator.request_log) == requests_before_stop
    screenshot(page, "chat_stopped")
