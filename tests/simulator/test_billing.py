"""Billing: pending charges derived from the inventory, invoices, history and the balance."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime

import httpx
import pytest

from vultr_core.simulator import Simulator
from vultr_core.simulator.catalog import PLAN_BY_ID

from .conftest import NOW, make_client

MONTH_START = NOW.replace(day=1, hour=0, minute=0, second=0)


def _cents(amount: float) -> int:
    return round(amount * 100)


@pytest.mark.parametrize("size", ["empty", "small", "large"])
def test_account_pending_charges_is_the_sum_of_the_lines(size: str) -> None:
    with make_client(Simulator(size=size, now=NOW)) as client:
        lines = client.get("/billing/pending-charges").json()["pending_charges"]
        account = client.get("/account").json()["account"]
    assert _cents(account["pending_charges"]) == sum(_cents(line["total"]) for line in lines)


def test_instance_lines_follow_vultr_hourly_billing(api: httpx.Client) -> None:
    """hourly = monthly/672 (GPU: /730), hours since the later of creation and month start."""
    lines = {
        line["description"]: line
        for line in api.get("/billing/pending-charges").json()["pending_charges"]
    }
    for instance in api.get("/instances").json()["instances"]:
        line = lines[f"{instance['main_ip']} ({instance['ram']} MB) [{instance['label']}]"]
        plan = PLAN_BY_ID[instance["plan"]]
        start = max(datetime.fromisoformat(instance["date_created"]), MONTH_START)
        hours = max(1, math.ceil((NOW - start).total_seconds() / 3600))
        divisor = 730 if plan.is_gpu else 672
        assert line["units"] == hours
        assert line["unit_price"] == round(plan.monthly_cost / divisor, 4)
        assert line["total"] == pytest.approx(
            min(hours * plan.monthly_cost / divisor, plan.monthly_cost), abs=0.006
        )


def test_stopped_instances_still_bill(api: httpx.Client) -> None:
    lines = api.get("/billing/pending-charges").json()["pending_charges"]
    stopped = [
        i for i in api.get("/instances").json()["instances"] if i["power_status"] == "stopped"
    ]
    assert stopped
    for instance in stopped:
        assert any(
            f"[{instance['label']}]" in line["description"] and line["total"] > 0 for line in lines
        )


def test_usage_lines_are_present(api: httpx.Client) -> None:
    products = {
        line["product"] for line in api.get("/billing/pending-charges").json()["pending_charges"]
    }
    assert {"Load Balancer", "Bandwidth", "Snapshots", "Serverless Inference"} <= products
    assert {"Managed Database", "Block Storage", "Kubernetes Engine", "Object Storage"} <= products


def test_bandwidth_overage_line_matches_account_bandwidth(api: httpx.Client) -> None:
    to_date = api.get("/account/bandwidth").json()["bandwidth"]["current_month_to_date"]
    lines = api.get("/billing/pending-charges").json()["pending_charges"]
    (overage,) = [line for line in lines if line["product"] == "Bandwidth"]
    assert overage["units"] == to_date["overage"]
    assert overage["total"] == to_date["overage_cost"]


def test_per_resource_pending_charges_match_their_lines(api: httpx.Client) -> None:
    lines = {
        line["description"]: line["total"]
        for line in api.get("/billing/pending-charges").json()["pending_charges"]
    }
    for db in api.get("/databases").json()["databases"]:
        for each in [db, *db["read_replicas"]]:
            assert each["pending_charges"] == lines[f"Managed Database ({each['label']})"]
    for block in api.get("/blocks").json()["blocks"]:
        assert block["pending_charges"] == lines[f"Block Storage ({block['label']})"]
        assert 0 < block["pending_charges"] <= block["cost"]


def test_invoice_amount_is_the_sum_of_its_items(api: httpx.Client) -> None:
    for invoice in api.get("/billing/invoices").json()["billing_invoices"]:
        items = api.get(f"/billing/invoices/{invoice['id']}/items", params={"per_page": 500}).json()
        assert items["meta"]["total"] == len(items["invoice_items"])
        assert _cents(invoice["amount"]) == sum(
            _cents(item["total"]) for item in items["invoice_items"]
        )


def test_invoice_items_charge_list_prices(api: httpx.Client) -> None:
    """A machine that existed all last month costs its monthly price (GPU: hours x monthly/730)."""
    latest = api.get("/billing/invoices").json()["billing_invoices"][0]
    items = api.get(f"/billing/invoices/{latest['id']}/items").json()["invoice_items"]
    totals = {item["description"]: item["total"] for item in items}
    last_month = MONTH_START.replace(month=MONTH_START.month - 1)
    hours = (MONTH_START - last_month).total_seconds() / 3600
    checked = 0
    for instance in api.get("/instances").json()["instances"]:
        if datetime.fromisoformat(instance["date_created"]) < last_month:
            description = f"{instance['main_ip']} ({instance['ram']} MB) [{instance['label']}]"
            plan = PLAN_BY_ID[instance["plan"]]
            expected = (
                min(hours * plan.monthly_cost / 730, plan.monthly_cost)
                if plan.is_gpu
                else plan.monthly_cost
            )
            assert totals[description] == pytest.approx(expected, abs=0.005)
            checked += 1
    assert checked > 10


def test_invoices_are_issued_on_the_first_newest_first(api: httpx.Client) -> None:
    invoices = api.get("/billing/invoices").json()["billing_invoices"]
    dates = [datetime.fromisoformat(invoice["date"]) for invoice in invoices]
    assert dates == sorted(dates, reverse=True)
    assert all(d.day == 1 and d.hour == 0 for d in dates)
    assert dates[0] == MONTH_START
    assert all(invoice["description"] == f"Invoice #{invoice['id']}" for invoice in invoices)
    single = api.get(f"/billing/invoices/{invoices[3]['id']}").json()
    assert single == {"billing_invoice": invoices[3]}


def test_history_has_invoices_payments_and_credits(api: httpx.Client) -> None:
    history = api.get("/billing/history").json()["billing_history"]
    kinds = {item["type"] for item in history}
    assert kinds == {"invoice", "payment", "credit"}
    assert all(item["amount"] < 0 for item in history if item["type"] in ("payment", "credit"))
    assert all(item["amount"] > 0 for item in history if item["type"] == "invoice")
    for newer, older in itertools.pairwise(history):
        assert _cents(newer["balance"]) == _cents(older["balance"]) + _cents(newer["amount"])


def test_balance_is_negative_credit_and_matches_history(api: httpx.Client) -> None:
    account = api.get("/account").json()["account"]
    history = api.get("/billing/history").json()["billing_history"]
    assert account["balance"] < 0
    assert account["balance"] == history[0]["balance"]
    payment = next(item for item in history if item["type"] == "payment")
    assert account["last_payment_date"] == payment["date"]
    assert account["last_payment_amount"] == payment["amount"] < 0


def test_unknown_invoice_is_404(api: httpx.Client) -> None:
    response = api.get("/billing/invoices/123")
    assert response.status_code == 404
    assert response.json()["status"] == 404


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC),
        datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 30, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
    ],
    ids=["month-start", "leap-day", "new-year", "year-end"],
)
def test_billing_holds_on_calendar_edges(now: datetime) -> None:
    sim = Simulator(now=now)
    org = sim.organisation
    assert _cents(org.account["pending_charges"]) == sum(
        _cents(line["total"]) for line in org.pending_charges
    )
    assert len(org.ledger.invoices) == 12
    for invoice in org.ledger.invoices:
        items = org.ledger.invoice_items[invoice["id"]]
        assert _cents(invoice["amount"]) == sum(_cents(item["total"]) for item in items)
    with make_client(sim) as client:
        assert client.get("/account/bandwidth").status_code == 200
