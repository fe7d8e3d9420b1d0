"""Management API reads shared through Valkey, so N app replicas ask Vultr once per TTL.

When VALKEY_URL is configured, the app caches its own management reads with its own
CacheHelper. Each result is stored as JSON (records as their fields, never pickled: whoever can
write to the cache must not be able to run code in the app), under a key that names the account,
the method, its arguments and a fingerprint of the model classes: change a model and its old
entries are simply never read again. Each entry is tagged with its resource kind and its
account, so a Refresh button drops exactly those. Secrets never reach the cache: the records
dropped them at parse time.

A cache in trouble never breaks a page: the API answers instead, and the cache is left alone
for a while rather than slowing every call with a timeout.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import time
import types
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Union, get_args, get_origin, get_type_hints

from vultr_core import clients, telemetry
from vultr_core.api.errors import VultrError
from vultr_core.api.management import ManagementClient
from vultr_core.cache.protected import MANAGEMENT_KEY_PREFIX
from vultr_core.cache.store import CacheHelper
from vultr_core.config import Settings

log = logging.getLogger(__name__)

# Matches ui.page.INVENTORY_TTL_S: entries are as fresh as each replica's own cache promises.
DEFAULT_TTL_S = 60.0
BYPASS_AFTER_FAILURE_S = 30.0
# Bump when the encoding itself (not a model) changes.
CODEC_VERSION = "1"

# Every public read of ManagementClient, by the resource kind it is tagged with.
RESOURCE_KINDS: Mapping[str, str] = {
    "account": "account",
    "account_bandwidth": "account",
    "billing_history": "billing",
    "invoices": "billing",
    "invoice": "billing",
    "invoice_items": "billing",
    "pending_charges": "billing",
    "instances": "instances",
    "instance": "instances",
    "bare_metals": "instances",
    "plans": "catalog",
    "metal_plans": "catalog",
    "regions": "catalog",
    "database_plans": "catalog",
    "kubernetes_clusters": "kubernetes",
    "block_storage": "storage",
    "object_storage": "storage",
    "snapshots": "storage",
    "load_balancers": "network",
    "reserved_ips": "network",
    "databases": "databases",
    "database": "databases",
    "database_usage": "databases",
    "database_alerts": "databases",
    "database_backups": "databases",
    "database_maintenance": "databases",
    "database_connection_pools": "databases",
    "inference_subscriptions": "inference",
    "inference_subscription": "inference",
    "inference_usage": "inference",
}


class _ApiFailedError(Exception):
    """Carries the API's own error out through the cache, to tell it from a cache failure."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _read_through(name: str) -> Callable[..., Any]:
    original = getattr(ManagementClient, name)

    @functools.wraps(original)
    def read(self: CachedManagementClient, *args: Any, **kwargs: Any) -> Any:
        return self.cached_call(
            name, functools.partial(original, self, *args, **kwargs), args, kwargs
        )

    return read


def _reading_through_cache(cls: type[CachedManagementClient]) -> type[CachedManagementClient]:
    for name in RESOURCE_KINDS:
        setattr(cls, name, _read_through(name))
    return cls


@_reading_through_cache
class CachedManagementClient(ManagementClient):
    """A ManagementClient whose reads (every one in RESOURCE_KINDS) go through the cache."""

    def __init__(
        self,
        api_key: Any,
        *,
        cache: CacheHelper,
        scope: str,
        ttl_s: float = DEFAULT_TTL_S,
        **options: Any,
    ) -> None:
        super().__init__(api_key, **options)
        self.cache = cache
        self.scope = scope
        self._ttl_s = ttl_s
        self._bypass_until = 0.0

    def close(self) -> None:
        super().close()
        self.cache.client.close()  # type: ignore[no-untyped-call]  # valkey-py leaves it unannotated

    def cached_call(
        self,
        name: str,
        call: Callable[[], Any],
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
    ) -> Any:
        """``call()``'s result from the cache, or from the API when the cache cannot help."""
        if time.monotonic() < self._bypass_until:
            return call()
        answered: list[Any] = []

        def compute() -> Any:
            try:
                answered.append(call())
            except Exception as err:
                raise _ApiFailedError(err) from err
            return to_json(answered[0])

        try:
            data = self.cache.get_or_compute(
                entry_key(self.scope, name, args, kwargs),
                compute,
                self._ttl_s,
                tags=(kind_tag(self.scope, RESOURCE_KINDS[name]), scope_tag(self.scope)),
            )
            telemetry.record_cache_read(hit=not answered)
            return from_json(data, return_type(name))
        except _ApiFailedError as failure:
            # Raised below, outside this handler, so it shows as itself, not as a consequence.
            api_error = failure.error
        except (VultrError, ValueError) as err:
            log.warning("management cache unavailable, asking the API directly: %s", err)
            self._bypass_until = time.monotonic() + BYPASS_AFTER_FAILURE_S
            return answered[0] if answered else call()
        raise api_error


def cached_management_client(
    settings: Settings, cache: CacheHelper, *, ttl_s: float = DEFAULT_TTL_S
) -> CachedManagementClient:
    """clients.management_client's twin whose reads are shared through ``cache``."""
    options = clients.management_options(settings)
    return CachedManagementClient(
        options.pop("api_key"),
        cache=cache,
        scope=management_scope(settings),
        ttl_s=ttl_s,
        **options,
    )


def management_scope(settings: Settings) -> str:
    """Whose data: entries of different keys, URLs or the demo never mix (the key is hashed)."""
    key = settings.management_api_key
    identity = "demo" if settings.demo_mode or key is None else key.reveal()
    digest = hashlib.sha256(f"{identity}\x00{settings.management_api_url}".encode())
    return digest.hexdigest()[:12]


def scope_tag(scope: str) -> str:
    return f"{MANAGEMENT_KEY_PREFIX}{scope}"


def kind_tag(scope: str, kind: str) -> str:
    return f"{MANAGEMENT_KEY_PREFIX}{scope}:{kind}"


def invalidate_management_cache(cache: CacheHelper, scope: str, kinds: Sequence[str] = ()) -> int:
    """Drop an account's cached reads of some kinds (all of them when none are named)."""
    tags = [kind_tag(scope, kind) for kind in kinds] or [scope_tag(scope)]
    return sum(cache.invalidate_by_tag(tag) for tag in tags)


def entry_key(scope: str, name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
    arguments = json.dumps([list(args), dict(sorted(kwargs.items()))], default=str)
    return f"{MANAGEMENT_KEY_PREFIX}{scope}:{model_fingerprint()}:{name}:{arguments}"


@functools.cache
def return_type(name: str) -> Any:
    """What a ManagementClient read returns, as a type the decoder can follow."""
    return get_type_hints(getattr(ManagementClient, name))["return"]


@functools.cache
def model_fingerprint() -> str:
    """A short digest of every record's field names and types, reachable from any read."""
    shapes: dict[str, str] = {}

    def visit(hint: Any) -> None:
        for arg in get_args(hint):
            visit(arg)
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            if hint.__qualname__ in shapes:
                return
            hints = _field_types(hint)
            shapes[hint.__qualname__] = ",".join(f"{n}:{t}" for n, t in hints.items())
            for field_type in hints.values():
                visit(field_type)

    for name in RESOURCE_KINDS:
        visit(return_type(name))
    text = CODEC_VERSION + "|" + "|".join(f"{k}={v}" for k, v in sorted(shapes.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def to_json(value: Any) -> Any:
    """A record (or list of records) as plain JSON data: fields by name, datetimes as ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__} from the management API")


def from_json(data: Any, hint: Any) -> Any:
    """The value ``to_json`` encoded, rebuilt by following ``hint``.

    Raises:
        ValueError: the data does not have the shape the type describes.
    """
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        (inner,) = [arg for arg in args if arg is not type(None)]
        return from_json(data, inner)
    if origin in (list, tuple):
        items = [from_json(item, args[0]) for item in _expect(data, list, hint)]
        return items if origin is list else tuple(items)
    if origin in (dict, Mapping):
        return {key: from_json(item, args[1]) for key, item in _expect(data, dict, hint).items()}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        document = _expect(data, dict, hint)
        hints = _field_types(hint)
        if set(document) != set(hints):
            raise ValueError(f"cached {hint.__name__} has fields {sorted(document)}")
        return hint(**{name: from_json(document[name], t) for name, t in hints.items()})
    if hint is datetime:
        return datetime.fromisoformat(_expect(data, str, hint))
    if hint is float and isinstance(data, int | float) and not isinstance(data, bool):
        return float(data)
    if hint in (str, int, bool) and type(data) is hint:
        return data
    raise ValueError(f"cached value {data!r} is not a {hint}")


@functools.cache
def _field_types(cls: type[Any]) -> dict[str, Any]:
    hints = get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _expect(data: Any, kind: type[Any], hint: Any) -> Any:
    if not isinstance(data, kind):
        raise ValueError(f"cached value for {hint} is a {type(data).__name__}")
    return data
