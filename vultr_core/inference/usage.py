"""This month's and last month's inference tokens and dollars, from whichever usage shape
the management API sent (vultr-api.md §2.17).

The three shapes say different things, so the cost's ``basis`` says where each figure came
from: Vultr's own dollar fields (intermediate shape), our model prices applied to Vultr's
per-model token counts (current shape: its price fields are ints of unknown unit, so they
are never read as dollars), or the subscription overage rate (original shape).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vultr_core.api.concurrency import run_concurrently
from vultr_core.api.management import ManagementClient
from vultr_core.api.models.inference import InferenceUsage, ModelUsage
from vultr_core.formatting import format_usd
from vultr_core.inference.prices import NO_PRICE, ModelPrice, find_price

# The original subscription billed tokens past the monthly allotment at $0.0002 per 1,000
# (vultr-api.md §3.7); the monthly fee itself is not in the usage body.
OVERAGE_USD_PER_1K_TOKENS = 0.0002
BASIS_REPORTED = "reported by Vultr"
BASIS_PRICES = "our model prices × Vultr's token counts"
BASIS_OVERAGE = "overage at $0.0002 per 1K tokens; the subscription fee is not included"


@dataclass(frozen=True, slots=True)
class MonthUsage:
    """One month of one subscription's chat usage.

    ``cost_usd`` is None when nothing could be priced; ``unpriced_models`` lists models whose
    tokens are left out of it (no price set), so a partial figure never passes as complete.
    """

    total_tokens: int
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    basis: str
    unpriced_models: tuple[str, ...] = ()

    def cost_text(self) -> str:
        """``$12.34``, or "no price set" when no token of the month could be priced."""
        return NO_PRICE if self.cost_usd is None else format_usd(self.cost_usd)

    def basis_text(self) -> str:
        """Where the cost comes from, and which models it leaves out."""
        unpriced = ", ".join(self.unpriced_models)
        gap = f" {NO_PRICE.capitalize()} for {unpriced}." if unpriced else ""
        return f"Cost basis: {self.basis}.{gap}"


@dataclass(frozen=True, slots=True)
class UsageSummary:
    subscription_id: str
    label: str
    shape: str
    this_month: MonthUsage
    last_month: MonthUsage | None
    monthly_allotment_tokens: int | None


def summarise_usage(
    subscription_id: str,
    label: str,
    usage: InferenceUsage,
    prices: Iterable[ModelPrice] = (),
) -> UsageSummary:
    """The months a usage body describes; ``prices`` are the configured overrides."""
    configured = tuple(prices)
    last_month: MonthUsage | None = None
    if usage.shape == "current":
        this_month = _priced_month(usage.current_month_by_model, configured)
        last_month = _priced_month(usage.previous_month_by_model, configured)
    elif usage.shape == "intermediate":
        reported = [c for c in (usage.cost_usd, usage.input_cost_usd) if c is not None]
        this_month = MonthUsage(
            total_tokens=usage.current_tokens
            or (usage.input_tokens or 0) + (usage.completion_tokens or 0),
            input_tokens=usage.input_tokens,
            output_tokens=usage.completion_tokens,
            # `cost` is the completion tokens' cost and `input_cost` the prompt's.
            cost_usd=sum(reported) if reported else None,
            basis=BASIS_REPORTED,
        )
    else:
        overage = usage.overage_tokens or 0
        this_month = MonthUsage(
            total_tokens=usage.current_tokens or 0,
            input_tokens=None,
            output_tokens=None,
            cost_usd=overage * OVERAGE_USD_PER_1K_TOKENS / 1000,
            basis=BASIS_OVERAGE,
        )
    return UsageSummary(
        subscription_id=subscription_id,
        label=label,
        shape=usage.shape,
        this_month=this_month,
        last_month=last_month,
        monthly_allotment_tokens=usage.monthly_allotment_tokens,
    )


def _priced_month(models: Sequence[ModelUsage], configured: Sequence[ModelPrice]) -> MonthUsage:
    cost = 0.0
    priced_any = False
    unpriced: list[str] = []
    for item in models:
        price = find_price(item.model, configured)
        if price is None:
            unpriced.append(item.model)
            continue
        priced_any = True
        cost += price.cost_usd(item.input_tokens, item.output_tokens)
    return MonthUsage(
        total_tokens=sum(m.tokens for m in models),
        input_tokens=sum(m.input_tokens for m in models),
        output_tokens=sum(m.output_tokens for m in models),
        cost_usd=cost if priced_any or not models else None,
        basis=BASIS_PRICES,
        unpriced_models=tuple(sorted(set(unpriced))),
    )


def total_month(months: Sequence[MonthUsage | None]) -> MonthUsage | None:
    """Several subscriptions' months added up (None when none reported that month)."""
    present = [m for m in months if m is not None]
    if not present:
        return None
    costs = [m.cost_usd for m in present if m.cost_usd is not None]
    inputs = [m.input_tokens for m in present]
    outputs = [m.output_tokens for m in present]
    return MonthUsage(
        total_tokens=sum(m.total_tokens for m in present),
        input_tokens=None if None in inputs else sum(i for i in inputs if i is not None),
        output_tokens=None if None in outputs else sum(o for o in outputs if o is not None),
        cost_usd=sum(costs) if costs else None,
        basis="; ".join(sorted({m.basis for m in present})),
        unpriced_models=tuple(sorted({model for m in present for model in m.unpriced_models})),
    )


def fetch_usage_summaries(
    client: ManagementClient, prices: Iterable[ModelPrice] = ()
) -> list[UsageSummary]:
    """Every subscription's usage, the per-subscription calls made concurrently."""
    configured = tuple(prices)
    subscriptions = client.inference_subscriptions()
    usages = run_concurrently(
        {s.id: functools.partial(client.inference_usage, s.id) for s in subscriptions}
    )
    return [summarise_usage(s.id, s.label, usages[s.id], configured) for s in subscriptions]
