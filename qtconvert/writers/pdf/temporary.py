"""A PDF unit's own temporary folder, on the machine that prints the volume: the PDF and
WeasyPrint's fonts are written there, and it is removed when the volume is made.

A worker killed meanwhile cannot remove its folder, so each folder has a lock file beside it
(`<folder>.lock`, in the system's temporary folder) that its maker holds locked while it lives;
the kernel releases the lock however the process ends, even by SIGKILL. Before making its own,
a unit removes every folder whose lock it can take: what a killed worker left.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on Windows: folders of killed workers stay in the temporary folder
    fcntl = None

__all__ = ["volume_folder", "PREFIX"]

PREFIX = "qtconvert-pdf-"
_LOCK = ".lock"


@contextmanager
def volume_folder() -> Iterator[Path]:
    """A fresh folder in the system's temporary folder, removed when the block ends."""
    remove_abandoned()
    fd, lock = tempfile.mkstemp(prefix=PREFIX, suffix=_LOCK)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held until this process closes it or ends
        folder = Path(lock[:-len(_LOCK)])
        folder.mkdir()
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        Path(lock).unlink(missing_ok=True)
        os.close(fd)


def remove_abandoned(parent: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove the folders in `parent` (the system's temporary folder) that a killed process
    left: those whose lock nobody holds. Returns them."""
    if fcntl is None:
        return []
    removed = []
    for lock in Path(parent or tempfile.gettempdir()).glob(PREFIX + "*" + _LOCK):
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:  # removed meanwhile, or not ours to open
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # held: its maker is at work
                continue
            folder = lock.with_name(lock.name[:-len(_LOCK)])
            shutil.rmtree(folder, ignore_errors=True)
            lock.unlink(missing_ok=True)
            removed.append(folder)
        finally:
            os.close(fd)
    return removed
