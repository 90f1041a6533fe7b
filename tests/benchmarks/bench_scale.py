"""How a build of the whole corpus scales with workers, and how it compares with pandoc alone.

Usage: python tests/benchmarks/bench_scale.py [--corpus DIR] [--subjects a,b]
           [--formats epub,pdf,jsonld,markdown] [--runs N] [--no-jobs] [--no-pandoc]
       (defaults: ../shared/corpus, every subject, every format, 1 run)

Two figures, each a ratio measured in the same run (these machines are noisy), each build in a
fresh process, into a fresh folder, with `--no-cache` (`cache=False`), so that every unit is made:

- `--jobs 1` against `--jobs 2`, all formats: the build on two workers must be at least 1.7x as
  fast as on one (on a machine with two free cores);
- EPUB + JSON-LD + Markdown (`--jobs 2`) against pandoc alone converting the same answers with
  two processes (`qtconvert.render.pandoc.to_html`, `jobs=2`, MathML as the EPUB's): at most
  1.3x. The build's time includes reading the corpus.

The PDF of the whole corpus dominates the first figure: on 2026-12-02 (2 cores), all four
formats of the corpus took 46 min with `--jobs 1` and 25 min with `--jobs 2`. `--subjects`
(e.g. `--subjects science,politics`: those subjects are copied and built alone, links to other
subjects then go to the web) or `--formats epub,jsonld,markdown` keeps a check short.
With `--runs N` the sides alternate N times; each takes its best, and every run is printed
(with the pandoc figure's ratio per round).

Every build's output stays until the benchmark ends, and the page cache is written back
(`os.sync`) before each side starts. On an ext4 file system without a journal (these machines),
the kernel will not reuse an inode deleted in the last minute or more, and skips over each such
inode on every file it creates (`recently_deleted` in `find_inode_bit`): creating the build's
24,000 files right after removing the previous build's took 15 s of kernel time instead of 1 s,
which timed the benchmark's own clean-up, not the build.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
ALL_FORMATS = ("epub", "pdf", "jsonld", "markdown")
AGAINST_PANDOC = ("epub", "jsonld", "markdown")


def _build(corpus: str, out: str, options: dict, queue) -> None:
    from qtconvert.build import build
    from qtconvert.writers import BuildOptions

    t = time.perf_counter()
    result = build(corpus, out, BuildOptions(cache=False, **options))
    queue.put({"seconds": time.perf_counter() - t, "files": len(result.written),
               "articles": len(result.collection.select(options.get("subjects", ())))})


def _pandoc(corpus: str, subjects: tuple[str, ...], queue) -> None:
    from qtconvert.build import prepare
    from qtconvert.render import pandoc

    selected = prepare(corpus).select(subjects)
    answers = [a.answer for a in selected]
    options = pandoc.PandocOptions(math="mathml", jobs=2)
    pandoc.to_html(answers[:10], options)  # warm the disk cache and the pandoc binary
    t = time.perf_counter()
    pandoc.to_html(answers, options)
    queue.put({"seconds": time.perf_counter() - t, "articles": len(answers)})


def _child(target, *args) -> dict:
    os.sync()  # the previous side's files reach the disk before this side is timed
    queue = multiprocessing.Queue()
    proc = multiprocessing.Process(target=target, args=(*args, queue))
    proc.start()
    try:
        result = queue.get()
    finally:
        proc.join()
    if proc.exitcode:
        raise SystemExit(f"{target.__name__}{args[:2]} failed (exit status {proc.exitcode})")
    return result


def alternate(runs: int, sides: dict) -> dict[str, dict]:
    """Run each side (name -> function) `runs` times, alternating the order; the best of each,
    with every run's seconds under "runs"."""
    results: dict[str, list[dict]] = {name: [] for name in sides}
    for n in range(runs):
        names = list(sides) if n % 2 == 0 else list(reversed(sides))
        for name in names:
            results[name].append(sides[name](n))
    return {name: {**min(rs, key=lambda r: r["seconds"]),
                   "runs": [r["seconds"] for r in rs]} for name, rs in results.items()}


def _seconds(result: dict) -> str:
    """`result`'s best time, and each run's when there were several."""
    runs = result["runs"]
    every = f" (runs: {', '.join(f'{s:.1f}' for s in runs)})" if len(runs) > 1 else ""
    return f"{result['seconds']:.1f} s{every}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--subjects", type=lambda s: tuple(s.split(",")), default=(),
                        help="only these subjects (comma-separated; default: all)")
    parser.add_argument("--formats", type=lambda s: tuple(s.split(",")), default=ALL_FORMATS,
                        help="formats of the jobs figure (default: epub,pdf,jsonld,markdown)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-jobs", action="store_true", help="skip --jobs 1 against 2")
    parser.add_argument("--no-pandoc", action="store_true", help="skip the pandoc figure")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="qtconvert-bench-scale-"))
    corpus = str(args.corpus)
    if args.subjects:  # a copy of them alone, so that the build reads only what it converts
        for subject in args.subjects:
            shutil.copytree(args.corpus / "learn" / subject, scratch / "corpus" / "learn" / subject)
        corpus = str(scratch / "corpus")
    what = ", ".join(args.subjects) if args.subjects else "every subject"

    def build(name: str, **options):
        def run(n: int) -> dict:  # the output stays until the end (see the module's text)
            out = scratch / f"{name}-{n}"
            return _child(_build, corpus, str(out), {"subjects": args.subjects, **options})
        return run

    try:
        if not args.no_jobs:
            best = alternate(args.runs, {"jobs1": build("jobs1", formats=args.formats, jobs=1),
                                         "jobs2": build("jobs2", formats=args.formats, jobs=2)})
            one, two = best["jobs1"], best["jobs2"]
            print(f"{','.join(args.formats)} of {what} ({one['articles']:,} articles, "
                  f"{one['files']:,} files), --no-cache, best of {args.runs}")
            print(f"  --jobs 1: {_seconds(one)}")
            print(f"  --jobs 2: {_seconds(two)}")
            print(f"ratio: --jobs 2 is {one['seconds'] / two['seconds']:.2f}x as fast as "
                  "--jobs 1 (target >= 1.7x)")
        if not args.no_pandoc:
            best = alternate(args.runs, {
                "build": build("build", formats=AGAINST_PANDOC, jobs=2),
                "pandoc": lambda n: _child(_pandoc, corpus, args.subjects)})
            b, p = best["build"], best["pandoc"]
            print(f"{','.join(AGAINST_PANDOC)} of {what} ({b['articles']:,} articles), "
                  f"--jobs 2, --no-cache, best of {args.runs}")
            print(f"  qtconvert build (read + all three formats): {_seconds(b)}")
            print(f"  pandoc alone on the same answers, 2 processes: {_seconds(p)}")
            print(f"ratio: {b['seconds'] / p['seconds']:.2f}x pandoc alone (target <= 1.3x)")
            if args.runs > 1:
                rounds = [x / y for x, y in zip(b["runs"], p["runs"])]
                print("  per round: " + ", ".join(f"{r:.2f}x" for r in rounds)
                      + f" (median {statistics.median(rounds):.2f}x)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
