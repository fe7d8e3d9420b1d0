"""The hostile matrix's world: a simulated Vultr served on loopback (and a TLS copy nobody
trusts), the settings of a real deployment against it, and the table printed after the run."""

from __future__ import annotations

import resource
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.hostile.cases import (
    DATA_SECRET,
    DEADLINE_S,
    IDLE_S,
    INFERENCE_KEY,
    KEY,
    MAX_RESPONSE_MB,
    TIMEOUT_S,
    HostileCase,
)
from tests.outcome_table import Note, OutcomeTable
from vultr_core.simulator import Faults, Simulator
from vultr_core.simulator.hostile_wire import bomb_bytes

TABLE = OutcomeTable("hostile matrix")


@dataclass(frozen=True)
class HostileVultr:
    simulator: Simulator
    url: str
    tls_url: str


@pytest.fixture(scope="session")
def hostile_vultr() -> Iterator[HostileVultr]:
    simulator = Simulator(
        size="small", api_key=KEY, inference_api_key=INFERENCE_KEY, secret_sentinel=DATA_SECRET
    )
    with simulator.serve() as server, simulator.serve(tls=True) as tls_server:
        yield HostileVultr(simulator, server.base_url, tls_server.base_url)


@pytest.fixture
def hostile(hostile_vultr: HostileVultr) -> Iterator[HostileVultr]:
    """The simulator, every mode switched off again after the test."""
    yield hostile_vultr
    hostile_vultr.simulator.faults = Faults()


def arm(case: HostileCase, vultr: HostileVultr) -> None:
    """Switch the case's mode on. A bomb is compressed beforehand: its making is the
    simulator's cost, and would otherwise time out the first requests instead."""
    if bomb_mb := case.knobs.get("gzip_bomb_mb"):
        bomb_bytes(bomb_mb)
    vultr.simulator.faults = Faults(**case.knobs)


def settings_for(
    case: HostileCase,
    vultr: HostileVultr,
    *,
    database_url: str | None = None,
    valkey_url: str | None = None,
) -> dict[str, str]:
    url = vultr.tls_url if case.kind == "tls" else vultr.url
    environ = {
        "VULTR_API_KEY": KEY,
        "VULTR_API_URL": f"{url}/v2",
        "VULTR_INFERENCE_API_KEY": INFERENCE_KEY,
        "VULTR_INFERENCE_URL": f"{url}/v1",
        "VULTR_API_TIMEOUT_S": str(TIMEOUT_S),
        "VULTR_API_DEADLINE_S": str(DEADLINE_S),
        "VULTR_API_MAX_RESPONSE_MB": str(MAX_RESPONSE_MB),
        "INFERENCE_TIMEOUT_S": str(TIMEOUT_S),
        "INFERENCE_DEADLINE_S": str(DEADLINE_S * 2),
        "INFERENCE_IDLE_S": str(IDLE_S),
        "INFERENCE_REQUESTS_PER_MINUTE": "6000",
    }
    if database_url is not None:
        environ["DATABASE_URL"] = database_url
    if valkey_url is not None:
        environ["VALKEY_URL"] = valkey_url
    return environ


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (it only grows: compare before and after)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture
def note(request: pytest.FixtureRequest) -> Note:
    return TABLE.note_for(request)


pytest_runtest_makereport = TABLE.pytest_runtest_makereport
pytest_runtest_logreport = TABLE.pytest_runtest_logreport
pytest_terminal_summary = TABLE.pytest_terminal_summary
