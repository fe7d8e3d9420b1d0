"""Databases: every managed database in words with its monthly cost, what is not running first;
one picked for a closer look."""

import streamlit as st

from ui import health, history, inventory, page, spend, tables
from ui.text import left_out_note
from vultr_core.formatting import format_usd
from vultr_core.inventory.frames import databases_frame
from vultr_core.inventory.listing import database_listing, not_running
from vultr_core.inventory.words import database_plan_names, engine_name

settings = page.start_page("Databases")

loaded = page.load_together(
    {
        "databases": lambda: spend.load_databases(settings.cache_key, settings),
        "plans": lambda: spend.load_database_plans(settings.cache_key, settings),
        "regions": lambda: inventory.load_regions(settings.cache_key, settings),
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
    inventory.load_regions,
    *inventory.DATABASE_DETAIL_LOADERS,
    key="db_refresh",
)
plans = page.value(loaded["plans"])
listed = database_listing(
    databases_frame(databases, plans or []),
    databases,
    database_plan_names(plans or []),
    inventory.region_names_or_codes(loaded["regions"]),
)

engine_col, state_col = st.columns(2)
engines = engine_col.multiselect(
    "Engine", sorted(listed["engine"].unique()), format_func=engine_name, key="db_engine"
)
states = state_col.multiselect("State", list(listed["state"].unique()), key="db_state")
filtered = listed[listed["engine"].isin(engines)] if engines else listed
filtered = filtered[filtered["state"].isin(states)] if states else filtered
shown = inventory.render_not_running_switch(filtered, key="db_not_running")

count, monthly, down = st.columns(3)
count.metric("Databases shown", len(shown), help="Read replicas count as databases.", border=True)
monthly.metric(
    "Monthly cost",
    format_usd(float(shown["monthly_cost_usd"].sum())) if plans is not None else "—",
    help="List price of each database's plan, read replicas included.",
    border=True,
)
down.metric("Not running", len(not_running(shown)), border=True)
if plans is None:
    page.shown(loaded["plans"], "the database plan prices")
elif note := left_out_note(
    {"a valid list price": int(shown["monthly_cost_usd"].isna().sum())}, noun="database"
):
    st.caption(note)

inventory.render_table(
    shown,
    tables.DATABASE_COLUMNS,
    tables.DATABASE_LOOKS,
    key="db_table",
)
inventory.render_csv_download(
    shown,
    tables.DATABASE_COLUMNS + tables.DATABASE_EXTRAS,
    kind="databases",
    filters=[*(engine_name(engine) for engine in engines), *states]
    + (["not running"] if st.session_state.get("db_not_running") else []),
    key="db_csv",
)

st.subheader("A closer look")
by_id = {each.id: each for primary in databases for each in (primary, *primary.read_replicas)}
picked = st.selectbox(
    "Database",
    list(shown["id"]),
    format_func=lambda database_id: (
        f"{by_id[database_id].label} ({engine_name(by_id[database_id].engine)})"
    ),
    key="db_pick",
)
if picked is not None:
    database = by_id[picked]
    inventory.render_details(
        shown[shown["id"] == picked].iloc[0],
        tables.DATABASE_COLUMNS + tables.DATABASE_EXTRAS,
        key="db_details",
    )
    details = inventory.load_database_details(settings, database)
    st.markdown("**Usage**")
    inventory.render_database_usage(details["usage"])
    backups, maintenance = st.columns(2)
    with backups:
        st.markdown("**Backups**")
        inventory.render_database_backups(
            details.get("backups"), engine=engine_name(database.engine)
        )
    with maintenance:
        st.markdown("**Maintenance**")
        inventory.render_database_maintenance(details["maintenance"], database)
    st.markdown("**Alerts of the last week**")
    inventory.render_database_alerts(details["alerts"], key="db_alerts")
    if "pools" in details:
        st.markdown("**Connection pools**")
        inventory.render_connection_pools(details["pools"], key="db_pools")
    st.markdown("**History**")
    history.HistorySections(settings).render_history_of(picked, key="db_history")

health.render_connected_postgres(settings)
