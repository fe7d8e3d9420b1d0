"""Invoices by month and month-over-month change by product."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from vultr_core.api.management import ManagementClient
from vultr_core.api.models.billing import ChargeItem, Invoice
from vultr_core.simulator import Simulator
from vultr_core.spend.data import fetch_invoice_history
from vultr_core.spend.history import (
    InvoiceHistory,
    billed_month,
    change_sentences,
    month_over_month,
    monthly_spend,
    product_changes,
)


def invoice(invoice_id: int, date: str, amount: float) -> Invoice:
    return Invoice.from_api({"id": invoice_id, "date": date, "amount": amount})


def items(**totals: float) -> list[ChargeItem]:
    return [
        ChargeItem.from_api({"product": product.replace("_", " "), "total": total})
        for product, total in totals.items()
    ]


@pytest.mark.parametrize(
    ("date", "month"),
    [
        ("2026-11-01T00:00:00+00:00", datetime(2026, 10, 1, tzinfo=UTC)),
        ("2026-01-01T00:00:00+00:00", datetime(2025, 12, 1, tzinfo=UTC)),
        ("2024-03-01 00:00:00", datetime(2024, 2, 1, tzinfo=UTC)),
        ("", None),
    ],
)
def test_an_invoice_bills_the_month_before_its_date(date: str, month: datetime | None) -> None:
    assert billed_month(invoice(1, date, 10)) == month


def test_monthly_spend_from_the_simulators_invoices(
    client: ManagementClient, simulator: Simulator
) -> None:
    monthly = monthly_spend(client.invoices())
    ledger = simulator.organisation.ledger.invoices
    assert len(monthly) == len(ledger) == 12
    assert list(monthly["month"]) == sorted(monthly["month"])
    assert monthly["month"].iloc[-1] == datetime(2026, 10, 1, tzinfo=UTC)
    assert monthly["amount_usd"].iloc[-1] == ledger[0]["amount"]
    assert monthly["amount_usd"].sum() == pytest.approx(sum(i["amount"] for i in ledger))


def test_product_changes_flag_steep_and_large_rises() -> None:
    before = items(Compute=100.0, Load_Balancer=10.0, Bandwidth=2.0, Snapshots=5.0)
    after = items(Compute=125.0, Load_Balancer=14.0, Bandwidth=1.0, Inference=30.0)
    changes = product_changes(before, after).set_index("product")
    assert changes.loc["Compute", "change_pct"] == pytest.approx(25.0)
    assert changes.loc["Compute", "flagged"]
    assert math.isnan(changes.loc["Inference", "change_pct"])
    assert changes.loc["Inference", "flagged"]
    # +40% but only $4: noise.
    assert not changes.loc["Load Balancer", "flagged"]
    assert changes.loc["Snapshots", "latest_usd"] == 0.0
    assert not changes.loc["Snapshots", "flagged"]
    assert list(changes.index[changes["flagged"]]) == ["Inference", "Compute"]


def test_the_threshold_is_a_parameter() -> None:
    before, after = items(Compute=100.0), items(Compute=115.0)
    assert not product_changes(before, after)["flagged"].any()
    assert product_changes(before, after, threshold_pct=10.0)["flagged"].all()


def test_change_sentences_name_the_months() -> None:
    history = InvoiceHistory(
        invoices=(
            invoice(2, "2026-11-01T00:00:00+00:00", 155),
            invoice(1, "2026-10-01T00:00:00+00:00", 100),
        ),
        latest_items=tuple(items(Compute=125.0, Inference=30.0)),
        previous_items=tuple(items(Compute=100.0)),
    )
    month = month_over_month(history)
    assert month is not None
    assert change_sentences(month) == [
        "Inference is new in October 2026: +$30.00.",
        "Compute rose 25% (+$25.00) from September 2026 to October 2026.",
    ]


def test_the_simulators_last_two_invoices_compared_by_product(
    client: ManagementClient, simulator: Simulator
) -> None:
    history = fetch_invoice_history(client)
    ledger = simulator.organisation.ledger
    latest, previous = ledger.invoices[0]["id"], ledger.invoices[1]["id"]
    assert (history.latest, history.previous) == tuple(client.invoices()[:2])
    changes = product_changes(history.previous_items, history.latest_items).set_index("product")
    for product in changes.index:
        expected = sum(i["total"] for i in ledger.invoice_items[latest] if i["product"] == product)
        before = sum(i["total"] for i in ledger.invoice_items[previous] if i["product"] == product)
        assert changes.loc[product, "change_usd"] == pytest.approx(expected - before)


def test_month_over_month_needs_two_invoices_and_keeps_only_the_comparison() -> None:
    """What a page caches of the items: one row per product, not the lines."""
    lines = items(Compute=40.0) * 500
    one = InvoiceHistory(invoices=(invoice(2, "2026-11-01T00:00:00+00:00", 155),))
    assert month_over_month(one) is None
    assert month_over_month(InvoiceHistory(invoices=())) is None
    two = InvoiceHistory(
        invoices=(
            invoice(2, "2026-11-01T00:00:00+00:00", 20_030),
            invoice(1, "2026-10-01T00:00:00+00:00", 10_000),
        ),
        latest_items=(*lines, *items(Inference=30.0)),
        previous_items=tuple(items(Compute=40.0) * 250),
    )
    month = month_over_month(two)
    assert month is not None
    assert (month.latest.id, month.previous.id) == (2, 1)
    changes = month.changes.set_index("product")
    assert list(changes.index) == ["Compute", "Inference"]
    assert changes.loc["Compute", "change_usd"] == pytest.approx(10_000.0)
    assert changes.loc["Compute", "change_pct"] == pytest.approx(100.0)
    assert math.isnan(changes.loc["Inference", "change_pct"])


def test_an_account_without_invoices_has_no_history() -> None:
    history = InvoiceHistory(invoices=())
    assert history.latest is None
    assert monthly_spend(history.invoices).empty
    assert product_changes((), ()).empty
