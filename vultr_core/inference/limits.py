"""The inference rate limit kept in Valkey, so that every app replica shares one key's budget.

A per-process token bucket lets N replicas send N times the budget. Here the bucket's state
is one Valkey key per API key, updated by a small Lua script: the script runs atomically on
the server and reads the server's clock, so replicas need neither a lock nor synced clocks.

Why a script rather than the ``limits`` library: the chat must *wait* for its turn, not be
refused, and ``limits`` answers hit-or-miss (a caller would poll). The script reserves the
next free slot and says how long to sleep, exactly like ``http.RateLimiter``, in one round
trip and without a new dependency. It uses only GET, SET and TIME, which Redis 7.0 and
Valkey 9 both allow in scripts (effects replication is the default since Redis 5).
"""

from __future__ import annotations

import hashlib
import logging
import time

import valkey
from valkey.exceptions import ValkeyError

from vultr_core.api.http import Limiter, RateLimiter, Sleep
from vultr_core.config import Secret

logger = logging.getLogger(__name__)

KEY_PREFIX = "vultr-dashboard:inference-rate:"
MICROSECONDS_PER_S = 1_000_000

# Reserve the next slot of a "one request per interval" schedule (GCRA with a burst of 1,
# the same budget as RateLimiter.per_minute). The key holds the next free slot in server
# microseconds; it expires a second after that slot, so an idle key leaves no trace.
# Numbers cross the Lua boundary as strings: Lua's tostring keeps only 14 digits.
RESERVE_SLOT_SCRIPT = """
local interval = tonumber(ARGV[1])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local following = slot + interval
local ttl_ms = math.ceil((following - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', following), 'PX', ttl_ms)
return string.format('%.0f', slot - now)
"""


def limiter_key(api_key: Secret | str | None) -> str:
    """The Valkey key holding one API key's budget: a digest, never the key itself."""
    raw = api_key.reveal() if isinstance(api_key, Secret) else (api_key or "")
    return KEY_PREFIX + hashlib.sha256(raw.encode()).hexdigest()[:24]


class ValkeyRateLimiter:
    """At most ``requests_per_minute`` per API key across every process using this Valkey.

    If Valkey cannot be reached the limiter falls back to a per-process bucket and logs a
    warning: a cache outage should slow the budget's sharing down, not stop the chat.
    """

    def __init__(
        self,
        client: valkey.Valkey,
        key: str,
        requests_per_minute: int,
        *,
        sleep: Sleep = time.sleep,
        fallback: Limiter | None = None,
    ) -> None:
        if requests_per_minute < 1:
            raise ValueError("requests_per_minute must be >= 1")
        self.key = key
        self.interval_us = round(60 * MICROSECONDS_PER_S / requests_per_minute)
        self._script = client.register_script(RESERVE_SLOT_SCRIPT)
        self._sleep = sleep
        self._fallback = fallback or RateLimiter.per_minute(requests_per_minute, sleep=sleep)

    def acquire(self) -> float:
        """Reserve the next slot and sleep until it comes; returns the wait in seconds."""
        try:
            reply = self._script(keys=[self.key], args=[self.interval_us])
        except ValkeyError as error:
            logger.warning(
                "inference rate limit: Valkey unavailable (%s); pacing this process alone",
                type(error).__name__,
            )
            return self._fallback.acquire()
        wait_s = int(reply) / MICROSECONDS_PER_S
        if wait_s > 0:
            self._sleep(wait_s)
        return wait_s
