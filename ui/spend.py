"""Spend: what the account costs, for the Overview, Instances and Databases pages.

``load_spend`` sends every request the Overview needs at once; ``Spend`` computes each figure
only when its own inputs loaded, so one failed request costs only the sections that need it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import pandas as pd
import streamlit as st

from ui.clients import management_client
from ui.page import INVENTORY_TTL_S, Loaded, load_together, oldest, render_error, value
from ui.text import inert, signed_usd
from vultr_core.api.errors import VultrError
from vultr_core.api.models.billing import Account, ChargeItem
from vultr_core.api.models.compute import Plan
from vultr_core.api.models.databases import Database, DatabasePlan
from vultr_core.config import Settings
from vultr_core.formatting import format_balance, format_date, format_usd
from vultr_core.inventory.frames import instances_frame
from vultr_core.spend.costs import month_bounds
from vultr_core.spend.data import (
    PricedInventory,
    fetch_database_usage,
    fetch_inventory,
    fetch_invoice_history,
    price_inventory,
)
from vultr_core.spend.forecast import Forecast, forecast
from vultr_core.spend.history import InvoiceHistory
from vultr_core.spend.reconciliation import Reconciliation, reconcile
from vultr_core.spend.waste import IdleCheck, check_idle_databases, databases_to_check


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_instances(cache_key: str, _settings: Settings) -> Loaded[pd.DataFrame]:
    frame = instances_frame(management_client(_settings).instances())
    return Loaded(frame, datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_account(cache_key: str, _settings: Settings) -> Loaded[Account]:
    return Loaded(management_client(_settings).account(), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_pending_charges(cache_key: str, _settings: Settings) -> Loaded[list[ChargeItem]]:
    return Loaded(management_client(_settings).pending_charges(), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_priced_inventory(cache_key: str, _settings: Settings) -> Loaded[PricedInventory]:
    """Every priced resource, costed as of the moment the lists arrived."""
    inventory = fetch_inventory(management_client(_settings))
    now = datetime.now(UTC)
    return Loaded(price_inventory(inventory, now=now), now)


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_invoice_history(cache_key: str, _settings: Settings) -> Loaded[InvoiceHistory]:
    return Loaded(fetch_invoice_history(management_client(_settings)), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_idle_databases(cache_key: str, _settings: Settings) -> Loaded[IdleCheck]:
    """Idle databases among the most expensive ones (a usage request per database)."""
    resources = load_priced_inventory(cache_key, _settings).value.resources
    usage = fetch_database_usage(management_client(_settings), databases_to_check(resources))
    return Loaded(check_idle_databases(resources, usage), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_plans(cache_key: str, _settings: Settings) -> Loaded[list[Plan]]:
    return Loaded(management_client(_settings).plans(), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_databases(cache_key: str, _settings: Settings) -> Loaded[list[Database]]:
    return Loaded(management_client(_settings).databases(), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_database_plans(cache_key: str, _settings: Settings) -> Loaded[list[DatabasePlan]]:
    return Loaded(management_client(_settings).database_plans(), datetime.now(UTC))


SPEND_LOADERS = (
    load_account,
    load_pending_charges,
    load_priced_inventory,
    load_invoice_history,
    load_idle_databases,
)


class Spend:
    """The Overview's figures, each computed only when its own inputs loaded.

    A method returns None after drawing the error of the first input that failed, in the
    section that asked for it.
    """

    WHAT: ClassVar[dict[str, str]] = {
        "account": "the account",
        "pending": "this month's pending charges",
        "inventory": "the resource inventory",
        "history": "the invoices",
        "idle": "the databases' usage",
    }

    def __init__(self, results: Mapping[str, Loaded[Any] | VultrError]) -> None:
        self.results = results
        self.fetched_at = oldest(results)

    def _values(self, *names: str) -> list[Any] | None:
        for name in names:
            result = self.results[name]
            if isinstance(result, VultrError):
                render_error(self.WHAT[name], result)
                return None
        return [self.results[name].value for name in names]  # type: ignore[union-attr]

    def loaded(self, name: str) -> Any | None:
        """A value without drawing its error (for optional extras such as deltas)."""
        return value(self.results[name])

    def account(self) -> Account | None:
        found = self._values("account")
        return found[0] if found else None

    def priced(self) -> PricedInventory | None:
        found = self._values("inventory")
        return found[0] if found else None

    def history(self) -> InvoiceHistory | None:
        found = self._values("history")
        return found[0] if found else None

    def books(self) -> Reconciliation | None:
        found = self._values("account", "pending", "inventory")
        if found is None:
            return None
        account, pending, priced = found
        if account.pending_charges_usd is None:
            st.warning(
                "Vultr sent no valid month-to-date total, so this section cannot be worked out.",
                icon=":material/warning:",
            )
            return None
        return reconcile(
            priced.resources, pending_total_usd=account.pending_charges_usd, pending_lines=pending
        )

    def outlook(self) -> Forecast | None:
        books = self.books()
        priced = self.loaded("inventory")
        if books is None or priced is None:
            return None
        return forecast(priced.resources, books, now=priced.priced_at)

    def waste(self) -> pd.DataFrame | None:
        """Static waste and idle databases; without usage, the static part and its error."""
        priced = self.priced()
        if priced is None:
            return None
        idle = self.loaded("idle")
        if idle is None:
            self._values("idle")
            return priced.waste
        combined: pd.DataFrame = pd.concat([priced.waste, idle.idle], ignore_index=True)
        return combined


def load_spend(current: Settings) -> Spend:
    """Everything the Overview shows, every request in flight at once.

    Database usage needs the inventory first (to pick the databases worth a request), so the
    two run as one chain beside the other loaders; a failed inventory skips the usage.
    """
    key = current.cache_key
    idle: dict[str, Loaded[Any] | VultrError] = {}

    def inventory_then_idle() -> Loaded[Any]:
        inventory = load_priced_inventory(key, current)
        try:
            idle["idle"] = load_idle_databases(key, current)
        except VultrError as error:
            idle["idle"] = error
        return inventory

    results = load_together(
        {
            # The invoice items are the longest chain of requests: send them first.
            "history": lambda: load_invoice_history(key, current),
            "inventory": inventory_then_idle,
            "account": lambda: load_account(key, current),
            "pending": lambda: load_pending_charges(key, current),
        },
        spinner="Loading spend…",
    )
    # Without the inventory the usage was never asked for: its section shows the same error.
    results["idle"] = idle.get("idle", results["inventory"])
    return Spend(results)


def render_spend_metrics(spend: Spend) -> None:
    """Month to date, forecast, balance and last payment, against last month."""
    account = spend.account()
    if account is None:
        return
    history: InvoiceHistory | None = spend.loaded("history")
    last_month = history.latest if history else None
    start, end = month_bounds(spend.fetched_at)
    share = (spend.fetched_at - start) / (end - start)
    last_amount = last_month.amount_usd if last_month else None
    # Two by two: dollar figures and their comparisons stay whole on a laptop screen.
    to_date, ahead = st.columns(2)
    balance, payment = st.columns(2)
    to_date.metric(
        "Month to date",
        format_usd(account.pending_charges_usd),
        delta=_delta(
            account.pending_charges_usd, None if last_amount is None else last_amount * share
        ),
        delta_color="inverse",
        delta_description="vs last month, same point",
        help="Vultr's own pending charges for this month so far.",
        border=True,
    )
    with ahead:
        outlook = spend.outlook()
        if outlook is not None:
            st.metric(
                "Month-end forecast",
                format_usd(outlook.per_resource_usd),
                delta=_delta(outlook.per_resource_usd, last_amount),
                delta_color="inverse",
                delta_description="vs last month",
                help="Each resource to the month's end under Vultr's caps, plus usage at its pace.",
                border=True,
            )
    balance.metric(
        "Balance",
        format_balance(account.balance_usd),
        delta=_delta(account.balance_usd, last_month.balance_usd if last_month else None),
        delta_color="inverse",
        delta_description="since the last invoice",
        help="Vultr shows credit as a negative balance; here it says so in words. A fall "
        "means more credit or less owed.",
        border=True,
    )
    # An account that never paid has no payment date (and Vultr's amount 0): "none".
    paid = account.last_payment_amount_usd if account.last_payment_date else None
    payment.metric(
        "Last payment",
        format_usd(abs(paid)) if paid is not None else "none",
        delta=f"on {format_date(account.last_payment_date)}" if paid is not None else None,
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    invalid = [
        name
        for name, amount in (
            ("month-to-date total", account.pending_charges_usd),
            ("balance", account.balance_usd),
        )
        if amount is None
    ]
    if invalid:
        st.caption(f"Vultr sent no valid {' or '.join(invalid)}: shown as —.")


def _delta(now_usd: float | None, then_usd: float | None) -> str | None:
    """A metric's delta, or none when either figure is missing or was not valid."""
    return None if now_usd is None or then_usd is None else signed_usd(now_usd - then_usd)


def render_waste_table(waste: pd.DataFrame, *, key: str) -> None:
    st.dataframe(
        waste,
        hide_index=True,
        key=key,
        column_order=["kind", "label", "region", "reason", "monthly_savings_usd"],
        column_config={
            "kind": st.column_config.TextColumn("What"),
            "label": st.column_config.TextColumn("Resource"),
            "region": st.column_config.TextColumn("Region"),
            "reason": st.column_config.TextColumn("Why"),
            "monthly_savings_usd": st.column_config.NumberColumn("Saves a month", format="dollar"),
        },
    )


def stopped_instances_list(stopped: pd.DataFrame, *, shown_at_most: int = 10) -> str:
    """A Markdown list of the costliest stopped instances, then how many more there are
    (their labels, regions and plans as text, never as Markdown)."""
    lines = [
        f"- **{inert(row['label'])}** ({inert(row['region'])}, {inert(row['plan'])}): "
        + (
            f"{format_usd(row['monthly_cost_usd'])} a month"
            if pd.notna(row["monthly_cost_usd"])
            else "price unknown"
        )
        for row in stopped.head(shown_at_most).to_dict("records")
    ]
    if len(stopped) > shown_at_most:
        lines.append(f"- and {len(stopped) - shown_at_most} more")
    return "\n".join(lines)


def render_changes_table(changes: pd.DataFrame, *, key: str) -> None:
    st.dataframe(
        changes,
        hide_index=True,
        key=key,
        column_config={
            "product": st.column_config.TextColumn("Product"),
            "previous_usd": st.column_config.NumberColumn("Month before", format="dollar"),
            "latest_usd": st.column_config.NumberColumn("Last month", format="dollar"),
            "change_usd": st.column_config.NumberColumn("Change", format="dollar"),
            "change_pct": st.column_config.NumberColumn("Change %", format="%.0f%%"),
            "flagged": st.column_config.CheckboxColumn("Jump"),
        },
    )
