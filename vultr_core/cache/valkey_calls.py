"""Calling Valkey from the cache: errors in our terms, and typed pipeline calls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import valkey
from valkey.exceptions import ValkeyError

from vultr_core.health.valkey import valkey_error


def client_location(client: valkey.Valkey) -> str:
    """Where a client points, for messages: scheme, host, port and database, never a password."""
    options = client.connection_pool.connection_kwargs
    if "path" in options:
        return f"unix://{options['path']}"
    return f"redis://{options.get('host', '?')}:{options.get('port', '?')}/{options.get('db', 0)}"


@contextmanager
def valkey_errors(client: valkey.Valkey, doing: str) -> Iterator[None]:
    """Turn valkey-py's exceptions into ours, saying what we were doing and where."""
    try:
        yield
    except ValkeyError as err:
        raise valkey_error(err, client_location(client), doing) from err


def execute(pipe: Any, *, raise_on_error: bool = True) -> list[Any]:
    # valkey-py leaves Pipeline.execute and Pipeline.watch unannotated.
    return cast(list[Any], pipe.execute(raise_on_error=raise_on_error))


def watch(pipe: Any, *names: str) -> None:
    pipe.watch(*names)
