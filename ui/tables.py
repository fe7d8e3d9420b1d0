"""The inventory tables' columns: what each table shows and in what order, how wide and in
what format, and what the CSV and the closer look add after them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import streamlit as st

from vultr_core.inventory.listing import Column

# How a table shows each column, given its header (the Column's own, said once).
Looks = Mapping[str, Callable[[str], Any]]


# A phone's screen leaves a table about 356 px (390 px wide, 40 px of them for row pickers
# where rows can be picked): the three columns that say what is wrong and what it costs.
COMPACT_WIDTHS = {"label": 120, "state_marked": 105, "monthly_cost_usd": 85}

# Widths in pixels chosen so every column fits a 1440 px screen with the sidebar open (the
# table gets 978 px, 40 of them for the row pickers where rows can be picked): the label first
# and pinned, then the state. Long codes (a database plan's id is 30 characters) are in the
# closer look and the CSV.
INSTANCE_COLUMNS = (
    Column("label", "Label"),
    Column("state_marked", "State", csv_key="state"),
    Column("region_name", "Region"),
    Column("plan_name", "Plan"),
    Column("monthly_cost_usd", "Monthly cost"),
    Column("tags", "Tags"),
    Column("date_created", "Created"),
)
INSTANCE_LOOKS: Looks = {
    "label": partial(st.column_config.TextColumn, width=150, pinned=True),
    "state_marked": partial(st.column_config.TextColumn, width=110),
    "region_name": partial(st.column_config.TextColumn, width=135),
    "plan_name": partial(st.column_config.TextColumn, width=165),
    "monthly_cost_usd": partial(st.column_config.NumberColumn, format="dollar", width=95),
    "tags": partial(st.column_config.ListColumn, width=150),
    "date_created": partial(st.column_config.DatetimeColumn, format="YYYY-MM-DD", width=90),
}
# In the CSV after the table's columns, and in the closer look.
INSTANCE_EXTRAS = (
    Column("plan", "Plan ID"),
    Column("main_ip", "IP"),
    Column("hostname", "Hostname"),
    Column("os", "Operating system"),
    Column("vcpu_count", "vCPUs"),
    Column("ram_gb", "RAM (GB)"),
    Column("disk_gb", "Disk (GB)"),
    Column("id", "ID"),
)
# The three codes the one state is made of, for whoever needs Vultr's own words.
INSTANCE_CODES = (
    Column("status", "Vultr status"),
    Column("power_status", "Vultr power status"),
    Column("server_status", "Vultr server status"),
)

DATABASE_COLUMNS = (
    Column("label", "Label"),
    Column("state_marked", "State", csv_key="state"),
    Column("engine_name", "Engine"),
    Column("region_name", "Region"),
    Column("plan_name", "Plan"),
    Column("monthly_cost_usd", "Monthly cost"),
    Column("latest_backup", "Latest backup"),
)
DATABASE_LOOKS: Looks = {
    "label": partial(st.column_config.TextColumn, width=150, pinned=True),
    "state_marked": partial(st.column_config.TextColumn, width=120),
    "engine_name": partial(st.column_config.TextColumn, width=115),
    "region_name": partial(st.column_config.TextColumn, width=135),
    "plan_name": partial(st.column_config.TextColumn, width=200),
    "monthly_cost_usd": partial(st.column_config.NumberColumn, format="dollar", width=95),
    "latest_backup": partial(st.column_config.DatetimeColumn, format="distance", width=115),
}
DATABASE_EXTRAS = (
    Column("nodes", "Nodes"),
    Column("replica_of", "Replica of"),
    Column("tag", "Tag"),
    Column("plan", "Plan ID"),
    Column("date_created", "Created"),
    Column("id", "ID"),
)

VALKEY_COLUMNS = (
    Column("label", "Label"),
    Column("state_marked", "State", csv_key="state"),
    Column("region_name", "Region"),
    Column("plan_name", "Plan"),
    Column("eviction_policy", "Eviction policy"),
    Column("replicas", "Replicas"),
    Column("monthly_cost_usd", "Monthly cost"),
    Column("month_to_date_usd", "Month to date"),
)
VALKEY_LOOKS: Looks = {
    "label": partial(st.column_config.TextColumn, width=150, pinned=True),
    "state_marked": partial(st.column_config.TextColumn, width=120),
    "region_name": partial(st.column_config.TextColumn, width=135),
    "plan_name": partial(st.column_config.TextColumn, width=140),
    "eviction_policy": partial(st.column_config.TextColumn, width=120),
    "replicas": partial(st.column_config.NumberColumn, width=75),
    "monthly_cost_usd": partial(st.column_config.NumberColumn, format="dollar", width=95),
    "month_to_date_usd": partial(st.column_config.NumberColumn, format="dollar", width=105),
}
VALKEY_EXTRAS = (Column("version", "Version"), Column("plan", "Plan ID"), Column("id", "ID"))
