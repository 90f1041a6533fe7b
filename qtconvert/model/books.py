"""Books: an ordered selection of articles published as one EPUB or PDF (one per subject, or
one defined by a recipe), their parts (subject runs) and their printed volumes."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import Article, Collection
from .urls import safe_name

__all__ = ["Book", "Volume", "SubjectRun", "subject_books", "split_volumes", "subject_runs",
           "question_order", "counted"]


@dataclass(frozen=True)
class Book:
    """An ordered selection of articles published as one EPUB or PDF."""

    key: str  #: file name stem, made safe (`mathematics`)
    title: str
    subtitle: str
    articles: tuple[Article, ...]
    subjects: tuple[str, ...]  #: subject display names, in order of first appearance
    keywords: tuple[str, ...] = ()
    cover_colour: str = "#1f4e79"
    language: str = "en"

    def __contains__(self, article: object) -> bool:
        return isinstance(article, Article) and article.url in self.urls

    @property
    def urls(self) -> frozenset[str]:
        return frozenset(a.url for a in self.articles)


def counted(n: int, noun: str = "question") -> str:
    """`1 question`, `2,033 questions`; `noun` may be `question and answer`."""
    if n != 1:
        noun = " and ".join(word + "s" for word in noun.split(" and "))
    return f"{n:,} {noun}"


def question_order(articles: Iterable[Article]) -> tuple[Article, ...]:
    """Articles in the order of their questions (case-insensitive), then of their urls."""
    return tuple(sorted(articles, key=lambda a: (a.question.casefold(), a.url)))


@dataclass(frozen=True)
class SubjectRun:
    """A run of consecutive articles of one subject in a book: a part of the book."""

    key: str
    name: str
    articles: tuple[Article, ...]


def subject_runs(articles: Sequence[Article]) -> list[SubjectRun] | None:
    """The book's articles as runs of one subject each, in book order; None when a subject
    comes back after another (the book then has no subject level)."""
    runs: list[tuple[str, str, list[Article]]] = []
    for a in articles:
        if runs and runs[-1][0] == a.subject_key:
            runs[-1][2].append(a)
        else:
            runs.append((a.subject_key, a.subject, [a]))
    if len({key for key, _, _ in runs}) != len(runs):
        return None
    return [SubjectRun(key, name, tuple(arts)) for key, name, arts in runs]


@dataclass(frozen=True)
class Volume:
    """The part of a book printed as one PDF; a book small enough is one volume of one."""

    book: Book
    number: int
    count: int
    articles: tuple[Article, ...]
    first: int  #: the book-wide number of the first question in this volume

    @property
    def key(self) -> str:
        return self.book.key if self.count == 1 else f"{self.book.key}-vol{self.number}"

    @property
    def label(self) -> str:
        return "" if self.count == 1 else f"Volume {self.number} of {self.count}"


def split_volumes(book: Book, max_articles: int) -> list[Volume]:
    """The book in volumes of at most `max_articles` (0: one volume), sized evenly."""
    arts = book.articles
    count = max(1, math.ceil(len(arts) / max_articles)) if max_articles > 0 else 1
    size = math.ceil(len(arts) / count) if arts else 0
    return [Volume(book, n + 1, count, arts[n * size:(n + 1) * size], n * size + 1)
            for n in range(count)]




def subject_books(selected: Collection) -> list[Book]:
    """One book per subject of `selected`, articles in question order."""
    books = []
    for key, name in sorted(selected.subjects.items()):
        books.append(Book(key=safe_name(key), title=f"{name}", subtitle="QuickTakes study guide",
                          articles=question_order(selected.by_subject(key)), subjects=(name,)))
    return books
