"""Read many article files in several processes, with the same result as reading them in one.

Parsing YAML is most of `load`'s time and each file is independent, so a large folder is cut
into runs of consecutive files that a process pool reads; the results come back in order.
Articles travel as tuples of their fields, which pickle in half the time of the dataclasses.
A small folder, one core, or a platform without `fork` is read in this process.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from ..executor import job_count
from ..model import Article, Diagnostic, RelatedLink

__all__ = ["read_all", "PARALLEL_FROM"]

PARALLEL_FROM = 500  # files; below this, starting processes costs more than it saves
_CHUNKS_PER_JOB = 4  # runs per process, so that a slow run does not leave a core idle
_FIELDS = tuple(f.name for f in dataclasses.fields(Article))
_RELATED = _FIELDS.index("related")
_LINK_FIELDS = tuple(f.name for f in dataclasses.fields(RelatedLink))

Result = tuple[Article | None, list[Diagnostic]]


def read_all(files: Sequence[Path], base_url: str, jobs: int | None = None) -> list[Result]:
    """`reader.read_article` of each file, in order, read by up to `jobs` processes
    (default: one per usable core)."""
    from .articles import read_article

    jobs = job_count() if jobs is None else jobs
    if jobs < 2 or len(files) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return [read_article(f, base_url=base_url) for f in files]
    size = -(-len(files) // (jobs * _CHUNKS_PER_JOB))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    results: list[Result] = []
    try:
        # fork: the workers start with qtconvert already imported, in milliseconds
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            for packed in pool.map(_read_chunk, chunks, [base_url] * len(chunks)):
                results.extend((_unpack(a), list(d)) for a, d in packed)
    except (OSError, BrokenProcessPool):  # no processes to be had (limits, a killed worker)
        return [read_article(f, base_url=base_url) for f in files]
    return results


def _read_chunk(files: Sequence[Path], base_url: str) -> list[tuple[Any, list[Diagnostic]]]:
    from .articles import read_article

    return [(_pack(a), d) for a, d in (read_article(f, base_url=base_url) for f in files)]


def _pack(article: Article | None) -> tuple[Any, ...] | None:
    if article is None:
        return None
    row = [getattr(article, name) for name in _FIELDS]
    row[_RELATED] = tuple(tuple(getattr(link, name) for name in _LINK_FIELDS)
                         for link in article.related)
    return tuple(row)


def _unpack(row: tuple[Any, ...] | None) -> Article | None:
    if row is None:
        return None
    values = list(row)
    values[_RELATED] = tuple(RelatedLink(*link) for link in values[_RELATED])
    return Article(*values)
