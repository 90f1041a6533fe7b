"""The Dask executor with real processes: a `dask scheduler` and two `dask worker`s on
127.0.0.1, started by the `dask` command line as a user would. A build on the cluster gives the
same bytes as one on the local executor, also when a worker is killed (SIGKILL) while it holds
work: the scheduler runs that work again on the other worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import needs_corpus
from corpus_copy import copy_library, differences

from qtconvert.build import build
from qtconvert.writers import BuildOptions

distributed = pytest.importorskip(
    "distributed", reason="Dask distributed is not installed (pip install 'qtconvert[dask]')")

pytestmark = needs_corpus

FORMATS = ("markdown", "jsonld", "epub")
START_TIMEOUT = 60  # seconds for the scheduler and the workers to come up


@dataclass
class Cluster:
    address: str  #: tcp://127.0.0.1:PORT
    workers: dict[str, subprocess.Popen]  #: worker name -> its process (no nanny: the worker)


def _stop(proc: subprocess.Popen) -> None:
    """Kill `proc` and whatever it started (its own session), and reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # also when it is stopped (SIGSTOP)
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)


@pytest.fixture
def cluster(tmp_path) -> Iterator[Cluster]:
    """A scheduler and two single-threaded workers (no nanny, so that killing a worker's process
    loses that worker); every process is killed when the test ends, however it ends."""
    procs: list[subprocess.Popen] = []
    logs = tmp_path / "dask-logs"
    logs.mkdir()

    def start(name: str, *args: str) -> subprocess.Popen:
        with open(logs / f"{name}.log", "wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=log,
                                    stderr=subprocess.STDOUT, cwd=tmp_path,
                                    start_new_session=True)
        procs.append(proc)
        return proc

    def failed(what: str) -> str:
        return what + "\n" + "\n".join(f"--- {p.name}:\n{p.read_text(errors='replace')[-1500:]}"
                                       for p in sorted(logs.iterdir()))

    try:
        file = tmp_path / "scheduler.json"
        scheduler = start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0",
                          "--no-dashboard", "--scheduler-file", str(file))
        deadline = time.monotonic() + START_TIMEOUT
        while not file.is_file() and scheduler.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert file.is_file(), failed("the scheduler did not start")
        time.sleep(0.1)  # the file is written whole, but let the writer close it
        address = json.loads(file.read_text(encoding="utf-8"))["address"]
        workers = {}
        for n in range(2):
            name = f"w{n}"
            workers[name] = start(name, "worker", address, "--name", name, "--nworkers", "1",
                                  "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                  "--host", "127.0.0.1",
                                  "--local-directory", str(tmp_path / f"{name}-space"))
        with distributed.Client(address, timeout="30s") as client:
            try:
                client.wait_for_workers(2, timeout=START_TIMEOUT)
            except (TimeoutError, OSError) as error:
                pytest.fail(failed(f"the workers did not join the scheduler: {error}"))
        yield Cluster(address, workers)
    finally:
        for proc in reversed(procs):
            _stop(proc)


@pytest.fixture
def library(tmp_path):
    return copy_library(tmp_path / "src", 6, 6)


def _local(library, out: Path) -> Path:
    build(library.root, out, BuildOptions(formats=FORMATS, jobs=2, cache=False))
    return out


def _task_prefixes(client) -> dict[str, int]:
    """Task name (the function a task called) -> how many of its tasks finished (reached
    "memory") on the cluster."""
    return client.run_on_scheduler(lambda dask_scheduler: {
        name: prefix.state_counts.get("memory", 0)
        for name, prefix in dask_scheduler.task_prefixes.items()})


def test_dask_build_equals_local(cluster, library, tmp_path):
    result = build(library.root, tmp_path / "dask",
                   BuildOptions(formats=FORMATS, executor="dask", scheduler=cluster.address))
    problems = differences(tmp_path / "dask", _local(library, tmp_path / "local"))
    assert not problems, "the Dask build differs from the local one:\n" + "\n".join(problems)
    with distributed.Client(cluster.address, timeout="30s") as client:
        ran = _task_prefixes(client)
    assert result.stats.rebuilt >= 1
    assert sum(ran.values()) >= result.stats.rebuilt, f"the units ran elsewhere: {ran}"


def test_dask_build_survives_a_killed_worker(cluster, library, tmp_path):
    """Worker w1 is stopped (SIGSTOP) before the build, so it cannot finish what it is given;
    as soon as it holds a task, it is killed (SIGKILL). The build still ends with every file."""
    victim = cluster.workers["w1"]
    os.kill(victim.pid, signal.SIGSTOP)
    killed: dict[str, object] = {}
    done = threading.Event()

    def watch() -> None:
        try:
            with distributed.Client(cluster.address, timeout="30s") as client:
                (address,) = [a for a, w in client.scheduler_info()["workers"].items()
                              if w["name"] == "w1"]
                while not done.is_set():
                    held = client.processing(workers=[address]).get(address) or ()
                    if held:
                        killed["tasks"] = list(held)
                        return
                    time.sleep(0.02)
        finally:  # also when watching failed: a stopped worker would hold the build forever
            os.killpg(victim.pid, signal.SIGKILL)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        build(library.root, tmp_path / "dask",
              BuildOptions(formats=FORMATS, executor="dask", scheduler=cluster.address))
    finally:
        done.set()
        watcher.join(timeout=60)
    assert killed.get("tasks"), "worker w1 was given no task, so it was not killed mid-build"
    assert victim.wait(timeout=30) == -signal.SIGKILL
    problems = differences(tmp_path / "dask", _local(library, tmp_path / "local"))
    assert not problems, f"after killing a worker that held {killed['tasks']}, the Dask " \
        "build differs from the local one:\n" + "\n".join(problems)
