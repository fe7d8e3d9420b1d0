"""One state per resource in the portal's words, from Vultr's codes (vultr-api.md §4)."""

from __future__ import annotations

import pytest

from vultr_core.inventory.states import Urgency, database_state, instance_state


@pytest.mark.parametrize(
    ("codes", "word", "urgency"),
    [
        (("active", "running", "ok"), "Running", Urgency.RUNNING),
        (("active", "stopped", "ok"), "Stopped", Urgency.OFF),
        (("pending", "running", "installingbooting"), "Installing", Urgency.CHANGING),
        (("active", "running", "installingbooting"), "Installing", Urgency.CHANGING),
        (("active", "running", "none"), "Starting", Urgency.CHANGING),
        (("resizing", "running", "ok"), "Resizing", Urgency.CHANGING),
        (("suspended", "stopped", "ok"), "Suspended", Urgency.BROKEN),
        (("active", "running", "locked"), "Locked", Urgency.BROKEN),
        (("ACTIVE", "Running", "OK"), "Running", Urgency.RUNNING),
        (("melting", "running", "ok"), "Melting", Urgency.BROKEN),
        (("active", "dozing", "ok"), "Dozing", Urgency.BROKEN),
        (("", "", ""), "Unknown", Urgency.BROKEN),
    ],
)
def test_an_instance_has_one_state(
    codes: tuple[str, str, str], word: str, urgency: Urgency
) -> None:
    state = instance_state(*codes)
    assert (state.word, state.urgency) == (word, urgency)
    assert state.running == (word == "Running")


@pytest.mark.parametrize(
    ("status", "word", "urgency"),
    [
        ("Running", "Running", Urgency.RUNNING),
        ("running", "Running", Urgency.RUNNING),
        ("Rebuilding", "Rebuilding", Urgency.CHANGING),
        ("Rebalancing", "Rebalancing", Urgency.CHANGING),
        ("Configuring", "Configuring", Urgency.CHANGING),
        ("Error", "Error", Urgency.BROKEN),
        ("poweroff", "Powered off", Urgency.OFF),
        ("<b>odd</b>\nstate", "<b>odd</b> state", Urgency.BROKEN),
    ],
)
def test_a_database_has_one_state(status: str, word: str, urgency: Urgency) -> None:
    state = database_state(status)
    assert (state.word, state.urgency) == (word, urgency)


def test_the_marker_goes_before_the_word() -> None:
    assert database_state("Error").marked == "🔴 Error"
    assert database_state("Running").marked == "🟢 Running"
