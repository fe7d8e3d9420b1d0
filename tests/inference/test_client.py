"""InferenceClient against the simulated inference API: what it sends, what it returns, how
it fails, retries and paces."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import FIXED_NOW, FakeClock
from vultr_core.api.errors import (
    ApiError,
    AuthenticationError,
    ConnectionError,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TimeoutError,
    VultrError,
)
from vultr_core.api.http import USER_AGENT
from vultr_core.config import Settings
from vultr_core.inference.client import InferenceClient
from vultr_core.inference.sentences import describe_error
from vultr_core.simulator import DEMO_INFERENCE_KEY, Simulator
from vultr_core.simulator.inference_replies import prompt_tokens, reply_text, split_tokens

BASE_URL = "http://vultr-inference-simulator.invalid/v1"
MODEL = "kimi-k2-instruct"
MESSAGES = [
    {"role": "system", "content": "Answer briefly."},
    {"role": "user", "content": "How do I keep my Vultr bill down?"},
]
EXPECTED_TEXT = reply_text(MODEL, MESSAGES, None)
EXPECTED_TOKENS = len(split_tokens(EXPECTED_TEXT))


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    """Simulated replies wait on the test's fake clock, so timings come out exact."""
    return Simulator(size="empty", now=FIXED_NOW, token_sleep=clock.sleep)


def make_client(sim: Simulator, clock: FakeClock, **options: Any) -> InferenceClient:
    options.setdefault("requests_per_minute", 6000)
    return InferenceClient(
        DEMO_INFERENCE_KEY,
        base_url=BASE_URL,
        transport=sim.transport(),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(3),
        **options,
    )


@pytest.fixture
def client(sim: Simulator, clock: FakeClock) -> Iterator[InferenceClient]:
    with make_client(sim, clock) as inference:
        yield inference


def chat_requests(sim: Simulator) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in sim.request_log if r.path == "/v1/chat/completions"]


# Models


def test_list_models(client: InferenceClient) -> None:
    models = client.list_models()
    assert models[0].id == MODEL
    assert models[0].context_length == 131_072
    assert models[0].features == ("TextGeneration",)
    assert models[0].created is not None
    assert len({m.id for m in models}) == len(models) == 7


def test_models_need_no_key_but_a_wrong_key_is_refused(sim: Simulator) -> None:
    transport = sim.transport()
    anonymous = InferenceClient(None, base_url=BASE_URL, transport=transport)
    assert anonymous.list_models()
    wrong = InferenceClient("not-the-key", base_url=BASE_URL, transport=transport)
    with pytest.raises(AuthenticationError) as caught:
        wrong.list_models()
    assert "not-the-key" not in str(caught.value)


# What is sent


def test_only_the_parameters_given_are_sent(client: InferenceClient, sim: Simulator) -> None:
    client.chat(MESSAGES, model=MODEL)
    client.chat(
        MESSAGES,
        model=MODEL,
        temperature=0.0,
        max_tokens=50,
        top_p=0.9,
        frequency_penalty=-0.5,
        presence_penalty=0.5,
        stop=["\n\n"],
        seed=0,
    )
    bare, full = chat_requests(sim)
    assert bare == {"model": MODEL, "messages": MESSAGES}
    assert full == {
        "model": MODEL,
        "messages": MESSAGES,
        "temperature": 0.0,
        "max_tokens": 50,
        "top_p": 0.9,
        "frequency_penalty": -0.5,
        "presence_penalty": 0.5,
        "stop": ["\n\n"],
        "seed": 0,
    }


def test_a_stream_asks_for_usage(client: InferenceClient, sim: Simulator) -> None:
    list(client.stream_chat(MESSAGES, model=MODEL, temperature=0.7))
    assert chat_requests(sim) == [
        {
            "model": MODEL,
            "messages": MESSAGES,
            "temperature": 0.7,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
    ]


def test_user_agent_and_bearer_key(client: InferenceClient, sim: Simulator) -> None:
    client.list_models()
    headers = sim.request_log[-1].headers
    assert headers["user-agent"] == USER_AGENT
    assert headers["user-agent"].startswith("vultr-dashboard/")
    assert headers["authorization"] == f"Bearer {DEMO_INFERENCE_KEY}"


# What comes back


def test_chat_reply_usage_and_timings(
    client: InferenceClient, sim: Simulator, clock: FakeClock
) -> None:
    sim.set_faults(first_token_ms=400, token_ms=25)
    reply = client.chat(MESSAGES, model=MODEL)
    assert reply.text == EXPECTED_TEXT
    assert reply.finish_reason == "stop"
    assert reply.model == MODEL
    assert reply.usage is not None
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (
        prompt_tokens(MESSAGES),
        EXPECTED_TOKENS,
    )
    total_s = 0.4 + 0.025 * (EXPECTED_TOKENS - 1)
    assert reply.timings.total_s == pytest.approx(total_s)
    assert reply.timings.tokens_per_s == pytest.approx(EXPECTED_TOKENS / total_s)


def test_max_tokens_and_stop_reach_the_reply(client: InferenceClient) -> None:
    reply = client.chat(MESSAGES, model=MODEL, max_tokens=4)
    assert reply.finish_reason == "length"
    assert reply.usage is not None
    assert reply.usage.output_tokens == 4
    assert reply.text == " ".join(EXPECTED_TEXT.split()[:4])


def test_stream_yields_the_reply_then_usage_and_timings(
    client: InferenceClient, sim: Simulator
) -> None:
    sim.set_faults(first_token_ms=400, token_ms=25)
    stream = client.stream_chat(MESSAGES, model=MODEL)
    assert stream.reply is None
    deltas = list(stream)
    assert len(deltas) == EXPECTED_TOKENS
    assert "".join(deltas) == EXPECTED_TEXT
    reply = stream.reply
    assert reply is not None
    assert reply.text == EXPECTED_TEXT
    assert reply.finish_reason == "stop"
    assert reply.usage is not None
    assert reply.usage.output_tokens == EXPECTED_TOKENS
    # The role chunk comes at once; the first *token* after 0.4 s.
    assert reply.timings.time_to_first_token_s == pytest.approx(0.4)
    generation_s = 0.025 * (EXPECTED_TOKENS - 1)
    assert reply.timings.total_s == pytest.approx(0.4 + generation_s)
    assert reply.timings.tokens_per_s == pytest.approx(EXPECTED_TOKENS / generation_s)


def test_closing_a_stream_keeps_what_arrived(client: InferenceClient) -> None:
    stream = client.stream_chat(MESSAGES, model=MODEL)
    first_three = [next(stream) for _ in range(3)]
    stream.close()
    assert stream.reply is not None
    assert stream.reply.text == "".join(first_three)
    assert stream.reply.finish_reason == "stopped"
    assert list(stream) == []


# Errors


@pytest.mark.parametrize(
    ("status", "error_class", "api_message"),
    [
        (400, InvalidRequestError, "Bad request"),
        (401, AuthenticationError, "Invalid API key"),
        (422, InvalidRequestError, "Validation error"),
        (429, RateLimitError, "Rate limit exceeded"),
        (502, ServerError, "Model unreachable"),
        (504, ServerError, "Model timed out"),
    ],
)
def test_every_documented_status_maps_to_its_error(
    sim: Simulator, clock: FakeClock, status: int, error_class: type[ApiError], api_message: str
) -> None:
    sim.set_faults(path_prefix="/v1/chat", status_code=status)
    with make_client(sim, clock, max_retries=0) as client:
        with pytest.raises(error_class) as caught:
            client.chat(MESSAGES, model=MODEL)
        with pytest.raises(error_class):
            client.stream_chat(MESSAGES, model=MODEL)
    assert caught.value.status == status
    assert caught.value.api_message == api_message
    assert caught.value.path == "/v1/chat/completions"


def test_context_too_long_and_validation_come_from_the_request(client: InferenceClient) -> None:
    with pytest.raises(InvalidRequestError) as too_long:
        client.chat(MESSAGES, model=MODEL, max_tokens=1_000_000)
    assert too_long.value.status == 400
    assert "maximum context length is 131072 tokens" in str(too_long.value)
    with pytest.raises(InvalidRequestError) as invalid:
        client.chat(MESSAGES, model=MODEL, temperature=3.0)
    assert invalid.value.status == 422
    assert invalid.value.api_message == "temperature: must be between 0 and 2"


def test_unknown_model_is_not_found(client: InferenceClient) -> None:
    with pytest.raises(NotFoundError, match="gpt-9"):
        client.chat(MESSAGES, model="gpt-9")


# Retries


@pytest.mark.parametrize(
    ("status", "attempts"),
    [(400, 1), (401, 1), (422, 1), (429, 3), (502, 3), (504, 3)],
)
def test_retry_counts(
    client: InferenceClient, sim: Simulator, clock: FakeClock, status: int, attempts: int
) -> None:
    """Two failures then success: 429 and 5xx are retried, other 4xx sent once."""
    sim.set_faults(path_prefix="/v1/chat", status_code=status, status_count=2)
    if attempts > 1:
        assert client.chat(MESSAGES, model=MODEL).text == EXPECTED_TEXT
    else:
        with pytest.raises((InvalidRequestError, AuthenticationError)):
            client.chat(MESSAGES, model=MODEL)
    assert len(chat_requests(sim)) == attempts
    assert len(clock.sleeps) == attempts - 1


def test_retries_stop_at_max_retries(sim: Simulator, clock: FakeClock) -> None:
    sim.set_faults(path_prefix="/v1/chat", status_code=502)
    with make_client(sim, clock, max_retries=2) as client, pytest.raises(ServerError):
        client.chat(MESSAGES, model=MODEL)
    assert len(chat_requests(sim)) == 3


def test_retry_after_is_honoured_and_the_deadline_held(sim: Simulator, clock: FakeClock) -> None:
    sim.set_faults(path_prefix="/v1/chat", status_code=429, retry_after_s=25)
    client = make_client(sim, clock, max_retries=10, deadline_s=60)
    with pytest.raises(RateLimitError) as caught:
        client.chat(MESSAGES, model=MODEL)
    # 25 s, 25 s, then a third 25 s wait would end past the 60 s deadline: give up.
    assert clock.sleeps == [25.0, 25.0]
    assert caught.value.retry_after_s == 25.0
    assert len(chat_requests(sim)) == 3


def test_a_stream_is_retried_before_it_starts(client: InferenceClient, sim: Simulator) -> None:
    sim.set_faults(path_prefix="/v1/chat", status_code=429, status_count=1)
    assert "".join(client.stream_chat(MESSAGES, model=MODEL)) == EXPECTED_TEXT
    assert len(chat_requests(sim)) == 2


def test_a_stream_is_never_retried_once_it_started(client: InferenceClient, sim: Simulator) -> None:
    sim.set_faults(stream_break_count=1)
    stream = client.stream_chat(MESSAGES, model=MODEL)
    received: list[str] = []
    with pytest.raises(ConnectionError) as caught:
        received.extend(stream)
    assert len(received) == EXPECTED_TOKENS // 2
    assert "broke off" in str(caught.value)
    assert len(chat_requests(sim)) == 1
    assert stream.reply is not None
    assert stream.reply.text == "".join(received)


def test_dropped_connection_before_the_stream_is_retried(
    client: InferenceClient, sim: Simulator
) -> None:
    sim.set_faults(path_prefix="/v1/chat", drop_count=1)
    assert "".join(client.stream_chat(MESSAGES, model=MODEL)) == EXPECTED_TEXT
    assert len(chat_requests(sim)) == 2


# Pacing


def test_requests_per_minute_paces_with_the_injected_clock(
    sim: Simulator, clock: FakeClock
) -> None:
    with make_client(sim, clock, requests_per_minute=30) as client:
        for _ in range(3):
            client.list_models()
    assert clock.sleeps == [2.0, 2.0]


def test_the_rate_limit_holds_across_threads(sim: Simulator) -> None:
    """Eight threads at once, time frozen: each reserves its own slot, one second apart."""
    waits: list[float] = []
    lock = threading.Lock()

    def record(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    client = InferenceClient(
        DEMO_INFERENCE_KEY,
        base_url=BASE_URL,
        transport=sim.transport(),
        requests_per_minute=60,
        clock=lambda: 1000.0,
        sleep=record,
    )
    threads = [threading.Thread(target=client.list_models) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])


# Streams the simulator does not produce: crafted bytes through httpx's own mock transport.


def crafted(*pieces: bytes, content_type: str = "text/event-stream") -> InferenceClient:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": content_type}, content=iter(pieces))

    return InferenceClient("k", base_url=BASE_URL, transport=httpx.MockTransport(answer))


def delta(text: str) -> bytes:
    return b"data: " + json.dumps({"choices": [{"delta": {"content": text}}]}).encode() + b"\n\n"


def test_a_stream_without_done_ends_cleanly() -> None:
    stream = crafted(delta("Hello"), delta(" there")).stream_chat(MESSAGES, model=MODEL)
    assert "".join(stream) == "Hello there"
    assert stream.reply is not None
    assert stream.reply.usage is None


def test_usage_only_chunk_and_keep_alives() -> None:
    usage = b'data: {"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 2}}\n\n'
    stream = crafted(b": keep-alive\r\n\r\n", delta("a"), delta("b"), usage, b"data: [DONE]\n\n")
    chat = stream.stream_chat(MESSAGES, model=MODEL)
    assert list(chat) == ["a", "b"]
    assert chat.reply is not None
    assert chat.reply.usage is not None
    assert (chat.reply.usage.input_tokens, chat.reply.usage.output_tokens) == (7, 2)


def test_non_utf8_stream_is_a_clear_error() -> None:
    chat = crafted(delta("fine"), b"data: \xff\xfe\n\n").stream_chat(MESSAGES, model=MODEL)
    with pytest.raises(MalformedResponseError, match="not valid UTF-8"):
        list(chat)


def test_an_event_that_is_not_json_is_a_clear_error() -> None:
    chat = crafted(b"data: <html>\n\n").stream_chat(MESSAGES, model=MODEL)
    with pytest.raises(MalformedResponseError, match="not JSON"):
        list(chat)


def test_an_error_sent_mid_stream_is_raised_as_its_type() -> None:
    error = b'data: {"error": {"code": 429, "message": "Rate limit exceeded"}}\n\n'
    chat = crafted(delta("Hel"), error).stream_chat(MESSAGES, model=MODEL)
    with pytest.raises(RateLimitError, match="mid-stream: Rate limit exceeded"):
        list(chat)


def test_a_server_that_ignores_stream_true_still_works() -> None:
    body = {
        "choices": [{"message": {"content": "All at once"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 3},
    }
    chat = crafted(json.dumps(body).encode(), content_type="application/json").stream_chat(
        MESSAGES, model=MODEL
    )
    assert list(chat) == ["All at once"]
    assert chat.reply is not None
    assert chat.reply.finish_reason == "stop"


def test_a_completion_without_choices_is_malformed() -> None:
    client = crafted(b'{"id": "x"}', content_type="application/json")
    with pytest.raises(MalformedResponseError, match="no choices"):
        client.chat(MESSAGES, model=MODEL)


# Plain sentences for the page


def error_from(status: int, message: str, **extra: Any) -> ApiError:
    if status == 429:
        return RateLimitError(f"failed: {message}", api_message=message, **extra)
    classes: dict[int, Callable[..., ApiError]] = {
        400: InvalidRequestError,
        401: AuthenticationError,
        422: InvalidRequestError,
        404: NotFoundError,
        502: ServerError,
        504: ServerError,
    }
    return classes[status](f"failed: {message}", status=status, api_message=message)


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (error_from(401, "Invalid API key"), "The inference API key was refused."),
        (error_from(429, "Rate limit exceeded", retry_after_s=7.0), "try again in 7 seconds"),
        (error_from(429, "Rate limit exceeded"), "wait a minute and try again"),
        (
            error_from(400, "This model's maximum context length is 32768 tokens."),
            "The conversation is too long for m's context window.",
        ),
        (error_from(502, "Model unreachable"), "m is unavailable right now (Model unreachable)."),
        (error_from(504, "Model timed out"), "m is unavailable right now (Model timed out)."),
        (error_from(404, "The model `m` does not exist"), "m is unavailable right now"),
        (error_from(422, "temperature: must be between 0 and 2"), "Vultr rejected the request"),
        (TimeoutError("POST /v1/chat/completions timed out"), "m did not answer in time"),
    ],
)
def test_errors_read_as_plain_sentences(error: VultrError, sentence: str) -> None:
    assert sentence in describe_error(error, "m")
    assert "Traceback" not in describe_error(error, "m")


def test_clients_module_builds_a_demo_client() -> None:
    from vultr_core.clients import inference_client

    with inference_client(Settings()) as client:
        assert MODEL in [m.id for m in client.list_models()]
