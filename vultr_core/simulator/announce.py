"""The served simulator says what it is, so an app pointed at it can say so too.

Every answer of the simulator's HTTP server carries ``X-Vultr-Simulator: 1``, and it answers
``ANNOUNCE_PATH`` itself, before its faults and its request log, so asking costs the
simulated organisation nothing. The app asks a ``VULTR_API_URL`` other than Vultr's own once
(no key sent) and shows "Simulated Vultr at host:port" when the header comes back.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import httpx

from vultr_core.api.deadline import Deadline, DeadlineTransport, environment_proxy
from vultr_core.api.errors import VultrError
from vultr_core.config import DEFAULT_MANAGEMENT_API_URL

SIMULATOR_HEADER = "X-Vultr-Simulator"
ANNOUNCE_PATH = "/.well-known/vultr-simulator"
# The whole question, headers included: a server that drips its answer gets no longer.
PROBE_DEADLINE_S = 1.0
_VULTR_HOST = urlsplit(DEFAULT_MANAGEMENT_API_URL).hostname


def answers_as_simulator(base_url: str, *, deadline_s: float = PROBE_DEADLINE_S) -> bool:
    """Whether the management API at ``base_url`` is the served simulator: one GET of
    ``ANNOUNCE_PATH`` on its host, without the key, its body never read; False for Vultr's
    own host (never asked) and for anything that does not answer within ``deadline_s``."""
    parts = urlsplit(base_url)
    if parts.hostname == _VULTR_HOST:
        return False
    url = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], ANNOUNCE_PATH, "", ""))
    transport = DeadlineTransport(limits=httpx.Limits(), proxy=environment_proxy(url))
    deadline = Deadline(deadline_s, total_s=deadline_s)
    try:
        with (
            httpx.Client(transport=transport, timeout=deadline_s) as client,
            deadline.active(),
            client.stream("GET", url) as response,
        ):
            return bool(response.headers.get(SIMULATOR_HEADER) == "1")
    except (httpx.HTTPError, VultrError, OSError, ValueError):
        return False
