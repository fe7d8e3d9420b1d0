"""Alerts posted to a real webhook receiver on loopback: the payload, at most once per
condition per day across runs and replicas, a receiver that is down, slow or failing, and no
secret and no live markup in anything sent."""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.cli_support import run_cli
from tests.conftest import FakeClock
from vultr_core.config import Settings
from vultr_core.history.alerts import AlertRun, run_alerts
from vultr_core.history.location import open_history
from vultr_core.history.snapshot import take_snapshot
from vultr_core.history.store import HistoryStore
from vultr_core.history.webhook import post_webhook
from vultr_core.redaction import Secret
from vultr_core.simulator import DEMO_API_KEY, Simulator, SimulatorServer
from vultr_core.simulator.hostile_data import PLANTED

pytestmark = pytest.mark.servers

TOKEN = "WEBHOOK-TOKEN-SENTINEL-7f3a9c"
PASSWORD = "PG-PASSWORD-SENTINEL-41d2"
API_TOKEN = "API-TOKEN-SENTINEL-93b7"


class Receiver:
    """A webhook on loopback answering as told: "ok", "500-once", "500", "slow" or "429-once"."""

    def __init__(self, mode: str = "ok") -> None:
        self.mode = mode
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.bodies.append(body)
                receiver.headers.append(dict(self.headers))
                status = receiver.status(len(receiver.bodies))
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                del args

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T01/B02/{TOKEN}"

    def status(self, number: int) -> int:
        if self.mode == "slow":
            time.sleep(1.0)
        if self.mode == "500" or (self.mode == "500-once" and number == 1):
            return 500
        if self.mode == "429-once" and number == 1:
            return 429
        return 200

    @property
    def messages(self) -> list[dict[str, object]]:
        return [json.loads(body) for body in self.bodies]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def served() -> Iterator[tuple[Simulator, SimulatorServer]]:
    simulator = Simulator(size="small")
    with simulator.serve() as server:
        yield simulator, server


@pytest.fixture
def settings(served: tuple[Simulator, SimulatorServer], history_database_url: str) -> Settings:
    """Real keys against the served simulator, a store of the test's own with this hour's
    snapshot in it, and a budget the account is sure to be over."""
    _, server = served
    current = Settings.from_env(
        {
            "VULTR_API_KEY": DEMO_API_KEY,
            "VULTR_API_URL": f"{server.base_url}/v2",
            "HISTORY_DATABASE_URL": history_database_url,
            "BUDGETS": "total=5",
            "DASHBOARD_API_TOKEN": API_TOKEN,
        }
    )
    take_snapshot(current)
    return current


def quick_post(**options: object) -> functools.partial[None]:
    """The real poster, its backoff sleeping on a fake clock."""
    clock = FakeClock()
    return functools.partial(post_webhook, clock=clock, sleep=clock.sleep, **options)


def alert(settings: Settings, url: str | None, **options: object) -> AlertRun:
    store = open_history(settings)
    return run_alerts(
        settings, store, webhook=Secret(url) if url else None, post=quick_post(), **options
    )


def test_what_fires_is_posted_once_as_a_slack_message(
    settings: Settings, receiver: Receiver
) -> None:
    run = alert(settings, receiver.url)
    assert run.fired
    assert run.delivered_to_webhook
    assert run.problems == []
    (message,) = receiver.messages
    assert receiver.headers[0]["Content-Type"] == "application/json"
    blocks = message["blocks"]
    assert isinstance(blocks, list)
    assert blocks[0]["type"] == "header"
    text = json.dumps(message)
    assert "Budget" in text
    assert "New waste" in text
    assert "stopped, still billed" in text
    conditions = {a.condition for a in run.sent}
    assert "budget:total:" + time.strftime("%Y-%m", time.gmtime()) in conditions


def test_a_second_run_the_same_day_sends_nothing_and_exits_0(
    settings: Settings, receiver: Receiver, history_database_url: str, served: tuple
) -> None:
    first = alert(settings, receiver.url)
    again = alert(settings, receiver.url)
    assert first.fired
    assert not again.fired
    # The budget is still over (sent today already); the waste is no longer new at all.
    daily = {a.condition for a in first.sent if not a.condition.startswith("waste:")}
    assert {a.condition for a in again.already_sent} == daily
    assert len(receiver.bodies) == 1
    environ = {
        "VULTR_API_KEY": DEMO_API_KEY,
        "VULTR_API_URL": f"{served[1].base_url}/v2",
        "HISTORY_DATABASE_URL": history_database_url,
        "BUDGETS": "total=5",
    }
    code, out, err = run_cli("alerts", "--webhook", receiver.url, environ=environ)
    assert (code, err) == (0, "")
    assert "Nothing fired." in out
    assert TOKEN not in out
    assert len(receiver.bodies) == 1


def test_replicas_evaluating_at_once_send_each_condition_once(
    settings: Settings, receiver: Receiver
) -> None:
    runs: list[AlertRun] = []
    start = threading.Barrier(3)

    def replica() -> None:
        start.wait()
        runs.append(alert(settings, receiver.url))

    threads = [threading.Thread(target=replica) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = [a.condition for run in runs for a in run.sent]
    assert sent
    assert len(sent) == len(set(sent))
    posted = [
        block["text"]["text"]
        for message in receiver.messages
        for block in message["blocks"]
        if block["type"] == "section"
    ]
    assert len(posted) == len(sent)


@pytest.mark.parametrize("mode", ["500-once", "429-once"])
def test_a_receiver_that_fails_once_gets_the_alerts_on_the_retry(
    settings: Settings, mode: str
) -> None:
    flaky = Receiver(mode)
    try:
        run = alert(settings, flaky.url)
    finally:
        flaky.close()
    assert run.delivered_to_webhook
    assert run.problems == []
    assert len(flaky.bodies) == 2
    assert flaky.bodies[0] == flaky.bodies[1]


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("500", "answered HTTP 500"), ("slow", "did not answer within"), ("down", "could not reach")],
)
def test_a_receiver_down_slow_or_failing_gets_the_alerts_on_a_later_run(
    settings: Settings, receiver: Receiver, mode: str, reason: str
) -> None:
    if mode == "down":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{probe.getsockname()[1]}/services/{TOKEN}"
        broken = None
    else:
        broken = Receiver(mode)
        url = broken.url
    store = open_history(settings)
    post = quick_post(timeout_s=0.3, deadline_s=2.0)
    try:
        failed = run_alerts(settings, store, webhook=Secret(url), post=post)
    finally:
        if broken is not None:
            broken.close()
    assert failed.fired
    assert not failed.delivered_to_webhook
    (problem,) = failed.problems
    assert reason in problem
    assert TOKEN not in problem
    assert "127.0.0.1" not in problem

    retried = alert(settings, receiver.url)
    assert {a.condition for a in retried.sent} == {a.condition for a in failed.sent}
    assert len(receiver.bodies) == 1


def test_no_secret_reaches_the_webhook(
    served: tuple[Simulator, SimulatorServer], history_database_url: str, receiver: Receiver
) -> None:
    """Services down with passwords in their URLs, a token, the webhook's own URL: none of
    it is in what is posted."""
    _, server = served
    current = Settings.from_env(
        {
            "VULTR_API_KEY": DEMO_API_KEY,
            "VULTR_API_URL": f"{server.base_url}/v2",
            "HISTORY_DATABASE_URL": history_database_url,
            "DATABASE_URL": f"postgresql://watcher:{PASSWORD}@127.0.0.1:1/app",
            "VALKEY_URL": f"redis://:{PASSWORD}@127.0.0.1:1/0",
            "DASHBOARD_API_TOKEN": API_TOKEN,
            "ALERT_WEBHOOK_URL": receiver.url,
        }
    )
    take_snapshot(current)
    run = run_alerts(current, open_history(current), webhook=current.alert_webhook_url,
                     post=quick_post())  # fmt: skip
    assert {a.condition for a in run.sent} >= {"down:postgres", "down:valkey"}
    posted = b"".join(receiver.bodies)
    for secret in (PASSWORD, TOKEN, API_TOKEN, DEMO_API_KEY, receiver.url):
        assert secret.encode() not in posted


def test_hostile_labels_arrive_as_plain_text(
    settings: Settings, served: tuple[Simulator, SimulatorServer], receiver: Receiver
) -> None:
    simulator, _ = served
    simulator.set_faults(hostile_text=True)
    run = alert(settings, receiver.url)
    assert run.delivered_to_webhook
    (message,) = receiver.messages
    text = json.dumps(message, ensure_ascii=False)
    assert PLANTED in text
    assert "<img" not in text
    assert "<a href" not in text
    assert "&lt;img" in text
    assert "\x1b" not in text
    assert "\r" not in text


def test_a_dry_run_sends_and_records_nothing(settings: Settings, receiver: Receiver) -> None:
    dry = alert(settings, receiver.url, dry_run=True)
    assert dry.fired
    assert receiver.bodies == []
    real = alert(settings, receiver.url)
    assert {a.condition for a in real.sent} == {a.condition for a in dry.sent}


def test_the_store_keeps_who_sent_what(settings: Settings, receiver: Receiver) -> None:
    run = alert(settings, receiver.url)
    store: HistoryStore = open_history(settings)
    with store.connection("reading") as conn:
        rows = conn.execute("SELECT condition, delivered_at FROM alerts_sent").fetchall()
    assert {row["condition"] for row in rows} == {a.condition for a in run.sent}
    assert all(row["delivered_at"] is not None for row in rows)
