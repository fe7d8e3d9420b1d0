"""Seeded building blocks for the demo organisation: ids, addresses, dates, secrets.

Everything draws from a `random.Random` handed in, never the global one, so an organisation is a
pure function of (size, seed, now). Secrets always consume the same draws whether or not a
sentinel replaces them, so `secret_sentinel` changes the secret fields and nothing else.
"""

from __future__ import annotations

import base64
import random
import string
import uuid
from datetime import datetime, timedelta

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"
DB_FORMAT = "%Y-%m-%d %H:%M:%S"
"""Managed databases, registries and DB alerts use a bare `YYYY-MM-DD HH:MM:SS` (UTC)."""

_PEM_LINE_CHARS = 64
_PEM_LINES = 4


def iso(moment: datetime) -> str:
    """Vultr's usual timestamp: ISO-8601 with an explicit `+00:00` offset."""
    return moment.strftime(ISO_FORMAT)


def db_time(moment: datetime) -> str:
    return moment.strftime(DB_FORMAT)


def month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(moment: datetime, months: int) -> datetime:
    """The first of the month `months` away from `moment`'s month (negative goes back)."""
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1, day=1, hour=0, minute=0, second=0)


class Generator:
    """Random values in the shapes Vultr uses; deterministic for a given seed string."""

    def __init__(self, seed: str, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self._ipv4_seen: set[str] = set()

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex(self, length: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(length))

    def ipv4(
        self, prefixes: tuple[str, ...] = ("45.32", "45.63", "45.76", "149.28", "207.148")
    ) -> str:
        """A unique public address in ranges Vultr announces."""
        while True:
            prefix = self.rng.choice(prefixes)
            address = f"{prefix}.{self.rng.randint(0, 255)}.{self.rng.randint(2, 254)}"
            if address not in self._ipv4_seen:
                self._ipv4_seen.add(address)
                return address

    def ipv6_network(self) -> str:
        return f"2001:19f0:{self.rng.randint(1, 0xFFFF):x}:{self.rng.randint(1, 0xFFFF):x}::"

    def private_ipv4(self) -> str:
        return f"10.{self.rng.randint(1, 40)}.{self.rng.randint(0, 255)}.{self.rng.randint(2, 254)}"

    def between(self, start: datetime, end: datetime) -> datetime:
        """A whole-second moment in [start, end]."""
        span_s = max(0, int((end - start).total_seconds()))
        return start + timedelta(seconds=self.rng.randint(0, span_s))

    def days_ago(self, low: float, high: float) -> datetime:
        return self.between(self.now - timedelta(days=high), self.now - timedelta(days=low))


class SecretMaker:
    """Makes the secret fields; with a sentinel, every secret contains it (for leak tests)."""

    def __init__(self, gen: Generator, sentinel: str | None) -> None:
        self._gen = gen
        self._sentinel = sentinel
        self._issued = 0

    def password(self, prefix: str = "", length: int = 16) -> str:
        alphabet = string.ascii_letters + string.digits
        return self._mark(prefix + "".join(self._gen.rng.choice(alphabet) for _ in range(length)))

    def token(self, length: int = 36) -> str:
        """Upper-case alphanumeric keys, like Vultr API and inference keys."""
        alphabet = string.ascii_uppercase + string.digits
        return self._mark("".join(self._gen.rng.choice(alphabet) for _ in range(length)))

    def pem(self, label: str) -> str:
        raw = self._gen.rng.randbytes(_PEM_LINE_CHARS * _PEM_LINES * 3 // 4)
        body = base64.b64encode(raw).decode()
        lines = [body[i : i + _PEM_LINE_CHARS] for i in range(0, len(body), _PEM_LINE_CHARS)]
        return self._mark(
            f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"
        )

    def _mark(self, value: str) -> str:
        if self._sentinel is None:
            return value
        self._issued += 1
        return f"{self._sentinel}-{self._issued}"


def money(usd: float) -> float:
    """Round to cents; whole amounts come out as JSON integers, as in Vultr's own examples."""
    cents = round(usd * 100)
    return cents // 100 if cents % 100 == 0 else cents / 100
