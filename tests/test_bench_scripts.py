"""The benchmarks under bench/ are not run by the suite (they measure, they do not assert),
so a helper they import from the tests or the app can move away unseen: each one is at least
imported here, as ``python bench/<script>.py`` would (bench/ on the path), so such a move fails
the suite instead of the next person to measure."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
# pyproject.toml's "bench" group: the peers some benchmarks compare against.
BENCH_GROUP = {"openai", "plotly"}


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda path: path.stem)
def test_every_benchmark_imports(script: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    name = f"bench_import_check_{script.stem}"
    spec = importlib.util.spec_from_file_location(name, script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    except ModuleNotFoundError as missing:
        if missing.name not in BENCH_GROUP:
            raise
        pytest.skip(f"needs {missing.name}, in the bench group: uv sync --group bench")
    assert callable(getattr(module, "main", None)) or script.stem.endswith("_report")
