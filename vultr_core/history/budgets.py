"""Budgets: this month's spend against each budget, the month-end forecast, and the day the
budget runs out at the current pace.

The forecast goes hour by hour to the month's end. Each resource bills ``monthly / cap`` an
hour until its row has billed its cap this month (672 hours; GPUs 730), as Vultr bills; what
no list price explains (bandwidth, inference, load balancers) goes on at its month-to-date pace.
A tag's spend is its resources' list-price billing (pending charges carry no tags); a
category's is the snapshot's own figure. A budget already spent ran out on the day its running
total crossed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from vultr_core.formatting import format_usd
from vultr_core.history.billing import BILLING_COLUMNS, BillingRows
from vultr_core.history.budget_setting import CATEGORY, TAG, TOTAL, Budget
from vultr_core.history.spend import load_daily_spend
from vultr_core.history.store import Connection
from vultr_core.spend.costs import month_bounds

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class BudgetForecast:
    """One budget this month: spent so far, forecast at the month's end, and when it runs out
    (None: not this month at this pace)."""

    budget: Budget
    as_of: datetime
    spent_usd: float
    forecast_usd: float
    runs_out_on: date | None

    @property
    def over(self) -> bool:
        return self.forecast_usd > self.budget.monthly_usd

    @property
    def already_over(self) -> bool:
        return self.spent_usd >= self.budget.monthly_usd

    @property
    def used_share(self) -> float:
        return self.spent_usd / self.budget.monthly_usd

    def sentence(self) -> str:
        budget = self.budget
        head = (
            f"{budget.label}: {format_usd(self.spent_usd)} of {format_usd(budget.monthly_usd)} "
            f"spent ({self.used_share:.0%})"
        )
        when = f"{self.runs_out_on.day} {self.runs_out_on:%b}" if self.runs_out_on else ""
        if self.already_over:
            return f"{head}: over budget since {when}."
        if self.over:
            overshoot = format_usd(self.forecast_usd - budget.monthly_usd)
            return (
                f"{head}; forecast {format_usd(self.forecast_usd)}, {overshoot} over: at this "
                f"pace it runs out on {when}."
            )
        return f"{head}; forecast {format_usd(self.forecast_usd)}, within budget."


@dataclass(frozen=True)
class _Month:
    """This month seen from the latest snapshot: its figures, and every resource row that
    billed in it (``billed``: what each row billed so far)."""

    start: datetime
    end: datetime
    as_of: datetime
    total_usd: float
    categories: dict[str, float]
    rows: list[dict[str, Any]]
    billing: BillingRows
    billed: np.ndarray

    @property
    def still_open(self) -> np.ndarray:
        return np.array([row["valid_to"] is None for row in self.rows], dtype=bool)


def forecast_budgets(
    conn: Connection, budgets: Sequence[Budget], *, now: datetime
) -> list[BudgetForecast]:
    """Every budget's forecast; empty when there are none or no snapshot this month."""
    month = _load_month(conn, now) if budgets else None
    if month is None:
        return []
    return [_forecast(conn, month, budget) for budget in budgets]


def _load_month(conn: Connection, now: datetime) -> _Month | None:
    start, end = month_bounds(now)
    point = conn.execute(
        "SELECT hour, taken_at, pending_total_usd FROM snapshots WHERE hour >= %s AND hour <= %s "
        "ORDER BY hour DESC LIMIT 1",
        (start, now),
    ).fetchone()
    if point is None:
        return None
    as_of = point["taken_at"]
    categories = {
        row["category"]: float(row["month_to_date_usd"])
        for row in conn.execute(
            "SELECT category, month_to_date_usd FROM snapshot_categories WHERE hour = %s",
            (point["hour"],),
        ).fetchall()
    }
    rows = conn.execute(
        f"SELECT category, tags, {BILLING_COLUMNS} FROM resource_versions "
        "WHERE (valid_to IS NULL OR valid_to > %s) AND valid_from <= %s",
        (start, as_of),
    ).fetchall()
    billing = BillingRows.of(rows)
    return _Month(
        start, end, as_of, float(point["pending_total_usd"]), categories, rows, billing,
        billing.billed(start, as_of),
    )  # fmt: skip


def _in_scope(row: dict[str, Any], budget: Budget) -> bool:
    if budget.scope == TAG:
        return budget.name in (row["tags"] or [])
    return budget.scope == TOTAL or row["category"] == budget.name


def _forecast(conn: Connection, month: _Month, budget: Budget) -> BudgetForecast:
    chosen = np.array([_in_scope(row, budget) for row in month.rows], dtype=bool)
    estimated = float(month.billed[chosen].sum())
    if budget.scope == TOTAL:
        spent = month.total_usd
    elif budget.scope == CATEGORY:
        spent = month.categories.get(budget.name, 0.0)
    else:
        spent = estimated
    elapsed_h = max((month.as_of - month.start) / HOUR, 1.0)
    pace = max(spent - estimated, 0.0) / elapsed_h
    ends, running = _projection(month, chosen, pace, spent)
    forecast = float(running[-1]) if len(running) else spent
    if spent >= budget.monthly_usd:
        runs_out = _crossed_on(conn, month, budget, chosen)
    else:
        crossing = np.nonzero(running >= budget.monthly_usd)[0]
        runs_out = (ends[crossing[0]] - HOUR).date() if len(crossing) else None
    return BudgetForecast(budget, month.as_of, round(spent, 2), round(forecast, 2), runs_out)


def _projection(
    month: _Month, chosen: np.ndarray, pace_per_hour: float, spent: float
) -> tuple[list[datetime], np.ndarray]:
    """The running total at the end of every hour left in the month: each open row in scope
    bills ``monthly / cap`` an hour until its line reaches its cap; usage goes on at its pace."""
    # The first hour not yet started at as_of (an hour starting exactly then has not).
    floor = month.as_of.replace(minute=0, second=0, microsecond=0)
    first = floor if floor == month.as_of else floor + HOUR
    ends = [first + (k + 1) * HOUR for k in range(int((month.end - first) / HOUR))]
    if not ends:
        return [], np.zeros(0)
    billing, rows = month.billing, chosen & month.still_open
    rates = (billing.monthly_usd / billing.cap_hours)[rows]
    used = billing.line_hours(month.start, month.as_of)[rows]
    left = np.maximum(0.0, billing.cap_hours[rows] - used)
    steps = np.arange(1, len(ends) + 1)
    resources = (np.minimum.outer(steps, left) * rates).sum(axis=1)
    usage = np.array([(end - month.as_of) / HOUR for end in ends]) * pace_per_hour
    return ends, spent + resources + usage


def _crossed_on(conn: Connection, month: _Month, budget: Budget, chosen: np.ndarray) -> date | None:
    """The day this month's running total first reached the budget."""
    if budget.scope == TAG:
        day = month.start
        while day < month.as_of:
            following = min(day + timedelta(days=1), month.as_of)
            if month.billing.billed(month.start, following)[chosen].sum() >= budget.monthly_usd:
                return day.date()
            day += timedelta(days=1)
        return month.as_of.date()
    daily = load_daily_spend(conn, since=month.start, now=month.as_of)
    if budget.scope == TOTAL:
        days, amounts = daily.totals["day"], daily.totals["spend_usd"]
    else:
        own = daily.by_category[daily.by_category["category"] == budget.name]
        days, amounts = own["day"], own["spend_usd"]
    running = 0.0
    for day, usd in zip(days, amounts, strict=True):
        running += float(usd)
        if running >= budget.monthly_usd - 0.005:
            return day  # type: ignore[no-any-return]
    return month.as_of.date()
