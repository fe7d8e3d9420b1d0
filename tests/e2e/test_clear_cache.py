"""A websocket client that never signed in asks Streamlit to clear every cache: the server
drops that message, so every user's data stays cached (nothing is asked of Vultr again)."""

from __future__ import annotations

import time

from playwright.sync_api import Page
from streamlit.proto.BackMsg_pb2 import BackMsg
from websockets.sync.client import connect

from tests.e2e.conftest import demo_environ, open_page, start_app, stop_app
from vultr_core.simulator import Simulator

LISTING = "/v2/instances"
KEY = "clear-cache-test-key"


def send_clear_cache(app_url: str) -> None:
    """What a hostile script does: open Streamlit's websocket and send the bare request."""
    stream = app_url.replace("http://", "ws://") + "/_stcore/stream"
    with connect(stream, subprotocols=["streamlit"]) as socket:  # type: ignore[list-item]
        socket.send(BackMsg(clear_cache=True).SerializeToString())
        time.sleep(1.0)


def listings(simulator: Simulator) -> int:
    return sum(1 for r in simulator.request_log if r.path == LISTING)


def test_clear_cache_from_the_websocket_is_refused(page: Page) -> None:
    """Without VALKEY_URL, so that Streamlit's own caches are all that keeps Vultr unasked."""
    simulator = Simulator(size="small", api_key=KEY)
    with simulator.serve() as vultr:
        environ = demo_environ() | {"VULTR_API_KEY": KEY, "VULTR_API_URL": f"{vultr.base_url}/v2"}
        process, url = start_app(environ)
        try:
            open_page(page, url, "Instances")
            warm = listings(simulator)
            assert warm >= 1
            send_clear_cache(url)
            open_page(page, url, "Instances")
            assert listings(simulator) == warm, "Vultr was asked again: the caches were cleared"
        finally:
            stop_app(process)
