"""This month's and last month's inference tokens and cost, from each historic usage shape."""

from __future__ import annotations

import random

import pytest

from tests.conftest import FIXED_NOW, SIMULATOR_URL
from vultr_core.api.management import ManagementClient
from vultr_core.api.models.inference import InferenceUsage
from vultr_core.inference.prices import NO_PRICE, find_price, parse_prices
from vultr_core.inference.usage import (
    BASIS_OVERAGE,
    BASIS_PRICES,
    BASIS_REPORTED,
    MonthUsage,
    UsageSummary,
    fetch_usage_summaries,
    summarise_usage,
    total_month,
)
from vultr_core.simulator import DEMO_API_KEY, Simulator
from vultr_core.simulator.inference_usage import ModelUsage as SimModelUsage
from vultr_core.simulator.inference_usage import UsageShape


def summaries_for(shape: UsageShape, prices: str = "") -> tuple[Simulator, list[UsageSummary]]:
    sim = Simulator(size="small", now=FIXED_NOW, inference_usage_shape=shape)
    with ManagementClient(
        DEMO_API_KEY, base_url=SIMULATOR_URL, transport=sim.transport(), rng=random.Random(1)
    ) as client:
        return sim, fetch_usage_summaries(client, parse_prices(prices))


def expected_cost(models: tuple[SimModelUsage, ...]) -> tuple[float, set[str]]:
    cost, unpriced = 0.0, set()
    for m in models:
        price = find_price(m.model)
        if price is None:
            unpriced.add(m.model)
        else:
            cost += price.cost_usd(m.input_tokens, m.output_tokens)
    return cost, unpriced


def test_current_shape_prices_each_model_and_names_the_unpriced() -> None:
    sim, summaries = summaries_for("current")
    subscriptions = sim.organisation.inference_subscriptions
    assert [s.label for s in summaries] == [s.json["label"] for s in subscriptions]
    for summary, subscription in zip(summaries, subscriptions, strict=True):
        for month, models in (
            (summary.this_month, subscription.usage.current_month),
            (summary.last_month, subscription.usage.previous_month),
        ):
            assert month is not None
            assert month.total_tokens == sum(m.input_tokens + m.output_tokens for m in models)
            assert month.input_tokens == sum(m.input_tokens for m in models)
            assert month.output_tokens == sum(m.output_tokens for m in models)
            cost, unpriced = expected_cost(models)
            assert set(month.unpriced_models) == unpriced
            if len(unpriced) == len(models):
                assert month.cost_usd is None
                assert month.cost_text() == NO_PRICE
            else:
                assert month.cost_usd == pytest.approx(cost)
            assert month.basis == BASIS_PRICES


def test_configured_prices_fill_the_gaps() -> None:
    _, summaries = summaries_for("current", "llama-3.3-70b-instruct-fp8=0.2/0.6")
    assert all(not s.this_month.unpriced_models for s in summaries)
    assert all(s.this_month.cost_usd is not None for s in summaries)


def test_intermediate_shape_uses_the_reported_dollars() -> None:
    sim, summaries = summaries_for("intermediate")
    for summary, subscription in zip(
        summaries, sim.organisation.inference_subscriptions, strict=True
    ):
        models = subscription.usage.current_month
        reported = round(sum(m.output_cost_usd for m in models), 2) + round(
            sum(m.input_cost_usd for m in models), 2
        )
        assert summary.this_month.cost_usd == pytest.approx(reported)
        assert summary.this_month.basis == BASIS_REPORTED
        assert summary.this_month.input_tokens == sum(m.input_tokens for m in models)
        assert summary.last_month is None


def test_original_shape_counts_tokens_against_the_allotment() -> None:
    sim, summaries = summaries_for("original")
    for summary, subscription in zip(
        summaries, sim.organisation.inference_subscriptions, strict=True
    ):
        tokens = sum(m.input_tokens + m.output_tokens for m in subscription.usage.current_month)
        assert summary.this_month.total_tokens == tokens
        assert summary.monthly_allotment_tokens == 50_000_000
        overage = max(0, tokens - 50_000_000)
        assert summary.this_month.cost_usd == pytest.approx(overage * 0.0002 / 1000)
        assert summary.this_month.basis == BASIS_OVERAGE
        assert summary.this_month.input_tokens is None


def test_total_month_adds_subscriptions_and_keeps_the_gaps_visible() -> None:
    months = [
        MonthUsage(100, 60, 40, 1.5, BASIS_PRICES),
        MonthUsage(50, 30, 20, None, BASIS_PRICES, ("mistral-7b-v0.3",)),
        None,
    ]
    total = total_month(months)
    assert total is not None
    assert (total.total_tokens, total.input_tokens, total.output_tokens) == (150, 90, 60)
    assert total.cost_usd == 1.5
    assert total.unpriced_models == ("mistral-7b-v0.3",)
    assert total.basis_text().endswith("No price set for mistral-7b-v0.3.")
    assert total_month([None]) is None


def test_no_subscription_means_no_month() -> None:
    sim = Simulator(size="empty", now=FIXED_NOW)
    with ManagementClient(DEMO_API_KEY, base_url=SIMULATOR_URL, transport=sim.transport()) as c:
        assert fetch_usage_summaries(c) == []
    assert total_month([]) is None


def test_a_month_of_only_unpriced_models_has_no_cost_not_zero() -> None:
    body = {
        "chat_by_model": {
            "current_month": [{"model": "mistral-7b-v0.3", "tokens": 900, "input_tokens": 600}],
            "previous_month": [],
        }
    }
    summary = summarise_usage("id", "label", InferenceUsage.from_api(body))
    assert summary.this_month.cost_usd is None
    assert summary.this_month.cost_text() == "no price set"
    assert summary.this_month.output_tokens == 300
    assert summary.last_month is not None
    assert summary.last_month.cost_usd == 0.0
