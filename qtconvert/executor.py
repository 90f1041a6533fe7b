"""Parallel work: how many workers a build may use, and the one executor all of it runs on.

Every parallel piece of a build (pandoc batches, EPUB books, PDF volumes, shards of JSON-LD and
Markdown files) is a picklable call that returns bytes, submitted to a
`concurrent.futures.Executor`:

- `local` (the default): a pool of `jobs` worker processes on this machine; with one job, the
  work runs in this process, in order (`InlineExecutor`), which costs nothing to start;
- `dask`: a Dask distributed cluster (`pip install qtconvert[dask]`), at `scheduler`
  (`tcp://HOST:PORT`), or a LocalCluster of `jobs` worker processes when none is given. The
  workers need the installed package and nothing else: calls carry their inputs and return
  bytes, and only the build driver writes files. A worker that dies mid-build costs only its
  calls, which the scheduler runs again elsewhere.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from .errors import UsageError

__all__ = ["job_count", "EXECUTORS", "InlineExecutor", "executor", "check_executor",
           "die_with_parent"]

EXECUTORS = ("local", "dask")  #: the values of --executor


def job_count(jobs: int = 0) -> int:
    """`jobs` workers when given, else one per CPU this process may use (`--jobs 0`)."""
    if jobs > 0:
        return jobs
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


class InlineExecutor(Executor):
    """Runs each call at once, in this process (one job: no pool to start or feed)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # the caller sees it from `result()`
            future.set_exception(error)
        return future


def check_executor(kind: str, scheduler: str | None) -> None:
    """A UsageError for an unknown executor, a scheduler without Dask, or Dask missing."""
    if kind not in EXECUTORS:
        raise UsageError(f"--executor: unknown value {kind!r} (supported: {', '.join(EXECUTORS)})")
    if scheduler is not None and kind != "dask":
        raise UsageError("--scheduler is for --executor dask")
    if kind == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UsageError("--executor dask needs Dask distributed: pip install "
                             "'qtconvert[dask]'") from None


@contextmanager
def executor(kind: str = "local", jobs: int = 0, scheduler: str | None = None
             ) -> Iterator[Executor]:
    """The executor of a build (see the module's text); shut down when the block ends."""
    check_executor(kind, scheduler)
    n = job_count(jobs)
    if kind == "dask":
        with _dask(n, scheduler) as pool:
            yield pool
        return
    if n == 1:
        yield InlineExecutor()
        return
    # fork: the workers start at once and share the imported modules; they start before the
    # build opens threads of its own
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    # a worker dies with the build, even one killed by SIGKILL (and so do its own children)
    pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context(method),
                               initializer=die_with_parent, initargs=(os.getpid(),))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def die_with_parent(parent: int) -> None:
    """End this process when `parent` ends, however it ends: a kernel signal on Linux
    (PR_SET_PDEATHSIG), else a thread that watches the parent id once a second."""
    if sys.platform.startswith("linux"):
        try:
            if ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # it ended before the signal was asked for
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


@contextmanager
def _dask(jobs: int, scheduler: str | None) -> Iterator[Executor]:
    from distributed import Client, LocalCluster

    if scheduler is None:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        cluster = None
        try:
            client = Client(scheduler, timeout="30s")
        except OSError as error:
            raise UsageError(f"--scheduler {scheduler}: cannot reach it ({error})") from None
    try:
        with client.get_executor(pure=False) as pool:
            yield pool
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
