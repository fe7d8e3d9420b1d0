"""History on the pages: budgets, daily spend, what changed this week, one resource's past.

Loaders (``load_*``) read the history store and cache for five minutes: the store changes
once an hour. A page makes one ``HistorySections`` and calls one method per section where it
wants it. Whether the store answers is asked once (and remembered briefly), so a store that is
down costs one connection attempt, not one per section, and the page says so in one sentence,
at the first history section; the page's own figures, which come straight from Vultr, stand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

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
from vultr_core.history.demo import open_history_with_past
from vultr_core.history.spend import DailySpend, monthly_by_category, monthly_by_tag
from vultr_core.history.spend import load_daily_spend as daily_spend_since

T = TypeVar("T")

HISTORY_TTL_S = 300
# How long a store that did not answer is left alone before the next page view asks again.
STORE_RETRY_S = 30
DAILY_DAYS = 30
WEEK_DAYS = 7
MONTHS = 6
SHOWN_CHANGES = 5


@st.cache_data(ttl=HISTORY_TTL_S, show_spinner=False)
def load_daily_spend(
    cache_key: str, _settings: Settings, days: int = DAILY_DAYS
) -> Loaded[DailySpend]:
    now = datetime.now(UTC)
    with open_history_with_past(_settings).connection("reading the daily spend") as conn:
        daily = daily_spend_since(conn, since=now - timedelta(days=days), now=now)
    return Loaded(daily, now)


@st.cache_data(ttl=HISTORY_TTL_S, show_spinner=False)
def load_daily_anomalies(
    cache_key: str, _settings: Settings, days: int = DAILY_DAYS
) -> Loaded[list[Anomaly]]:
    now = datetime.now(UTC)
    with open_history_with_past(_settings).connection("finding unusual days") as conn:
        found = load_anomalies(
            conn, since=now - timedelta(days=days), now=now, factor=_settings.anomaly_factor
        )
    return Loaded(found, now)


@st.cache_data(ttl=HISTORY_TTL_S, show_spinner=False)
def load_monthly(cache_key: str, _settings: Settings) -> Loaded[tuple[pd.DataFrame, pd.DataFrame]]:
    """Month over month: by category (from the pending charges) and by tag (list prices)."""
    now = datetime.now(UTC)
    since = (now.replace(day=1) - timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    with open_history_with_past(_settings).connection("reading the months") as conn:
        by_category = monthly_by_category(daily_spend_since(conn, since=since, now=now))
        by_tag = monthly_by_tag(conn, since=since, now=now)
    return Loaded((by_category, by_tag), now)


@st.cache_data(ttl=HISTORY_TTL_S, show_spinner=False)
def load_changes(
    cache_key: str, _settings: Settings, days: int = WEEK_DAYS
) -> Loaded[list[Change]]:
    now = datetime.now(UTC)
    with open_history_with_past(_settings).connection("reading what changed") as conn:
        found = find_changes(conn, since=now - timedelta(days=days), until=now)
    return Loaded(found, now)


@st.cache_data(ttl=HISTORY_TTL_S, show_spinner=False)
def load_budgets(cache_key: str, _settings: Settings) -> Loaded[list[BudgetForecast]]:
    now = datetime.now(UTC)
    with open_history_with_past(_settings).connection("forecasting the budgets") as conn:
        forecasts = forecast_budgets(conn, _settings.budgets, now=now)
    return Loaded(forecasts, now)


@st.cache_data(ttl=HISTORY_TTL_S, show_spinner=False, max_entries=64)
def load_resource_history(
    cache_key: str, _settings: Settings, resource_id: str
) -> Loaded[tuple[pd.DataFrame, list[Change]]]:
    now = datetime.now(UTC)
    with open_history_with_past(_settings).connection("reading a resource's history") as conn:
        rows = resource_rows(conn, resource_id)
        changes = find_changes(
            conn, since=datetime(2000, 1, 1, tzinfo=UTC), until=now, resource_id=resource_id
        )
    return Loaded((rows, changes), now)


@st.cache_data(ttl=STORE_RETRY_S, show_spinner=False)
def load_store_problem(cache_key: str, _settings: Settings) -> str | None:
    """Why the store cannot be opened, or None when it can (opening it migrates it, and in
    demo mode replays the demo's past into it the first time)."""
    try:
        open_history_with_past(_settings)
    except VultrError as error:
        return str(error)
    return None


class HistorySections:
    """The history sections of one page view: a store that cannot answer is said once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.problem = load_store_problem(settings.cache_key, settings)
        self.told = False

    def render_budget_progress(self) -> None:
        """Each budget's progress this month, its forecast and the day it runs out."""
        if not self._available():
            return
        st.subheader("Budgets")
        if not self.settings.budgets:
            st.caption(
                "No budgets set. Set `BUDGETS` (for example `total=5000; tag:team:data=1200`) "
                "to follow them here."
            )
            return
        forecasts = self._load(load_budgets)
        if forecasts is None:
            return
        if not forecasts:
            st.caption("No snapshot this month yet: the forecast starts with the first one.")
            return
        for forecast in forecasts:
            st.progress(min(forecast.used_share, 1.0), text=inert(forecast.sentence()))
        st.echarts_chart(make_budget_figure(forecasts), key="hist_budgets")

    def render_daily_spend(self) -> None:
        """The last 30 days' spend, unusual days in red and explained, and month over month."""
        if not self._available():
            return
        st.subheader("Daily spend")
        daily = self._load(load_daily_spend)
        anomalies = self._load(load_daily_anomalies)
        months = self._load(load_monthly)
        if daily is None or anomalies is None or months is None:
            return
        if daily.totals.empty:
            st.caption("No snapshots yet: daily spend starts with the second one.")
            return
        _draw_daily_spend(daily, anomalies, months, self.settings.anomaly_factor)

    def render_week_changes(self) -> None:
        """What changed in the last seven days, and what it did to the monthly run-rate."""
        if not self._available():
            return
        st.subheader("What changed this week")
        changes = self._load(load_changes)
        if changes is None:
            return
        if not changes:
            st.success(
                "Nothing was created, destroyed or changed this week.", icon=":material/check:"
            )
            return
        net = sum(change.run_rate_change_usd for change in changes)
        st.markdown(f"**{len(changes)} changes, run-rate {inert(signed_monthly(net))} in all.**")
        biggest = sorted(changes, key=lambda c: -abs(c.run_rate_change_usd))[:SHOWN_CHANGES]
        st.markdown("\n".join(f"- {inert(change.sentence())}" for change in biggest))
        with st.expander(f"All {len(changes)} changes"):
            _changes_table(changes, key="hist_week")

    def render_resource_history(self, resources: pd.DataFrame, *, key: str) -> None:
        """Pick one of ``resources`` (a frame with ``id`` and ``label``) and see its past."""
        if resources.empty or not self._available():
            return
        st.subheader("History of one resource")
        labels = dict(zip(resources["id"], resources["label"], strict=True))
        chosen = st.selectbox(
            "Resource", list(labels), format_func=lambda rid: str(labels[rid]), key=f"{key}_pick"
        )
        if chosen is not None:
            self.render_history_of(str(chosen), key=key)

    def render_history_of(self, resource_id: str, *, key: str) -> None:
        """One resource's past: its list price over time and every change."""
        if not self._available():
            return
        found = self._load(load_resource_history, resource_id)
        if found is None:
            return
        rows, changes = found
        if rows.empty:
            st.caption("Not in the history yet: it appears with the next snapshot.")
            return
        st.echarts_chart(make_resource_history_figure(rows), key=f"{key}_chart")
        first = rows["valid_from"].iloc[0]
        count = f"{len(changes)} change{'' if len(changes) == 1 else 's'}"
        st.caption(f"Watched since {first:%d %b %Y}: {count} since then.")
        if changes:
            _changes_table(changes, key=key)

    def _load(self, loader: Callable[..., Loaded[T]], *args: str) -> T | None:
        """A loader's value, or None once the page has said the store is unavailable."""
        try:
            return loader(self.settings.cache_key, self.settings, *args).value
        except VultrError as error:
            self._unavailable(str(error))
            return None

    def _available(self) -> bool:
        """Whether a section may draw; if not, the first section to ask says why."""
        if self.problem is None:
            return True
        self._unavailable(self.problem)
        return False

    def _unavailable(self, reason: str) -> None:
        self.problem = reason
        if self.told:
            return
        self.told = True
        st.info(
            f"History is unavailable right now: {inert(reason)}. The figures that come "
            "straight from Vultr are unaffected.",
            icon=":material/history_toggle_off:",
        )


def _draw_daily_spend(
    daily: DailySpend,
    anomalies: list[Anomaly],
    months: tuple[pd.DataFrame, pd.DataFrame],
    anomaly_factor: float,
) -> None:
    st.echarts_chart(
        make_daily_spend_figure(daily.totals, {a.day for a in anomalies}), key="hist_daily"
    )
    st.caption(
        "How much the month's pending charges grew each day. Servers stop billing once they "
        "reach their monthly price (672 hours, GPUs 730), so a long month's last days cost less."
    )
    for anomaly in anomalies:
        st.warning(inert(anomaly.sentence()), icon=":material/trending_up:")
    if not anomalies:
        st.caption(f"No day above {anomaly_factor:g}× its {TRAILING_DAYS}-day median.")
    by_category, by_tag = months
    by_category_tab, by_tag_tab = st.tabs(["By category", "By tag"])
    with by_category_tab:
        st.echarts_chart(make_monthly_figure(by_category), key="hist_months")
    with by_tag_tab:
        st.echarts_chart(make_monthly_figure(by_tag, "tag"), key="hist_tags")
        st.caption(
            "At list prices (pending charges carry no tags); a resource counts under each tag."
        )


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
        file_name=f"changes-{datetime.now(UTC):%Y-%m-%d}.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"{key}_csv",
    )
