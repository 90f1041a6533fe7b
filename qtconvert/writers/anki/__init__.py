"""`--format anki`: Anki flashcard decks, one per subject (or one per `--book` recipe).

Writes `OUT/anki/<book key>.apkg` (deck `QuickTakes::<Subject>`, one note per article: the
question on the front, the answer with MathJax math, related questions and source on the back)
and `OUT/anki/<book key>.txt`, the same notes in Anki's plain-text import format. Re-importing
a rebuilt deck updates changed notes in place and keeps the learner's reviews (see
`package.py` on identity). Each deck is one unit of the build (`render_deck`), made from its
book and its answers' HTML alone. Needs genanki: `pip install qtconvert[anki]`. docs/anki.md says
what a learner does with the files.
"""

from __future__ import annotations

import os
import time
from functools import partial

from ...errors import UsageError
from ...model import Article, Collection
from ...model.books import Book
from ...model.urls import safe_name
from ...render.fragments import lua_filters
from ...render.links import Links, link_table
from ..base import Answers, BuildOptions, Result, Unit, Writer
from .cards import note_fields, tag_safe

__all__ = ["AnkiWriter", "build_time", "source_date_epoch", "deck_name", "note_tags",
           "render_deck"]

DECK_ROOT = "QuickTakes"


def source_date_epoch() -> float | None:
    """`SOURCE_DATE_EPOCH` in seconds when it is set (reproducible builds), else None."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or not value.strip():
        return None
    try:
        seconds = int(value)
    except ValueError:
        raise UsageError(f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds "
                         "since 1970") from None
    if seconds < 0:
        raise UsageError(f"SOURCE_DATE_EPOCH={value!r} is before 1970")
    return float(seconds)


def build_time() -> float:
    """The time stamped into the decks: `SOURCE_DATE_EPOCH` when set (reproducible builds),
    else now. A rebuild must be newer than the last for Anki to take its changes."""
    fixed = source_date_epoch()
    return time.time() if fixed is None else fixed


def deck_name(book: Book) -> str:
    """`QuickTakes::<book title>` (a subject book's title is its subject); `::` nests decks."""
    parts = [" ".join(part.split()) for part in book.title.split("::")]
    return "::".join([DECK_ROOT, *(part for part in parts if part)] if any(parts)
                     else [DECK_ROOT, book.key])


def note_tags(article: Article) -> list[str]:
    """The subject key and the keywords, as Anki tags (no spaces), each once (Anki's tags
    ignore case)."""
    tags: dict[str, str] = {}
    for tag in map(tag_safe, (article.subject_key, *article.keywords)):
        if tag:
            tags.setdefault(tag.casefold(), tag)
    return list(tags.values())


class AnkiWriter(Writer):
    """Writes `OUT/anki/<book key>.apkg` and `.txt`."""

    name = "anki"
    suffix = ".apkg"
    description = ("Anki flashcard decks, one per subject (or --book recipe), and Anki's "
                   "text import (needs pip install qtconvert[anki])")
    makes_books = True
    converts_answers = True

    @classmethod
    def check_options(cls, options: BuildOptions) -> None:
        try:
            import genanki  # noqa: F401
        except ImportError:
            raise UsageError("--format anki needs genanki: pip install qtconvert[anki]") from None
        build_time()

    def uri_for(self, target: Article, source: Article) -> str | None:
        """None: a card has no address of its own, links go to the articles' web pages."""
        return _no_address(target, source)

    def units(self) -> list[Unit]:
        """One unit per deck (a subject, or the `--book` recipe): its key holds the book's key,
        title and articles in order, the face of every article they link to and the Lua
        filters that shape the answers."""
        from ...read.recipes import books_for

        self.check_options(self.options)
        timestamp = build_time()
        fixed = source_date_epoch()
        config = self.options.config
        lua = lua_filters(config.lua_filters if config else ()).files
        units = []
        for book in books_for(self.selected, self.options.book):
            # The build time is in the key only when SOURCE_DATE_EPOCH fixes it (then the same
            # epoch gives the same bytes, a later one a new deck). Otherwise a deck whose notes
            # did not change is taken from the cache with the time it was first made, which is
            # right: Anki takes a note only from a newer deck, and nothing in it is newer; a
            # deck that changed is made again, stamped with this build's time.
            key = self.unit_key(book.articles, book.key, deck_name(book), lua, fixed)
            units.append(Unit(book.key, key, render_deck,
                              partial(self._deck_args, book, timestamp),
                              answers=Answers(book.articles, math="tex")))
        return units

    def _deck_args(self, book: Book, timestamp: float) -> tuple:
        return book, link_table(self.collection, book.articles), timestamp


def render_deck(book: Book, table: Collection, timestamp: float, *, fragments: dict[str, str]
                ) -> Result:
    """One unit: the `.apkg` and `.txt` of `book`'s deck, stamped `timestamp`; `fragments`
    holds each article's answer HTML with its math as TeX, `table` every article they link to
    (links go to web pages: a card has no address of its own)."""
    from .package import apkg_bytes
    from .text_import import text_file

    links = Links(table, _no_address)
    notes = [(a.anchor, note_fields(a, fragments[a.url], links), note_tags(a))
             for a in book.articles]
    deck = deck_name(book)
    return Result(((f"anki/{safe_name(book.key)}.apkg", apkg_bytes(deck, notes, timestamp)),
                   (f"anki/{safe_name(book.key)}.txt", text_file(deck, notes).encode("utf-8"))))


def _no_address(target: Article, source: Article) -> str | None:
    return None
