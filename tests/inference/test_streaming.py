"""A streamed reply from a hostile model: it ends by its deadline and idle limit whatever the
server sends, Stop ends it from another thread at once, and nothing is sent after Stop.

The first tests run in process on a fake clock (the simulated model sleeps on it), so the
limits are exact; the others run over real HTTP with real sockets, where only cutting the
socket can end a read that is blocked.
"""

from __future__ import annotations

import gzip
import json
import random
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.background import Background, HeldModel, wait_until
from tests.conftest import FIXED_NOW, FakeClock
from vultr_core.api.errors import (
    MalformedResponseError,
    RequestCancelledError,
    ResponseTooLargeError,
    TimeoutError,
)
from vultr_core.inference.client import InferenceClient
from vultr_core.simulator import DEMO_INFERENCE_KEY, Simulator
from vultr_core.simulator.inference_hostile import KEEP_ALIVE_ONLY, OVERSIZED_EVENT, SLOW_DRIP

BASE_URL = "http://vultr-inference-simulator.invalid/v1"
MODEL = "kimi-k2-instruct"
MESSAGES = [{"role": "user", "content": "How do I keep my Vultr bill down?"}]
UNLIMITED_PER_MINUTE = 10**6


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    return Simulator(size="empty", now=FIXED_NOW, token_sleep=clock.sleep)


def fake_clock_client(sim: Simulator, clock: FakeClock, **options: Any) -> InferenceClient:
    return InferenceClient(
        DEMO_INFERENCE_KEY,
        base_url=BASE_URL,
        transport=sim.transport(),
        requests_per_minute=UNLIMITED_PER_MINUTE,
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(3),
        **options,
    )


def chat_requests(sim: Simulator) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in sim.request_log if r.path == "/v1/chat/completions"]


def test_a_keep_alive_only_stream_ends_at_the_idle_limit(sim: Simulator, clock: FakeClock) -> None:
    sim.set_faults(hostile_reply=KEEP_ALIVE_ONLY)
    stream = fake_clock_client(sim, clock, idle_s=30).stream_chat(MESSAGES, model=MODEL)
    opened_at = clock.now
    with pytest.raises(TimeoutError, match="no tokens for 30 s, after 0 characters"):
        list(stream)
    assert clock.now - opened_at == 30
    assert stream.reply is not None
    assert stream.reply.text == ""


def test_a_stream_that_never_ends_stops_at_the_calls_deadline(
    sim: Simulator, clock: FakeClock
) -> None:
    """A token a second: always inside the idle limit, so only the deadline can end it."""
    sim.set_faults(hostile_reply=SLOW_DRIP)
    started_at = clock.now
    client = fake_clock_client(sim, clock, deadline_s=60, idle_s=30)
    stream = client.stream_chat(MESSAGES, model=MODEL)
    received: list[str] = []
    with pytest.raises(TimeoutError, match="passed the call's 60 s deadline"):
        received.extend(stream)
    assert clock.now - started_at == 60
    assert len(received) == 60
    assert stream.reply is not None
    assert stream.reply.text == "".join(received)


def test_a_whole_reply_padded_for_ever_ends_at_the_deadline(
    sim: Simulator, clock: FakeClock
) -> None:
    sim.set_faults(hostile_reply=KEEP_ALIVE_ONLY)
    client = fake_clock_client(sim, clock, deadline_s=60)
    with pytest.raises(TimeoutError, match="60 s deadline"):
        client.chat(MESSAGES, model=MODEL)
    assert clock.now - 1000.0 == 60
    assert len(chat_requests(sim)) == 1


def test_an_oversized_event_is_refused_at_its_cap(sim: Simulator, clock: FakeClock) -> None:
    sim.set_faults(hostile_reply=OVERSIZED_EVENT)
    stream = fake_clock_client(sim, clock).stream_chat(MESSAGES, model=MODEL)
    with pytest.raises(ResponseTooLargeError, match="passed the 1 MiB limit"):
        list(stream)


def test_an_oversized_whole_reply_is_refused_at_the_size_cap(
    sim: Simulator, clock: FakeClock
) -> None:
    sim.set_faults(hostile_reply=OVERSIZED_EVENT)
    client = fake_clock_client(sim, clock, max_response_mb=8)
    with pytest.raises(ResponseTooLargeError, match="more than 8 MB"):
        client.chat(MESSAGES, model=MODEL)


# Over real HTTP


@pytest.fixture
def model() -> Iterator[HeldModel]:
    """A simulated model that sends its first token, then stalls until the test ends."""
    held = HeldModel(free=1)
    yield held
    held.release()


@pytest.fixture
def served(model: HeldModel) -> Iterator[tuple[Simulator, str]]:
    sim = Simulator(size="empty", now=FIXED_NOW, token_sleep=model)
    with sim.serve() as server:
        yield sim, f"{server.base_url}/v1"


def http_client(url: str, **options: Any) -> InferenceClient:
    return InferenceClient(
        DEMO_INFERENCE_KEY, base_url=url, requests_per_minute=UNLIMITED_PER_MINUTE, **options
    )


def test_a_silent_stream_is_cut_on_the_socket_at_the_idle_limit(
    served: tuple[Simulator, str],
) -> None:
    sim, url = served
    sim.set_faults(hostile_reply=KEEP_ALIVE_ONLY)  # one comment, then silence
    with http_client(url, idle_s=0.5) as client:
        stream = client.stream_chat(MESSAGES, model=MODEL)
        reader = Background(lambda: list(stream))
        assert reader.finished()
    assert isinstance(reader.error, TimeoutError)
    assert "no tokens for 0.5 s" in str(reader.error)


def test_close_from_another_thread_wakes_a_blocked_reader_and_keeps_the_text(
    served: tuple[Simulator, str], model: HeldModel
) -> None:
    """What Stop does while the page's previous run is still waiting for the next token."""
    sim, url = served
    sim.set_faults(hostile_reply=SLOW_DRIP)
    with http_client(url) as client:
        stream = client.stream_chat(MESSAGES, model=MODEL)
        first = next(stream)
        reader_started = threading.Event()

        def read_on() -> list[str]:
            reader_started.set()
            return list(stream)

        reader = Background(read_on)
        reader_started.wait()
        wait_until(model.is_held)
        stream.close()
        assert reader.finished()
    assert reader.error is None
    assert reader.result == []
    assert stream.reply is not None
    assert (stream.reply.text, stream.reply.finish_reason) == (first, "stopped")
    assert len(chat_requests(sim)) == 1


def test_cancel_ends_a_retry_wait_and_nothing_more_is_sent() -> None:
    """Stop pressed while the client waits out a 429's Retry-After of 30 s."""
    sim = Simulator(size="empty", now=FIXED_NOW)
    sim.set_faults(path_prefix="/v1/chat", status_code=429, retry_after_s=30)
    cancel = threading.Event()
    client = InferenceClient(
        DEMO_INFERENCE_KEY,
        base_url=BASE_URL,
        transport=sim.transport(),
        requests_per_minute=UNLIMITED_PER_MINUTE,
    )
    caller = Background(lambda: client.stream_chat(MESSAGES, model=MODEL, cancel=cancel))
    wait_until(lambda: len(sim.request_log) == 1)
    cancel.set()
    assert caller.finished()
    assert isinstance(caller.error, RequestCancelledError)
    assert len(sim.request_log) == 1


def test_a_stream_sent_compressed_against_our_ask_is_refused() -> None:
    """Streams are asked for uncompressed: inflating one would grow before any cap applies."""

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept-encoding"] == "identity"
        headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
        return httpx.Response(200, headers=headers, content=gzip.compress(b"data: {}\n\n"))

    client = InferenceClient("k", base_url=BASE_URL, transport=httpx.MockTransport(answer))
    with pytest.raises(MalformedResponseError, match=r"compressed \(gzip\)"):
        list(client.stream_chat(MESSAGES, model=MODEL))
