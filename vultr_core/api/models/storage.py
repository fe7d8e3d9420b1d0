"""Block volumes, snapshots and object storage with its tiers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Self

from vultr_core.api.models.common import Json
from vultr_core.api.parsing import (
    parse_count,
    parse_datetime,
    parse_int,
    parse_price,
    parse_str,
    parse_usd,
)


@dataclass(frozen=True, slots=True)
class BlockStorage:
    id: str
    label: str
    region: str
    status: str
    size_gb: int
    block_type: str
    # None when the API sent no valid price: the volume is then unpriced.
    monthly_cost_usd: float | None
    pending_charges_usd: float | None
    attached_to_instance: str
    attached_to_instance_label: str
    mount_id: str
    date_created: datetime | None

    @property
    def is_attached(self) -> bool:
        return bool(self.attached_to_instance)

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            label=parse_str(data.get("label")),
            region=parse_str(data.get("region")).lower(),
            status=parse_str(data.get("status")),
            size_gb=parse_count(data.get("size_gb")) or 0,
            block_type=parse_str(data.get("block_type")),
            monthly_cost_usd=parse_price(data.get("cost")),
            pending_charges_usd=parse_usd(data.get("pending_charges")),
            attached_to_instance=parse_str(data.get("attached_to_instance")),
            attached_to_instance_label=parse_str(data.get("attached_to_instance_label")),
            mount_id=parse_str(data.get("mount_id")),
            date_created=parse_datetime(data.get("date_created")),
        )


@dataclass(frozen=True, slots=True)
class Snapshot:
    id: str
    description: str
    status: str
    size_bytes: int
    compressed_size_bytes: int
    date_created: datetime | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            description=parse_str(data.get("description")),
            status=parse_str(data.get("status")),
            size_bytes=parse_int(data.get("size"), minimum=0) or 0,
            compressed_size_bytes=parse_int(data.get("compressed_size"), minimum=0) or 0,
            date_created=parse_datetime(data.get("date_created")),
        )


@dataclass(frozen=True, slots=True)
class ObjectStorageTier:
    id: int | None
    sales_name: str
    slug: str
    monthly_price_usd: float | None
    bandwidth_gb_price_usd: float | None
    disk_gb_price_usd: float | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            # The API spells this key in capitals (vultr-api.md §2.10).
            id=parse_int(data.get("OBJSTORETIERID", data.get("id"))),
            sales_name=parse_str(data.get("sales_name")),
            slug=parse_str(data.get("slug")),
            monthly_price_usd=parse_price(data.get("price")),
            bandwidth_gb_price_usd=parse_price(data.get("bw_gb_price")),
            disk_gb_price_usd=parse_price(data.get("disk_gb_price")),
        )


@dataclass(frozen=True, slots=True)
class ObjectStorage:
    id: str
    label: str
    region: str
    status: str
    cluster_id: int | None
    s3_hostname: str
    tier: ObjectStorageTier | None
    date_created: datetime | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        tier = data.get("tier")
        return cls(
            id=parse_str(data.get("id")),
            label=parse_str(data.get("label")),
            region=parse_str(data.get("region")).lower(),
            status=parse_str(data.get("status")),
            cluster_id=parse_int(data.get("cluster_id")),
            s3_hostname=parse_str(data.get("s3_hostname")),
            tier=ObjectStorageTier.from_api(tier) if isinstance(tier, Mapping) else None,
            date_created=parse_datetime(data.get("date_created")),
        )
