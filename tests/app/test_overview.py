"""The Overview in demo mode: the simulator's figures, charts, attention items, failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
import valkey
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT, open_page
from tests.app.markup import rendered_markup, seen
from ui import spend
from ui.clients import close_shared_clients
from ui.settings import settings
from vultr_core import clients
from vultr_core.api.management import ManagementClient
from vultr_core.api.models.billing import Invoice
from vultr_core.clients import DEMO_MANAGEMENT_URL
from vultr_core.formatting import format_balance, format_usd
from vultr_core.simulator import DEMO_API_KEY, Faults, Simulator
from vultr_core.simulator.catalog import PLAN_BY_ID
from vultr_core.spend.closed_invoices import KEY_PREFIX
from vultr_core.spend.data import fetch_inventory, price_inventory
from vultr_core.spend.forecast import forecast
from vultr_core.spend.history import month_name, monthly_spend
from vultr_core.spend.reconciliation import charges_by_product, reconcile


def chart(page: AppTest, key: str) -> dict[str, Any]:
    """The ECharts option the page sent for the chart ``key``."""
    (found,) = [c for c in page.get("echarts_chart") if c.key == key]
    return json.loads(found.proto.spec)


def bars(option: dict[str, Any]) -> tuple[list[str], list[float]]:
    """A one-series bar chart's categories and amounts, in the order drawn."""
    (series,) = option["series"]
    axis = option["yAxis"] if option["yAxis"].get("type") == "category" else option["xAxis"]
    amounts = [item["value"] if isinstance(item, dict) else item for item in series["data"]]
    return axis["data"], amounts


def tiles(option: dict[str, Any]) -> list[tuple[str, str, float]]:
    """A treemap's leaves: (name, category, dollars a month)."""
    (tree,) = option["series"]
    return [
        (leaf["name"], node["name"], leaf["value"])
        for node in tree["data"]
        for leaf in node["children"]
    ]


def dollars(text: str) -> float:
    return float(text.replace("$", "").replace(",", ""))


def test_metrics_show_the_simulators_figures(demo: Simulator) -> None:
    page = open_page("overview.py")
    assert not page.exception
    assert not page.error
    account = demo.organisation.account
    metrics = {m.label: m for m in page.metric}
    assert metrics["Month to date"].value == format_usd(account["pending_charges"])
    assert metrics["Balance"].value == format_balance(account["balance"])
    assert metrics["Balance"].value.endswith("in credit")
    assert metrics["Last payment"].value == format_usd(-account["last_payment_amount"])
    assert metrics["Last payment"].delta == f"on {account['last_payment_date'][:10]}"

    with ManagementClient(
        DEMO_API_KEY, base_url=DEMO_MANAGEMENT_URL, transport=demo.transport()
    ) as client:
        priced = price_inventory(fetch_inventory(client), now=demo.organisation.now)
        books = reconcile(
            priced.resources,
            pending_total_usd=account["pending_charges"],
            pending_by_product=charges_by_product(client.pending_charges()),
        )
    expected = forecast(priced.resources, books, now=demo.organisation.now)
    # The page prices a few seconds after the simulator was built: within 1%, not to the cent.
    shown = dollars(metrics["Month-end forecast"].value)
    assert shown == pytest.approx(expected.per_resource_usd, rel=0.01)
    assert abs(shown - expected.naive_usd) > abs(shown - expected.per_resource_usd)
    run_rate = metrics["Monthly list price of everything running now"].value
    # The metric shows cents: equal to the sum once rounded to them.
    listed = float(priced.resources["monthly_cost_usd"].sum())
    assert dollars(run_rate) == pytest.approx(listed, abs=0.005)


def test_spend_by_category_adds_up_to_the_month_to_date(demo: Simulator) -> None:
    page = open_page("overview.py")
    categories, amounts = bars(chart(page, "ovw_by_category"))
    assert "Usage-based / unattributed" in categories
    assert sum(amounts) == pytest.approx(demo.organisation.account["pending_charges"])
    _, months = bars(chart(page, "ovw_by_month"))
    invoices = demo.organisation.ledger.invoices
    assert months == [invoice["amount"] for invoice in reversed(invoices)]


def test_needs_attention_says_what_idles_and_what_it_costs(demo: Simulator) -> None:
    page = open_page("overview.py")
    stopped = [i for i in demo.organisation.instances if i["power_status"] == "stopped"]
    cost = sum(PLAN_BY_ID[i["plan"]].monthly_cost for i in stopped)
    sentences = [seen(warning.value) for warning in page.warning]
    assert f"{len(stopped)} stopped instances still bill {format_usd(cost)} a month." in sentences
    assert "1 database idling under 10% costs $30.00 a month." in sentences
    # The waste table by its columns: the history's tables may come before it on the page.
    (waste,) = [d.value for d in page.dataframe if "monthly_savings_usd" in d.value.columns]
    assert "wordpress-mysql" in set(waste["label"])
    assert set(waste["label"]) >= {i["label"] for i in stopped}
    assert any("all 10 databases" in caption.value for caption in page.caption)


def test_grouping_the_run_rate_changes_the_breakdown(demo: Simulator) -> None:
    page = open_page("overview.py")
    by_category, _ = bars(chart(page, "ovw_breakdown"))
    assert "Compute" in by_category
    page.selectbox(key="ovw_group_by").set_value("region").run()
    by_region, _ = bars(chart(page, "ovw_breakdown"))
    regions = {i["region"] for i in demo.organisation.instances}
    assert regions <= set(by_region)


def test_refresh_fetches_again_and_a_rerun_does_not(demo: Simulator) -> None:
    page = open_page("overview.py")
    demo.clear_log()
    page.run()
    assert demo.request_log == []  # a rerun is served from the cache
    page.button(key="ovw_refresh").click().run()
    fetched = {entry.path for entry in demo.request_log}
    assert {"/v2/account", "/v2/billing/pending-charges", "/v2/instances"} <= fetched
    assert not page.exception


def errors(page: AppTest) -> list[str]:
    return [error.value for error in page.error]


def open_alone(page: str) -> AppTest:
    """The page run once, without the router: app.py's first run would render the Overview
    (the default page) and sit through the failing route's retries a second time."""
    return AppTest.from_file(str(ROOT / "pages" / page), default_timeout=30).run()


def test_failing_invoices_leave_this_months_figures(demo: Simulator) -> None:
    demo.faults = Faults(path_prefix="/v2/billing/invoices", status_code=500, status_count=-1)
    page = open_alone("overview.py")
    assert not page.exception
    assert any(e.startswith("Could not load the invoices.") for e in errors(page))
    metrics = {m.label: m for m in page.metric}
    assert metrics["Month to date"].value == format_usd(
        demo.organisation.account["pending_charges"]
    )
    assert metrics["Month to date"].delta == ""  # no last month to compare with
    assert {c.key for c in page.get("echarts_chart")} >= {"ovw_by_category", "ovw_forecast"}
    assert "ovw_by_month" not in {c.key for c in page.get("echarts_chart")}


def test_a_failing_inventory_list_leaves_the_account_and_history(demo: Simulator) -> None:
    demo.faults = Faults(path_prefix="/v2/blocks", status_code=500, status_count=-1)
    page = open_alone("overview.py")
    assert not page.exception
    assert any(e.startswith("Could not load the resource inventory.") for e in errors(page))
    account = demo.organisation.account
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Month to date"] == format_usd(account["pending_charges"])
    assert metrics["Last payment"] == format_usd(-account["last_payment_amount"])
    assert "Month-end forecast" not in metrics
    charts = {c.key for c in page.get("echarts_chart") if c.key.startswith("ovw_")}
    assert charts == {"ovw_by_month"}


def test_a_failing_account_leaves_history_and_run_rate(demo: Simulator) -> None:
    demo.faults = Faults(path_prefix="/v2/account", status_code=500, status_count=-1)
    page = open_alone("overview.py")
    assert not page.exception
    assert any(e.startswith("Could not load the account.") for e in errors(page))
    assert {c.key for c in page.get("echarts_chart")} >= {"ovw_by_month", "ovw_treemap"}
    labels = {m.label for m in page.metric}
    assert "Balance" not in labels
    assert "Monthly list price of everything running now" in labels


@pytest.mark.parametrize(
    ("now", "then", "delta", "colour", "arrow"),
    [
        # The case: $2,219.13 owed at the invoice, $300.00 in credit now.
        (-300.0, 2219.13, "$2,519.13 more credit", "green", "up"),
        (150.0, 400.0, "$250.00 less owed", "green", "down"),
    ],
)
def test_the_balance_says_its_change_in_its_own_words(
    demo: Simulator, now: float, then: float, delta: str, colour: str, arrow: str
) -> None:
    demo.organisation.account["balance"] = now
    demo.organisation.ledger.invoices[0]["balance"] = then
    page = open_page("overview.py")
    (balance,) = [m for m in page.metric if m.label == "Balance"]
    assert balance.value == format_balance(now)
    assert balance.delta == delta
    assert "-" not in balance.delta
    assert MetricProto.MetricColor.Name(balance.proto.color) == colour.upper()
    assert MetricProto.MetricDirection.Name(balance.proto.direction) == arrow.upper()
    assert f"At the last invoice: {format_balance(then)}." in balance.help


def captions(page: AppTest) -> str:
    return " ".join(seen(caption.value) for caption in page.caption)


def test_a_negative_unattributed_remainder_says_what_it_means(demo: Simulator) -> None:
    page = open_page("overview.py")
    assert "It is negative" not in captions(page)
    demo.organisation.account["pending_charges"] = 1.0
    restart()
    page = open_page("overview.py")
    assert "It is negative: the list prices of what is running add up to" in captions(page)
    assert "more than Vultr has billed so far this month" in captions(page)


def test_the_forecast_is_said_plainly_and_its_method_is_behind_an_expander(
    demo: Simulator,
) -> None:
    page = open_page("overview.py")
    forecast_shown = {m.label: m.value for m in page.metric}["Month-end forecast"]
    (plain,) = [m.value for m in page.markdown if m.value.startswith("**About ")]
    assert plain.startswith(f"**About {forecast_shown} by the end of the month:**")
    assert "naive" not in plain
    assert "672" not in plain
    (method,) = [e for e in page.expander if e.label == "How this forecast is worked out"]
    words = " ".join(m.value for m in method.markdown)
    assert "672 hours, 730 for GPUs" in words
    assert "naive run-rate" in words


def test_the_latest_month_has_its_label(demo: Simulator) -> None:
    page = open_page("overview.py")
    axis = chart(page, "ovw_by_month")["xAxis"]
    latest = monthly_spend(history_invoices(demo))["month"].iloc[-1]
    assert axis["data"][-1] == f"{latest:%b %Y}"


def history_invoices(demo: Simulator) -> list[Invoice]:
    return [Invoice.from_api(invoice) for invoice in demo.organisation.ledger.invoices]


def test_a_hostile_label_stays_text_in_the_treemap_and_its_drill_down(demo: Simulator) -> None:
    hostile = '<a href="https://evil.example">**pay**</a><br>'
    costliest = max(demo.organisation.instances, key=lambda i: PLAN_BY_ID[i["plan"]].monthly_cost)
    costliest["label"] = hostile
    page = open_page("overview.py")
    # ECharts draws the name as text, and no formatter (a tooltip template is HTML) holds it.
    assert hostile in [name for name, _, _ in tiles(chart(page, "ovw_treemap"))]
    assert rendered_markup(page, "evil.example") == []
    page.selectbox(key="ovw_treemap_category").set_value("Compute").run()
    members = members_table(page)
    assert members["label"].iloc[0] == hostile


def test_a_large_organisation_draws_a_treemap_of_at_most_100_tiles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    large = Simulator(size="large")
    monkeypatch.setitem(clients._demo_simulators, "large", large)
    monkeypatch.setenv("VULTR_DEMO_SIZE", "large")
    page = open_page("overview.py")
    assert not page.exception
    drawn = tiles(chart(page, "ovw_treemap"))
    assert len(drawn) < 100
    run_rate = {m.label: m.value for m in page.metric}[
        "Monthly list price of everything running now"
    ]
    assert sum(value for _, _, value in drawn) == pytest.approx(dollars(run_rate), abs=0.01)
    others = {
        parent: (label, value) for label, parent, value in drawn if label.startswith("Other: ")
    }
    assert "Compute" in others
    shown_alone = [
        value
        for label, parent, value in drawn
        if parent == "Compute" and not label.startswith("Other")
    ]
    page.selectbox(key="ovw_treemap_category").set_value("Compute").run()
    members = members_table(page)
    label, grouped_usd = others["Compute"]
    assert label == f"Other: {len(members) - len(shown_alone)} resources"
    assert members["monthly_cost_usd"].sum() == pytest.approx(sum(shown_alone) + grouped_usd)
    assert list(members["monthly_cost_usd"].head(len(shown_alone))) == sorted(
        shown_alone, reverse=True
    )


def test_a_second_cold_start_asks_vultr_for_no_closed_invoice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With a real key the closed invoices' items are kept on disk; a restart (fresh caches
    and clients) asks only for the invoice list, this month and the inventory."""
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    vultr = Simulator(size="small")
    with vultr.serve() as server:
        monkeypatch.setenv("VULTR_API_KEY", DEMO_API_KEY)
        monkeypatch.setenv("VULTR_API_URL", f"{server.base_url}/v2")
        first = open_page("overview.py")
        assert any(r.path.endswith("/items") for r in vultr.request_log)
        restart()
        vultr.clear_log()
        again = open_page("overview.py")
        restart()
    assert not first.exception
    assert not again.exception
    asked = {r.path for r in vultr.request_log}
    assert not any(path.endswith("/items") for path in asked)
    assert len(list((tmp_path / "invoices").glob("*.json"))) == 2
    assert {"/v2/billing/invoices", "/v2/billing/pending-charges", "/v2/account"} <= asked
    # The forecast moves with the clock between the two starts; these do not.
    spend_metrics = ("Month to date", "Balance", "Last payment")
    assert [m.value for m in again.metric if m.label in spend_metrics] == [
        m.value for m in first.metric if m.label in spend_metrics
    ]
    assert chart(again, "ovw_by_month") == chart(first, "ovw_by_month")
    (changes,) = [t.value for t in again.dataframe if "product" in t.value.columns]
    (before,) = [t.value for t in first.dataframe if "product" in t.value.columns]
    assert changes.equals(before)
    assert len(changes) > 0


INVENTORY_LISTS = {
    "/v2/instances",
    "/v2/plans",
    "/v2/bare-metals",
    "/v2/plans-metal",
    "/v2/databases",
    "/v2/databases/plans",
    "/v2/kubernetes/clusters",
    "/v2/blocks",
    "/v2/object-storage",
    "/v2/snapshots",
    "/v2/load-balancers",
    "/v2/reserved-ips",
}


def test_the_invoices_items_wait_for_the_inventory_the_forecast_needs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Under Vultr's pacing a request waits its turn: the closed invoices' items (for the
    section at the bottom) are asked for only once every inventory list is in, so none of
    them takes a turn the forecast's inventory was waiting for."""
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    vultr = Simulator(size="small")
    with vultr.serve() as server:
        monkeypatch.setenv("VULTR_API_KEY", DEMO_API_KEY)
        monkeypatch.setenv("VULTR_API_URL", f"{server.base_url}/v2")
        page = open_page("overview.py")
        restart()
    assert not page.exception
    paths = [entry.path for entry in vultr.request_log]
    inventory = [at for at, path in enumerate(paths) if path in INVENTORY_LISTS]
    items = [at for at, path in enumerate(paths) if path.endswith("/items")]
    assert {paths[at] for at in inventory} == INVENTORY_LISTS
    assert items, "the first start asks for the last two invoices' items"
    assert max(inventory) < min(items)


def test_the_invoices_items_wait_for_the_headline_to_be_drawn(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Reading the last two invoices' items (thousands, asked of Vultr or read from disk) is
    CPU the forecast's last steps would share: they wait until the page says its headline is
    drawn, while the databases' usage, which also waits for the inventory, goes ahead."""
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    vultr = Simulator(size="small")
    with vultr.serve() as server:
        monkeypatch.setenv("VULTR_API_KEY", DEMO_API_KEY)
        monkeypatch.setenv("VULTR_API_URL", f"{server.base_url}/v2")
        restart()
        figures = spend.load_spend(settings())
        assert figures.loaded("idle") is not None
        before_the_headline = [e.path for e in vultr.request_log if e.path.endswith("/items")]
        figures.headline_done()
        month = figures.month_over_month()
        restart()
    assert before_the_headline == []
    assert month is not None
    assert [e.path for e in vultr.request_log if e.path.endswith("/items")]


def test_a_headline_cut_short_still_lets_the_invoices_items_load(
    demo: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account failing ends the headline early: the items must not wait out their
    longest wait for it, made longer here than the run's 30 s limit (open_alone)."""
    monkeypatch.setattr(spend, "HEADLINE_WAIT_S", 60.0)
    demo.faults = Faults(path_prefix="/v2/account", status_code=500, status_count=-1)
    page = open_alone("overview.py")
    assert not page.exception
    assert any(e.startswith("Could not load the account.") for e in errors(page))
    assert [e for e in page.expander if e.label == "Month-over-month change by product"]


def test_the_servers_warm_up_asks_vultr_nothing(demo: Simulator) -> None:
    """The server entry pays the first visit's one-off costs at start (figures, the shared
    client): before anyone visits, nothing may be asked of Vultr."""
    restart()
    spend.warm_up()
    assert demo.request_log == []


def members_table(page: AppTest) -> pd.DataFrame:
    """The drill-down's table: a category's resources (the only table with a status)."""
    (members,) = [table.value for table in page.dataframe if "status" in table.value.columns]
    return members


def restart() -> None:
    """What a new process starts without: cached results and shared clients."""
    st.cache_data.clear()
    st.cache_resource.clear()
    close_shared_clients()


def test_with_valkey_configured_the_closed_invoices_are_kept_there(
    demo: Simulator, monkeypatch: pytest.MonkeyPatch, valkey_client: valkey.Valkey, valkey_url: str
) -> None:
    monkeypatch.setenv("VALKEY_URL", valkey_url)
    open_page("overview.py")
    kept = valkey_client.keys(f"{KEY_PREFIX}*")
    assert len(kept) == 2  # type: ignore[arg-type]
    # A restart long after the shared management reads expired: only the kept items remain.
    for name in valkey_client.scan_iter():
        if not name.startswith(KEY_PREFIX.encode()):
            valkey_client.delete(name)
    restart()
    demo.clear_log()
    page = open_page("overview.py")
    assert not page.exception
    assert "/v2/billing/invoices" in {entry.path for entry in demo.request_log}
    assert not any(entry.path.endswith("/items") for entry in demo.request_log)


def test_last_months_change_by_product_matches_the_ledger(demo: Simulator) -> None:
    """What the page keeps of the last two invoices' items, their totals by product: the
    table and the sentences against the simulator's own ledger, with a product new last month
    whose name is Markdown and HTML (shown as text)."""
    ledger = demo.organisation.ledger
    latest, previous = ledger.invoices[0]["id"], ledger.invoices[1]["id"]
    hostile = "GPU <b>*burst*</b> [x](https://evil.example)"
    ledger.invoice_items[latest].append(
        {**ledger.invoice_items[latest][0], "product": hostile, "unit_price": 75.0, "units": 1}
        | {"total": 75.0}
    )
    page = open_page("overview.py")

    def totals(invoice_id: int) -> dict[str, float]:
        sums: dict[str, float] = {}
        for item in ledger.invoice_items[invoice_id]:
            sums[item["product"]] = sums.get(item["product"], 0.0) + item["total"]
        return sums

    before, after = totals(previous), totals(latest)
    (changes,) = [e for e in page.expander if e.label == "Month-over-month change by product"]
    (table,) = [frame.value for frame in changes.dataframe]
    shown = table.set_index("product")
    assert set(shown.index) == set(before) | set(after)
    for product in shown.index:
        expected = after.get(product, 0.0) - before.get(product, 0.0)
        assert shown.loc[product, "change_usd"] == pytest.approx(expected)
    assert list(shown.index[shown["flagged"]]) == [hostile]
    sentences = [seen(warning.value) for warning in page.warning]
    assert [s for s in sentences if s.startswith(hostile)] == [
        f"{hostile} is new in {month_name(Invoice.from_api(ledger.invoices[0]))}: +$75.00."
    ]
