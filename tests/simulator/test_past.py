"""The demo organisation's past agrees with its present and its books."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import FIXED_NOW
from vultr_core.simulator import Simulator
from vultr_core.simulator.catalog import PLAN_BY_ID
from vultr_core.simulator.generation import add_months
from vultr_core.simulator.past import organisation_past, parse_moment


@pytest.mark.parametrize("size", ["small", "large"])
def test_now_reads_the_accounts_pending_charges_and_each_month_end_its_invoice(size: str) -> None:
    organisation = Simulator(size=size, now=FIXED_NOW).organisation
    past = organisation_past(organisation)
    assert past.pending_at(FIXED_NOW).total_usd == organisation.account["pending_charges"]
    for month, amount in past.invoices.items():
        last_moment = add_months(month, 1) - timedelta(microseconds=1)
        assert past.pending_at(last_moment).total_usd == pytest.approx(amount, abs=0.005)


def test_the_past_is_the_same_for_the_same_seed_and_moment() -> None:
    first = organisation_past(Simulator(size="small", now=FIXED_NOW).organisation)
    again = organisation_past(Simulator(size="small", now=FIXED_NOW).organisation)
    assert first.events == again.events
    assert first.object_changes == again.object_changes


def test_every_story_is_told_and_ends_as_the_organisation_is_today() -> None:
    organisation = Simulator(size="small", now=FIXED_NOW).organisation
    past = organisation_past(organisation)
    assert {e.story for e in past.events if e.story} == {
        "gpu-left-running", "resize", "deleted-database", "spike", "retag",
        "stopped-but-billed", "weekend-off",
    }  # fmt: skip
    today = past.objects_at(FIXED_NOW)
    assert today["instances"] == organisation.instances
    assert today["databases"] == organisation.databases
    gpu = next(e for e in past.events if e.story == "gpu-left-running")
    served = next(i for i in organisation.instances if i["id"] == gpu.resource_id)
    assert PLAN_BY_ID[served["plan"]].is_gpu
    assert served["power_status"] == "running"
    assert parse_moment(served["date_created"]) == gpu.at > past.start


def test_what_the_stories_destroyed_is_billed_until_it_went() -> None:
    organisation = Simulator(size="small", now=FIXED_NOW).organisation
    past = organisation_past(organisation)
    deleted = next(e for e in past.events if e.story == "deleted-database")
    (database, gone) = next(
        (item, when)
        for item, when in past.plan.gone["databases"]
        if item["id"] == deleted.resource_id
    )
    assert gone == deleted.at
    invoices = {
        add_months(parse_moment(invoice["date"]), -1): invoice["id"]
        for invoice in organisation.ledger.invoices
    }
    month = deleted.at.replace(day=1, hour=0, minute=0)
    lines = organisation.ledger.invoice_items[invoices[month]]
    name = f"Managed Database ({database['label']})"
    (line,) = [item for item in lines if item["description"] == name]
    assert line["end_date"] == deleted.at.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    after = add_months(month, 1)
    following = (
        organisation.ledger.invoice_items[invoices[after]]
        if after in invoices
        else organisation.pending_charges
    )
    assert all(item["description"] != name for item in following)


def test_an_empty_organisation_has_no_past() -> None:
    past = organisation_past(Simulator(size="empty", now=FIXED_NOW).organisation)
    assert past.events == []
    assert past.pending_at(FIXED_NOW).total_usd == 0
    assert past.start == FIXED_NOW - timedelta(days=90)
    assert past.start.tzinfo == UTC
    assert datetime(2026, 11, 1, tzinfo=UTC) in past.invoices or past.invoices == {}
