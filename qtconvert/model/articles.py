"""The intermediate document model: plain, typed, immutable data with no I/O.

The reader builds it, filters return rewritten copies of it, writers read it.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import operator
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from .urls import anchor_for_url

DEFAULT_BASE_URL = "https://quicktakes.io"

Severity = Literal["error", "warning", "info"]  # info: correct behaviour worth telling

# Characters a terminal acts on rather than shows (C0 and C1 controls, DEL, line and paragraph
# separators, bidirectional overrides): a file name holding them could forge or hide a line.
_TERMINAL_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escaped(text: str) -> str:
    """`text` with each terminal-unsafe character written as its Python escape (`\\n`, `\\x1b`)."""
    if _TERMINAL_UNSAFE.search(text) is None:
        return text
    return _TERMINAL_UNSAFE.sub(lambda m: repr(m.group())[1:-1], text)


def _pickled_by_fields(cls):
    """`cls` (a frozen dataclass with slots) pickled as a call with its fields' values.

    The state methods that `dataclass(slots=True)` writes call `dataclasses.fields` for every
    object they pickle or unpickle; a build hands each format's workers every article it
    renders, and those calls were 5 of the build's CPU seconds on the corpus."""
    names = [f.name for f in dataclasses.fields(cls)]
    values = operator.attrgetter(*names)
    if len(names) == 1:
        cls.__reduce__ = lambda self: (cls, (values(self),))
    else:
        cls.__reduce__ = lambda self: (cls, values(self))
    return cls


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in the input: which file, which field, and why, in one line.

    `str()` escapes control characters, so that a file name or value cannot break the line
    or send a terminal escape sequence.
    """

    path: str
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{_escaped(self.path)}: {_escaped(self.field)}: {_escaped(self.message)}"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "field": self.field, "message": self.message,
                "severity": self.severity}


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class RelatedLink:
    """A `related_articleN` entry as written in the front matter.

    `target_url` is filled in by the cross-reference filter: the `url` of the article in
    the collection this link resolves to, or None when the target is not in the collection
    (then writers link `canonical_url`). `rule` says how it was resolved.
    """

    id: int | None
    title: str
    subject: str
    url: str
    canonical_url: str = ""
    target_url: str | None = None
    rule: str = ""
    field: str = ""  #: where it was written (`related_article3`, `related[3]`), for messages

    def resolved(self, target_url: str | None, rule: str) -> RelatedLink:
        """This link resolved to `target_url` by `rule` (itself when that is what it says
        already). The filter calls this for every link of the site: it is made directly,
        several times faster than `dataclasses.replace`."""
        if target_url == self.target_url and rule == self.rule:
            return self
        return RelatedLink(self.id, self.title, self.subject, self.url, self.canonical_url,
                           target_url, rule, self.field)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Article:
    """One question with its Markdown answer.

    `answer` is Markdown with real newlines and math normalised to `$..$` and `$$..$$`.
    Raw HTML inside it is text: every renderer must escape it.
    """

    id: int
    title: str
    question: str
    answer: str
    subject: str
    subject_key: str
    slug: str
    url: str
    canonical_url: str
    date: _dt.date
    keywords: tuple[str, ...] = ()
    description: str = ""
    related: tuple[RelatedLink, ...] = ()
    no_index: bool = False
    source_path: str = ""
    author: str = "QuickTakes"

    @property
    def anchor(self) -> str:
        """The article's stable anchor: an XML id derived from its url, same in every output."""
        return anchor_for_url(self.url)

    @property
    def listed_related(self) -> tuple[RelatedLink, ...]:
        """The related links a reader is shown: each other question once, in order.

        The site's data repeats links (the same url twice, or the same question filed under two
        subjects, at two urls with one title) and may link an article to itself; `related`
        keeps them as written.
        """
        seen = {self.url, _title_key(self.title)}
        listed = []
        for link in self.related:
            keys = (link.target_url or link.canonical_url or link.url, _title_key(link.title))
            if not seen.intersection(keys):
                seen.update(keys)
                listed.append(link)
        return tuple(listed)

    def replace(self, **changes: object) -> Article:
        """A copy with some fields changed (the model is immutable)."""
        return dataclasses.replace(self, **changes)


def _title_key(title: str) -> str:
    return "title:" + " ".join(title.casefold().split())


@dataclass(frozen=True)
class Collection:
    """An ordered set of articles with lookups by url, subject and id (ids are not unique).

    Iterating yields the articles. `diagnostics` holds what the reader (and filters) found.
    """

    articles: tuple[Article, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    base_url: str = DEFAULT_BASE_URL
    #: each article's `ArticleKeys.entry` by url, when a cache kept them with the collection
    #: (derived data: equal collections compare equal with or without it)
    key_entries: Mapping[str, str] | None = field(default=None, repr=False, compare=False)
    _by_url: Mapping[str, Article] = field(init=False, repr=False, compare=False)
    _by_subject: Mapping[str, tuple[Article, ...]] = field(init=False, repr=False, compare=False)
    _by_id: Mapping[int, tuple[Article, ...]] = field(init=False, repr=False, compare=False)
    _by_slug: Mapping[str, tuple[Article, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_subject: dict[str, list[Article]] = {}
        by_id: dict[int, list[Article]] = {}
        by_slug: dict[str, list[Article]] = {}
        for a in self.articles:
            by_subject.setdefault(a.subject_key, []).append(a)
            by_id.setdefault(a.id, []).append(a)
            by_slug.setdefault(a.slug, []).append(a)
        freeze = lambda d: MappingProxyType({k: tuple(v) for k, v in d.items()})  # noqa: E731
        object.__setattr__(self, "_by_url", MappingProxyType({a.url: a for a in self.articles}))
        object.__setattr__(self, "_by_subject", freeze(by_subject))
        object.__setattr__(self, "_by_id", freeze(by_id))
        object.__setattr__(self, "_by_slug", freeze(by_slug))

    def __reduce__(self):  # the lookups are rebuilt, not pickled (a unit carries a collection)
        return (Collection, (self.articles, self.diagnostics, self.base_url))

    def __iter__(self) -> Iterator[Article]:
        return iter(self.articles)

    def __len__(self) -> int:
        return len(self.articles)

    def by_url(self, url: str) -> Article | None:
        """The article whose `url` is exactly `url`, or None."""
        return self._by_url.get(url)

    def by_subject(self, subject_key: str) -> tuple[Article, ...]:
        """The articles filed under `subject_key`, in collection order."""
        return self._by_subject.get(subject_key, ())

    def by_id(self, article_id: int) -> tuple[Article, ...]:
        """Every article with this id (the same article may be filed under two subjects)."""
        return self._by_id.get(article_id, ())

    def by_slug(self, slug: str) -> tuple[Article, ...]:
        """Every article with this slug, under any subject."""
        return self._by_slug.get(slug, ())

    @property
    def subjects(self) -> Mapping[str, str]:
        """Subject key -> display name, in collection order."""
        return {key: arts[0].subject for key, arts in self._by_subject.items()}

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "warning")

    @property
    def infos(self) -> tuple[Diagnostic, ...]:
        """Diagnostics of severity "info": worth telling, not a problem."""
        return tuple(d for d in self.diagnostics if d.severity == "info")

    def replace(self, *, articles: Sequence[Article] | None = None,
                diagnostics: Sequence[Diagnostic] = ()) -> Collection:
        """A copy with other articles and/or extra diagnostics appended."""
        return Collection(tuple(self.articles if articles is None else articles),
                          self.diagnostics + tuple(diagnostics), self.base_url)

    def select(self, subject_keys: Sequence[str]) -> Collection:
        """Only the articles under the given subjects (all when empty)."""
        if not subject_keys:
            return self
        keys = set(subject_keys)
        return self.replace(articles=[a for a in self.articles if a.subject_key in keys])
