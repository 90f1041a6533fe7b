"""The build cache: a content-addressed store of work that is expensive to redo.

Entries are named by keys (`model.keys.digest` of everything the work depends on) and hold a
small `meta` value (read for every entry a build looks at) and an optional `body` (read only
when needed: a finished unit's files). They live in one SQLite database,
`<folder>/cache.sqlite`, by default `OUT/.qtconvert-cache/`:

- an entry is written in a transaction, so a killed build never leaves half of one that a later
  build would read as whole;
- only the build driver writes (workers return bytes), so no two processes race on a key;
- the folder is safe to delete at any time (the next build is a full one), carries a
  `CACHEDIR.TAG` so backup tools skip it, and is bounded by `qtconvert cache prune`.

`NoCache` has the same interface and keeps nothing (`--no-cache`).
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BuildError
from .model.urls import CACHE_FOLDER

__all__ = ["Cache", "NoCache", "CacheInfo", "CACHE_FOLDER", "open_cache"]

DATABASE = "cache.sqlite"
PAGE_SIZE = 65536  #: bytes per page of a new database
CACHE_KIB = 65536  #: SQLite's page cache, per connection: pages held before they spill
_TAG = (b"Signature: 8a477f597d28d172789f06886806bc55\n"
        b"# This folder is qtconvert's build cache; it is safe to delete.\n"
        b"# See https://bford.info/cachedir/ and `qtconvert cache info`.\n")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,   -- a model.keys digest
    kind TEXT NOT NULL,     -- what it holds: "answer-html", "unit:epub", ...
    size INTEGER NOT NULL,  -- bytes of meta and body, as stored
    used REAL NOT NULL,     -- when a build last wrote or read it (seconds since the epoch)
    meta BLOB NOT NULL,
    body BLOB
);
CREATE INDEX IF NOT EXISTS entries_used ON entries (used);
"""
_BATCH = 900  # keys per query (SQLite allows 999 parameters)


@dataclass(frozen=True)
class CacheInfo:
    """What a cache holds: entries and bytes per kind, and where."""

    folder: Path
    kinds: dict[str, tuple[int, int]]  #: kind -> (entries, bytes)
    file_bytes: int  #: the database's size on disk

    @property
    def entries(self) -> int:
        return sum(n for n, _ in self.kinds.values())

    @property
    def bytes(self) -> int:
        return sum(b for _, b in self.kinds.values())


class NoCache:
    """A cache that keeps nothing: every lookup misses (`--no-cache`)."""

    enabled = False
    folder: Path | None = None

    def meta(self, keys: Iterable[str]) -> dict[str, Any]:
        return {}

    def body(self, key: str) -> Any:
        raise KeyError(key)

    def has(self, keys: Iterable[str]) -> set[str]:
        return set()

    def put(self, key: str, kind: str, meta: Any, body: Any = None) -> None:
        pass

    def discard(self, keys: Iterable[str]) -> None:
        pass

    def commit(self) -> None:
        pass

    def checkpoint(self) -> None:
        pass

    def close(self) -> None:
        pass


class Cache(NoCache):
    """The SQLite store in `folder` (made on first use). Writes are grouped into transactions:
    `commit` makes them durable (the build does so after each phase and at its end)."""

    enabled = True
    #: an entry read is marked used again only when its mark is older than this (seconds):
    #: marking rewrites the row, body and all, so a rebuild does not rewrite the cache
    touch_after = 3600.0

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self._db: sqlite3.Connection | None = None
        self._touched: set[str] = set()

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                tag = self.folder / "CACHEDIR.TAG"
                if not tag.exists():
                    tag.write_bytes(_TAG)
                db = sqlite3.connect(self.folder / DATABASE, timeout=60, isolation_level=None)
                # Pages of 64 KB (for a new database; SQLite's largest): the entries are
                # mostly blobs of 4 to 60 KB, which 4 KB pages split into chains of overflow
                # pages, each written to the log and then to the database with a system call
                # of its own. Storing a cold build's 180 MB took 1.55 s that way, 0.75 s so.
                db.execute(f"PRAGMA page_size={PAGE_SIZE}")
                db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                # No checkpoint of SQLite's own while a build runs: a checkpoint fsyncs the
                # database, and on a journalling file system an fsync waits for the files the
                # build wrote meanwhile (at SQLite's default, every 4 MB, it held up the writing
                # of a cold build's 24,000 files by a fifth of the build's time). The build
                # calls `checkpoint` when it writes no files, and `close` checkpoints.
                db.execute("PRAGMA wal_autocheckpoint=0")
                db.executescript(_SCHEMA)
            except (OSError, sqlite3.Error) as error:
                raise BuildError(f"cannot use the cache in {self.folder}: {error} (remove the "
                                 "folder, or build with --no-cache)") from None
            db.execute("BEGIN")
            self._db = db
        return self._db

    def meta(self, keys: Iterable[str]) -> dict[str, Any]:
        """key -> meta value, for the keys the cache holds."""
        found: dict[str, Any] = {}
        db = self._connect()
        for marks, chunk in _batches(keys):
            for key, meta in db.execute(f"SELECT key, meta FROM entries WHERE key IN ({marks})",
                                        chunk):
                found[key] = pickle.loads(meta)
        self._touched.update(found)
        return found

    def has(self, keys: Iterable[str]) -> set[str]:
        """The keys the cache holds (read without their values, and marked as used)."""
        found: set[str] = set()
        for marks, chunk in _batches(keys):
            found.update(k for (k,) in self._connect().execute(
                f"SELECT key FROM entries WHERE key IN ({marks})", chunk))
        self._touched.update(found)
        return found

    def body(self, key: str) -> Any:
        """The body of entry `key` (KeyError when it has none), marked as used."""
        row = self._connect().execute("SELECT body FROM entries WHERE key = ?", (key,)).fetchone()
        if row is None or row[0] is None:
            raise KeyError(key)
        self._touched.add(key)
        return pickle.loads(row[0])

    def put(self, key: str, kind: str, meta: Any, body: Any = None) -> None:
        """Store an entry (replacing one of the same key); durable at the next `commit`."""
        m = pickle.dumps(meta, protocol=pickle.HIGHEST_PROTOCOL)
        b = None if body is None else pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL)
        self._connect().execute(
            "INSERT OR REPLACE INTO entries (key, kind, size, used, meta, body) "
            "VALUES (?, ?, ?, ?, ?, ?)", (key, kind, len(m) + len(b or b""), time.time(), m, b))
        self._touched.discard(key)

    def discard(self, keys: Iterable[str]) -> None:
        """Remove these entries (those held); at the next `commit`."""
        for marks, chunk in _batches(keys):
            self._connect().execute(f"DELETE FROM entries WHERE key IN ({marks})", chunk)
            self._touched.difference_update(chunk)

    def commit(self) -> None:
        """Make the entries put so far durable, and mark the ones read as used now."""
        if self._db is None:
            return
        db = self._db
        now = time.time()
        for marks, chunk in _batches(self._touched):
            db.execute(f"UPDATE entries SET used = ? WHERE used < ? AND key IN ({marks})",
                       [now, now - self.touch_after, *chunk])
        self._touched.clear()
        try:
            db.execute("COMMIT")
        except sqlite3.Error as error:
            raise BuildError(f"could not write the cache in {self.folder}: {error}") from None
        db.execute("BEGIN")

    def checkpoint(self) -> None:
        """Commit, and move the write-ahead log into the database now: for a build, while it
        waits for pandoc and writes no files, so that `close` has less to move at the end."""
        if self._db is not None:
            self.commit()
            try:  # only a head start on `close`'s work: a failure here stops nothing
                self._db.execute("COMMIT")
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                pass
            if not self._db.in_transaction:
                self._db.execute("BEGIN")

    def close(self) -> None:
        """Commit, move the write-ahead log into the database, and close (a build calls it
        when it ends, also after a failure)."""
        if self._db is not None:
            try:
                self.commit()
                self._db.execute("COMMIT")
                # not waiting long for another build that reads the same cache: the log is
                # then moved by the next build that closes it
                self._db.execute("PRAGMA busy_timeout=2000")
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass
            self._db.close()
            self._db = None

    # -- `qtconvert cache` ---------------------------------------------------------------------

    def info(self) -> CacheInfo:
        kinds: dict[str, tuple[int, int]] = {}
        if (self.folder / DATABASE).exists():
            for kind, n, size in self._connect().execute(
                    "SELECT kind, COUNT(*), SUM(size) FROM entries GROUP BY kind ORDER BY kind"):
                kinds[kind] = (n, size or 0)
        return CacheInfo(self.folder, kinds, _disk_bytes(self.folder))

    def prune(self, max_bytes: int | None = None, older_than: float | None = None) -> tuple[int, int]:
        """Remove entries unused for `older_than` seconds, then the least recently used until
        the entries hold at most `max_bytes`; returns (entries, bytes) removed. The database
        file shrinks to match."""
        if not (self.folder / DATABASE).exists():
            return 0, 0
        db = self._connect()
        removed = freed = 0
        if older_than is not None:
            cut = time.time() - older_than
            n, size = db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM entries "
                                 "WHERE used < ?", (cut,)).fetchone()
            db.execute("DELETE FROM entries WHERE used < ?", (cut,))
            removed, freed = removed + n, freed + size
        if max_bytes is not None:
            total = db.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()[0]
            doomed: list[str] = []
            for key, size in db.execute("SELECT key, size FROM entries ORDER BY used, key"):
                if total <= max_bytes:
                    break
                doomed.append(key)
                total -= size
                freed += size
            self.discard(doomed)
            removed += len(doomed)
        self.commit()
        db.execute("COMMIT")
        db.execute("VACUUM")
        db.execute("BEGIN")
        return removed, freed

    def keys(self, kind_prefix: str = "") -> Iterator[str]:
        """The keys held (of kinds starting with `kind_prefix`), for tests and tools."""
        yield from (k for (k,) in self._connect().execute(
            "SELECT key FROM entries WHERE kind LIKE ? ORDER BY key", (kind_prefix + "%",)))


def _batches(keys: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
    """The distinct `keys` in runs of at most `_BATCH`, each with its SQL placeholders."""
    distinct = list(dict.fromkeys(keys))
    for start in range(0, len(distinct), _BATCH):
        chunk = distinct[start:start + _BATCH]
        yield ",".join("?" * len(chunk)), chunk


def _disk_bytes(folder: Path) -> int:
    total = 0
    for name in (DATABASE, DATABASE + "-wal", DATABASE + "-shm"):
        try:
            total += (folder / name).stat().st_size
        except OSError:
            pass
    return total


def open_cache(out: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None,
               enabled: bool = True) -> NoCache:
    """The cache a build into `out` uses: `cache_dir`, else `out/.qtconvert-cache`; a
    `NoCache` when not `enabled`."""
    if not enabled:
        return NoCache()
    return Cache(Path(cache_dir) if cache_dir is not None else Path(out) / CACHE_FOLDER)
