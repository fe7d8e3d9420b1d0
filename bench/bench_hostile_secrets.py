"""Secrets with hostile characters: how many surfaces show one, and how loud ``-v`` is.

Each secret setting gets sentinel values holding ``#``, ``/``, ``?``, ``@``, ``%``, a line
break or a non-ASCII letter, and every command-line surface that could show it is run as a real
``python -m vultr_core`` process (its own logging, as a user gets it): ``Settings`` repr (or the
configuration error), ``health``, ``test``, ``health -v``; a key with a line break, a control
character or a non-ASCII letter against the served simulator; an API error body that echoes the
Authorization header; user info in the API URLs. A surface leaks when any sentinel fragment of
four or more letters, or a percent-encoded form, shows. ``summary -v`` is counted in lines, and
in lines from libraries (logger not under ``vultr_core``), against ``-vv`` (every library's
debug, which is what ``-v`` printed before) in the same run.

    uv run python bench/bench_hostile_secrets.py [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote

from vultr_core.simulator import DEMO_API_KEY, Simulator

PASSWORDS = (
    "4217#QZTAILHASHQZ",
    "4217/QZTAILSLASHQZ",
    "4217?QZTAILQMARKQZ",
    "QZHEADHASH#QZTAILHQZ",
    "QZHEADSLASH/QZTAILSQZ",
    "QZHEADQMARK?QZTAILQQZ",
    "QZAT@QZTAILATQZ",
    "QZPCT%QZTAILPCTQZ",
    "QZNONASCIIÉQZ",
    "QZNEW\nQZLINEQZ",
)
KEYS = ("QZKEYNEW\nQZLINEKEY", "QZKEYCTRL\x07QZBELLKEY", "QZKEYÜMLAUTQZ", "QZKEY#/?@%QZ")
UNREACHABLE = "127.0.0.1:1"
LIBRARY_LINE = re.compile(r"^(?!vultr_core)[\w.]+: ")


@dataclass
class Tally:
    surfaces: int = 0
    leaked: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    # Exit statuses of the commands run with a key no HTTP header can carry (2: refused).
    bad_key_exits: dict[int, int] = field(default_factory=dict)


def fragments(secret: str) -> set[str]:
    """What must never show: the whole value, its percent-encoded form, each run of 4+."""
    runs = {run for run in re.split(r"[^A-Za-z0-9]+", secret) if len(run) >= 4}
    return runs | {secret, quote(secret, safe="")}


def run_cli(*argv: str, environ: dict[str, str]) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VULTR_", "DATABASE_"))}
    env.pop("VALKEY_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "vultr_core", *argv],
        env=env | environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def settings_text(environ: dict[str, str]) -> str:
    code = (
        "from vultr_core.config import ConfigurationError, Settings\n"
        "try:\n    print(repr(Settings.from_env()))\n"
        "except ConfigurationError as error:\n    print('configuration error:', error)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VULTR_", "DATABASE_"))}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env | environ, capture_output=True, text=True, check=False
    )
    return done.stdout + done.stderr


def check(tally: Tally, name: str, text: str, secret: str) -> None:
    tally.surfaces += 1
    if any(fragment in text for fragment in fragments(secret)):
        tally.leaked.append(name)
    if "Traceback" in text:
        last = text[text.index("Traceback") :].strip().splitlines()[-1]
        tally.tracebacks.append(f"{name}: {last}")


@contextmanager
def served(**faults: object) -> Iterator[str]:
    simulator = Simulator(size="small")
    simulator.set_faults(**faults)
    with simulator.serve() as server:
        yield server.base_url


def password_surfaces(tally: Tally) -> None:
    for password in PASSWORDS:
        for name, scheme in (("DATABASE_URL", "postgresql"), ("VALKEY_URL", "redis")):
            environ = {name: f"{scheme}://monitor:{password}@{UNREACHABLE}/0"}
            label = f"{name} {password!r}"
            check(tally, f"{label} Settings", settings_text(environ), password)
            for argv in (("health",), ("test",), ("-v", "health")):
                check(
                    tally, f"{label} {' '.join(argv)}", run_cli(*argv, environ=environ)[1], password
                )


def key_surfaces(tally: Tally) -> None:
    with served() as base_url:
        for key in KEYS:
            for name in ("VULTR_API_KEY", "VULTR_INFERENCE_API_KEY"):
                environ = {
                    name: key,
                    "VULTR_API_URL": f"{base_url}/v2",
                    "VULTR_INFERENCE_URL": f"{base_url}/v1",
                }
                for argv in (("account",), ("-v", "account"), ("health",)):
                    code, text = run_cli(*argv, environ=environ)
                    tally.bad_key_exits[code] = tally.bad_key_exits.get(code, 0) + 1
                    check(tally, f"{name} {key!r} {' '.join(argv)} (exit {code})", text, key)
    with served(status_code=401, echo_authorization=True) as base_url:
        environ = {"VULTR_API_KEY": "QZECHOKEYQZ", "VULTR_API_URL": f"{base_url}/v2"}
        for argv in (("account",), ("-v", "summary"), ("health",)):
            check(
                tally,
                f"echoed key {' '.join(argv)}",
                run_cli(*argv, environ=environ)[1],
                "QZECHOKEYQZ",
            )


def url_userinfo_surfaces(tally: Tally) -> None:
    with served() as base_url:
        host = base_url.removeprefix("http://")
        for name, path in (("VULTR_API_URL", "/v2"), ("VULTR_INFERENCE_URL", "/v1")):
            for password in ("QZURLPWQZ", "QZURL#PW/QZ"):
                environ = {
                    "VULTR_API_KEY": DEMO_API_KEY,
                    "VULTR_API_URL": f"{base_url}/v2",
                    name: f"http://user:{password}@{host}{path}",
                }
                check(tally, f"{name} {password!r} Settings", settings_text(environ), password)
                for argv in (("health",), ("-v", "account")):
                    check(
                        tally,
                        f"{name} {password!r} {' '.join(argv)}",
                        run_cli(*argv, environ=environ)[1],
                        password,
                    )
        snippet = (
            "from vultr_core.inference.export import python_snippet, curl_snippet\n"
            "url = 'https://user:QZVIEWPWQZ@api.example/v1'\n"
            "print(python_snippet({'model': 'm'}, url), curl_snippet({'model': 'm'}, url))"
        )
        done = subprocess.run(
            [sys.executable, "-c", snippet], capture_output=True, text=True, check=False
        )
        check(tally, "view code", done.stdout + done.stderr, "QZVIEWPWQZ")


def verbose_lines() -> dict[str, dict[str, int]]:
    """``summary`` at ``-v`` and ``-vv``, on a clean API and on one answering five 429s."""
    counts: dict[str, dict[str, int]] = {}
    scenarios: dict[str, dict[str, object]] = {
        "clean": {},
        "five 429s": {"status_code": 429, "status_count": 5, "retry_after_s": 0},
    }
    for scenario, faults in scenarios.items():
        for flag in ("-v", "-vv"):
            with served(**faults) as base_url:
                environ = {"VULTR_API_KEY": DEMO_API_KEY, "VULTR_API_URL": f"{base_url}/v2"}
                env = {k: v for k, v in os.environ.items() if not k.startswith("VULTR_")}
                done = subprocess.run(
                    [sys.executable, "-m", "vultr_core", flag, "summary"],
                    env=env | environ,
                    capture_output=True,
                    text=True,
                    check=False,
                )
            lines = done.stderr.splitlines()
            counts[f"{scenario} {flag}"] = {
                "exit": done.returncode,
                "stderr_lines": len(lines),
                "library_lines": sum(1 for line in lines if LIBRARY_LINE.match(line)),
                "stdout_lines": len(done.stdout.splitlines()),
            }
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tally = Tally()
    password_surfaces(tally)
    key_surfaces(tally)
    url_userinfo_surfaces(tally)
    result = {
        "surfaces": tally.surfaces,
        "leaking": len(tally.leaked),
        "with_traceback": len(tally.tracebacks),
        "bad_key_exit_statuses": tally.bad_key_exits,
        "leaked": tally.leaked,
        "tracebacks": tally.tracebacks,
        "summary_verbose": verbose_lines(),
    }
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    print(f"surfaces checked: {result['surfaces']}")
    print(f"surfaces showing a secret: {result['leaking']}")
    for name in tally.leaked:
        print(f"  leak: {name}")
    print(f"surfaces with a traceback: {result['with_traceback']}")
    print(f"exit statuses with a malformed key (status: runs): {tally.bad_key_exits}")
    for name in tally.tracebacks:
        print(f"  traceback: {name}")
    for flag, figures in result["summary_verbose"].items():
        print(f"summary {flag}: {figures}")


if __name__ == "__main__":
    main()
