"""The chat session behind the page: per-reply figures, totals, history, side-by-side
streaming, interrupted replies, exports and the "view code" snippets."""

from __future__ import annotations

import ast
import json
import shlex
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.background import Background, HeldModel, wait_until
from tests.conftest import FIXED_NOW
from vultr_core.api.errors import AuthenticationError, VultrError
from vultr_core.inference.client import InferenceClient
from vultr_core.inference.export import curl_snippet, python_snippet, to_json, to_markdown
from vultr_core.inference.prices import ModelPrice
from vultr_core.inference.replies import ChatReply, ReplyTimings, TokenUsage
from vultr_core.inference.session import (
    ChatParameters,
    Exchange,
    PendingExchange,
    ReplyRecord,
    SideBySide,
    conversation,
    session_totals,
)
from vultr_core.simulator import DEMO_INFERENCE_KEY, Simulator
from vultr_core.simulator.inference_hostile import SLOW_DRIP
from vultr_core.simulator.inference_replies import reply_text

BASE_URL = "http://sim.invalid/v1"
PRICE = ModelPrice("kimi-k2-instruct", 0.55, 2.75, date(2025, 7, 1), "docs")
EXPORTED_AT = datetime(2026, 11, 17, 12, 30, tzinfo=UTC)


def reply(
    text: str = "Hi there", output_tokens: int = 62, model: str = "kimi-k2-instruct"
) -> ChatReply:
    return ChatReply(
        text=text,
        model=model,
        finish_reason="stop",
        usage=TokenUsage(13, output_tokens),
        timings=ReplyTimings(time_to_first_token_s=0.412, total_s=1.9, tokens_per_s=41.55),
    )


def test_reply_figures_line() -> None:
    record = ReplyRecord.from_reply(reply(), PRICE)
    assert record.cost_usd == pytest.approx((13 * 0.55 + 62 * 2.75) / 1e6)
    assert record.figures() == "13 in · 62 out · first token 0.41 s · 41.5 tokens/s · $0.000178"


def test_a_reply_without_a_price_says_so_instead_of_zero() -> None:
    record = ReplyRecord.from_reply(reply(model="mistral-7b-v0.3"), None)
    assert record.cost_usd is None
    assert record.figures().endswith("no price set")
    assert "$" not in record.figures()


def test_a_failed_reply_carries_the_sentence() -> None:
    record = ReplyRecord.failed("m", AuthenticationError("401"), "partial")
    assert record.text == "partial"
    assert record.error is not None
    assert record.error.startswith("The inference API key was refused")


def test_session_totals_count_priced_unpriced_and_uncounted_replies() -> None:
    priced = ReplyRecord.from_reply(reply(), PRICE)
    unpriced = ReplyRecord.from_reply(reply(output_tokens=10, model="x"), None)
    stopped = ReplyRecord("kimi-k2-instruct", "Half", "stopped", price=PRICE)
    failed = ReplyRecord.failed("m", AuthenticationError("401"))
    totals = session_totals(
        [
            Exchange("one", {"a": priced}),
            Exchange("two", {"a": unpriced, "b": failed}),
            Exchange("three", {"a": stopped}),
        ]
    )
    assert (totals.replies, totals.input_tokens, totals.output_tokens) == (3, 26, 72)
    assert totals.cost_usd == pytest.approx(priced.cost_usd)
    assert totals.describe() == (
        "3 replies · 26 tokens in · 72 tokens out · $0.000178 (+ 1 reply with no price set)"
        " (+ 1 reply without token counts)"
    )


def test_conversation_keeps_each_lanes_own_history() -> None:
    history = [
        Exchange("Q1", {"a": ReplyRecord("m1", "A1"), "b": ReplyRecord("m2", "B1")}),
        Exchange("Q2", {"a": ReplyRecord("m1", "A2")}),
        Exchange(
            "Q3",
            {"a": ReplyRecord("m1", "A3"), "b": ReplyRecord.failed("m2", AuthenticationError("x"))},
        ),
    ]
    assert conversation("Be brief.", history, "b", "Q4") == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "B1"},
        {"role": "user", "content": "Q2"},
        {"role": "assistant", "content": "A2"},
        {"role": "user", "content": "Q3"},
        {"role": "assistant", "content": "A3"},
        {"role": "user", "content": "Q4"},
    ]
    assert conversation("  ", [], "a", "Q") == [{"role": "user", "content": "Q"}]


def test_parameters_left_unset_are_not_sent() -> None:
    assert ChatParameters().as_kwargs() == {
        "temperature": None,
        "top_p": None,
        "max_tokens": None,
        "seed": None,
        "stop": None,
    }
    pending = PendingExchange.start(
        "Q", {"a": "kimi-k2-instruct"}, "", [], ChatParameters(temperature=0.2, stop=("END",))
    )
    assert pending.request_body == {
        "model": "kimi-k2-instruct",
        "messages": [{"role": "user", "content": "Q"}],
        "temperature": 0.2,
        "stop": ["END"],
    }


@pytest.fixture
def sim() -> Simulator:
    return Simulator(size="empty", now=FIXED_NOW)


@pytest.fixture
def client(sim: Simulator) -> InferenceClient:
    return InferenceClient(
        DEMO_INFERENCE_KEY,
        base_url="http://sim.invalid/v1",
        transport=sim.transport(),
        requests_per_minute=6000,
        max_retries=0,
    )


def side_by_side(client: InferenceClient, pending: PendingExchange) -> Exchange:
    def opener(lane: str) -> Any:
        return lambda: client.stream_chat(pending.messages[lane], model=pending.models[lane])

    pending.side = SideBySide({lane: opener(lane) for lane in pending.models})
    shown = dict.fromkeys(pending.models, "")
    for update in pending.side:
        shown[update.lane] = pending.take(update)
    assert shown == {lane: r.text for lane, r in pending.finished().replies.items()}
    return pending.finished()


def test_two_models_stream_side_by_side(client: InferenceClient) -> None:
    models = {"a": "kimi-k2-instruct", "b": "mistral-7b-v0.3"}
    pending = PendingExchange.start("Why Vultr?", models, "", [], ChatParameters(), [PRICE])
    exchange = side_by_side(client, pending)
    question = [{"role": "user", "content": "Why Vultr?"}]
    for lane, model in models.items():
        assert exchange.replies[lane].text == reply_text(model, question, None)
        assert exchange.replies[lane].output_tokens is not None
    assert exchange.replies["a"].cost_usd is not None
    assert exchange.replies["b"].price is None


def test_one_lane_failing_leaves_the_other(client: InferenceClient, sim: Simulator) -> None:
    sim.set_faults(unavailable_models=frozenset({"mistral-7b-v0.3"}))
    models = {"a": "kimi-k2-instruct", "b": "mistral-7b-v0.3"}
    exchange = side_by_side(client, PendingExchange.start("Q", models, "", [], ChatParameters()))
    assert exchange.replies["a"].error is None
    assert exchange.replies["b"].error is not None
    assert "mistral-7b-v0.3 is unavailable right now" in exchange.replies["b"].error


def test_an_interrupted_single_reply_keeps_its_text(client: InferenceClient) -> None:
    pending = PendingExchange.start("Q", {"a": "kimi-k2-instruct"}, "", [], ChatParameters())
    pending.stream = client.stream_chat(pending.messages["a"], model="kimi-k2-instruct")
    seen = next(pending.stream) + next(pending.stream)
    exchange = pending.stop()
    assert exchange is not None
    assert exchange.replies["a"].text == seen
    assert exchange.replies["a"].finish_reason == "stopped"
    assert "stopped" in exchange.replies["a"].figures()


def test_an_interrupted_comparison_keeps_each_lanes_text() -> None:
    pending = PendingExchange.start("Q", {"a": "m1", "b": "m2"}, "", [], ChatParameters())
    pending.texts = {"a": "half a rep"}
    exchange = pending.stop()
    assert exchange is not None
    assert [(r.model, r.text, r.finish_reason) for r in exchange.replies.values()] == [
        ("m1", "half a rep", "stopped"),
        ("m2", "", "stopped"),
    ]
    assert exchange.replies["a"].figures() == "tokens not reported · no price set · stopped"


def test_stop_from_the_next_run_ends_a_blocked_reply_and_keeps_it_once() -> None:
    """Stop as Streamlit runs it: the new script run stops the exchange while the old run's
    thread is still blocked waiting for the model's next token (over real HTTP)."""
    model = HeldModel(free=1)
    sim = Simulator(size="empty", now=FIXED_NOW, token_sleep=model)
    sim.set_faults(hostile_reply=SLOW_DRIP)
    pending = PendingExchange.start("Q", {"a": "kimi-k2-instruct"}, "", [], ChatParameters())
    with sim.serve() as server:
        client = InferenceClient(DEMO_INFERENCE_KEY, base_url=f"{server.base_url}/v1")
        pending.stream = client.stream_chat(pending.messages["a"], model="kimi-k2-instruct")
        first = next(pending.stream)
        old_run = Background(lambda: list(pending.stream or []))
        wait_until(model.is_held)
        exchange = pending.stop()
        assert old_run.finished()
        model.release()
    assert old_run.error is None
    assert exchange is not None
    assert (exchange.replies["a"].text, exchange.replies["a"].finish_reason) == (first, "stopped")
    assert pending.settle() is None, "the old run must not keep the exchange a second time"


def test_stop_ends_every_lane_of_a_comparison() -> None:
    model = HeldModel(free=1)
    sim = Simulator(size="empty", now=FIXED_NOW, token_sleep=model)
    sim.set_faults(hostile_reply=SLOW_DRIP)
    models = {"a": "kimi-k2-instruct", "b": "mistral-7b-v0.3"}
    pending = PendingExchange.start("Q", models, "", [], ChatParameters())
    with sim.serve() as server:
        client = InferenceClient(DEMO_INFERENCE_KEY, base_url=f"{server.base_url}/v1")

        def opener(lane: str) -> Any:
            return lambda: client.stream_chat(
                pending.messages[lane], model=models[lane], cancel=pending.cancel
            )

        pending.side = SideBySide({lane: opener(lane) for lane in models})
        old_run = Background(lambda: [pending.take(update) for update in pending.side or []])
        wait_until(lambda: all(pending.texts.get(lane) for lane in models))
        exchange = pending.stop()
        assert old_run.finished()
        model.release()
    assert exchange is not None
    assert [r.finish_reason for r in exchange.replies.values()] == ["stopped", "stopped"]
    assert all(r.text and r.error is None for r in exchange.replies.values())


def test_stop_during_a_retry_wait_sends_nothing_more() -> None:
    sim = Simulator(size="empty", now=FIXED_NOW)
    sim.set_faults(path_prefix="/v1/chat", status_code=429, retry_after_s=30)
    pending = PendingExchange.start("Q", {"a": "kimi-k2-instruct"}, "", [], ChatParameters())
    client = InferenceClient(DEMO_INFERENCE_KEY, base_url=BASE_URL, transport=sim.transport())

    def old_run() -> None:
        try:
            pending.stream = client.stream_chat(
                pending.messages["a"], model="kimi-k2-instruct", cancel=pending.cancel
            )
        except VultrError as error:
            pending.fail("a", error)

    running = Background(old_run)
    wait_until(lambda: len(sim.request_log) == 1)
    exchange = pending.stop()
    assert running.finished()
    assert exchange is not None
    assert (exchange.replies["a"].finish_reason, exchange.replies["a"].error) == ("stopped", None)
    assert len(sim.request_log) == 1


# Exports and snippets


def exchanges() -> list[Exchange]:
    body = {"model": "kimi-k2-instruct", "messages": [{"role": "user", "content": "It's $5?"}]}
    return [
        Exchange(
            "It's $5?",
            {
                "a": ReplyRecord.from_reply(reply("Yes, **$5**."), PRICE),
                "b": ReplyRecord.from_reply(reply("Maybe", model="x"), None),
            },
            body,
        )
    ]


def test_markdown_export() -> None:
    text = to_markdown(exchanges(), "Be brief.", EXPORTED_AT)
    assert text.startswith("# Inference chat, 2026-11-17 12:30 UTC\n")
    assert "> Be brief." in text
    assert "## You\n\nIt's $5?" in text
    assert "## kimi-k2-instruct\n\nYes, **$5**.\n\n_13 in · 62 out" in text
    assert (
        "## x\n\nMaybe\n\n_13 in · 62 out · first token 0.41 s · 41.5 tokens/s · no price set_"
        in text
    )
    assert text.rstrip().endswith("(+ 1 reply with no price set)")


def test_json_export() -> None:
    document = json.loads(to_json(exchanges(), "Be brief.", ChatParameters(seed=7), EXPORTED_AT))
    assert document["exported_at"] == "2026-11-17T12:30:00+00:00"
    assert document["parameters"] == {"seed": 7}
    first, second = document["exchanges"][0]["replies"]
    assert first["lane"] == "a"
    assert first["text"] == "Yes, **$5**."
    assert first["output_tokens"] == 62
    assert first["price"] == {
        "input_usd_per_million": 0.55,
        "output_usd_per_million": 2.75,
        "as_of": "2025-07-01",
        "source": "docs",
    }
    assert second["price"] is None
    assert second["cost_usd"] is None
    assert document["totals"]["replies"] == 2


def test_python_snippet_is_valid_python_and_reads_the_key_from_the_environment() -> None:
    body = exchanges()[0].request_body
    assert body is not None
    snippet = python_snippet(body, "https://api.vultrinference.com/v1")
    tree = ast.parse(snippet)
    call = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "create"
    )
    arguments = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    assert arguments == {**body, "stream": True}
    assert 'os.environ["VULTR_INFERENCE_API_KEY"]' in snippet
    assert DEMO_INFERENCE_KEY not in snippet


def test_curl_snippet_sends_the_same_body() -> None:
    body = exchanges()[0].request_body
    assert body is not None
    snippet = curl_snippet(body, "https://api.vultrinference.com/v1/")
    words = shlex.split(snippet.replace("\\\n", " "))
    assert words[:3] == [
        "curl",
        "--no-buffer",
        "https://api.vultrinference.com/v1/chat/completions",
    ]
    assert "Authorization: Bearer $VULTR_INFERENCE_API_KEY" in words
    assert json.loads(words[words.index("-d") + 1]) == {**body, "stream": True}
