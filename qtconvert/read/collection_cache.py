"""A folder's finished collection, kept in the build cache, and patched when few files changed.

`load` with a cache keeps the collection it made (after the filters) in one place per folder,
`base_url` and filters (`slot`): its diagnostics and each article's key entry
(`ArticleKeys.entries`) in `Kept`, and what it was made of in `KeptFiles`, read only to patch
it: every file's name and entry key, its parse diagnostics, where its article is, what each
filter said of each article, and the lookups its rewrite may make (`model.lookups`). The
articles themselves are kept in chunks of about `CHUNK` articles, cut where an article's
address hashes to a multiple of `CHUNK` (so that an added or removed file moves no other
chunk's edges), each chunk under a key made of its articles' key entries and
paths: an edit stores the chunk it changed, not the whole collection.

The next load of the folder then:

- finds the very same files: it takes the collection as it was (`Kept.key` is the digest of
  every file's name and entry key);
- finds a few files changed, added or removed: it parses those (or takes them from the read
  cache), and rewrites with the filters only them and the articles whose lookups (by url,
  slug or id: `model.lookups`) find an article they held or hold. The rest, their
  diagnostics and their key entries are taken as they were. This is what a full
  load gives, and is tested as such; when the filters cannot run on single articles (a filter
  that is not built in), when many files changed, or when an address or output name clashes,
  the folder is read as a whole instead.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from ..cache import NoCache
from ..model import Article, Collection, Diagnostic
from ..model.keys import ArticleKeys, digest, linked_urls
from ..model.lookups import ArticleRewrites, found_under, slug_key, slug_of
from ..package_data import code_fingerprint
from . import parallel_read
from .read_cache import Result, Sources

__all__ = ["slot", "load", "Kept", "KeptFiles", "KIND", "CHUNK_KIND", "CHUNK"]

KIND = "read:collection"  #: the kind of a folder's kept collection (`qtconvert cache info`)
CHUNK_KIND = "read:articles"  #: the kind of a chunk of its articles
CHUNK = 64  #: articles per chunk, on average
PATCH_UP_TO = 0.25  #: past this share of files changed, the folder is read as a whole

Collect = Callable[[Sequence[str], Iterable[Result], str], tuple[Collection, int]]
Filters = Callable[[Collection], Collection]


@dataclasses.dataclass(frozen=True)
class Kept:
    """What a load of a folder kept, besides its articles: what a load that finds the same
    files needs (the entry's meta). How the collection was made, to patch it, is `KeptFiles`
    (the entry's body, read only to patch: about half of the whole, for the corpus)."""

    key: str  #: `Sources.key` of the files it was made of
    diagnostics: tuple[tuple[str, str, str, str], ...]  #: the collection's, as (path, field, ...)
    entries: dict[str, str]  #: each article's key entry, by url
    chunks: tuple[tuple[str, int], ...]  #: (entry key, articles), in order
    base_url: str
    patchable: bool  #: its `KeptFiles` has the lookups to patch it


@dataclasses.dataclass(frozen=True)
class KeptFiles:
    """How a kept collection was made of its files: enough to patch it."""

    files: tuple[str, ...]
    file_keys: tuple[str, ...]
    problems: tuple[tuple[tuple[str, str, str], ...], ...]  #: per file: its parse diagnostics
    positions: tuple[int, ...]  #: per file: its article's index in the collection, or -1
    lookups: tuple[tuple[str, ...], ...] | None  #: per article; None: not to be patched
    said: tuple[tuple[tuple[tuple[str, str, str, str], ...], ...], ...]  #: per filter, article


@dataclasses.dataclass
class _Made:
    """A collection as `load` made it, with what `Kept` keeps of how."""

    collection: Collection
    results: Sequence[Result]  #: each file's parse result
    lookups: tuple[tuple[str, ...], ...] | None = None
    said: Sequence[Sequence[tuple[Diagnostic, ...]]] = ()


def slot(folder: str, base_url: str, then_key: Hashable) -> str:
    """Where the collection of `folder` (as named to `load`) is kept."""
    return digest(KIND, folder, base_url, then_key, code_fingerprint())


def load(sources: Sources, cache: NoCache, where: str, then: Filters | None,
         collect: Collect, jobs: int | None = None) -> tuple[Collection, str]:
    """The collection of `sources` filtered by `then`, and how it was had: "kept" (nothing
    changed), "patched" (a few files did) or "read" (as a whole); kept in `where`.
    `collect` makes a collection of parse results (and counts the clashes it left out)."""
    rewrites: ArticleRewrites | None = (getattr(then, "rewrites", None) if then is not None
                                        else _NO_FILTERS)
    kept = _kept(cache, where) if sources.key is not None else None
    old = _articles(cache, kept) if kept is not None else None
    if kept is not None and old is None:  # a chunk was pruned: the others are not trusted
        cache.discard(key for key, _ in kept.chunks)
        kept = None
    if kept is not None and old is not None:
        if kept.key == sources.key:
            return Collection(old, tuple(Diagnostic(*d) for d in kept.diagnostics),
                              kept.base_url, kept.entries), "kept"
        how = _kept_files(cache, where) if rewrites is not None and kept.patchable else None
        if how is not None:
            made = _patch(sources, cache, kept, how, old, rewrites, collect, jobs)
            if made is not None:
                return _keep(sources, cache, where, kept, made), "patched"
    results = sources.results(cache, jobs)
    collection, clashes = collect(sources.files, results, sources.base_url)
    if rewrites is None:
        made = _Made(collection if then is None else then(collection), results)
    else:
        articles, said = rewrites.rewrite(collection, collection.articles)
        made = _Made(Collection(tuple(articles), collection.diagnostics + _flat(said),
                                collection.base_url), results, said=said)
        made.lookups = None if clashes else tuple(_lookups(rewrites, a) for a in collection)
    return _keep(sources, cache, where, kept, made), "read"


class _NoFilters:
    """No filters, as `ArticleRewrites`."""

    def references(self, article: Article) -> Iterable[str]:
        return ()

    def rewrite(self, collection: Collection, articles: Sequence[Article]
                ) -> tuple[list[Article], list[list[tuple[Diagnostic, ...]]]]:
        return list(articles), []


_NO_FILTERS = _NoFilters()


def _patch(sources: Sources, cache: NoCache, kept: Kept, how: KeptFiles, old: Sequence[Article],
           rewrites: ArticleRewrites, collect: Collect, jobs: int | None) -> _Made | None:
    """The collection of `sources` made from `kept` (whose articles are `old`, made `how`) by
    reading and rewriting what changed; None when it cannot be (see the module's text)."""
    files, keys = sources.files, sources.keys
    was = {name: j for j, name in enumerate(how.files)}
    same = [was.get(f, -1) for f in files]  # the kept file each file is, or -1
    same = [j if j >= 0 and how.file_keys[j] == keys[i] else -1 for i, j in enumerate(same)]
    changed = [i for i, j in enumerate(same) if j < 0]
    gone = set(range(len(how.files))).difference(same)
    if len(changed) + len(gone) > PATCH_UP_TO * max(len(files), 1):
        return None
    results: list[Result] = [None] * len(files)  # type: ignore[list-item]
    for i, result in zip(changed, sources.results(cache, jobs, changed)):
        results[i] = result
    for i, j in enumerate(same):
        if j >= 0:
            p = how.positions[j]
            results[i] = (old[p] if p >= 0 else None,
                          [Diagnostic(files[i], *d) for d in how.problems[j]])
    collection, clashes = collect(files, results, sources.base_url)
    if clashes:
        return None
    # the lookups that find an article the changed and removed files held or hold
    touched = [old[how.positions[j]] for j in gone if how.positions[j] >= 0]
    touched += [results[i][0] for i in changed if results[i][0] is not None]  # type: ignore[misc]
    names = {name for a in touched for name in found_under(a)}
    before: dict[str, tuple[int, int]] = {}  # url -> (kept position, file), of kept articles
    for i, j in enumerate(same):
        if j >= 0 and how.positions[j] >= 0:
            before[old[how.positions[j]].url] = (how.positions[j], i)
    lookups = how.lookups
    assert lookups is not None
    made_lookups: list[tuple[str, ...]] = []
    redo: list[int] = []
    again: dict[int, int] = {}  # position -> file, of kept articles to rewrite again
    for p, article in enumerate(collection):
        at = before.get(article.url)
        made_lookups.append(_lookups(rewrites, article) if at is None else lookups[at[0]])
        if at is None or not names.isdisjoint(made_lookups[p]):
            redo.append(p)
            if at is not None:
                again[p] = at[1]
    articles = list(collection.articles)
    if again:  # a kept article is rewritten already: rewrite it again as read
        for p, (article, _) in zip(again, sources.results(cache, jobs, list(again.values()))):
            if article is None or article.url != articles[p].url:
                return None
            articles[p] = article
    rewritten, now = rewrites.rewrite(collection, [articles[p] for p in redo])
    for p, article in zip(redo, rewritten):
        articles[p] = article
    said = []
    for now_k, kept_k in zip(now, how.said):
        said_k = dict(zip(redo, now_k))
        said.append([said_k[p] if p in said_k else _diagnostics(kept_k[before[a.url][0]])
                     for p, a in enumerate(articles)])
    redone = set(redo)
    known = {a.url: kept.entries[a.url] for p, a in enumerate(articles) if p not in redone}
    filtered = Collection(tuple(articles), collection.diagnostics + _flat(said),
                          sources.base_url, known)
    return _Made(filtered, results, tuple(made_lookups), said)


def _keep(sources: Sources, cache: NoCache, where: str, before: Kept | None, made: _Made
          ) -> Collection:
    """Keep `made`, of `sources`, in `where` (replacing `before`); returns its collection with
    every article's key entry (computed for those `collection.key_entries` does not hold)."""
    collection = made.collection
    if sources.key is None:
        return collection
    entries = ArticleKeys(collection, collection.key_entries).entries()
    articles = collection.articles
    held = {key for key, _ in before.chunks} if before is not None else set()
    chunks: list[tuple[str, int]] = []
    start = 0
    for end in _chunk_ends(articles):
        part = articles[start:end]
        key = digest(CHUNK_KIND, where, tuple((a.source_path, entries[a.url]) for a in part))
        if key not in held:
            cache.put(key, CHUNK_KIND, None, tuple(map(parallel_read.pack, part)))
        chunks.append((key, len(part)))
        start = end
    at = {a.url: p for p, a in enumerate(articles)}
    positions = tuple(at.get(a.url, -1) if a is not None and _kept_article(collection, a)
                      else -1 for a, _ in made.results)
    kept = Kept(sources.key, tuple(map(_row, collection.diagnostics)),  # type: ignore[arg-type]
                entries, tuple(chunks), collection.base_url, made.lookups is not None)
    how = KeptFiles(tuple(sources.files), tuple(sources.keys),  # type: ignore[arg-type]
                    tuple(tuple(_row(d)[1:] for d in found) for _, found in made.results),
                    positions, made.lookups,
                    tuple(tuple(tuple(map(_row, per_article)) for per_article in per_filter)
                          for per_filter in made.said))
    cache.put(where, KIND, kept, how)
    mine = {key for key, _ in chunks}
    cache.discard([key for key in held if key not in mine])
    cache.commit()
    return dataclasses.replace(collection, key_entries=entries)


def _kept_article(collection: Collection, article: Article) -> bool:
    """Whether a file's `article` (as read) is the one `collection` holds at its url (and not
    one left out for a clash)."""
    there = collection.by_url(article.url)
    return there is not None and there.source_path == article.source_path


def _kept(cache: NoCache, where: str) -> Kept | None:
    """What `where` holds (None: nothing, or another qtconvert's)."""
    kept = cache.meta([where]).get(where)
    return kept if isinstance(kept, Kept) else None


def _kept_files(cache: NoCache, where: str) -> KeptFiles | None:
    """How the collection `where` holds was made (None: not known)."""
    try:
        how = cache.body(where)
    except KeyError:
        return None
    return how if isinstance(how, KeptFiles) else None


def _articles(cache: NoCache, kept: Kept) -> tuple[Article, ...] | None:
    """The articles of `kept`, from its chunks (None when one is gone: pruned)."""
    articles: list[Article] = []
    for key, _ in kept.chunks:
        try:
            articles += map(parallel_read.unpack, cache.body(key))
        except KeyError:
            return None
    return tuple(articles)


def _chunk_ends(articles: Sequence[Article]) -> Iterable[int]:
    """Where each chunk of `articles` ends: after an article whose address hashes to a
    multiple of `CHUNK`, and at the end."""
    for p, article in enumerate(articles):
        if zlib.crc32(article.url.encode()) % CHUNK == 0:
            yield p + 1
    if articles and zlib.crc32(articles[-1].url.encode()) % CHUNK != 0:
        yield len(articles)


def _lookups(rewrites: ArticleRewrites, article: Article) -> tuple[str, ...]:
    """The lookups the filters' rewrite of `article` (as read) may make, and the slug of each
    article its source links to already (a `qtref:` link written by hand: the filters leave
    it alone, but its key entry holds its target's face)."""
    return tuple(dict.fromkeys((*rewrites.references(article),
                                *(slug_key(slug_of(url)) for url in linked_urls(article)))))


def _flat(said: Sequence[Sequence[tuple[Diagnostic, ...]]]) -> tuple[Diagnostic, ...]:
    """What the filters said, as a collection's diagnostics: filter by filter."""
    return tuple(d for per_filter in said for per_article in per_filter for d in per_article)


def _row(d: Diagnostic) -> tuple[str, str, str, str]:
    return d.path, d.field, d.message, d.severity


def _diagnostics(rows: Iterable[tuple[str, str, str, str]]) -> tuple[Diagnostic, ...]:
    return tuple(Diagnostic(*row) for row in rows)
