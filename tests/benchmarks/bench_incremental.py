"""What the build cache costs and saves, over a copy of the corpus; print each figure as a ratio.

Usage: python tests/benchmarks/bench_incremental.py [--corpus DIR] [--subjects a,b]
           [--edit-subject S] [--pdf-subject S] [--max-per-volume N] [--runs N] [--no-pdf]
       (defaults: ../shared/corpus, every subject, mathematics, architecture, 10, 1)

EPUB + JSON-LD + Markdown of the corpus (copied to a temporary folder, so that an answer can be
edited; the shared corpus is never touched), each build in a fresh process:

- the cold build (the cache on, no cache folder yet) against `--no-cache` (`cache=False`): what
  keeping the cache costs (target: at most 1.05x);
- a rebuild with nothing changed against the cold build (target: at most 2%);
- a rebuild after one answer was edited, in the largest subject by default (`--edit-subject`)
  (target: at most 5%).

Then the PDF of one subject (`--pdf-subject`, split into volumes of `--max-per-volume` articles):
how many volumes one edited answer lays out again, and what that costs against the full PDF.
The ratios are measured in the same run because these machines are noisy; with `--runs N` the
cold and `--no-cache` builds alternate N times and each side takes its best (the ratio of each
round's two builds, run one after the other, is printed too, with their median), and the no-op and
the one-answer rebuilds run N times each (the same answer edited again each time), their best
taken too (every run is printed). Each build's CPU time is printed beside its wall time:
user and system, of all its processes, and of the driver (the process that reads, keeps the
cache and writes OUT; the rest is mostly pandoc), and of that the driver's time storing the
cache's entries (pickling them, SQLite and its checkpoints). The corpus takes
a few minutes per full build on a 2-core machine (about 15 minutes in all, with the PDF).

No build's output is removed before the benchmark ends, and the page cache is written back
(`os.sync`) before each build: on ext4 without a journal, files created just after many were
removed cost the kernel up to 15 times as much (see `bench_scale.py`), which made the cold build,
run right after the `--no-cache` build's output was removed, look slower than it is.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
FORMATS = ("epub", "jsonld", "markdown")


def _build(source: str, out: str, options: dict, queue) -> None:
    """One build, in a child process: its wall time and what it did."""
    from qtconvert.build import build
    from qtconvert.writers import BuildOptions

    storing = _time_storage()
    before = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    result = build(source, out, BuildOptions(**options))
    seconds = time.perf_counter() - t
    stats = result.stats
    after = resource.getrusage(resource.RUSAGE_SELF)
    driver = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    queue.put({"seconds": seconds, "driver": driver, "storing": storing[0],
               "written": [str(p) for p in result.written],
               "kept": len(result.kept), "units": stats.units, "from_cache": stats.from_cache,
               "rebuilt": stats.rebuilt, "answers": stats.answers_converted,
               "per_format": dict(stats.per_format)})


def _time_storage() -> list[float]:
    """Count, in this process, the CPU time of the thread that stores the cache's entries
    (`Cache.put`, `commit`, `checkpoint`, `close`: pickling, SQLite, its log and its
    checkpoints; a call made inside another, as `close` commits, is counted once); the list's
    one item grows as the build runs."""
    from qtconvert import cache

    spent = [0.0]
    depth = [0]

    def timed(method):
        def call(*args, **kwargs):
            start = time.thread_time()
            depth[0] += 1
            try:
                return method(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    spent[0] += time.thread_time() - start
        return call

    for name in ("put", "commit", "checkpoint", "close"):
        setattr(cache.Cache, name, timed(getattr(cache.Cache, name)))
    return spent


def timed_build(source: Path, out: Path, **options) -> dict:
    """One build in a child process: what `_build` reports, and the CPU seconds (`user`,
    `system`) of the build's processes, pool workers and pandoc included."""
    os.sync()  # the previous build's files reach the disk before this one is timed
    before = _children_cpu()
    queue = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_build, args=(str(source), str(out), options, queue))
    proc.start()
    try:
        result = queue.get()
    finally:
        proc.join()
    if proc.exitcode:
        raise SystemExit(f"the build into {out} failed (exit status {proc.exitcode})")
    after = _children_cpu()
    return {**result, "user": after[0] - before[0], "system": after[1] - before[1]}


def _children_cpu() -> tuple[float, float]:
    """User and system CPU seconds of this process's ended children and of theirs (each
    waits for its own)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime, usage.ru_stime


def _cpu(run: dict) -> str:
    storing = f", storing the cache {run['storing']:.1f} s" if run["storing"] else ""
    return (f"CPU {run['user']:.1f} s user, {run['system']:.1f} s system; the driver's "
            f"{run['driver']:.1f} s{storing}")


def edit_answer(folder: Path) -> Path:
    """Append a sentence to the answer of the first article (by name) in `folder`; the site's
    layout keeps the answer on the line after `answer: >-`."""
    path = sorted(folder.glob("*.md"))[0]
    lines = path.read_text(encoding="utf-8").split("\n")
    n = lines.index("answer: >-") + 1
    assert lines[n].startswith(" "), f"{path}: unexpected answer layout"
    lines[n] += "\\n\\nEdited for the benchmark: **one more sentence**."
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def copy_subjects(corpus: Path, dest: Path, subjects: list[str] | None) -> Path:
    learn = corpus / "learn"
    for folder in sorted(learn.iterdir()):
        if folder.is_dir() and (not subjects or folder.name in subjects):
            shutil.copytree(folder, dest / "learn" / folder.name)
    return dest


def _all(runs: list[dict]) -> str:
    """Every run's seconds, when there were several."""
    seconds = ", ".join(f"{r['seconds']:.2f}" for r in runs)
    return "" if len(runs) < 2 else f" [runs: {seconds} s]"


def describe(run: dict) -> str:
    return (f"{run['seconds']:.2f} s ({_cpu(run)}); units {run['units']} "
            f"({run['from_cache']} from the cache, "
            f"{run['rebuilt']} made), answers converted {run['answers']}, files written "
            f"{len(run['written'])}, left alone {run['kept']}")


def corpus_part(args, scratch: Path) -> None:
    source = copy_subjects(args.corpus, scratch / "corpus", args.subjects)
    subjects = {"subjects": tuple(args.subjects)} if args.subjects else {}
    common = {"formats": FORMATS, **subjects}
    colds, plains = [], []
    for n in range(args.runs):  # alternating, so that a slow spell of the machine hits both
        for kind in ("plain", "cold") if n % 2 == 0 else ("cold", "plain"):
            if kind == "plain":
                plains.append(timed_build(source, scratch / f"nocache{n}", cache=False, **common))
            else:
                colds.append(timed_build(source, scratch / f"out{n}", **common))
    best = min(range(args.runs), key=lambda n: colds[n]["seconds"])
    out = scratch / f"out{best}"
    cold, plain = colds[best], min(plains, key=lambda r: r["seconds"])
    # each round's two builds ran one after the other: their ratio is the least touched by a
    # slow spell of the machine, or by what its disk did before (see the module's text)
    rounds = [c["seconds"] / p["seconds"] for c, p in zip(colds, plains)]
    noops = [timed_build(source, out, **common) for _ in range(args.runs)]
    edits = []
    for _ in range(args.runs):  # the same answer edited again: one answer each time
        edited = edit_answer(source / "learn" / args.edit_subject)
        edits.append(timed_build(source, out, **common))
    noop, edit = (min(runs, key=lambda r: r["seconds"]) for runs in (noops, edits))
    full = cold["seconds"]
    print(f"EPUB + JSON-LD + Markdown of {args.subjects or 'every subject'} "
          f"({args.corpus}), best of {args.runs}")
    print(f"  --no-cache build:          {plain['seconds']:.2f} s ({_cpu(plain)})"
          f"{_all(plains)}")
    print(f"  cold build, cache on:      {describe(cold)}{_all(colds)}")
    print(f"  rebuild, nothing changed:  {describe(noop)}{_all(noops)}")
    print(f"  rebuild, one answer edited ({edited.parent.name}/{edited.name}): {describe(edit)}"
          f"{_all(edits)}")
    print(f"ratio: cold with the cache {full / plain['seconds']:.3f}x the --no-cache build "
          f"(target <= 1.05x); user CPU {cold['user'] / plain['user']:.3f}x (the system time "
          "moves with what the disk did before)")
    if len(rounds) > 1:
        print(f"ratio: cold with the cache / --no-cache in each round: "
              f"{', '.join(f'{r:.3f}' for r in rounds)}; median {statistics.median(rounds):.3f}x")
    print(f"ratio: no-op rebuild {100 * noop['seconds'] / full:.1f}% of the full build "
          "(target <= 2%)")
    print(f"ratio: one-answer rebuild {100 * edit['seconds'] / full:.1f}% of the full build "
          "(target <= 5%)")


def pdf_part(args, scratch: Path) -> None:
    source = copy_subjects(args.corpus, scratch / "pdf-source", [args.pdf_subject])
    options = {"formats": ("pdf",),
               "format_options": {"pdf": {"max_articles_per_volume": args.max_per_volume}}}
    out = scratch / "pdf-out"
    full = timed_build(source, out, **options)
    volumes = [p for p in full["written"] if p.endswith(".pdf")]
    edited = edit_answer(source / "learn" / args.pdf_subject)
    edit = timed_build(source, out, **options)
    relaid = edit["per_format"].get("pdf", (0, None))[1]
    if relaid is None:  # a PDF writer without units writes every volume itself
        relaid = sum(p.endswith(".pdf") for p in edit["written"])
    print(f"PDF of {args.pdf_subject}, at most {args.max_per_volume} articles a volume: "
          f"{len(volumes)} volumes")
    print(f"  full build (cold, cache on):          {describe(full)}")
    print(f"  rebuild, one answer edited ({edited.name}): {describe(edit)}")
    print(f"volumes laid out again: {relaid} of {len(volumes)}; the rebuild took "
          f"{100 * edit['seconds'] / full['seconds']:.1f}% of the full PDF build")


def compile_package() -> None:
    """Write qtconvert's bytecode, as installing it does. Where PYTHONDONTWRITEBYTECODE is set
    (as on these machines), an editable install otherwise compiles every module changed since
    its `.pyc` was written in each build timed: up to 0.05 s, 4% of a no-op rebuild."""
    import compileall

    import qtconvert
    import qtconvert.filters

    for package in (qtconvert, qtconvert.filters):
        compileall.compile_dir(Path(package.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--subjects", type=lambda s: s.split(","), default=None,
                        help="only these subjects (comma-separated; default: all)")
    parser.add_argument("--edit-subject", default="mathematics",
                        help="the subject whose first article is edited (default: mathematics)")
    parser.add_argument("--pdf-subject", default="architecture")
    parser.add_argument("--max-per-volume", type=int, default=10)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF part")
    args = parser.parse_args()
    if args.subjects and args.edit_subject not in args.subjects:
        args.edit_subject = args.subjects[0]
    compile_package()
    scratch = Path(tempfile.mkdtemp(prefix="qtconvert-bench-incremental-"))
    try:
        corpus_part(args, scratch)
        if not args.no_pdf:
            pdf_part(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
