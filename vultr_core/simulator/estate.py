"""What the builders of the organisation's other billable resources fill, and what they share.

Storage, networking, Kubernetes and registry builders each add API-shaped objects and the
`Charge`s that bill them to one `Estate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .billing import Charge
from .messages import JsonObject

GIB_BYTES = 1024**3


@dataclass
class Estate:
    """Everything besides instances, databases and billing, plus the charges it bills."""

    blocks: list[JsonObject] = field(default_factory=list)
    snapshots: list[JsonObject] = field(default_factory=list)
    reserved_ips: list[JsonObject] = field(default_factory=list)
    load_balancers: list[JsonObject] = field(default_factory=list)
    kubernetes_clusters: list[JsonObject] = field(default_factory=list)
    object_storages: list[JsonObject] = field(default_factory=list)
    registries: list[JsonObject] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)


def cycled_label(names: Sequence[str], number: int) -> str:
    """The `number`-th label: names in turn, then again with -2, -3, ... once they run out."""
    name = names[number % len(names)]
    lap = number // len(names)
    return f"{name}-{lap + 1}" if lap else name
