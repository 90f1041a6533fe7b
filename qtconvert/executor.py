"""Parallel work: how many workers a build may use. (The one place that decides it; the
engine's executor interface will live here too.)"""

from __future__ import annotations

import os

__all__ = ["job_count"]


def job_count(jobs: int = 0) -> int:
    """`jobs` workers when given, else one per CPU this process may use (`--jobs 0`)."""
    if jobs > 0:
        return jobs
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1
