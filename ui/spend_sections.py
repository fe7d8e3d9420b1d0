"""The Overview's spend sections, drawn from a ``Spend``: the headline figures against last
month, the forecast in plain words, and the tables beside the charts (Instances lists its
stopped machines the same way)."""

from __future__ import annotations

from typing import Literal

import pandas as pd
import streamlit as st

from ui.spend import Spend
from ui.text import inert, signed_usd
from vultr_core.formatting import balance_change, format_balance, format_date, format_usd
from vultr_core.spend.costs import month_bounds
from vultr_core.spend.forecast import Forecast
from vultr_core.spend.reconciliation import Reconciliation


def render_spend_metrics(spend: Spend) -> None:
    """Month to date, forecast, balance and last payment, against last month.

    Month to date, balance and payment need only the account and the invoice list (a few
    requests) and draw first; the forecast fills its place once the inventory is in, before
    any chart (the browser's first chart loads the chart library, which holds up drawing).
    However this ends, the loads held back for the headline go on.
    """
    try:
        _render_spend_metrics(spend)
    finally:
        spend.headline_done()


def _render_spend_metrics(spend: Spend) -> None:
    account = spend.account()
    if account is None:
        return
    invoices = spend.loaded("invoices")
    last_month = invoices[0] if invoices else None
    as_of = spend.result("account").fetched_at  # type: ignore[union-attr]  # account loaded
    start, end = month_bounds(as_of)
    share = (as_of - start) / (end - start)
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
    then_usd = last_month.balance_usd if last_month else None
    change = balance_change(account.balance_usd, then_usd)
    balance.metric(
        "Balance",
        format_balance(account.balance_usd),
        delta=change.text if change else None,
        delta_color=_BALANCE_COLOUR[change.better] if change else "off",
        delta_arrow=change.arrow if change else "off",
        delta_description="since the last invoice",
        help="Vultr shows credit as a negative balance; here it says so in words."
        + (f" At the last invoice: {format_balance(then_usd)}." if then_usd is not None else ""),
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


def _delta(now_usd: float | None, then_usd: float | None) -> str | None:
    """A metric's delta, or none when either figure is missing or was not valid."""
    return None if now_usd is None or then_usd is None else signed_usd(now_usd - then_usd)


# More credit or less owed is good news; an unchanged balance is neither.
_BALANCE_COLOUR: dict[bool | None, Literal["green", "red", "off"]] = {
    True: "green",
    False: "red",
    None: "off",
}


def attribution_note(books: Reconciliation) -> str:
    """What the category chart's grey bar holds, and what it means when it is negative."""
    note = (
        f"Estimated from list prices: {format_usd(books.attributed_usd)}. Usage-based or "
        f"unattributed (load balancers, reserved IPs, bandwidth, inference, resources removed "
        f"this month): {format_usd(books.unattributed_usd)}."
    )
    if books.unattributed_usd < 0:
        note += (
            f" It is negative: the list prices of what is running add up to "
            f"{format_usd(-books.unattributed_usd)} more than Vultr has billed so far this "
            f"month (a discount, a credit, or Vultr's books a little behind the clock), so "
            f"the estimates per category run slightly high."
        )
    return note


def render_forecast_words(outlook: Forecast) -> None:
    """The forecast in plain words, and how it is worked out behind an expander."""
    st.markdown(
        f"**About {format_usd(outlook.per_resource_usd)} by the end of the month:** "
        f"{format_usd(outlook.resources_usd)} for the resources running now if they keep "
        f"running, and {format_usd(outlook.usage_based_usd)} for usage-based charges such as "
        f"bandwidth if they go on as they have so far this month."
    )
    with st.expander("How this forecast is worked out"):
        st.markdown(
            "Each resource is counted to the month's end at its hourly list price, but never "
            "above its monthly price: Vultr stops billing a server once it reaches it (after "
            "672 hours, 730 for GPUs). Charges the list prices do not explain (usage-based or "
            "unattributed) are carried on at their pace so far this month.\n\n"
            f"A naive run-rate, this month's spend so far stretched to the whole month, would "
            f"say {format_usd(outlook.naive_usd)}. {outlook.explanation}"
        )


def render_members_table(members: pd.DataFrame, *, key: str) -> None:
    """A category's resources, costliest first (labels as text, as the API sent them)."""
    st.dataframe(
        members,
        hide_index=True,
        key=key,
        column_config={
            "label": st.column_config.TextColumn("Resource"),
            "region": st.column_config.TextColumn("Region"),
            "plan": st.column_config.TextColumn("Plan"),
            "status": st.column_config.TextColumn("Status"),
            "monthly_cost_usd": st.column_config.NumberColumn("A month", format="dollar"),
        },
    )


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
