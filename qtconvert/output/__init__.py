"""The output folder: safe paths, atomic writes, a lock, and the list of what qtconvert wrote.

Every path is built from components made safe (`safe_name`), and checked to stay inside the
folder, so no front matter value (`../../x`, an absolute path, a NUL) can write elsewhere.
Every file is written to a temporary file beside it and renamed into place, so a build that is
killed leaves the previous output whole. Writing the same path twice in one build is refused.

A build holds a lock on the folder (a second build into it is refused), lists every file it
writes in `.qtconvert-manifest` (through a journal, so a killed build's files are listed too),
and `--clean` removes only files on that list. `.qtconvert-output` marks a folder qtconvert
made (it did not exist, or was empty); `--clean` refuses any other.

`write_all` hands long runs of small files to a helper process (`file_sink`), which creates them
on another core while the writer renders the next ones.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import stat
import shutil
import sys
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import BuildError, UsageError
from ..model.urls import CACHE_FOLDER, OUTPUT_MANIFEST, OUTPUT_MARKER, safe_name
from .file_sink import (
    FileSink,
    SinkError,
    is_temporary_name,
    open_temporary,
    store_file,
)

__all__ = ["OUTPUT_MARKER", "OUTPUT_MANIFEST", "OutputFolder", "check_out", "safe_name"]

IN_PROCESS_FILES = 200  # `write_all` writes this many files itself before it starts a helper
SYNC_ONE_BY_ONE = 64  # `sync` fsyncs up to this many files one by one; more, the file system
_MARKER_TEXT = b"qtconvert made this folder; qtconvert does not read articles from it.\n"
_MANIFEST_HEADER = "# files qtconvert wrote here; qtconvert build --clean removes only these\n"
# This build's additions to the manifest, each line written before its file is created; a
# killed build leaves it, and the next build adds it to the manifest.
_JOURNAL = ".qtconvert-journal"
# Temporary files of tools that write their own (WeasyPrint's fonts), removed after the build.
WORK_FOLDER = ".qtconvert-tmp"
_OWN_FILES = {OUTPUT_MARKER, OUTPUT_MANIFEST, _JOURNAL, WORK_FOLDER, CACHE_FOLDER}
# A file name made of `safe_name` characters that neither starts nor ends with `.` or `-` (not
# hidden, not `..`, not an option) and is short enough for any file system: `relative` keeps it.
_SAFE_LEAF = re.compile(r"[a-z0-9_](?:[a-z0-9._-]*[a-z0-9_])?")
_MAX_LEAF = 200


def check_out(out: str | os.PathLike[str]) -> None:
    """A UsageError when `out` cannot be an output folder (it, or a folder above it, is a file);
    checked before a build does any work."""
    path = Path(out).absolute()
    for folder in (path, *path.parents):
        if folder.exists():
            if not folder.is_dir():
                where = "" if folder == path else f" ({folder} is a file)"
                raise UsageError(f"--out {out}: not a folder{where}")
            return


@contextmanager
def writing(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn an OSError inside into `could not write PATH: reason` (a BuildError), naming the
    file the user asked for rather than a temporary one."""
    try:
        yield
    except OSError as error:
        raise BuildError(f"could not write {path}: {error.strerror or error}") from None


class PathList(Sequence[Path]):
    """Paths made when asked for, from strings: a rebuild keeps tens of thousands of files,
    and most callers only count them."""

    def __init__(self, paths: Sequence[str]) -> None:
        self._paths = paths

    def __len__(self) -> int:
        return len(self._paths)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return PathList(self._paths[index])
        return Path(self._paths[index])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __add__(self, other: Sequence[Path]) -> tuple[Path, ...]:  # as a tuple of paths adds
        return (*self, *other)

    def __radd__(self, other: Sequence[Path]) -> tuple[Path, ...]:
        return (*other, *self)

    def __hash__(self) -> int:
        return hash(tuple(self._paths))

    def __repr__(self) -> str:
        return f"PathList({len(self._paths)} paths)"


class OutputFolder:
    """The one place writers write to. Opened on first use (or `with`); `close` ends the build:
    it makes the outputs durable, updates the manifest and releases the lock."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.written: list[Path] = []
        self.made = False  #: qtconvert made this folder (it holds the marker)
        self._seen: set[str] = set()  # the files this build wrote or kept, as str paths
        self._claimed: set[str] = set()  # the files it wrote, as manifest entries
        self._folders: dict[Path, Path] = {}  # folder as given -> resolved and checked
        self._checked: dict[str, Path] = {}  # for `relative`: "a/b" -> root/a/b, checked
        # for `keep_unchanged`: "a/b" -> ("/root/a/b/", the manifest's "a/b/"), checked
        self._prefixes: dict[str, tuple[str, str]] = {}
        self._manifest: set[str] = set()  # relative paths qtconvert builds wrote
        # relative path -> SHA-256 of the bytes a build wrote there (the manifest's second
        # column), so that a build can leave a file alone that already holds what it would write
        self._digests: dict[str, str] = {}
        # whether the manifest lists a file with its digest when the build begins: if not (a
        # new folder), no file can be kept, and a first build need not ask for each of its own
        self._earlier = False
        self._as_read: dict[str, str] = {}  # the manifest on disk when the build began
        self._kept: list[str] = []  # files left as they were, holding this build's bytes
        self._removed: set[str] = set()  # by `sweep` in this build
        self._journal: int | None = None
        self._pending: list[str] = []  # journal lines not yet written
        self._dirty: set[Path] = set()  # folders with renames not yet made durable
        # files written without fsync (by `write_all`), each fsynced by `sync` while few
        self._unsynced: list[Path] = []
        self._unlock: weakref.finalize | None = None  # closes the locked descriptor
        self._state = "new"

    # -- the build's lifetime -----------------------------------------------------------------

    def __enter__(self) -> OutputFolder:
        self.open()
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close(failed=kind is not None)

    def open(self) -> None:
        """Make (or claim) the folder, lock it, and recover from a build that was killed: its
        journal joins the manifest and its temporary files go. Done once, before any write."""
        if self._state != "new":
            return
        check_out(self.root)
        root = self.root
        with writing(root / OUTPUT_MARKER):
            # its own files, and a killed build's temporary ones (`.tmp-qtconvert-*`: the marker
            # it was writing), do not make a folder someone else's
            made = not root.exists() or not any(
                n not in _OWN_FILES and not is_temporary_name(n) for n in os.listdir(root))
            root.mkdir(parents=True, exist_ok=True)
            self._unlock = weakref.finalize(self, os.close, _lock(root))
        self._state = "open"
        try:
            self._recover(made)
        except BaseException:
            self._state = "closed"
            self._unlock()
            raise

    def _recover(self, made: bool) -> None:
        root = self.root
        with writing(root / OUTPUT_MARKER):
            if made and not (root / OUTPUT_MARKER).exists():
                store_file(root / OUTPUT_MARKER, _MARKER_TEXT, sync=True)
            self.made = (root / OUTPUT_MARKER).is_file()
            self._digests = _read_digests(root / OUTPUT_MANIFEST)
            self._manifest = set(self._digests)
            killed = (root / _JOURNAL).exists()  # a build that did not close: it left this
            journal = _read_entries(root / _JOURNAL)
            # The marker names the root, where a build killed before its journal existed may
            # have left a marker being written; temporary files elsewhere are only ever made
            # while a journal exists.
            _remove_temporary_files(root, self._manifest | journal | {OUTPUT_MARKER} if killed
                                    else {OUTPUT_MARKER})
            stale = {e for e in journal if (root / e).is_file()}
            # a killed build may have replaced them: their bytes are unknown, and the manifest
            # on disk must say so before a build that writes nothing leaves it as it is
            unknown = {e for e in journal if self._digests.get(e)}
            for entry in journal:
                self._digests[entry] = ""
            work = root / WORK_FOLDER
            if work.is_symlink() or work.is_file():
                raise BuildError(f"refusing to use {work}: not a folder qtconvert made")
            shutil.rmtree(work, ignore_errors=True)
            if stale - self._manifest or unknown:
                self._manifest |= stale
                self._write_manifest()
            # on disk (without a killed build's journal, the digests are the manifest's)
            self._as_read = ({e: self._digests.get(e, "") for e in self._manifest} if killed
                             else dict(self._digests))
            self._earlier = any(self._digests.values())
            self._journal = os.open(root / _JOURNAL, os.O_WRONLY | os.O_CREAT | os.O_TRUNC
                                    | os.O_APPEND, 0o644)
            os.write(self._journal, f"# qtconvert build, pid {os.getpid()}\n".encode())

    def close(self, failed: bool = False) -> None:
        """End the build: outputs durable, manifest updated (through `failed` builds too),
        journal and work folder removed, lock released."""
        if self._state != "open":
            self._state = "closed"
            return
        self._state = "closed"
        root = self.root
        try:
            with writing(root / OUTPUT_MANIFEST):
                self._flush_journal()
                self.sync()
                shutil.rmtree(root / WORK_FOLDER, ignore_errors=True)
                if not (self._as_kept() and (root / OUTPUT_MANIFEST).exists()):
                    self._update_manifest(failed)
                os.unlink(root / _JOURNAL)  # all it held is in the manifest now
        finally:
            os.close(self._journal)
            self._unlock()

    def _update_manifest(self, failed: bool) -> None:
        """The manifest with the files this build wrote or kept, without those it swept."""
        root = self.root
        mine = self._claimed  # the files kept are listed already (`keep_unchanged`)
        if failed:  # a path claimed but never written is not listed
            mine = {e for e in mine if (root / e).is_file()}
        self._manifest = (self._manifest | mine) - self._removed
        self._digests = {e: d for e, d in self._digests.items() if e in self._manifest}
        if ({e: self._digests.get(e, "") for e in self._manifest} != self._as_read
                or not (root / OUTPUT_MANIFEST).exists()):
            self._write_manifest()

    def _as_kept(self) -> bool:
        """Whether the manifest stays as it was read: this build claimed no file to write (so
        no digest changed) and swept none (a rebuild that changed nothing need not go through
        the 24,000 entries of the corpus's)."""
        return (not self._claimed and not self._removed
                and len(self._manifest) == len(self._as_read))

    def work_folder(self) -> Path:
        """A folder inside the output folder for tools' own temporary files (WeasyPrint's);
        removed when the build ends, and by the next build if this one is killed."""
        self.open()
        work = self.root / WORK_FOLDER
        with writing(work):
            work.mkdir(exist_ok=True)
        return work

    # -- paths --------------------------------------------------------------------------------

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

    def relative(self, rel: str) -> Path:
        """`path(*rel.split("/"))`, for many files in few folders: each folder is checked once.

        A file name that is safe already is kept as it is: a writer's `safe_name(slug) + ".md"`
        may end its stem in `-` where `safe_name` shortened it, which `path` would strip (and
        the file would no longer be where the writer's links say)."""
        folder, _, leaf = rel.rpartition("/")
        base = self._checked.get(folder)
        if base is None:
            base = self._checked[folder] = self.path(*folder.split("/"), "x").parent \
                if folder else self.root
        if _SAFE_LEAF.fullmatch(leaf) and len(leaf) <= _MAX_LEAF:
            return base / leaf
        stem, dot, suffix = leaf.rpartition(".")
        return base / ((safe_name(stem) + "." + safe_name(suffix)) if dot and stem
                       else safe_name(leaf))

    def _folder(self, path: Path) -> Path:
        """The resolved, checked and created folder of `path` (cached: one check per folder)."""
        folder = self._folders.get(path.parent)
        if folder is None:
            self.open()
            folder = path.parent.resolve()
            if folder != self.root and self.root not in folder.parents:
                raise BuildError(f"refusing to write {path}: outside the output folder "
                                 f"{self.root}")
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):  # a file where a folder should be
                file = next(f for f in (folder, *folder.parents) if f.exists() and not f.is_dir())
                raise BuildError(f"could not write {path}: {file} is a file, not a "
                                 "folder") from None
            except OSError as error:
                raise BuildError(f"could not write {path}: {error.strerror}") from None
            self._folders[path.parent] = folder
        return folder

    # -- --clean ------------------------------------------------------------------------------

    def check_sweep(self, folder: str) -> Path:
        """`root/folder`, if `sweep` may remove files from it; else a BuildError (before anything
        is written). Only a folder qtconvert made is swept, never a symbolic link."""
        self.open()
        path = self.root / safe_name(folder)
        if path.is_symlink():
            raise BuildError(f"refusing to clean {path}: a symbolic link")
        if not self.made:
            raise BuildError(f"refusing to clean {path}: {self.root} has no {OUTPUT_MARKER}, so "
                             "qtconvert did not make it; remove the folder yourself or choose "
                             "another --out")
        return path

    def sweep(self, folder: str) -> list[Path]:
        """Remove the files under `root/folder` that an earlier build wrote (they are in the
        manifest) and this one did not (articles since removed, or left out), then the folders
        that leaves empty; returns the removed files. A file qtconvert did not write is never
        removed. Run after the writer has finished, so a build that fails or is killed leaves
        the old outputs."""
        top = self.check_sweep(folder)
        self._flush_journal()
        start = len(str(self.root)) + 1
        removed: list[Path] = []
        listed: set[str] = set()  # manifest entries found under `top`
        emptied: set[str] = set()
        for dirpath, dirnames, filenames in os.walk(top, topdown=False):
            for name in filenames:
                path = Path(dirpath, name)
                entry = str(path)[start:].replace(os.sep, "/")
                if entry not in self._manifest:
                    continue
                listed.add(entry)
                if str(path) not in self._seen:
                    with writing(path):  # the message says what could not be removed
                        path.unlink()
                    removed.append(path)
                    self._removed.add(entry)
                    emptied.add(dirpath)
            for name in dirnames:
                if os.path.join(dirpath, name) in emptied:
                    try:
                        os.rmdir(os.path.join(dirpath, name))  # only when empty
                        emptied.add(dirpath)
                    except OSError:
                        pass
        prefix = str(top)[start:].replace(os.sep, "/") + "/"
        self._manifest -= {e for e in self._manifest if e.startswith(prefix) and e not in listed}
        if removed:
            self._dirty.update(Path(d) for d in emptied)
        return removed

    # -- writing ------------------------------------------------------------------------------

    def write_bytes(self, path: Path, data: bytes) -> Path:
        """Write `data` to `path` (from `self.path`) atomically and durably; each path once per
        build."""
        path = self._claim(path)
        self._flush_journal()
        self._digests[self._relative(path)] = ""
        self._store(path, data, sync=True)
        self._digests[self._relative(path)] = hashlib.sha256(data).hexdigest()
        self.written.append(path)
        return path

    @property
    def kept(self) -> Sequence[Path]:
        """The files left as they were: they held this build's bytes already (`keep_unchanged`)."""
        return PathList(tuple(self._kept))

    def listed(self, rel: str, digest: str) -> bool:
        """Whether the manifest says that the file at `rel` holds bytes of `digest` (SHA-256):
        what `keep_unchanged` asks first, without looking at the file or counting it."""
        return self._listed(rel, digest) is not None

    def _listed(self, rel: str, digest: str) -> str | None:
        """The file's full path when `listed`, else None."""
        folder, _, leaf = rel.rpartition("/")
        prefixes = self._prefixes.get(folder)
        if prefixes is None:
            base = str(self.relative(folder + "/x" if folder else "x").parent) + os.sep
            prefixes = self._prefixes[folder] = (
                base, base[len(str(self.root)) + 1:].replace(os.sep, "/"))
        if not digest or not self._earlier or self._digests.get(prefixes[1] + leaf) != digest \
                or len(leaf) > _MAX_LEAF or not _SAFE_LEAF.fullmatch(leaf):
            return None  # not listed, or a name `relative` would change (written as usual)
        return prefixes[0] + leaf

    def holds(self, rel: str, digest: str, size: int) -> bool:
        """Whether `keep_unchanged` would keep the file (without keeping it)."""
        return self._unchanged(rel, digest, size) is not None

    def _unchanged(self, rel: str, digest: str, size: int) -> str | None:
        """The file's full path when it holds what the manifest says, `size` bytes."""
        full = self._listed(rel, digest)
        if full is None:
            return None
        try:
            info = os.lstat(full)
        except OSError:
            return None
        return full if stat.S_ISREG(info.st_mode) and info.st_size == size else None

    def keep_unchanged(self, rel: str, digest: str, size: int) -> bool:
        """When the file at `rel` (inside the folder, with `/`) holds what an earlier build wrote
        there and that was `digest` (SHA-256) of `size` bytes, count it as written by this
        build without writing it, and return True; else False (write it)."""
        return not self.keep_all_unchanged([(rel, digest, size)])

    def keep_all_unchanged(self, files: Iterable[tuple[str, str, int]]
                           ) -> list[tuple[str, str, int]]:
        """`keep_unchanged` of each `(rel, digest, size)`; returns those not kept, to write.
        Works on strings: a rebuild asks this of every one of tens of thousands of files."""
        if not self._earlier:  # nothing an earlier build wrote is known to be here
            return list(files)
        todo = []
        unchanged, seen, kept = self._unchanged, self._seen, self._kept
        for file in files:
            full = unchanged(*file)
            if full is None:
                todo.append(file)
            elif full in seen:
                raise BuildError(f"{full} was already written in this build (two articles or "
                                 "books map to the same output file)")
            else:
                seen.add(full)
                kept.append(full)
        return todo

    def _relative(self, path: Path) -> str:
        return str(path)[len(str(self.root)) + 1:].replace(os.sep, "/")

    def write_all(self, files: Iterable[tuple[Path, str | bytes] | tuple[Path, bytes, str]],
                  sync: bool = True) -> list[Path]:
        """Write each `(path, text or bytes)` as `write_bytes` does; for many files, faster.
        An item may carry the bytes' SHA-256 (hex) as a third member, known already.

        `files` is consumed here, lazily (it may render each file and report progress). Past
        `IN_PROCESS_FILES`, the files go to a helper process that creates them while the next
        are rendered. Returns when every file is in place and on the disk; raises on the first
        that fails. The files are made durable together at the end (one fsync each would cost
        ten times the export); with `sync=False`, when the caller calls `sync` later.
        """
        written: list[Path] = []
        sent: list[Path] = []  # to the helper, not known to be in place yet
        digests: dict[str, str] = {}
        sink: FileSink | None = None
        try:
            for item in files:
                path = self._claim(item[0])
                self._unsynced.append(path)
                data = item[1].encode("utf-8") if isinstance(item[1], str) else item[1]
                rel = self._relative(path)
                self._digests[rel] = ""  # unknown until the file is known to be in place
                digests[rel] = item[2] if len(item) > 2 else hashlib.sha256(data).hexdigest()
                if len(written) == IN_PROCESS_FILES:
                    sink = self._sink()
                if sink is None:
                    self._flush_journal()
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
        self._digests.update(digests)
        if sync:
            self.sync()
        return written

    def _sink(self) -> FileSink | None:
        """A running helper process, or None (and files written here) if none can start."""
        try:
            return FileSink(self.root, before_send=self._flush_journal)
        except OSError:
            return None

    def _claim(self, path: Path) -> Path:
        """The checked destination of a write to `path`, listed in the journal; refuses a path
        twice in one build.

        `os.replace` never follows a symbolic link at the destination, so checking the folder
        is enough to keep every write inside the output folder.
        """
        path = Path(path)
        if path.name in ("", ".", ".."):
            raise BuildError(f"refusing to write {path}: not a file name")
        folder = self._folder(path)
        path = folder / path.name
        if str(path) in self._seen:
            raise BuildError(f"{path} was already written in this build (two articles or books "
                             "map to the same output file)")
        self._seen.add(str(path))
        self._dirty.add(folder)
        rel = str(path)[len(str(self.root)) + 1:].replace(os.sep, "/")
        self._pending.append(rel)
        self._claimed.add(rel)
        return path

    def _flush_journal(self) -> None:
        """Write the pending journal lines: before the files they name are created."""
        if self._pending and self._journal is not None:
            data = "".join(line + "\n" for line in self._pending).encode("utf-8")
            with writing(self.root / _JOURNAL):
                view = memoryview(data)
                while view:
                    view = view[os.write(self._journal, view):]
            self._pending.clear()

    def _store(self, path: Path, data: bytes, sync: bool = False) -> None:
        with writing(path):
            store_file(path, data, sync=sync)

    def write_text(self, path: Path, text: str) -> Path:
        return self.write_bytes(path, text.encode("utf-8"))

    def temporary_path(self, path: Path) -> Path:
        """A fresh temporary file beside `path`, for tools that write files themselves; pass it
        to `commit` when complete. A killed build's is removed by the next build."""
        folder = self._folder(Path(path))
        self._pending.append(str(folder / Path(path).name)[len(str(self.root)) + 1:]
                             .replace(os.sep, "/"))
        self._flush_journal()  # its folder is then searched for leftovers by the next build
        with writing(path):
            fd, tmp = open_temporary(folder / Path(path).name)
            os.close(fd)
        return Path(tmp)

    def commit(self, tmp: Path, path: Path) -> Path:
        """Rename a finished temporary file (from `temporary_path`) onto `path`, its data on
        the disk first."""
        try:
            path = self._claim(path)
            self._digests[self._relative(path)] = ""  # written by a tool: not hashed
            with writing(path):
                fd = os.open(tmp, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.chmod(tmp, 0o644)
                os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.written.append(path)
        return path

    def sync(self) -> None:
        """Make the files written so far durable: those written without fsync one by one while
        they are few, else all at once (`syncfs`, or `sync` where that is missing: it waits
        for every file of the file system, such as the cache a build has just stored), then
        each folder with new names once."""
        with writing(self.root):
            if len(self._unsynced) > SYNC_ONE_BY_ONE:
                _sync_file_system(self.root)
            else:
                for path in self._unsynced:
                    _sync_path(path)
            self._unsynced.clear()
            for folder in sorted(self._dirty, reverse=True):
                _sync_folder(folder)
            self._dirty.clear()

    def _write_manifest(self) -> None:
        digests = self._digests
        text = _MANIFEST_HEADER + "".join(
            (f"{e}\t{digests[e]}\n" if digests.get(e) else e + "\n")
            for e in sorted(self._manifest))
        store_file(self.root / OUTPUT_MANIFEST, text.encode("utf-8"), sync=True)
        _sync_folder(self.root)


def _lock(root: Path) -> int:
    """An exclusive lock on the folder `root`, held while the returned descriptor is open; a
    BuildError naming the other build when one holds it."""
    fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        import fcntl
    except ImportError:  # no flock (Windows): no lock
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        try:
            with open(root / _JOURNAL, encoding="utf-8", errors="replace") as journal:
                first = journal.readline()
        except OSError:
            first = ""
        pid = first.rpartition(" ")[2].strip() if first.startswith("# qtconvert build") else "?"
        raise BuildError(f"{root} is in use by another qtconvert build (pid {pid}); wait until "
                         "it ends, or choose another --out") from None
    except OSError:  # a file system without locks: build unlocked
        pass
    return fd


def _read_entries(path: Path) -> set[str]:
    """The entries of a manifest or journal: relative paths, none leaving the folder."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return set()
    return {line for line in text.splitlines() if line and not line.startswith(("#", "/"))
            and ".." not in line.split("/")}


def _read_digests(path: Path) -> dict[str, str]:
    """The manifest's entries, each with the SHA-256 of what was written ("" when unknown: a
    killed build's file, or a manifest of an older qtconvert)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return {}
    entries: dict[str, str] = {}
    for line in text.splitlines():
        entry, _, digest = line.partition("\t")
        if entry and entry[0] not in "#/" and "/../" not in f"/{entry}/":
            entries[entry] = digest
    return entries


def _remove_temporary_files(root: Path, entries: set[str]) -> None:
    """Remove the temporary files a killed build left beside its outputs: only names
    qtconvert makes (`.tmp-qtconvert-PID-N.suffix`), only in folders it wrote to."""
    for folder in map(root.joinpath, {e.rpartition("/")[0] for e in entries}):
        if folder.is_symlink() or not folder.is_dir():
            continue
        for name in os.listdir(folder):
            if is_temporary_name(name):
                (folder / name).unlink(missing_ok=True)


def _sync_path(path: Path) -> None:
    """fsync one file written earlier (gone already: nothing to do)."""
    _fsync(path, os.O_RDONLY)


def _sync_folder(folder: Path) -> None:
    """fsync a folder, so that the names renamed into it survive a machine crash (where the
    platform allows it: not on Windows)."""
    _fsync(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0),
           tolerated=(errno.EINVAL, errno.EBADF, errno.ENOTSUP))


def _fsync(path: Path, flags: int, tolerated: tuple[int, ...] = ()) -> None:
    """fsync what `path` names, opened with `flags`; nothing when it cannot be opened, and no
    error from fsync itself whose errno is `tolerated` (a platform that cannot sync it)."""
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno not in tolerated:
            raise
    finally:
        os.close(fd)


def _sync_file_system(root: Path) -> None:
    """Flush every file written on `root`'s file system: one `syncfs` (Linux) costs far less
    than an fsync per small file."""
    if sys.platform.startswith("linux"):
        fd = os.open(root, os.O_RDONLY)
        try:
            if ctypes.CDLL(None, use_errno=True).syncfs(fd) == 0:  # the C library's
                return
        finally:
            os.close(fd)
    os.sync()
