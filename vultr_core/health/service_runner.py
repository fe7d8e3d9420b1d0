"""Every service's call side by side, each within its own timeout.

A call that outlives its timeout is reported ``down`` at once and left to end on its own
client timeouts, in a daemon thread: it never holds up the other calls, the page or the
command line's exit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TypeVar

from vultr_core import clients
from vultr_core.api.advice import settings_advice
from vultr_core.api.errors import ConfigurationError, VultrError
from vultr_core.api.management import ManagementClient
from vultr_core.config import Settings
from vultr_core.health.bounded import CheckTimeoutError, run_bounded
from vultr_core.health.registry import is_configured, not_configured
from vultr_core.health.service_health import ServiceHealth
from vultr_core.inference.client import InferenceClient

T = TypeVar("T")
logger = logging.getLogger(__name__)

# PostgreSQL's worst case is a pool wait (2 s) then a direct connect attempt (2 s).
DEFAULT_TIMEOUTS_S = {"postgres": 6.0, "valkey": 5.0, "management": 5.0, "inference": 8.0}
# Starting the embedded servers (demo mode, first call only) is not part of a check's time.
PREPARE_TIMEOUT_S = 60.0


def with_management(settings: Settings, use: Callable[[ManagementClient], T]) -> T:
    """``use`` on a management client that is closed as soon as it returns."""
    with clients.management_client(settings) as client:
        return use(client)


def with_inference(settings: Settings, use: Callable[[InferenceClient], T]) -> T:
    """``use`` on an inference client that is closed as soon as it returns."""
    with clients.inference_client(settings) as client:
        return use(client)


def run_services(
    settings: Settings,
    calls: Mapping[str, Callable[[], T]],
    timeouts_s: Mapping[str, float],
) -> dict[str, T | ServiceHealth]:
    """Each configured service's call in its own daemon thread; failures become ``down``."""
    outcome: dict[str, T | ServiceHealth] = {}
    runnable: dict[str, Callable[[], T]] = {}
    for name, call in calls.items():
        if is_configured(settings, name):
            runnable[name] = call
        else:
            outcome[name] = not_configured(settings, name)
    failed = _prepare_embedded(settings, runnable)
    outcome |= {name: down(name, error) for name, error in failed.items()}
    ready = {name: call for name, call in runnable.items() if name not in failed}
    default_s = max(DEFAULT_TIMEOUTS_S.values())
    for name, result in run_bounded(ready, timeouts_s, default_timeout_s=default_s).items():
        outcome[name] = down(name, result, settings) if isinstance(result, Exception) else result
    return {name: outcome[name] for name in calls}


def _prepare_embedded(settings: Settings, calls: Mapping[str, object]) -> dict[str, Exception]:
    """Start the embedded servers the checks will need, outside their timed window."""
    starters = {
        "postgres": lambda: clients.database_url(settings),
        "valkey": lambda: clients.valkey_url(settings),
    }
    needed = {name: starters[name] for name in calls if name in starters}
    results = run_bounded(needed, {}, default_timeout_s=PREPARE_TIMEOUT_S)
    return {name: r for name, r in results.items() if isinstance(r, Exception)}


def down(service: str, error: Exception, settings: Settings | None = None) -> ServiceHealth:
    """A failed call as a ``down`` service, its reason a sentence that never leaks a trace;
    with the settings, a refused key also carries what to change."""
    if isinstance(error, ConfigurationError):
        return ServiceHealth(service, "down", str(error), misconfigured=True)
    if isinstance(error, VultrError):
        advice = None if settings is None else settings_advice(error, settings)
        return ServiceHealth(service, "down", _sentence(str(error)), advice=advice)
    if isinstance(error, CheckTimeoutError):
        return ServiceHealth(service, "down", _sentence(str(error)))
    logger.debug("health check of %s failed unexpectedly", service, exc_info=error)
    return ServiceHealth(service, "down", f"The check failed unexpectedly ({type(error).__name__})")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
