"""Valkey: the managed instances on the account (what is not running first; memory and CPU of
the one picked), then the connected server's own figures."""

import pandas as pd
import streamlit as st

from ui import health, inventory, page, spend, tables, text
from ui.text import inert, left_out_note
from vultr_core.api.errors import VultrError
from vultr_core.formatting import format_usd
from vultr_core.health.charts import make_memory_gauge_figure
from vultr_core.health.registry import NOT_CONFIGURED_REASONS, is_configured
from vultr_core.inventory.listing import database_listing, not_running
from vultr_core.inventory.valkey import valkey_instances_frame
from vultr_core.inventory.words import database_plan_names

settings = page.start_page("Valkey")

st.subheader("Managed Valkey instances")
# The list first, without a usage request per instance: usage loads for the one picked.
managed = page.load_together(
    {
        "databases": lambda: spend.load_databases(settings.cache_key, settings),
        "plans": lambda: spend.load_database_plans(settings.cache_key, settings),
        "regions": lambda: inventory.load_regions(settings.cache_key, settings),
    },
    spinner="Loading the Valkey instances…",
)
databases = page.shown(managed["databases"], "the managed Valkey instances")
# Without the list the section has said why; the plans' failure would only say it again.
plans = None if databases is None else page.shown(managed["plans"], "the database plan prices")
if databases is not None and plans is not None:
    valkeys = [database for database in databases if database.engine == "valkey"]
    listed = database_listing(
        valkey_instances_frame(valkeys, plans),
        valkeys,
        database_plan_names(plans),
        inventory.region_names_or_codes(managed["regions"]),
    )
    shown = inventory.render_not_running_switch(listed, key="vk_not_running")
    count, down, monthly, to_date = st.columns(4)
    count.metric("Instances", len(shown), border=True)
    down.metric("Not running", len(not_running(shown)), border=True)
    monthly.metric("Monthly cost", format_usd(shown["monthly_cost_usd"].sum()), border=True)
    to_date.metric("Month to date", format_usd(shown["month_to_date_usd"].sum()), border=True)
    left_out = {
        "a valid monthly price": int(shown["monthly_cost_usd"].isna().sum()),
        "a valid month-to-date amount": int(shown["month_to_date_usd"].isna().sum()),
    }
    if note := left_out_note(left_out, noun="instance"):
        st.caption(note)
    inventory.render_table(
        shown,
        tables.VALKEY_COLUMNS,
        tables.VALKEY_LOOKS,
        key="vk_instances",
    )
    inventory.render_csv_download(
        shown,
        tables.VALKEY_COLUMNS + tables.VALKEY_EXTRAS,
        kind="valkey",
        filters=["not running"] if st.session_state.get("vk_not_running") else [],
        key="vk_csv",
    )
    picked = st.selectbox(
        "A closer look",
        list(shown["id"]),
        format_func=lambda valkey_id: shown.loc[shown["id"] == valkey_id, "label"].iloc[0],
        key="vk_pick",
    )
    if picked is not None:
        row = shown[shown["id"] == picked].iloc[0]
        inventory.render_details(
            row, tables.VALKEY_COLUMNS + tables.VALKEY_EXTRAS, key="vk_details"
        )
        st.markdown("**Memory and CPU** (the last hour)")
        usage = page.load_together(
            {"usage": lambda: inventory.load_database_usage(settings.cache_key, settings, picked)},
            spinner="Loading its memory and CPU…",
        )
        inventory.render_database_usage(usage["usage"])
page.render_freshness(
    page.oldest(managed),
    spend.load_databases,
    spend.load_database_plans,
    inventory.load_regions,
    inventory.load_database_usage,
    key="vk_instances_refresh",
)

st.subheader("Connected Valkey")
if not is_configured(settings, "valkey"):
    st.info(NOT_CONFIGURED_REASONS["valkey"] + ".", icon=":material/info:")
    st.stop()
try:
    loaded = health.load_valkey_report(settings.cache_key, settings)
except VultrError as error:
    page.render_error("the connected Valkey", error)
    health.render_latency_history(settings, "valkey", key="vk_history")
    st.stop()
report, info, rates = loaded.value, loaded.value.info, loaded.value.rates

if info is None:
    st.caption(inert(report.where))
    st.warning(
        f"Server figures: {inert(report.unavailable['server info'])}.", icon=":material/block:"
    )
else:
    # What the server says about itself (INFO) is outside text like any other.
    st.caption(
        f"{inert(report.where)} · {inert(info.server.capitalize())} {inert(info.version)} · "
        f"{inert(info.role)} with {info.connected_replicas} replica(s) · "
        f"up {text.duration_text(info.uptime_s)}"
    )
p50, p95, hits = st.columns(3)
p50.metric("PING p50", text.ms_text(report.latency.p50_ms), border=True)
p95.metric("PING p95", text.ms_text(report.latency.p95_ms), border=True)
hits.metric(
    "Hit ratio",
    text.percent_text(rates.hit_ratio) if rates else "—",
    help="Keyspace hits over hits and misses since the previous check, not since start-up",
    border=True,
)
if info is not None:
    ops, clients, evicted = st.columns(3)
    ops.metric("Ops/s", f"{info.ops_per_s:,}", border=True)
    clients.metric("Clients", f"{info.connected_clients:,}", border=True)
    evicted.metric("Evicted keys", f"{info.evicted_keys:,}", border=True)

health.render_latency_charts(settings, "valkey", report.latency, key="vk")
health.render_checks(report.checks)

if info is not None:
    memory, keyspace = st.columns(2)
    with memory:
        st.echarts_chart(
            make_memory_gauge_figure(info.used_memory_bytes, info.maxmemory_bytes, title="Memory"),
            height=240 if info.maxmemory_bytes else 200,
            key="vk_memory",
        )
        st.caption(
            f"Policy {inert(info.maxmemory_policy)} · "
            f"peak {text.size_text(info.used_memory_peak_bytes)} · "
            f"fragmentation {info.fragmentation_ratio or 0:.2f}"
        )
    with keyspace:
        st.markdown("**Keyspace**")
        st.dataframe(
            pd.DataFrame([vars(db) for db in info.keyspace], columns=health.KEYSPACE_COLUMNS),
            hide_index=True,
            key="vk_keyspace",
            column_config=health.KEYSPACE_CONFIG,
        )
        if rates is not None:
            st.caption(
                f"Over the last {rates.interval_s:.0f} s: {rates.hits:,} hits, "
                f"{rates.misses:,} misses, {rates.evicted_per_s:.1f} evicted/s, "
                f"{rates.expired_per_s:.1f} expired/s"
            )

st.markdown("**Slow log**")
if report.slowlog is None:
    st.info(f"Slow log: {inert(report.unavailable['slow log'])}.", icon=":material/block:")
elif not report.slowlog:
    st.caption("No command slower than the server's slowlog-log-slower-than so far.")
else:
    st.dataframe(
        pd.DataFrame([vars(entry) for entry in report.slowlog]),
        hide_index=True,
        key="vk_slowlog",
        column_config={"duration_ms": st.column_config.NumberColumn("Duration", format="%.2f ms")},
    )
if report.latency_events:
    st.markdown("**Latency spikes** (LATENCY LATEST)")
    st.dataframe(
        pd.DataFrame([vars(event) for event in report.latency_events]),
        hide_index=True,
        key="vk_latency_events",
    )
else:
    quiet = "no spikes recorded (it records only with latency-monitor-threshold above 0)"
    st.caption(f"Latency monitor: {inert(report.unavailable.get('latency monitor', quiet))}.")
health.render_health_freshness(loaded.fetched_at, health.load_valkey_report, key="vk_refresh")
