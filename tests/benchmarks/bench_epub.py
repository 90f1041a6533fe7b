"""Build one subject's EPUB and time it beside pandoc alone on the same answers; print both.

Usage: python tests/benchmarks/bench_epub.py [SUBJECT] [CORPUS]
       (default: mathematics from ../shared/corpus)

The floor is the least work any EPUB build must do: `qtconvert.render.pandoc.to_html` with the EPUB
writer's PandocOptions on the same answers. The figure that matters is the wall-clock ratio
(target: at most 1.3x), measured in the same run because these machines are noisy; each side
takes the best of five interleaved runs. The CPU ratio (this process and pandoc's) is printed
too: it varies less when other work shares the machine.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from qtconvert.build import prepare
from qtconvert.output import OutputFolder
from qtconvert.read.recipes import books_for
from qtconvert.render import pandoc
from qtconvert.writers import BuildOptions
from qtconvert.writers.epub import EpubWriter

RUNS = 5


def timed(fn, *args) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process and its children, result)."""
    def cpu() -> float:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), \
            resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    c, t = cpu(), time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - t, cpu() - c, result


def main() -> None:
    subject = sys.argv[1] if len(sys.argv) > 1 else "mathematics"
    root = Path(sys.argv[2]) if len(sys.argv) > 2 else \
        Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
    collection = prepare(root)
    selected = collection.select([subject])
    options = BuildOptions(formats=("epub",), subjects=(subject,))
    (book,) = books_for(selected, options.book)
    answers = [a.answer for a in book.articles]
    pandoc_options = pandoc.PandocOptions(math="mathml")

    def build() -> int:
        with tempfile.TemporaryDirectory() as tmp:
            writer = EpubWriter(collection, selected, OutputFolder(tmp), options)
            return len(writer.build_book(book))

    pandoc.to_html(answers[:10], pandoc_options)  # warm the disk cache and pandoc binary
    floor, epub = [], []
    for _ in range(RUNS):  # interleaved, so that a change in the machine's load hits both sides
        floor.append(timed(pandoc.to_html, answers, pandoc_options)[:2])
        wall, cpu, size = timed(build)
        epub.append((wall, cpu))
    f_wall, e_wall = min(w for w, _ in floor), min(w for w, _ in epub)
    print(f"subject: {subject}, articles: {len(book.articles)}, EPUB {size / 1e6:.1f} MB, "
          f"best of {RUNS} interleaved runs")
    print(f"pandoc alone (to_html): {f_wall:.2f} s wall, {min(c for _, c in floor):.2f} s CPU")
    print(f"EPUB build:             {e_wall:.2f} s wall, {min(c for _, c in epub):.2f} s CPU")
    print(f"ratio: {e_wall / f_wall:.2f}x wall (target <= 1.3x), "
          f"{min(c for _, c in epub) / min(c for _, c in floor):.2f}x CPU")


if __name__ == "__main__":
    main()
