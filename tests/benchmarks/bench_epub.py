"""Build one subject's EPUB and time it beside pandoc alone on the same answers; print both.

Usage: python tests/benchmarks/bench_epub.py [SUBJECT] [CORPUS]
       (default: mathematics from ../shared/corpus)

The floor is the least work any EPUB build must do: `qtconvert.pandoc.to_html` with the EPUB
writer's PandocOptions on the same answers. The figure that matters is the ratio (target: at
most 1.3x), measured in the same run because these machines are noisy; each side takes the
best of three runs.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from qtconvert import pandoc
from qtconvert.build import prepare
from qtconvert.output import OutputFolder
from qtconvert.recipes import books_for
from qtconvert.writers import BuildOptions
from qtconvert.writers.epub import EpubWriter


def best_of(runs: int, fn, *args) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> None:
    subject = sys.argv[1] if len(sys.argv) > 1 else "mathematics"
    root = Path(sys.argv[2]) if len(sys.argv) > 2 else \
        Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
    collection = prepare(root)
    selected = collection.select([subject])
    options = BuildOptions(formats=("epub",), subjects=(subject,))
    (book,) = books_for(selected, options)
    answers = [a.answer for a in book.articles]
    pandoc_options = pandoc.PandocOptions(math="mathml")

    def build() -> int:
        with tempfile.TemporaryDirectory() as tmp:
            writer = EpubWriter(collection, selected, OutputFolder(tmp), options)
            return len(writer.build_book(book))

    pandoc.to_html(answers[:10], pandoc_options)  # warm the disk cache and pandoc binary
    t_floor, _ = best_of(3, pandoc.to_html, answers, pandoc_options)
    t_epub, size = best_of(3, build)
    print(f"subject: {subject}, articles: {len(book.articles)}, EPUB {size / 1e6:.1f} MB")
    print(f"pandoc alone (to_html): {t_floor:.2f} s")
    print(f"EPUB build:             {t_epub:.2f} s")
    print(f"ratio: {t_epub / t_floor:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
