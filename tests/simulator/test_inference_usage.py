"""`/v2/inference/{id}/usage` in the three shapes Vultr has served (vultr-api.md 2.17)."""

from __future__ import annotations

from typing import Any

import pytest

from vultr_core.simulator import Simulator

from .conftest import NOW, make_client


def _usage(shape: str) -> Any:
    sim = Simulator(inference_usage_shape=shape, now=NOW)  # type: ignore[arg-type]
    subscription_id = sim.organisation.inference_subscriptions[0].json["id"]
    with make_client(sim) as client:
        return client.get(f"/inference/{subscription_id}/usage").json()


def test_original_shape() -> None:
    usage = _usage("original")["usage"]
    assert set(usage) == {"chat", "audio"}
    assert set(usage["chat"]) == {"current_tokens", "monthly_allotment", "overage"}
    assert usage["chat"]["monthly_allotment"] == 50_000_000
    assert set(usage["audio"]) == {"tts_characters", "tts_sm_characters"}


def test_intermediate_shape_adds_token_costs() -> None:
    chat = _usage("intermediate")["usage"]["chat"]
    assert set(chat) == {
        "current_tokens", "monthly_allotment", "overage",
        "completion_tokens", "cost", "input_tokens", "input_cost",
    }  # fmt: skip
    assert chat["input_tokens"] + chat["completion_tokens"] == chat["current_tokens"]
    assert chat["cost"] > 0
    assert chat["input_cost"] > 0


def test_current_shape_is_per_model() -> None:
    usage = _usage("current")["usage"]
    assert set(usage) == {"chat_by_model", "audio", "image"}
    months = usage["chat_by_model"]
    assert set(months) == {"current_month", "previous_month"}
    for row in months["current_month"]:
        assert set(row) == {"model", "tokens", "input_tokens", "output_price", "input_price"}
        assert isinstance(row["output_price"], int)
        assert isinstance(row["input_price"], int)
        assert row["tokens"] > row["input_tokens"]
    assert isinstance(usage["image"]["megapixels"], float)


@pytest.mark.parametrize("shape", ["original", "intermediate"])
def test_shapes_describe_the_same_tokens(shape: str) -> None:
    current = _usage("current")["usage"]["chat_by_model"]["current_month"]
    assert _usage(shape)["usage"]["chat"]["current_tokens"] == sum(row["tokens"] for row in current)


def test_inference_line_in_pending_charges_matches_usage_cost() -> None:
    sim = Simulator(inference_usage_shape="intermediate", now=NOW)
    with make_client(sim) as client:
        for subscription in client.get("/inference").json()["subscriptions"]:
            chat = client.get(f"/inference/{subscription['id']}/usage").json()["usage"]["chat"]
            lines = client.get("/billing/pending-charges").json()["pending_charges"]
            (line,) = [
                x
                for x in lines
                if x["description"] == f"Serverless Inference ({subscription['label']})"
            ]
            assert line["total"] == pytest.approx(chat["cost"] + chat["input_cost"], abs=0.02)
