"""The HTTP API served for real: uvicorn on a loopback port, in a thread of this process, with
the routes app.py mounts, in front of a simulated Vultr served on loopback too."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from tests.e2e.conftest import free_port
from vultr_core import clients
from vultr_core.api.management import ManagementClient
from vultr_core.config import Settings
from vultr_core.simulator import Simulator
from vultr_core.web.routes import Backend, api_routes

KEY = "API-KEY-SENTINEL-0b5e"
INFERENCE_KEY = "INFERENCE-KEY-SENTINEL-77c1"
DATA_SECRET = "DATA-SECRET-SENTINEL-3a9d"
TOKEN = "dashboard-token-for-tests-4c2f"
SENTINELS = (KEY, INFERENCE_KEY, DATA_SECRET, TOKEN)
# Short limits, so that a hung or throttled Vultr is given up on quickly.
TIMEOUT_S = "0.5"
DEADLINE_S = "1.5"


@dataclass(frozen=True)
class ServedApi:
    url: str
    simulator: Simulator

    def get(self, path: str, **options: object) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **options)  # type: ignore[arg-type]


@contextmanager
def serve_routes(environ: Mapping[str, str], *, sign_in: bool = False) -> Iterator[str]:
    """The API's routes behind uvicorn on loopback; yields the base URL."""
    made: dict[str, ManagementClient] = {}
    lock = threading.Lock()

    def management(settings: Settings) -> ManagementClient:
        with lock:
            if settings.cache_key not in made:
                made[settings.cache_key] = clients.management_client(settings)
            return made[settings.cache_key]

    backend = Backend(
        settings=lambda: Settings.from_sources(environ, {}),
        management=management,
        sign_in_configured=lambda: sign_in,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=api_routes(backend)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        for client in made.values():
            client.close()


@pytest.fixture
def vultr() -> Iterator[tuple[Simulator, str]]:
    """A simulated Vultr of this test's own: a hung request of another test never lands in
    its request log."""
    simulator = Simulator(
        size="small", api_key=KEY, inference_api_key=INFERENCE_KEY, secret_sentinel=DATA_SECRET
    )
    with simulator.serve() as server:
        yield simulator, server.base_url


def deployment(vultr_url: str, **more: str) -> dict[str, str]:
    """A real deployment's settings against the served simulator (no PostgreSQL or Valkey)."""
    return {
        "VULTR_API_KEY": KEY,
        "VULTR_API_URL": f"{vultr_url}/v2",
        "VULTR_INFERENCE_API_KEY": INFERENCE_KEY,
        "VULTR_INFERENCE_URL": f"{vultr_url}/v1",
        "VULTR_API_TIMEOUT_S": TIMEOUT_S,
        "VULTR_API_DEADLINE_S": DEADLINE_S,
        **more,
    }


@pytest.fixture
def api(vultr: tuple[Simulator, str]) -> Iterator[ServedApi]:
    """A fresh API server (fresh single-flight caches) over this test's simulator."""
    simulator, url = vultr
    with serve_routes(deployment(url)) as base:
        yield ServedApi(base, simulator)
