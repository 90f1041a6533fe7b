"""Load a corpus folder with qtconvert and with libyaml's C loader alone; print both.

Usage: python tests/benchmarks/bench_load.py [CORPUS]   (default ../shared/corpus)

The floor is the least work any reader must do: read each file and parse its front matter
with libyaml's C loader. The figure that matters is the ratio (target: at most 1.5x), measured
in the same run because these machines are noisy; each side takes the best of three runs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import yaml

import qtconvert


def floor(files: list[Path]) -> int:
    n = 0
    for f in files:
        text = f.read_text(encoding="utf-8")
        end = text.index("\n---", 3)
        yaml.load(text[3:end], Loader=yaml.CSafeLoader)
        n += 1
    return n


def best_of(runs: int, fn, *args) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parents[2] / ".." / "shared" / "corpus")
    files = sorted(p for p in root.rglob("*.md") if not p.name.lower().startswith("readme"))
    t_floor, n = best_of(3, floor, files)
    t_load, coll = best_of(3, qtconvert.load, root)
    print(f"articles: {len(coll)} (files {n})")
    print(f"libyaml C loader: {t_floor:.2f} s, {n / t_floor:,.0f} articles/s")
    print(f"qtconvert.load:   {t_load:.2f} s, {len(coll) / t_load:,.0f} articles/s")
    print(f"ratio: {t_load / t_floor:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
