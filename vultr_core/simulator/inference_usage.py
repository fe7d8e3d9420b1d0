"""Serverless Inference usage, stored once and rendered in the three shapes Vultr has served.

vultr-api.md 2.17: the original subscription shape (`chat.current_tokens`, 2024), the
intermediate one (`chat` plus token costs) and the current `chat_by_model` shape (govultr v3.31.0).
A simulator option picks the shape so clients can be tested against each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .generation import Generator, SecretMaker, iso
from .messages import JsonObject

UsageShape = Literal["original", "intermediate", "current"]
USAGE_SHAPES: tuple[UsageShape, ...] = ("original", "intermediate", "current")

MONTHLY_TOKEN_ALLOTMENT = 50_000_000
"""Tokens included in the original $10/month subscription (vultr-api.md 2.17, 3.7)."""

TOKENS_PER_PRICE_UNIT = 1_000_000
CENTS_PER_USD = 100


@dataclass(frozen=True)
class ModelUsage:
    """One model's tokens in one month, with its list prices in USD per million tokens."""

    model: str
    input_tokens: int
    output_tokens: int
    input_usd_per_m: float
    output_usd_per_m: float

    @property
    def input_cost_usd(self) -> float:
        return self.input_tokens * self.input_usd_per_m / TOKENS_PER_PRICE_UNIT

    @property
    def output_cost_usd(self) -> float:
        return self.output_tokens * self.output_usd_per_m / TOKENS_PER_PRICE_UNIT

    def as_current(self) -> JsonObject:
        """govultr's ModelUsage: prices are ints of unknown unit; we send whole cents."""
        return {
            "model": self.model,
            "tokens": self.input_tokens + self.output_tokens,
            "input_tokens": self.input_tokens,
            "output_price": round(self.output_cost_usd * CENTS_PER_USD),
            "input_price": round(self.input_cost_usd * CENTS_PER_USD),
        }


@dataclass(frozen=True)
class InferenceUsage:
    current_month: tuple[ModelUsage, ...]
    previous_month: tuple[ModelUsage, ...]
    tts_characters: int
    tts_sm_characters: int
    megapixels: float
    sm_megapixels: float

    @property
    def current_cost_usd(self) -> float:
        return sum(m.input_cost_usd + m.output_cost_usd for m in self.current_month)

    @property
    def previous_cost_usd(self) -> float:
        return sum(m.input_cost_usd + m.output_cost_usd for m in self.previous_month)

    def render(self, shape: UsageShape) -> JsonObject:
        """The body of `GET /v2/inference/{id}/usage` in the requested historical shape."""
        audio = {"tts_characters": self.tts_characters, "tts_sm_characters": self.tts_sm_characters}
        if shape == "current":
            return {
                "usage": {
                    "chat_by_model": {
                        "current_month": [m.as_current() for m in self.current_month],
                        "previous_month": [m.as_current() for m in self.previous_month],
                    },
                    "audio": audio,
                    "image": {"megapixels": self.megapixels, "sm_megapixels": self.sm_megapixels},
                }
            }
        input_tokens = sum(m.input_tokens for m in self.current_month)
        output_tokens = sum(m.output_tokens for m in self.current_month)
        current_tokens = input_tokens + output_tokens
        chat: JsonObject = {
            "current_tokens": current_tokens,
            "monthly_allotment": MONTHLY_TOKEN_ALLOTMENT,
            "overage": max(0, current_tokens - MONTHLY_TOKEN_ALLOTMENT),
        }
        if shape == "intermediate":
            chat["completion_tokens"] = output_tokens
            chat["cost"] = round(sum(m.output_cost_usd for m in self.current_month), 2)
            chat["input_tokens"] = input_tokens
            chat["input_cost"] = round(sum(m.input_cost_usd for m in self.current_month), 2)
        return {"usage": {"chat": chat, "audio": audio}}


# (model, USD per 1M input tokens, USD per 1M output tokens); vultr-api.md 3.6 and 3.7.
# Three carry published prices (the app's defaults know them); the llama price is invented,
# so the demo also shows a model the app has "no price set" for.
MODEL_PRICES: tuple[tuple[str, float, float], ...] = (
    ("kimi-k2-instruct", 0.55, 2.75),
    ("llama-3.3-70b-instruct-fp8", 0.2, 0.6),
    ("DeepSeek-V3.2", 0.55, 1.65),
    ("MiniMax-M2.5", 0.3, 1.2),
)
SUBSCRIPTION_LABELS = ("product-chat", "support-bot", "search-rerank", "docs-assistant")
INFERENCE_PRODUCT = "Serverless Inference"


@dataclass(frozen=True)
class Subscription:
    """An inference subscription with its usage and token spend for each past month."""

    json: JsonObject
    created: datetime
    usage: InferenceUsage
    older_months: tuple[tuple[ModelUsage, ...], ...]
    """Usage of the months before the previous one: index 0 is two months ago."""

    def month(self, months_ago: int) -> tuple[ModelUsage, ...]:
        if months_ago == 0:
            return self.usage.current_month
        if months_ago == 1:
            return self.usage.previous_month
        return self.older_months[months_ago - 2]


def build_subscriptions(
    gen: Generator, secrets: SecretMaker, count: int, months: int
) -> list[Subscription]:
    """`months` is how many past months need usage (for invoices)."""
    subscriptions = []
    for number in range(count):
        created = gen.days_ago(45, 420)
        label = SUBSCRIPTION_LABELS[number % len(SUBSCRIPTION_LABELS)]
        body = {
            "id": gen.uuid(),
            "date_created": iso(created),
            "label": label if number < len(SUBSCRIPTION_LABELS) else f"{label}-{number}",
            "api_key": secrets.token(32),
        }
        month_usage = [_month_usage(gen) for _ in range(max(2, months + 1))]
        usage = InferenceUsage(
            current_month=month_usage[0],
            previous_month=month_usage[1],
            tts_characters=gen.rng.randint(0, 80_000),
            tts_sm_characters=gen.rng.randint(0, 20_000),
            megapixels=round(gen.rng.uniform(0, 40), 2),
            sm_megapixels=0.0,
        )
        subscriptions.append(Subscription(body, created, usage, tuple(month_usage[2:])))
    return subscriptions


def _month_usage(gen: Generator) -> tuple[ModelUsage, ...]:
    models = gen.rng.sample(MODEL_PRICES, gen.rng.randint(1, 3))
    return tuple(
        ModelUsage(
            model,
            input_tokens=gen.rng.randint(2_000_000, 30_000_000),
            output_tokens=gen.rng.randint(300_000, 6_000_000),
            input_usd_per_m=input_price,
            output_usd_per_m=output_price,
        )
        for model, input_price, output_price in models
    )
