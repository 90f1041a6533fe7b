"""Books for the EPUB and PDF writers: one per subject, or one defined by a recipe file."""

from __future__ import annotations

from dataclasses import dataclass

from . import Article, Collection
from .urls import safe_name

__all__ = ["Book", "subject_books", "counted"]


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


def _by_question(articles: tuple[Article, ...]) -> tuple[Article, ...]:
    return tuple(sorted(articles, key=lambda a: (a.question.casefold(), a.url)))


def subject_books(selected: Collection) -> list[Book]:
    """One book per subject of `selected`, articles in question order."""
    books = []
    for key, name in sorted(selected.subjects.items()):
        books.append(Book(key=safe_name(key), title=f"{name}", subtitle="QuickTakes study guide",
                          articles=_by_question(selected.by_subject(key)), subjects=(name,)))
    return books
