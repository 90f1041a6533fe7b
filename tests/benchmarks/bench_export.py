"""Export a corpus folder to plain Markdown and JSON-LD; print the time beside `qtconvert.load`.

Usage: python tests/benchmarks/bench_export.py [CORPUS]   (default ../shared/corpus)

The figure that matters is the ratio of the export (both writers, on the read and filtered
collection, through the build engine as `qtconvert build` runs them: their shards side by side
on one worker process per CPU, without a cache) to the load (target: at most 2x), measured in
the same run because these machines are noisy; each side takes the best of five interleaved
runs, each export into a fresh folder.
The same export without creating files (rendering only) shows how much the file creation, which
varies most from machine to machine and overlaps the rendering on a second core, adds to it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import qtconvert
from qtconvert.build import prepare
from qtconvert.cache import NoCache
from qtconvert.engine import Engine
from qtconvert.executor import executor, job_count
from qtconvert.model import Collection
from qtconvert.output import OutputFolder
from qtconvert.package_data import code_fingerprint
from qtconvert.render.fragments import LuaFilters
from qtconvert.writers.base import BuildOptions
from qtconvert.writers.jsonld import JsonLdWriter
from qtconvert.writers.markdown import MarkdownWriter

RUNS = 5


class RenderOnly(OutputFolder):
    """An output folder that takes the files and writes nothing."""

    def _store(self, path: Path, data: bytes, sync: bool = False) -> None:
        pass

    def _sink(self) -> None:
        return None

    def sync(self) -> None:
        pass


def export(collection: Collection, folder: Path,
           folder_class: type[OutputFolder] = OutputFolder) -> tuple[float, float, int]:
    """(Markdown seconds, JSON-LD seconds, files written) for one export into `folder`: the
    Markdown units alone first, then the JSON-LD's (with the closing), each through the
    engine on a pool of one process per CPU, without a cache."""
    times = []
    start = time.perf_counter()
    with folder_class(folder) as out, executor("local") as pool:
        engine = Engine(out, NoCache(), pool, job_count(), code_fingerprint(), LuaFilters(),
                        reuse_files=False)
        for cls in (MarkdownWriter, JsonLdWriter):
            t = time.perf_counter()
            writer = cls(collection, collection, out, BuildOptions())
            engine.start(writer, writer.units())
            engine.finish_all(then=lambda w: w.finish())
            times.append(time.perf_counter() - t)
    times[1] = time.perf_counter() - start - times[0]  # JSON-LD with the closing
    return times[0], times[1], len(out.written)


def main() -> None:
    default = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    collection = prepare(root)
    scratch = Path(tempfile.mkdtemp(prefix="qtconvert-bench-"))
    loads, runs, renders = [], [], []
    try:
        # interleaved, so that a slow spell of the machine touches both sides; every export
        # goes to a fresh folder, all removed at the end (removing thousands of files slows
        # the file creation that follows for a while)
        for n in range(RUNS):
            loads.append(_timed(qtconvert.load, root))
            runs.append(export(collection, scratch / f"run{n}"))
            renders.append(sum(export(collection, scratch / f"render{n}", RenderOnly)[:2]))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    t_load, render = min(loads), min(renders)
    md, jsonld, files = min(runs, key=lambda r: r[0] + r[1])
    total = md + jsonld
    ratios = sorted((r[0] + r[1]) / t for r, t in zip(runs, loads))
    print(f"articles: {len(collection)}, files written per export: {files}")
    print(f"qtconvert.load:      {t_load:.2f} s")
    print(f"Markdown writer:     {md:.2f} s")
    print(f"JSON-LD writer:      {jsonld:.2f} s")
    print(f"Markdown + JSON-LD:  {total:.2f} s, {len(collection) / total:,.0f} articles/s")
    print(f"  rendering alone {render:.2f} s ({render / t_load:.2f}x the load); creating "
          f"{files} files adds {total - render:.2f} s")
    print(f"per run: {', '.join(f'{r:.2f}x' for r in ratios)}")
    print(f"ratio: {total / t_load:.2f}x the load time, best of each (target <= 2x)")


def _timed(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
