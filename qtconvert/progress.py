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
    """`label [#####.....] 40/100` redrawn in place on a terminal; plain lines elsewhere."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self.label, self.total, self.count, self.t0, self._last = "", 0, 0, 0.0, 0.0

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.count, self.t0 = label, total, 0, time.monotonic()
        self._draw(force=True)

    def advance(self, steps: int = 1) -> None:
        self.count += steps
        self._draw()

    def done(self) -> None:
        if self.quiet:
            return
        took = time.monotonic() - self.t0
        end = "\r\x1b[K" if self.tty else ""
        steps = f"{self.count}/{self.total} " if self.total != 1 else ""  # not "1/1" of a volume
        self.stream.write(f"{end}{self.label}: {steps}done in {took:.1f} s\n")
        self.stream.flush()

    def note(self, message: str) -> None:
        if not self.quiet:
            self.stream.write(("\r\x1b[K" if self.tty else "") + message + "\n")
            self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        if self.quiet or not self.tty:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1 and self.count < self.total:
            return
        self._last = now
        width = 30
        filled = width * self.count // self.total if self.total else width
        self.stream.write(f"\r\x1b[K{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                          f"{self.count}/{self.total}")
        self.stream.flush()
