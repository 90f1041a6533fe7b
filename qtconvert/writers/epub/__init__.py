"""EPUB 3 writer: one study book per subject (or one per `--book` recipe).

Inside each book: an SVG cover, a title page, the contents (subject > questions, with
landmarks), one XHTML page per article (question, answer, related questions), and an index of
the articles' keywords. Each book is a unit of the build engine (`book.make_book`): it is made
from its arguments only, so the build caches it and makes books side by side on its executor;
the engine converts the answers with pandoc beforehand (cached per answer).

When the PDF of the same book is made in the same build, the PDF writer (which then runs
first) hands over where its pages begin (`PRINTED_PAGES`), and the book carries them: a
page-break marker per printed page and a page list (`pages`). Without it the book is as ever.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import astuple, dataclass, fields

from ...errors import UsageError
from ...model.books import Book
from ...model.printed_pages import PRINTED_PAGES
from ...package_data import stylesheet
from ...render.html_body import render_answers
from ...render.links import link_table
from ...render.pandoc import PandocOptions
from ..base import Answers, BuildOptions, Result, Unit, Writer, option
from .book import (CONFORMS_TO, MATH_FORMS, book_identifier, book_scope, make_book, page_names,
                   pandoc_math, piece_keys, subject_groups)
from .cover import accent_colour

__all__ = ["EpubWriter", "EpubOptions", "CONFORMS_TO", "MATH_FORMS", "book_scope", "page_names",
           "subject_groups", "book_identifier"]


@dataclass(frozen=True)
class EpubOptions:
    """`--format epub`'s own options."""

    math: str = option("mathml", "--epub-math", "how formulas are written: mathml (default) or "
                       "svg (images with their TeX as text alternative, for reading systems "
                       "without MathML such as Kindle)", choices=MATH_FORMS)


class EpubWriter(Writer):
    """Writes `OUT/epub/<book key>.epub`, one unit per book."""

    name = "epub"
    suffix = ".epub"
    description = "EPUB 3 study books, one per subject (or one per --book recipe)"
    makes_books = True
    converts_answers = True
    uses = (PRINTED_PAGES,)
    Options = EpubOptions

    @classmethod
    def check_options(cls, options: BuildOptions) -> None:
        math = options.for_format(cls).math
        if math not in MATH_FORMS:
            raise UsageError(f"--epub-math: unknown value {math!r} (supported: "
                             f"{', '.join(MATH_FORMS)})")
        stylesheet(options.stylesheet, "epub.css")

    def units(self) -> list[Unit]:
        """One unit per book (`book.make_book`)."""
        from ...read.recipes import books_for

        css = self._stylesheet()
        return [self._unit(book, css) for book in books_for(self.selected, self.options.book)]

    def combine(self, results: Mapping[str, Result]) -> Result:
        """The build's notes: books whose PDF is printed in volumes (no page list), and the
        formulas `--epub-math svg` showed as TeX, counted over every book."""
        notes = []
        handed = self.handed.get(PRINTED_PAGES)
        if handed is not None:
            notes += [f"epub: {key}: no page list (its PDF is printed in volumes that each "
                      "number their pages from 1)" for key in results if key not in handed]
        failed: dict[tuple[str, bool], int] = {}
        for result in results.values():
            for formula, times in (result.data or {}).items():
                failed[formula] = failed.get(formula, 0) + times
        if failed:
            notes.append(f"epub: {sum(failed.values())} formula(s) could not be typeset and are "
                         f"shown as TeX ({len(failed)} distinct)")
        return Result(notes=tuple(notes))

    def build_book(self, book: Book) -> bytes:
        """The EPUB file of `book`, made in this process with its answers through pandoc here
        (for tests and benchmarks; a build runs the units through the engine)."""
        unit = self._unit(book, self._stylesheet())
        lua = tuple(self.options.config.lua_filters) if self.options.config else ()
        fragments = render_answers(book.articles, PandocOptions(
            math=unit.answers.math, lua_filters=lua, jobs=self.options.jobs),
            note=self.progress.note)
        return unit.call(*unit.arguments(), fragments=fragments).files[0][1]

    def _unit(self, book: Book, css: bytes) -> Unit:
        """`book` as a unit. Its key holds the book's articles (and the face of every article
        they link to), the book's own fields (title, subjects, cover colour...), the
        stylesheet's bytes and the printed pages the PDF of this build handed over; the math
        form is among the format's options, the site's address in every key."""
        printed = (self.handed.get(PRINTED_PAGES) or {}).get(book.key)
        math = self.format_options.math
        key = self.unit_key(book.articles, book_face(book), css,
                            astuple(printed) if printed is not None else None)
        # a page is kept compressed: zlib's version decides those bytes too
        page_base = self.unit_key((), "page", book.language, accent_colour(book.cover_colour),
                                  zlib.ZLIB_RUNTIME_VERSION)
        return Unit(book.key, key, make_book,
                    lambda: (book, link_table(self.collection, book.articles), css,
                             self.collection.base_url, printed, math),
                    Answers(book.articles, pandoc_math(math)),
                    pieces=lambda: piece_keys(book, printed, page_base, self.keys.entry),
                    # the cache keeps the pages, compressed as the zip holds them: a book
                    # missing from OUT is zipped again from them, so its bytes are not kept
                    keep_files=False)

    def _stylesheet(self) -> bytes:
        path = stylesheet(self.options.stylesheet, "epub.css")
        try:
            return path.read_bytes()
        except OSError as exc:
            raise UsageError(f"--stylesheet {path}: cannot read it ({exc.strerror})") from None


def book_face(book: Book) -> tuple:
    """Every field of `book` but its articles (which the unit key holds on its own): what the
    cover, title page and package metadata show."""
    return tuple((f.name, getattr(book, f.name)) for f in fields(book) if f.name != "articles")
