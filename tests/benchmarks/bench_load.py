"""Load a corpus folder with qtconvert and with libyaml's C loader alone; print both.

Usage: python tests/benchmarks/bench_load.py [CORPUS]   (default ../shared/corpus)

The floor is the least work a one-process reader must do: read each file and parse its front
matter with libyaml's C loader. `qtconvert.load` reads large folders in a process pool (one
process per core), so the figure that matters is its time over the floor's (target: at most
0.6x on a 2-core machine); the one-process load (`jobs=1`) is shown beside it. All are measured
in the same run, because these machines are noisy; each takes the best of three runs.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import yaml

import qtconvert
from qtconvert.executor import job_count


def floor(files: list[Path]) -> int:
    n = 0
    for f in files:
        text = f.read_text(encoding="utf-8")
        end = text.index("\n---", 3)
        yaml.load(text[3:end], Loader=yaml.CSafeLoader)
        n += 1
    return n


def best_of(runs: int, fn, *args, **kwargs) -> tuple[float, float, object]:
    """(best wall time, CPU time of that run with its worker processes, result)."""
    best, cpu, result = float("inf"), 0.0, None
    for _ in range(runs):
        before, t = os.times(), time.perf_counter()
        result = fn(*args, **kwargs)
        wall, after = time.perf_counter() - t, os.times()
        if wall < best:
            best = wall
            cpu = sum(after[:4]) - sum(before[:4])  # user + system, self + children
    return best, cpu, result


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parents[2] / ".." / "shared" / "corpus")
    files = sorted(p for p in root.rglob("*.md") if not p.name.lower().startswith("readme"))
    t_floor, c_floor, n = best_of(3, floor, files)
    t_serial, c_serial, _ = best_of(3, qtconvert.load, root, jobs=1)
    t_load, c_load, coll = best_of(3, qtconvert.load, root)
    print(f"articles: {len(coll)} (files {n}), cores: {job_count()}, "
          f"load average: {os.getloadavg()[0]:.1f}")
    print(f"libyaml C loader, one process: {t_floor:.2f} s (CPU {c_floor:.2f} s), "
          f"{n / t_floor:,.0f} articles/s")
    print(f"qtconvert.load, one process:   {t_serial:.2f} s (CPU {c_serial:.2f} s), "
          f"{t_serial / t_floor:.2f}x")
    print(f"qtconvert.load:                {t_load:.2f} s (CPU {c_load:.2f} s, all processes), "
          f"{len(coll) / t_load:,.0f} articles/s")
    print(f"ratio: {t_load / t_floor:.2f}x the one-process floor (target <= 0.6x)")


if __name__ == "__main__":
    main()
