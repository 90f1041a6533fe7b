"""Read many article files in several processes, with the same result as reading them in one.

Parsing is most of `load`'s time and each file is independent, so a large folder is cut into
runs of consecutive files that a pool of `jobs - 1` processes reads from the first and this
process from the last, until they meet; the results come back in order. A worker's articles
travel as tuples of their fields (which pickle in half the time of the dataclasses) in a
temporary file. A small folder, one core, or a platform without `fork` is read in this process.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import operator
import os
import pickle
import tempfile
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import starmap
from typing import Any

from ..executor import job_count
from ..model import Article, Diagnostic, RelatedLink

__all__ = ["read_all", "pack", "unpack", "PARALLEL_FROM"]

PARALLEL_FROM = 500  # files; below this, starting processes costs more than it saves
_CHUNKS_PER_JOB = 8  # runs per process, so that a slow run does not leave a core idle
_FIELDS = tuple(f.name for f in dataclasses.fields(Article))
_RELATED = _FIELDS.index("related")
_LINK_FIELDS = tuple(f.name for f in dataclasses.fields(RelatedLink))
_values, _link_values = operator.attrgetter(*_FIELDS), operator.attrgetter(*_LINK_FIELDS)

Result = tuple[Article | None, list[Diagnostic]]


def read_all(files: Sequence[str], base_url: str, jobs: int | None = None,
             contents: Sequence[bytes] | None = None) -> list[Result]:
    """`articles.read_article` of each file, in order, read by up to `jobs` processes
    (default: one per usable core). With `contents` (the files' bytes, read already), those
    bytes are parsed and the files are not read again."""
    jobs = job_count() if jobs is None else jobs
    if jobs < 2 or len(files) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return _read_here(files, base_url, contents)
    size = -(-len(files) // (jobs * _CHUNKS_PER_JOB))
    starts = range(0, len(files), size)
    chunks = [files[i:i + size] for i in starts]
    data = [None if contents is None else contents[i:i + size] for i in starts]
    try:
        # fork: the workers start with qtconvert already imported, in milliseconds
        fork = multiprocessing.get_context("fork")
        with tempfile.TemporaryDirectory(prefix="qtconvert-read-") as folder, \
                ProcessPoolExecutor(jobs - 1, mp_context=fork) as pool:
            outs = [os.path.join(folder, f"{k}.pickle") for k in range(len(chunks))]
            runs = [pool.submit(_read_chunk, c, base_url, d, out)
                    for c, d, out in zip(chunks, data, outs)]
            # This process reads too, from the last run back, each run no worker has taken
            # (half the articles then need no pickling, and a busy machine that leaves this
            # process little time slows only its share); between two runs it takes in what
            # the workers finished, so that it ends with little more to do than they.
            done: dict[int, list[Result]] = {}
            taken = 0  # runs up to here are in `done`
            for k in reversed(range(len(runs))):
                while taken < k and runs[taken].done():
                    done[taken] = _take(runs[taken], outs[taken])
                    taken += 1
                if taken == k or not runs[k].cancel():
                    break
                done[k] = _read_here(chunks[k], base_url, data[k])
            results: list[Result] = []
            for k, run in enumerate(runs):
                results += done[k] if k in done else _take(run, outs[k])
    except (OSError, BrokenProcessPool):  # no processes to be had (limits, a killed worker)
        return _read_here(files, base_url, contents)
    return results


def _read_here(files: Sequence[str], base_url: str, contents: Sequence[bytes] | None
               ) -> list[Result]:
    from .articles import article_from_bytes, read_article

    if contents is None:
        return [read_article(f, base_url=base_url) for f in files]
    return [article_from_bytes(raw, f, base_url=base_url) for f, raw in zip(files, contents)]


def _read_chunk(files: Sequence[str], base_url: str, contents: Sequence[bytes] | None,
                out: str) -> None:
    """Read a run in a worker, its results pickled into the file `out`: through the pool's pipe
    a worker would wait, at every 64 KB, for this process's reading thread to get the GIL
    from the thread that parses (a tenth of a second per run)."""
    packed = [(pack(a), d) for a, d in _read_here(files, base_url, contents)]
    with open(out, "wb") as fh:
        pickle.dump(packed, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _take(run: Future, out: str) -> list[Result]:
    """The results of a worker's run (its error, if it failed)."""
    run.result()
    with open(out, "rb") as fh:
        packed = pickle.load(fh)
    return [(unpack(a), list(d)) for a, d in packed]


def pack(article: Article | None) -> tuple[Any, ...] | None:
    """`article` as a tuple of its fields (its related links as tuples too)."""
    if article is None:
        return None
    row = list(_values(article))
    row[_RELATED] = tuple(map(_link_values, article.related))
    return tuple(row)


def unpack(row: tuple[Any, ...] | None) -> Article | None:
    """The article `pack` made `row` of."""
    if row is None:
        return None
    values = list(row)
    values[_RELATED] = tuple(starmap(RelatedLink, values[_RELATED]))
    return Article(*values)
