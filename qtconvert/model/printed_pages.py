"""Where the pages of a printed book begin: what the PDF's layout tells the EPUB of the same
build, so the ebook can carry the print edition's page numbers (a page list)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PageStart", "PrintedPages", "PRINTED_PAGES"]

#: the name under which the PDF writer hands its page starts to later writers of the build
PRINTED_PAGES = "printed_pages"


@dataclass(frozen=True)
class PageStart:
    """A printed page and the article block it begins with (`render.html_body.blocks`)."""

    label: str  #: the page number as printed
    anchor: str  #: the article's anchor
    block: int  #: the block's number in the article's section


@dataclass(frozen=True)
class PrintedPages:
    """The pages of one printed book (a book printed in one volume), in page order. Pages
    that begin with no article block (title, contents, index, a continued paragraph) are left
    out."""

    book: str  #: the book key
    edition: str  #: the identifier of the printed edition
    pages: tuple[PageStart, ...]
