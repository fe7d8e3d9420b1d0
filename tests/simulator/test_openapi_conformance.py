"""Every route the simulator serves that Vultr's OpenAPI document (Dec 2023) describes validates.

The document is older than the API. Where it and vultr-api.md disagree, the simulator follows
vultr-api.md ([G] wins), and each such field is listed in KNOWN_DIFFERENCES below with the reason;
only that field is converted to the document's type before validation, nothing else is loosened.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from vultr_core.simulator import Simulator
from vultr_core.simulator.organisation import Organisation

from .conftest import AUTH, NOW

SPEC_FILE = Path(__file__).with_name("vultr-openapi-2023-12.json")
"""Copy of shared/reference/vultr-openapi-2023-12.json (vultr/vultr-ruby blob/v0.0.1.json)."""
SPEC_HOST = "https://api.vultr.com"

# The document uses type names that are not OpenAPI ("float", "int", e.g. registry storage and
# ferretdb_credentials.port). They are read as the OpenAPI types they obviously mean; without this,
# openapi-core cannot validate those schemas at all. This repairs the document, it loosens nothing.
SPEC_TYPE_REPAIRS = {"float": "number", "int": "integer"}

Normaliser = Callable[[Any], list[Any]]


def _at(path: str, convert: Callable[[Any], Any]) -> Normaliser:
    """Convert the value(s) at a dotted path: `name[]` walks a list's items, `*` every key."""

    def walk(node: Any, parts: list[str]) -> None:
        head, rest = parts[0], parts[1:]
        key = head.removesuffix("[]")
        if key == "*":
            targets = list(node)
        else:
            if key not in node:
                return
            targets = [key]
        for target in targets:
            if head.endswith("[]"):
                for item in node[target]:
                    walk(item, rest)
            elif rest:
                walk(node[target], rest)
            else:
                node[target] = convert(node[target])

    def normalise(body: Any) -> list[Any]:
        walk(body, path.split("."))
        return [body]

    return normalise


def _rename(old: str, new: str) -> Normaliser:
    def normalise(body: Any) -> list[Any]:
        body[new] = body.pop(old)
        return [body]

    return normalise


def _one_body_per_item(key: str) -> Normaliser:
    def normalise(body: Any) -> list[Any]:
        return [{**body, key: item} for item in body[key]]

    return normalise


@dataclass(frozen=True)
class KnownDifference:
    route: str
    field: str
    why: str
    normalise: Normaliser


KNOWN_DIFFERENCES = (
    KnownDifference(
        "GET /plans", "plans[].monthly_cost",
        "vultr-api.md 2.5: monthly_cost is a number (2.5, 3.5, 7.5 exist; govultr made it "
        "float32); the document says integer. Validated as its integer part.",
        _at("plans[].monthly_cost", int),
    ),
    KnownDifference(
        "GET /plans-metal", "plans_metal",
        "vultr-api.md 2.5: the top key is plans_metal; the document says plans (so without this "
        "rename its items would not be validated at all).",
        _rename("plans_metal", "plans"),
    ),
    KnownDifference(
        "GET /plans-metal", "plans_metal[].disk",
        "vultr-api.md 2.5: disk is int (GB) in govultr; the document says string.",
        _at("plans[].disk", str),
    ),
    KnownDifference(
        "GET /blocks", "blocks[].cost",
        "vultr-api.md 1.6 and 2.9: money is a number (150 GB storage_opt costs 3.75); the document "
        "says integer.",
        _at("blocks[].cost", int),
    ),
    KnownDifference(
        "GET /blocks/{block-id}", "block.cost",
        "Same as GET /blocks: money is a number (vultr-api.md 1.6, 2.9).",
        _at("block.cost", int),
    ),
    KnownDifference(
        "GET /databases/{database-id}/usage", "usage.*.*",
        "vultr-api.md 2.7: usage figures are numbers in govultr and in Vultr's examples; the "
        "document says string.",
        _at("usage.*.*", str),
    ),
    KnownDifference(
        "POST /databases/{database-id}/alerts", "alerts",
        "vultr-api.md 2.7: alerts is an array (as in the document's own example); its schema says "
        "a single object. Each alert is validated against that object schema.",
        _one_body_per_item("alerts"),
    ),
)  # fmt: skip

# Differences the document tolerates as they are (it allows extra properties and requires none),
# recorded so nobody "fixes" the simulator towards the 2023 document:
# - instances: flat v6_network/v6_main_ip/v6_network_size instead of v6_networks[], no deprecated
#   `tag`, new vpc_only (vultr-api.md 2.4, govultr current).
# - databases: pending_charges, plan_brokers, ca_certificate, sasl_port and Kafka fields; engine
#   "valkey" with eviction_policy (legacy_engine_names=True emits the document's
#   redis_eviction_policy); users' acl_* instead of redis_acl_* (vultr-api.md 2.7, 2.7.1);
#   ferretdb_credentials.user where the document says username (vultr-api.md 2.7, govultr).
# - databases/plans: supported_engines has valkey and kafka (vultr-api.md 2.7).
# - load balancers: forwarding_rules (document: forward_rules with backend_portocol), http3,
#   auto_ssl, global_regions (vultr-api.md 2.11).
# - regions: connectivity (2026); snapshots: compressed_size; object storage: tier, location;
#   kubernetes: oidc, node-pool labels/taints/user_data/vpc_only, node ip/status.
# - blocks: pending_charges, block_type, attached_to_instance_ip/label, bootable (vultr-api.md 2.9).


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
    Case("POST", "/instances/{instance-id}/halt", status=204),
    Case("POST", "/instances/{instance-id}/start", status=204),
    Case("POST", "/instances/{instance-id}/reboot", status=204),
    Case("DELETE", "/instances/{instance-id}", status=204),
    Case("GET", "/plans"),
    Case("GET", "/plans-metal"),
    Case("GET", "/regions"),
    Case("GET", "/databases"),
    Case("GET", "/databases/plans"),
    Case("GET", "/databases/{database-id}"),
    Case("GET", "/databases/{database-id}/usage"),
    Case("GET", "/databases/{database-id}/backups"),
    Case("GET", "/databases/{database-id}/maintenance"),
    Case("GET", "/databases/{database-id}/connection-pools"),
    Case("GET", "/databases/{database-id}/users"),
    Case("GET", "/databases/{database-id}/dbs"),
    Case("POST", "/databases/{database-id}/alerts", request_body={"period": "year"}),
    Case("GET", "/kubernetes/clusters"),
    Case("GET", "/kubernetes/clusters/{vke-id}"),
    Case("GET", "/blocks"),
    Case("GET", "/blocks/{block-id}"),
    Case("GET", "/object-storage"),
    Case("GET", "/object-storage/{object-storage-id}"),
    Case("GET", "/load-balancers"),
    Case("GET", "/load-balancers/{load-balancer-id}"),
    Case("GET", "/bare-metals"),
    Case("GET", "/bare-metals/{baremetal-id}"),
    Case("GET", "/snapshots"),
    Case("GET", "/snapshots/{snapshot-id}"),
    Case("GET", "/reserved-ips"),
    Case("GET", "/reserved-ips/{reserved-ip}"),
    Case("GET", "/registries"),
    Case("GET", "/registry/{registry-id}"),
)

# Served by the simulator, absent from the 2023 document (added to the API later; vultr-api.md).
NOT_IN_SPEC = (
    ("GET", "/account/bandwidth"),  # govultr v3.15.0, 2025-03 (vultr-api.md 2.2)
    ("GET", "/billing/pending-charges"),  # govultr v3.15.0, 2025-02 (vultr-api.md 2.3)
    ("GET", "/inference"),  # Serverless Inference subscriptions (vultr-api.md 2.17)
    ("GET", "/inference/{inference-id}"),
    ("GET", "/inference/{inference-id}/usage"),
)

_ENGINES_WITH = {
    "/backups": ("pg", "mysql", "valkey", "ferretpg"),
    "/connection-pools": ("pg",),
    "/dbs": ("pg", "mysql", "ferretpg"),
}


def _ids(org: Organisation, template: str, parameter: str) -> list[str]:
    """Every id the path parameter can take in `org` for this route."""
    databases = [db for primary in org.databases for db in (primary, *primary["read_replicas"])]
    if parameter == "database-id":
        engines = next(
            (e for suffix, e in _ENGINES_WITH.items() if template.endswith(suffix)), None
        )
        return [db["id"] for db in databases if engines is None or db["database_engine"] in engines]
    collections: dict[str, list[Any]] = {
        "instance-id": org.instances,
        "invoice-id": org.ledger.invoices,
        "vke-id": org.kubernetes_clusters,
        "block-id": org.blocks,
        "object-storage-id": org.object_storages,
        "load-balancer-id": org.load_balancers,
        "baremetal-id": org.bare_metals,
        "snapshot-id": org.snapshots,
        "reserved-ip": org.reserved_ips,
        "registry-id": org.registries,
    }
    if parameter == "inference-id":
        return [subscription.json["id"] for subscription in org.inference_subscriptions]
    return [str(item["id"]) for item in collections.get(parameter, [])]


def _paths(org: Organisation, template: str) -> list[str]:
    parameters = re.findall(r"\{([^}]+)\}", template)
    if not parameters:
        return [f"/v2{template}"]
    (parameter,) = parameters
    return [
        f"/v2{template.replace(f'{{{parameter}}}', value)}"
        for value in _ids(org, template, parameter)
    ]


def _load_spec() -> Any:
    text = SPEC_FILE.read_text()
    for wrong, right in SPEC_TYPE_REPAIRS.items():
        text = text.replace(f'"type": "{wrong}"', f'"type": "{right}"')
    return json.loads(text)


@pytest.fixture(scope="module")
def spec() -> Any:
    return _load_spec()


@pytest.fixture(scope="module")
def openapi(spec: Any) -> OpenAPI:
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def _client(sim: Simulator) -> httpx.Client:
    return httpx.Client(base_url=SPEC_HOST, transport=sim.transport(), headers=AUTH)


def _responses(case: Case, legacy: bool) -> Iterator[tuple[str, httpx.Response]]:
    """The simulator's answers for every concrete path of `case` (a fresh simulator each)."""
    template_sim = Simulator(now=NOW, legacy_engine_names=legacy)
    for path in _paths(template_sim.organisation, case.template):
        sim = (
            template_sim if case.method == "GET" else Simulator(now=NOW, legacy_engine_names=legacy)
        )
        with _client(sim) as client:
            yield path, client.request(case.method, path, json=case.request_body)


def _normalised(route: str, body: Any) -> list[Any]:
    bodies = [copy.deepcopy(body)]
    for difference in KNOWN_DIFFERENCES:
        if difference.route == route:
            bodies = [out for each in bodies for out in difference.normalise(each)]
    return bodies


@pytest.mark.parametrize("legacy", [False, True], ids=["current-names", "legacy-names"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.method} {case.template}")
def test_response_conforms_to_the_spec(openapi: OpenAPI, case: Case, legacy: bool) -> None:
    route = f"{case.method} {case.template}"
    checked = 0
    for path, response in _responses(case, legacy):
        assert response.status_code == case.status, path
        request = MockRequest(SPEC_HOST, case.method.lower(), path)
        bodies = _normalised(route, response.json()) if response.content else [None]
        for body in bodies:
            data = b"" if body is None else json.dumps(body).encode()
            openapi.validate_response(request, MockResponse(data, status_code=response.status_code))
            checked += 1
    assert checked > 0, f"{route}: nothing to validate in the demo organisation"


def _spec_operations(spec: Any) -> list[tuple[str, str]]:
    methods = ("get", "post", "put", "patch", "delete")
    return [(m.upper(), path) for path, item in spec["paths"].items() for m in item if m in methods]


def test_every_served_spec_route_is_validated(spec: Any) -> None:
    """Probe every operation in the document: whatever the simulator serves must be in CASES."""
    served = set()
    for method, template in _spec_operations(spec):
        sim = Simulator(now=NOW)
        parameters = re.findall(r"\{([^}]+)\}", template)
        path = template
        for parameter in parameters:
            ids = _ids(sim.organisation, template, parameter) or ["unknown"]
            path = path.replace(f"{{{parameter}}}", ids[0])
        with _client(sim) as client:
            status = client.request(method, f"/v2{path}").status_code
        if status not in (404, 405):
            served.add((method, template))
    assert served == {(case.method, case.template) for case in CASES}


@pytest.mark.parametrize(("method", "template"), NOT_IN_SPEC)
def test_routes_listed_as_not_in_spec_are_served_and_absent(
    spec: Any, method: str, template: str
) -> None:
    assert template not in spec["paths"]
    sim = Simulator(now=NOW)
    with _client(sim) as client:
        for path in _paths(sim.organisation, template):
            assert client.request(method, path).status_code == 200, path


def test_known_differences_name_routes_that_are_validated() -> None:
    routes = {f"{case.method} {case.template}" for case in CASES}
    assert {difference.route for difference in KNOWN_DIFFERENCES} <= routes
