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
from vultr_core.api.models.databases import Database
from vultr_core.cli import build_parser
from vultr_core.clients import demo_simulator
from vultr_core.formatting import terminal_text
from vultr_core.inventory.frames import databases_frame
from vultr_core.simulator import Faults, Simulator, SimulatorServer
from vultr_core.simulator.hostile_data import PLANTED
from vultr_core.web.openapi import openapi_document

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


# A hostile API (vultr_core.simulator.hostile_data): the values turn, the commands do not.


def test_a_nan_balance_prints_as_invalid_not_as_zero(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    simulator, server = served
    simulator.faults = Faults(hostile_numbers=True)
    code, out, _ = run_cli("account", environ=real_env(server))
    assert code == 0
    lines = dict(line.split(None, 1) for line in out.splitlines() if line.startswith("Balance"))
    assert lines["Balance"].strip() == "—"


def test_an_error_message_from_the_server_is_printed_without_its_escapes(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    simulator, server = served
    simulator.faults = Faults(status_code=404, hostile_text=True)
    code, out, err = run_cli("instances", environ=real_env(server))
    assert (code, out) == (1, "")
    assert err.startswith("error: ")
    assert f"{PLANTED} error" in err
    assert err.count("\n") == 1
    assert "\x1b" not in err


@pytest.mark.parametrize(
    ("raw", "printed"),
    [
        ("\x1b[2J\x1b[Hcleared", "cleared"),
        ("\x1b]52;c;cGxhbnRlZA==\x07copied", "copied"),
        ("\x1b]8;;http://127.0.0.1:9/\x1b\\hidden\x1b]8;;\x1b\\", "hidden"),
        ("line\nfake line", "line fake line"),
        ("\x9b31mred", "red"),
        ("\u202eevil", " evil"),
        ("café 日本", "café 日本"),
    ],
)
def test_terminal_text_removes_every_control_sequence(raw: str, printed: str) -> None:
    assert terminal_text(raw) == printed


def test_verbose_logs_this_tools_decisions_and_no_library_debug(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    simulator, server = served
    simulator.faults = Faults(status_code=503, status_count=1)
    code, _, err = run_cli("-v", "account", environ=real_env(server))
    assert code == 0, err
    lines = err.splitlines()
    assert any(line.startswith("vultr_core.api.http: retrying GET /account") for line in lines)
    assert [line for line in lines if not line.startswith("vultr_core")] == []


def test_library_debug_only_when_asked_twice(served: tuple[Simulator, SimulatorServer]) -> None:
    _, server = served
    code, _, err = run_cli("-vv", "account", environ=real_env(server))
    assert code == 0, err
    assert any(line.startswith("httpcore.") for line in err.splitlines())
    assert KEY_SENTINEL not in err


def test_quiet_by_default_even_when_a_library_logs_a_failure(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    """psycopg's pool logs each failed connection attempt itself (at WARNING, a level psycopg
    sets on its own logger); the command prints its one line instead."""
    _, server = served
    result = subprocess.run(
        [sys.executable, "-m", "vultr_core", "test"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "postgresql://monitor@127.0.0.1:1/app"}
        | real_env(server),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "PostgreSQL" in result.stdout
    assert result.stderr == ""


def test_an_error_body_that_echoes_the_key_shows_no_key(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    simulator, server = served
    simulator.faults = Faults(status_code=401, echo_authorization=True)
    for command in ("account", "instances", "databases", "valkey", "summary"):
        for flags in ((), ("-v",), ("-v", "--json")):
            code, out, err = run_cli(*flags[:1], command, *flags[1:], environ=real_env(server))
            assert code == 1, (command, flags)
            assert "Invalid Authorization header: Bearer ***" in err, "the key was echoed"
            assert KEY_SENTINEL not in out + err, (command, flags)


def test_as_a_process_a_key_with_a_line_break_is_one_configuration_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vultr_core", "-v", "account"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "VULTR_API_KEY": f"{KEY_SENTINEL}\nSECOND-LINE-4d1e"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "configuration error: VULTR_API_KEY holds a line break, a space, a control character "
        "or a non-ASCII letter, which an HTTP header cannot carry: copy the key again"
    ]
    assert result.stdout == ""


# Demo mode says so; engines as people type them; the count the app shows; settings advice.

DEMO_LINE = (
    "Demo mode: a simulated Vultr organisation, not your account. "
    "Set VULTR_API_KEY to see your own.\n"
)


@pytest.mark.parametrize("command", ["account", "summary", "databases"])
def test_demo_text_says_so_in_one_line_on_stderr(command: str) -> None:
    code, out, err = run_cli(command)
    assert code == 0
    assert err == DEMO_LINE
    assert "Demo mode" not in out


def test_demo_json_marks_every_record_and_keeps_every_field(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    _, server = served
    _, demo_out, demo_err = run_cli("account", "--json")
    _, real_out, real_err = run_cli("account", "--json", environ=real_env(server))
    assert (demo_err, real_err) == ("", "")
    demo, real = json.loads(demo_out), json.loads(real_out)
    assert (demo["demo"], real["demo"]) == (True, False)
    assert set(demo) == set(real) >= {"name", "balance_usd", "pending_charges_usd"}

    _, out, _ = run_cli("instances", "--json")
    rows = json.loads(out)
    assert rows
    assert all(row["demo"] is True and "label" in row for row in rows)
    _, out, _ = run_cli("summary", "--json")
    assert json.loads(out)["demo"] is True


@pytest.mark.parametrize(
    ("typed", "engine"),
    [("postgres", "pg"), ("PostgreSQL", "pg"), ("redis", "valkey"), ("ferretdb", "ferretpg")],
)
def test_engine_names_as_people_type_them(typed: str, engine: str) -> None:
    _, by_alias, _ = run_cli("databases", "--engine", typed)
    code, by_id, _ = run_cli("databases", "--engine", engine)
    assert code == 0
    assert by_alias == by_id
    rows = by_id.strip().splitlines()[1:-1]
    assert rows
    assert all(row.split()[1] == engine for row in rows)


def test_an_unknown_engine_says_which_exist() -> None:
    code, out, err = run_cli("databases", "--engine", "oracle\x1b[2J")
    assert (code, out) == (2, "")
    error = err.removeprefix(DEMO_LINE)
    assert error.count("\n") == 1
    assert error.startswith("error: --engine 'oracle")
    assert "pg (postgres, postgresql" in error
    assert "valkey (redis)" in error
    assert "\x1b" not in error


def test_the_databases_count_is_the_one_the_app_shows() -> None:
    """Read replicas bill on their own: the Databases page counts each as a database, the
    summary too; the table used to list 9 primaries beside the app's 10."""
    _, summary, _ = run_cli("summary", "--json")
    _, out, _ = run_cli("databases")
    _, listed, _ = run_cli("databases", "--json")
    primaries = json.loads(listed)
    replicas = sum(len(primary["read_replicas"]) for primary in primaries)
    assert replicas, "the demo organisation has a read replica"
    organisation = demo_simulator().organisation.databases
    shown_by_the_app = len(databases_frame(_parsed(organisation), []))
    assert shown_by_the_app == len(primaries) + replicas
    assert out.strip().splitlines()[-1] == f"{shown_by_the_app} total"
    assert json.loads(summary)["resource_counts"]["databases"] == shown_by_the_app
    replica_line = next(line for line in out.splitlines() if "-replica-" in line)
    with_replica = next(primary for primary in primaries if primary["read_replicas"])
    assert replica_line.split()[-2] == with_replica["label"]


def _parsed(databases: list[dict[str, object]]) -> list[Database]:
    return [Database.from_api(database) for database in databases]


def test_a_url_without_v2_asks_whether_v2_was_meant(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    _, server = served
    environ = real_env(server) | {"VULTR_API_URL": server.base_url}
    code, out, err = run_cli("account", environ=environ)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert "HTTP 404" in err
    assert err.rstrip().endswith(f"did you mean {server.base_url}/v2?")


def test_a_refused_key_names_the_setting_to_check(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    _, server = served
    code, _, err = run_cli("summary", environ=real_env(server, key="not-the-key"))
    assert code == 1
    assert err.rstrip().endswith("Vultr refused the API key: check VULTR_API_KEY.")
    assert err.count("\n") == 1


def test_an_unreachable_api_names_host_and_port() -> None:
    environ = {"VULTR_API_KEY": KEY_SENTINEL, "VULTR_API_URL": "http://127.0.0.1:1/v2"}
    code, out, err = run_cli("account", environ=environ | {"VULTR_API_DEADLINE_S": "0.5"})
    assert (code, out) == (1, "")
    assert "could not reach 127.0.0.1:1: " in err
    assert KEY_SENTINEL not in err


def test_a_url_with_a_password_never_prints_it() -> None:
    url = "http://monitor:PASSWORD-SENTINEL-0c4e@127.0.0.1:1/v2"
    for command in ("account", "databases"):
        code, out, err = run_cli(command, environ={"VULTR_API_KEY": "k", "VULTR_API_URL": url})
        assert code == 2
        assert "PASSWORD-SENTINEL-0c4e" not in out + err


def test_the_balance_sign_is_documented_where_json_readers_look() -> None:
    """`balance_usd: -300.0` beside "$300.00 in credit": Vultr's sign, said in the help and
    in the HTTP API's OpenAPI description of the same field."""
    help_text = build_parser().format_help()
    assert "negative is credit" in " ".join(help_text.split())
    schemas = openapi_document()["components"]["schemas"]
    for record in ("Account", "SpendSummary"):
        assert "negative is credit" in schemas[record]["properties"]["balance_usd"]["description"]
