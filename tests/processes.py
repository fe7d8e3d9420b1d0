"""Which processes a test left running: the embedded servers chdir into their data folders."""

from __future__ import annotations

from pathlib import Path


def working_under(folder: Path) -> list[int]:
    """Processes whose working directory lies in ``folder`` (embedded servers chdir there)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = (entry / "cwd").readlink()
        except OSError:  # exited meanwhile
            continue
        if cwd.is_relative_to(folder):
            found.append(int(entry.name))
    return found
