"""Every command against every hostile mode: it says one clear line when Vultr
is unusable, answers with hostile data as plain text (no terminal escape reaches the screen),
never prints a traceback or a secret, and grows no memory without bound."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.cli_support import run_cli
from tests.hostile.cases import CASES, MEMORY_BOUND_MB, SECRETS, HostileCase
from tests.hostile.conftest import HostileVultr, arm, peak_rss_mb, settings_for
from tests.outcome_table import Note
from vultr_core.simulator.hostile_data import PLANTED

COMMANDS = ("account", "instances", "databases", "valkey", "summary", "health", "test")
NOT_STREAMS = [case for case in CASES if case.kind != "stream"]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
LISTINGS = ("instances", "databases", "valkey")


@pytest.mark.parametrize("case", NOT_STREAMS, ids=lambda case: case.id)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_survives_a_hostile_vultr(
    command: str, case: HostileCase, hostile: HostileVultr, note: Note
) -> None:
    arm(case, hostile)
    memory_before = peak_rss_mb()
    started = time.perf_counter()
    code, out, err = run_cli(command, environ=settings_for(case, hostile))
    seconds = time.perf_counter() - started
    said = err.strip() or (out.splitlines() or [""])[-1]
    note(f"cli {command}", case.name, f"exit {code}: {said[:90]}", seconds)

    assert peak_rss_mb() - memory_before < MEMORY_BOUND_MB
    assert "Traceback" not in out + err
    assert [secret for secret in SECRETS if secret in out + err] == []
    assert CONTROL.findall(out + err) == []
    assert re.search(r"\$(nan|inf)", out, re.IGNORECASE) is None
    broken = case.kind in ("fails", "tls") and command not in case.spares
    if command in ("health", "test"):
        # Both report every service; the management API's line carries the failure.
        assert code == (1 if broken else code)
        if broken:
            management = [line for line in out.splitlines() if line.startswith("Management API")]
            assert re.search(case.says, management[0]), out
        return
    if broken:
        assert code == 1
        assert out == ""
        assert err.count("\n") == 1
        assert re.search(case.says, err), err
        return
    # Hostile answers: a listing shows them as text; a bad id may cost one clear line.
    assert code == 0 or err.count("\n") == 1, err
    if case.knobs.get("hostile_text") and command in LISTINGS:
        assert PLANTED in out
    json_code, document, _ = run_cli(command, "--json", environ=settings_for(case, hostile))
    assert json_code == code
    if code == 0:
        json.loads(document)
