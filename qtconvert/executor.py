"""Parallel work: how many workers a build may use, and the one executor all of it runs on.

Every parallel piece of a build (pandoc batches, EPUB books, PDF volumes, shards of JSON-LD and
Markdown files) is a picklable call that returns bytes, submitted to a
`concurrent.futures.Executor`:

- `local` (the default): a pool of `jobs` worker processes on this machine; with one job, the
  work runs in this process, in order (`InlineExecutor`), which costs nothing to start. The
  workers are forked once the build has read its articles (`shared`), so they hold them
  already: an article of the build travels to them as its place in that list, not as its
  fields (`_Shared`), which halves what the driver pickles for the units;
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
from multiprocessing.reduction import ForkingPickler
from typing import Any

from .errors import UsageError
from .model import Article

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


class _Shared:
    """The articles a local pool's workers hold from the fork (`executor(shared=...)`): one
    build's at a time. An article among them is pickled for the pool as its place in the
    list (with the build's number, which a worker forked for another build does not know);
    any other article, and every article sent elsewhere (Dask, files), as its fields. Only
    the pool that `executor` makes is forked holding them: while it runs, the build sends its
    articles to no other process pool (one started before it, or by forkserver or spawn, could
    not find them, and would say so)."""

    lock = threading.Lock()
    articles: tuple[Article, ...] = ()
    places: dict[int, int] = {}  # id(article) -> its place
    generation = 0

    @classmethod
    @contextmanager
    def holding(cls, articles: tuple[Article, ...]) -> Iterator[None]:
        if not articles or not cls.lock.acquire(blocking=False):  # another build's, in use
            yield
            return
        try:
            cls.generation += 1
            cls.articles, cls.places = articles, {id(a): n for n, a in enumerate(articles)}
            yield
        finally:
            cls.articles, cls.places = (), {}
            cls.lock.release()

    @classmethod
    def reduce(cls, article: Article) -> tuple:
        n = cls.places.get(id(article))
        if n is not None and cls.articles[n] is article:
            return _shared_article, (cls.generation, n)
        return article.__reduce__()


def _shared_article(generation: int, n: int) -> Article:
    """In a worker: the article at place `n` of the articles it was forked with."""
    if generation != _Shared.generation or n >= len(_Shared.articles):
        raise RuntimeError("a worker of another build was sent an article by its place")
    return _Shared.articles[n]


ForkingPickler.register(Article, _Shared.reduce)


@contextmanager
def executor(kind: str = "local", jobs: int = 0, scheduler: str | None = None,
             shared: tuple[Article, ...] = ()) -> Iterator[Executor]:
    """The executor of a build (see the module's text); shut down when the block ends.
    `shared`: the build's articles, which a local pool's workers are forked with."""
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
    with _Shared.holding(shared if method == "fork" else ()):
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
