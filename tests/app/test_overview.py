"""The Overview in demo mode: the simulator's figures, charts, attention items, failures."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT, open_page
from tests.app.markup import seen
from vultr_core.api.management import ManagementClient
from vultr_core.clients import DEMO_MANAGEMENT_URL
from vultr_core.formatting import format_balance, format_usd
from vultr_core.simulator import DEMO_API_KEY, Faults, Simulator
from vultr_core.simulator.catalog import PLAN_BY_ID
from vultr_core.spend.data import fetch_inventory, price_inventory
from vultr_core.spend.forecast import forecast
from vultr_core.spend.reconciliation import reconcile


def chart(page: AppTest, key: str) -> dict[str, Any]:
    (found,) = [c for c in page.get("plotly_chart") if c.key == key]
    return json.loads(found.proto.spec)


def numbers(array: list[float] | dict[str, str]) -> list[float]:
    """Plotly 6 sends numeric arrays as base64 typed arrays ({"dtype", "bdata"})."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return array


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
            pending_lines=client.pending_charges(),
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
    (bars,) = chart(page, "ovw_by_category")["data"]
    assert "Usage-based / unattributed" in bars["y"]
    assert sum(numbers(bars["x"])) == pytest.approx(demo.organisation.account["pending_charges"])
    (months,) = chart(page, "ovw_by_month")["data"]
    invoices = demo.organisation.ledger.invoices
    assert numbers(months["y"]) == [invoice["amount"] for invoice in reversed(invoices)]


def test_needs_attention_says_what_idles_and_what_it_costs(demo: Simulator) -> None:
    page = open_page("overview.py")
    stopped = [i for i in demo.organisation.instances if i["power_status"] == "stopped"]
    cost = sum(PLAN_BY_ID[i["plan"]].monthly_cost for i in stopped)
    sentences = [seen(warning.value) for warning in page.warning]
    assert f"{len(stopped)} stopped instances still bill {format_usd(cost)} a month." in sentences
    assert "1 database idling under 10% costs $30.00 a month." in sentences
    waste = page.dataframe[0].value
    assert "wordpress-mysql" in set(waste["label"])
    assert set(waste["label"]) >= {i["label"] for i in stopped}
    assert any("all 10 databases" in caption.value for caption in page.caption)


def test_grouping_the_run_rate_changes_the_breakdown(demo: Simulator) -> None:
    page = open_page("overview.py")
    (by_category,) = chart(page, "ovw_breakdown")["data"]
    assert "Compute" in by_category["y"]
    page.selectbox(key="ovw_group_by").set_value("region").run()
    (by_region,) = chart(page, "ovw_breakdown")["data"]
    regions = {i["region"] for i in demo.organisation.instances}
    assert regions <= set(by_region["y"])


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
    assert {c.key for c in page.get("plotly_chart")} >= {"ovw_by_category", "ovw_forecast"}
    assert "ovw_by_month" not in {c.key for c in page.get("plotly_chart")}


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
    assert {c.key for c in page.get("plotly_chart")} == {"ovw_by_month"}


def test_a_failing_account_leaves_history_and_run_rate(demo: Simulator) -> None:
    demo.faults = Faults(path_prefix="/v2/account", status_code=500, status_count=-1)
    page = open_alone("overview.py")
    assert not page.exception
    assert any(e.startswith("Could not load the account.") for e in errors(page))
    assert {c.key for c in page.get("plotly_chart")} >= {"ovw_by_month", "ovw_treemap"}
    labels = {m.label for m in page.metric}
    assert "Balance" not in labels
    assert "Monthly list price of everything running now" in labels
