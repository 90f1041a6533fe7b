"""The result of a verify run: problems, notes, and a summary per format; printed as lines and
a table, or as one JSON object."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .core import ERROR, WARNING, Problem

__all__ = ["Report", "FormatSummary"]


@dataclass
class FormatSummary:
    """Files checked, problems found, and the seconds the checks took (summed over workers)."""

    files: set[str] = field(default_factory=set)
    errors: int = 0
    warnings: int = 0
    seconds: float = 0.0


@dataclass
class Report:
    out: Path
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: dict[str, FormatSummary] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def failed(self, strict: bool = False) -> bool:
        """Errors fail; warnings fail only when strict."""
        return bool(self.errors) or (strict and bool(self.warnings))

    def add(self, fmt: str, problems: list[Problem], files: tuple[str, ...],
            seconds: float) -> None:
        s = self.summary.setdefault(fmt, FormatSummary())
        s.files.update(files)
        s.seconds += seconds
        s.errors += sum(p.severity == ERROR for p in problems)
        s.warnings += sum(p.severity == WARNING for p in problems)
        self.problems.extend(problems)

    def lines(self) -> list[str]:
        """One line per problem, then a summary table per format."""
        rows = [p.line(self.out) for p in sorted(self.problems)]
        rows.append(f"{'format':10} {'files':>7} {'errors':>7} {'warnings':>9} {'time':>9}")
        for fmt, s in self.summary.items():
            rows.append(f"{fmt:10} {len(s.files):7} {s.errors:7} {s.warnings:9} {s.seconds:8.1f}s")
        rows.append(f"{len(self.errors)} errors, {len(self.warnings)} warnings in "
                    f"{sum(len(s.files) for s in self.summary.values())} files "
                    f"({self.seconds:.1f} s)")
        return rows

    def as_dict(self) -> dict[str, object]:
        return {
            "out": str(self.out),
            "problems": [p.as_dict() for p in sorted(self.problems)],
            "notes": self.notes,
            "summary": {fmt: {"files": len(s.files), "errors": s.errors,
                              "warnings": s.warnings, "seconds": round(s.seconds, 2)}
                        for fmt, s in self.summary.items()},
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "seconds": round(self.seconds, 2),
        }
