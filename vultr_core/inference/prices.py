"""What a reply costs: model prices in dollars per million tokens, each with the date it held.

Vultr's published inference prices changed several times (vultr-api.md §3.7: a subscription
with 50M included tokens, then $0.55 / $2.75 per million, then per-model prices in 2026), so
a price is never a bare number here: it carries when and where it was published, and the
settings (``INFERENCE_PRICES``) override it. A model with no price has none: the page says
"no price set" instead of pretending it was free.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

TOKENS_PER_PRICE_UNIT = 1_000_000
NO_PRICE = "no price set"
SETTINGS_SOURCE = "INFERENCE_PRICES setting"
SMALLEST_SHOWN_USD = 0.000001
_SEPARATORS = re.compile(r"[,;\n]")


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """A model's list price: USD per million input and output tokens, as of a date."""

    model: str
    input_usd_per_m: float
    output_usd_per_m: float
    as_of: date | None
    source: str

    def cost_usd(self, input_tokens: int, output_tokens: int) -> float:
        return (
            input_tokens * self.input_usd_per_m + output_tokens * self.output_usd_per_m
        ) / TOKENS_PER_PRICE_UNIT

    def describe(self) -> str:
        """``$0.55 / $2.75 per 1M tokens (in / out), as of 2025-07-01``."""
        when = f"as of {self.as_of.isoformat()}" if self.as_of else "as configured"
        return (
            f"${self.input_usd_per_m:g} / ${self.output_usd_per_m:g} per 1M tokens "
            f"(in / out), {when}"
        )


_VULTR_DOCS = "docs.vultr.com support page on Serverless Inference usage and cost"
_MODELS_DEV = "models.dev listing of Vultr models, early 2026"

# Only prices published for a named model: the first-of-month date is the earliest month
# the source is known to state it (vultr-api.md §3.6, §3.7; ANCHORS.md §0).
DEFAULT_PRICES: tuple[ModelPrice, ...] = (
    ModelPrice("kimi-k2-instruct", 0.55, 2.75, date(2025, 7, 1), _VULTR_DOCS),
    ModelPrice("Kimi-K2.5", 0.55, 2.75, date(2026, 1, 1), _MODELS_DEV),
    ModelPrice("DeepSeek-V3.2", 0.55, 1.65, date(2026, 1, 1), _MODELS_DEV),
    ModelPrice("MiniMax-M2.5", 0.30, 1.20, date(2026, 1, 1), _MODELS_DEV),
    ModelPrice("GLM-5-FP8", 0.85, 3.10, date(2026, 1, 1), _MODELS_DEV),
)


def find_price(
    model: str,
    configured: Iterable[ModelPrice] = (),
    *,
    defaults: Sequence[ModelPrice] = DEFAULT_PRICES,
    on: date | None = None,
) -> ModelPrice | None:
    """The price that applies to ``model`` on ``on`` (today by default), or None.

    A configured price always wins. Among the defaults, the latest one already published on
    that day applies. Model ids compare case-insensitively (Vultr has spelled the same
    model both ways).
    """
    wanted = model.casefold()
    for price in configured:
        if price.model.casefold() == wanted:
            return price
    day = on or datetime.now(UTC).date()
    candidates = [
        p for p in defaults if p.model.casefold() == wanted and (p.as_of is None or p.as_of <= day)
    ]
    return max(candidates, key=lambda p: p.as_of or date.min, default=None)


def parse_prices(text: str, *, as_of: date | None = None) -> tuple[ModelPrice, ...]:
    """Prices from ``model=input/output`` entries separated by commas, semicolons or lines.

    ``kimi-k2-instruct=0.55/2.75; DeepSeek-V3.2=0.55/1.65``: dollars per million tokens.

    Raises:
        ValueError: an entry is malformed; the message quotes that entry.
    """
    prices: dict[str, ModelPrice] = {}
    for entry in (part.strip() for part in _SEPARATORS.split(text)):
        if not entry:
            continue
        model, equals, pair = entry.rpartition("=")
        input_text, slash, output_text = pair.partition("/")
        model = model.strip()
        try:
            input_usd, output_usd = float(input_text), float(output_text)
        except ValueError:
            input_usd = output_usd = -1.0
        if not (equals and slash and model) or min(input_usd, output_usd) < 0:
            raise ValueError(
                f"{entry!r} is not model=input/output with two non-negative prices in "
                "dollars per million tokens, e.g. kimi-k2-instruct=0.55/2.75"
            )
        prices[model.casefold()] = ModelPrice(model, input_usd, output_usd, as_of, SETTINGS_SOURCE)
    return tuple(prices.values())


def format_cost_usd(amount: float) -> str:
    """Dollars for a reply: cents are too coarse (one reply often costs $0.0002)."""
    if amount == 0 or abs(amount) >= 0.01:
        return f"${amount:,.2f}"
    if abs(amount) < SMALLEST_SHOWN_USD:
        return f"< ${SMALLEST_SHOWN_USD:.6f}"
    return f"${amount:.6f}".rstrip("0")
