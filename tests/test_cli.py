"""The command line: JSON shapes, exit codes, one-line errors, no secrets."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_support import run_cli
from tests.conftest import FIXED_NOW
from vultr_core.simulator import Faults, Simulator, SimulatorServer

ROOT = Path(__file__).resolve().parent.parent
KEY_SENTINEL = "KEY-SENTINEL-51c0"
DATA_SENTINEL = "DATA-SENTINEL-8e22"


@pytest.fixture
def served() -> Iterator[tuple[Simulator, SimulatorServer]]:
    simulator = Simulator(
        size="small", now=FIXED_NOW, api_key=KEY_SENTINEL, secret_sentinel=DATA_SENTINEL
    )
    with simulator.serve() as server:
        yield simulator, server


def real_env(server: SimulatorServer, key: str = KEY_SENTINEL) -> dict[str, str]:
    return {"VULTR_API_KEY": key, "VULTR_API_URL": f"{server.base_url}/v2"}


def test_account_json_has_the_figures_a_person_needs() -> None:
    code, out, err = run_cli("account", "--json")
    assert (code, err) == (0, "")
    account = json.loads(out)
    assert set(account) >= {
        "name",
        "email",
        "balance_usd",
        "pending_charges_usd",
        "last_payment_date",
    }
    assert isinstance(account["pending_charges_usd"], float)


def test_account_text_says_credit_in_words() -> None:
    code, out, _ = run_cli("account")
    assert code == 0
    assert "Pending charges" in out
    assert "$" in out


@pytest.mark.parametrize("command", ["instances", "databases", "valkey"])
def test_inventory_json_is_one_list_document(command: str) -> None:
    code, out, err = run_cli(command, "--json")
    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert isinstance(rows, list)
    assert rows
    assert all("id" in row and "label" in row for row in rows)


def test_valkey_lists_only_valkey_databases() -> None:
    _, out, _ = run_cli("valkey", "--json")
    assert {row["engine"] for row in json.loads(out)} == {"valkey"}


def test_instances_text_is_a_table_with_a_total() -> None:
    code, out, _ = run_cli("instances", "--region", "ewr")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split()[:3] == ["LABEL", "REGION", "PLAN"]
    assert lines[-1].endswith("total")
    assert all(" ewr " in line for line in lines[1:-1])


def test_a_real_key_against_the_api_prints_no_secret(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    _, server = served
    for command in ("account", "instances", "databases", "valkey"):
        for extra in ((), ("--json",)):
            code, out, err = run_cli(command, *extra, environ=real_env(server))
            assert code == 0, err
            assert KEY_SENTINEL not in out + err
            assert DATA_SENTINEL not in out + err


def test_a_wrong_key_exits_1_with_one_clear_line(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    _, server = served
    code, out, err = run_cli("account", environ=real_env(server, key="not-the-key"))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "HTTP 401" in err
    assert "Invalid API token." in err
    assert "not-the-key" not in err


def test_an_api_outage_exits_1(served: tuple[Simulator, SimulatorServer]) -> None:
    simulator, server = served
    simulator.faults = Faults(status_code=503, status_count=-1, retry_after_s=0)
    code, _, err = run_cli("instances", "--json", environ=real_env(server))
    assert code == 1
    assert "HTTP 503" in err


@pytest.mark.parametrize(
    "environ",
    [
        {"VULTR_API_URL": "not a url"},
        {"DATABASE_URL": "mysql://u:p@h/db"},
        {"VULTR_DEMO": "perhaps"},
    ],
)
def test_a_malformed_setting_exits_2_and_names_it(environ: dict[str, str]) -> None:
    code, out, err = run_cli("account", environ=environ)
    assert code == 2
    assert out == ""
    assert err.startswith("configuration error: ")
    assert next(iter(environ)) in err


def test_settings_come_from_the_secrets_file_too(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('VULTR_API_URL = "nope"\n')
    code, _, err = run_cli("account", secrets=secrets)
    assert code == 2
    assert "VULTR_API_URL" in err


def test_as_a_process_errors_are_one_line_without_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vultr_core", "account", "--json"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "VULTR_API_URL": "ftp://x", "VULTR_API_KEY": KEY_SENTINEL},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert KEY_SENTINEL not in result.stderr


def test_as_a_process_demo_mode_prints_json() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vultr_core", "databases", "--json"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    engines = {row["engine"] for row in json.loads(result.stdout)}
    assert {"pg", "mysql", "valkey"} <= engines
