"""What resource rows billed, the way Vultr bills: the estimate behind tag spend and budgets.

Rows of one resource at one price bill as one line (a stop or a retag does not restart the
month's hours; a resize, a new price, does): whole hours started, ``monthly / cap`` each, up to
the monthly price (672 hours; GPUs 730), shared among the line's rows by time. A row bills from
its resource's creation (its first row) or from when its change was seen, until it closed.
Arrays throughout: a year of a large account's rows bills a month in milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

SECONDS_PER_HOUR = 3600
BILLING_COLUMNS = "resource_id, monthly_usd, cap_hours, valid_from, valid_to, began, created_at"
"""The ``resource_versions`` columns ``BillingRows.of`` reads."""


@dataclass(frozen=True)
class BillingRows:
    """Resource rows as arrays; ``line`` numbers each row's billing line."""

    starts_s: np.ndarray
    ends_s: np.ndarray
    monthly_usd: np.ndarray
    cap_hours: np.ndarray
    line: np.ndarray
    lines: int

    @classmethod
    def of(cls, rows: Sequence[Mapping[str, object]]) -> BillingRows:
        frame = pd.DataFrame(list(rows), columns=[c.strip() for c in BILLING_COLUMNS.split(",")])
        valid_from = _seconds(frame["valid_from"])
        created = _seconds(frame["created_at"])
        first_row = frame["began"].isin(("baseline", "created")).to_numpy() & ~np.isnan(created)
        starts = np.where(first_row, np.fmin(created, valid_from), valid_from)
        ends = np.nan_to_num(_seconds(frame["valid_to"]), nan=np.inf)
        monthly = frame["monthly_usd"].astype(float).to_numpy()
        cap = frame["cap_hours"].astype(float).to_numpy()
        resource, _ = pd.factorize(frame["resource_id"])
        price, prices = pd.factorize(monthly)
        limit, limits = pd.factorize(cap)
        combined = (resource * len(prices) + price) * len(limits) + limit
        lines, line = np.unique(combined, return_inverse=True)
        return cls(starts, ends, monthly, cap, line.reshape(-1), len(lines))

    def seconds(self, start: datetime, end: datetime) -> np.ndarray:
        """How long each row billed in [start, end)."""
        begin = np.maximum(self.starts_s, start.timestamp())
        stop = np.minimum(self.ends_s, end.timestamp())
        spans: np.ndarray = np.maximum(stop - begin, 0.0)
        return spans

    def line_hours(self, start: datetime, end: datetime) -> np.ndarray:
        """Each row's line's whole hours started in [start, end) (0: it did not bill)."""
        totals = np.bincount(self.line, weights=self.seconds(start, end), minlength=self.lines)
        hours = np.where(totals > 0, np.maximum(1, np.ceil(totals / SECONDS_PER_HOUR)), 0)
        per_row: np.ndarray = hours[self.line]
        return per_row

    def billed(self, start: datetime, end: datetime) -> np.ndarray:
        """What each row billed in [start, end), within one month."""
        seconds = self.seconds(start, end)
        totals = np.bincount(self.line, weights=seconds, minlength=self.lines)[self.line]
        line_usd = np.minimum(self.line_hours(start, end), self.cap_hours) * (
            self.monthly_usd / self.cap_hours
        )
        share = np.divide(seconds, totals, out=np.zeros_like(seconds), where=totals > 0)
        billed: np.ndarray = line_usd * share
        return billed


def _seconds(column: pd.Series) -> np.ndarray:
    """Epoch seconds of a column of datetimes (NaN where missing)."""
    moments = pd.to_datetime(column, utc=True)
    values: np.ndarray = (moments - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(float)
    return values
