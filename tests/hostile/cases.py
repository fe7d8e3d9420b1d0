"""The hostile matrix's cases: the simulated Vultr behaving as an attacker or a broken network
would, each a fault mode of the simulator, and what a person must read when it happens.

``fails`` cases make the management API unusable (a drip, a bomb, a certificate no one
trusts): a surface that reads it must say so in one sentence matching ``says``. The other
cases answer, with hostile content: a surface must render it as text, sums and all.
``stream`` cases are model replies: only a chat sends them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

KEY = "HOSTILE-KEY-SENTINEL-5e1d"
INFERENCE_KEY = "HOSTILE-INFERENCE-SENTINEL-92ab"
DATA_SECRET = "HOSTILE-DATA-SENTINEL-c07f"
PASSWORD = "HOSTILE-PW-SENTINEL-6d3e"
SECRETS = (KEY, INFERENCE_KEY, DATA_SECRET, PASSWORD)

# Short limits, so that every hostile answer is given up on within a couple of seconds.
TIMEOUT_S = 0.5
DEADLINE_S = 1.5
IDLE_S = 1.0
MAX_RESPONSE_MB = 8
# Nothing asserts on wall time (the deadlines are proven on an injected clock in
# tests/api/test_deadline.py and tests/inference): the table shows each case's seconds, and a
# page still running after this long is a hang AppTest reports as a failure.
HANG_AFTER_S = 30.0
# More than this much new memory for one case means something grew without bound.
MEMORY_BOUND_MB = 300

Kind = Literal["fails", "answers", "stream", "tls"]


@dataclass(frozen=True)
class HostileCase:
    name: str
    kind: Kind
    knobs: Mapping[str, Any] = field(default_factory=dict)
    says: str = ""
    # Commands and pages that never meet this mode (endless cursors only hurt paged listings).
    spares: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.name.replace(" ", "-")


CASES = (
    HostileCase(
        "drip", "fails", {"drip_bytes_per_s": 4, "drip_for_s": 60}, r"within|timed out|deadline"
    ),
    HostileCase(
        "slow headers", "fails", {"slow_headers_bytes_per_s": 4}, r"within|timed out|deadline"
    ),
    HostileCase(
        "endless cursors",
        "fails",
        {"endless_cursors": True},
        r"page|cursor",
        # /databases is not paged (vultr-api.md): only the instance listing meets it.
        spares=(
            *("account", "databases", "valkey", "health", "test"),
            *("databases.py", "valkey_health.py", "inference_chat.py"),
        ),
    ),
    HostileCase("gzip bomb", "fails", {"gzip_bomb_mb": 64}, r"more than 8 MB"),
    HostileCase(
        "key echoed in an error",
        "fails",
        {"status_code": 401, "echo_authorization": True},
        # The command line quotes the status; a page says it once, as the key's refusal.
        r"HTTP 401|refused the (API )?key",
    ),
    HostileCase("certificate nobody trusts", "tls", says=r"certificate verify failed"),
    HostileCase("hostile text", "answers", {"hostile_text": True}),
    HostileCase("hostile dates", "answers", {"hostile_dates": True}),
    HostileCase("hostile numbers", "answers", {"hostile_numbers": True}),
    HostileCase("hostile ids", "answers", {"hostile_ids": True}),
    HostileCase(
        "keep-alive-only stream",
        "stream",
        {"hostile_reply": "keep-alive-only", "hostile_interval_ms": 100},
        r"no tokens|idle|within",
    ),
    HostileCase(
        "slow-drip stream",
        "stream",
        {"hostile_reply": "slow-drip", "hostile_interval_ms": 200},
        r"within|deadline|stopped",
    ),
    HostileCase("beacon reply", "stream", {"hostile_reply": "beacon"}),
    HostileCase("oversized event", "stream", {"hostile_reply": "oversized-event"}, r"MiB|large"),
)
"""Every mode, in the order the table prints them."""
SANE = HostileCase("sane", "answers")
"""No mode at all: the settings every case starts from."""
