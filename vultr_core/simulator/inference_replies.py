"""What the simulated models say: a small catalogue and deterministic, prompt-derived replies.

A reply depends only on the model, the last user message and the seed, so tests can predict
it and compare mode shows two different models answering differently; what a reply says is
worked out in inference_answers. Tokens are words (a
whitespace-separated run counts as one): crude, but stable and easy to check by hand.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .inference_answers import answer
from .messages import JsonObject

_WORD = re.compile(r"\S+")
_PIECE = re.compile(r"\s*\S+")
# Role markers and separators the chat template adds around each message (OpenAI counts 3-4).
TOKENS_PER_MESSAGE = 4
TOKENS_PER_REPLY_PRIMER = 2


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
    return answer(question, model, random.Random(digest))


def split_tokens(text: str) -> list[str]:
    """The text as the pieces a stream sends: each word with the whitespace before it."""
    return _PIECE.findall(text)


def find_model(model_id: str) -> SimModel | None:
    return next((m for m in MODELS if m.id == model_id), None)
