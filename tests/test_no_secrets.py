"""No secret anywhere: every key and password is a sentinel, and none comes back out.

The management and inference keys, the PostgreSQL and Valkey passwords (real accounts on the
test servers, so the app really logs in with them) and every secret field the simulated API
returns are sentinel strings. The passwords hold ``#``, ``/``, ``?``, ``@``, ``%`` and a
non-ASCII letter, written into the URLs unencoded, as a careless user pastes them. Every
command-line command, with and without ``--json``, with ``-v`` and ``-vv``, and every page
under AppTest, with a chat reply and its "view code", must show none of them, nor any piece of
one, nor its percent-encoded form: not on stdout or stderr, not in any rendered element, not in
any log record. The same holds when the API echoes the Authorization header in its errors, and
when a setting is refused (a key with a line break, a URL with a control character).
The browser's share of the proof (page HTML, the server's log) is in tests/e2e.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import open_page
from tests.cli_support import run_cli
from tests.conftest import FIXED_NOW
from tests.sentinel_servers import (
    app_environment,
    sentinel_postgres_url,
    sentinel_valkey_url,
    with_credentials,
)
from tests.streamlit_support import fresh_streamlit
from vultr_core.simulator import Faults, Simulator, SimulatorServer

ROOT = Path(__file__).resolve().parents[1]
MANAGEMENT_KEY = "MGMTKEYSENTINEL0c41"
INFERENCE_KEY = "INFKEYSENTINEL9d27"
# Every piece between the reserved characters is a sentinel of its own: a fragment must not show.
POSTGRES_PASSWORD = "PGPASSa51e8#PGPASSb51e8/PGPASSc51e8?PGPASSd51e8@PGPASSe51e8%zz-é-PGPASSf51e8"
VALKEY_PASSWORD = "VKPASSa7a63#VKPASSb7a63/VKPASSc7a63?VKPASSd7a63@VKPASSe7a63%zz-é-VKPASSf7a63"
API_DATA = "APIDATASENTINEL2f90"
WRONG_PASSWORD = "WRONGPASSSENTINEL3b1d"
WEBHOOK_TOKEN = "WEBHOOKSENTINEL6e0a"
SENTINELS = (MANAGEMENT_KEY, INFERENCE_KEY, POSTGRES_PASSWORD, VALKEY_PASSWORD, API_DATA)
COMMANDS = ("account", "instances", "databases", "valkey", "summary", "health", "test")
PAGES = (
    "overview.py",
    "instances.py",
    "databases.py",
    "valkey_health.py",
    "inference_chat.py",
    "cache_tools.py",
)


@dataclass
class SentinelWorld:
    simulator: Simulator
    environ: dict[str, str]


@pytest.fixture(scope="module")
def world(postgres_url: str, valkey_url: str) -> Iterator[SentinelWorld]:
    simulator = Simulator(
        size="small",
        now=FIXED_NOW,
        api_key=MANAGEMENT_KEY,
        inference_api_key=INFERENCE_KEY,
        secret_sentinel=API_DATA,
    )
    with (
        simulator.serve() as server,
        sentinel_postgres_url(postgres_url, POSTGRES_PASSWORD) as database_url,
        sentinel_valkey_url(valkey_url, VALKEY_PASSWORD) as cache_url,
    ):
        database_url = unencoded(database_url, POSTGRES_PASSWORD)
        cache_url = unencoded(cache_url, VALKEY_PASSWORD)
        assert POSTGRES_PASSWORD in database_url
        assert VALKEY_PASSWORD in cache_url
        yield SentinelWorld(simulator, sentinel_environ(server, database_url, cache_url))


def sentinel_environ(server: SimulatorServer, database_url: str, cache_url: str) -> dict[str, str]:
    keys = (MANAGEMENT_KEY, INFERENCE_KEY)
    return app_environment(server.base_url, keys, database_url, cache_url) | {
        "INFERENCE_REQUESTS_PER_MINUTE": "100000"
    }


@pytest.fixture
def every_log_record() -> Iterator[io.StringIO]:
    """Every record of every logger at DEBUG, Streamlit's own included, with its arguments."""
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(), logging.getLogger("streamlit")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield written
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def run_printing(*argv: str, environ: dict[str, str]) -> tuple[int, str]:
    """Exit status and everything printed, on either stream."""
    code, out, err = run_cli(*argv, environ=environ)
    return code, out + err


def pieces(sentinel: str) -> set[str]:
    """The sentinel, its percent-encoded form, and each run of letters and digits in it."""
    runs = {run for run in re.split(r"[^A-Za-z0-9]+", sentinel) if len(run) >= 8}
    return runs | {sentinel, quote(sentinel, safe="")}


def leaked(text: str, sentinels: tuple[str, ...] = SENTINELS) -> list[str]:
    return [piece for sentinel in sentinels for piece in pieces(sentinel) if piece in text]


def unencoded(url: str, password: str) -> str:
    """The URL as a careless user writes it: the password pasted in as it is."""
    return url.replace(quote(password, safe=""), password, 1)


@pytest.mark.parametrize("command", COMMANDS)
def test_no_command_prints_or_logs_a_secret(
    command: str, world: SentinelWorld, every_log_record: io.StringIO
) -> None:
    for verbosity, extra in (("-v", ()), ("-v", ("--json",)), ("-vv", ())):
        code, printed = run_printing(verbosity, command, *extra, environ=world.environ)
        assert code == 0, printed
        assert leaked(printed) == [], (command, verbosity, extra)
    assert leaked(every_log_record.getvalue()) == []


@pytest.mark.parametrize(
    "argv", [("snapshot",), ("changes", "--since", "7d"), ("budget",), ("alerts", "--dry-run")]
)
def test_no_history_command_prints_or_logs_a_secret(
    argv: tuple[str, ...], world: SentinelWorld, every_log_record: io.StringIO
) -> None:
    """The history commands with the sentinel role's URL as the store (a role that may not
    create the store's schema, so they fail on it: the path where a URL gets quoted) and a
    webhook whose token is a sentinel too."""
    webhook = f"https://hooks.example.com/services/T0/B0/{WEBHOOK_TOKEN}"
    environ = world.environ | {
        "HISTORY_DATABASE_URL": world.environ["DATABASE_URL"],
        "BUDGETS": "total=1",
        "ALERT_WEBHOOK_URL": webhook,
    }
    for extra in ((), ("--json",)):
        code, printed = run_printing("-vv", *argv, *extra, environ=environ)
        assert code in (0, 1, 2), printed
        assert printed.strip(), argv
        assert leaked(printed, (*SENTINELS, WEBHOOK_TOKEN)) == [], (argv, extra, printed)
    assert leaked(every_log_record.getvalue(), (*SENTINELS, WEBHOOK_TOKEN)) == []


@pytest.mark.parametrize("command", ["health", "test"])
def test_a_wrong_password_is_reported_without_the_password(
    command: str, world: SentinelWorld, postgres_url: str, valkey_url: str
) -> None:
    environ = world.environ | {
        "DATABASE_URL": with_credentials(postgres_url, "sentinel_monitor", WRONG_PASSWORD),
        "VALKEY_URL": with_credentials(valkey_url, "sentinel_user", WRONG_PASSWORD),
    }
    code, printed = run_printing(command, environ=environ)
    assert "valkey" in printed.lower()
    assert WRONG_PASSWORD not in printed
    assert leaked(printed) == []
    if command == "test":
        assert code == 1, "a failed round trip is a failed test"


def rendered_text(app: AppTest) -> str:
    """Every element the script produced, as its full protobuf text (labels, values, help)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(app._tree)
    return "\n".join(parts)


@pytest.fixture
def app_settings(world: SentinelWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with fresh_streamlit(monkeypatch):
        for name, value in world.environ.items():
            monkeypatch.setenv(name, value)
        yield


@pytest.mark.usefixtures("app_settings")
@pytest.mark.parametrize("page", PAGES)
def test_no_page_renders_or_logs_a_secret(
    page: str, world: SentinelWorld, every_log_record: io.StringIO
) -> None:
    app = open_page(page)
    if page == "inference_chat.py":
        app = app.chat_input(key="chat_prompt").set_value("What does my database cost?").run()
        assert [m for m in app.chat_message if m.name == "assistant"], "a reply came back"
    assert not app.exception
    assert "Demo mode" not in rendered_text(app), "the sentinel keys are in use"
    assert leaked(rendered_text(app)) == []
    assert leaked(every_log_record.getvalue()) == []
    assert leaked(repr({key: app.session_state[key] for key in app.session_state})) == []


def test_the_sentinels_really_went_over_the_wire(world: SentinelWorld) -> None:
    """The proof above means something only if every sentinel was in play: both keys sent,
    the API's answers full of secret fields, and both servers logged into and answering."""
    code, printed = run_printing("test", "--json", environ=world.environ)
    assert code == 0, printed
    sent = {request.headers.get("authorization") for request in world.simulator.request_log}
    assert {f"Bearer {MANAGEMENT_KEY}", f"Bearer {INFERENCE_KEY}"} <= sent
    answer = httpx.get(
        f"{world.environ['VULTR_API_URL']}/databases",
        headers={"Authorization": f"Bearer {MANAGEMENT_KEY}"},
    )
    assert API_DATA in answer.text
    passed = {result["service"]: result["passed"] for result in json.loads(printed)["results"]}
    assert passed == {"postgres": True, "valkey": True, "management": True, "inference": True}


# Settings that must be refused whole: a key no HTTP header can carry, a URL with a control
# character, user info in an API URL. Each value's pieces are sentinels too.
REFUSED_SETTINGS = [
    ("VULTR_API_KEY", "KEYSENTINELa51\nKEYSENTINELb51"),
    ("VULTR_API_KEY", "KEYSENTINELa51\x1b]52;c;KEYSENTINELb51"),
    ("VULTR_API_KEY", "KEYSENTINELa51-é-KEYSENTINELb51"),
    ("VULTR_INFERENCE_API_KEY", "KEYSENTINELa51\rKEYSENTINELb51"),
    ("DATABASE_URL", "postgresql://monitor:URLSENTINELa51\nURLSENTINELb51@db.example/app"),
    ("VALKEY_URL", "redis://default:URLSENTINELa51\tURLSENTINELb51@cache.example/0"),
    ("VULTR_API_URL", "https://user:URLSENTINELa51#URLSENTINELb51/x@api.example/v2"),
    ("VULTR_INFERENCE_URL", "https://user:URLSENTINELa51?URLSENTINELb51@api.example/v1"),
]


@pytest.mark.parametrize(("name", "value"), REFUSED_SETTINGS)
def test_a_refused_setting_stops_every_command_with_one_line_and_no_secret(
    name: str, value: str, world: SentinelWorld
) -> None:
    environ = world.environ | {name: value}
    for command in COMMANDS:
        code, out, err = run_cli("-v", command, environ=environ)
        assert (code, out) == (2, ""), (command, err)
        assert len(err.splitlines()) == 1, err
        assert err.startswith(f"configuration error: {name} "), err
        assert leaked(err, (value, *SENTINELS)) == [], (command, err)


def test_an_api_that_echoes_the_authorization_header_shows_no_key(
    world: SentinelWorld, every_log_record: io.StringIO
) -> None:
    world.simulator.faults = Faults(status_code=401, echo_authorization=True)
    try:
        for command in COMMANDS:
            for verbosity, extra in (("-v", ()), ("-vv", ("--json",))):
                code, printed = run_printing(verbosity, command, *extra, environ=world.environ)
                assert code == 1, (command, printed)
                assert leaked(printed) == [], (command, verbosity)
                assert "Bearer ***" in printed, "the simulator echoed the key back"
    finally:
        world.simulator.faults = Faults()
    assert leaked(every_log_record.getvalue()) == []


@pytest.mark.usefixtures("app_settings")
@pytest.mark.parametrize(("name", "value"), REFUSED_SETTINGS)
def test_the_configuration_error_box_names_the_setting_and_no_secret(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    app = open_page("overview.py")
    assert not app.exception
    shown = [box.value.replace("\\", "") for box in app.error]  # as read: escapes dropped
    assert [text for text in shown if name in text], "one box names the setting"
    assert leaked(rendered_text(app), (value, *SENTINELS)) == []


# valkey_client empties the database: a page must ask the API, not read a cached answer.
@pytest.mark.usefixtures("app_settings", "valkey_client")
@pytest.mark.parametrize("page", ["overview.py", "instances.py", "inference_chat.py"])
def test_no_page_shows_a_key_the_api_echoes(
    page: str, world: SentinelWorld, every_log_record: io.StringIO
) -> None:
    world.simulator.faults = Faults(status_code=401, echo_authorization=True)
    try:
        app = open_page(page)
    finally:
        world.simulator.faults = Faults()
    assert not app.exception
    assert "Bearer" in rendered_text(app), "the echoed header is on the page, masked"
    assert leaked(rendered_text(app)) == []
    assert leaked(every_log_record.getvalue()) == []
