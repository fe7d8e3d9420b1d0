"""Instances: every compute instance, filterable, with a CSV download."""

import streamlit as st

import ui
from vultr_core.errors import VultrError
from vultr_core.frames import distinct_tags, filter_instances

settings = ui.start_page("Instances")

try:
    loaded = ui.load_instances(settings.cache_key, settings)
except VultrError as error:
    ui.render_error("the instances", error)
    st.stop()
instances = loaded.value
ui.render_freshness(loaded.fetched_at, ui.load_instances, key="inst_refresh")

region_col, power_col, tag_col, plan_col = st.columns(4)
regions = region_col.multiselect("Region", sorted(instances["region"].unique()), key="inst_region")
powers = power_col.multiselect(
    "Power", sorted(instances["power_status"].unique()), key="inst_power"
)
tags = tag_col.multiselect("Tag", distinct_tags(instances), key="inst_tag")
plans = plan_col.multiselect("Plan", sorted(instances["plan"].unique()), key="inst_plan")
text = st.text_input("Search", placeholder="label, hostname or IP", key="inst_search")
shown = filter_instances(
    instances, regions=regions, power_statuses=powers, tags=tags, plans=plans, text=text
)

shown_count, running, stopped, vcpus = st.columns(4)
shown_count.metric("Instances shown", len(shown), border=True)
running.metric("Running", int((shown["power_status"] == "running").sum()), border=True)
stopped.metric(
    "Stopped (still billed)", int((shown["power_status"] == "stopped").sum()), border=True
)
vcpus.metric("vCPUs", int(shown["vcpu_count"].sum()), border=True)

st.dataframe(
    shown,
    hide_index=True,
    key="inst_table",
    column_order=[
        "label",
        "region",
        "plan",
        "status",
        "power_status",
        "vcpu_count",
        "ram_gb",
        "tags",
        "main_ip",
        "date_created",
    ],
    column_config={
        "label": st.column_config.TextColumn("Label"),
        "region": st.column_config.TextColumn("Region"),
        "plan": st.column_config.TextColumn("Plan"),
        "status": st.column_config.TextColumn("Status"),
        "power_status": st.column_config.TextColumn("Power"),
        "vcpu_count": st.column_config.NumberColumn("vCPU"),
        "ram_gb": st.column_config.NumberColumn("RAM", format="%.1f GB"),
        "tags": st.column_config.ListColumn("Tags"),
        "main_ip": st.column_config.TextColumn("IP"),
        "date_created": st.column_config.DatetimeColumn("Created", format="YYYY-MM-DD"),
    },
)
st.download_button(
    "Download CSV",
    data=shown.assign(tags=shown["tags"].str.join(";")).to_csv(index=False),
    file_name="instances.csv",
    mime="text/csv",
    icon=":material/download:",
    key="inst_csv",
)
