"""The output folder: safe paths and atomic writes.

Every path is built from components made safe (`safe_name`), and checked to stay inside the
folder, so no front matter value (`../../x`, an absolute path, a NUL) can write elsewhere.
Every file is written to a temporary file beside it and renamed into place, so a build that is
killed leaves the previous output whole. Writing the same path twice in one build is refused.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from pathlib import Path

from .errors import BuildError

__all__ = ["OutputFolder", "safe_name"]

_UNSAFE = re.compile(r"[^a-z0-9._-]+")


def safe_name(value: str, fallback: str = "untitled") -> str:
    """A single path component from any string: lowercase ASCII letters, digits, `.-_`."""
    name = _UNSAFE.sub("-", value.lower().replace("\x00", "")).strip(".-") [:120]
    return name or fallback


class OutputFolder:
    """The one place writers write to."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.written: list[Path] = []
        self._seen: set[Path] = set()
        self._folders: dict[Path, Path] = {}  # folder as given -> resolved and checked
        self._count = itertools.count()

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
            self._folders[path.parent] = folder
        return folder

    def write_bytes(self, path: Path, data: bytes) -> Path:
        """Write `data` to `path` (from `self.path`) atomically; each path once per build.

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
        tmp = path.parent / f".tmp-{os.getpid()}-{next(self._count)}{path.suffix}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self.written.append(path)
        return path

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
        path = self._folder(Path(path)) / Path(path).name
        if path in self._seen:
            Path(tmp).unlink(missing_ok=True)
            raise BuildError(f"{path} was already written in this build")
        self._seen.add(path)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        self.written.append(path)
        return path
