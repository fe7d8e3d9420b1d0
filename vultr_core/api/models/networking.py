"""Load balancers and reserved IPs: the networking that points at instances and still bills."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Self

from vultr_core.api.models.common import Json
from vultr_core.api.parsing import (
    parse_bool,
    parse_count,
    parse_datetime,
    parse_int,
    parse_str,
    parse_str_list,
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
            nodes=parse_count(data.get("nodes")) or 1,
            ipv4=parse_str(data.get("ipv4")),
            ipv6=parse_str(data.get("ipv6")),
            instance_ids=parse_str_list(data.get("instances")),
            has_ssl=parse_bool(data.get("has_ssl")) or False,
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
            subnet_size=parse_int(data.get("subnet_size"), minimum=0, maximum=128),
            instance_id=parse_str(data.get("instance_id")),
        )
