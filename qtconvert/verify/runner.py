"""`verify(out)`: plan each format's checks from the files in OUT, run them in worker
processes (the checks of different files in parallel), and collect a Report."""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

from ..errors import UsageError
from ..executor import job_count
from ..progress import Progress
from .core import Options, Problem, Task
from .report import Report

__all__ = ["verify", "FORMATS"]

# format -> module that plans its checks (`plan(options) -> Plan`); the folder in OUT is the name
FORMATS: dict[str, str] = {
    "epub": "qtconvert.verify.epub",
    "pdf": "qtconvert.verify.pdf",
    "jsonld": "qtconvert.verify.jsonld",
    "markdown": "qtconvert.verify.markdown",
    "anki": "qtconvert.verify.anki",
}


def _run(task: Task, options: Options) -> tuple[list[Problem], float]:
    t0 = time.monotonic()
    problems = task.function(options, *task.args)
    return problems, time.monotonic() - t0


def present_formats(out: Path) -> list[str]:
    """The formats whose folder OUT holds."""
    return [f for f in FORMATS if (out / f).is_dir()]


def verify(out: str | os.PathLike[str], formats: Iterable[str] | None = None, *, jobs: int = 0,
           schemaorg: str | os.PathLike[str] | None = None, base_url: str | None = None,
           skip: Iterable[str] = (), progress: Progress | None = None) -> Report:
    """Check what a build wrote to `out` (every format whose folder is there, or `formats`).

    `jobs` worker processes (0: one per CPU; 1: no workers). A missing OUT, format folder or
    unknown format is a UsageError. `progress` hears of each file checked (the command line
    passes a `TerminalProgress`, which draws a bar).
    """
    out = Path(out)
    if not out.is_dir():
        raise UsageError(f"{out}: no such folder")
    names = list(dict.fromkeys(formats)) if formats else present_formats(out)
    for name in names:
        if name not in FORMATS:
            raise UsageError(f"unknown format {name!r} (verify knows: {', '.join(FORMATS)})")
        if not (out / name).is_dir():
            raise UsageError(f"{out / name}: no such folder (build --format {name} first)")
    if not names:
        raise UsageError(f"{out}: nothing to verify (no {', '.join(FORMATS)} folder)")
    workers = job_count(jobs)
    options = Options(out, Path(schemaorg) if schemaorg else None,
                      base_url.rstrip("/") if base_url else None, frozenset(skip), workers)
    report = Report(out)
    t0 = time.monotonic()
    tasks: list[Task] = []
    for name in names:
        plan = importlib.import_module(FORMATS[name]).plan(options)
        report.notes.extend(plan.notes)
        report.add(name, [], (), 0.0)  # a row in the summary even when it has no files
        tasks.extend(plan.tasks)
    progress = progress or Progress()
    progress.start("verify", sum(len(t.files) for t in tasks))
    try:
        if workers == 1 or len(tasks) < 2:
            for task in tasks:
                problems, seconds = _run(task, options)
                report.add(task.format, problems, task.files, seconds)
                progress.advance(len(task.files))
        else:
            with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
                pending = {pool.submit(_run, task, options): task for task in tasks}
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        task = pending.pop(future)
                        problems, seconds = future.result()
                        report.add(task.format, problems, task.files, seconds)
                        progress.advance(len(task.files))
    finally:
        progress.done()
    report.seconds = time.monotonic() - t0
    return report
