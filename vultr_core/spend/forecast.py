"""The month-end forecast: per resource under Vultr's caps, against the naive run-rate.

Pure like the rest of the spend model: the moment to forecast from (``now``) is an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from vultr_core.formatting import format_usd
from vultr_core.spend.costs import SECONDS_PER_HOUR, month_bounds
from vultr_core.spend.reconciliation import Reconciliation

# Forecasts closer than this are "the same" for the explanation sentence.
FORECAST_AGREEMENT_USD = 1.0


@dataclass(frozen=True)
class Forecast:
    """Two month-end forecasts side by side, and a sentence saying why they differ.

    ``per_resource_usd`` projects every resource to the month's end under Vultr's caps and
    adds the usage-based remainder at its month-to-date pace; ``naive_usd`` is the straight
    line ``pending / elapsed hours × hours in the month``.
    """

    month_to_date_usd: float
    resources_usd: float
    usage_based_usd: float
    per_resource_usd: float
    naive_usd: float
    elapsed_hours: float
    month_hours: float
    capped_effect_usd: float
    new_resources: int
    new_resources_effect_usd: float
    explanation: str


def forecast(resources: pd.DataFrame, reconciliation: Reconciliation, *, now: datetime) -> Forecast:
    """The month-end forecast of ``now``'s month (see ``Forecast``)."""
    start, end = month_bounds(now)
    month_hours = (end - start).total_seconds() / SECONDS_PER_HOUR
    # An hour at least, so the first minutes of a month do not multiply noise into a forecast.
    elapsed_hours = max(1.0, (now - start).total_seconds() / SECONDS_PER_HOUR)
    pace = month_hours / elapsed_hours
    resources_usd = float(resources["month_end_usd"].sum())
    usage_based_usd = reconciliation.unattributed_usd * pace
    naive_usd = reconciliation.pending_total_usd * pace
    # What a straight line would say per resource, to split the gap into its two causes.
    straight = resources["month_to_date_usd"] * pace
    gap = resources["month_end_usd"] - straight
    is_new = resources["date_created"] > pd.Timestamp(start)
    new_effect = float(gap[is_new].sum())
    capped_effect = float(-gap[~is_new].sum())
    per_resource_usd = resources_usd + usage_based_usd
    return Forecast(
        month_to_date_usd=reconciliation.pending_total_usd,
        resources_usd=resources_usd,
        usage_based_usd=usage_based_usd,
        per_resource_usd=per_resource_usd,
        naive_usd=naive_usd,
        elapsed_hours=elapsed_hours,
        month_hours=month_hours,
        capped_effect_usd=capped_effect,
        new_resources=int(is_new.sum()),
        new_resources_effect_usd=new_effect,
        explanation=explain_forecast(
            per_resource_usd - naive_usd, capped_effect, int(is_new.sum()), new_effect
        ),
    )


def explain_forecast(
    difference_usd: float, capped_effect_usd: float, new_resources: int, new_effect_usd: float
) -> str:
    """One sentence on why the per-resource forecast differs from the straight line."""
    if abs(difference_usd) < FORECAST_AGREEMENT_USD:
        return "Both forecasts agree: spend has run at a steady pace all month."
    direction = "lower" if difference_usd < 0 else "higher"
    reasons = []
    if capped_effect_usd >= FORECAST_AGREEMENT_USD:
        reasons.append(
            "servers stop billing once they reach their monthly price (after 672 hours, 730 "
            f"for GPUs), which a straight line ignores (−{format_usd(capped_effect_usd)})"
        )
    if new_resources and new_effect_usd >= FORECAST_AGREEMENT_USD:
        noun = "resource" if new_resources == 1 else "resources"
        reasons.append(
            f"{new_resources} {noun} created this month will bill every remaining hour, while "
            f"month-to-date spend holds only their first hours (+{format_usd(new_effect_usd)})"
        )
    because = "; ".join(reasons) if reasons else "usage-based charges vary with use"
    return (
        f"The per-resource forecast is {format_usd(abs(difference_usd))} {direction} than the "
        f"naive run-rate: {because}."
    )
