"""Health: the Overview's strip, the Databases page's "Connected PostgreSQL", the Valkey page.

The connected services' status, latency, checks and server figures, rechecked within seconds,
with each service's latency history beside them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from ui.page import Loaded, render_error, render_settings_advice
from ui.text import duration_text, inert, ms_text, number_text, percent_text, size_text
from vultr_core.api.errors import VultrError
from vultr_core.config import Settings
from vultr_core.health import checks, registry
from vultr_core.health.charts import make_latency_distribution_figure, make_latency_history_figure
from vultr_core.health.history import HealthSample
from vultr_core.health.pg_checks import ServerInfo
from vultr_core.health.postgres import PostgresReport
from vultr_core.health.postgres_pool import PoolStats
from vultr_core.health.probing import CheckResult, LatencySummary
from vultr_core.health.service_health import HealthReport, ServiceHealth
from vultr_core.health.valkey import ValkeyReport

# A health answer older than this is no answer; the strip's auto-refresh interval is twice as
# long, so every automatic refresh checks afresh.
HEALTH_TTL_S = 15
HEALTH_REFRESH_S = 30
HISTORY_SAMPLES = 240
STATUS_BADGES = {
    "up": ":green-badge[:material/check_circle: Up]",
    "degraded": ":orange-badge[:material/warning: Degraded]",
    "down": ":red-badge[:material/error: Down]",
    "not configured": ":gray-badge[:material/remove_circle: Not configured]",
}
KEYSPACE_COLUMNS = ["db", "keys", "expires", "avg_ttl_ms"]
KEYSPACE_CONFIG = {
    "db": st.column_config.NumberColumn("Database", format="%d"),
    "keys": st.column_config.NumberColumn("Keys", format="localized"),
    "expires": st.column_config.NumberColumn("With a TTL", format="localized"),
    "avg_ttl_ms": st.column_config.NumberColumn("Average TTL (ms)", format="localized"),
}
VERDICT_ICONS = {
    "ok": ":green[:material/check_circle:]",
    "warning": ":orange[:material/warning:]",
    "unavailable": ":gray[:material/block:]",
}


@st.cache_data(ttl=HEALTH_TTL_S, show_spinner=False)
def load_health(cache_key: str, _settings: Settings) -> Loaded[HealthReport]:
    """Every service at once; never raises: each service carries its own failure. The strip
    shows status, not rates, so a first Valkey check does not wait for a second sample."""
    return Loaded(checks.check_health(_settings, wait_for_rates=False), datetime.now(UTC))


@st.cache_data(ttl=HEALTH_TTL_S, show_spinner=False)
def load_postgres_report(cache_key: str, _settings: Settings) -> Loaded[PostgresReport]:
    return Loaded(checks.postgres_report(_settings), datetime.now(UTC))


@st.cache_data(ttl=HEALTH_TTL_S, show_spinner=False)
def load_valkey_report(cache_key: str, _settings: Settings) -> Loaded[ValkeyReport]:
    return Loaded(checks.valkey_report(_settings), datetime.now(UTC))


def load_health_history(current: Settings, service: str) -> list[HealthSample]:
    """Not cached: each report above adds a sample, and the chart must show it at once.
    Reading the samples costs a memory read or one XREVRANGE."""
    return registry.health_history(current).recent(service, HISTORY_SAMPLES)


def render_health_strip(current: Settings) -> None:
    """The Overview's health: one card per service, refreshing itself when asked to."""
    title, switch = st.columns([3, 1], vertical_alignment="center")
    title.subheader("Health")
    auto = switch.toggle(f"Auto-refresh every {HEALTH_REFRESH_S} s", key="ovw_health_auto")
    st.fragment(_render_health_cards, run_every=HEALTH_REFRESH_S if auto else None)(current)


def _render_health_cards(current: Settings) -> None:
    loaded = load_health(current.cache_key, current)
    services = loaded.value.services
    for column, service in zip(st.columns(len(services)), services, strict=True):
        with column.container(border=True, key=f"ovw_health_{service.service}"):
            st.markdown(f"**{service.label}** {_badge(service)}")
            st.metric("Latency", ms_text(service.latency_ms))
            # Figures and reasons quote the outside world: account names, server errors.
            if service.key_figure:
                st.caption(inert(service.key_figure))
            if service.advice is not None:
                render_settings_advice(service.advice, f"the {service.label} check")
            elif service.status == "down":
                st.error(inert(service.reason), icon=":material/error:")
            elif service.status == "degraded":
                st.warning(inert(service.reason), icon=":material/warning:")
            else:
                st.caption(inert(service.reason))
    render_health_freshness(loaded.fetched_at, load_health, key="ovw_health_refresh")


def _badge(service: ServiceHealth) -> str:
    """The card's status; a service the app replaces with a local or simulated one says so."""
    if service.stand_in is not None:
        return f":gray-badge[:material/science: {inert(service.stand_in)}]"
    return STATUS_BADGES[service.status]


def render_connected_postgres(current: Settings) -> None:
    """The Databases page's "Connected PostgreSQL": latency, checks, pool and server."""
    st.subheader("Connected PostgreSQL")
    if not registry.is_configured(current, "postgres"):
        st.info(registry.NOT_CONFIGURED_REASONS["postgres"] + ".", icon=":material/info:")
        return
    try:
        loaded = load_postgres_report(current.cache_key, current)
    except VultrError as error:
        render_error("the connected PostgreSQL", error)
        render_latency_history(current, "postgres", key="db_pg_history")
        render_health_freshness(datetime.now(UTC), load_postgres_report, key="db_pg_refresh")
        return
    report, server = loaded.value, loaded.value.server
    role = "replica" if server.is_replica else "primary"
    tls = "TLS" if server.ssl_in_use else "no TLS"
    st.caption(f"{inert(report.where)} · PostgreSQL {inert(server.version)} · {tls} · {role}")
    p50, p95, connections, size, hit_rate = st.columns(5)
    p50.metric("Latency p50", ms_text(report.latency.p50_ms), border=True)
    p95.metric("Latency p95", ms_text(report.latency.p95_ms), border=True)
    counts = server.connections
    connections.metric(
        "Connections", f"{counts.total} of {counts.usable}" if counts else "—", border=True
    )
    size.metric("Database size", size_text(server.size_bytes), border=True)
    hit_rate.metric("Table cache hits", percent_text(server.table_hit_rate), border=True)
    render_latency_charts(current, "postgres", report.latency, key="db_pg")
    render_checks(report.checks)
    pool, info = st.columns(2)
    pool.markdown("**Connection pool** (this app)")
    pool.dataframe(pool_stats_frame(report.pool), hide_index=True, key="db_pg_pool")
    info.markdown("**Server**")
    info.dataframe(server_info_frame(server), hide_index=True, key="db_pg_server")
    if server.long_running_queries:
        st.markdown("**Long-running queries**")
        st.dataframe(
            pd.DataFrame([vars(q) for q in server.long_running_queries]),
            hide_index=True,
            key="db_pg_long_queries",
        )
    render_health_freshness(loaded.fetched_at, load_postgres_report, key="db_pg_refresh")


def render_latency_charts(
    current: Settings, service: str, latency: LatencySummary, *, key: str
) -> None:
    """The last probe's round trips as a distribution, beside the service's history."""
    distribution, history = st.columns(2)
    with distribution:
        st.echarts_chart(
            make_latency_distribution_figure(
                latency, title=f"Last {len(latency.samples_ms)} round trips"
            ),
            height=260,
            key=f"{key}_distribution",
        )
    with history:
        render_latency_history(current, service, key=f"{key}_history")


def render_latency_history(current: Settings, service: str, *, key: str) -> None:
    samples = load_health_history(current, service)
    st.echarts_chart(
        make_latency_history_figure(samples, title="Latency over time"), height=260, key=key
    )


def render_checks(checks: Iterable[CheckResult]) -> None:
    """pghero's overview: one line per check, its verdict as an icon, in a sentence."""
    for check in checks:
        name = check.name[:1].upper() + check.name[1:]
        st.markdown(f"{VERDICT_ICONS[check.verdict]} **{inert(name)}** · {inert(check.message)}")


def pool_stats_frame(pool: PoolStats) -> pd.DataFrame:
    derived = {
        "saturation": percent_text(pool.saturation),
        "mean wait (ms)": number_text(pool.mean_wait_ms),
        "error rate": percent_text(pool.error_rate),
    }
    rows = [(name.replace("_", " "), str(value)) for name, value in pool.counters.items()]
    return pd.DataFrame([*derived.items(), *rows], columns=["figure", "value"])


def server_info_frame(server: ServerInfo) -> pd.DataFrame:
    counts = server.connections
    rows = [
        ("version", server.version),
        ("database", server.database),
        ("size", size_text(server.size_bytes)),
        ("uptime", duration_text(server.uptime_s)),
        ("connections", f"{counts.total} of {counts.max_connections} max" if counts else "—"),
        ("idle in transaction", str(counts.idle_in_transaction) if counts else "—"),
        (
            "table / index cache hits",
            f"{percent_text(server.table_hit_rate)} / {percent_text(server.index_hit_rate)}",
        ),
        ("role", "replica" if server.is_replica else f"primary, {server.replicas or 0} replica(s)"),
        ("replication lag", duration_text(server.replication_lag_s)),
        ("transactions before wraparound", number_text(server.transactions_left)),
        ("sees other users' sessions", "yes" if server.sees_all_sessions else "no (pg_monitor)"),
        *((f"{name} (unavailable)", reason) for name, reason in server.unavailable.items()),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"])


def render_health_freshness(fetched_at: datetime, loader: Any, *, key: str) -> None:
    caption, button = st.columns([4, 1], vertical_alignment="center")
    caption.caption(
        f"Checked at {fetched_at:%H:%M:%S} UTC · rechecked at most every {HEALTH_TTL_S} s"
    )
    if button.button("Check now", key=key, icon=":material/refresh:", width="stretch"):
        loader.clear()
        st.rerun()
