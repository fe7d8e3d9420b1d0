"""No secret ever reaches the browser, the server's log or the cache.

The shared app (conftest's ``app``) is given nothing but sentinels for its keys and passwords,
and the simulated API returns sentinels in every secret field. This visits every page, sends a
chat prompt, and looks for any sentinel in each page's HTML, in the server's log and in every
key of the Valkey the app caches in. (That the app only read from Vultr is checked when the
whole run ends, by the ``app`` fixture.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import cast

import valkey
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    INFERENCE_KEY,
    MANAGEMENT_KEY,
    ServedApp,
    follow_sidebar,
    leaked,
    send_prompt,
    wait_idle,
)
from tests.e2e.test_pages import PAGES


def visit_every_page(page: Page, app: ServedApp) -> dict[str, str]:
    """Each page's HTML once it has finished, the chat after a reply; health must be up."""
    page.goto(app.url)
    wait_idle(page)
    html = {}
    for title in PAGES:
        follow_sidebar(page, title)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        if title == "Overview":
            # The app logged in with the sentinel passwords (a trusting server ignores them).
            for service in ("postgres", "valkey"):
                card = page.locator(f".st-key-ovw_health_{service}")
                expect(card).to_contain_text(re.compile(r"\b(Up|Degraded)"))
        if title == "Inference Chat":
            send_prompt(page, "Which of my keys do you know?")
            expect(page.get_by_text("This session: 1 reply")).to_be_visible()
            wait_idle(page)
        html[title] = page.content()
    return html


def valkey_contents(url: str) -> str:
    """Every key of the Valkey database and everything it holds, as text."""
    with valkey.Valkey.from_url(url, socket_timeout=5) as client:
        reads: dict[bytes, Callable[[bytes], object]] = {
            b"string": client.get,
            b"hash": client.hgetall,
            b"list": lambda name: client.lrange(name, 0, -1),
            b"set": client.smembers,
            b"zset": lambda name: client.zrange(name, 0, -1),
            b"stream": client.xrange,
            b"none": lambda name: None,  # expired since the scan listed it
        }
        return "\n".join(
            repr((name, reads[cast(bytes, client.type(name))](name)))
            for name in client.scan_iter(count=1000)
        )


def test_no_sentinel_in_any_page_the_log_or_the_cache(page: Page, app: ServedApp) -> None:
    html = visit_every_page(page, app)

    requests = app.simulator.request_log
    assert any(
        r.path.startswith("/v2/")
        and r.status == 200
        and r.headers.get("authorization") == f"Bearer {MANAGEMENT_KEY}"
        for r in requests
    ), "the management API was read with the sentinel key"
    assert any(
        r.path == "/v1/chat/completions"
        and r.status == 200
        and r.headers.get("authorization") == f"Bearer {INFERENCE_KEY}"
        for r in requests
    ), "a chat reply came with the sentinel inference key"
    for title, content in html.items():
        assert not leaked(content), f"{title} shows {leaked(content)}"
    assert not leaked(app.log_path.read_text(errors="replace")), "the server's log"
    assert not leaked(valkey_contents(app.valkey_url)), "the app's Valkey"
