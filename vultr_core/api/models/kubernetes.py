"""Kubernetes clusters, their node pools and the nodes in each pool."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Self

from vultr_core.api.models.common import Json
from vultr_core.api.parsing import (
    mappings,
    parse_bool,
    parse_count,
    parse_datetime,
    parse_str,
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
    # None when the API sent no valid count: the pool is then unpriced.
    node_quantity: int | None
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
            node_quantity=parse_count(data.get("node_quantity")),
            min_nodes=parse_count(data.get("min_nodes")),
            max_nodes=parse_count(data.get("max_nodes")),
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
