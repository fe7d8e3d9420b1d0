"""The fault matrix's cases, described once for the pages and the command line.

A case is one way the world misbehaves: the simulated Vultr answering badly (``api``: its
``knobs`` are the simulator's ``Faults``, applied under a path each surface chooses), the whole
management API failing (a wrong key, nothing listening), PostgreSQL or Valkey down, or an
account with nothing in it. ``says`` is a regular expression for the words a person must read
in the error: the API's problem, not a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from vultr_core.simulator import Faults
from vultr_core.simulator.faults import ALWAYS

# Short limits, so that hangs and retry storms end within about a second. Nothing asserts on
# time: the outcome table shows each case's seconds instead. A call's deadline also covers its
# wait for a turn under the account's pacing (20/s after a burst of 9): the Overview's first 15
# calls at `small` leave the last of them 0.3 s in the queue (0.44 s at the 24/s after a burst
# of 5 of before), and the half second this matrix once allowed failed a healthy section on a
# busy CI run.
TIMEOUT_S = 0.25
DEADLINE_S = 1.0
# Longer than TIMEOUT_S and DEADLINE_S: the client gives up first, and does not wait out a
# Retry-After this long.
HANG_S = 3.0

KEY_SENTINEL = "KEY-SENTINEL-fa17"
INFERENCE_KEY_SENTINEL = "INFERENCE-SENTINEL-fa17"
DATA_SENTINEL = "DATA-SENTINEL-fa17"
PASSWORD_SENTINEL = "pw-SENTINEL-fa17"
SECRETS = (KEY_SENTINEL, INFERENCE_KEY_SENTINEL, DATA_SENTINEL, PASSWORD_SENTINEL)

# Stands for a case's own words inside a surface's pattern (see Case.fill).
SAYS = "<says>"


Kind = Literal["api", "wrong key", "unreachable", "postgres down", "valkey down", "empty"]


@dataclass(frozen=True)
class Case:
    name: str
    kind: Kind
    says: str = ""
    knobs: Mapping[str, Any] = field(default_factory=dict)
    # Errors a section beside the broken one may also show, depending on timing.
    may_also: tuple[str, ...] = ()

    def faults(self, path_prefix: str) -> Faults:
        """The simulator's fault knobs for this case, on paths under ``path_prefix`` only."""
        return Faults(path_prefix=path_prefix, **self.knobs)

    def fill(self, pattern: str) -> str:
        """A surface's pattern with this case's words in place of SAYS."""
        return pattern.replace(SAYS, self.says)

    @property
    def refuses_key(self) -> bool:
        """Whether Vultr refuses the key in this case (a page then says so once, at the top)."""
        return self.kind == "wrong key" or self.knobs.get("status_code") in (401, 403)

    @property
    def id(self) -> str:
        return self.name.replace(" ", "-")


API_FAULTS = (
    Case("401 unauthorized", "api", r"HTTP 401", {"status_code": 401}),
    Case("403 forbidden", "api", r"HTTP 403", {"status_code": 403}),
    Case("404 not found", "api", r"HTTP 404", {"status_code": 404}),
    Case("422 unprocessable", "api", r"HTTP 422", {"status_code": 422}),
    Case(
        "429 storm with Retry-After",
        "api",
        r"HTTP 429: Rate limit exceeded",
        {"status_code": 429, "retry_after_s": HANG_S},
    ),
    Case(
        "429 storm without Retry-After",
        "api",
        r"HTTP 429: Rate limit exceeded",
        {"status_code": 429},
    ),
    Case("500 server error", "api", r"HTTP 500", {"status_code": 500}),
    Case("502 bad gateway", "api", r"HTTP 502", {"status_code": 502}),
    Case("504 gateway timeout", "api", r"HTTP 504", {"status_code": 504}),
    Case("hang past the timeout", "api", r"timed out \(ReadTimeout\)", {"hang_s": HANG_S}),
    Case("dropped connections", "api", r"RemoteProtocolError", {"drop_count": ALWAYS}),
    Case(
        "malformed JSON",
        "api",
        r"with a body that is not (valid JSON|a JSON object)",
        {"malformed_count": ALWAYS},
    ),
)
MANAGEMENT_DOWN = (
    Case("wrong API key", "wrong key", r"HTTP 401: Invalid API token"),
    Case("API unreachable", "unreachable", r"could not reach 127\.0\.0\.1:\d+: ConnectError"),
)
POSTGRES_DOWN = Case("PostgreSQL down", "postgres down", r"Connection refused")
VALKEY_DOWN = Case("Valkey down", "valkey down", r"Connection refused")
EMPTY_ACCOUNT = Case("empty account", "empty")

CASES = (*API_FAULTS, *MANAGEMENT_DOWN, POSTGRES_DOWN, VALKEY_DOWN, EMPTY_ACCOUNT)
