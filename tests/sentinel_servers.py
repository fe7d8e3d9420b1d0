"""Accounts on the real test servers whose passwords are sentinel strings, for leak tests.

A sentinel password only proves something if the app really logs in with it, so these are real
accounts: a PostgreSQL role with ``pg_monitor`` and a Valkey ACL user, dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import valkey
from psycopg import sql

POSTGRES_ROLE = "sentinel_monitor"
VALKEY_USER = "sentinel_user"


def with_credentials(url: str, user: str, password: str) -> str:
    """The same server and database, logging in as someone else."""
    parts = urlsplit(url)
    where = parts.netloc.rpartition("@")[2]
    login = f"{quote(user, safe='')}:{quote(password, safe='')}@"
    return urlunsplit(parts._replace(netloc=login + where))


def app_environment(
    vultr_url: str, keys: tuple[str, str], database_url: str, cache_url: str
) -> dict[str, str]:
    """The app's settings for a simulator served at ``vultr_url`` (/v2 and /v1), its
    management and inference ``keys``, and the two servers' URLs."""
    management_key, inference_key = keys
    return {
        "VULTR_API_KEY": management_key,
        "VULTR_API_URL": f"{vultr_url}/v2",
        "VULTR_INFERENCE_API_KEY": inference_key,
        "VULTR_INFERENCE_URL": f"{vultr_url}/v1",
        "DATABASE_URL": database_url,
        "VALKEY_URL": cache_url,
    }


@contextmanager
def sentinel_postgres_url(
    admin_url: str, password: str, *, name: str = POSTGRES_ROLE
) -> Iterator[str]:
    """A URL for a monitoring role called ``name`` whose password is ``password``."""
    role = sql.Identifier(name)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE pg_monitor").format(
                role, sql.Literal(password)
            )
        )
        try:
            yield with_credentials(admin_url, name, password)
        finally:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (name,),
            )
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))


@contextmanager
def sentinel_valkey_url(admin_url: str, password: str, *, name: str = VALKEY_USER) -> Iterator[str]:
    """A URL for a Valkey user called ``name`` whose password is ``password``, allowed every
    command."""
    with valkey.Valkey.from_url(admin_url, socket_timeout=5) as admin:
        admin.acl_setuser(
            name,
            enabled=True,
            passwords=[f"+{password}"],
            keys=["*"],
            channels=["*"],
            categories=["+@all"],
            reset=True,
        )
        try:
            yield with_credentials(admin_url, name, password)
        finally:
            admin.acl_deluser(name)
