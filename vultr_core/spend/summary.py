"""The spend summary the ``summary`` command prints: one look at the account's money."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from vultr_core.api.concurrency import run_concurrently
from vultr_core.api.management import ManagementClient
from vultr_core.api.models.billing import Account
from vultr_core.formatting import format_balance, format_usd, terminal_text
from vultr_core.spend.costs import DEFAULT_SNAPSHOT_USD_PER_GB_MONTH, breakdown
from vultr_core.spend.data import fetch_database_usage, fetch_inventory, price_inventory
from vultr_core.spend.forecast import forecast
from vultr_core.spend.reconciliation import charges_by_product, reconcile
from vultr_core.spend.waste import databases_to_check, idle_databases, summarise_waste

NO_MONTH_TO_DATE = "Vultr sent no valid month-to-date total: no forecast."


@dataclass(frozen=True)
class SpendSummary:
    """Money figures are USD rounded to the cent; run-rate is the monthly list price. A figure
    is None when Vultr sent no valid amount it depends on (the balance, the month-to-date
    total)."""

    account_name: str
    account_email: str
    balance_usd: float | None
    month_to_date_usd: float | None
    unattributed_month_to_date_usd: float | None
    forecast_usd: float | None
    naive_forecast_usd: float | None
    forecast_explanation: str
    run_rate_usd: float
    unpriced_resources: int
    run_rate_by_category: dict[str, float]
    resource_counts: dict[str, int]
    waste_usd: float
    waste_items: int
    waste_by_kind: dict[str, float]
    databases_checked_for_idling: int


def build_summary(
    client: ManagementClient,
    *,
    now: datetime,
    snapshot_usd_per_gb_month: float = DEFAULT_SNAPSHOT_USD_PER_GB_MONTH,
) -> SpendSummary:
    """Fetch everything concurrently and compute the summary as of ``now``.

    Raises:
        VultrError: any request failed.
    """
    fetched = run_concurrently(
        {
            "account": client.account,
            "pending": client.pending_charges,
            "inventory": lambda: fetch_inventory(client),
        }
    )
    account: Account = fetched["account"]
    priced = price_inventory(
        fetched["inventory"], now=now, snapshot_usd_per_gb_month=snapshot_usd_per_gb_month
    )
    resources = priced.resources
    pending_usd = account.pending_charges_usd
    books = (
        None
        if pending_usd is None
        else reconcile(
            resources,
            pending_total_usd=pending_usd,
            pending_by_product=charges_by_product(fetched["pending"]),
        )
    )
    outlook = None if books is None else forecast(resources, books, now=now)
    checked = databases_to_check(resources)
    usage = fetch_database_usage(client, checked)
    wasted = summarise_waste(
        pd.concat([priced.waste, idle_databases(resources, usage)], ignore_index=True)
    )
    by_category = breakdown(resources, "category")
    return SpendSummary(
        account_name=account.name,
        account_email=account.email,
        balance_usd=account.balance_usd,
        month_to_date_usd=_cents(books.pending_total_usd if books else None),
        unattributed_month_to_date_usd=_cents(books.unattributed_usd if books else None),
        forecast_usd=_cents(outlook.per_resource_usd if outlook else None),
        naive_forecast_usd=_cents(outlook.naive_usd if outlook else None),
        forecast_explanation=outlook.explanation if outlook else NO_MONTH_TO_DATE,
        run_rate_usd=round(float(resources["monthly_cost_usd"].sum()), 2),
        unpriced_resources=int((~resources["priced"]).sum()),
        run_rate_by_category={
            str(category): round(float(usd), 2)
            for category, usd in zip(
                by_category["category"], by_category["monthly_cost_usd"], strict=True
            )
        },
        resource_counts=priced.counts,
        waste_usd=round(wasted.total_usd, 2),
        waste_items=wasted.items,
        waste_by_kind={kind: round(usd, 2) for kind, usd in wasted.by_kind.items()},
        databases_checked_for_idling=len(checked),
    )


def _cents(amount_usd: float | None) -> float | None:
    return None if amount_usd is None else round(amount_usd, 2)


def summary_text(summary: SpendSummary) -> str:
    """The summary for a person: aligned key/value lines, categories indented; what the API
    sent, without its control characters."""
    counts = ", ".join(
        f"{count} {name.replace('_', ' ')}" for name, count in summary.resource_counts.items()
    )
    unpriced = summary.unpriced_resources
    left_out = (
        f" ({unpriced} resource{'s' if unpriced != 1 else ''} without a valid list price left out)"
        if unpriced
        else ""
    )
    lines = [
        ("Account", f"{summary.account_name} <{summary.account_email}>"),
        ("Balance", format_balance(summary.balance_usd)),
        ("Month to date", format_usd(summary.month_to_date_usd)),
        ("  unattributed", format_usd(summary.unattributed_month_to_date_usd)),
        ("Forecast", format_usd(summary.forecast_usd)),
        ("  naive run-rate", format_usd(summary.naive_forecast_usd)),
        ("  why", summary.forecast_explanation),
        ("Run-rate", f"{format_usd(summary.run_rate_usd)} a month at list prices{left_out}"),
        *((f"  {name}", format_usd(usd)) for name, usd in summary.run_rate_by_category.items()),
        ("Resources", counts),
        ("Waste", f"{format_usd(summary.waste_usd)} a month in {summary.waste_items} items"),
        *((f"  {kind}", format_usd(usd)) for kind, usd in summary.waste_by_kind.items()),
    ]
    width = max(len(key) for key, _ in lines)
    return "\n".join(f"{key:<{width}}  {terminal_text(value)}" for key, value in lines)
