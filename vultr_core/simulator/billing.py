"""Billing derived from the inventory: pending charges, invoices with items, history, balance.

The model is Vultr's (ANCHORS.md section 0): every server bills hourly at monthly/672 up to the
monthly price (GPU plans at monthly/730, capped at 730 h), stopped servers keep billing, invoices
are issued on the 1st for the previous month. Usage lines (bandwidth overage, inference tokens)
come in per month. `account.pending_charges` is the sum of the pending lines, to the cent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .generation import Generator, add_months, iso, money
from .messages import JsonObject

HOURS_PER_BILLING_MONTH = 672
"""Hourly rate = monthly price / 672 h (28 days); the monthly price caps the month."""
GPU_HOURS_PER_BILLING_MONTH = 730
SECONDS_PER_HOUR = 3600
UNIT_PRICE_DECIMALS = 4
PAYMENT_DELAY = timedelta(days=2, hours=9)
"""Card payments settle a couple of days after the invoice (demo assumption)."""
OPENING_CREDIT_USD = 250.0
"""Promotional credit the demo account started with, so its balance is negative (= credit)."""
CREDIT_EVERY_N_MONTHS = 5
CREDIT_AMOUNTS_USD = (25.0, 50.0, 100.0)


@dataclass(frozen=True)
class Charge:
    """A resource billed by the hour up to a monthly cap; `owner` links back to its object."""

    description: str
    product: str
    monthly_usd: float
    created: datetime
    cap_hours: int = HOURS_PER_BILLING_MONTH
    quantity: int = 1
    owner: str = ""
    # When it was destroyed (the demo's past: past.py); None while it still exists.
    ended: datetime | None = None

    def line(self, period: Period) -> JsonObject | None:
        """This charge's line item for `period`, or None if it did not exist then."""
        begin = max(self.created, period.start)
        end = period.end if self.ended is None else min(period.end, self.ended)
        if begin >= end:
            return None
        hours = max(1, math.ceil((end - begin).total_seconds() / SECONDS_PER_HOUR))
        hourly = self.monthly_usd / self.cap_hours
        return {
            "description": self.description,
            "product": self.product,
            "start_date": period.start_text if begin == period.start else iso(begin),
            "end_date": period.end_text if end == period.end else iso(end),
            "units": hours * self.quantity,
            "unit_type": "hours",
            "unit_price": round(hourly, UNIT_PRICE_DECIMALS),
            "total": money(min(hours * hourly, self.monthly_usd) * self.quantity),
        }


@dataclass(frozen=True)
class Period:
    """A billing period with its ISO bounds pre-formatted (thousands of lines share them)."""

    start: datetime
    end: datetime
    start_text: str = field(init=False)
    end_text: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start_text", iso(self.start))
        object.__setattr__(self, "end_text", iso(self.end))

    def usage_line(
        self, description: str, product: str, units: float, unit_type: str, unit_price: float
    ) -> JsonObject:
        return {
            "description": description,
            "product": product,
            "start_date": self.start_text,
            "end_date": self.end_text,
            "units": units,
            "unit_type": unit_type,
            "unit_price": unit_price,
            "total": money(units * unit_price),
        }


def billing_month(now: datetime, months_ago: int) -> Period:
    """Month `months_ago` before now's; month 0 is the current month, up to now."""
    start = add_months(now, -months_ago)
    end = now if months_ago == 0 else add_months(now, -months_ago + 1)
    return Period(start, end)


@dataclass
class Ledger:
    """Everything `/v2/billing/*` and the account's money fields serve."""

    pending_charges: list[JsonObject]
    pending_by_owner: dict[str, float]
    invoices: list[JsonObject]
    invoice_items: dict[int, list[JsonObject]]
    history: list[JsonObject]
    balance: float
    last_payment_date: str
    last_payment_amount: float

    @property
    def pending_total(self) -> float:
        return money(sum(line["total"] for line in self.pending_charges))


def build_ledger(
    gen: Generator,
    charges: Sequence[Charge],
    usage_lines: Sequence[Sequence[JsonObject]],
    invoice_count: int,
    history_months: int,
) -> Ledger:
    """Price every charge for the current month and the last `invoice_count` months.

    `usage_lines[k]` are the usage-based lines of the month `k` months ago (0 = current).
    """
    now = gen.now
    pending = _lines(charges, billing_month(now, 0)) + list(usage_lines[0])
    pending_by_owner: dict[str, float] = {}
    for charge in charges:
        if charge.owner:
            line = charge.line(billing_month(now, 0))
            pending_by_owner[charge.owner] = line["total"] if line else 0
    monthly_items = [
        _lines(charges, billing_month(now, k)) + list(usage_lines[k])
        for k in range(invoice_count, 0, -1)
    ]
    books = _book(gen, monthly_items)
    # History covers the last `history_months` invoices (and what followed them).
    since = add_months(now, 1 - history_months)
    history = [
        {**event, "date": iso(event["date"])}
        for event in reversed(books.events)
        if history_months and event["date"] >= since
    ]
    payments = [event for event in reversed(books.events) if event["type"] == "payment"]
    return Ledger(
        pending_charges=pending,
        pending_by_owner=pending_by_owner,
        invoices=books.invoices[::-1],
        invoice_items=books.items,
        history=history,
        balance=money(books.balance),
        last_payment_date=iso(payments[0]["date"]) if payments else "",
        last_payment_amount=payments[0]["amount"] if payments else 0,
    )


def _lines(charges: Sequence[Charge], period: Period) -> list[JsonObject]:
    return [line for charge in charges if (line := charge.line(period)) is not None]


@dataclass
class _Books:
    invoices: list[JsonObject] = field(default_factory=list)
    items: dict[int, list[JsonObject]] = field(default_factory=dict)
    events: list[JsonObject] = field(default_factory=list)
    balance: float = 0.0


def _book(gen: Generator, monthly_items: list[list[JsonObject]]) -> _Books:
    """Issue the invoices oldest first, settle them by card, and keep a running balance."""
    now = gen.now
    books = _Books(balance=-OPENING_CREDIT_USD if monthly_items else 0.0)
    next_id = 9_000_000 + gen.rng.randint(0, 999_999)
    count = len(monthly_items)

    def record(when: datetime, kind: str, description: str, amount: float) -> None:
        nonlocal next_id
        books.balance = money(books.balance + amount)
        books.events.append(
            {
                "id": next_id,
                "date": when,
                "type": kind,
                "description": description,
                "amount": money(amount),
                "balance": books.balance,
            }
        )
        next_id += gen.rng.randint(3, 40)

    for index, items in enumerate(monthly_items):
        issued = add_months(now, index - count + 1)
        amount = money(sum(item["total"] for item in items))
        invoice_id = next_id
        record(issued, "invoice", f"Invoice #{invoice_id}", amount)
        books.invoices.append(
            {
                "id": invoice_id,
                "date": iso(issued),
                "description": f"Invoice #{invoice_id}",
                "amount": amount,
                "balance": books.balance,
            }
        )
        books.items[invoice_id] = items
        paid = issued + PAYMENT_DELAY + timedelta(minutes=gen.rng.randint(0, 600))
        if paid <= now:
            record(paid, "payment", "Payment via Visa ending 4242", -amount)
        if index % CREDIT_EVERY_N_MONTHS == CREDIT_EVERY_N_MONTHS - 1:
            credited = issued + timedelta(days=gen.rng.randint(8, 20))
            credit = gen.rng.choice(CREDIT_AMOUNTS_USD)
            if credited <= now:
                record(credited, "credit", "Account Credit", -credit)
    return books
