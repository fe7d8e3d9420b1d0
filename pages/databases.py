"""Databases: every managed database with its monthly cost; one picked for a closer look."""

import streamlit as st

from ui import health, inventory, page, spend
from ui.text import left_out_note
from vultr_core.formatting import format_usd
from vultr_core.inventory.frames import databases_frame
from vultr_core.inventory.spreadsheet import spreadsheet_csv

settings = page.start_page("Databases")

loaded = page.load_together(
    {
        "databases": lambda: spend.load_databases(settings.cache_key, settings),
        "plans": lambda: spend.load_database_plans(settings.cache_key, settings),
    },
    spinner="Loading databases…",
)
databases = page.shown(loaded["databases"], "the databases")
if databases is None:
    # The managed list failed; the connected PostgreSQL is another service and still shows.
    health.render_connected_postgres(settings)
    st.stop()
page.render_freshness(
    page.oldest(loaded),
    spend.load_databases,
    spend.load_database_plans,
    *inventory.DATABASE_DETAIL_LOADERS,
    key="db_refresh",
)
plans = page.value(loaded["plans"])
table = databases_frame(databases, plans or [])

engines = st.multiselect("Engine", sorted(table["engine"].unique()), key="db_engine")
shown = table[table["engine"].isin(engines)] if engines else table

count, monthly, not_running = st.columns(3)
count.metric("Databases shown", len(shown), help="Read replicas count as databases.", border=True)
monthly.metric(
    "Monthly cost",
    format_usd(float(shown["monthly_cost_usd"].sum())) if plans is not None else "—",
    help="List price of each database's plan, read replicas included.",
    border=True,
)
not_running.metric(
    "Not running", int((shown["status"].str.lower() != "running").sum()), border=True
)
if plans is None:
    page.shown(loaded["plans"], "the database plan prices")
elif note := left_out_note(
    {"a valid list price": int(shown["monthly_cost_usd"].isna().sum())}, noun="database"
):
    st.caption(note)

st.dataframe(
    shown,
    hide_index=True,
    key="db_table",
    column_order=[
        "label",
        "engine",
        "engine_version",
        "plan",
        "region",
        "status",
        "nodes",
        "monthly_cost_usd",
        "replica_of",
        "tag",
        "latest_backup",
    ],
    column_config={
        "label": st.column_config.TextColumn("Label"),
        "engine": st.column_config.TextColumn("Engine"),
        "engine_version": st.column_config.TextColumn("Version"),
        "plan": st.column_config.TextColumn("Plan"),
        "region": st.column_config.TextColumn("Region"),
        "status": st.column_config.TextColumn("Status"),
        "nodes": st.column_config.NumberColumn("Nodes"),
        "monthly_cost_usd": st.column_config.NumberColumn("Monthly cost", format="dollar"),
        "replica_of": st.column_config.TextColumn("Replica of"),
        "tag": st.column_config.TextColumn("Tag"),
        "latest_backup": st.column_config.DatetimeColumn("Latest backup", format="distance"),
    },
)
st.download_button(
    "Download CSV",
    data=spreadsheet_csv(shown),
    file_name="databases.csv",
    mime="text/csv",
    icon=":material/download:",
    key="db_csv",
)

st.subheader("A closer look")
by_id = {each.id: each for primary in databases for each in (primary, *primary.read_replicas)}
picked = st.selectbox(
    "Database",
    list(shown["id"]),
    format_func=lambda database_id: f"{by_id[database_id].label} ({by_id[database_id].engine})",
    key="db_pick",
)
if picked is not None:
    database = by_id[picked]
    details = inventory.load_database_details(settings, database)
    st.markdown("**Usage**")
    inventory.render_database_usage(details["usage"])
    backups, maintenance = st.columns(2)
    with backups:
        st.markdown("**Backups**")
        inventory.render_database_backups(details.get("backups"), engine=database.engine)
    with maintenance:
        st.markdown("**Maintenance**")
        inventory.render_database_maintenance(details["maintenance"], database)
    st.markdown("**Alerts of the last week**")
    inventory.render_database_alerts(details["alerts"], key="db_alerts")
    if "pools" in details:
        st.markdown("**Connection pools**")
        inventory.render_connection_pools(details["pools"], key="db_pools")

health.render_connected_postgres(settings)
