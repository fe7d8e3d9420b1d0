"""Instances: every compute instance with its monthly cost, filterable, with a CSV download."""

import streamlit as st

from ui import page, spend
from ui.text import left_out_note
from vultr_core.formatting import format_usd
from vultr_core.inventory.frames import distinct_tags, filter_instances, with_monthly_cost
from vultr_core.inventory.spreadsheet import spreadsheet_csv
from vultr_core.spend.charts import make_breakdown_figure
from vultr_core.spend.costs import breakdown

settings = page.start_page("Instances")

loaded = page.load_together(
    {
        "instances": lambda: spend.load_instances(settings.cache_key, settings),
        "plans": lambda: spend.load_plans(settings.cache_key, settings),
    },
    spinner="Loading instances…",
)
instances = page.shown(loaded["instances"], "the instances")
if instances is None:
    st.stop()
page.render_freshness(
    page.oldest(loaded), spend.load_instances, spend.load_plans, key="inst_refresh"
)
plans = page.value(loaded["plans"])
instances = with_monthly_cost(instances, plans or [])

region_col, power_col, tag_col, plan_col = st.columns(4)
regions = region_col.multiselect("Region", sorted(instances["region"].unique()), key="inst_region")
powers = power_col.multiselect(
    "Power", sorted(instances["power_status"].unique()), key="inst_power"
)
tags = tag_col.multiselect("Tag", distinct_tags(instances), key="inst_tag")
plans_chosen = plan_col.multiselect("Plan", sorted(instances["plan"].unique()), key="inst_plan")
text = st.text_input("Search", placeholder="label, hostname or IP", key="inst_search")
shown = filter_instances(
    instances, regions=regions, power_statuses=powers, tags=tags, plans=plans_chosen, text=text
)

shown_count, running, stopped_count, vcpus, monthly = st.columns(5)
shown_count.metric("Instances shown", len(shown), border=True)
running.metric("Running", int((shown["power_status"] == "running").sum()), border=True)
stopped_count.metric(
    "Stopped (still billed)", int((shown["power_status"] == "stopped").sum()), border=True
)
vcpus.metric("vCPUs", int(shown["vcpu_count"].sum()), border=True)
monthly.metric(
    "Monthly cost",
    format_usd(float(shown["monthly_cost_usd"].sum())) if plans is not None else "—",
    help="List price of the shown instances' plans; Vultr bills it hourly up to this cap.",
    border=True,
)
left_out = {
    "a valid vCPU count": int(shown["vcpu_count"].isna().sum()),
    "a valid list price": int(shown["monthly_cost_usd"].isna().sum()) if plans is not None else 0,
}
if note := left_out_note(left_out, noun="instance"):
    st.caption(note)

st.dataframe(
    shown,
    hide_index=True,
    key="inst_table",
    column_order=[
        "label",
        "region",
        "plan",
        "monthly_cost_usd",
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
        "monthly_cost_usd": st.column_config.NumberColumn("Monthly cost", format="dollar"),
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
    data=spreadsheet_csv(shown),
    file_name="instances.csv",
    mime="text/csv",
    icon=":material/download:",
    key="inst_csv",
)

st.subheader("Monthly cost by region, plan and tag")
if page.shown(loaded["plans"], "the plan prices") is not None:
    for column, by in zip(st.columns(3), ("region", "plan", "tag"), strict=True):
        column.caption(f"By {by}")
        column.plotly_chart(
            make_breakdown_figure(breakdown(shown, by), by),
            width="stretch",
            key=f"inst_cost_{by}",
        )
    st.caption("An instance with several tags counts under each of them.")

st.subheader("Stopped but still billed")
stopped = shown[shown["power_status"] == "stopped"].sort_values("monthly_cost_usd", ascending=False)
if stopped.empty:
    st.success("No stopped instances among those shown.", icon=":material/check_circle:")
else:
    cost = float(stopped["monthly_cost_usd"].sum())
    st.warning(
        f"{len(stopped)} stopped instance{'s' if len(stopped) != 1 else ''} still bill "
        f"{format_usd(cost) + ' a month' if plans is not None else 'their full price'}. Vultr "
        "bills a stopped instance until it is destroyed: snapshot it and destroy it to stop "
        "paying.",
        icon=":material/money_off:",
    )
    st.markdown(spend.stopped_instances_list(stopped))
    st.button(
        "Show only stopped instances in the table",
        key="inst_show_stopped",
        on_click=lambda: st.session_state.update(inst_power=["stopped"]),
    )
