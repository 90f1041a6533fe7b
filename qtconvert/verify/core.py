"""What every check shares: the Problem record, the options a check reads, and the Task the
runner hands to a worker process (a module-level function and its arguments, so it pickles)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Problem", "Options", "Task", "Plan", "ERROR", "WARNING"]

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding: `file` is relative to OUT (posix); `check` names the rule that failed."""

    file: str
    format: str
    check: str
    message: str
    severity: str = ERROR

    def line(self, out: Path) -> str:
        """`error: FILE: CHECK: message`, with FILE as a path the user can open."""
        return f"{self.severity}: {out / self.file}: {self.check}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "format": self.format, "check": self.check,
                "message": self.message, "severity": self.severity}


@dataclass(frozen=True)
class Options:
    """What the checks may read besides OUT: the schema.org vocabulary folder, the site's base
    address (for the sitemap), and the names of checks to skip."""

    out: Path
    schemaorg: Path | None = None
    base_url: str | None = None
    skip: frozenset[str] = frozenset()
    jobs: int = 1  # worker processes, for checks that group their files (EPUBCheck)

    def wants(self, check: str) -> bool:
        return check not in self.skip


@dataclass(frozen=True)
class Task:
    """`function(options, *args) -> list[Problem]`, covering `files` (for the progress count)."""

    format: str
    files: tuple[str, ...]
    function: Callable[..., list[Problem]]
    args: tuple = ()


@dataclass
class Plan:
    """A format's tasks, and notes on what it could not check (a tool or vocabulary missing)."""

    tasks: list[Task] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def rel(options: Options, path: Path) -> str:
    """`path` relative to OUT, as the report names files."""
    return path.relative_to(options.out).as_posix()


def batches(items: list, size: int) -> list[list]:
    """`items` in runs of `size` (small files are checked many to a task)."""
    return [items[i:i + size] for i in range(0, len(items), size)]


def balanced(paths: list[Path], groups: int) -> list[list[Path]]:
    """`paths` in at most `groups` groups of about equal total size (largest first)."""
    bins: list[tuple[int, list[Path]]] = [(0, []) for _ in range(max(1, min(groups, len(paths))))]
    for path in sorted(paths, key=lambda p: -p.stat().st_size):
        size, members = min(bins, key=lambda b: b[0])
        bins.remove((size, members))
        bins.append((size + path.stat().st_size, members + [path]))
    return [sorted(m) for _, m in bins if m]
