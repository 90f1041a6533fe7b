"""Export a corpus folder to plain Markdown and JSON-LD; print the time beside `qtconvert.load`.

Usage: python tests/benchmarks/bench_export.py [CORPUS]   (default ../shared/corpus)

The figure that matters is the ratio of the export (both writers, on the read and filtered
collection) to the load (target: at most 2x), measured in the same run because these machines
are noisy; each side takes the best of three runs, each export into a fresh folder. The same
export without writing files (rendering only) shows how much of it is file creation, which
varies most from machine to machine.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import qtconvert
from qtconvert.build import prepare
from qtconvert.model import Collection
from qtconvert.output import OutputFolder
from qtconvert.writers.base import BuildOptions
from qtconvert.writers.jsonld import JsonLdWriter
from qtconvert.writers.markdown import MarkdownWriter

RUNS = 3


class RenderOnly(OutputFolder):
    """An output folder that takes the files and writes nothing."""

    def write_bytes(self, path: Path, data: bytes) -> Path:
        self.written.append(path)
        return path


def export(collection: Collection, folder_class: type[OutputFolder] = OutputFolder
           ) -> tuple[float, float, int]:
    """(Markdown seconds, JSON-LD seconds, files written) for one export into a fresh folder."""
    folder = Path(tempfile.mkdtemp(prefix="qtconvert-bench-"))
    try:
        out = folder_class(folder)
        times = []
        for cls in (MarkdownWriter, JsonLdWriter):
            t = time.perf_counter()
            writer = cls(collection, collection, out, BuildOptions())
            writer.write()
            writer.finish()
            times.append(time.perf_counter() - t)
        return times[0], times[1], len(out.written)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    default = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    t_load = min(_timed(qtconvert.load, root) for _ in range(RUNS))
    collection = prepare(root)
    runs = [export(collection) for _ in range(RUNS)]
    md, jsonld, files = min(runs, key=lambda r: r[0] + r[1])
    total = md + jsonld
    render = min(sum(export(collection, RenderOnly)[:2]) for _ in range(RUNS))
    print(f"articles: {len(collection)}, files written per export: {files}")
    print(f"qtconvert.load:      {t_load:.2f} s")
    print(f"Markdown writer:     {md:.2f} s")
    print(f"JSON-LD writer:      {jsonld:.2f} s")
    print(f"Markdown + JSON-LD:  {total:.2f} s, {len(collection) / total:,.0f} articles/s")
    print(f"  of which rendering {render:.2f} s ({render / t_load:.2f}x the load), "
          f"writing {files} files {total - render:.2f} s")
    print(f"ratio: {total / t_load:.2f}x the load time (target <= 2x)")


def _timed(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
