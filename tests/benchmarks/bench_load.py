"""Load a corpus folder with qtconvert and with libyaml's C loader alone; print both.

Usage: python tests/benchmarks/bench_load.py [CORPUS]   (default ../shared/corpus)

The floor is the least work a one-process reader must do: read each file and parse its front
matter with libyaml's C loader. `qtconvert.load` reads large folders in a process pool (one
process per core), so the figure that matters is its time over the floor's (target: at most
0.6x on a 2-core machine); the one-process load (`jobs=1`) is shown beside it. All are measured
in the same run, because these machines are noisy; each takes the best of three runs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import yaml

import qtconvert
from qtconvert.parallel_read import _usable_cores


def floor(files: list[Path]) -> int:
    n = 0
    for f in files:
        text = f.read_text(encoding="utf-8")
        end = text.index("\n---", 3)
        yaml.load(text[3:end], Loader=yaml.CSafeLoader)
        n += 1
    return n


def best_of(runs: int, fn, *args, **kwargs) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parents[2] / ".." / "shared" / "corpus")
    files = sorted(p for p in root.rglob("*.md") if not p.name.lower().startswith("readme"))
    t_floor, n = best_of(3, floor, files)
    t_serial, _ = best_of(3, qtconvert.load, root, jobs=1)
    t_load, coll = best_of(3, qtconvert.load, root)
    print(f"articles: {len(coll)} (files {n}), cores: {_usable_cores()}")
    print(f"libyaml C loader, one process: {t_floor:.2f} s, {n / t_floor:,.0f} articles/s")
    print(f"qtconvert.load, one process:   {t_serial:.2f} s ({t_serial / t_floor:.2f}x)")
    print(f"qtconvert.load:                {t_load:.2f} s, {len(coll) / t_load:,.0f} articles/s")
    print(f"ratio: {t_load / t_floor:.2f}x the one-process floor (target <= 0.6x)")


if __name__ == "__main__":
    main()
