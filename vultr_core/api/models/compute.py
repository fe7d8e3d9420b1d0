"""Instances, bare-metal servers, the plans they run on and the regions they run in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Self

from vultr_core.api.models.common import Json
from vultr_core.api.parsing import (
    parse_count,
    parse_datetime,
    parse_price,
    parse_str,
    parse_str_list,
)


@dataclass(frozen=True, slots=True)
class Instance:
    id: str
    label: str
    hostname: str
    region: str
    plan: str
    status: str
    power_status: str
    server_status: str
    # None when the API sent no valid figure: shown as "—", left out of sums.
    vcpu_count: int | None
    ram_mb: int | None
    disk_gb: int | None
    allowed_bandwidth_gb: int
    os: str
    main_ip: str
    v6_main_ip: str
    internal_ip: str
    tags: tuple[str, ...]
    features: tuple[str, ...]
    firewall_group_id: str
    date_created: datetime | None

    @property
    def is_healthy(self) -> bool:
        """Vultr's own definition (vultr-api.md §4.2): active, running and ok."""
        return (self.status, self.power_status, self.server_status) == ("active", "running", "ok")

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            label=parse_str(data.get("label")),
            hostname=parse_str(data.get("hostname")),
            region=parse_str(data.get("region")).lower(),
            plan=parse_str(data.get("plan")),
            status=parse_str(data.get("status")).lower(),
            power_status=parse_str(data.get("power_status")).lower(),
            server_status=parse_str(data.get("server_status")).lower(),
            vcpu_count=parse_count(data.get("vcpu_count")),
            ram_mb=parse_count(data.get("ram")),
            disk_gb=parse_count(data.get("disk")),
            allowed_bandwidth_gb=parse_count(data.get("allowed_bandwidth")) or 0,
            os=parse_str(data.get("os")),
            main_ip=parse_str(data.get("main_ip")),
            v6_main_ip=parse_str(data.get("v6_main_ip")),
            internal_ip=parse_str(data.get("internal_ip")),
            tags=parse_str_list(data.get("tags")),
            features=parse_str_list(data.get("features")),
            firewall_group_id=parse_str(data.get("firewall_group_id")),
            date_created=parse_datetime(data.get("date_created")),
        )


@dataclass(frozen=True, slots=True)
class Plan:
    id: str
    type: str
    vcpu_count: int
    ram_mb: int
    disk_gb: int
    disk_count: int
    bandwidth_gb: int
    # None when the catalogue sent no valid price: what runs on the plan is then unpriced.
    monthly_cost_usd: float | None
    locations: tuple[str, ...]
    gpu_type: str | None
    gpu_vram_gb: int | None
    # Not sent today (vultr-api.md §2.5); kept in case it appears.
    hourly_cost_usd: float | None

    @property
    def is_gpu(self) -> bool:
        """GPU plans bill up to 730 hours a month instead of 672 (ANCHORS.md §0)."""
        return bool(self.gpu_type) or self.type == "vcg"

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            type=parse_str(data.get("type")),
            vcpu_count=parse_count(data.get("vcpu_count")) or 0,
            ram_mb=parse_count(data.get("ram")) or 0,
            disk_gb=parse_count(data.get("disk")) or 0,
            disk_count=parse_count(data.get("disk_count")) or 0,
            bandwidth_gb=parse_count(data.get("bandwidth")) or 0,
            monthly_cost_usd=parse_price(data.get("monthly_cost")),
            locations=tuple(loc.lower() for loc in parse_str_list(data.get("locations"))),
            gpu_type=parse_str(data.get("gpu_type")) or None,
            gpu_vram_gb=parse_count(data.get("gpu_vram_gb")),
            hourly_cost_usd=parse_price(data.get("hourly_cost")),
        )


@dataclass(frozen=True, slots=True)
class MetalPlan:
    id: str
    type: str
    cpu_count: int
    cpu_threads: int
    cpu_model: str
    ram_mb: int
    disk_gb: int
    disk_count: int
    bandwidth_gb: int
    monthly_cost_usd: float | None
    locations: tuple[str, ...]

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            type=parse_str(data.get("type")),
            cpu_count=parse_count(data.get("cpu_count")) or 0,
            cpu_threads=parse_count(data.get("cpu_threads")) or 0,
            cpu_model=parse_str(data.get("cpu_model")),
            ram_mb=parse_count(data.get("ram")) or 0,
            # [S] says string, [G] int (vultr-api.md §2.5).
            disk_gb=parse_count(data.get("disk")) or 0,
            disk_count=parse_count(data.get("disk_count")) or 0,
            bandwidth_gb=parse_count(data.get("bandwidth")) or 0,
            monthly_cost_usd=parse_price(data.get("monthly_cost")),
            locations=tuple(loc.lower() for loc in parse_str_list(data.get("locations"))),
        )


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    city: str
    country: str
    continent: str
    options: tuple[str, ...]

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")).lower(),
            city=parse_str(data.get("city")),
            country=parse_str(data.get("country")),
            continent=parse_str(data.get("continent")),
            options=parse_str_list(data.get("options")),
        )


@dataclass(frozen=True, slots=True)
class BareMetal:
    id: str
    label: str
    region: str
    plan: str
    status: str
    os: str
    cpu_count: int
    # Bare metal sends these as text ("32768 MB", "2x 240GB SSD"), unlike instances.
    ram: str
    disk: str
    main_ip: str
    tags: tuple[str, ...]
    date_created: datetime | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            label=parse_str(data.get("label")),
            region=parse_str(data.get("region")).lower(),
            plan=parse_str(data.get("plan")),
            status=parse_str(data.get("status")),
            os=parse_str(data.get("os")),
            cpu_count=parse_count(data.get("cpu_count")) or 0,
            ram=parse_str(data.get("ram")),
            disk=parse_str(data.get("disk")),
            main_ip=parse_str(data.get("main_ip")),
            tags=parse_str_list(data.get("tags")),
            date_created=parse_datetime(data.get("date_created")),
        )
