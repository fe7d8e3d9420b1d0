"""Daily spend from the pending charges, and month over month by category and by tag.

Vultr's pending charges are the month to date, and they bill whole hours as they start: a
snapshot at 23:05 already holds the hour from 23:00. So a day's spend is how much the pending
charges grew between its last snapshot and the day before's, split by the hours that started
in between (``spread``). Month boundaries: the charges start again from zero on the 1st, and a
month's last hours after its last snapshot are known only from its invoice, which closes the
month. Vultr's caps (a server bills at most its monthly price, 672 hours; GPUs 730) are in the
pending charges already: the last days of a long month cost less, and the figures say so.

A day's figure is ``estimated`` when some of it came from a gap of more than a day between
snapshots, split evenly over its hours; ``partial`` when the day is not over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from vultr_core.history.billing import BILLING_COLUMNS, BillingRows
from vultr_core.history.store import Connection
from vultr_core.spend.costs import UNTAGGED, month_bounds

HOUR = timedelta(hours=1)
TOTAL = "total"
DAILY_COLUMNS = ["day", "spend_usd", "estimated", "partial"]


@dataclass(frozen=True)
class DailySpend:
    """``totals``: one row a day (``DAILY_COLUMNS``); ``by_category``: day, category and
    spend_usd, the categories of a day adding up to its total."""

    totals: pd.DataFrame
    by_category: pd.DataFrame


def load_points(conn: Connection, since: datetime) -> pd.DataFrame:
    """Snapshots from the start of ``since``'s month: taken_at, total and one column per
    category (the month to date of each)."""
    start, _ = month_bounds(since)
    rows = conn.execute(
        "SELECT s.taken_at, s.pending_total_usd, c.category, c.month_to_date_usd "
        "FROM snapshots s LEFT JOIN snapshot_categories c ON c.hour = s.hour "
        "WHERE s.hour >= %s ORDER BY s.hour",
        (start,),
    ).fetchall()
    frame = pd.DataFrame(
        rows, columns=["taken_at", "pending_total_usd", "category", "month_to_date_usd"]
    )
    if frame.empty:
        return pd.DataFrame({"taken_at": pd.Series(dtype="datetime64[ns, UTC]"), TOTAL: []})
    totals = frame.groupby("taken_at")["pending_total_usd"].first().astype(float)
    categories = frame.dropna(subset=["category"]).pivot_table(
        index="taken_at", columns="category", values="month_to_date_usd", aggfunc="first"
    )
    wide = pd.concat([totals.rename(TOTAL), categories.astype(float)], axis=1).fillna(0.0)
    return wide.reset_index().rename(columns={"index": "taken_at"})


def load_invoices(conn: Connection, since: datetime) -> dict[date, float]:
    """Invoice amounts by the month they bill, from the month before ``since`` on."""
    start, _ = month_bounds(since - timedelta(days=1))
    rows = conn.execute(
        "SELECT month, amount_usd FROM invoices WHERE month >= %s", (start.date(),)
    ).fetchall()
    return {row["month"]: float(row["amount_usd"]) for row in rows}


def daily_spend(
    points: pd.DataFrame, invoices: Mapping[date, float], *, now: datetime, since: date
) -> DailySpend:
    """Each day's spend from ``since`` on (see the module's rules)."""
    columns = [c for c in points.columns if c not in ("taken_at", TOTAL)]
    ledger = _Ledger(len(columns) + 1)
    moments = [pd.Timestamp(t).to_pydatetime() for t in points["taken_at"]]
    values = points[[TOTAL, *columns]].to_numpy(dtype=float) if moments else np.zeros((0, 1))
    for index, moment in enumerate(moments):
        month, _ = month_bounds(moment)
        if index and month_bounds(moments[index - 1])[0] == month:
            ledger.spread(moments[index - 1], moment, values[index] - values[index - 1])
            continue
        if index:
            ledger.close_month(moments[index - 1], values[index - 1], invoices)
        ledger.spread(month - timedelta(microseconds=1), moment, values[index])
    if moments and month_bounds(moments[-1])[0] < month_bounds(now)[0]:
        ledger.close_month(moments[-1], values[-1], invoices)
    return ledger.result(columns, now=now, since=since)


class _Ledger:
    """Spend by day as it is spread: one vector (total, then categories) a day."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.days: dict[date, np.ndarray] = {}
        self.estimated: set[date] = set()

    def spread(self, after: datetime, until: datetime, amount: np.ndarray) -> None:
        """``amount`` over the hours that started in (after, until], evenly."""
        first = after.replace(minute=0, second=0, microsecond=0) + HOUR
        last = until.replace(minute=0, second=0, microsecond=0)
        if first > last:
            self._add(until.date(), amount)
            return
        total_hours = (last - first) / HOUR + 1
        day = first.date()
        shares = []
        while day <= last.date():
            day_start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
            begin = max(first, day_start)
            end = min(last, day_start + timedelta(days=1) - HOUR)
            shares.append((day, ((end - begin) / HOUR + 1) / total_hours))
            day += timedelta(days=1)
        for day, share in shares:
            self._add(day, amount * share)
        if len(shares) > 1:
            self.estimated.update(day for day, _ in shares)

    def close_month(
        self, last_seen: datetime, values: np.ndarray, invoices: Mapping[date, float]
    ) -> None:
        """The month's hours after its last snapshot, from its invoice: split over the
        categories as the month's own spend was."""
        month, following = month_bounds(last_seen)
        invoiced = invoices.get(month.date())
        if invoiced is None:
            return
        tail = np.zeros(self.width)
        tail[0] = invoiced - values[0]
        if values[0] > 0 and self.width > 1:
            tail[1:] = values[1:] / values[0] * tail[0]
        self.spread(last_seen, following - timedelta(microseconds=1), tail)

    def _add(self, day: date, amount: np.ndarray) -> None:
        self.days[day] = self.days.get(day, np.zeros(self.width)) + amount

    def result(self, columns: list[str], *, now: datetime, since: date) -> DailySpend:
        days = sorted(day for day in self.days if day >= since)
        today = now.astimezone(UTC).date()
        totals = pd.DataFrame(
            {
                "day": days,
                "spend_usd": [round(float(self.days[day][0]), 2) for day in days],
                "estimated": [day in self.estimated for day in days],
                "partial": [day >= today for day in days],
            },
            columns=DAILY_COLUMNS,
        )
        by_category = pd.DataFrame(
            [
                (day, name, round(float(self.days[day][index + 1]), 2))
                for day in days
                for index, name in enumerate(columns)
            ],
            columns=["day", "category", "spend_usd"],
        )
        return DailySpend(totals, by_category)


def load_daily_spend(conn: Connection, *, since: datetime, now: datetime) -> DailySpend:
    """Daily spend from ``since`` (a moment; its day counts whole) to ``now``."""
    return daily_spend(
        load_points(conn, since), load_invoices(conn, since), now=now, since=since.date()
    )


def monthly_by_category(daily: DailySpend) -> pd.DataFrame:
    """Month (its first day) × category, with the change from the month before."""
    frame = daily.by_category.copy()
    if frame.empty:
        return pd.DataFrame(columns=["month", "category", "spend_usd", "change_usd"])
    frame["month"] = [day.replace(day=1) for day in frame["day"]]
    monthly = frame.groupby(["month", "category"], as_index=False).agg(
        spend_usd=("spend_usd", "sum")
    )
    return _with_change(monthly, "category")


def _with_change(monthly: pd.DataFrame, key: str) -> pd.DataFrame:
    """Each row's change from the same ``key``'s month before; months oldest first, the
    largest spend first within a month."""
    ordered = monthly.sort_values([key, "month"], ignore_index=True)
    ordered["change_usd"] = ordered.groupby(key)["spend_usd"].diff()
    ordered["spend_usd"] = ordered["spend_usd"].round(2)
    result: pd.DataFrame = ordered.sort_values(
        ["month", "spend_usd"], ascending=[True, False], ignore_index=True
    )
    return result


def monthly_by_tag(conn: Connection, *, since: datetime, now: datetime) -> pd.DataFrame:
    """Month × tag: what each tag's resources billed at list prices (an estimate: pending
    charges carry no tags; ``billing``); a resource counts under each of its tags, untagged
    ones under ``(untagged)``."""
    start, _ = month_bounds(since)
    rows = conn.execute(
        f"SELECT tags, {BILLING_COLUMNS} FROM resource_versions "
        "WHERE (valid_to IS NULL OR valid_to > %s) AND valid_from < %s",
        (start, now),
    ).fetchall()
    billing = BillingRows.of(rows)
    tags = pd.Series([list(row["tags"]) or [UNTAGGED] for row in rows], dtype=object).explode()
    months = []
    month = start
    while month < now:
        following = month_bounds(month)[1]
        billed = billing.billed(month, min(following, now))
        by_tag = pd.Series(billed[tags.index.to_numpy()], index=tags.to_numpy()).groupby(level=0)
        months.append(by_tag.sum().rename_axis("tag").reset_index(name="spend_usd"))
        months[-1]["month"] = month.date()
        month = following
    frame = pd.concat(months, ignore_index=True) if months else pd.DataFrame()
    if frame.empty:
        return pd.DataFrame(columns=["month", "tag", "spend_usd", "change_usd"])
    return _with_change(frame[frame["spend_usd"] > 0][["month", "tag", "spend_usd"]], "tag")
