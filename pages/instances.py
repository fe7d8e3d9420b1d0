"""Instances: every compute instance in words (one state, its city, its size) with its monthly
cost, what is not running first, filterable, with a CSV of the rows shown."""

import streamlit as st

from ui import history, inventory, page, spend, spend_sections, tables
from ui.text import left_out_note
from vultr_core.formatting import format_usd
from vultr_core.inventory.frames import distinct_tags, filter_instances, with_monthly_cost
from vultr_core.inventory.listing import instance_listing, not_running
from vultr_core.inventory.words import instance_plan_names, region_name
from vultr_core.spend.charts import make_breakdown_figure
from vultr_core.spend.costs import breakdown

settings = page.start_page("Instances")

loaded = page.load_together(
    {
        "instances": lambda: spend.load_instances(settings.cache_key, settings),
        "plans": lambda: spend.load_plans(settings.cache_key, settings),
        "regions": lambda: inventory.load_regions(settings.cache_key, settings),
    },
    spinner="Loading instances…",
)
instances = page.shown(loaded["instances"], "the instances")
if instances is None:
    st.stop()
page.render_freshness(
    page.oldest(loaded),
    spend.load_instances,
    spend.load_plans,
    inventory.load_regions,
    key="inst_refresh",
)
plans = page.value(loaded["plans"])
places = inventory.region_names_or_codes(loaded["regions"])
sizes = instance_plan_names(plans or [])
listed = instance_listing(with_monthly_cost(instances, plans or []), sizes, places)

region_col, state_col, tag_col, plan_col = st.columns(4)
regions = region_col.multiselect(
    "Region",
    sorted(listed["region"].unique()),
    format_func=lambda code: region_name(code, places),
    key="inst_region",
)
states = state_col.multiselect("State", list(listed["state"].unique()), key="inst_state")
tags = tag_col.multiselect("Tag", distinct_tags(listed), key="inst_tag")
plans_chosen = plan_col.multiselect(
    "Plan",
    sorted(listed["plan"].unique()),
    format_func=lambda code: f"{sizes[code]} ({code})" if code in sizes else code,
    key="inst_plan",
)
text = st.text_input("Search", placeholder="label, hostname or IP", key="inst_search")
filtered = filter_instances(
    listed, regions=regions, states=states, tags=tags, plans=plans_chosen, text=text
)
shown = inventory.render_not_running_switch(filtered, key="inst_not_running")

count, down, stopped_count, vcpus, monthly = st.columns([1, 1, 1.2, 1, 1.4])
count.metric("Instances shown", len(shown), border=True)
down.metric("Not running", len(not_running(shown)), border=True)
stopped_count.metric(
    "Stopped (still billed)", int((shown["state"] == "Stopped").sum()), border=True
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

picked = inventory.render_table(
    shown,
    tables.INSTANCE_COLUMNS,
    tables.INSTANCE_LOOKS,
    key="inst_table",
    selectable=True,
)
inventory.render_csv_download(
    shown,
    tables.INSTANCE_COLUMNS + tables.INSTANCE_EXTRAS,
    kind="instances",
    filters=[*regions, *states, *tags, *plans_chosen, text]
    + (["not running"] if st.session_state.get("inst_not_running") else []),
    key="inst_csv",
)
if picked is None:
    st.caption("Pick a row for everything about that instance.")
else:
    inventory.render_details(
        shown.iloc[picked],
        tables.INSTANCE_COLUMNS + tables.INSTANCE_EXTRAS + tables.INSTANCE_CODES,
        key="inst_details",
    )

in_words = shown.assign(region=shown["region_name"], plan=shown["plan_name"])
st.subheader("Monthly cost by region, plan and tag")
if page.shown(loaded["plans"], "the plan prices") is not None:
    for column, by in zip(st.columns(3), ("region", "plan", "tag"), strict=True):
        column.caption(f"By {by}")
        column.echarts_chart(
            make_breakdown_figure(breakdown(in_words, by), by), key=f"inst_cost_{by}"
        )
    st.caption("An instance with several tags counts under each of them.")

st.subheader("Stopped but still billed")
stopped = in_words[in_words["state"] == "Stopped"].sort_values("monthly_cost_usd", ascending=False)
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
    st.markdown(spend_sections.stopped_instances_list(stopped))
    st.button(
        "Show only stopped instances in the table",
        key="inst_show_stopped",
        on_click=lambda: st.session_state.update(inst_state=["Stopped"]),
    )

history.HistorySections(settings).render_resource_history(shown, key="inst_history")
