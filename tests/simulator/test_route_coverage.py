"""Every documented route is served and validated, or allow-listed with a reason.

A path the simulator has no route for answers its own 404 (UNKNOWN_ROUTE_MESSAGE); an unknown id
on a served route answers a 404 naming the resource. The tests below hold on to that difference,
so a path swallowed by the wrong route (`/object-storage/clusters` read as an object-storage id)
cannot pass for either.
"""

from __future__ import annotations

from typing import Any

import pytest

from vultr_core.simulator import Simulator

from .conftest import NOW
from .spec_routes import (
    CASES,
    NOT_IN_SPEC,
    UNKNOWN_ID,
    Case,
    bindings,
    fill,
    is_missing_route,
    load_spec,
    paths,
    sim_client,
    spec_operations,
)

# Documented GET routes the simulator does not serve, each group with the reason. Every one must
# answer the simulator's missing-route 404, so this list cannot hide a route that is served (or
# misrouted to another handler), and the documented GET routes are exactly CASES plus these.
NOT_SERVED: dict[str, tuple[str, ...]] = {
    # Free account objects a cost and health dashboard never reads; not in the organisation.
    "account objects not simulated": (
        "/private-networks", "/private-networks/{network-id}", "/vpcs", "/vpcs/{vpc-id}",
        "/vpc2", "/vpc2/{vpc-id}", "/vpc2/{vpc-id}/nodes", "/users", "/users/{user-id}",
        "/startup-scripts", "/startup-scripts/{startup-id}", "/ssh-keys", "/ssh-keys/{ssh-key-id}",
        "/firewalls", "/firewalls/{firewall-group-id}", "/firewalls/{firewall-group-id}/rules",
        "/firewalls/{firewall-group-id}/rules/{firewall-rule-id}", "/domains",
        "/domains/{dns-domain}", "/domains/{dns-domain}/soa", "/domains/{dns-domain}/dnssec",
        "/domains/{dns-domain}/records", "/domains/{dns-domain}/records/{record-id}",
    ),
    # The deploy catalogue: operating systems, apps and ISO images cost nothing by themselves.
    "deploy catalogue not simulated": (
        "/os", "/applications", "/iso", "/iso/{iso-id}", "/iso-public",
    ),
    # Sub-accounts and automatic backups: their charges reach the account through pending
    # charges and invoices, which are simulated; the objects themselves are not.
    "billed elsewhere, objects not simulated": ("/subaccounts", "/backups", "/backups/{backup-id}"),
    # Per-server settings (vultr-api.md 2.4: "not needed for read-only dashboards").
    "per-server settings": (
        "/instances/{instance-id}/neighbors", "/instances/{instance-id}/private-networks",
        "/instances/{instance-id}/vpcs", "/instances/{instance-id}/vpc2",
        "/instances/{instance-id}/iso", "/instances/{instance-id}/backup-schedule",
        "/instances/{instance-id}/ipv4", "/instances/{instance-id}/ipv6",
        "/instances/{instance-id}/ipv6/reverse", "/instances/{instance-id}/user-data",
        "/instances/{instance-id}/upgrades", "/bare-metals/{baremetal-id}/ipv4",
        "/bare-metals/{baremetal-id}/ipv6", "/bare-metals/{baremetal-id}/user-data",
        "/bare-metals/{baremetal-id}/upgrades", "/bare-metals/{baremetal-id}/vnc",
        "/bare-metals/{baremetal-id}/vpc2",
    ),
    # Load-balancer rules are served inside the load balancer object itself.
    "load-balancer rules, served inside the load balancer": (
        "/load-balancers/{load-balancer-id}/forwarding-rules",
        "/load-balancers/{load-balancer-id}/forwarding-rules/{forwarding-rule-id}",
        "/load-balancers/{loadbalancer-id}/firewall-rules",
        "/load-balancers/{loadbalancer-id}/firewall-rules/{firewall-rule-id}",
    ),
    # Cluster operations: the kubeconfig is a credential, the rest is not read by the app.
    "cluster operations": (
        "/kubernetes/clusters/{vke-id}/resources",
        "/kubernetes/clusters/{vke-id}/available-upgrades",
        "/kubernetes/clusters/{vke-id}/config",
    ),
    # Database operations the app never reads (and whose shapes vultr-api.md marks unverified).
    "database operations": (
        "/databases/{database-id}/migration", "/databases/{database-id}/advanced-options",
        "/databases/{database-id}/version-upgrade",
    ),
    # Registry contents: images are not part of the simulated registries.
    "registry repositories not simulated": (
        "/registry/{registry-id}/repositories",
        "/registry/{registry-id}/repository/{repository-image}",
    ),
}  # fmt: skip

# Documented in vultr-api.md only (newer than the document) and not served either.
NOT_SERVED_BEYOND_SPEC: dict[str, tuple[str, ...]] = {
    # Virtual File System storage is not part of the organisation.
    "VFS not simulated (vultr-api.md 2.16)": ("/vfs",),
    # Kafka administration (vultr-api.md 2.7, "Other DB routes").
    "Kafka administration": (
        "/databases/{database-id}/topics", "/databases/{database-id}/quotas",
        "/databases/{database-id}/connectors", "/databases/{database-id}/available-connectors",
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def spec() -> Any:
    return load_spec()


def _allow_listed(groups: dict[str, tuple[str, ...]]) -> list[str]:
    return [template for templates in groups.values() for template in templates]


def test_every_documented_get_route_is_validated_or_allow_listed(spec: Any) -> None:
    documented = {template for method, template in spec_operations(spec) if method == "GET"}
    validated = {case.template for case in CASES if case.method == "GET"}
    allow_listed = _allow_listed(NOT_SERVED)
    assert len(allow_listed) == len(set(allow_listed)), "a route is allow-listed twice"
    assert not validated & set(allow_listed), "a validated route is also allow-listed"
    assert validated | set(allow_listed) == documented


@pytest.mark.parametrize(
    "template", _allow_listed(NOT_SERVED) + _allow_listed(NOT_SERVED_BEYOND_SPEC)
)
def test_allow_listed_routes_are_missing_routes(template: str) -> None:
    """Real ids where the organisation has them, so a misrouted path would answer otherwise."""
    sim = Simulator(now=NOW)
    found = bindings(sim.organisation, template) or [{}]
    with sim_client(sim) as client:
        response = client.get(fill(template, found[0]))
    assert is_missing_route(response), response.text


@pytest.mark.parametrize(
    "case",
    [case for case in CASES if "{" in case.template],
    ids=lambda case: f"{case.method} {case.template}",
)
def test_unknown_ids_are_missing_resources(case: Case) -> None:
    """Each path parameter in turn set to an id nobody has: a 404 that names the resource."""
    sim = Simulator(now=NOW)
    (binding, *_) = bindings(sim.organisation, case.template)
    with sim_client(sim) as client:
        for parameter in binding:
            path = fill(case.template, {**binding, parameter: UNKNOWN_ID})
            response = client.request(case.method, path, json=case.request_body)
            assert response.status_code == 404, (path, response.text)
            assert not is_missing_route(response), path
            assert response.json()["error"].endswith("not found."), path


def test_every_served_spec_route_is_validated(spec: Any) -> None:
    """Probe every operation in the document with real ids: whatever is served is in CASES."""
    served = set()
    for method, template in spec_operations(spec):
        sim = Simulator(now=NOW)
        found = bindings(sim.organisation, template) or [{}]
        with sim_client(sim) as client:
            response = client.request(method, fill(template, found[0]))
        if response.status_code != 405 and not is_missing_route(response):
            served.add((method, template))
    assert served == {(case.method, case.template) for case in CASES}


@pytest.mark.parametrize(
    "case",
    [case for case in CASES if case.method == "GET"],
    ids=lambda case: f"{case.method} {case.template}",
)
@pytest.mark.parametrize("authorization", [None, ""], ids=["no-header", "empty-header"])
def test_routes_the_spec_marks_public_answer_without_a_key(
    spec: Any, case: Case, authorization: str | None
) -> None:
    public = spec["paths"][case.template]["get"].get("security") == []
    sim = Simulator(now=NOW)
    path = paths(sim.organisation, case.template)[0]
    headers = None if authorization is None else {"Authorization": authorization}
    with sim_client(sim, headers) as client:
        response = client.get(path)
    assert response.status_code == (200 if public else 401), path


@pytest.mark.parametrize(("method", "template"), NOT_IN_SPEC)
def test_routes_listed_as_not_in_spec_are_served_and_absent(
    spec: Any, method: str, template: str
) -> None:
    assert template not in spec["paths"]
    sim = Simulator(now=NOW)
    with sim_client(sim) as client:
        for path in paths(sim.organisation, template):
            assert client.request(method, path).status_code == 200, path
