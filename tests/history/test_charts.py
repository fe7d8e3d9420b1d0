"""The history's figures: under a hundred marks whatever the history holds, no template
colours (the theme supplies them), and outside text shown as text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd

from vultr_core.history.budget_setting import Budget
from vultr_core.history.budgets import BudgetForecast
from vultr_core.history.charts import (
    OTHERS,
    make_budget_figure,
    make_daily_spend_figure,
    make_monthly_figure,
    make_resource_history_figure,
)

HOSTILE = '<a href="http://127.0.0.1:9/x">click</a>'


def marks(figure: object) -> int:
    return sum(len(trace.x) for trace in figure.data)  # type: ignore[attr-defined]


def test_month_over_month_of_many_tags_keeps_to_eight_stacks_of_twelve_months() -> None:
    rows = [(date(2026 + m // 12, m % 12 + 1, 1), f"{HOSTILE}{t}", 1.0 + t)
            for m in range(18) for t in range(40)]  # fmt: skip
    figure = make_monthly_figure(pd.DataFrame(rows, columns=["month", "tag", "spend_usd"]), "tag")
    assert marks(figure) == 12 * 8
    names = [trace.name for trace in figure.data]
    assert OTHERS in names
    assert all("<a" not in name for name in names)
    layout = figure.to_plotly_json()["layout"]
    assert "colorway" not in layout
    assert all("marker" not in trace or "color" not in trace["marker"]
               for trace in figure.to_plotly_json()["data"])  # fmt: skip


def test_daily_spend_marks_unusual_and_unfinished_days() -> None:
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
    totals = pd.DataFrame(
        {"day": days, "spend_usd": [100.0] * 30, "estimated": [False] * 30,
         "partial": [False] * 29 + [True]}
    )  # fmt: skip
    figure = make_daily_spend_figure(totals, {days[10]})
    colours = list(figure.data[0].marker.color)
    assert marks(figure) == 30
    assert len(set(colours)) == 3
    assert colours[10] != colours[0] != colours[29]


def test_budgets_and_a_resources_past_are_small_figures() -> None:
    forecasts = [
        BudgetForecast(Budget("tag", HOSTILE, 100.0), datetime.now(UTC), 50.0, 120.0, None)
    ]
    budget = make_budget_figure(forecasts)
    assert marks(budget) == 3
    assert "<a" not in budget.data[0].y[0]
    rows = pd.DataFrame(
        {"valid_from": pd.date_range("2026-01-01", periods=300, freq="D", tz="UTC"),
         "monthly_usd": [float(n % 7) for n in range(300)], "state": [HOSTILE] * 300}
    )  # fmt: skip
    past = make_resource_history_figure(rows)
    assert marks(past) == 100
    assert all("<a" not in text for text in past.data[0].customdata)
