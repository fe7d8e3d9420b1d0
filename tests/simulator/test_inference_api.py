"""The simulated Serverless Inference API (`/v1`), spoken to with plain httpx, as any client."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from vultr_core.simulator import DEMO_API_KEY, DEMO_INFERENCE_KEY, Simulator
from vultr_core.simulator.inference_replies import (
    MODELS,
    prompt_tokens,
    reply_text,
    split_tokens,
)

from .conftest import NOW

BASE_URL = "https://api.vultrinference.com/v1"
KEY = {"Authorization": f"Bearer {DEMO_INFERENCE_KEY}"}
MODEL = "kimi-k2-instruct"
QUESTION = [{"role": "user", "content": "Which plan should I pick for a small web shop?"}]


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
    with httpx.Client(base_url=BASE_URL, transport=sim.transport(), headers=KEY) as client:
        yield client


def chat(api: httpx.Client, **body: Any) -> httpx.Response:
    return api.post("/chat/completions", json={"model": MODEL, "messages": QUESTION, **body})


def sse_payloads(response: httpx.Response) -> list[str]:
    return [line[len("data: ") :] for line in response.text.splitlines() if line]


def test_models_in_the_openai_list_shape_without_a_key(sim: Simulator) -> None:
    with httpx.Client(base_url=BASE_URL, transport=sim.transport()) as anonymous:
        body = anonymous.get("/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == [m.id for m in MODELS]
    first = body["data"][0]
    assert {"id", "object", "created", "owned_by"} <= set(first)
    assert first["object"] == "model"
    assert first["max_context_length"] == MODELS[0].context_length


def test_wrong_key_is_refused_even_on_models(sim: Simulator) -> None:
    headers = {"Authorization": "Bearer not-the-key"}
    with httpx.Client(base_url=BASE_URL, transport=sim.transport(), headers=headers) as client:
        response = client.get("/models")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid API key"


def test_chat_without_a_key_gets_the_plain_message(sim: Simulator) -> None:
    with httpx.Client(base_url=BASE_URL, transport=sim.transport()) as anonymous:
        response = anonymous.post("/chat/completions", json={"model": MODEL, "messages": QUESTION})
    assert response.status_code == 401
    assert response.json() == {"message": "No API key provided"}


def test_the_management_key_is_not_an_inference_key(sim: Simulator) -> None:
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
    with httpx.Client(base_url=BASE_URL, transport=sim.transport(), headers=headers) as client:
        assert client.post("/chat/completions", json={}).status_code == 401


def test_health(api: httpx.Client) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "healthy"}


def test_completion_shape_and_deterministic_reply(api: httpx.Client) -> None:
    body = chat(api).json()
    expected_text = reply_text(MODEL, QUESTION, None)
    assert body["object"] == "chat.completion"
    assert body["model"] == MODEL
    assert body["created"] == int(NOW.timestamp())
    choice = body["choices"][0]
    assert choice["message"] == {"role": "assistant", "content": expected_text}
    assert choice["finish_reason"] == "stop"
    completion_tokens = len(split_tokens(expected_text))
    assert body["usage"] == {
        "prompt_tokens": prompt_tokens(QUESTION),
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens(QUESTION) + completion_tokens,
    }
    assert chat(api).json() == body


def test_reply_depends_on_model_prompt_and_seed(api: httpx.Client) -> None:
    def text(**body: Any) -> str:
        return str(chat(api, **body).json()["choices"][0]["message"]["content"])

    base = text()
    assert text(model="mistral-7b-v0.3") != base
    assert text(seed=42) != base
    assert text(messages=[{"role": "user", "content": "Something else entirely"}]) != base
    assert text(temperature=1.5) == base


def test_max_tokens_cuts_the_reply_with_finish_reason_length(api: httpx.Client) -> None:
    body = chat(api, max_tokens=5).json()
    assert body["usage"]["completion_tokens"] == 5
    assert body["choices"][0]["finish_reason"] == "length"
    assert len(body["choices"][0]["message"]["content"].split()) == 5


def test_stop_sequence_ends_the_reply_before_it(api: httpx.Client) -> None:
    full = reply_text(MODEL, QUESTION, None)
    stop = full.split()[6]
    body = chat(api, stop=[stop, "never-in-the-text"]).json()
    content = body["choices"][0]["message"]["content"]
    assert content == full[: full.find(stop)].rstrip()
    assert stop not in content
    assert body["choices"][0]["finish_reason"] == "stop"


def test_stream_chunks_then_usage_then_done(api: httpx.Client) -> None:
    response = chat(api, stream=True, stream_options={"include_usage": True})
    assert response.headers["content-type"].startswith("text/event-stream")
    payloads = sse_payloads(response)
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == reply_text(MODEL, QUESTION, None)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == len(split_tokens(text))


def test_stream_without_include_usage_has_no_usage_chunk(api: httpx.Client) -> None:
    payloads = sse_payloads(chat(api, stream=True))
    assert not any("usage" in json.loads(p) for p in payloads[:-1])


def test_reply_pace_knobs(sim: Simulator, api: httpx.Client, sleeps: RecordingSleep) -> None:
    sim.set_faults(first_token_ms=400, token_ms=25)
    tokens = len(split_tokens(reply_text(MODEL, QUESTION, None)))
    sse_payloads(chat(api, stream=True))
    assert sleeps.calls == [0.4] + [0.025] * (tokens - 1)
    sleeps.calls.clear()
    chat(api)
    assert sleeps.calls == [pytest.approx(0.4 + 0.025 * (tokens - 1))]


@pytest.mark.parametrize(
    ("body", "status", "error_type", "words"),
    [
        ({"max_tokens": 200_000}, 400, "context_length_exceeded", "maximum context length"),
        ({"temperature": 2.5}, 422, "validation_error", "temperature"),
        ({"top_p": -0.1}, 422, "validation_error", "top_p"),
        ({"max_tokens": 0}, 422, "validation_error", "max_tokens"),
        ({"messages": []}, 422, "validation_error", "messages"),
        ({"messages": [{"role": "robot", "content": "x"}]}, 422, "validation_error", "role"),
        ({"stop": ["a", "b", "c", "d", "e"]}, 422, "validation_error", "stop"),
        ({"model": "gpt-7"}, 404, "model_not_found", "gpt-7"),
    ],
)
def test_request_errors_in_the_openrouter_envelope(
    api: httpx.Client, body: dict[str, Any], status: int, error_type: str, words: str
) -> None:
    response = chat(api, **body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == status
    assert error["type"] == error_type
    assert error["metadata"] == {"error_type": error_type}
    assert words in error["message"]


def test_body_that_is_not_json_is_400(api: httpx.Client) -> None:
    response = api.post("/chat/completions", content=b"{not json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The request body is not valid JSON"


def test_unavailable_model_is_502_and_others_still_answer(
    sim: Simulator, api: httpx.Client
) -> None:
    sim.set_faults(unavailable_models=frozenset({MODEL}))
    response = chat(api)
    assert response.status_code == 502
    assert response.json()["error"]["type"] == "model_unreachable"
    assert chat(api, model="mistral-7b-v0.3").status_code == 200


@pytest.mark.parametrize(
    ("status", "message"), [(429, "Rate limit exceeded"), (504, "Model timed out")]
)
def test_status_faults_use_the_inference_envelope(
    sim: Simulator, api: httpx.Client, status: int, message: str
) -> None:
    sim.set_faults(path_prefix="/v1/chat", status_code=status, status_count=2, retry_after_s=3)
    responses = [chat(api) for _ in range(3)]
    assert [r.status_code for r in responses] == [status, status, 200]
    assert responses[0].json()["error"]["message"] == message
    if status == 429:
        assert responses[0].headers["retry-after"] == "3"
    assert api.get("/models").status_code == 200


def test_unknown_inference_route_is_404_in_its_own_envelope(api: httpx.Client) -> None:
    response = api.get("/embeddings-nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == 404
    assert api.get("/chat/completions").status_code == 405


def test_management_api_is_unaffected(sim: Simulator) -> None:
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
    with httpx.Client(transport=sim.transport(), headers=headers) as client:
        assert client.get("https://api.vultr.com/v2/account").status_code == 200


def test_stream_breaks_off_halfway_in_process(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(stream_break_count=1)
    received: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        api.stream("POST", "/chat/completions", json=stream_body()) as response,
    ):
        received.extend(response.iter_lines())
    tokens = len(split_tokens(reply_text(MODEL, QUESTION, None)))
    content_events = [line for line in received if '"content"' in line]
    assert len(content_events) == 1 + tokens // 2
    assert "[DONE]" not in received
    assert chat(api, stream=True).text.endswith("data: [DONE]\n\n")


def stream_body() -> dict[str, Any]:
    return {"model": MODEL, "messages": QUESTION, "stream": True}


def test_stream_breaks_off_halfway_over_http(sim: Simulator) -> None:
    sim.set_faults(stream_break_count=1)
    with sim.serve() as server, httpx.Client(base_url=server.base_url, headers=KEY) as client:
        with client.stream("POST", "/v1/chat/completions", json=stream_body()) as response:
            assert response.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError):
                list(response.iter_lines())
        assert client.post("/v1/chat/completions", json=stream_body()).status_code == 200


def test_chunks_reach_an_http_client_before_the_reply_is_finished() -> None:
    """The server writes each chunk when it exists: the client reads the first token while the
    simulated model is still held on the second."""
    release = threading.Event()

    def hold_second_token(seconds: float) -> None:
        if seconds == 0.5:
            assert release.wait(timeout=10)

    sim = Simulator(size="empty", now=NOW, token_sleep=hold_second_token)
    sim.set_faults(first_token_ms=0, token_ms=500)
    with (
        sim.serve() as server,
        httpx.Client(base_url=server.base_url, headers=KEY) as client,
        client.stream("POST", "/v1/chat/completions", json=stream_body()) as response,
    ):
        lines = response.iter_lines()
        first_content = next(line for line in lines if '"content":"' in line and "role" not in line)
        assert MODEL in first_content
        release.set()
        assert any("[DONE]" in line for line in lines)


def test_requests_are_logged_with_their_status(sim: Simulator, api: httpx.Client) -> None:
    chat(api, temperature=9)
    entry = sim.request_log[-1]
    assert (entry.method, entry.path, entry.status) == ("POST", "/v1/chat/completions", 422)
    assert json.loads(entry.body)["temperature"] == 9


def test_a_subscriptions_own_key_from_v2_inference_is_accepted(sleeps: RecordingSleep) -> None:
    """vultr-api.md 2.17: the `api_key` that `/v2/inference` hands out is the /v1 key."""
    sim = Simulator(size="small", now=NOW, token_sleep=sleeps)
    management = {"Authorization": f"Bearer {DEMO_API_KEY}"}
    with httpx.Client(transport=sim.transport(), headers=management) as client:
        listed = client.get("https://api.vultr.com/v2/inference").json()["subscriptions"]
    assert listed
    for subscription in listed:
        headers = {"Authorization": f"Bearer {subscription['api_key']}"}
        with httpx.Client(base_url=BASE_URL, transport=sim.transport(), headers=headers) as api:
            assert chat(api).status_code == 200


def test_an_empty_authorization_header_counts_as_none(sim: Simulator) -> None:
    headers = {"Authorization": ""}
    with httpx.Client(base_url=BASE_URL, transport=sim.transport(), headers=headers) as client:
        refused = client.post("/chat/completions", json={"model": MODEL, "messages": QUESTION})
        assert client.get("/models").status_code == 200
    assert refused.status_code == 401
    assert refused.json() == {"message": "No API key provided"}


@pytest.mark.parametrize(
    ("limits", "tokens"),
    [
        ({"max_completion_tokens": 3}, 3),
        ({"max_completion_tokens": 4, "max_tokens": 6}, 4),
        ({"max_completion_tokens": 9, "max_tokens": 2}, 2),
    ],
)
def test_max_completion_tokens_is_honoured_like_max_tokens(
    api: httpx.Client, limits: dict[str, int], tokens: int
) -> None:
    body = chat(api, **limits).json()
    assert body["usage"]["completion_tokens"] == tokens
    assert body["choices"][0]["finish_reason"] == "length"
    assert chat(api, max_completion_tokens=0).status_code == 422
