"""What the simulated models say: a small catalogue and deterministic, prompt-derived replies.

A reply depends only on the model, the last user message and the seed, so tests can predict
it and compare mode shows two different models answering differently. Tokens are words (a
whitespace-separated run counts as one): crude, but stable and easy to check by hand.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .messages import JsonObject

_WORD = re.compile(r"\S+")
_PIECE = re.compile(r"\s*\S+")
# Role markers and separators the chat template adds around each message (OpenAI counts 3-4).
TOKENS_PER_MESSAGE = 4
TOKENS_PER_REPLY_PRIMER = 2
MIN_SENTENCES, MAX_SENTENCES = 2, 6
PROMPT_SNIPPET_WORDS = 8


@dataclass(frozen=True)
class SimModel:
    """One entry of the simulated `/v1/models` (2024 OpenAI shape plus 2026 metadata)."""

    id: str
    created: int
    context_length: int

    def as_json(self) -> JsonObject:
        return {
            "id": self.id,
            "object": "model",
            "created": self.created,
            "owned_by": "system",
            "features": ["TextGeneration"],
            "max_context_length": self.context_length,
        }


# Ids from vultr-api.md 3.6: the ones the demo usage mentions, plus two 2026 models.
MODELS: tuple[SimModel, ...] = (
    SimModel("kimi-k2-instruct", 1752537600, 131_072),
    SimModel("llama-3.3-70b-instruct-fp8", 1733443200, 131_072),
    SimModel("qwen2.5-coder-32b-instruct", 1731542400, 32_768),
    SimModel("deepseek-r1-distill-qwen-32b", 1737676800, 32_768),
    SimModel("DeepSeek-V3.2", 1764547200, 163_840),
    SimModel("MiniMax-M2.5", 1768262400, 196_608),
    SimModel("mistral-7b-v0.3", 1716336000, 32_768),
)

SENTENCES = (
    "Start with the smallest plan that fits and resize once real traffic tells you more.",
    "Serverless Inference bills per token, so a shorter system prompt saves money on every call.",
    "Streaming the reply lets people start reading before the model has finished.",
    "A managed database keeps backups daily, and restoring one is a fork rather than an overwrite.",
    "Valkey works well as a cache in front of slow queries when every key has a sensible TTL.",
    "Tag resources by team so that the monthly bill can be split without guesswork.",
    "Block storage is billed while attached or not, so detached volumes are worth a look.",
    "Put the instances that talk to each other in the same region to keep latency low.",
    "Retry rate-limited requests with exponential backoff and a little random jitter.",
    "Time to first token matters more to a reader than total time for long answers.",
    "Lower temperatures give steadier answers; higher ones give more varied wording.",
    "A stop sequence ends the reply early, which also ends what you pay for it.",
    "Compare two models on the same prompt before choosing one for production.",
    "Snapshots are cheap per gigabyte, but old ones add up month after month.",
    "Keep API keys in secrets storage, never in code or in a chat transcript.",
    "Load balancers spread traffic and also give you a health check for free.",
    "Measure before optimising: the slow part is rarely where one expects it.",
    "Context windows are large, yet every token of history is paid for again on each turn.",
)


def count_tokens(text: str) -> int:
    return len(_WORD.findall(text))


def prompt_tokens(messages: Sequence[JsonObject]) -> int:
    """Input tokens as the simulator bills them: words plus a fixed overhead per message."""
    words = sum(count_tokens(str(message.get("content", ""))) for message in messages)
    return words + TOKENS_PER_MESSAGE * len(messages) + TOKENS_PER_REPLY_PRIMER


def reply_text(model: str, messages: Sequence[JsonObject], seed: int | None) -> str:
    """The model's full, unconstrained answer to the conversation's last user message."""
    question = next(
        (str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    digest = hashlib.sha256(f"{model}\x00{question}\x00{seed}".encode()).digest()
    rng = random.Random(digest)
    words = question.split()
    snippet = " ".join(words[:PROMPT_SNIPPET_WORDS]) + (
        "…" if len(words) > PROMPT_SNIPPET_WORDS else ""
    )
    opening = f'{model} on "{snippet}":' if snippet else f"{model} here."
    chosen = rng.sample(SENTENCES, rng.randint(MIN_SENTENCES, MAX_SENTENCES))
    return " ".join([opening, *chosen])


def split_tokens(text: str) -> list[str]:
    """The text as the pieces a stream sends: each word with the whitespace before it."""
    return _PIECE.findall(text)


def find_model(model_id: str) -> SimModel | None:
    return next((m for m in MODELS if m.id == model_id), None)
