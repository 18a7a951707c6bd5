"""Small helpers the search and ingest benchmarks share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM) in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start measuring the peak afresh (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def folder_mb(path: Path, *, exclude: tuple[str, ...] = ()) -> float:
    total = 0
    for p in path.rglob("*"):
        if p.is_file() and p.name not in exclude:
            total += p.stat().st_size
    return total / 1e6


def run_worker(module: str, args: list[str], timeout: float = 3600) -> dict:
    """Run `python -m <module> --worker ...` in a fresh process; its last stdout line is JSON."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", module, "--worker", *args], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=None, text=True, timeout=timeout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"bench worker {module} {' '.join(args)} failed (exit {proc.returncode}): {proc.stdout[-2000:]}")
    return json.loads(lines[-1])


def note(area: str, text: str) -> None:
    print(f"{area:<8} note: {text}", flush=True)
