"""Past spend from invoices: month by month, and what changed by product between two months.

Vultr issues invoices on the 1st for the month before (ANCHORS.md §0), so an invoice dated
2026-11-01 is October's spend. Month-over-month change follows aws-thrifty's
``full_month_cost_changes``: the last full month against the one before, per product, flagged
above a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from vultr_core.api.models.billing import ChargeItem, Invoice
from vultr_core.formatting import format_usd
from vultr_core.spend.reconciliation import charges_by_product

CHANGE_THRESHOLD_PCT = 20.0
MIN_CHANGE_USD = 10.0
"""Below this a jump is noise, whatever its percentage (a $2 product doubling to $4)."""
CHANGE_COLUMNS = ["product", "previous_usd", "latest_usd", "change_usd", "change_pct", "flagged"]


@dataclass(frozen=True)
class InvoiceHistory:
    """Every invoice (newest first, as the API lists them) and the items of the last two."""

    invoices: tuple[Invoice, ...]
    latest_items: tuple[ChargeItem, ...] = ()
    previous_items: tuple[ChargeItem, ...] = ()

    @property
    def latest(self) -> Invoice | None:
        return self.invoices[0] if self.invoices else None

    @property
    def previous(self) -> Invoice | None:
        return self.invoices[1] if len(self.invoices) > 1 else None


def billed_month(invoice: Invoice) -> datetime | None:
    """The first day of the month an invoice bills (the month before its date)."""
    if invoice.date is None:
        return None
    before = invoice.date - timedelta(days=1)
    return before.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_name(invoice: Invoice | None) -> str:
    """``October 2026`` for the month an invoice bills, or ``an earlier month``."""
    month = billed_month(invoice) if invoice else None
    return month.strftime("%B %Y") if month else "an earlier month"


def unreadable_invoices(invoices: Sequence[Invoice]) -> int:
    """How many invoices came without a valid date or amount (``monthly_spend`` leaves them
    out, and a page says so)."""
    return sum(1 for invoice in invoices if invoice.date is None or invoice.amount_usd is None)


def monthly_spend(invoices: Sequence[Invoice]) -> pd.DataFrame:
    """One row per billed month, oldest first: ``month`` (its first day, UTC) and amount."""
    rows = [
        (month, invoice.amount_usd, invoice.id)
        for invoice in invoices
        if (month := billed_month(invoice)) is not None and invoice.amount_usd is not None
    ]
    frame = pd.DataFrame(rows, columns=["month", "amount_usd", "invoice_id"])
    frame["month"] = pd.to_datetime(frame["month"], utc=True)
    grouped = frame.groupby("month", as_index=False).agg(
        amount_usd=("amount_usd", "sum"), invoice_id=("invoice_id", "max")
    )
    return grouped.sort_values("month", ignore_index=True)


def product_changes(
    previous_items: Sequence[ChargeItem],
    latest_items: Sequence[ChargeItem],
    *,
    threshold_pct: float = CHANGE_THRESHOLD_PCT,
    min_change_usd: float = MIN_CHANGE_USD,
) -> pd.DataFrame:
    """Per product: the two months, the change in dollars and percent, and whether it is a jump.

    A jump is an increase of at least ``threshold_pct`` and ``min_change_usd``; a product new
    this month has no percentage (NaN) and is a jump on the dollar test alone.
    """
    previous = charges_by_product(previous_items).set_index("product")["total_usd"]
    latest = charges_by_product(latest_items).set_index("product")["total_usd"]
    frame = pd.concat({"previous_usd": previous, "latest_usd": latest}, axis=1).fillna(0.0)
    frame = frame.rename_axis("product").reset_index()
    frame["change_usd"] = frame["latest_usd"] - frame["previous_usd"]
    base = frame["previous_usd"].where(frame["previous_usd"] > 0)
    frame["change_pct"] = frame["change_usd"] / base * 100
    big_enough = frame["change_usd"] >= min_change_usd
    steep = frame["change_pct"].isna() | (frame["change_pct"] >= threshold_pct)
    frame["flagged"] = big_enough & steep
    frame = frame.sort_values(["flagged", "change_usd"], ascending=[False, False])
    return frame[CHANGE_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class MonthOverMonth:
    """The last two invoices and the change per product between them: what a page shows of
    their items (a few dozen rows where the items are thousands of lines, which a page's
    data cache would rebuild on every run)."""

    latest: Invoice
    previous: Invoice
    changes: pd.DataFrame


def month_over_month(history: InvoiceHistory) -> MonthOverMonth | None:
    """The change per product between the last two invoices; none with fewer than two."""
    if history.latest is None or history.previous is None:
        return None
    return MonthOverMonth(
        latest=history.latest,
        previous=history.previous,
        changes=product_changes(history.previous_items, history.latest_items),
    )


def change_sentences(month: MonthOverMonth) -> list[str]:
    """A plain sentence for each flagged jump."""
    since, until = month_name(month.previous), month_name(month.latest)
    changes = month.changes
    sentences = []
    for row in changes[changes["flagged"]].to_dict("records"):
        rise = f"+{format_usd(float(row['change_usd']))}"
        if pd.isna(row["change_pct"]):
            sentences.append(f"{row['product']} is new in {until}: {rise}.")
        else:
            sentences.append(
                f"{row['product']} rose {float(row['change_pct']):.0f}% ({rise}) "
                f"from {since} to {until}."
            )
    return sentences
