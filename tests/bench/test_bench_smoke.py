"""``python -m bench --quick`` runs every benchmark end to end (behaviour only: no speed is asserted).

The quick run uses tiny sizes; what is checked is that each benchmark produced numbers and that its
behavioural checks held (the offline backlog arrived complete and in order, every trace page
answered with its rows, no CALLERROR in the round trips).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS
from tests.conftest import ROOT

pytestmark = [pytest.mark.xdist_group("station-processes"), pytest.mark.timeout(600)]


def test_it_runs_every_benchmark_in_quick_mode(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", f"--out={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["meta"]["quick"] is True
    expected = {key for keys, _ in BENCHMARKS.values() for key in keys}
    assert set(results["benchmarks"]) == expected
    for key, bench in results["benchmarks"].items():
        assert bench["rows"], key
        for row in bench["rows"]:
            if not row["available"]:
                # Only a contender that is not written yet may be missing.
                assert "NotImplementedError" in row["unavailable"], (key, row)
                continue
            assert isinstance(row["median"], float | int) and math.isfinite(row["median"]), (key, row)
            assert row["samples"], (key, row)
        assert all(bench["checks"].values()), (key, bench["checks"])
        for target in bench["targets"]:
            assert target["met"] in (True, False, None), (key, target)
    # The table is printed too, with every benchmark's title.
    for bench in results["benchmarks"].values():
        assert bench["title"] in done.stdout
