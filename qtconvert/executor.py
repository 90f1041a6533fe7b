"""Parallel work: how many workers a build may use. (The one place that decides it; the
engine's executor interface will live here too.)"""

from __future__ import annotations

import os

__all__ = ["job_count"]


def job_count(jobs: int = 0) -> int:
    """`jobs` workers when given, else one per CPU (`--jobs 0`, the default)."""
    return jobs if jobs > 0 else (os.cpu_count() or 1)
