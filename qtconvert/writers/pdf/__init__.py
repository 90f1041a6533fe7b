"""The PDF writer: one printable study guide per subject (or recipe book), through WeasyPrint.

Each book is laid out as one HTML document per volume (`volume.volume_html`), math typeset as
SVG (`math_svg`), and rendered by `weasy` with the print stylesheet, which adds page numbers,
running heads, bookmarks and the page numbers of cross-references. A book larger than
`max_articles_per_volume` is split into volumes. Each volume is a unit of the build
(`volume.print_volume`): made from its own arguments on the build's executor, one core each,
and taken from the build cache when nothing it depends on changed; memory stays bounded by the
volume, since WeasyPrint lays each out in a child process that then ends. A link to a question
in another volume goes to its web address.

The layout also says which article block begins each page (`weasy.page_starts`): for a book
printed in one volume the writer hands these over (`PRINTED_PAGES`), so an EPUB made in the
same build carries the printed page numbers.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import partial
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote, urljoin

from ...errors import UsageError
from ...model.books import Book, Volume, split_volumes
from ...model.printed_pages import PRINTED_PAGES, PrintedPages
from ...package_data import stylesheet
from ...read import recipes
from ...render import html_body
from ...render.links import link_table
from ...render.pandoc import PandocOptions
from ..base import (Answers, BuildOptions, Progress, Result, Unit, Writer, option,
                    whole_number)
from . import math_svg, weasy
from .print_stylesheet import DEFAULT, read_stylesheet
from .volume import SHEET_RELATIVE, VolumeData, print_volume, volume_html, volume_scope

__all__ = ["PdfWriter", "PdfOptions", "volume_scope", "edition_identifier"]

PAPER_SIZES = ("A4", "Letter")


@dataclass(frozen=True)
class PdfOptions:
    """`--format pdf`'s own options."""

    paper: str = option("A4", "--paper", "paper size (default: A4)", choices=PAPER_SIZES)
    variant: str | None = option(None, "--pdf-variant", "a PDF variant WeasyPrint supports, "
                                 "e.g. pdf/ua-1 or pdf/a-3b", metavar="VARIANT")
    page_breaks: bool = option(True, "--flow", "let questions flow on (default: each question "
                               "starts a new page)")
    max_articles_per_volume: int = option(
        600, "--max-articles-per-volume", "split larger books into volumes of at most N "
        "articles (default: 600; 0: never split)", type=whole_number, metavar="N")


class PdfWriter(Writer):
    name: ClassVar[str] = "pdf"
    suffix: ClassVar[str] = ".pdf"
    description: ClassVar[str] = "printable study guides (WeasyPrint): OUT/pdf/<book>.pdf"
    makes_books: ClassVar[bool] = True
    converts_answers: ClassVar[bool] = True
    Options = PdfOptions
    provides = (PRINTED_PAGES,)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: typesets the math of `html` (the units typeset their own)
        self.math = math_svg.MathRenderer(jobs=self.options.job_count)
        self._volumes: dict[str, Volume] = {}  #: unit name -> its volume
        #: book key -> where its printed pages begin (books printed in one volume)
        self.printed_pages: dict[str, PrintedPages] = {}

    # -- the contract ------------------------------------------------------------------------

    @classmethod
    def check_options(cls, options: BuildOptions) -> None:
        own = options.for_format(cls)
        weasy.check_variant(own.variant)
        if own.paper not in PAPER_SIZES:
            raise UsageError(f"unknown paper size {own.paper!r} (supported: "
                             f"{', '.join(PAPER_SIZES)})")
        stylesheet(options.stylesheet, DEFAULT)

    def units(self) -> list[Unit]:
        """One unit per volume, named after its file. Its key holds the volume's articles
        (and the face of each article they link to), which volume of which book it is, the
        book's metadata, the stylesheet (and the files it names), and this format's options
        (paper, variant, page breaks); the engine adds the Lua filters. Nothing from the
        other volumes: a link to a question outside the volume goes to its web address, so a
        volume's pages, and the page numbers it prints, depend on its own layout alone."""
        o = self.format_options
        sheet = read_stylesheet(self.options.stylesheet)
        for warning in weasy.stylesheet_warnings(stylesheet(self.options.stylesheet, DEFAULT)):
            self.progress.note(f"warning: {warning}")  # else WeasyPrint is silent
        units = []
        for book in self.books():
            parts = split_volumes(book, o.max_articles_per_volume)
            if len(parts) > 1:
                self.progress.note(f"pdf: {book.key}: {len(book.articles):,} questions, split "
                                   f"into {len(parts)} volumes of at most "
                                   f"{o.max_articles_per_volume:,}")
            for volume in parts:
                self._volumes[volume.key] = volume
                face = (volume.key, volume.number, volume.count, volume.first,
                        [(f.name, getattr(book, f.name)) for f in fields(book)
                         if f.name != "articles"])
                key = self.unit_key(volume.articles, face, sheet.name, sheet.data,
                                    sheet.packaged, sheet.files)
                # the volume prints its own articles: its book travels without the others
                alone = replace(volume, book=replace(book, articles=()))
                units.append(Unit(volume.key, key, print_volume,
                                  partial(self._volume_args, alone, volume.articles, sheet),
                                  answers=Answers(volume.articles, math="tex")))
        return units

    def _volume_args(self, alone: Volume, articles: tuple, sheet) -> tuple:
        """`print_volume`'s arguments: the volume without its book's other articles, and the
        articles its own link to."""
        o = self.format_options
        return (alone, link_table(self.collection, articles), sheet, o.paper, o.variant,
                o.page_breaks)

    def combine(self, results: Mapping[str, Result]) -> Result:
        """The printed pages of every book printed in one volume (for `handover`), and the
        notes of the whole build: formulas printed as TeX, resources refused."""
        failed: dict[tuple[str, bool], int] = {}
        refused: list[str] = []
        for name, result in results.items():
            data: VolumeData = result.data
            volume = self._volumes[name]
            if data.pages is not None:
                self.printed_pages[volume.book.key] = PrintedPages(
                    volume.book.key, self.edition_identifier(volume.book), data.pages)
            for formula, times in data.failed_math:
                failed[formula] = failed.get(formula, 0) + times
            refused.extend(self._as_given(url) for url in data.refused)
        notes = []
        if failed:
            notes.append(f"pdf: {sum(failed.values())} formula(s) could not be typeset and are "
                         f"printed as TeX ({len(failed)} distinct)")
        if refused:
            notes.append(f"pdf: refused to load {len(refused)} resource(s) from outside "
                         f"qtconvert's styles, e.g. {refused[0]}")
        return Result(notes=tuple(notes))

    def _as_given(self, url: str) -> str:
        """A refused URL; one a `--stylesheet` names beside itself, as the address there."""
        if not url.startswith(SHEET_RELATIVE) or self.options.stylesheet is None:
            return url
        sheet = Path(self.options.stylesheet).resolve().as_uri()
        return urljoin(sheet, quote(url[len(SHEET_RELATIVE):]))

    def handover(self) -> Mapping[str, object]:
        return {PRINTED_PAGES: dict(self.printed_pages)}

    def edition_identifier(self, book: Book) -> str:
        """The printed edition's identifier: `urn:uuid:` from what decides its pages (the
        book's articles, the paper, page breaks), the same for the same input."""
        o = self.format_options
        name = "\n".join(["qtconvert-pdf:" + book.key, o.paper, str(o.page_breaks),
                          *(a.url for a in book.articles)])
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"

    # -- steps -------------------------------------------------------------------------------

    def books(self) -> list[Book]:
        """The books to print: from the recipe when one was given, else one per subject."""
        return recipes.books_for(self.selected, self.options.book)

    def html(self, volume: Volume, progress: Progress | None = None) -> str:
        """The final HTML of one volume, as its unit gives it to WeasyPrint, with the answers
        converted here and the math typeset by `self.math` (for tests and benchmarks)."""
        config = self.options.config
        options = PandocOptions(math="tex", jobs=self.options.jobs,
                                lua_filters=config.lua_filters if config else ())
        fragments = html_body.render_answers(volume.articles, options, progress or self.progress,
                                             f"PDF {volume.key}: converting answers")
        return volume_html(volume, link_table(self.collection, volume.articles), fragments,
                           self.math, page_breaks=self.format_options.page_breaks)
