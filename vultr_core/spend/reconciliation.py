"""Month to date: the per-resource estimates set against the account's pending charges.

``account.pending_charges`` is the authoritative total; whatever the list-price estimates do
not explain is shown, never hidden, as usage-based / unattributed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from vultr_core.api.models.billing import ChargeItem
from vultr_core.spend.costs import UNATTRIBUTED


@dataclass(frozen=True)
class Reconciliation:
    """Month to date: the authoritative total, what the estimates explain, and the rest.

    ``unattributed_usd`` is exactly ``pending_total_usd - attributed_usd``: load balancers,
    reserved IPs, bandwidth, inference, resources destroyed this month, unpriced plans and
    anything else the list prices cannot explain. It may be negative when the estimates run
    ahead of Vultr's books (a discount, or a clock later than Vultr's).
    """

    pending_total_usd: float
    attributed_usd: float
    unattributed_usd: float
    by_category: pd.DataFrame
    by_product: pd.DataFrame


def reconcile(
    resources: pd.DataFrame, *, pending_total_usd: float, pending_by_product: pd.DataFrame
) -> Reconciliation:
    """Set the per-resource month-to-date estimates against the account's pending charges
    (``pending_by_product``: their lines totalled, ``charges_by_product``; a page keeps that
    frame rather than the thousands of lines, which its cache would rebuild on every run)."""
    attributed = float(resources["month_to_date_usd"].sum())
    unattributed = pending_total_usd - attributed
    estimated = resources.groupby("category")["month_to_date_usd"].sum()
    by_category = pd.DataFrame(
        {
            "category": [*estimated.index, UNATTRIBUTED],
            "month_to_date_usd": [*estimated.to_numpy(dtype=float), unattributed],
        }
    )
    return Reconciliation(
        pending_total_usd=pending_total_usd,
        attributed_usd=attributed,
        unattributed_usd=unattributed,
        by_category=by_category.sort_values(
            "month_to_date_usd", ascending=False, ignore_index=True
        ),
        by_product=pending_by_product,
    )


def charges_by_product(lines: Sequence[ChargeItem]) -> pd.DataFrame:
    """Charge lines (pending or invoiced) totalled by Vultr's own product names; a line
    without a valid total is left out."""
    frame = pd.DataFrame(
        [
            (line.product or "(no product)", line.total_usd)
            for line in lines
            if line.total_usd is not None
        ],
        columns=["product", "total_usd"],
    )
    grouped = frame.groupby("product", as_index=False).agg(
        total_usd=("total_usd", "sum"), lines=("total_usd", "count")
    )
    return grouped.sort_values("total_usd", ascending=False, ignore_index=True)
