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

The finished collection (after the filters, when their code is known) is also kept whole, so
that reading a folder nothing changed in costs reading and hashing its files and one entry. It
is kept in one place per folder, `base_url` and filters (`Sources.slot`), with the digest of
everything it was made of (`Sources.key`): a new state of the folder replaces it rather than
adding 40 MB to the cache at each edit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Hashable, Iterable, Sequence
from functools import cached_property
from typing import Any

from ..cache import DATABASE, NoCache
from ..model import Article, Collection, Diagnostic
from ..model.keys import ArticleKeys, digest
from ..package_data import code_fingerprint
from . import parallel_read

__all__ = ["Sources", "Deferred", "KIND", "COLLECTION_KIND"]

KIND = "read"  #: the kind of a file's entry (`qtconvert cache info`)
COLLECTION_KIND = "read:collection"  #: the kind of a folder's finished collection
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

    def results(self, cache: NoCache, jobs: int | None = None) -> list[Result]:
        """`articles.read_article` of each file, in order: from `cache` where it holds the
        result, else parsed (and kept)."""
        files, contents, keys = self.files, self.contents, self.keys
        found = cache.meta(k for k in keys if k is not None)
        missing = [i for i, k in enumerate(keys) if k is not None and k not in found]
        parsed = parallel_read.read_all([files[i] for i in missing], self.base_url, jobs,
                                        [contents[i] for i in missing])  # type: ignore[misc]
        results: list[Result | None] = [None] * len(files)
        for i, result in zip(missing, parsed):
            results[i] = result
            cache.put(keys[i], KIND, _entry(*result))  # type: ignore[arg-type]
        if missing:
            cache.commit()
        for i, key in enumerate(keys):
            if key is None:
                results[i] = (None, [contents[i]])  # type: ignore[list-item]
            elif results[i] is None:
                results[i] = _result(found[key], files[i])
        return results  # type: ignore[return-value]

    # -- the finished collection -----------------------------------------------------------

    def slot(self, folder: str, then_key: Hashable) -> str:
        """Where the finished collection of `folder` (as named to `load`) is kept."""
        return digest(COLLECTION_KIND, folder, self.base_url, then_key, code_fingerprint())

    @cached_property
    def key(self) -> str | None:
        """The digest of every file's path and entry key (None when one could not be read)."""
        if None in self.keys:
            return None
        h = hashlib.sha256(os.fsencode("\0".join(self.files)))
        h.update("\0".join(self.keys).encode())  # type: ignore[arg-type]
        return h.hexdigest()

    def cached_collection(self, cache: NoCache, slot: str) -> Collection | None:
        """The collection kept in `slot` when it was made of these very files, else None."""
        key = self.key
        if key is None or cache.meta([slot]).get(slot) != key:
            return None
        try:
            articles, diagnostics, base_url, entries = cache.body(_body_of(slot))
        except KeyError:  # pruned
            return None
        return Collection(tuple(map(parallel_read.unpack, articles)),
                          tuple(Diagnostic(*d) for d in diagnostics), base_url, entries)

    def keep_collection(self, cache: NoCache, slot: str, collection: Collection) -> Collection:
        """Keep `collection`, made of these files, in `slot` (replacing what was there), with
        its articles' key entries (`ArticleKeys.entries`), which a rebuild then need not hash
        again; returns the collection carrying them."""
        key = self.key
        if key is None:
            return collection
        entries = ArticleKeys(collection).entries()
        articles = tuple(map(parallel_read.pack, collection.articles))
        diagnostics = tuple((d.path, d.field, d.message, d.severity)
                            for d in collection.diagnostics)
        cache.put(_body_of(slot), COLLECTION_KIND, None,
                  (articles, diagnostics, collection.base_url, entries))
        cache.put(slot, COLLECTION_KIND, key)
        cache.commit()
        return dataclasses.replace(collection, key_entries=entries)


def _body_of(slot: str) -> str:
    """The entry that holds the collection of `slot`: apart from the small one that says what
    it was made of, because the cache marks the entries it reads as used by rewriting them."""
    return digest(COLLECTION_KIND, "body", slot)


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

    def flush(self) -> None:
        """Put the entries kept into `cache`, and commit."""
        for entry in self._pending:
            self.cache.put(*entry)
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
