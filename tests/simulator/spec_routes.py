"""What the route tests share: the OpenAPI document, the operations served, ids to fill paths.

The document is `vultr-openapi-2023-12.json` beside this file; CASES lists every operation in it
that the simulator serves, and `bindings` finds real ids in the organisation for each path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from vultr_core.simulator import Simulator
from vultr_core.simulator.management_routing import UNKNOWN_ROUTE_MESSAGE
from vultr_core.simulator.organisation import Organisation

from .conftest import AUTH

SPEC_FILE = Path(__file__).with_name("vultr-openapi-2023-12.json")
"""Copy of shared/reference/vultr-openapi-2023-12.json (vultr/vultr-ruby blob/v0.0.1.json)."""
SPEC_HOST = "https://api.vultr.com"

# The document uses type names that are not OpenAPI ("float", "int", e.g. registry storage and
# ferretdb_credentials.port). They are read as the OpenAPI types they obviously mean; without this,
# openapi-core cannot validate those schemas at all. This repairs the document, it loosens nothing.
SPEC_TYPE_REPAIRS = {"float": "number", "int": "integer"}


@dataclass(frozen=True)
class Case:
    """One spec operation the simulator serves, and where to find ids for its path."""

    method: str
    template: str
    status: int = 200
    request_body: Any = None


CASES = (
    Case("GET", "/account"),
    Case("GET", "/billing/history"),
    Case("GET", "/billing/invoices"),
    Case("GET", "/billing/invoices/{invoice-id}"),
    Case("GET", "/billing/invoices/{invoice-id}/items"),
    Case("GET", "/instances"),
    Case("GET", "/instances/{instance-id}"),
    Case("GET", "/instances/{instance-id}/bandwidth"),
    Case("POST", "/instances/{instance-id}/halt", status=204),
    Case("POST", "/instances/{instance-id}/start", status=204),
    Case("POST", "/instances/{instance-id}/reboot", status=204),
    Case("DELETE", "/instances/{instance-id}", status=204),
    Case("GET", "/plans"),
    Case("GET", "/plans-metal"),
    Case("GET", "/regions"),
    Case("GET", "/regions/{region-id}/availability"),
    Case("GET", "/databases"),
    Case("GET", "/databases/plans"),
    Case("GET", "/databases/{database-id}"),
    Case("GET", "/databases/{database-id}/usage"),
    Case("GET", "/databases/{database-id}/backups"),
    Case("GET", "/databases/{database-id}/maintenance"),
    Case("GET", "/databases/{database-id}/connection-pools"),
    Case("GET", "/databases/{database-id}/connection-pools/{pool-name}"),
    Case("GET", "/databases/{database-id}/users"),
    Case("GET", "/databases/{database-id}/users/{username}"),
    Case("GET", "/databases/{database-id}/dbs"),
    Case("GET", "/databases/{database-id}/dbs/{db-name}"),
    Case("POST", "/databases/{database-id}/alerts", request_body={"period": "year"}),
    Case("GET", "/kubernetes/clusters"),
    Case("GET", "/kubernetes/clusters/{vke-id}"),
    Case("GET", "/kubernetes/clusters/{vke-id}/node-pools"),
    Case("GET", "/kubernetes/clusters/{vke-id}/node-pools/{nodepool-id}"),
    Case("GET", "/kubernetes/versions"),
    Case("GET", "/blocks"),
    Case("GET", "/blocks/{block-id}"),
    Case("GET", "/object-storage"),
    Case("GET", "/object-storage/clusters"),
    Case("GET", "/object-storage/{object-storage-id}"),
    Case("GET", "/load-balancers"),
    Case("GET", "/load-balancers/{load-balancer-id}"),
    Case("GET", "/bare-metals"),
    Case("GET", "/bare-metals/{baremetal-id}"),
    Case("GET", "/bare-metals/{baremetal-id}/bandwidth"),
    Case("GET", "/snapshots"),
    Case("GET", "/snapshots/{snapshot-id}"),
    Case("GET", "/reserved-ips"),
    Case("GET", "/reserved-ips/{reserved-ip}"),
    Case("GET", "/registries"),
    Case("GET", "/registry/{registry-id}"),
    Case("GET", "/registry/plan/list"),
    Case("GET", "/registry/region/list"),
)

# Served by the simulator, absent from the 2023 document (added to the API later; vultr-api.md).
NOT_IN_SPEC = (
    ("GET", "/account/bandwidth"),  # govultr v3.15.0, 2025-03 (vultr-api.md 2.2)
    ("GET", "/billing/pending-charges"),  # govultr v3.15.0, 2025-02 (vultr-api.md 2.3)
    ("GET", "/object-storage/tiers"),  # vultr-api.md 2.10, govultr ListTiers
    ("GET", "/blocks/snapshots"),  # vultr-api.md 2.9 (2026-07), govultr ListSnapshots
    ("GET", "/inference"),  # Serverless Inference subscriptions (vultr-api.md 2.17)
    ("GET", "/inference/{inference-id}"),
    ("GET", "/inference/{inference-id}/usage"),
)

_ENGINES_WITH = {
    "/backups": ("pg", "mysql", "valkey", "ferretpg"),
    "/connection-pools": ("pg",),
    "/dbs": ("pg", "mysql", "ferretpg"),
}
UNKNOWN_ID = "unknown-id"


def parameter_values(
    org: Organisation, template: str, parameter: str, bound: dict[str, str]
) -> list[str]:
    """Every value `parameter` can take in `org` for this route, given the parameters before it."""
    if parameter == "database-id":
        databases = [db for primary in org.databases for db in (primary, *primary["read_replicas"])]
        engines = next((e for part, e in _ENGINES_WITH.items() if part in template), None)
        return [db["id"] for db in databases if engines is None or db["database_engine"] in engines]
    if parameter in ("username", "db-name", "pool-name"):
        extras = org.database_extras[bound["database-id"]]
        if parameter == "username":
            return [user["username"] for user in extras.users]
        if parameter == "db-name":
            return [db["name"] for db in extras.dbs or []]
        pools = extras.connection_pools or {"connection_pools": []}
        return [pool["name"] for pool in pools["connection_pools"]]
    if parameter == "nodepool-id":
        cluster = next(c for c in org.kubernetes_clusters if c["id"] == bound["vke-id"])
        return [pool["id"] for pool in cluster["node_pools"]]
    if parameter == "inference-id":
        return [subscription.json["id"] for subscription in org.inference_subscriptions]
    collections: dict[str, list[Any]] = {
        "instance-id": org.instances,
        "invoice-id": org.ledger.invoices,
        "vke-id": org.kubernetes_clusters,
        "block-id": org.blocks,
        "object-storage-id": org.object_storages,
        "load-balancer-id": org.load_balancers,
        "loadbalancer-id": org.load_balancers,
        "baremetal-id": org.bare_metals,
        "snapshot-id": org.snapshots,
        "reserved-ip": org.reserved_ips,
        "registry-id": org.registries,
        "region-id": org.regions,
    }
    return [str(item["id"]) for item in collections.get(parameter, [])]


def bindings(org: Organisation, template: str) -> list[dict[str, str]]:
    """Every combination of real ids the template's parameters can take, outermost first."""
    found: list[dict[str, str]] = [{}]
    for parameter in re.findall(r"\{([^}]+)\}", template):
        found = [
            {**bound, parameter: value}
            for bound in found
            for value in parameter_values(org, template, parameter, bound)
        ]
    return found


def fill(template: str, binding: dict[str, str]) -> str:
    return "/v2" + re.sub(r"\{([^}]+)\}", lambda m: binding.get(m.group(1), UNKNOWN_ID), template)


def paths(org: Organisation, template: str) -> list[str]:
    return [fill(template, binding) for binding in bindings(org, template)]


def load_spec() -> Any:
    text = SPEC_FILE.read_text()
    for wrong, right in SPEC_TYPE_REPAIRS.items():
        text = text.replace(f'"type": "{wrong}"', f'"type": "{right}"')
    return json.loads(text)


def sim_client(sim: Simulator, headers: dict[str, str] | None = AUTH) -> httpx.Client:
    return httpx.Client(base_url=SPEC_HOST, transport=sim.transport(), headers=headers)


def is_missing_route(response: httpx.Response) -> bool:
    """The simulator's answer to a path it has no route for (not a route missing an id)."""
    return response.status_code == 404 and response.json()["error"] == UNKNOWN_ROUTE_MESSAGE


def spec_operations(spec: Any) -> list[tuple[str, str]]:
    methods = ("get", "post", "put", "patch", "delete")
    return [(m.upper(), path) for path, item in spec["paths"].items() for m in item if m in methods]
