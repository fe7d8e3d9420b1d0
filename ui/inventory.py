"""The inventory pages' shared parts: region names, the tables with their state filter and
CSV, and the closer look at one database (usage, backups, maintenance, alerts, pools).

A closer look is fetched only for the database picked, every part at once; each part shows
its own error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from ui.clients import management_client
from ui.page import INVENTORY_TTL_S, Loaded, load_together, shown
from ui.tables import COMPACT_WIDTHS, Looks
from ui.text import inert
from vultr_core.api.errors import VultrError
from vultr_core.api.models.compute import Region
from vultr_core.api.models.databases import (
    ConnectionPools,
    Database,
    DatabaseAlert,
    DatabaseBackups,
    DatabaseUsage,
)
from vultr_core.config import Settings
from vultr_core.inventory.listing import (
    Column,
    csv_file_name,
    is_phone,
    not_running,
    table_csv,
)
from vultr_core.inventory.words import region_names

# Vultr opens a region a few times a year: an hour is fresh enough (Refresh clears it).
REGIONS_TTL_S = 3600


@st.cache_data(ttl=REGIONS_TTL_S, show_spinner=False)
def load_regions(cache_key: str, _settings: Settings) -> Loaded[list[Region]]:
    """Vultr's regions with their cities: the words beside ``ewr`` and ``nrt``."""
    return Loaded(management_client(_settings).regions(), datetime.now(UTC))


def region_names_or_codes(result: Loaded[list[Region]] | VultrError) -> dict[str, str]:
    """Region code → city; when the list failed, a caption says regions show as codes (the
    tables still show, a region in words is a nicety)."""
    if isinstance(result, VultrError):
        st.caption("Region names could not be loaded: regions show as Vultr's codes.")
        return {}
    return region_names(result.value)


# Per-database details are fetched for the one database picked; keep a few pickings warm.
DATABASE_DETAIL_ENTRIES = 64


@st.cache_data(ttl=INVENTORY_TTL_S, max_entries=DATABASE_DETAIL_ENTRIES, show_spinner=False)
def load_database_usage(
    cache_key: str, _settings: Settings, database_id: str
) -> Loaded[DatabaseUsage]:
    return Loaded(management_client(_settings).database_usage(database_id), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, max_entries=DATABASE_DETAIL_ENTRIES, show_spinner=False)
def load_database_alerts(
    cache_key: str, _settings: Settings, database_id: str
) -> Loaded[list[DatabaseAlert]]:
    """Alerts of the last week: a day is too short to see a pattern on a quiet database."""
    client = management_client(_settings)
    return Loaded(client.database_alerts(database_id, period="week"), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, max_entries=DATABASE_DETAIL_ENTRIES, show_spinner=False)
def load_database_backups(
    cache_key: str, _settings: Settings, database_id: str
) -> Loaded[DatabaseBackups]:
    return Loaded(management_client(_settings).database_backups(database_id), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, max_entries=DATABASE_DETAIL_ENTRIES, show_spinner=False)
def load_database_maintenance(
    cache_key: str, _settings: Settings, database_id: str
) -> Loaded[list[str]]:
    client = management_client(_settings)
    return Loaded(client.database_maintenance(database_id), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, max_entries=DATABASE_DETAIL_ENTRIES, show_spinner=False)
def load_connection_pools(
    cache_key: str, _settings: Settings, database_id: str
) -> Loaded[ConnectionPools]:
    client = management_client(_settings)
    return Loaded(client.database_connection_pools(database_id), datetime.now(UTC))


DATABASE_DETAIL_LOADERS = (
    load_database_usage,
    load_database_alerts,
    load_database_backups,
    load_database_maintenance,
    load_connection_pools,
)


# Vultr takes a backup a day; a latest backup older than this means one was missed
# (vultr-api.md §4.1).
BACKUP_STALE_HOURS = 26


def load_database_details(current: Settings, database: Database) -> dict[str, Any]:
    """Usage, alerts, backups, maintenance and (PostgreSQL) pools of one database, at once.

    Kafka has no backups and only PostgreSQL has connection pools, so those are not asked.
    """
    key, database_id = current.cache_key, database.id
    calls: dict[str, Callable[[], Loaded[Any]]] = {
        "usage": lambda: load_database_usage(key, current, database_id),
        "alerts": lambda: load_database_alerts(key, current, database_id),
        "maintenance": lambda: load_database_maintenance(key, current, database_id),
    }
    if database.engine != "kafka":
        calls["backups"] = lambda: load_database_backups(key, current, database_id)
    if database.engine == "pg":
        calls["pools"] = lambda: load_connection_pools(key, current, database_id)
    return load_together(calls, spinner=f"Loading {inert(database.label)}…")


def render_database_usage(result: Loaded[DatabaseUsage] | VultrError) -> None:
    usage = shown(result, "the database's usage")
    if usage is None:
        return
    figures = [
        ("Disk", usage.disk_gb.percentage, usage.disk_gb, "GB"),
        ("Memory", usage.memory_mb.percentage, usage.memory_mb, "MB"),
        ("CPU", usage.cpu_percentage, None, ""),
    ]
    for column, (name, percentage, figure, unit) in zip(st.columns(3), figures, strict=True):
        if percentage is None or (figure is not None and not figure.maximum):
            column.metric(name, "—", help="Not reported for this engine.", border=True)
            continue
        of = f"{figure.current:,.1f} of {figure.maximum:,.0f} {unit}" if figure else "last hour"
        column.metric(
            name, f"{percentage:.0f}%", delta=of, delta_color="off", delta_arrow="off", border=True
        )
        column.progress(min(percentage, 100.0) / 100)


def render_database_backups(
    result: Loaded[DatabaseBackups] | VultrError | None, *, engine: str
) -> None:
    if result is None:
        st.info(f"Vultr keeps no backups for {inert(engine)}.", icon=":material/info:")
        return
    backups = shown(result, "the backups")
    if backups is None or not isinstance(result, Loaded):
        return
    if backups.latest is None:
        st.warning("No backup has been taken yet.", icon=":material/warning:")
        return
    age_hours = (result.fetched_at - backups.latest).total_seconds() / 3600
    st.metric(
        "Latest backup",
        f"{age_hours:.0f} h ago",
        delta=f"{backups.latest:%Y-%m-%d %H:%M} UTC",
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    if age_hours > BACKUP_STALE_HOURS:
        st.warning(
            f"The latest backup is {age_hours:.0f} hours old: a daily backup was missed.",
            icon=":material/warning:",
        )


def render_database_maintenance(result: Loaded[list[str]] | VultrError, database: Database) -> None:
    window = f"{database.maintenance_dow.title()} {database.maintenance_time} UTC".strip()
    st.caption(f"Maintenance window: {inert(window)}")
    updates = shown(result, "the pending maintenance")
    if updates is None:
        return
    if not updates:
        st.success("No maintenance pending.", icon=":material/check_circle:")
    for update in updates:
        st.warning(f"Pending: {inert(update)}", icon=":material/build:")


def render_database_alerts(result: Loaded[list[DatabaseAlert]] | VultrError, *, key: str) -> None:
    alerts = shown(result, "the alerts")
    if alerts is None:
        return
    if not alerts:
        st.success("No alerts in the last week.", icon=":material/check_circle:")
        return
    st.dataframe(
        pd.DataFrame(
            [
                (alert.timestamp, alert.message_type, alert.description, alert.recommendation)
                for alert in alerts
            ],
            columns=["when", "type", "description", "recommendation"],
        ),
        hide_index=True,
        key=key,
        column_config={
            "when": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
            "type": st.column_config.TextColumn("Type"),
            "description": st.column_config.TextColumn("Description"),
            "recommendation": st.column_config.TextColumn("Recommendation"),
        },
    )


def render_connection_pools(result: Loaded[ConnectionPools] | VultrError, *, key: str) -> None:
    pools = shown(result, "the connection pools")
    if pools is None:
        return
    used = pools.connections_used / pools.connections_max if pools.connections_max else 0.0
    st.metric(
        "Connections in use",
        f"{pools.connections_used} of {pools.connections_max}",
        delta=f"{used:.0%}",
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    st.dataframe(
        pd.DataFrame(
            [(p.name, p.database, p.username, p.mode, p.size) for p in pools.pools],
            columns=["pool", "database", "user", "mode", "size"],
        ),
        hide_index=True,
        key=key,
        column_config={
            "pool": st.column_config.TextColumn("Pool"),
            "database": st.column_config.TextColumn("Database"),
            "user": st.column_config.TextColumn("User"),
            "mode": st.column_config.TextColumn("Mode"),
            "size": st.column_config.NumberColumn("Size"),
        },
    )


def render_table(
    listed: pd.DataFrame,
    columns: Sequence[Column],
    looks: Looks,
    *,
    key: str,
    selectable: bool = False,
) -> int | None:
    """The table with a "Compact table" switch (on by default on a phone) that keeps the
    label, the state and the monthly cost, narrower; with ``selectable``, the position of the
    row picked, if any."""
    narrow = st.toggle(
        "Compact table",
        value=is_phone(st.context.headers.get("User-Agent")),
        key=f"{key}_compact",
        help="Only the columns that matter most; the rest are in the CSV and the closer look.",
    )
    order = [column.key for column in columns if not narrow or column.key in COMPACT_WIDTHS]
    config = {column.key: looks[column.key](column.header) for column in columns}
    if narrow:
        config = {name: {**config[name], "width": COMPACT_WIDTHS[name]} for name in order}
    selection: dict[str, Any] = (
        {"on_select": "rerun", "selection_mode": "single-row"} if selectable else {}
    )
    table = st.dataframe(
        listed,
        hide_index=True,
        key=key,
        column_order=order,
        column_config=config,
        placeholder="—",
        **selection,
    )
    if not selectable:
        return None
    rows = table.selection.rows
    return rows[0] if rows and rows[0] < len(listed) else None


def render_not_running_switch(listed: pd.DataFrame, *, key: str) -> pd.DataFrame:
    """ "Show only what is not running": the rows the "Not running" figure counts."""
    broken = not_running(listed)
    only = st.toggle(
        "Show only what is not running",
        key=key,
        disabled=broken.empty and not st.session_state.get(key),
        help="Anything whose state is not Running: stopped, installing, in error…",
    )
    return broken if only else listed


def render_csv_download(
    shown: pd.DataFrame, columns: Sequence[Column], *, kind: str, filters: Iterable[str], key: str
) -> None:
    """The rows shown, under the table's headers; the file is named after the filters."""
    st.download_button(
        "Download CSV",
        data=table_csv(shown, columns),
        file_name=csv_file_name(kind, filters, datetime.now(UTC).date()),
        mime="text/csv",
        icon=":material/download:",
        key=key,
    )


def _cell_text(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "—"
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return "—"
    return str(value)


def render_details(row: pd.Series, fields: Sequence[Column], *, key: str) -> None:
    """One row's every field, as plain-text cells (labels and tags stay text)."""
    st.dataframe(
        pd.DataFrame(
            {
                "Field": [field.header for field in fields],
                "Value": [_cell_text(row[field.csv_key or field.key]) for field in fields],
            }
        ),
        hide_index=True,
        key=key,
        column_config={
            "Field": st.column_config.TextColumn(width="small"),
            "Value": st.column_config.TextColumn(width="large"),
        },
    )
