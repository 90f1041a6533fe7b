"""The output folder: safe paths and atomic writes.

Every path is built from components made safe (`safe_name`), and checked to stay inside the
folder, so no front matter value (`../../x`, an absolute path, a NUL) can write elsewhere.
Every file is written to a temporary file beside it and renamed into place, so a build that is
killed leaves the previous output whole. Writing the same path twice in one build is refused.

`write_all` hands long runs of small files to a helper process (`file_sink`), which creates them
on another core while the writer renders the next ones.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import BuildError
from ..model.urls import safe_name
from .file_sink import FileSink, SinkError, store_file

__all__ = ["OUTPUT_MARKER", "OutputFolder", "safe_name"]

IN_PROCESS_FILES = 200  # `write_all` writes this many files itself before it starts a helper
# A file at the top of every output folder; `load` skips a folder holding one, so an output
# folder inside the source folder (`qtconvert build .` writes to ./out) is never read as input.
OUTPUT_MARKER = ".qtconvert-output"
_MARKER_TEXT = b"qtconvert build writes this folder; qtconvert does not read articles from it.\n"


class OutputFolder:
    """The one place writers write to."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.written: list[Path] = []
        self._seen: set[Path] = set()
        self._folders: dict[Path, Path] = {}  # folder as given -> resolved and checked
        self._was_output = (self.root / OUTPUT_MARKER).is_file()  # made by an earlier build

    def path(self, *components: str) -> Path:
        """`root/c1/c2/...`, each component made safe; raises if it would leave the root."""
        if not components:
            raise BuildError("an output path needs at least one component")
        *dirs, leaf = components
        stem, dot, suffix = leaf.rpartition(".")
        leaf_safe = (safe_name(stem) + "." + safe_name(suffix)) if dot and stem else safe_name(leaf)
        path = self.root.joinpath(*(safe_name(d) for d in dirs), leaf_safe).resolve()
        if self.root not in path.parents:
            raise BuildError(f"refusing to write {path}: outside the output folder {self.root}")
        return path

    def _folder(self, path: Path) -> Path:
        """The resolved, checked and created folder of `path` (cached: one check per folder)."""
        folder = self._folders.get(path.parent)
        if folder is None:
            folder = path.parent.resolve()
            if folder != self.root and self.root not in folder.parents:
                raise BuildError(f"refusing to write {path}: outside the output folder "
                                 f"{self.root}")
            folder.mkdir(parents=True, exist_ok=True)
            if not self._folders and not (self.root / OUTPUT_MARKER).exists():
                store_file(self.root / OUTPUT_MARKER, _MARKER_TEXT)
            self._folders[path.parent] = folder
        return folder

    def check_sweep(self, folder: str) -> Path:
        """`root/folder`, if `sweep` may remove files from it; else a BuildError (before anything
        is written). Only a folder qtconvert made is swept: one in an output folder that holds
        the marker, never a symbolic link."""
        path = self.root / safe_name(folder)
        if path.is_symlink():
            raise BuildError(f"refusing to clean {path}: a symbolic link")
        if path.exists() and not self._was_output:
            raise BuildError(f"refusing to clean {path}: {self.root} has no {OUTPUT_MARKER}, so "
                             "qtconvert did not make it; remove the folder yourself or choose "
                             "another --out")
        return path

    def sweep(self, folder: str) -> list[Path]:
        """Remove the files under `root/folder` that this build did not write (articles since
        removed, or left out), then empty folders; returns the removed files. Run after the
        writer has finished, so a build that fails or is killed leaves the old outputs."""
        top = self.check_sweep(folder)
        removed: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(top, topdown=False):
            here = Path(dirpath)
            for name in filenames:
                if here / name not in self._seen:
                    (here / name).unlink()
                    removed.append(here / name)
            for name in dirnames:
                try:
                    (here / name).rmdir()  # only when empty; a symbolic link is left alone
                except OSError:
                    pass
        return removed

    def write_bytes(self, path: Path, data: bytes) -> Path:
        """Write `data` to `path` (from `self.path`) atomically; each path once per build."""
        path = self._claim(path)
        self._store(path, data)
        self.written.append(path)
        return path

    def write_all(self, files: Iterable[tuple[Path, str | bytes]]) -> list[Path]:
        """Write each `(path, text or bytes)` as `write_bytes` does; for many files, faster.

        `files` is consumed here, lazily (it may render each file and report progress). Past
        `IN_PROCESS_FILES`, the files go to a helper process that creates them while the next
        are rendered. Returns when every file is in place; raises on the first that fails.
        """
        written: list[Path] = []
        sent: list[Path] = []  # to the helper, not known to be in place yet
        sink: FileSink | None = None
        try:
            for path, data in files:
                path = self._claim(path)
                data = data.encode("utf-8") if isinstance(data, str) else data
                if len(written) == IN_PROCESS_FILES:
                    sink = self._sink()
                if sink is None:
                    self._store(path, data)
                    self.written.append(path)
                else:
                    sink.put(path, data)
                    sent.append(path)
                written.append(path)
            if sink is not None:
                sink.close()
        except SinkError as error:
            raise BuildError(str(error)) from None
        except BaseException:
            if sink is not None:
                sink.abort()
            raise
        self.written += sent
        return written

    def _sink(self) -> FileSink | None:
        """A running helper process, or None (and files written here) if none can start."""
        try:
            return FileSink(self.root)
        except OSError:
            return None

    def _claim(self, path: Path) -> Path:
        """The checked destination of a write to `path`; refuses a path twice in one build.

        `os.replace` never follows a symbolic link at the destination, so checking the folder
        is enough to keep every write inside the output folder.
        """
        path = Path(path)
        if path.name in ("", ".", ".."):
            raise BuildError(f"refusing to write {path}: not a file name")
        path = self._folder(path) / path.name
        if path in self._seen:
            raise BuildError(f"{path} was already written in this build (two articles or books "
                             "map to the same output file)")
        self._seen.add(path)
        return path

    def _store(self, path: Path, data: bytes) -> None:
        try:
            store_file(path, data)
        except OSError as error:
            raise BuildError(f"could not write {path}: {error.strerror or error}") from None

    def write_text(self, path: Path, text: str) -> Path:
        return self.write_bytes(path, text.encode("utf-8"))

    def temporary_path(self, path: Path) -> Path:
        """A fresh temporary file beside `path`, for tools that write files themselves; pass it
        to `commit` when complete."""
        folder = self._folder(Path(path))
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=Path(path).suffix, dir=folder)
        os.close(fd)
        return Path(tmp)

    def commit(self, tmp: Path, path: Path) -> Path:
        """Rename a finished temporary file (from `temporary_path`) onto `path`."""
        try:
            path = self._claim(path)
        except BuildError:
            Path(tmp).unlink(missing_ok=True)
            raise
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        self.written.append(path)
        return path
