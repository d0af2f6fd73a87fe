"""Every bench runs to its end on a small size, so none of them rots between the times someone measures.

The figures printed here mean nothing (the sizes are tiny); that the script ran and printed them is the test.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The script, the arguments that make it small, and a line its figures print.
SMALL = {
    "analysis.py": ([], "top-1"),
    "concurrency.py": (["--clients", "4", "--rows", "200"], "stored"),
    "contracts.py": (["--contracts", "5"], "ratio full / bare"),
    "load.py": (["--seconds", "1", "--rounds", "1", "--clients", "2"], "GET /applications"),
    "monitoring.py": (["--pilots", "40", "--kpis", "4", "--feedback", "4000"], "sweep"),
    "run_start.py": (["--runs", "2"], "Scheduled->Running"),
    "reports.py": (["--feedback", "200", "--checkpoints", "4", "--pilots", "50", "--runs", "1"], "report (.docx)"),
}


def test_every_bench_is_listed():
    assert sorted(SMALL) == sorted(path.name for path in (ROOT / "bench").glob("*.py"))


@pytest.mark.parametrize("script", sorted(SMALL))
def test_the_bench_runs_to_its_end_on_a_small_size(script):
    arguments, expected = SMALL[script]
    result = subprocess.run([sys.executable, f"bench/{script}", *arguments], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert expected in result.stdout, result.stdout[-3000:]
