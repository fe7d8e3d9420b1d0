"""Overview: what we pay this month, for what, where it is going, against which budget, what
changed, and what needs attention.

Every request is sent at the start; each section draws as soon as its own data is in (the
headline figures first), under a spinner until then.
"""

import streamlit as st

from ui import health, page, spend, spend_sections
from ui.history import HistorySections
from ui.text import inert, left_out_note
from vultr_core.formatting import format_usd
from vultr_core.spend.charts import (
    make_breakdown_figure,
    make_category_figure,
    make_forecast_figure,
    make_monthly_figure,
    make_run_rate_treemap,
)
from vultr_core.spend.costs import BREAKDOWNS, breakdown
from vultr_core.spend.history import change_sentences, monthly_spend, unreadable_invoices
from vultr_core.spend.run_rate import category_members
from vultr_core.spend.waste import waste_sentences

settings = page.open_page("Overview")
# Vultr's requests leave before the banner asks who answers at VULTR_API_URL (a request too).
figures = spend.load_spend(settings)
page.render_source_banner(settings)
# "Data as of" names the oldest figure: it takes this place once the last section has drawn.
freshness = st.empty()
freshness.caption("Fetching the figures…")

spend_sections.render_spend_metrics(figures)
# The health strip and the budgets keep their place but are drawn after the first charts:
# the browser loads the chart library with its first chart, and their checks would hold that up.
health_strip, budgets = st.container(), st.container()

by_category, by_month = st.columns(2)
with by_month:
    st.subheader("Spend by month")
    if (invoices := figures.invoices()) is not None:
        st.echarts_chart(make_monthly_figure(monthly_spend(invoices)), key="ovw_by_month")
        left_out = left_out_note(
            {"a valid date and amount": unreadable_invoices(invoices)}, noun="invoice"
        )
        st.caption(
            f"Invoiced spend; Vultr invoices each month on the 1st of the next. {left_out or ''}"
        )
with by_category:
    st.subheader("This month by category")
    if (books := figures.books()) is not None:
        st.echarts_chart(make_category_figure(books.by_category), key="ovw_by_category")
        st.caption(spend_sections.attribution_note(books))
with health_strip:
    health.render_health_strip(settings)
past = HistorySections(settings)
with budgets:
    past.render_budget_progress()
past.render_daily_spend()

st.subheader("Month-end forecast")
if (outlook := figures.outlook()) is not None:
    last_month = figures.loaded("invoices")
    st.echarts_chart(
        make_forecast_figure(outlook, last_month[0].amount_usd if last_month else None),
        key="ovw_forecast",
    )
    spend_sections.render_forecast_words(outlook)

st.subheader("Run-rate at list prices")
if (priced := figures.priced()) is not None:
    resources = priced.resources
    st.metric(
        "Monthly list price of everything running now",
        format_usd(float(resources["monthly_cost_usd"].sum())),
    )
    unpriced = int((~resources["priced"]).sum())
    if note := left_out_note({"a valid list price": unpriced}, noun="resource"):
        st.caption(f"{note} What they cost counts as usage-based or unattributed.")
    treemap, grouped = st.columns([3, 2])
    with treemap:
        st.echarts_chart(make_run_rate_treemap(resources), key="ovw_treemap")
        categories = sorted(resources.loc[resources["monthly_cost_usd"] > 0, "category"].unique())
        shown = st.selectbox(
            "Every resource of a category",
            categories,
            index=None,
            placeholder="The smallest are grouped as “Other”: pick a category to list them all",
            key="ovw_treemap_category",
        )
        if shown is not None:
            spend_sections.render_members_table(
                category_members(resources, shown), key="ovw_members"
            )
    with grouped:
        by = st.selectbox("Group by", BREAKDOWNS, format_func=str.title, key="ovw_group_by")
        table = breakdown(resources, by)
        st.echarts_chart(make_breakdown_figure(table.head(15), by), key="ovw_breakdown")
        if by == "tag":
            st.caption("A resource with several tags counts under each of them.")

past.render_week_changes()

st.subheader("Needs attention")
waste = figures.waste()
month = figures.month_over_month()
sentences = [
    *(waste_sentences(waste) if waste is not None else []),
    *(change_sentences(month) if month is not None else []),
]
# Sentences about resources name them and their products as the API sent them.
for sentence in sentences:
    st.warning(inert(sentence), icon=":material/priority_high:")
if waste is not None and not sentences:
    st.success("Nothing idle or unusual found.", icon=":material/check_circle:")
if (idle := figures.loaded("idle")) is not None:
    st.caption(f"Database usage checked for {idle.coverage}.")
if waste is not None and not waste.empty:
    with st.expander(
        f"Waste: {format_usd(float(waste['monthly_savings_usd'].sum()))} a month "
        f"in {len(waste)} items"
    ):
        spend_sections.render_waste_table(waste, key="ovw_waste")
if month is not None:
    with st.expander("Month-over-month change by product"):
        spend_sections.render_changes_table(month.changes, key="ovw_changes")

with freshness.container():
    page.render_freshness(figures.fetched_at, *spend.SPEND_LOADERS, key="ovw_refresh")
