"""Every route the simulator serves that Vultr's OpenAPI document (Dec 2023) describes validates.

The document is older than the API. Where it and vultr-api.md disagree, the simulator follows
vultr-api.md ([G] wins), and each such field is listed in KNOWN_DIFFERENCES below with the reason;
only that field is converted to the document's type before validation, nothing else is loosened.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from vultr_core.simulator import Simulator

from .conftest import NOW
from .spec_routes import CASES, SPEC_HOST, Case, load_spec, paths, sim_client

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


@pytest.fixture(scope="module")
def spec() -> Any:
    return load_spec()


@pytest.fixture(scope="module")
def openapi(spec: Any) -> OpenAPI:
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def _responses(case: Case, legacy: bool) -> Iterator[tuple[str, httpx.Response]]:
    """The simulator's answers for every concrete path of `case` (a fresh simulator each)."""
    template_sim = Simulator(now=NOW, legacy_engine_names=legacy)
    for path in paths(template_sim.organisation, case.template):
        sim = (
            template_sim if case.method == "GET" else Simulator(now=NOW, legacy_engine_names=legacy)
        )
        with sim_client(sim) as client:
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
        assert response.status_code == case.status, (path, response.text)
        request = MockRequest(SPEC_HOST, case.method.lower(), path)
        bodies = _normalised(route, response.json()) if response.content else [None]
        for body in bodies:
            data = b"" if body is None else json.dumps(body).encode()
            openapi.validate_response(request, MockResponse(data, status_code=response.status_code))
            checked += 1
    assert checked > 0, f"{route}: nothing to validate in the demo organisation"


def test_known_differences_name_routes_that_are_validated() -> None:
    routes = {f"{case.method} {case.template}" for case in CASES}
    assert {difference.route for difference in KNOWN_DIFFERENCES} <= routes
