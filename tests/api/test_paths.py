"""Ids from the API are validated and escaped into one path segment (issue 12 §5)."""

from __future__ import annotations

import pytest

from tests.conftest import simulator_client
from vultr_core.api import errors
from vultr_core.api.management import ManagementClient
from vultr_core.api.paths import id_segment
from vultr_core.simulator import Simulator


@pytest.mark.parametrize(
    ("value", "segment"),
    [
        ("cb676a46-66fd-4dfb-b839-443f2e6c0b60", "cb676a46-66fd-4dfb-b839-443f2e6c0b60"),
        (12345, "12345"),
        ("../instances/abc/reboot#", "..%2Finstances%2Fabc%2Freboot%23"),
        ("a?b=c&d", "a%3Fb%3Dc%26d"),
        ("100%", "100%25"),
    ],
)
def test_an_id_is_always_exactly_one_segment(value: object, segment: str) -> None:
    assert id_segment(value, "database") == segment


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "null"),
        ("", "empty"),
        (".", "relative path segment"),
        ("..", "relative path segment"),
        ("a\nb", "control characters"),
        ("a\u202eb", "control characters"),  # a right-to-left override
        ("a b", "whitespace"),
        ("x" * 200, "longer than 128"),
        (True, "not text"),
        (["a"], "not text"),
    ],
)
def test_what_cannot_name_a_resource_is_refused(value: object, problem: str) -> None:
    with pytest.raises(errors.InvalidIdError, match=problem):
        id_segment(value, "database")


def database_reads(client: ManagementClient, database_id: str) -> list[str]:
    """Every per-database read, each one's outcome by error type ("ok" when it answered)."""
    outcomes = []
    for read in (
        client.database,
        client.database_usage,
        client.database_alerts,
        client.database_backups,
        client.database_maintenance,
        client.database_connection_pools,
    ):
        try:
            read(database_id)
            outcomes.append("ok")
        except errors.ApiError as err:
            outcomes.append(type(err).__name__)
    return outcomes


def test_hostile_database_ids_never_leave_databases(
    client: ManagementClient, simulator: Simulator
) -> None:
    victim = simulator.organisation.instances[0]
    power_before = victim["power_status"]
    simulator.set_faults(hostile_ids=True)
    databases = client.databases()
    assert [d.id for d in databases[:3]] == [f"../instances/{victim['id']}/reboot#", "", ""]
    outcomes = {d.id: database_reads(client, d.id) for d in databases[:3]}
    sent = {(r.method, r.path) for r in simulator.request_log}
    assert all(path.startswith("/v2/databases") for _, path in sent), sent
    assert {method for method, path in sent if "alerts" not in path} == {"GET"}
    assert not any("//" in path for _, path in sent), "an empty id was never asked for"
    assert victim["power_status"] == power_before
    assert set(outcomes[""]) == {"InvalidIdError"}
    assert set(outcomes[databases[0].id]) == {"NotFoundError"}


def test_every_read_still_works_with_real_ids(simulator: Simulator) -> None:
    with simulator_client(simulator) as client:
        postgres = next(d for d in client.databases() if d.engine == "pg")
        assert set(database_reads(client, postgres.id)) == {"ok"}
