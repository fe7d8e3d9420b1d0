"""History on the pages: budgets, daily spend, what changed this week, one resource's past.

Loaders (``load_*``) read the history store and cache for five minutes: the store changes
once an hour. Each ``render_*`` draws one section, a page calls it in one line, and it catches
``VultrError`` itself: with the store down the section says so in one sentence, and the page's
own figures, which come straight from Vultr, stand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from ui.page import Loaded
from ui.text import inert
from vultr_core.api.errors import VultrError
from vultr_core.config import Settings
from vultr_core.history.anomalies import TRAILING_DAYS, Anomaly, load_anomalies
from vultr_core.history.budgets import BudgetForecast, forecast_budgets
from vultr_core.history.changes import (
    Change,
    changes_csv,
    changes_frame,
    find_changes,
    resource_rows,
    signed_monthly,
)
from vultr_core.history.charts import (
    make_budget_figure,
    make_daily_spend_figure,
    make_monthly_figure,
    make_resource_history_figure,
)
from vultr_core.history.demo import ensure_demo_past
from vultr_core.history.location import open_history
from vultr_core.history.spend import DailySpend, monthly_by_category, monthly_by_tag
from vultr_core.history.spend import load_daily_spend as daily_spend_since
from vultr_core.history.store import HistoryStore

HISTORY_TTL_S = 300
DAILY_DAYS = 30
WEEK_DAYS = 7
MONTHS = 6
SHOWN_CHANGES = 5


def _store(settings: Settings) -> HistoryStore:
    """The store, with the demo's past in it in demo mode (replayed once per process)."""
    store = open_history(settings)
    if settings.demo_mode:
        ensure_demo_past(store, settings)
    return store


@st.cache_data(ttl=HISTORY_TTL_S, show_spinner=False)
def load_daily_spend(
    cache_key: str, _settings: Settings, days: int = DAILY_DAYS
) -> Loaded[DailySpend]:
    now = datetime.now(UTC)
    with _store(_settings).connection("reading the daily spend") as conn:
        daily = daily_spend_since(conn, since=now - timedelta(days=days), now=now)
    return Loaded(daily, now)


@st.cache_data(ttl=HISTORY_TTL_S, show_spinner=False)
def load_daily_anomalies(
    cache_key: str, _settings: Settings, days: int = DAILY_DAYS
) -> Loaded[list[Anomaly]]:
    now = datetime.now(UTC)
    with _store(_settings).connection("finding unusual days") as conn:
        found = load_anomalies(
            conn, since=now - timedelta(days=days), now=now, factor=_settings.anomaly_factor
        )
    return Loaded(found, now)


@st.cache_data(ttl=HISTORY_TTL_S, show_spinner=False)
def load_monthly(cache_key: str, _settings: Settings) -> Loaded[tuple[pd.DataFrame, pd.DataFrame]]:
    """Month over month: by category (from the pending charges) and by tag (list prices)."""
    now = datetime.now(UTC)
    since = (now.replace(day=1) - timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    with _store(_settings).connection("reading the months") as conn:
        by_category = monthly_by_category(daily_spend_since(conn, since=since, now=now))
        by_tag = monthly_by_tag(conn, since=since, now=now)
    return Loaded((by_category, by_tag), now)


@st.cache_data(ttl=HISTORY_TTL_S, show_spinner=False)
def load_changes(
    cache_key: str, _settings: Settings, days: int = WEEK_DAYS
) -> Loaded[list[Change]]:
    now = datetime.now(UTC)
    with _store(_settings).connection("reading what changed") as conn:
        found = find_changes(conn, since=now - timedelta(days=days), until=now)
    return Loaded(found, now)


@st.cache_data(ttl=HISTORY_TTL_S, show_spinner=False)
def load_budgets(cache_key: str, _settings: Settings) -> Loaded[list[BudgetForecast]]:
    now = datetime.now(UTC)
    with _store(_settings).connection("forecasting the budgets") as conn:
        forecasts = forecast_budgets(conn, _settings.budgets, now=now)
    return Loaded(forecasts, now)


@st.cache_data(ttl=HISTORY_TTL_S, show_spinner=False, max_entries=64)
def load_resource_history(
    cache_key: str, _settings: Settings, resource_id: str
) -> Loaded[tuple[pd.DataFrame, list[Change]]]:
    now = datetime.now(UTC)
    with _store(_settings).connection("reading a resource's history") as conn:
        rows = resource_rows(conn, resource_id)
        changes = find_changes(
            conn, since=datetime(2000, 1, 1, tzinfo=UTC), until=now, resource_id=resource_id
        )
    return Loaded((rows, changes), now)


def _unavailable(error: VultrError) -> None:
    """The one sentence a history section shows when the store cannot answer."""
    st.info(
        f"History is unavailable right now: {inert(str(error))}. The figures that come straight "
        "from Vultr are unaffected.",
        icon=":material/history_toggle_off:",
    )


def render_budget_progress(settings: Settings) -> None:
    """Each budget's progress this month, its forecast and the day it runs out."""
    st.subheader("Budgets")
    if not settings.budgets:
        st.caption(
            "No budgets set. Set `BUDGETS` (for example `total=5000; tag:team:data=1200`) to "
            "follow them here."
        )
        return
    try:
        forecasts = load_budgets(settings.cache_key, settings).value
    except VultrError as error:
        _unavailable(error)
        return
    if not forecasts:
        st.caption("No snapshot this month yet: the forecast starts with the first one.")
        return
    for forecast in forecasts:
        st.progress(min(forecast.used_share, 1.0), text=inert(forecast.sentence()))
    st.plotly_chart(make_budget_figure(forecasts), width="stretch", key="hist_budgets")


def render_daily_spend(settings: Settings) -> None:
    """The last 30 days' spend, unusual days in red and explained, and month over month."""
    st.subheader("Daily spend")
    try:
        daily = load_daily_spend(settings.cache_key, settings).value
        anomalies = load_daily_anomalies(settings.cache_key, settings).value
        by_category, by_tag = load_monthly(settings.cache_key, settings).value
    except VultrError as error:
        _unavailable(error)
        return
    if daily.totals.empty:
        st.caption("No snapshots yet: daily spend starts with the second one.")
        return
    figure = make_daily_spend_figure(daily.totals, {a.day for a in anomalies})
    st.plotly_chart(figure, width="stretch", key="hist_daily")
    st.caption(
        "How much the month's pending charges grew each day. Servers stop billing once they "
        "reach their monthly price (672 hours, GPUs 730), so a long month's last days cost less."
    )
    for anomaly in anomalies:
        st.warning(inert(anomaly.sentence()), icon=":material/trending_up:")
    if not anomalies:
        st.caption(f"No day above {settings.anomaly_factor:g}× its {TRAILING_DAYS}-day median.")
    by_category_tab, by_tag_tab = st.tabs(["By category", "By tag"])
    with by_category_tab:
        st.plotly_chart(make_monthly_figure(by_category), width="stretch", key="hist_months")
    with by_tag_tab:
        st.plotly_chart(make_monthly_figure(by_tag, "tag"), width="stretch", key="hist_tags")
        st.caption(
            "At list prices (pending charges carry no tags); a resource counts under each tag."
        )


def render_week_changes(settings: Settings) -> None:
    """What changed in the last seven days, and what it did to the monthly run-rate."""
    st.subheader("What changed this week")
    try:
        changes = load_changes(settings.cache_key, settings).value
    except VultrError as error:
        _unavailable(error)
        return
    if not changes:
        st.success("Nothing was created, destroyed or changed this week.", icon=":material/check:")
        return
    net = sum(change.run_rate_change_usd for change in changes)
    st.markdown(f"**{len(changes)} changes, run-rate {inert(signed_monthly(net))} in all.**")
    biggest = sorted(changes, key=lambda c: -abs(c.run_rate_change_usd))[:SHOWN_CHANGES]
    st.markdown("\n".join(f"- {inert(change.sentence())}" for change in biggest))
    with st.expander(f"All {len(changes)} changes"):
        _changes_table(changes, key="hist_week")


def _changes_table(changes: list[Change], *, key: str) -> None:
    st.dataframe(
        changes_frame(changes),
        hide_index=True,
        key=f"{key}_table",
        column_order=["at", "kind", "label", "region", "run_rate_change_usd", "detail", "tags"],
        column_config={
            "at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
            "kind": st.column_config.TextColumn("Change"),
            "label": st.column_config.TextColumn("Resource"),
            "region": st.column_config.TextColumn("Region"),
            "run_rate_change_usd": st.column_config.NumberColumn("Run-rate", format="dollar"),
            "detail": st.column_config.TextColumn("Detail"),
            "tags": st.column_config.ListColumn("Tags"),
        },
    )
    st.download_button(
        "Download CSV",
        data=changes_csv(changes),
        file_name="changes.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"{key}_csv",
    )


def render_resource_history(settings: Settings, resources: pd.DataFrame, *, key: str) -> None:
    """Pick one of ``resources`` (a frame with ``id`` and ``label``) and see its past: list
    price over time and every change."""
    st.subheader("History of one resource")
    if resources.empty:
        return
    labels = dict(zip(resources["id"], resources["label"], strict=True))
    chosen = st.selectbox(
        "Resource", list(labels), format_func=lambda rid: str(labels[rid]), key=f"{key}_pick"
    )
    if chosen is None:
        return
    try:
        rows, changes = load_resource_history(settings.cache_key, settings, str(chosen)).value
    except VultrError as error:
        _unavailable(error)
        return
    if rows.empty:
        st.caption("Not in the history yet: it appears with the next snapshot.")
        return
    st.plotly_chart(make_resource_history_figure(rows), width="stretch", key=f"{key}_chart")
    first = rows["valid_from"].iloc[0]
    st.caption(f"Watched since {first:%d %b %Y}: {len(changes)} changes since then.")
    if changes:
        _changes_table(changes, key=key)
