"""The fault matrix's world: the simulated Vultr served on loopback (and an empty account
beside it), the settings each case needs, and the table of outcomes printed after the run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.cache_support import closed_port
from tests.faults.cases import (
    DATA_SENTINEL,
    DEADLINE_S,
    INFERENCE_KEY_SENTINEL,
    KEY_SENTINEL,
    PASSWORD_SENTINEL,
    TIMEOUT_S,
    Case,
)
from tests.outcome_table import Note, OutcomeTable
from vultr_core.simulator import Faults, Simulator

TABLE = OutcomeTable("fault matrix")


@dataclass(frozen=True)
class Vultr:
    """The served simulators: a small organisation to break, and an empty account."""

    simulator: Simulator
    url: str
    empty_url: str


@pytest.fixture(scope="session")
def vultr() -> Iterator[Vultr]:
    simulator = Simulator(
        size="small",
        api_key=KEY_SENTINEL,
        inference_api_key=INFERENCE_KEY_SENTINEL,
        secret_sentinel=DATA_SENTINEL,
    )
    empty = Simulator(size="empty", api_key=KEY_SENTINEL, inference_api_key=INFERENCE_KEY_SENTINEL)
    with simulator.serve() as server, empty.serve() as empty_server:
        yield Vultr(simulator, server.base_url, empty_server.base_url)


@pytest.fixture
def broken(vultr: Vultr) -> Iterator[Vultr]:
    """The simulators, with every fault switched off again after the test."""
    yield vultr
    vultr.simulator.faults = Faults()


def settings_for(
    case: Case, vultr: Vultr, *, database_url: str | None, valkey_url: str | None
) -> dict[str, str]:
    """The environment of a real deployment (keys, URLs, short timeouts), broken as the case
    says. Without a database or Valkey URL, those services are simply not watched."""
    url = vultr.empty_url if case.kind == "empty" else vultr.url
    environ = {
        "VULTR_API_KEY": KEY_SENTINEL,
        "VULTR_API_URL": f"{url}/v2",
        "VULTR_INFERENCE_API_KEY": INFERENCE_KEY_SENTINEL,
        "VULTR_INFERENCE_URL": f"{url}/v1",
        "VULTR_API_TIMEOUT_S": str(TIMEOUT_S),
        "VULTR_API_DEADLINE_S": str(DEADLINE_S),
        "INFERENCE_TIMEOUT_S": str(TIMEOUT_S),
        "INFERENCE_DEADLINE_S": str(DEADLINE_S),
        # At the default 60 a minute, each inference retry would wait a second for its turn.
        "INFERENCE_REQUESTS_PER_MINUTE": "6000",
    }
    if database_url is not None:
        environ["DATABASE_URL"] = database_url
    if valkey_url is not None:
        environ["VALKEY_URL"] = valkey_url
    if case.kind == "wrong key":
        environ["VULTR_API_KEY"] = f"WRONG-{KEY_SENTINEL}"
    elif case.kind == "unreachable":
        environ["VULTR_API_URL"] = f"http://127.0.0.1:{closed_port()}/v2"
    elif case.kind == "postgres down":
        environ["DATABASE_URL"] = (
            f"postgresql://monitor:{PASSWORD_SENTINEL}@127.0.0.1:{closed_port()}/app"
        )
    elif case.kind == "valkey down":
        environ["VALKEY_URL"] = f"redis://:{PASSWORD_SENTINEL}@127.0.0.1:{closed_port()}/0"
    return environ


@pytest.fixture
def note(request: pytest.FixtureRequest) -> Note:
    return TABLE.note_for(request)


pytest_runtest_makereport = TABLE.pytest_runtest_makereport
pytest_runtest_logreport = TABLE.pytest_runtest_logreport
pytest_terminal_summary = TABLE.pytest_terminal_summary
