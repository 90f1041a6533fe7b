"""Stable keys: a hash of everything a piece of output depends on, and nothing else.

A key is the same for the same inputs on any machine, in any process, at any path: it hashes
values (text, numbers, dates, tuples of them), never mtimes, absolute paths or object ids. The
build engine names cached work and finished units by these keys (see docs/engine.md).

What an article's output depends on is its own content (`article_digest`: every field but
the file it was read from) and, for each article it links to, that article's face
(`link_face`: what a link to it shows or leads to). `linked_urls` says which articles those are.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import pickle
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .articles import Article
from .urls import QTREF_SCHEME

__all__ = ["digest", "value_digest", "article_digest", "link_face", "linked_urls", "file_digest",
           "ArticleKeys"]

_QTREF = re.compile(re.escape(QTREF_SCHEME) + r"(/learn/[a-z0-9-]+/questions/[a-z0-9-]+)")


_SCALARS = (str, bytes, int, float, bool, type(None), _dt.date)


def _canonical(value: Any) -> Any:
    """`value` with every dict made a sorted tuple of pairs (the rest as it is): its `repr`
    is then the same for equal values in any process."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, dict):
        return ("dict", tuple(sorted((_canonical(k), _canonical(v)) for k, v in value.items())))
    raise TypeError(f"cannot key a {type(value).__name__}")


def digest(*parts: Any) -> str:
    """The hex SHA-256 of `parts`: strings, bytes, numbers, dates, None, and tuples, lists and
    dicts of them (dicts as their items, sorted; lists as tuples)."""
    return value_digest(_canonical(parts))


def file_digest(data: bytes) -> str:
    """The hex SHA-256 of a file's bytes."""
    return hashlib.sha256(data).hexdigest()


def article_digest(article: Article) -> str:
    """Everything of `article` an output may show: all fields but `source_path` (where it was
    read from, which no output depends on)."""
    related = tuple((r.id, r.title, r.subject, r.url, r.canonical_url, r.target_url, r.rule,
                     r.field) for r in article.related)
    return value_digest(("article", article.id, article.title, article.question,
                          article.answer, article.subject, article.subject_key, article.slug,
                          article.url, article.canonical_url, article.date, article.keywords,
                          article.description, related, article.no_index, article.author))


def value_digest(value: tuple) -> str:
    """The hex SHA-256 of `value`, a tuple of strings, bytes, numbers, dates, None and tuples
    of them (no dicts: `digest` takes those), as pickled without a memo (`fast`): each object
    is written out in full wherever it occurs, so equal values give equal bytes whether or not
    they share objects, in any process. Three times faster than hashing the `repr`, which
    escapes every character of an answer's text."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump(value)
    return hashlib.sha256(buffer.getbuffer()).hexdigest()


def link_face(article: Article | None) -> tuple:
    """What a link to `article` shows or leads to: its title and question, address, subject
    and anchor (None: the target is not in the collection, so links go to the web)."""
    if article is None:
        return ()
    return (article.url, article.title, article.question, article.canonical_url,
            article.subject, article.subject_key, article.slug, article.no_index)


def linked_urls(article: Article) -> Iterable[str]:
    """The `url` of every article `article` links to: resolved related links and the pending
    cross-references in its answer."""
    for link in article.related:
        if link.target_url:
            yield link.target_url
    if QTREF_SCHEME in article.answer:
        yield from _QTREF.findall(article.answer)


class ArticleKeys:
    """The digests of one collection's articles, each computed once per build, and the key of
    a group of them: their content and the face of every article they link to (so a unit that
    links to an article is rebuilt when that article's title, address or subject changes, or
    when it is added or removed)."""

    def __init__(self, articles: Iterable[Article],
                 known: Mapping[str, str] | None = None) -> None:
        """`known`: entries computed earlier for these very articles (`entries`), by url."""
        self._by_url = {a.url: a for a in articles}
        self._digests: dict[str, str] = {}
        self._entries: dict[str, str] = dict(known or {})

    def entries(self) -> dict[str, str]:
        """The entry of every article, by url: what a cache keeps to pass as `known`."""
        return {url: self.entry(a) for url, a in self._by_url.items()}

    def digest(self, article: Article) -> str:
        found = self._digests.get(article.url)
        if found is None:
            found = self._digests[article.url] = article_digest(article)
        return found

    def entry(self, article: Article) -> str:
        """The digest of `article` and of the face of each article it links to (computed once
        per build, shared by every format's units)."""
        found = self._entries.get(article.url)
        if found is None:
            linked = tuple((url, link_face(self._by_url.get(url)))
                           for url in sorted(set(linked_urls(article))))
            found = self._entries[article.url] = value_digest((self.digest(article), linked))
        return found

    def of(self, articles: Iterable[Article]) -> str:
        """One digest of `articles` (in order) and of what each links to."""
        return hashlib.sha256(" ".join(self.entry(a) for a in articles).encode()).hexdigest()
