"""One state a person understands per resource, in the Vultr portal's words, and how urgent it
is, so what is not running can be counted, sorted first and listed.

An instance carries three codes (vultr-api.md §4.2): ``status`` (active, pending, suspended,
resizing), ``power_status`` (running, stopped) and ``server_status`` (none, locked,
installingbooting, ok). The portal shows one word for the three: "Running", "Stopped",
"Installing"… A managed database has one ``status`` (§4.1: Running, Rebuilding, Rebalancing,
Configuring, Error, poweroff), compared case-insensitively. A code no list here knows reads as
itself and counts as broken: an unknown state is not a running one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Urgency(IntEnum):
    """Lower sorts first: what is broken, then what is off, then what is on its way."""

    BROKEN = 0
    OFF = 1
    CHANGING = 2
    RUNNING = 3


MARKERS = {
    Urgency.BROKEN: "🔴",
    Urgency.OFF: "🟠",
    Urgency.CHANGING: "🟡",
    Urgency.RUNNING: "🟢",
}
RUNNING = "Running"


@dataclass(frozen=True)
class State:
    word: str
    urgency: Urgency

    @property
    def running(self) -> bool:
        return self.urgency is Urgency.RUNNING

    @property
    def marked(self) -> str:
        """The word after a coloured marker, for a table cell that must stand out."""
        return f"{MARKERS[self.urgency]} {self.word}"


_INSTANCE_STATUS = {
    "pending": State("Installing", Urgency.CHANGING),
    "resizing": State("Resizing", Urgency.CHANGING),
    "suspended": State("Suspended", Urgency.BROKEN),
}
_INSTANCE_SERVER = {
    "ok": State(RUNNING, Urgency.RUNNING),
    "installingbooting": State("Installing", Urgency.CHANGING),
    "locked": State("Locked", Urgency.BROKEN),
    # Powered on, no server state yet: the portal's "Starting".
    "none": State("Starting", Urgency.CHANGING),
    "": State("Starting", Urgency.CHANGING),
}
_DATABASE_STATUS = {
    "running": State(RUNNING, Urgency.RUNNING),
    "rebuilding": State("Rebuilding", Urgency.CHANGING),
    "rebalancing": State("Rebalancing", Urgency.CHANGING),
    "configuring": State("Configuring", Urgency.CHANGING),
    "error": State("Error", Urgency.BROKEN),
    "poweroff": State("Powered off", Urgency.OFF),
}


def _unknown(code: str) -> State:
    text = " ".join(code.split())
    return State(text[:1].upper() + text[1:] if text else "Unknown", Urgency.BROKEN)


def instance_state(status: str, power_status: str, server_status: str) -> State:
    """The one state of an instance: its status first, then its power, then its server."""
    status, power, server = (code.strip().lower() for code in (status, power_status, server_status))
    if status in _INSTANCE_STATUS:
        return _INSTANCE_STATUS[status]
    if status != "active":
        return _unknown(status)
    if power == "stopped":
        return State("Stopped", Urgency.OFF)
    if power != "running":
        return _unknown(power)
    return _INSTANCE_SERVER.get(server) or _unknown(server)


def database_state(status: str) -> State:
    """The state of a managed database (or a read replica) from its one status."""
    return _DATABASE_STATUS.get(status.strip().lower()) or _unknown(status)
