"""What the simulated models answer: replies that work with the prompt, the same every time,
bounded and free of the prompt's markup, spoken to over the simulator's own API."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from vultr_core.inference.markup import reply_blocks
from vultr_core.simulator import DEMO_INFERENCE_KEY, Simulator
from vultr_core.simulator.inference_replies import reply_text, split_tokens

from .conftest import NOW

MODEL, OTHER_MODEL = "kimi-k2-instruct", "DeepSeek-V3.2"
HOSTILE_MARKUP = (
    '<img src="http://beacon.invalid/x.png"> ![x](http://beacon.invalid/y) **bold** '
    "[link](javascript:alert(1)) `code` <script>alert(1)</script> $x^2$ _under_ # heading"
)


@pytest.fixture
def api() -> Iterator[httpx.Client]:
    sim = Simulator(size="empty", now=NOW)
    headers = {"Authorization": f"Bearer {DEMO_INFERENCE_KEY}"}
    with httpx.Client(
        base_url="https://api.vultrinference.com/v1", transport=sim.transport(), headers=headers
    ) as client:
        yield client


def ask(api: httpx.Client, prompt: str, model: str = MODEL, **body: Any) -> str:
    messages = [{"role": "user", "content": prompt}]
    response = api.post("/chat/completions", json={"model": model, "messages": messages, **body})
    assert response.status_code == 200, response.text
    return str(response.json()["choices"][0]["message"]["content"])


def streamed(api: httpx.Client, prompt: str, **body: Any) -> tuple[str, str]:
    """The streamed reply's text and its finish reason."""
    messages = [{"role": "user", "content": prompt}]
    response = api.post(
        "/chat/completions", json={"model": MODEL, "messages": messages, "stream": True, **body}
    )
    chunks = [
        json.loads(line[len("data: ") :])
        for line in response.text.splitlines()
        if line.startswith("data: {")
    ]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    finish = next(c["choices"][0]["finish_reason"] for c in reversed(chunks) if c["choices"])
    return text, finish


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("What is 12*7?", "84"),
        ("what's 2^10 + 15% of 80?", "1,036"),
        ("How much is 1,200 times 3?", "3,600"),
        ("Translate 'thank you, my friend' into German", '"danke, mein Freund"'),
        ("Translate 'good morning' to Spanish", "buenos días"),
        (
            "Summarise: The cache was slow on Monday. We added tags. The hit ratio went up.",
            "The cache was slow on Monday.",
        ),
        ("Write a python function for fibonacci numbers", "def fibonacci(n: int)"),
        ("Give me a bash command to list my instances", "https://api.vultr.com/v2/instances"),
        ("How do I cut my Vultr bill?", "Overview page"),
        ("Where do I see my Valkey cache hit ratio?", "Cache Tools"),
        ("Tell me about kubernetes autoscaling", "kubernetes"),
    ],
)
def test_a_reply_answers_the_prompt(api: httpx.Client, prompt: str, expected: str) -> None:
    assert expected in ask(api, prompt)


def test_the_same_prompt_gets_the_same_reply_and_others_do_not(api: httpx.Client) -> None:
    prompts = ["What is 12*7?", "What is 13*7?", "How do I cut my Vultr bill?", "Tell me a joke"]
    replies = [ask(api, prompt) for prompt in prompts]
    assert [ask(api, prompt) for prompt in prompts] == replies
    assert len(set(replies)) == len(prompts)
    assert ask(api, prompts[2], OTHER_MODEL) != replies[2]


def test_impossible_sums_are_refused_in_a_sentence(api: httpx.Client) -> None:
    assert "too large" in ask(api, "calculate 9**9**9**9")
    assert "dividing by zero" in ask(api, "what is 5/0")


def test_code_streams_whole_and_max_tokens_still_cuts_it(api: httpx.Client) -> None:
    prompt = "Write a python function for fibonacci numbers"
    text, finish = streamed(api, prompt)
    whole = reply_text(MODEL, [{"role": "user", "content": prompt}], None)
    assert (text, finish) == (whole, "stop")
    assert [block.kind for block in reply_blocks(text)] == ["markdown", "code", "markdown"]
    text, finish = streamed(api, prompt, max_tokens=4)
    assert (len(split_tokens(text)), finish) == (4, "length")


def test_a_hostile_prompt_comes_back_without_its_markup(api: httpx.Client) -> None:
    for prompt in (HOSTILE_MARKUP, f"Summarise: {HOSTILE_MARKUP}. {HOSTILE_MARKUP}."):
        reply = ask(api, prompt)
        assert not re.search(r"[<>*`$#_\[\]]|!\S", reply), reply


def test_a_very_long_prompt_gets_a_short_reply(api: httpx.Client) -> None:
    one_word = "x" * 100_000
    many_words = " ".join(f"word{n}" for n in range(20_000))
    for prompt in (one_word, many_words, f"Summarise: {many_words}", f"what is {'1+' * 5000}1"):
        reply = ask(api, prompt)
        assert 0 < len(reply) <= 600, len(reply)
