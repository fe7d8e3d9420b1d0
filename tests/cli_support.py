"""The command line run in-process, with what it printed on each stream."""

from __future__ import annotations

import io
from pathlib import Path

from vultr_core.cli import main

NO_SECRETS_FILE = Path("/nonexistent/secrets.toml")


def run_cli(
    *argv: str, environ: dict[str, str] | None = None, secrets: Path | None = None
) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``python -m vultr_core *argv``; only ``environ`` (and
    ``secrets``) as settings, never this machine's own."""
    out, err = io.StringIO(), io.StringIO()
    code = main(
        list(argv),
        environ=environ or {},
        secrets_path=secrets or NO_SECRETS_FILE,
        stdout=out,
        stderr=err,
    )
    return code, out.getvalue(), err.getvalue()
