"""Typed records for what the management API returns.

Each ``from_api`` reads only the fields named here, so a secret the API sends inside an
ordinary object (database passwords and certificates, Kafka keys, S3 keys, registry
passwords, inference ``api_key``s, instance default passwords) never enters a record.
Unknown fields are ignored, missing optional fields are None, numbers may arrive as strings,
dates in any of Vultr's formats, and the legacy engine name ``redis`` reads as ``valkey``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from vultr_core.parsing import (
    mapping,
    mappings,
    parse_bool,
    parse_datetime,
    parse_float,
    parse_int,
    parse_str,
    parse_str_list,
)

Json = Mapping[str, Any]

# vultr-api.md §2.7.1: Vultr renamed its Redis product to Valkey in late 2024.
_ENGINE_ALIASES = {"redis": "valkey"}


def normalise_engine(engine: str) -> str:
    """The current engine name: ``redis`` (before the 2024 rename) reads as ``valkey``."""
    lowered = engine.strip().lower()
    return _ENGINE_ALIASES.get(lowered, lowered)


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    email: str
    acls: tuple[str, ...]
    # Negative means the account is in credit (vultr-api.md §1.6).
    balance_usd: float
    pending_charges_usd: float
    last_payment_date: datetime | None
    last_payment_amount_usd: float | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            name=parse_str(data.get("name")),
            email=parse_str(data.get("email")),
            acls=parse_str_list(data.get("acls")),
            balance_usd=parse_float(data.get("balance")) or 0.0,
            pending_charges_usd=parse_float(data.get("pending_charges")) or 0.0,
            last_payment_date=parse_datetime(data.get("last_payment_date")),
            last_payment_amount_usd=parse_float(data.get("last_payment_amount")),
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
            amount_usd=parse_float(data.get("amount")) or 0.0,
            balance_usd=parse_float(data.get("balance")) or 0.0,
        )


@dataclass(frozen=True, slots=True)
class Invoice:
    id: int
    date: datetime | None
    description: str
    amount_usd: float
    balance_usd: float

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_int(data.get("id")) or 0,
            date=parse_datetime(data.get("date")),
            description=parse_str(data.get("description")),
            amount_usd=parse_float(data.get("amount")) or 0.0,
            balance_usd=parse_float(data.get("balance")) or 0.0,
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
    total_usd: float

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            description=parse_str(data.get("description")),
            product=parse_str(data.get("product")),
            start_date=parse_datetime(data.get("start_date")),
            end_date=parse_datetime(data.get("end_date")),
            units=parse_float(data.get("units")) or 0.0,
            unit_type=parse_str(data.get("unit_type")),
            unit_price_usd=parse_float(data.get("unit_price")) or 0.0,
            total_usd=parse_float(data.get("total")) or 0.0,
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
    vcpu_count: int
    ram_mb: int
    disk_gb: int
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
            vcpu_count=parse_int(data.get("vcpu_count")) or 0,
            ram_mb=parse_int(data.get("ram")) or 0,
            disk_gb=parse_int(data.get("disk")) or 0,
            allowed_bandwidth_gb=parse_int(data.get("allowed_bandwidth")) or 0,
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
    monthly_cost_usd: float
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
            vcpu_count=parse_int(data.get("vcpu_count")) or 0,
            ram_mb=parse_int(data.get("ram")) or 0,
            disk_gb=parse_int(data.get("disk")) or 0,
            disk_count=parse_int(data.get("disk_count")) or 0,
            bandwidth_gb=parse_int(data.get("bandwidth")) or 0,
            monthly_cost_usd=parse_float(data.get("monthly_cost")) or 0.0,
            locations=tuple(loc.lower() for loc in parse_str_list(data.get("locations"))),
            gpu_type=parse_str(data.get("gpu_type")) or None,
            gpu_vram_gb=parse_int(data.get("gpu_vram_gb")),
            hourly_cost_usd=parse_float(data.get("hourly_cost")),
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
    monthly_cost_usd: float
    locations: tuple[str, ...]

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            type=parse_str(data.get("type")),
            cpu_count=parse_int(data.get("cpu_count")) or 0,
            cpu_threads=parse_int(data.get("cpu_threads")) or 0,
            cpu_model=parse_str(data.get("cpu_model")),
            ram_mb=parse_int(data.get("ram")) or 0,
            # [S] says string, [G] int (vultr-api.md §2.5).
            disk_gb=parse_int(data.get("disk")) or 0,
            disk_count=parse_int(data.get("disk_count")) or 0,
            bandwidth_gb=parse_int(data.get("bandwidth")) or 0,
            monthly_cost_usd=parse_float(data.get("monthly_cost")) or 0.0,
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
class Database:
    """A managed database; read replicas are databases of their own, nested one level."""

    id: str
    label: str
    tag: str
    engine: str
    engine_version: str
    plan: str
    plan_vcpus: int
    plan_ram_mb: int
    plan_disk_gb: int | None
    plan_replicas: int
    region: str
    status: str
    date_created: datetime | None
    host: str
    public_host: str
    port: int | None
    dbname: str
    user: str
    vpc_id: str
    maintenance_dow: str
    maintenance_time: str
    backup_hour: int | None
    backup_minute: int | None
    latest_backup: datetime | None
    trusted_ips: tuple[str, ...]
    eviction_policy: str | None
    cluster_time_zone: str
    # Added in 2026 (govultr v3.28.0); None on older responses.
    pending_charges_usd: float | None
    read_replicas: tuple[Database, ...]

    @property
    def node_count(self) -> int:
        """Primary plus standby nodes (replicas excluded: they are billed on their own)."""
        return 1 + self.plan_replicas

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            label=parse_str(data.get("label")),
            tag=parse_str(data.get("tag")),
            engine=normalise_engine(parse_str(data.get("database_engine"))),
            engine_version=parse_str(data.get("database_engine_version")),
            plan=parse_str(data.get("plan")),
            plan_vcpus=parse_int(data.get("plan_vcpus")) or 0,
            plan_ram_mb=parse_int(data.get("plan_ram")) or 0,
            plan_disk_gb=parse_int(data.get("plan_disk")),
            plan_replicas=parse_int(data.get("plan_replicas")) or 0,
            # Databases report regions in upper case (vultr-api.md §1.6); instances do not.
            region=parse_str(data.get("region")).lower(),
            status=parse_str(data.get("status")),
            date_created=parse_datetime(data.get("date_created")),
            host=parse_str(data.get("host")),
            public_host=parse_str(data.get("public_host")),
            port=parse_int(data.get("port")),
            dbname=parse_str(data.get("dbname")),
            user=parse_str(data.get("user")),
            vpc_id=parse_str(data.get("vpc_id")),
            maintenance_dow=parse_str(data.get("maintenance_dow")),
            maintenance_time=parse_str(data.get("maintenance_time")),
            backup_hour=parse_int(data.get("backup_hour")),
            backup_minute=parse_int(data.get("backup_minute")),
            latest_backup=parse_datetime(data.get("latest_backup")),
            trusted_ips=parse_str_list(data.get("trusted_ips")),
            eviction_policy=parse_str(
                data.get("eviction_policy") or data.get("redis_eviction_policy")
            )
            or None,
            cluster_time_zone=parse_str(data.get("cluster_time_zone")),
            pending_charges_usd=parse_float(data.get("pending_charges")),
            read_replicas=tuple(
                Database.from_api(replica) for replica in mappings(data.get("read_replicas"))
            ),
        )


@dataclass(frozen=True, slots=True)
class UsageFigure:
    current: float | None
    maximum: float | None
    percentage: float | None


@dataclass(frozen=True, slots=True)
class DatabaseUsage:
    disk_gb: UsageFigure
    memory_mb: UsageFigure
    cpu_percentage: float | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        disk, memory = mapping(data.get("disk")), mapping(data.get("memory"))
        return cls(
            disk_gb=UsageFigure(
                parse_float(disk.get("current_gb")),
                parse_float(disk.get("max_gb")),
                parse_float(disk.get("percentage")),
            ),
            memory_mb=UsageFigure(
                parse_float(memory.get("current_mb")),
                parse_float(memory.get("max_mb")),
                parse_float(memory.get("percentage")),
            ),
            cpu_percentage=parse_float(mapping(data.get("cpu")).get("percentage")),
        )


@dataclass(frozen=True, slots=True)
class DatabaseAlert:
    timestamp: datetime | None
    message_type: str
    description: str
    recommendation: str | None
    maintenance_scheduled: datetime | None
    resource_type: str | None
    table_count: int | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            timestamp=parse_datetime(data.get("timestamp")),
            message_type=parse_str(data.get("message_type")),
            description=parse_str(data.get("description")),
            recommendation=parse_str(data.get("recommendation")) or None,
            maintenance_scheduled=parse_datetime(data.get("maintenance_scheduled")),
            resource_type=parse_str(data.get("resource_type")) or None,
            table_count=parse_int(data.get("table_count")),
        )


def _backup_time(data: Json) -> datetime | None:
    date, time = parse_str(data.get("date")), parse_str(data.get("time"))
    return parse_datetime(f"{date} {time}".strip()) if date else None


@dataclass(frozen=True, slots=True)
class DatabaseBackups:
    latest: datetime | None
    oldest: datetime | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            latest=_backup_time(mapping(data.get("latest_backup"))),
            oldest=_backup_time(mapping(data.get("oldest_backup"))),
        )


@dataclass(frozen=True, slots=True)
class ConnectionPool:
    name: str
    database: str
    username: str
    mode: str
    size: int

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            name=parse_str(data.get("name")),
            database=parse_str(data.get("database")),
            username=parse_str(data.get("username")),
            mode=parse_str(data.get("mode")),
            size=parse_int(data.get("size")) or 0,
        )


@dataclass(frozen=True, slots=True)
class ConnectionPools:
    connections_used: int
    connections_available: int
    connections_max: int
    pools: tuple[ConnectionPool, ...]

    @classmethod
    def from_api(cls, data: Json) -> Self:
        connections = mapping(data.get("connections"))
        return cls(
            connections_used=parse_int(connections.get("used")) or 0,
            connections_available=parse_int(connections.get("available")) or 0,
            connections_max=parse_int(connections.get("max")) or 0,
            pools=tuple(ConnectionPool.from_api(p) for p in mappings(data.get("connection_pools"))),
        )


@dataclass(frozen=True, slots=True)
class DatabasePlan:
    id: str
    type: str
    number_of_nodes: int
    vcpu_count: int
    ram_mb: int
    disk_gb: int | None
    monthly_cost_usd: float
    supported_engines: tuple[str, ...]
    max_connections: Mapping[str, int]
    locations: tuple[str, ...]

    @classmethod
    def from_api(cls, data: Json) -> Self:
        engines = mapping(data.get("supported_engines"))
        connections = mapping(data.get("max_connections"))
        return cls(
            id=parse_str(data.get("id")),
            type=parse_str(data.get("type")),
            number_of_nodes=parse_int(data.get("number_of_nodes")) or 1,
            vcpu_count=parse_int(data.get("vcpu_count")) or 0,
            ram_mb=parse_int(data.get("ram")) or 0,
            disk_gb=parse_int(data.get("disk")),
            monthly_cost_usd=parse_float(data.get("monthly_cost")) or 0.0,
            supported_engines=tuple(
                sorted({normalise_engine(name) for name, on in engines.items() if parse_bool(on)})
            ),
            max_connections={
                normalise_engine(engine): count
                for engine, value in connections.items()
                if (count := parse_int(value)) is not None
            },
            locations=tuple(loc.lower() for loc in parse_str_list(data.get("locations"))),
        )


@dataclass(frozen=True, slots=True)
class KubernetesNode:
    id: str
    label: str
    status: str
    date_created: datetime | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            label=parse_str(data.get("label")),
            status=parse_str(data.get("status")),
            date_created=parse_datetime(data.get("date_created")),
        )


@dataclass(frozen=True, slots=True)
class NodePool:
    id: str
    label: str
    tag: str
    plan: str
    status: str
    node_quantity: int
    min_nodes: int | None
    max_nodes: int | None
    auto_scaler: bool
    date_created: datetime | None
    nodes: tuple[KubernetesNode, ...]

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            label=parse_str(data.get("label")),
            tag=parse_str(data.get("tag")),
            plan=parse_str(data.get("plan")),
            status=parse_str(data.get("status")),
            node_quantity=parse_int(data.get("node_quantity")) or 0,
            min_nodes=parse_int(data.get("min_nodes")),
            max_nodes=parse_int(data.get("max_nodes")),
            auto_scaler=parse_bool(data.get("auto_scaler")) or False,
            date_created=parse_datetime(data.get("date_created")),
            nodes=tuple(KubernetesNode.from_api(n) for n in mappings(data.get("nodes"))),
        )


@dataclass(frozen=True, slots=True)
class KubernetesCluster:
    id: str
    label: str
    region: str
    version: str
    status: str
    ha_controlplanes: bool
    endpoint: str
    date_created: datetime | None
    node_pools: tuple[NodePool, ...]

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            label=parse_str(data.get("label")),
            region=parse_str(data.get("region")).lower(),
            version=parse_str(data.get("version")),
            status=parse_str(data.get("status")),
            ha_controlplanes=parse_bool(data.get("ha_controlplanes")) or False,
            endpoint=parse_str(data.get("endpoint")),
            date_created=parse_datetime(data.get("date_created")),
            node_pools=tuple(NodePool.from_api(p) for p in mappings(data.get("node_pools"))),
        )


@dataclass(frozen=True, slots=True)
class BlockStorage:
    id: str
    label: str
    region: str
    status: str
    size_gb: int
    block_type: str
    monthly_cost_usd: float
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
            size_gb=parse_int(data.get("size_gb")) or 0,
            block_type=parse_str(data.get("block_type")),
            monthly_cost_usd=parse_float(data.get("cost")) or 0.0,
            pending_charges_usd=parse_float(data.get("pending_charges")),
            attached_to_instance=parse_str(data.get("attached_to_instance")),
            attached_to_instance_label=parse_str(data.get("attached_to_instance_label")),
            mount_id=parse_str(data.get("mount_id")),
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
            monthly_price_usd=parse_float(data.get("price")),
            bandwidth_gb_price_usd=parse_float(data.get("bw_gb_price")),
            disk_gb_price_usd=parse_float(data.get("disk_gb_price")),
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


@dataclass(frozen=True, slots=True)
class LoadBalancer:
    id: str
    label: str
    region: str
    status: str
    nodes: int
    ipv4: str
    ipv6: str
    instance_ids: tuple[str, ...]
    has_ssl: bool
    date_created: datetime | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            label=parse_str(data.get("label")),
            region=parse_str(data.get("region")).lower(),
            status=parse_str(data.get("status")),
            nodes=parse_int(data.get("nodes")) or 1,
            ipv4=parse_str(data.get("ipv4")),
            ipv6=parse_str(data.get("ipv6")),
            instance_ids=parse_str_list(data.get("instances")),
            has_ssl=parse_bool(data.get("has_ssl")) or False,
            date_created=parse_datetime(data.get("date_created")),
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
            cpu_count=parse_int(data.get("cpu_count")) or 0,
            ram=parse_str(data.get("ram")),
            disk=parse_str(data.get("disk")),
            main_ip=parse_str(data.get("main_ip")),
            tags=parse_str_list(data.get("tags")),
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
            size_bytes=parse_int(data.get("size")) or 0,
            compressed_size_bytes=parse_int(data.get("compressed_size")) or 0,
            date_created=parse_datetime(data.get("date_created")),
        )


@dataclass(frozen=True, slots=True)
class ReservedIp:
    id: str
    label: str
    region: str
    ip_type: str
    subnet: str
    subnet_size: int | None
    instance_id: str

    @property
    def is_attached(self) -> bool:
        return bool(self.instance_id)

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            label=parse_str(data.get("label")),
            region=parse_str(data.get("region")).lower(),
            ip_type=parse_str(data.get("ip_type")),
            subnet=parse_str(data.get("subnet")),
            subnet_size=parse_int(data.get("subnet_size")),
            instance_id=parse_str(data.get("instance_id")),
        )


@dataclass(frozen=True, slots=True)
class InferenceSubscription:
    """A Serverless Inference subscription; its ``api_key`` is dropped on purpose."""

    id: str
    label: str
    date_created: datetime | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            label=parse_str(data.get("label")),
            date_created=parse_datetime(data.get("date_created")),
        )


@dataclass(frozen=True, slots=True)
class ModelUsage:
    model: str
    tokens: int
    input_tokens: int
    # Ints of unknown unit in govultr (vultr-api.md §2.17): kept raw, never shown as dollars.
    output_price_raw: int | None
    input_price_raw: int | None

    @property
    def output_tokens(self) -> int:
        return max(self.tokens - self.input_tokens, 0)

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            model=parse_str(data.get("model")),
            tokens=parse_int(data.get("tokens")) or 0,
            input_tokens=parse_int(data.get("input_tokens")) or 0,
            output_price_raw=parse_int(data.get("output_price")),
            input_price_raw=parse_int(data.get("input_price")),
        )


@dataclass(frozen=True, slots=True)
class InferenceUsage:
    """Usage in whichever of the three historic shapes the API sent (vultr-api.md §2.17).

    ``shape`` says which: ``original`` (tokens against a monthly allotment), ``intermediate``
    (adds input/completion tokens and dollar costs) or ``current`` (per model, per month).
    """

    shape: str
    current_month_by_model: tuple[ModelUsage, ...]
    previous_month_by_model: tuple[ModelUsage, ...]
    current_tokens: int | None
    monthly_allotment_tokens: int | None
    overage_tokens: int | None
    input_tokens: int | None
    completion_tokens: int | None
    cost_usd: float | None
    input_cost_usd: float | None
    tts_characters: int
    tts_sm_characters: int
    image_megapixels: float
    image_sm_megapixels: float

    @classmethod
    def from_api(cls, data: Json) -> Self:
        chat, by_model = mapping(data.get("chat")), mapping(data.get("chat_by_model"))
        audio, image = mapping(data.get("audio")), mapping(data.get("image"))
        if "chat_by_model" in data:
            shape = "current"
        elif any(key in chat for key in ("input_tokens", "completion_tokens", "cost")):
            shape = "intermediate"
        else:
            shape = "original"
        return cls(
            shape=shape,
            current_month_by_model=tuple(
                ModelUsage.from_api(m) for m in mappings(by_model.get("current_month"))
            ),
            previous_month_by_model=tuple(
                ModelUsage.from_api(m) for m in mappings(by_model.get("previous_month"))
            ),
            current_tokens=parse_int(chat.get("current_tokens")),
            monthly_allotment_tokens=parse_int(chat.get("monthly_allotment")),
            overage_tokens=parse_int(chat.get("overage")),
            input_tokens=parse_int(chat.get("input_tokens")),
            completion_tokens=parse_int(chat.get("completion_tokens")),
            cost_usd=parse_float(chat.get("cost")),
            input_cost_usd=parse_float(chat.get("input_cost")),
            tts_characters=parse_int(audio.get("tts_characters")) or 0,
            tts_sm_characters=parse_int(audio.get("tts_sm_characters")) or 0,
            image_megapixels=parse_float(image.get("megapixels")) or 0.0,
            image_sm_megapixels=parse_float(image.get("sm_megapixels")) or 0.0,
        )
