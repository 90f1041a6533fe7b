"""The PDF writer: one printable study guide per subject (or recipe book), through WeasyPrint.

Each book is laid out as one HTML document per volume (`pdf_html`), math typeset as SVG
(`math_svg`), and rendered by `weasy` with the print stylesheet, which adds page numbers,
running heads, bookmarks and the page numbers of cross-references. A book larger than
`max_articles_per_volume` is split into volumes, each rendered and released before the next,
so memory stays bounded; while WeasyPrint lays out one volume (in a child process, on one
core), the next one's HTML is prepared. A link to a question in another volume goes to its web address.

The layout also says which article block begins each page (`weasy.page_starts`): for a book
printed in one volume the writer hands these over (`PRINTED_PAGES`), so an EPUB made in the
same build carries the printed page numbers.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ...errors import UsageError
from ...model import Article
from ...model.books import Book, Volume, counted, split_volumes
from ...model.printed_pages import PRINTED_PAGES, PageStart, PrintedPages
from ...output import writing
from ...package_data import data_dir, stylesheet
from ...read import recipes
from ...render import html_body
from ...render.links import Links, LinkScope
from ...render.pandoc import PandocOptions
from ..base import BuildOptions, Progress, Writer, option, whole_number
from . import document, math_svg, weasy

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
    Options = PdfOptions
    provides = (PRINTED_PAGES,)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.math = math_svg.MathRenderer(jobs=self.options.job_count)
        self.refused: list[str] = []  #: URLs the fetcher refused, over the whole build
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
        stylesheet(options.stylesheet, "print.css")

    def write(self) -> list[Path]:
        variant = weasy.check_variant(self.format_options.variant)
        stylesheets = [stylesheet(self.options.stylesheet, "print.css")]
        for warning in weasy.stylesheet_warnings(stylesheets[0]):  # else WeasyPrint is silent
            self.progress.note(f"warning: {warning}")
        volumes: list[Volume] = []
        for book in self.books():
            parts = split_volumes(book, self.format_options.max_articles_per_volume)
            if len(parts) > 1:
                self.progress.note(f"pdf: {book.key}: {len(book.articles):,} questions, split "
                                   f"into {len(parts)} volumes of at most "
                                   f"{self.format_options.max_articles_per_volume:,}")
            volumes.extend(parts)
        written: list[Path] = []
        html = self.html(volumes[0]) if volumes else ""
        for n, volume in enumerate(volumes):
            path = self.out.path("pdf", volume.key + self.suffix)
            tmp = self.out.temporary_path(path)
            self.progress.start(f"PDF {volume.key}: typesetting "
                                f"{counted(len(volume.articles))}", 1)
            job = weasy.start_pdf(html, tmp, stylesheets=stylesheets,
                                  css=f"@page {{ size: {self.format_options.paper} }}",
                                  base_dir=data_dir("styles"), variant=variant,
                                  temp_folder=self.out.work_folder())
            try:  # WeasyPrint uses one core: the next volume's HTML is made meanwhile
                html = self.html(volumes[n + 1], Progress()) if n + 1 < len(volumes) else ""
                with writing(path):  # a full disk: the message names the PDF, not `tmp`
                    result = job.result()
            except BaseException:
                job.cancel()
                tmp.unlink(missing_ok=True)
                raise
            self.progress.advance()
            self.progress.done()
            self.refused.extend(result.refused)
            if volume.count == 1:  # a split book numbers each volume's pages from 1
                self.printed_pages[volume.book.key] = PrintedPages(
                    volume.book.key, self.edition_identifier(volume.book),
                    tuple(_page_start(label, key) for label, key in result.page_starts))
            written.append(self.out.commit(tmp, path))
        if self.math.failures:
            self.progress.note(f"pdf: {self.math.failures} formula(s) could not be typeset and "
                               f"are printed as TeX ({len(self.math.failed)} distinct)")
        if self.refused:
            self.progress.note(f"pdf: refused to load {len(self.refused)} resource(s) from "
                               f"outside qtconvert's styles, e.g. {self.refused[0]}")
        return written

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
        """The final HTML of one volume, as WeasyPrint receives it. A link leads inside the
        volume when both ends are in it (`volume_scope`), else to the web address."""
        links = self.links(volume_scope(volume))
        config = self.options.config
        options = PandocOptions(math="tex", jobs=self.options.jobs,
                                lua_filters=config.lua_filters if config else ())
        label = f"PDF {volume.key}: converting answers"
        fragments = html_body.render_answers(volume.articles, options,
                                             progress or self.progress, label)
        sections = {a.url: self._section(a, fragments[a.url], links) for a in volume.articles}
        self.math.prepare(f for s in sections.values() for f in math_svg.math_spans(s))
        for section in sections.values():
            math_svg.typeset(section, self.math)
            math_svg.lift_display(section)
        return document.document(volume, sections, page_breaks=self.format_options.page_breaks)

    def _section(self, article: Article, fragment: str, links: Links) -> ET.Element:
        section = html_body.article_element(article, fragment, links, mark_blocks=True)
        heading = section.find("h2")
        if heading is not None:  # as printed (typographic quotes)
            question = "".join(heading.itertext())
            heading.set("data-short", document.short_question(question))
            heading.set("data-bookmark", question)
        _fix_local_links(section, article.anchor)
        source = ET.SubElement(section, "p", {"class": "qt-source"})
        source.text = article.canonical_url.split("://", 1)[-1]
        return section


def volume_scope(volume: Volume) -> LinkScope:
    """Inside a printed volume every question is `#anchor` (a page reference)."""
    return LinkScope({a.url: "#" + a.anchor for a in volume.articles})


def _page_start(label: str, key: str) -> PageStart:
    anchor, number = key.rsplit("/", 1)
    return PageStart(label, anchor, int(number))


def _fix_local_links(section: ET.Element, anchor: str) -> None:
    """A dangling `#` link is dropped (html_body has already pointed in-answer links at the
    renamed ids and removed code-line links), and so are ids no link uses (each would be a
    named destination in the PDF)."""
    for pre in section.iter("pre"):
        for el in pre.iter():
            el.attrib.pop("id", None)
    ids = {el.get("id") for el in section.iter() if el.get("id")}
    for a in section.iter("a"):
        href = a.get("href", "")
        if href.startswith("#") and href[1:] not in ids and "qt-xref" not in a.get("class", ""):
            a.attrib.pop("href")
    used = {a.get("href", "")[1:] for a in section.iter("a")} | {anchor}
    for el in section.iter():
        if el.get("id") and el.get("id") not in used:
            del el.attrib["id"]
