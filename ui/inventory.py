"""The Databases page's closer look at one database: usage, backups, maintenance, alerts, pools.

Fetched only for the database picked, every part at once; each part shows its own error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from ui.clients import management_client
from ui.page import INVENTORY_TTL_S, Loaded, load_together, shown
from ui.text import inert
from vultr_core.api.errors import VultrError
from vultr_core.api.models.databases import (
    ConnectionPools,
    Database,
    DatabaseAlert,
    DatabaseBackups,
    DatabaseUsage,
)
from vultr_core.config import Settings

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
