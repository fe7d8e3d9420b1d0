"""The simulator: services dispatched by path prefix, fault injection and the request log.

Each served API is a `Service` mounted at a path prefix: the management API at `/v2/` and the
Serverless Inference API at `/v1/` (its own key, auth rules and error envelope). Faults and
logging wrap every service the same way, and the transport and HTTP server are thin adapters
over `handle()`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import httpx

from .faults import FaultInjector, Faults
from .hostile_data import make_hostile
from .hostile_wire import answer_on_a_hostile_wire
from .inference import InferenceApi
from .inference_usage import USAGE_SHAPES, UsageShape
from .management import ManagementApi
from .messages import (
    NO_RESPONSE_STATUS,
    ConnectionDroppedError,
    LoggedRequest,
    ReadTimeoutError,
    SimRequest,
    SimResponse,
)
from .organisation import Organisation, build_organisation
from .server import SimulatorServer
from .transport import SimulatorTransport

DEMO_API_KEY = "VULTRSIMULATORDEMOKEY000000000000000"
"""The bearer key the simulator accepts by default (same 36-character shape as a real key)."""

DEMO_INFERENCE_KEY = "VULTRSIMULATORINFERENCEDEMOKEY000000"
"""The bearer key the simulated inference API accepts by default (a subscription's own key)."""

MALFORMED_FALLBACK_BODY = b'{"'


class Service(Protocol):
    """One API the simulator serves under a path prefix."""

    prefix: str

    def handle(self, request: SimRequest) -> SimResponse: ...

    def error(self, status: int, message: str | None = None) -> SimResponse:
        """An error response in this API's own error envelope."""
        ...


class Simulator:
    """A local Vultr: a deterministic organisation served with Vultr's paths, shapes and quirks."""

    def __init__(
        self,
        size: str = "small",
        seed: int = 7,
        now: datetime | None = None,
        api_key: str | None = DEMO_API_KEY,
        secret_sentinel: str | None = None,
        legacy_engine_names: bool = False,
        inference_usage_shape: UsageShape = "current",
        inference_api_key: str | None = DEMO_INFERENCE_KEY,
        token_sleep: Callable[[float], None] = time.sleep,
        stall_sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`token_sleep` paces simulated model replies and `stall_sleep` waits out latency and
        hangs (tests pass a fake clock's sleep, or a recorder)."""
        if inference_usage_shape not in USAGE_SHAPES:
            raise ValueError(f"inference_usage_shape must be one of {USAGE_SHAPES}")
        self.organisation: Organisation = build_organisation(size, seed, now, secret_sentinel)
        self._injector = FaultInjector(seed)
        self._stall_sleep = stall_sleep
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        management = ManagementApi(
            self.organisation, api_key, legacy_engine_names, inference_usage_shape
        )
        created = int(self.organisation.now.timestamp())
        subscription_keys = [s.json["api_key"] for s in self.organisation.inference_subscriptions]
        inference = InferenceApi(
            inference_api_key, self._injector, created, token_sleep, subscription_keys
        )
        # Longest prefix first; the first service also answers paths no service owns (404).
        self._services: list[Service] = [management, inference]

    # -- faults ---------------------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """The live fault knobs; change fields between requests, or assign a new `Faults`."""
        return self._injector.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._injector.faults = faults

    def set_faults(self, **knobs: object) -> None:
        """Set several fault knobs at once, e.g. `set_faults(status_code=429, status_count=2)`."""
        self._injector.update(**knobs)

    # -- request log ----------------------------------------------------------------------------

    @property
    def request_log(self) -> list[LoggedRequest]:
        """A snapshot of every request received so far, oldest first."""
        with self._log_lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    # -- front ends -----------------------------------------------------------------------------

    def transport(self) -> httpx.BaseTransport:
        """An in-process httpx transport (thread-safe; the host name is ignored)."""
        return SimulatorTransport(self.handle, sleep=self._stall_sleep)

    def serve(
        self, host: str = "127.0.0.1", port: int = 0, *, tls: bool = False
    ) -> SimulatorServer:
        """Serve over real HTTP/1.1 on a background thread; port 0 picks a free port.

        ``tls`` serves HTTPS with a fresh self-signed certificate, which clients refuse unless
        told to trust ``server.certificate_pem``.
        """
        return SimulatorServer(self.handle, host, port, sleep=self._stall_sleep, tls=tls)

    # -- the request pipeline -------------------------------------------------------------------

    def handle(self, request: SimRequest, read_timeout_s: float | None = None) -> SimResponse:
        """Answer one request, with faults applied, and log it.

        Raises:
            ConnectionDroppedError: a drop fault fired; send nothing and close the connection.
            ReadTimeoutError: the stall outlasted `read_timeout_s` (after sleeping that long).
        """
        status = NO_RESPONSE_STATUS
        try:
            response = make_hostile(
                self.faults, request.path, self._answer(request, read_timeout_s)
            )
            status = response.status
            return response
        finally:
            entry = LoggedRequest(
                request.method, request.path, request.query, request.headers, request.body, status
            )
            with self._log_lock:
                self._log.append(entry)

    def _answer(self, request: SimRequest, read_timeout_s: float | None) -> SimResponse:
        service = self._service_for(request.path)
        stall_s = self._injector.stall_s(request.path)
        if stall_s > 0:
            # Sleep outside every lock so that slow requests overlap, as on a real server.
            if read_timeout_s is not None and read_timeout_s < stall_s:
                self._stall_sleep(read_timeout_s)
                raise ReadTimeoutError
            self._stall_sleep(stall_s)
        verdict = self._injector.judge(request.path)
        if verdict.drop:
            raise ConnectionDroppedError
        if verdict.status is not None:
            echoed = request.headers.get("authorization", "") if verdict.echo_authorization else ""
            response = service.error(
                verdict.status, f"Invalid Authorization header: {echoed}" if echoed else None
            )
            if verdict.retry_after is not None:
                response = response.with_header("retry-after", verdict.retry_after)
            return response
        response = answer_on_a_hostile_wire(
            self.faults,
            request,
            service.handle,
            sleep=self._stall_sleep,
            victim_instance_id=self._victim_instance_id(),
        )
        if verdict.malformed:
            return _truncated(response)
        return response

    def _victim_instance_id(self) -> str:
        """The instance a hostile database id points at (hostile_wire.py)."""
        instances = self.organisation.instances
        return str(instances[0]["id"]) if instances else "0"

    def _service_for(self, path: str) -> Service:
        for service in self._services:
            if path.startswith(service.prefix):
                return service
        return self._services[0]


def _truncated(response: SimResponse) -> SimResponse:
    """200, JSON content type, and a body cut in half: never parseable as JSON."""
    body = response.body[: len(response.body) // 2] or MALFORMED_FALLBACK_BODY
    return SimResponse(200, body, (("content-type", "application/json"),))
