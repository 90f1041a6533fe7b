"""Create many files from a helper process, so that the kernel's work overlaps ours.

Creating a small file on a journalling file system costs the kernel about as long as rendering
it costs Python. A thread cannot overlap the two (it waits for the GIL after every system call),
so `FileSink` starts this module as a separate Python process and streams it the files through a
pipe: the caller renders the next file on one core while the helper creates the last on another.

The stream is a sequence of records: a header (`<IQ`: the path's length in bytes, the data's
length), the path (`os.fsencode`), the data. The helper stores each file with `store_file`, the
same function `OutputFolder` uses in-process, and exits 0 at the end of the stream. It takes
the output folder as its argument and refuses any path outside it, so a stream that got out of
step can never write elsewhere. On the first error it prints one line, `PATH: reason`, to
standard error and exits 1. A record cut short (the caller interrupted mid-write) is an error,
and its file is not created.

This file imports nothing from qtconvert: the helper runs it by path with `python -I`, so no
package, working folder or environment variable decides what code creates the files.
"""

from __future__ import annotations

import itertools
import os
import re
import struct
import subprocess
import sys

__all__ = ["FileSink", "SinkError", "store_file", "open_temporary", "is_temporary_name"]

# Every temporary file qtconvert makes is named `.tmp-qtconvert-<pid>-<n><suffix>`, beside its
# target; a later build recognises (and removes) leftovers of a killed one by this name alone.
_TEMPORARY = re.compile(r"\.tmp-qtconvert-[0-9]+-[0-9]+(\.[A-Za-z0-9]+)?")

_HEADER = struct.Struct("<IQ")
_FLUSH_AT = 1 << 20  # bytes buffered before they go down the pipe
# Both ends move a megabyte at a time: each wake-up of the other process is costly on a
# virtual machine, and a 64 KiB pipe would need sixteen of them per megabyte.
_PIPE_SIZE = 1 << 20
_count = itertools.count()


class SinkError(Exception):
    """The helper process could not create a file (the message names it and why), or died."""


def is_temporary_name(name: str) -> bool:
    """Whether `name` is that of a temporary file `open_temporary` makes."""
    return _TEMPORARY.fullmatch(name) is not None


def open_temporary(path: str | os.PathLike[str]) -> tuple[int, str]:
    """A new temporary file beside `path`, with its suffix: (descriptor, name)."""
    path = os.fspath(path)
    folder, _, name = path.rpartition(os.sep)
    suffix = name[name.rfind("."):] if "." in name else ""
    if not _TEMPORARY.fullmatch(f".tmp-qtconvert-0-0{suffix}"):
        suffix = ""
    while True:  # a name that exists already is somebody else's file: never touched
        tmp = f"{folder}{os.sep}.tmp-qtconvert-{os.getpid()}-{next(_count)}{suffix}"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), tmp
        except FileExistsError:
            continue


def store_file(path: str | os.PathLike[str], data: bytes, sync: bool = False) -> None:
    """Put `data` at `path` atomically: a fresh temporary file beside it, then a rename.

    With `sync`, the data reach the disk before the rename, so that after a machine crash the
    path holds the old file or the new one, never a part. `os.replace` never follows a symbolic
    link at the destination; the caller checks the folder.
    """
    fd, tmp = open_temporary(path)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class FileSink:
    """A helper process that creates the files it is given, in order, while the caller goes on.

    `put` returns at once (unless the helper is far behind); `close` returns when every file is
    in place, or raises `SinkError` naming the first file that could not be created.
    """

    def __init__(self, root: str | os.PathLike[str], before_send=None) -> None:
        self._before_send = before_send  # called before any queued file can be created
        self._process = subprocess.Popen(
            [sys.executable, "-I", os.path.abspath(__file__), os.fspath(root)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._buffer = bytearray()
        self._broken = False  # the pipe took part of a write, or none: send nothing more
        self._finished = False
        _widen(self._process.stdin)

    def put(self, path: str | os.PathLike[str], data: bytes) -> None:
        """Queue one file; raises `SinkError` if the helper has already stopped on an error."""
        name = os.fsencode(path)
        self._buffer += _HEADER.pack(len(name), len(data))
        self._buffer += name
        self._buffer += data
        if len(self._buffer) >= _FLUSH_AT:
            self._send()
            if self._broken:
                self._finish()

    def close(self) -> None:
        """Wait until every queued file is in place."""
        self._send()
        self._finish()

    def abort(self) -> None:
        """Create the files queued so far, then stop, raising nothing (for a caller that failed
        part way: its own error is the one to report)."""
        self._send()
        self._finish(raise_error=False)

    def _send(self) -> None:
        if self._broken or not self._buffer:
            return
        if self._before_send is not None:
            self._before_send()
        self._broken = True  # until the whole buffer is down the pipe
        try:
            self._process.stdin.write(self._buffer)
            self._process.stdin.flush()
            self._broken = False
        except BrokenPipeError:  # the helper stopped on an error; `_finish` reports it
            pass
        finally:
            # never sent again: after a write cut short (an interrupt), the bytes already in the
            # pipe and a resend would not line up, and the helper would read data as a header
            self._buffer.clear()

    def _finish(self, raise_error: bool = True) -> None:
        if self._finished:  # `abort` after a `close` that was interrupted
            return
        self._finished = True
        try:
            self._process.stdin.close()
        except BrokenPipeError:
            pass
        errors = self._process.stderr.read().decode("utf-8", "replace").strip()
        self._process.stderr.close()
        code = self._process.wait()
        if code and raise_error:
            raise SinkError(f"could not write {errors.splitlines()[-1]}" if errors else
                            f"the file-writing helper process stopped (exit status {code})")


def _serve(stream, root: str) -> int:
    """The helper: create every file in `stream` under `root`; 0 when all are in place, 1 on
    an error."""
    root = os.path.realpath(root)
    checked: set[str] = set()  # folders known to be inside `root`
    while header := stream.read(_HEADER.size):
        path = b""
        try:
            if len(header) < _HEADER.size:
                raise EOFError("truncated record")
            path_length, data_length = _HEADER.unpack(header)
            if path_length > 4096:
                raise EOFError("corrupt record")
            path = stream.read(path_length)
            data = stream.read(data_length)
            if len(path) < path_length or len(data) < data_length:
                raise EOFError("truncated record")
            name = os.fsdecode(path)
            folder = os.path.dirname(name)
            if folder not in checked:
                if os.path.commonpath([root, os.path.realpath(folder)]) != root:
                    raise EOFError("outside the output folder")
                checked.add(folder)
            store_file(name, data)
        except (OSError, EOFError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            print(f"{os.fsdecode(path) or '(stream)'}: {reason}", file=sys.stderr)
            return 1
    return 0


def _widen(pipe) -> None:
    """Make `pipe` hold `_PIPE_SIZE` bytes where the system allows it (Linux); else leave it."""
    try:
        import fcntl
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
    except (ImportError, AttributeError, OSError):
        pass


if __name__ == "__main__":
    with open(sys.stdin.fileno(), "rb", buffering=_PIPE_SIZE, closefd=False) as stdin:
        sys.exit(_serve(stdin, sys.argv[1]))
