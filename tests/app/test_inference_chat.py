"""The Inference Chat page in demo mode: streamed replies with their figures, compare mode,
errors as sentences, exports, "view code", and a stopped reply."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from tests.app.conftest import open_page
from tests.background import Background, HeldModel, wait_until
from tests.streamlit_support import everything
from ui import inference
from vultr_core import clients
from vultr_core.config import Secret, Settings
from vultr_core.inference.client import InferenceClient
from vultr_core.inference.prices import find_price, format_cost_usd
from vultr_core.inference.session import ChatParameters, PendingExchange
from vultr_core.simulator import DEMO_INFERENCE_KEY, DEMO_REPLY_PACE, Simulator
from vultr_core.simulator.inference_hostile import (
    BEACON,
    BEACON_HOST,
    KEEP_ALIVE_ONLY,
    OVERSIZED_EVENT,
    SLOW_DRIP,
)
from vultr_core.simulator.inference_replies import MODELS, prompt_tokens, reply_text, split_tokens

PROMPT = "How do I cut my Vultr bill?"
FIRST_MODEL = MODELS[0].id
UNPRICED_MODEL = "mistral-7b-v0.3"


@pytest.fixture(autouse=True)
def demo_model(clean_state: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    """The demo simulator without its human-like pace, and no client-side wait between
    requests: these tests check what the page shows, not how fast."""
    monkeypatch.setenv("INFERENCE_REQUESTS_PER_MINUTE", "100000")
    simulator = clients.demo_simulator()
    simulator.faults.reset()
    yield simulator
    simulator.faults.reset()
    simulator.set_faults(**DEMO_REPLY_PACE)


def ask(page: AppTest, prompt: str = PROMPT) -> AppTest:
    return page.chat_input(key="chat_prompt").set_value(prompt).run()


def assistant_texts(page: AppTest) -> list[str]:
    return [m.markdown[-1].value for m in page.chat_message if m.name == "assistant"]


def captions(page: AppTest) -> list[str]:
    return [c.value for c in page.caption]


def last_chat_body(simulator: Simulator) -> dict[str, Any]:
    bodies = [r.body for r in simulator.request_log if r.path == "/v1/chat/completions"]
    return dict(json.loads(bodies[-1]))


def test_a_prompt_streams_a_reply_with_tokens_latency_and_cost(demo_model: Simulator) -> None:
    page = ask(open_page("inference_chat.py"))
    assert not page.exception
    messages = [{"role": "user", "content": PROMPT}]
    text = reply_text(FIRST_MODEL, messages, None)
    assert page.chat_message[0].markdown[0].value == PROMPT
    assert assistant_texts(page) == [text]
    input_tokens, output_tokens = prompt_tokens(messages), len(split_tokens(text))
    price = find_price(FIRST_MODEL)
    assert price is not None
    cost = format_cost_usd(price.cost_usd(input_tokens, output_tokens))
    figures = next(c for c in captions(page) if "first token" in c)
    assert figures.startswith(f"{input_tokens} in · {output_tokens} out · first token ")
    assert "tokens/s" in figures
    assert figures.endswith(cost)
    assert (
        f"This session: 1 reply · {input_tokens} tokens in · {output_tokens} tokens out · {cost}"
        in captions(page)
    )
    assert last_chat_body(demo_model) == {
        "model": FIRST_MODEL,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_sidebar_parameters_are_sent_and_shape_the_reply(demo_model: Simulator) -> None:
    page = open_page("inference_chat.py")
    page.text_area(key="chat_system").set_value("Be brief.")
    page.number_input(key="chat_temperature").set_value(0.3)
    page.number_input(key="chat_max_tokens").set_value(5)
    page.number_input(key="chat_seed").set_value(11)
    page = ask(page.run())
    assert not page.exception
    body = last_chat_body(demo_model)
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert {k: body[k] for k in ("temperature", "max_tokens", "seed")} == {
        "temperature": 0.3,
        "max_tokens": 5,
        "seed": 11,
    }
    assert "top_p" not in body
    assert "stop" not in body
    assert len(assistant_texts(page)[0].split()) == 5
    assert any("cut off by max tokens" in c for c in captions(page))


def test_a_model_without_a_price_says_no_price_set() -> None:
    page = open_page("inference_chat.py")
    page.selectbox(key="chat_model").set_value(UNPRICED_MODEL)
    page = ask(page.run())
    figures = next(c for c in captions(page) if "first token" in c)
    assert figures.endswith("no price set")


def test_compare_mode_shows_two_replies_side_by_side() -> None:
    page = open_page("inference_chat.py")
    page.toggle(key="chat_compare").set_value(True).run()
    page.selectbox(key="chat_model_b").set_value(UNPRICED_MODEL)
    page = ask(page.run())
    assert not page.exception
    messages = [{"role": "user", "content": PROMPT}]
    assert assistant_texts(page) == [
        reply_text(FIRST_MODEL, messages, None),
        reply_text(UNPRICED_MODEL, messages, None),
    ]
    assert sum("first token" in c for c in captions(page)) == 2
    assert any(c.startswith("This session: 2 replies") for c in captions(page))


@pytest.mark.parametrize(
    ("faults", "max_tokens", "sentence"),
    [
        (
            {"path_prefix": "/v1/chat", "status_code": 401},
            None,
            "The inference API key was refused",
        ),
        ({}, 1_000_000, f"The conversation is too long for {FIRST_MODEL}'s context window"),
        ({"unavailable_models": frozenset({FIRST_MODEL})}, None, f"{FIRST_MODEL} is unavailable"),
        ({"path_prefix": "/v1/chat", "status_code": 429}, None, "Vultr is rate limiting this key"),
    ],
)
def test_errors_show_a_sentence_not_a_traceback(
    demo_model: Simulator, faults: dict[str, Any], max_tokens: int | None, sentence: str
) -> None:
    page = open_page("inference_chat.py")
    demo_model.set_faults(**faults)
    if max_tokens:
        page.number_input(key="chat_max_tokens").set_value(max_tokens)
    page = ask(page.run())
    assert not page.exception
    assert any(sentence in error.value for error in page.error)
    assert page.chat_input(key="chat_prompt")


def test_models_that_cannot_load_leave_the_usage_on_screen(demo_model: Simulator) -> None:
    demo_model.set_faults(path_prefix="/v1/models", status_code=401)
    page = open_page("inference_chat.py")
    assert not page.exception
    assert any("Could not load the inference models" in e.value for e in page.error)
    assert next(m.label for m in page.metric) == "Inference tokens this month"


def test_this_months_usage_from_the_management_api(demo_model: Simulator) -> None:
    page = open_page("inference_chat.py")
    subscriptions = demo_model.organisation.inference_subscriptions
    tokens = sum(
        m.input_tokens + m.output_tokens for s in subscriptions for m in s.usage.current_month
    )
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Inference tokens this month"] == f"{tokens:,}"
    assert metrics["Inference cost this month"].startswith("$")
    assert metrics["Inference cost last month"].startswith("$")
    assert any(c.startswith("Cost basis: our model prices") for c in captions(page))


def test_exports_hold_the_conversation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The download buttons' payloads, read as the app stored them."""
    stored: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep_a_copy(
        self: MemoryMediaFileStorage,
        data: Any,
        mimetype: str,
        kind: Any,
        filename: str | None = None,
    ) -> str:
        stored[filename or ""] = data if isinstance(data, bytes) else data.encode()
        return original(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep_a_copy)
    page = ask(open_page("inference_chat.py"))
    text = reply_text(FIRST_MODEL, [{"role": "user", "content": PROMPT}], None)
    markdown = stored["chat.md"].decode()
    assert f"## You\n\n{PROMPT}" in markdown
    assert f"## {FIRST_MODEL}\n\n{text}" in markdown
    assert "**Session:** 1 reply" in markdown
    document = json.loads(stored["chat.json"])
    assert document["exchanges"][0]["prompt"] == PROMPT
    assert document["exchanges"][0]["replies"][0]["text"] == text
    assert document["totals"]["replies"] == 1
    assert not page.exception


def test_view_code_repeats_the_request_without_the_key() -> None:
    page = ask(open_page("inference_chat.py"))
    python, curl = (c.value for c in page.code)
    for snippet in (python, curl):
        assert PROMPT in snippet
        assert FIRST_MODEL in snippet
        assert "VULTR_INFERENCE_API_KEY" in snippet
        assert DEMO_INFERENCE_KEY not in snippet
    assert "https://api.vultrinference.com/v1" in python


def test_new_conversation_clears_the_chat() -> None:
    page = ask(open_page("inference_chat.py"))
    assert assistant_texts(page)
    page = page.button(key="chat_new").click().run()
    assert not page.chat_message
    assert not any(c.startswith("This session") for c in captions(page))


def test_a_stopped_reply_keeps_what_had_arrived() -> None:
    """What the Stop button leaves: a rerun finds the reply still streaming, and keeps it."""
    page = open_page("inference_chat.py")
    pending = PendingExchange.start(PROMPT, {"a": FIRST_MODEL}, "", [], ChatParameters())
    with clients.inference_client(Settings(inference_requests_per_minute=100000)) as client:
        pending.stream = client.stream_chat(pending.messages["a"], model=FIRST_MODEL)
        arrived = "".join(next(pending.stream) for _ in range(4))
        page.session_state["chat_running"] = pending
        page = page.run()
    assert not page.exception
    assert assistant_texts(page) == [arrived]
    figures = next(c for c in captions(page) if "first token" in c)
    assert figures.endswith("stopped")
    assert "chat_running" not in page.session_state


# A hostile model


@pytest.fixture
def held_model() -> Iterator[HeldModel]:
    held = HeldModel(free=1)
    yield held
    held.release()


def test_stop_while_the_previous_run_still_streams_keeps_the_partial_reply(
    held_model: HeldModel,
) -> None:
    """Stop as Streamlit runs it: the rerun starts while the previous run's thread is still
    blocked waiting for the next token; the rerun must stop that stream, not crash on it."""
    page = open_page("inference_chat.py")
    sim = Simulator(size="empty", token_sleep=held_model)
    sim.set_faults(hostile_reply=SLOW_DRIP)
    pending = PendingExchange.start(PROMPT, {"a": FIRST_MODEL}, "", [], ChatParameters())
    with sim.serve() as server:
        client = InferenceClient(DEMO_INFERENCE_KEY, base_url=f"{server.base_url}/v1")
        pending.stream = client.stream_chat(pending.messages["a"], model=FIRST_MODEL)
        arrived = next(pending.stream)
        previous_run = Background(lambda: list(pending.stream or []))
        wait_until(held_model.is_held)
        page.session_state["chat_running"] = pending
        page = page.run()
        assert previous_run.finished()
    assert not page.exception
    assert assistant_texts(page) == [arrived]
    figures = next(c for c in captions(page) if "tokens not reported" in c)
    assert figures.endswith("stopped")
    assert previous_run.error is None
    assert len(sim.request_log) == 1


def markdown_texts(page: AppTest) -> list[str]:
    return [m.value for m in page.markdown]


def test_a_beacon_reply_shows_its_urls_as_text_and_loads_nothing(demo_model: Simulator) -> None:
    demo_model.set_faults(hostile_reply=BEACON)
    page = ask(open_page("inference_chat.py"), "Our launch code is tangerine-42")
    assert not page.exception
    shown = "\n".join(markdown_texts(page))
    assert rf"\[image: ` http://{BEACON_HOST}/inline.png?q=Our%20launch%20code" in shown
    assert not re.search(r"!\[|<[A-Za-z/!?]", shown)


@pytest.mark.parametrize(
    ("mode", "settings", "sentence"),
    [
        (KEEP_ALIVE_ONLY, {"INFERENCE_IDLE_S": "0.3"}, "no tokens for 0.3 s"),
        (SLOW_DRIP, {"INFERENCE_DEADLINE_S": "1"}, "passed the call's 1 s deadline"),
        (OVERSIZED_EVENT, {}, "a server-sent event passed the 1 MiB limit"),
    ],
)
def test_a_hostile_stream_ends_with_one_sentence(
    demo_model: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    settings: dict[str, str],
    sentence: str,
) -> None:
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    demo_model.set_faults(hostile_reply=mode, hostile_interval_ms=50)
    page = ask(open_page("inference_chat.py"))
    assert not page.exception
    assert [e.value for e in page.error if sentence in e.value]
    assert page.chat_input(key="chat_prompt")


# What the demo answers, which models it compares, and what the page says it talks to


def main_keys(page: AppTest) -> set[str]:
    widgets = [*page.main.selectbox, *page.main.toggle]
    return {str(widget.key) for widget in widgets}


def test_demo_replies_answer_the_prompt_and_repeat_exactly() -> None:
    page = open_page("inference_chat.py")
    assert any(c.startswith("Talking to: simulated inference (demo)") for c in captions(page))
    page = ask(ask(ask(page, "What is 12*7?"), "What is 12*7?"), "What is 13*7?")
    assert not page.exception
    first, again, other = assistant_texts(page)
    assert "84" in first
    assert again == first
    assert "91" in other


def test_model_picker_sits_above_the_chat_and_compare_defaults_to_a_priced_model() -> None:
    page = open_page("inference_chat.py")
    assert {"chat_model", "chat_compare"} <= main_keys(page)
    assert not [w for w in page.sidebar.selectbox if w.key == "chat_model"]
    page.toggle(key="chat_compare").set_value(True).run()
    second = page.selectbox(key="chat_model_b").value
    assert second != FIRST_MODEL
    assert find_price(second) is not None
    page = ask(page)
    figures = [c for c in captions(page) if "first token" in c]
    assert len(figures) == 2
    assert not [f for f in figures if f.endswith("no price set")]


def test_hostile_prompts_get_bounded_inert_replies() -> None:
    hostile = '<img src="http://beacon.invalid/x.png"> ![x](http://beacon.invalid/y) **b** '
    page = open_page("inference_chat.py")
    page = ask(ask(page, hostile * 2_000), f"Summarise: {hostile}. {hostile}.")
    assert not page.exception
    replies = assistant_texts(page)
    assert len(replies) == 2
    for reply in replies:
        assert len(reply) < 800
        assert not re.search(r"!\[|<[A-Za-z/!?]|\*\*", reply), reply


def test_pointed_at_a_served_simulator_it_names_the_url_and_never_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Simulator(size="empty").serve() as server:
        monkeypatch.setenv("VULTR_INFERENCE_API_KEY", DEMO_INFERENCE_KEY)
        monkeypatch.setenv("VULTR_INFERENCE_URL", f"{server.base_url}/v1")
        page = ask(open_page("inference_chat.py"), "What is 12*7?")
    assert not page.exception
    line = next(c for c in captions(page) if c.startswith("Talking to:"))
    assert line == (
        f"Talking to: the inference API at `{server.base_url}/v1` (`VULTR_INFERENCE_URL`). "
        "Usage figures: the demo organisation (no management API key)."
    )
    assert "84" in assistant_texts(page)[0]
    assert DEMO_INFERENCE_KEY not in everything(page)


def test_with_a_key_and_the_default_url_it_names_vultr() -> None:
    configured = Settings(inference_api_key=Secret("k" * 36), management_api_key=Secret("m" * 36))
    assert inference.talking_to(configured) == (
        "Talking to: Vultr Serverless Inference (`api.vultrinference.com`)."
    )
