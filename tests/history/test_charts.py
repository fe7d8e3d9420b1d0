"""The history's ECharts options: under a hundred marks whatever the history holds, plain
JSON, no theme colours (the theme supplies them), and outside text kept raw as data, never
in a ``formatter`` template (a tooltip template is HTML)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from vultr_core.chart_options import ACCENT, ALERT, MUTED, Option
from vultr_core.history.budget_setting import Budget
from vultr_core.history.budgets import BudgetForecast
from vultr_core.history.charts import (
    ANOMALY,
    OTHERS,
    SO_FAR_TODAY,
    SPEND,
    make_budget_figure,
    make_daily_spend_figure,
    make_monthly_figure,
    make_resource_history_figure,
)

HOSTILE = '<a href="http://127.0.0.1:9/x">click</a>'


def marks(option: Option) -> int:
    """The bars and points drawn: every data item but the empty (null) ones."""
    return sum(item is not None for series in option["series"] for item in series["data"])


def formatters(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "formatter":
                yield str(value)
            yield from formatters(value)
    elif isinstance(node, list):
        for value in node:
            yield from formatters(value)


def check_plain(option: Option) -> str:
    """The option as st.echarts_chart sends it: JSON without NaN, no colours of a theme, and
    no outside text in a template; its JSON text for further checks."""
    text = json.dumps(option, allow_nan=False)
    assert json.loads(text) == option
    assert "backgroundColor" not in text
    assert "textStyle" not in option
    assert all("<" not in template for template in formatters(option))
    return text


def colour_of(series: Option, index: int) -> str:
    item = series["data"][index]
    if isinstance(item, dict) and "itemStyle" in item:
        return str(item["itemStyle"]["color"])
    return str(series["itemStyle"]["color"])


def test_month_over_month_of_many_tags_keeps_to_eight_stacks_of_twelve_months() -> None:
    rows = [(date(2026 + m // 12, m % 12 + 1, 1), f"{HOSTILE}{t}", 1.0 + t)
            for m in range(18) for t in range(40)]  # fmt: skip
    option = make_monthly_figure(pd.DataFrame(rows, columns=["month", "tag", "spend_usd"]), "tag")
    check_plain(option)
    assert marks(option) == 12 * 8
    names = [series["name"] for series in option["series"]]
    assert names[-1] == OTHERS
    # The largest tags first, their names raw: ECharts draws them as text.
    assert names[0] == f"{HOSTILE}39"
    assert option["legend"]
    assert all(series["stack"] == "month" for series in option["series"])
    # Each of the last twelve months named, the latest included.
    axis = option["xAxis"]
    assert axis["data"][0] == "Jul 2026"
    assert axis["data"][-1] == "Jun 2027"
    assert axis["axisLabel"]["interval"] == 0
    assert option["series"][-1]["itemStyle"]["color"] == MUTED


def test_daily_spend_marks_unusual_and_unfinished_days() -> None:
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
    totals = pd.DataFrame(
        {"day": days, "spend_usd": [100.0] * 30, "estimated": [False] * 30,
         "partial": [False] * 29 + [True]}
    )  # fmt: skip
    option = make_daily_spend_figure(totals, {days[10]})
    check_plain(option)
    assert marks(option) == 30
    by_name = {series["name"]: series for series in option["series"]}
    assert set(by_name) == {SPEND, ANOMALY, SO_FAR_TODAY}
    assert colour_of(by_name[SPEND], 0) == ACCENT
    assert colour_of(by_name[ANOMALY], 10) == ALERT
    assert colour_of(by_name[SO_FAR_TODAY], 29) == MUTED
    assert by_name[ANOMALY]["data"][10] == {"name": "11 Nov", "value": 100.0}
    assert by_name[SPEND]["data"][10] is None
    # One bar a day: the kinds share one stack on the day axis.
    assert len({series["stack"] for series in option["series"]}) == 1
    # The latest day keeps its label, counted back from it; those between are blank, and
    # each bar keeps its day as its name for the tooltip.
    labels = option["xAxis"]["data"]
    assert labels[-1] == "30 Nov"
    assert labels[-4] == "27 Nov"
    assert "" in labels
    assert len([label for label in labels if label]) <= 10
    assert [item["name"] for item in by_name[SPEND]["data"] if item][:2] == ["01 Nov", "02 Nov"]


def test_budgets_and_a_resources_past_are_small_figures() -> None:
    forecasts = [
        BudgetForecast(Budget("tag", HOSTILE, 100.0), datetime.now(UTC), 50.0, 120.0, None)
    ]
    budget = make_budget_figure(forecasts)
    check_plain(budget)
    assert marks(budget) == 3
    assert budget["yAxis"]["data"] == [f"Tag {HOSTILE}"]
    forecast, spent, line = budget["series"]
    assert colour_of(forecast, 0) == ALERT
    assert colour_of(spent, 0) == ACCENT
    assert spent["barGap"] == "-100%"
    assert line["type"] == "scatter"
    assert line["data"] == [100.0]
    rows = pd.DataFrame(
        {"valid_from": pd.date_range("2026-01-01", periods=300, freq="D", tz="UTC"),
         "monthly_usd": [float(n % 7) for n in range(300)], "state": [HOSTILE] * 300}
    )  # fmt: skip
    past = make_resource_history_figure(rows)
    check_plain(past)
    assert marks(past) == 100
    points = past["series"][0]["data"]
    assert points[0]["value"] == ["2026-07-20T00:00:00+00:00", 4.0]
    assert points[0]["name"].endswith(f", {HOSTILE}")
    # The price rose from 4 to 5 and 5 to 6 at the next two rows, then fell to 0.
    assert [colour_of(past["series"][0], n) for n in range(4)] == [ACCENT, ALERT, ALERT, ACCENT]
    assert past["series"][0]["step"] == "end"
    assert past["yAxis"]["min"] == 0


def test_a_budget_under_its_limit_forecasts_in_grey() -> None:
    forecasts = [
        BudgetForecast(Budget("total", "All spend", 1000.0), datetime.now(UTC), 50.0, 120.0, None)
    ]
    assert colour_of(make_budget_figure(forecasts)["series"][0], 0) == MUTED
