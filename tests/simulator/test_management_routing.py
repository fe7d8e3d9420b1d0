"""The /v2 router: literal segments win, a missing route is told from a missing id, auth headers."""

from __future__ import annotations

import httpx
import pytest

from vultr_core.simulator import Simulator
from vultr_core.simulator.management_routing import (
    UNKNOWN_ROUTE_MESSAGE,
    MethodNotAllowedError,
    Route,
    RouteNotFoundError,
    Router,
)
from vultr_core.simulator.messages import SimRequest, SimResponse

from .conftest import BASE_URL

INVALID_TOKEN = {"error": "Invalid API token.", "status": 401}


def _answer(name: str) -> Route:
    def handler(_request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        return SimResponse.json({"handler": name})

    return Route("GET", f"/v2/things/{name}", handler)


@pytest.mark.parametrize("literal_first", [True, False], ids=["literal-first", "parameter-first"])
def test_a_literal_segment_wins_over_a_parameter_in_any_order(literal_first: bool) -> None:
    literal, parameter = _answer("clusters"), _answer("{thing-id}")
    router = Router([literal, parameter] if literal_first else [parameter, literal])
    assert router.resolve("GET", "/v2/things/clusters") == (literal, {})
    assert router.resolve("GET", "/v2/things/abc") == (parameter, {"thing_id": "abc"})


def test_a_route_missing_its_method_is_not_a_missing_route() -> None:
    router = Router([_answer("clusters"), _answer("{thing-id}")])
    with pytest.raises(MethodNotAllowedError):
        router.resolve("POST", "/v2/things/clusters")
    with pytest.raises(RouteNotFoundError):
        router.resolve("GET", "/v2/things/clusters/more")


def test_a_route_is_declared_once() -> None:
    with pytest.raises(ValueError, match="duplicate route"):
        Router([_answer("clusters"), _answer("clusters")])


@pytest.mark.parametrize(
    ("route", "key"),
    [
        ("/object-storage/clusters", "clusters"),
        ("/object-storage/tiers", "tiers"),
        ("/blocks/snapshots", "snapshots"),
        ("/registry/plan/list", "plans"),
        ("/registry/region/list", "regions"),
    ],
)
def test_literal_routes_are_not_read_as_ids(api: httpx.Client, route: str, key: str) -> None:
    response = api.get(route)
    assert response.status_code == 200, response.text
    assert key in response.json()


def test_ids_beside_literal_routes_still_resolve(api: httpx.Client, sim: Simulator) -> None:
    storage = sim.organisation.object_storages[0]
    assert api.get(f"/object-storage/{storage['id']}").json() == {"object_storage": storage}
    block = sim.organisation.blocks[0]
    assert api.get(f"/blocks/{block['id']}").json() == {"block": block}


@pytest.mark.parametrize("route", ["/nope", "/instances/x/nothing", "/databases//usage", "/"])
def test_a_path_no_route_serves_has_its_own_404(api: httpx.Client, route: str) -> None:
    response = api.get(route)
    assert response.status_code == 404
    assert response.json() == {"error": UNKNOWN_ROUTE_MESSAGE, "status": 404}


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ("/instances/x", "Instance not found."),
        ("/instances/x/bandwidth", "Instance not found."),
        ("/object-storage/x", "Object storage not found."),
        ("/regions/xyz/availability", "Region not found."),
        ("/kubernetes/clusters/x/node-pools", "Kubernetes cluster not found."),
    ],
)
def test_an_unknown_id_names_the_missing_resource(
    api: httpx.Client, route: str, message: str
) -> None:
    response = api.get(route)
    assert response.json() == {"error": message, "status": 404}


def test_posting_to_a_literal_read_route_is_405(api: httpx.Client) -> None:
    response = api.post("/object-storage/clusters")
    assert response.json() == {"error": "Method not allowed.", "status": 405}


# -- an empty Authorization header is no key ----------------------------------------------------


@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
def test_an_empty_authorization_header_counts_as_none(sim: Simulator, value: str) -> None:
    with httpx.Client(
        base_url=BASE_URL, transport=sim.transport(), headers={"Authorization": value}
    ) as client:
        assert client.get("/plans").status_code == 200
        private = client.get("/account")
    assert private.status_code == 401
    assert private.json() == INVALID_TOKEN


def test_an_empty_authorization_header_over_real_http(sim: Simulator) -> None:
    with (
        sim.serve() as server,
        httpx.Client(base_url=server.base_url, headers={"Authorization": ""}, timeout=10) as client,
    ):
        assert client.get("/v2/regions").status_code == 200
        assert client.get("/v2/account").json() == INVALID_TOKEN
    assert sim.request_log[0].headers.get("authorization") == ""
