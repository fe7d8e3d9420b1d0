"""A key Vultr refuses is said once, under the page's title, on every page: the sections stay
quiet instead of repeating "HTTP 401" each; and an app pointed at the served simulator says so."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import new_app, page_path
from tests.app.markup import rendered_markup, seen
from vultr_core.api.advice import REFUSED
from vultr_core.simulator import Faults, Simulator, SimulatorServer
from vultr_core.simulator.announce import answers_as_simulator
from vultr_core.simulator.hostile_data import PLANTED

RIGHT_KEY = "RIGHT-KEY-SENTINEL-3b9d"
WRONG_KEY = "WRONG-KEY-SENTINEL-7e21"
REFUSED_KEY = REFUSED[("management", 401)]
REFUSED_ACCESS = REFUSED[("management", 403)]
VULTR_SAID = "Vultr said: Invalid API token."


@pytest.fixture
def served() -> Iterator[tuple[Simulator, SimulatorServer]]:
    simulator = Simulator(size="small", api_key=RIGHT_KEY)
    with simulator.serve() as server:
        yield simulator, server


def opened(
    page: str, server: SimulatorServer, key: str, monkeypatch: pytest.MonkeyPatch
) -> AppTest:
    monkeypatch.setenv("VULTR_API_KEY", key)
    monkeypatch.setenv("VULTR_API_URL", f"{server.base_url}/v2")
    app = new_app().run().switch_page(page_path(page)).run()
    assert not app.exception
    return app


def main_elements(app: AppTest) -> list[Any]:
    """The page's elements in order, containers walked through."""

    def walk(node: Any) -> Iterator[Any]:
        children = getattr(node, "children", None)
        if not children:
            yield node
            return
        for child in children.values():
            yield from walk(child)

    return list(walk(app.main))


def test_a_refused_key_is_one_message_under_the_title_of_the_overview(
    served: tuple[Simulator, SimulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = opened("overview.py", served[1], WRONG_KEY, monkeypatch)
    assert [seen(error.value) for error in app.error] == [f"{REFUSED_KEY} {VULTR_SAID}"]
    elements = [e for e in main_elements(app) if e.type in ("title", "error", "warning", "info")]
    assert elements[0].type == "title"
    assert seen(elements[1].value).startswith(REFUSED_KEY), "not the first under the title"
    everything = " ".join(seen(str(e.value)) for e in main_elements(app) if hasattr(e, "value"))
    assert "401" not in everything
    assert WRONG_KEY not in everything
    # Each section (the health strip's card included) notes it did not load, quietly.
    notes = [c.value for c in app.caption if "see the message at the top" in c.value]
    assert any("the account" in note for note in notes)
    assert any("Management API" in note for note in notes)


@pytest.mark.parametrize("page", ["instances.py"])
def test_a_refused_key_is_one_message_on_every_page(
    page: str, served: tuple[Simulator, SimulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = opened(page, served[1], WRONG_KEY, monkeypatch)
    assert [seen(error.value) for error in app.error] == [f"{REFUSED_KEY} {VULTR_SAID}"]


def test_a_key_without_access_says_to_check_its_acls_and_allow_list(
    served: tuple[Simulator, SimulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator, server = served
    simulator.faults = Faults(status_code=403)
    app = opened("databases.py", server, RIGHT_KEY, monkeypatch)
    (error,) = app.error
    # Vultr's own words name the address it refused: that is what to add to the allow-list.
    assert seen(error.value) == f"{REFUSED_ACCESS} Vultr said: Unauthorized IP address: 192.0.2.10"


def test_a_hostile_refusal_body_shows_nothing_of_it(
    served: tuple[Simulator, SimulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator, server = served
    simulator.faults = Faults(status_code=401, hostile_text=True, echo_authorization=True)
    app = opened("databases.py", server, RIGHT_KEY, monkeypatch)
    (error,) = app.error
    assert seen(error.value).startswith(f"{REFUSED_KEY} Vultr said: ")
    assert PLANTED in seen(error.value)
    assert RIGHT_KEY not in error.value
    assert rendered_markup(app, PLANTED) == []


def test_other_failures_still_show_in_their_own_section(
    served: tuple[Simulator, SimulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator, server = served
    simulator.faults = Faults(status_code=404, path_prefix="/v2/billing")
    app = opened("overview.py", server, RIGHT_KEY, monkeypatch)
    errors = [seen(error.value) for error in app.error]
    assert errors
    assert all(error.startswith("Could not load") and "HTTP 404" in error for error in errors)


def test_a_fragment_rerun_shows_the_message_in_its_own_place_when_the_page_did_not(
    served: tuple[Simulator, SimulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fragment's rerun cannot add to the top of the page: when the last full run said
    nothing (the key was revoked since), the fragment says it itself, once per section."""

    class FragmentRerun:
        fragment_ids_this_run: ClassVar[list[str]] = ["health-strip"]

    monkeypatch.setattr("ui.page.get_script_run_ctx", FragmentRerun)
    app = opened("instances.py", served[1], WRONG_KEY, monkeypatch)
    assert [seen(error.value) for error in app.error] == [f"{REFUSED_KEY} {VULTR_SAID}"]
    assert not [c for c in app.caption if "see the message at the top" in c.value]


def test_the_served_simulator_is_announced_as_not_your_account(
    served: tuple[Simulator, SimulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = served[1]
    app = opened("instances.py", server, RIGHT_KEY, monkeypatch)
    banners = [seen(info.value) for info in app.info]
    host_port = server.base_url.removeprefix("http://")
    assert any(
        b.startswith("**Simulated Vultr**") and f"at {host_port} — not your account" in b
        for b in banners
    )
    assert not app.error


def test_vultrs_own_host_is_never_probed_and_silence_is_not_a_simulator(
    served: tuple[Simulator, SimulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator, server = served
    answer = httpx.get(f"{server.base_url}/v2/account")
    assert (answer.status_code, answer.headers["X-Vultr-Simulator"]) == (401, "1")
    simulator.clear_log()
    assert answers_as_simulator(f"{server.base_url}/v2") is True
    assert simulator.request_log == [], "asking is not part of the simulated organisation"
    assert answers_as_simulator("http://127.0.0.1:1/v2") is False
    calls: list[str] = []
    monkeypatch.setattr("httpx.get", lambda url, **_: calls.append(url))
    assert answers_as_simulator("https://api.vultr.com/v2") is False
    assert calls == []


def test_a_server_that_drips_its_headers_is_not_a_simulator_and_holds_no_page() -> None:
    """httpx's timeouts are per read: without the probe's deadline a byte every 0.1 s of
    headers would hold every page's first line for as long as the server liked."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        stop = threading.Event()

        def drip() -> None:
            connection, _ = listener.accept()
            with connection, contextlib.suppress(OSError):
                connection.sendall(b"HTTP/1.1 200 OK\r\nX-Padding: ")
                while not stop.wait(0.1):
                    connection.sendall(b"a")

        dripping = threading.Thread(target=drip, daemon=True)
        dripping.start()
        try:
            assert answers_as_simulator(f"http://127.0.0.1:{port}/v2", deadline_s=0.5) is False
        finally:
            stop.set()
            dripping.join()
