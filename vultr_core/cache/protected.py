"""Every family of keys the app writes in Valkey: Cache Tools may read them, never change them.

A forged management entry would show every user a made-up balance; a deleted limiter key would
hand out a fresh inference budget. So the tools refuse to write, take or invalidate any name
listed here, and the key browser marks these keys as the app's. Each family's prefix comes from
the module that writes it, so a renamed key cannot slip out of this list.
"""

from __future__ import annotations

from dataclasses import dataclass

from vultr_core.health.history import STREAM_KEY_PREFIX
from vultr_core.health.valkey import ROUND_TRIP_KEY_PREFIX
from vultr_core.inference.limits import KEY_PREFIX as INFERENCE_RATE_KEY_PREFIX

# The management API cache's keys and tags, inside CacheHelper's namespace
# (vultr_core.api.cached_management builds them from this).
MANAGEMENT_KEY_PREFIX = "mgmt:"
# The closed invoices' items (vultr_core.spend.closed_invoices), outside that namespace.
CLOSED_INVOICE_KEY_PREFIX = "vultr-dashboard:closed-invoice:"


@dataclass(frozen=True, slots=True)
class KeyFamily:
    # The start of every Valkey name in the family (an exact name for a single key).
    prefix: str
    what: str


def app_key_families(namespace: str) -> tuple[KeyFamily, ...]:
    """The app's own keys for a CacheHelper in ``namespace`` (CacheHelper's layout: store.py)."""
    return (
        KeyFamily(f"{namespace}:v:{MANAGEMENT_KEY_PREFIX}", "the management API cache"),
        KeyFamily(f"{namespace}:tag:{MANAGEMENT_KEY_PREFIX}", "the management API cache's tags"),
        KeyFamily(f"{namespace}:lock:{MANAGEMENT_KEY_PREFIX}", "the management API cache's locks"),
        KeyFamily(f"{namespace}:audit", "the Cache Tools audit log"),
        KeyFamily(f"{namespace}:stats", "the cache's hit and miss counters"),
        KeyFamily(f"{namespace}:tags", "the cache's list of tags"),
        KeyFamily(f"{namespace}:draining", "tag invalidations in progress"),
        KeyFamily(INFERENCE_RATE_KEY_PREFIX, "the inference rate limiter"),
        KeyFamily(STREAM_KEY_PREFIX, "the health history"),
        KeyFamily(CLOSED_INVOICE_KEY_PREFIX, "the closed invoices' items"),
        KeyFamily(ROUND_TRIP_KEY_PREFIX, "the `test` command's round trip"),
    )


def app_family(name: str, namespace: str) -> KeyFamily | None:
    """The family of the app's own keys that this Valkey name belongs to, if any."""
    return next((f for f in app_key_families(namespace) if name.startswith(f.prefix)), None)
