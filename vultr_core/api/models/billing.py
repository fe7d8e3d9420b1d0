"""The account, its bandwidth, billing history, invoices and their charge lines.

What the spend pages reconcile: the balance and pending charges, past invoices and the
per-product lines of an invoice or of this month so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Self

from vultr_core.api.models.common import Json
from vultr_core.api.parsing import (
    mapping,
    parse_datetime,
    parse_float,
    parse_int,
    parse_price,
    parse_str,
    parse_str_list,
    parse_usd,
)


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    email: str
    acls: tuple[str, ...]
    # Negative means the account is in credit (vultr-api.md §1.6). None when the API sent no
    # valid amount: shown as such, never as $0.00.
    balance_usd: float | None
    pending_charges_usd: float | None
    last_payment_date: datetime | None
    last_payment_amount_usd: float | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            name=parse_str(data.get("name")),
            email=parse_str(data.get("email")),
            acls=parse_str_list(data.get("acls")),
            balance_usd=parse_usd(data.get("balance")),
            pending_charges_usd=parse_usd(data.get("pending_charges")),
            last_payment_date=parse_datetime(data.get("last_payment_date")),
            last_payment_amount_usd=parse_usd(data.get("last_payment_amount")),
        )


@dataclass(frozen=True, slots=True)
class BandwidthPeriod:
    start: datetime | None
    end: datetime | None
    gb_in: float
    gb_out: float
    total_instance_hours: int
    total_instance_count: int
    instance_bandwidth_credits_gb: float
    free_bandwidth_credits_gb: float
    purchased_bandwidth_credits_gb: float
    overage_gb: float
    overage_unit_cost_usd: float
    overage_cost_usd: float

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            start=parse_datetime(data.get("timestamp_start")),
            end=parse_datetime(data.get("timestamp_end")),
            gb_in=parse_float(data.get("gb_in")) or 0.0,
            gb_out=parse_float(data.get("gb_out")) or 0.0,
            total_instance_hours=parse_int(data.get("total_instance_hours")) or 0,
            total_instance_count=parse_int(data.get("total_instance_count")) or 0,
            instance_bandwidth_credits_gb=parse_float(data.get("instance_bandwidth_credits"))
            or 0.0,
            free_bandwidth_credits_gb=parse_float(data.get("free_bandwidth_credits")) or 0.0,
            purchased_bandwidth_credits_gb=parse_float(data.get("purchased_bandwidth_credits"))
            or 0.0,
            overage_gb=parse_float(data.get("overage")) or 0.0,
            overage_unit_cost_usd=parse_float(data.get("overage_unit_cost")) or 0.0,
            overage_cost_usd=parse_float(data.get("overage_cost")) or 0.0,
        )


@dataclass(frozen=True, slots=True)
class AccountBandwidth:
    previous_month: BandwidthPeriod
    current_month_to_date: BandwidthPeriod
    current_month_projected: BandwidthPeriod

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            previous_month=BandwidthPeriod.from_api(mapping(data.get("previous_month"))),
            current_month_to_date=BandwidthPeriod.from_api(
                mapping(data.get("current_month_to_date"))
            ),
            current_month_projected=BandwidthPeriod.from_api(
                mapping(data.get("current_month_projected"))
            ),
        )


@dataclass(frozen=True, slots=True)
class BillingHistoryItem:
    id: int
    date: datetime | None
    type: str
    description: str
    amount_usd: float
    balance_usd: float

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_int(data.get("id")) or 0,
            date=parse_datetime(data.get("date")),
            type=parse_str(data.get("type")),
            description=parse_str(data.get("description")),
            amount_usd=parse_usd(data.get("amount")) or 0.0,
            balance_usd=parse_usd(data.get("balance")) or 0.0,
        )


@dataclass(frozen=True, slots=True)
class Invoice:
    id: int
    date: datetime | None
    description: str
    # None when the API sent no valid amount: left out of charts, sums and comparisons.
    amount_usd: float | None
    balance_usd: float | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_int(data.get("id")) or 0,
            date=parse_datetime(data.get("date")),
            description=parse_str(data.get("description")),
            amount_usd=parse_usd(data.get("amount")),
            balance_usd=parse_usd(data.get("balance")),
        )


@dataclass(frozen=True, slots=True)
class ChargeItem:
    """A line of an invoice or of this month's pending charges (same shape in the API)."""

    description: str
    product: str
    start_date: datetime | None
    end_date: datetime | None
    units: float
    unit_type: str
    unit_price_usd: float
    # None when the API sent no valid total: left out of the product sums, which say so.
    total_usd: float | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            description=parse_str(data.get("description")),
            product=parse_str(data.get("product")),
            start_date=parse_datetime(data.get("start_date")),
            end_date=parse_datetime(data.get("end_date")),
            units=parse_float(data.get("units"), minimum=0.0) or 0.0,
            unit_type=parse_str(data.get("unit_type")),
            unit_price_usd=parse_price(data.get("unit_price")) or 0.0,
            total_usd=parse_usd(data.get("total")),
        )
