"""Book recipes: a TOML file that says which articles make one EPUB or PDF, and how it looks.

The format is documented, with an example, in `content/recipes/README.md`. A recipe selects
articles by subject, keyword and url; every value is checked, and a bad one is a ConfigError
that names the file, the key and the fix.
"""

from __future__ import annotations

import re
import tomllib
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import Article, Collection
from ..model.books import Book, question_order, subject_books
from ..model.urls import parse_article_url, safe_name

__all__ = ["load_recipe", "books_for", "subject_colour", "ORDERS", "SUBJECT_COLOURS"]

ORDERS = ("question", "subject", "date", "listed")
_KEYS = {"title", "subtitle", "key", "language", "subjects", "keywords", "articles",
         "exclude", "order", "cover_colour", "cover_color"}
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
# cover colours for subject books (white text on each has at least 7:1 contrast)
SUBJECT_COLOURS = ("#1f4e79", "#7a2e2e", "#245e3a", "#5b2c6f", "#7a4b00", "#184f5c",
                   "#3d4a5c", "#8a2b55")


def books_for(selected: Collection, recipe: str | Path | None) -> list[Book]:
    """The recipe's one book when `recipe` (a TOML file) is given, else one per subject."""
    if recipe:
        return [load_recipe(recipe, selected)]
    return [replace(b, cover_colour=subject_colour(b.key)) for b in subject_books(selected)]


def subject_colour(key: str) -> str:
    """A cover colour for a subject book: stable for the key, varied across subjects."""
    return SUBJECT_COLOURS[zlib.crc32(key.encode("utf-8")) % len(SUBJECT_COLOURS)]


def load_recipe(path: str | Path, collection: Collection) -> Book:
    """Read the recipe at `path` and select its articles from `collection`."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the recipe: {exc.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not a valid TOML recipe: {exc}") from None
    return _Recipe(path, data).book(collection)


class _Recipe:
    """One recipe's validated values; `book` applies them to a collection."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            self.fail(unknown[0], f"unknown key (known: {', '.join(sorted(_KEYS - {'cover_color'}))})")
        self.data = data
        self.title = self.string("title", required=True)
        self.subtitle = self.string("subtitle", "QuickTakes study guide")
        self.key = safe_name(self.string("key", "") or self.title, "book")
        self.language = self.string("language", "en")
        if not _LANGUAGE.fullmatch(self.language):
            self.fail("language", f"{self.language!r} is not a language tag such as 'en' or 'en-GB'")
        colour = self.string("cover_colour", "") or self.string("cover_color", "#1f4e79")
        if not _COLOUR.fullmatch(colour):
            self.fail("cover_colour", f"{colour!r} is not a colour like '#1f4e79' or '#c33'")
        self.colour = colour.lower()
        self.subjects = self.strings("subjects")
        self.keywords = self.strings("keywords")
        self.articles = [self.article_url("articles", u) for u in self.strings("articles")]
        self.exclude = {self.article_url("exclude", u) for u in self.strings("exclude")}
        self.order = self.string("order", "listed" if self.articles and not self.subjects
                                 else "question")
        if self.order not in ORDERS:
            self.fail("order", f"{self.order!r} is not one of {', '.join(ORDERS)}")
        if not (self.subjects or self.keywords or self.articles):
            self.fail("subjects", "the recipe selects nothing: give subjects, keywords or articles")

    def fail(self, key: str, message: str) -> None:
        raise ConfigError(f"{self.path}: {key}: {message}")

    def string(self, key: str, default: str = "", required: bool = False) -> str:
        if key not in self.data:
            if required:
                self.fail(key, "missing (every recipe needs a title)")
            return default
        value = self.data[key]
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(key, f"must be a non-empty string, got {value!r}")
        return value.strip()

    def strings(self, key: str) -> list[str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, "must be a list of strings, e.g. [\"chemistry\"]")
        return [v.strip() for v in value if v.strip()]

    def article_url(self, key: str, href: str) -> str:
        url = parse_article_url(href)
        if url is None:
            self.fail(key, f"{href!r} is not an article address (/learn/<subject>/questions/<slug>)")
        return url

    def book(self, collection: Collection) -> Book:
        known = collection.subjects
        for key in self.subjects:
            if key not in known:
                self.fail("subjects", f"no articles under {key!r} (subjects: {', '.join(known)})")
        pool = [a for a in collection if not self.subjects or a.subject_key in self.subjects]
        wanted = {k.casefold() for k in self.keywords}
        if wanted:
            pool = [a for a in pool if wanted & {k.casefold() for k in a.keywords}]
        elif not self.subjects:
            pool = []  # only the listed articles
        chosen = {a.url: a for a in pool}
        for url in self.articles:
            article = collection.by_url(url)
            if article is None:
                self.fail("articles", f"{url} is not among the articles read")
            chosen.setdefault(url, article)
        articles = [a for url, a in chosen.items() if url not in self.exclude]
        if not articles:
            self.fail("keywords" if wanted else "subjects", "no article matches this recipe")
        articles = self.ordered(articles)
        names = tuple(dict.fromkeys(a.subject for a in articles))
        return Book(key=self.key, title=self.title, subtitle=self.subtitle,
                    articles=tuple(articles), subjects=names, keywords=tuple(self.keywords),
                    cover_colour=self.colour, language=self.language)

    def ordered(self, articles: list[Article]) -> list[Article]:
        by_question = question_order(articles)
        if self.order == "question":
            return by_question
        if self.order == "date":
            return sorted(by_question, key=lambda a: a.date)
        if self.order == "subject":
            rank = {k: n for n, k in enumerate(self.subjects)}
            return sorted(by_question, key=lambda a: (rank.get(a.subject_key, len(rank)),
                                                      a.subject_key))
        rank = {u: n for n, u in enumerate(self.articles)}  # listed first, then the rest
        return sorted(by_question, key=lambda a: rank.get(a.url, len(rank)))
