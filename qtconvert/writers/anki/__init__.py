"""`--format anki`: Anki flashcard decks, one per subject (or one per `--book` recipe).

Writes `OUT/anki/<book key>.apkg` (deck `QuickTakes::<Subject>`, one note per article: the
question on the front, the answer with MathJax math, related questions and source on the back)
and `OUT/anki/<book key>.txt`, the same notes in Anki's plain-text import format. Re-importing
a rebuilt deck updates changed notes in place and keeps the learner's reviews (see
`package.py` on identity). Needs genanki: `pip install qtconvert[anki]`. docs/anki.md says
what a learner does with the files.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

from ...errors import UsageError
from ...model import Article
from ...model.books import Book
from ...render import html_body
from ...render.pandoc import PandocOptions
from ..base import BuildOptions, Writer
from .cards import NoteFields, note_fields, tag_safe

__all__ = ["AnkiWriter", "build_time", "deck_name", "note_tags"]

DECK_ROOT = "QuickTakes"


def build_time() -> float:
    """The time stamped into the decks: `SOURCE_DATE_EPOCH` when set (reproducible builds),
    else now. A rebuild must be newer than the last for Anki to take its changes."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or not value.strip():
        return time.time()
    try:
        seconds = int(value)
    except ValueError:
        raise UsageError(f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds "
                         "since 1970") from None
    if seconds < 0:
        raise UsageError(f"SOURCE_DATE_EPOCH={value!r} is before 1970")
    return float(seconds)


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

    @classmethod
    def check_options(cls, options: BuildOptions) -> None:
        try:
            import genanki  # noqa: F401
        except ImportError:
            raise UsageError("--format anki needs genanki: pip install qtconvert[anki]") from None
        build_time()

    def uri_for(self, target: Article, source: Article) -> str | None:
        """None: a card has no address of its own, links go to the articles' web pages."""
        return None

    def write(self) -> list[Path]:
        from ...read.recipes import books_for
        from .package import apkg_bytes
        from .text_import import text_file

        self.check_options(self.options)
        timestamp = build_time()
        books = books_for(self.selected, self.options.book)
        articles = list({a.url: a for book in books for a in book.articles}.values())
        config = self.options.config
        options = PandocOptions(math="tex", jobs=self.options.jobs,
                                lua_filters=tuple(config.lua_filters) if config else ())
        fragments = html_body.render_answers(articles, options, self.progress,
                                             "Anki: converting answers")
        written = []
        for book in books:
            notes = list(self._notes(book, fragments))
            deck = deck_name(book)
            written.append(self.out.write_bytes(self.out.path("anki", book.key + self.suffix),
                                                apkg_bytes(deck, notes, timestamp)))
            written.append(self.out.write_text(self.out.path("anki", book.key + ".txt"),
                                               text_file(deck, notes)))
        return written

    def _notes(self, book: Book, fragments: dict[str, str]
               ) -> Iterator[tuple[str, NoteFields, list[str]]]:
        links = self.links()
        for article in book.articles:
            yield article.anchor, note_fields(article, fragments[article.url], links), \
                note_tags(article)
