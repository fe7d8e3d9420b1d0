"""The organisation's Kubernetes (VKE) clusters, with their node pools and what they bill."""

from __future__ import annotations

from datetime import datetime

from .billing import Charge
from .catalog import PLAN_BY_ID
from .estate import Estate, cycled_label
from .generation import Generator, iso
from .messages import JsonObject

HA_CONTROL_PLANE_USD_MONTH = 10

# (label, region, HA control plane, node pools as (label, plan, node_quantity, autoscaler))
_CLUSTER_SHAPES = (
    ("prod-cluster", "ewr", True,
     (("default", "vc2-2c-4gb", 3, False), ("highmem", "vc2-4c-8gb", 2, True))),
    ("staging-cluster", "ams", False, (("default", "vc2-1c-2gb", 2, False),)),
    ("data-cluster", "ord", True, (("spark", "voc-m-2c-16gb-50s", 3, True),)),
)  # fmt: skip
KUBERNETES_VERSIONS = ("v1.32.3+1", "v1.31.2+1", "v1.30.6+1")
"""`/v2/kubernetes/versions`, newest first; the clusters run the middle one, so one upgrade is
available to them."""
KUBERNETES_VERSION = KUBERNETES_VERSIONS[1]


def build_kubernetes(gen: Generator, estate: Estate, count: int) -> None:
    """Clusters with node pools; the cost is plan price x node_quantity (+ HA control plane)."""
    for number in range(count):
        _, region, ha, pools = _CLUSTER_SHAPES[number % len(_CLUSTER_SHAPES)]
        label = cycled_label([shape[0] for shape in _CLUSTER_SHAPES], number)
        cluster_id = gen.uuid()
        created = gen.days_ago(30, 600)
        node_pools = []
        for index, (pool_label, plan_id, quantity, autoscale) in enumerate(pools):
            # The first pool comes with the cluster; later ones were added afterwards.
            pool_created = gen.between(created, gen.now) if index else created
            node_pools.append(
                _node_pool(gen, pool_label, plan_id, quantity, autoscale, pool_created)
            )
            estate.charges.append(
                Charge(
                    f"{label} / {pool_label} ({quantity} x {plan_id})",
                    "Kubernetes Engine",
                    PLAN_BY_ID[plan_id].monthly_cost,
                    pool_created,
                    quantity=quantity,
                )
            )
        if ha:
            estate.charges.append(
                Charge(
                    f"HA Control Plane ({label})",
                    "Kubernetes Engine",
                    HA_CONTROL_PLANE_USD_MONTH,
                    created,
                )
            )
        estate.kubernetes_clusters.append(
            {
                "id": cluster_id,
                "firewall_group_id": "",
                "label": label,
                "date_created": iso(created),
                "cluster_subnet": "10.244.0.0/16",
                "service_subnet": "10.96.0.0/12",
                "ip": gen.ipv4(("45.32", "149.28")),
                "endpoint": f"{cluster_id}.vultr-k8s.com",
                "version": KUBERNETES_VERSION,
                "region": region,
                "status": "active",
                "ha_controlplanes": ha,
                "oidc": {
                    "issuer_url": "",
                    "client_id": "",
                    "username_claim": "",
                    "groups_claim": "",
                },
                "node_pools": node_pools,
            }
        )


def _node_pool(
    gen: Generator, label: str, plan_id: str, quantity: int, autoscale: bool, created: datetime
) -> JsonObject:
    nodes = [
        {
            "id": gen.uuid(),
            "label": f"{label}-{gen.hex(8)}",
            "date_created": iso(created),
            "ip": gen.private_ipv4(),
            "status": "active",
        }
        for _ in range(quantity)
    ]
    return {
        "id": gen.uuid(),
        "date_created": iso(created),
        "date_updated": iso(gen.between(created, gen.now)),
        "label": label,
        "tag": label,
        "plan": plan_id,
        "status": "active",
        "node_quantity": quantity,
        "min_nodes": 1 if autoscale else quantity,
        "max_nodes": quantity * 2 if autoscale else quantity,
        "auto_scaler": autoscale,
        "user_data": "",
        "vpc_only": False,
        "labels": {"pool": label},
        "taints": [],
        "nodes": nodes,
    }
