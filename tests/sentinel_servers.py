"""Accounts on the real test servers whose passwords are sentinel strings, for leak tests.

A sentinel password only proves something if the app really logs in with it, so these are real
accounts: a PostgreSQL role with ``pg_monitor`` and a Valkey ACL user, dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
import valkey
from psycopg import sql

POSTGRES_ROLE = "sentinel_monitor"
VALKEY_USER = "sentinel_user"


def with_credentials(url: str, user: str, password: str) -> str:
    """The same server and database, logging in as someone else."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{parts.hostname}{port}"))


@contextmanager
def sentinel_postgres_url(admin_url: str, password: str) -> Iterator[str]:
    """A URL for a monitoring role whose password is ``password``."""
    role = sql.Identifier(POSTGRES_ROLE)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE pg_monitor").format(
                role, sql.Literal(password)
            )
        )
        try:
            yield with_credentials(admin_url, POSTGRES_ROLE, password)
        finally:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (POSTGRES_ROLE,),
            )
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))


@contextmanager
def sentinel_valkey_url(admin_url: str, password: str) -> Iterator[str]:
    """A URL for a Valkey user whose password is ``password``, allowed every command."""
    admin = valkey.Valkey.from_url(admin_url, socket_timeout=5)
    admin.execute_command("ACL", "SETUSER", VALKEY_USER, "reset", "on", f">{password}")
    admin.execute_command("ACL", "SETUSER", VALKEY_USER, "~*", "&*", "+@all")
    try:
        yield with_credentials(admin_url, VALKEY_USER, password)
    finally:
        admin.execute_command("ACL", "DELUSER", VALKEY_USER)
        admin.close()
