"""The management client's request loop: paced, retried, and bounded in time and size.

Each attempt has a Deadline (what is left of the call's): the pacing wait, the connection,
the headers and every byte of the body must fit in it, and the body is read within a size cap
(``bounded_body``). A response is always closed, however its attempt ends, so its connection
goes back to the pool.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Mapping
from typing import Any

import httpx

from vultr_core import telemetry
from vultr_core.api.bounded_body import BYTES_PER_MB, read_body
from vultr_core.api.deadline import Deadline
from vultr_core.api.errors import ApiError, MalformedResponseError, TimeoutError
from vultr_core.api.http import (
    Clock,
    Limiter,
    Retrier,
    RetryPolicy,
    Sleep,
    error_for_response,
    error_for_transport_failure,
)
from vultr_core.api.paths import sent_path
from vultr_core.config import DEFAULT_API_MAX_RESPONSE_MB

MAX_RESPONSE_SETTING = "VULTR_API_MAX_RESPONSE_MB"


class JsonApi:
    """Sends JSON requests with pacing and retries, and turns every failure into a VultrError.

    Thread-safe: the httpx client, the limiter and the RNG (under a lock) are shared.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        limiter: Limiter | None = None,
        retry: RetryPolicy | None = None,
        max_response_mb: int = DEFAULT_API_MAX_RESPONSE_MB,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self.max_response_bytes = max_response_mb * BYTES_PER_MB
        self._clock = clock
        self._retrier = Retrier(self.retry, clock=clock, sleep=sleep, rng=rng)

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Mapping[str, Any] | None = None,
    ) -> Any:
        """The decoded JSON body (None for 204), after retries within the deadline.

        Raises:
            ApiError: the subclass for the failure that ended the attempts.
        """
        return self._retrier.call(
            lambda remaining_s: self._send_once(method, path, params, json_body, remaining_s),
            what=f"{method} /{path.lstrip('/')}",
        )

    def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None,
        json_body: Mapping[str, Any] | None,
        remaining_s: float,
    ) -> Any:
        deadline = Deadline(remaining_s, total_s=self.retry.deadline_s, clock=self._clock)
        request = self.client.build_request(method, path.lstrip("/"), params=params, json=json_body)
        where = sent_path(request)
        if self.limiter is not None:
            self.limiter.acquire()
            deadline.check(method, where, "waiting for its turn under the rate limit")
        request.extensions["timeout"] = deadline.timeout(self.client.timeout).as_dict()
        with deadline.active():
            try:
                response = self.client.send(request, stream=True)
            except httpx.TransportError as err:
                telemetry.record_request("management", None)
                raise _transport_failure(err, request, deadline) from err
            telemetry.record_request("management", response.status_code)
            try:
                deadline.check(method, where, "waiting for the headers")
                content = read_body(
                    response,
                    deadline=deadline,
                    max_bytes=self.max_response_bytes,
                    setting=MAX_RESPONSE_SETTING,
                )
            except httpx.TransportError as err:
                raise _transport_failure(err, request, deadline) from err
            finally:
                response.close()
        if not response.is_success:
            raise error_for_response(response, content)
        if response.status_code == 204 or not content:
            return None
        try:
            return json.loads(content)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise MalformedResponseError(
                f"{method} {where} returned HTTP {response.status_code} "
                f"with a body that is not valid JSON ({len(content)} bytes)",
                status=response.status_code,
                method=method,
                path=where,
            ) from err

    def close(self) -> None:
        self.client.close()


def _transport_failure(
    error: httpx.TransportError, request: httpx.Request, deadline: Deadline
) -> ApiError:
    """The error for a failed connection; a timeout that was the deadline says so."""
    failure = error_for_transport_failure(error, request)
    if isinstance(failure, TimeoutError) and deadline.passed():
        return deadline.error(request.method, sent_path(request), type(error).__name__)
    return failure
