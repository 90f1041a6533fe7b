"""Progress of long work: the silent `Progress` the Python API uses, and the bar on standard
error the command line shows."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress", "TerminalProgress"]


class Progress:
    """Reports progress of long work; the command line shows a bar, the API stays silent."""

    def start(self, label: str, total: int) -> None:
        """A new piece of work of `total` steps begins."""

    def advance(self, steps: int = 1) -> None:
        """`steps` more steps are done."""

    def done(self) -> None:
        """The current piece of work is finished."""

    def note(self, message: str) -> None:
        """Something the user should read (a volume split, a skipped article)."""


class TerminalProgress(Progress):
    """On a terminal, a live bar drawn by rich (label, bar, done/total, elapsed, time left);
    elsewhere (a log, a pipe), one plain line per finished piece of work. Notes print above
    the bar, as they are, never as markup."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self.label, self.total, self.count, self.t0 = "", 0, 0, 0.0
        self._live = None  # rich.progress.Progress while a bar is shown
        self._task = None
        self._console = None
        if self.tty and not quiet:
            from rich.console import Console

            self._console = Console(file=self.stream, highlight=False)

    def start(self, label: str, total: int) -> None:
        self._close_bar()
        self.label, self.total, self.count, self.t0 = label, total, 0, time.monotonic()
        if self._console is not None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress as Bar,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._live = Bar(TextColumn("{task.description}", markup=False), BarColumn(),
                             MofNCompleteColumn(), TimeElapsedColumn(),
                             TextColumn("left"), TimeRemainingColumn(),
                             console=self._console, transient=True)
            self._live.start()
            self._task = self._live.add_task(label, total=total or None)

    def advance(self, steps: int = 1) -> None:
        self.count += steps
        if self._live is not None:
            self._live.update(self._task, completed=self.count)

    def done(self) -> None:
        self._close_bar()
        if self.quiet:
            return
        took = time.monotonic() - self.t0
        steps = f"{self.count}/{self.total} " if self.total != 1 else ""  # not "1/1" of a volume
        self._line(f"{self.label}: {steps}done in {took:.1f} s")

    def note(self, message: str) -> None:
        if not self.quiet:
            self._line(message)

    def _line(self, text: str) -> None:
        if self._console is not None:
            self._console.print(text, markup=False, highlight=False, emoji=False,
                                soft_wrap=True)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def _close_bar(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = self._task = None
