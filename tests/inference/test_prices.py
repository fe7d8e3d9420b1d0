"""Model prices: dated defaults, settings that override them, and "no price set"."""

from __future__ import annotations

from datetime import date

import pytest

from vultr_core.api.errors import ConfigurationError
from vultr_core.config import Settings
from vultr_core.inference.prices import (
    DEFAULT_PRICES,
    ModelPrice,
    find_price,
    format_cost_usd,
    parse_prices,
)


def test_default_prices_are_dated_and_sourced() -> None:
    assert DEFAULT_PRICES
    assert all(p.as_of is not None and p.source for p in DEFAULT_PRICES)
    kimi = find_price("kimi-k2-instruct", on=date(2026, 6, 1))
    assert kimi is not None
    assert (kimi.input_usd_per_m, kimi.output_usd_per_m) == (0.55, 2.75)


def test_a_model_without_a_price_has_none() -> None:
    assert find_price("mistral-7b-v0.3") is None


def test_a_price_applies_only_from_its_date() -> None:
    assert find_price("DeepSeek-V3.2", on=date(2025, 12, 31)) is None
    assert find_price("DeepSeek-V3.2", on=date(2026, 1, 1)) is not None


def test_the_latest_published_price_wins() -> None:
    history = (
        ModelPrice("m", 1.0, 2.0, date(2025, 1, 1), "old page"),
        ModelPrice("m", 0.5, 1.0, date(2026, 1, 1), "new page"),
    )
    found_in_2025 = find_price("m", defaults=history, on=date(2025, 6, 1))
    found_in_2026 = find_price("m", defaults=history, on=date(2026, 6, 1))
    assert found_in_2025 is not None
    assert found_in_2025.source == "old page"
    assert found_in_2026 is not None
    assert found_in_2026.source == "new page"


def test_configured_prices_win_and_ids_compare_case_insensitively() -> None:
    configured = parse_prices("KIMI-K2-INSTRUCT=1/4")
    price = find_price("kimi-k2-instruct", configured)
    assert price is not None
    assert (price.input_usd_per_m, price.output_usd_per_m) == (1.0, 4.0)
    assert price.as_of is None
    assert price.describe() == "$1 / $4 per 1M tokens (in / out), as configured"


def test_cost_of_a_reply() -> None:
    price = ModelPrice("m", 0.55, 2.75, date(2025, 7, 1), "docs")
    assert price.cost_usd(1_000_000, 0) == pytest.approx(0.55)
    assert price.cost_usd(13, 62) == pytest.approx((13 * 0.55 + 62 * 2.75) / 1e6)
    assert price.describe() == "$0.55 / $2.75 per 1M tokens (in / out), as of 2025-07-01"


def test_parse_prices_accepts_vendor_ids_and_separators() -> None:
    prices = parse_prices(
        "moonshotai/Kimi-K2.6=0.6/3 ; a=0/0,\nb = 1.5 / 2", as_of=date(2026, 2, 1)
    )
    assert [(p.model, p.input_usd_per_m, p.output_usd_per_m) for p in prices] == [
        ("moonshotai/Kimi-K2.6", 0.6, 3.0),
        ("a", 0.0, 0.0),
        ("b", 1.5, 2.0),
    ]
    assert {p.as_of for p in prices} == {date(2026, 2, 1)}


@pytest.mark.parametrize("entry", ["kimi", "kimi=0.55", "=1/2", "kimi=a/b", "kimi=-1/2"])
def test_parse_prices_rejects_malformed_entries(entry: str) -> None:
    with pytest.raises(ValueError, match="model=input/output") as caught:
        parse_prices(f"ok=1/2, {entry}")
    assert repr(entry) in str(caught.value)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0.0, "$0.00"),
        (0.000178, "$0.000178"),
        (0.0001, "$0.0001"),
        (1234.5, "$1,234.50"),
        (0.0000001, "< $0.000001"),
    ],
)
def test_format_cost_usd_keeps_small_amounts_visible(amount: float, text: str) -> None:
    assert format_cost_usd(amount) == text


def test_settings_read_prices_and_their_date() -> None:
    settings = Settings.from_sources(
        {"INFERENCE_PRICES": "kimi-k2-instruct=0.6/3"},
        {"INFERENCE_PRICES_AS_OF": "2026-03-01"},
    )
    assert settings.inference_prices == (
        ModelPrice("kimi-k2-instruct", 0.6, 3.0, date(2026, 3, 1), "INFERENCE_PRICES setting"),
    )
    assert Settings.from_sources({}).inference_prices == ()


def test_prices_change_the_cache_key() -> None:
    plain = Settings.from_sources({})
    priced = Settings.from_sources({"INFERENCE_PRICES": "kimi-k2-instruct=0.6/3"})
    assert plain.cache_key != priced.cache_key


@pytest.mark.parametrize(
    ("environ", "setting"),
    [
        ({"INFERENCE_PRICES": "kimi-k2-instruct=cheap"}, "INFERENCE_PRICES"),
        (
            {"INFERENCE_PRICES": "a=1/1", "INFERENCE_PRICES_AS_OF": "March"},
            "INFERENCE_PRICES_AS_OF",
        ),
    ],
)
def test_malformed_price_settings_name_the_setting(environ: dict[str, str], setting: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_sources(environ)
    assert caught.value.setting == setting
    assert setting in str(caught.value)
