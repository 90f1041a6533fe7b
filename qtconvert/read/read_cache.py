"""Reading with the build cache: a file read before is not parsed again.

Each file's parse result (its article or None, and its diagnostics) is kept in the build cache
(`qtconvert.cache`) under a digest of all it depends on: the file's bytes, its place in the
source folder, `base_url` and qtconvert's code (`package_data.code_fingerprint`). Never an
mtime: every file is read and hashed, which costs a few percent of parsing it. Only the files
not found are parsed (by `parallel_read`, in several processes when there are many), from the
very bytes that were hashed. An entry names no path: the article's `source_path` and its
diagnostics' `path` are the file's path in this build, so a moved folder still finds its
entries. What `load` does after parsing (url and name clashes) is done on these results as on
freshly parsed ones.

The finished collection (after the filters, when their code is known) is kept too, and
patched when few files changed: see `collection_cache`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

from ..cache import DATABASE, NoCache
from ..model import Article, Diagnostic
from ..model.keys import digest
from ..package_data import code_fingerprint
from . import parallel_read

__all__ = ["Sources", "Deferred", "KIND"]

KIND = "read"  #: the kind of a file's entry (`qtconvert cache info`)
_SOURCE = [f.name for f in dataclasses.fields(Article)].index("source_path")

Result = tuple[Article | None, list[Diagnostic]]


@dataclasses.dataclass(frozen=True)
class Sources:
    """The files of one `load`, read and hashed: `contents[i]` is the bytes of `files[i]` (or
    the diagnostic saying why they could not be read), `keys[i]` the key of its entry."""

    files: Sequence[str]
    contents: Sequence[bytes | Diagnostic]
    keys: Sequence[str | None]
    base_url: str

    @classmethod
    def read(cls, files: Sequence[str], names: Sequence[str], base_url: str) -> Sources:
        """Read `files`; `names` are their paths inside the source folder (part of each key)."""
        from .articles import read_bytes

        seed = hashlib.sha256(digest(KIND, base_url, code_fingerprint()).encode())
        contents = [read_bytes(file) for file in files]
        keys: list[str | None] = []
        for name, raw in zip(names, contents):
            if isinstance(raw, Diagnostic):
                keys.append(None)  # not read: reported, never kept
                continue
            h = seed.copy()
            h.update(os.fsencode(name) + b"\0")
            h.update(raw)
            keys.append(h.hexdigest())
        return cls(files, contents, keys, base_url)

    def results(self, cache: NoCache, jobs: int | None = None,
                only: Sequence[int] | None = None) -> list[Result]:
        """`articles.read_article` of each file (or of the files at positions `only`), in
        order: from `cache` where it holds the result, else parsed (and kept)."""
        files, contents, keys = self.files, self.contents, self.keys
        which = range(len(files)) if only is None else only
        found = cache.meta(keys[i] for i in which if keys[i] is not None)
        missing = [i for i in which if keys[i] is not None and keys[i] not in found]
        parsed = parallel_read.read_all([files[i] for i in missing], self.base_url, jobs,
                                        [contents[i] for i in missing])  # type: ignore[misc]
        made = dict(zip(missing, parsed))
        for i, result in made.items():
            cache.put(keys[i], KIND, _entry(*result))  # type: ignore[arg-type]
        if missing:
            cache.commit()
        results: list[Result] = []
        for i in which:
            key = keys[i]
            if key is None:
                results.append((None, [contents[i]]))  # type: ignore[list-item]
            else:
                results.append(made[i] if i in made else _result(found[key], files[i]))
        return results

    @cached_property
    def key(self) -> str | None:
        """The digest of every file's path and entry key (None when one could not be read)."""
        if None in self.keys:
            return None
        h = hashlib.sha256(os.fsencode("\0".join(self.files)))
        h.update("\0".join(self.keys).encode())  # type: ignore[arg-type]
        return h.hexdigest()


class Deferred(NoCache):
    """`cache` as reading uses it before a build knows that it will write anything (`--strict`
    or a bad recipe stop it first, and then OUT must not exist): it reads what `cache` holds
    without creating it, and keeps new entries until `flush`."""

    def __init__(self, cache: NoCache) -> None:
        self.cache = cache
        self.enabled = cache.enabled
        self.folder = cache.folder
        self._pending: list[tuple[str, str, Any, Any]] = []

    def _exists(self) -> bool:
        return self.cache.enabled and self.folder is not None and (self.folder / DATABASE).exists()

    def meta(self, keys: Iterable[str]) -> dict[str, Any]:
        return self.cache.meta(keys) if self._exists() else {}

    def body(self, key: str) -> Any:
        if not self._exists():
            raise KeyError(key)
        return self.cache.body(key)

    def put(self, key: str, kind: str, meta: Any, body: Any = None) -> None:
        self._pending.append((key, kind, meta, body))

    def discard(self, keys: Iterable[str]) -> None:
        self._pending.append((None, "", list(keys), None))

    def flush(self) -> None:
        """Put the entries kept into `cache` (and remove those discarded), and commit."""
        for key, kind, meta, body in self._pending:
            if key is None:
                self.cache.discard(meta)
            else:
                self.cache.put(key, kind, meta, body)
        if self._pending:
            self.cache.commit()
        self._pending.clear()


def _entry(article: Article | None, problems: list[Diagnostic]) -> tuple[Any, ...]:
    """What the cache keeps of a parse result: no path."""
    row = parallel_read.pack(article)
    if row is not None:
        row = row[:_SOURCE] + ("",) + row[_SOURCE + 1:]
    return row, tuple((d.field, d.message, d.severity) for d in problems)


def _result(entry: tuple[Any, ...], path: str) -> Result:
    """The parse result `_entry` kept, for the file at `path`."""
    row, problems = entry
    if row is not None:
        row = row[:_SOURCE] + (path,) + row[_SOURCE + 1:]
    return parallel_read.unpack(row), [Diagnostic(path, *p) for p in problems]
