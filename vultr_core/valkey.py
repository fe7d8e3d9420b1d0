"""Valkey: one way to connect, and the cache's atomic read-and-remove.

Works with Valkey and with Redis 7 (same protocol); ``rediss://`` for TLS, as Vultr's managed
Valkey requires.
"""

from __future__ import annotations

from collections.abc import Sequence

import valkey
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError
from valkey.exceptions import ValkeyError

from vultr_core.config import Secret, mask_url_password
from vultr_core.errors import ConnectionError, ServiceError, TimeoutError, VultrError

DEFAULT_SOCKET_TIMEOUT_S = 5.0
DEFAULT_CONNECT_TIMEOUT_S = 3.0


def connect_valkey(
    url: Secret | str,
    *,
    socket_timeout_s: float = DEFAULT_SOCKET_TIMEOUT_S,
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
) -> valkey.Valkey:
    """A client for the URL with bounded timeouts (valkey-py's default is to wait forever).

    Connecting is lazy: the first command reaches the server.
    """
    raw_url = url.reveal() if isinstance(url, Secret) else url
    return valkey.Valkey.from_url(
        raw_url,
        socket_timeout=socket_timeout_s,
        socket_connect_timeout=connect_timeout_s,
        health_check_interval=30,
    )


def valkey_error(error: ValkeyError, url: Secret | str, doing: str) -> VultrError:
    """Our error for a valkey-py failure: what we were doing, where, never the password."""
    where = mask_url_password(url.reveal() if isinstance(url, Secret) else url)
    if isinstance(error, ValkeyTimeoutError):
        return TimeoutError(f"Valkey at {where} did not answer in time while {doing}")
    if isinstance(error, ValkeyConnectionError):
        return ConnectionError(f"could not reach Valkey at {where} while {doing}: {error}")
    return ServiceError(f"Valkey at {where} refused {doing}: {error}")


def mget_and_delete(client: valkey.Valkey, keys: Sequence[str | bytes]) -> list[bytes | None]:
    """Read several keys and remove them in one atomic step: values in key order, None for
    a missing key. Nobody else can read a value this call returns, nor see half the keys gone.

    MULTI/EXEC rather than a Lua script: managed services may disable scripting, and a
    transaction has no argument-count limit (Lua's ``unpack`` stops near 8,000).
    """
    if not keys:
        return []
    with client.pipeline(transaction=True) as transaction:
        transaction.mget(keys)
        transaction.unlink(*keys)
        # valkey-py leaves Pipeline.execute unannotated.
        values, _removed = transaction.execute()  # type: ignore[no-untyped-call]
    return list(values)
